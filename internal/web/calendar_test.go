package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// calendarFixture serves the calendar pages on a real, seeded database. The
// actor of a request is named by the X-Test-Actor header (the session
// middleware's job in the real program); the access guard is in every
// request's context, as identityhttp puts it.
func calendarFixture(t *testing.T, d *db.DB) http.Handler {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, locale.VN) }
	log, err := audit.New(d, audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := calstore.New(d, calstore.Options{Audit: log, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Deps{Catalog: cat, Calendar: svc, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Register(mux)
	guard := access.NewGuard(access.Options{DB: d, Audit: log})
	actors := map[string]*actor.Actor{
		"admin": {AccountID: 1, Kind: actor.Official, Name: "Quản trị hệ thống", Roles: []actor.RoleGrant{{Role: "system_admin"}}},
		"clerk": {AccountID: 2, Kind: actor.Official, Name: "Văn thư", AgencyID: 4, Roles: []actor.RoleGrant{{Role: "clerk", AgencyID: 4}}},
	}
	session := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := access.WithGuard(r.Context(), guard)
			if a := actors[r.Header.Get("X-Test-Actor")]; a != nil {
				ctx = actor.With(ctx, a)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	return httpx.Chain(mux, http.NewCrossOriginProtection().Handler, session)
}

type calScenario struct {
	Name            string
	Method, URL     string
	Form            url.Values
	Actor           string
	ExpectedStatus  int
	ExpectedContent []string
	Absent          []string
	Location        string
}

func (sc calScenario) run(t *testing.T, h http.Handler) string {
	t.Helper()
	var body io.Reader
	if sc.Form != nil {
		body = strings.NewReader(sc.Form.Encode())
	}
	method := sc.Method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, sc.URL, body)
	if sc.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if sc.Actor != "" {
		req.Header.Set("X-Test-Actor", sc.Actor)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := rec.Body.String()
	if rec.Code != sc.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, sc.URL, rec.Code, sc.ExpectedStatus, out)
	}
	for _, c := range sc.ExpectedContent {
		if !strings.Contains(out, c) {
			t.Fatalf("%s %s: body lacks %q\n%s", method, sc.URL, c, out)
		}
	}
	for _, c := range sc.Absent {
		if strings.Contains(out, c) {
			t.Fatalf("%s %s: body has %q", method, sc.URL, c)
		}
	}
	if sc.Location != "" && !strings.HasPrefix(rec.Header().Get("Location"), sc.Location) {
		t.Fatalf("%s %s: Location %q, want %q…", method, sc.URL, rec.Header().Get("Location"), sc.Location)
	}
	return out
}

func TestCalendarPages(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, calstore.Migrations}, func(t *testing.T, d *db.DB) {
		h := calendarFixture(t, d)
		dayOff := url.Values{"kind": {"day_off"}, "date": {"2026-12-31"}, "name_vi": {"Nghỉ thử cuối năm"}, "source": {"Văn bản thử"}}
		mondayWorked := url.Values{"kind": {"workday"}, "date": {"2026-12-07"}, "name_vi": {"Làm bù thử"}, "source": {"Văn bản thử"}}
		for _, sc := range []calScenario{
			{Name: "Tết 2026 with its lunar date", URL: "/calendar?month=2026-02", ExpectedStatus: 200, ExpectedContent: []string{
				"<caption>Tháng 2 năm 2026", `<th scope="col">`, `<span class="vh">Thứ Hai</span>`,
				`id="d-2026-02-17" class="holiday off"`, `<time datetime="2026-02-17">17</time>`, `<span class="vh">Âm lịch </span>1/1</span>`,
				"Nghỉ lễ<span class=\"name\">: Tết Âm lịch", `id="d-2026-02-01"`, "14/12</span>", // the month on the 1st
				`href="/calendar?month=2026-01" rel="prev"`, `href="/calendar?month=2026-03" rel="next"`,
				"Âm lịch: từ ngày 14/12 năm Ất Tỵ đến ngày 12/1 năm Bính Ngọ."},
				Absent: []string{"/calendar/overrides"}},
			{Name: "this month by default, today marked", URL: "/calendar", ExpectedStatus: 200, ExpectedContent: []string{
				"Lịch làm việc tháng 11/2026", `id="d-2026-11-25" class="" aria-current="date"`}},
			{Name: "the 2/9/2026 swap", URL: "/calendar?month=2026-08", ExpectedStatus: 200, ExpectedContent: []string{
				`id="d-2026-08-22" class="makeup"`, "Làm bù<span class=\"name\">: Làm bù cho thứ Hai 31/08/2026",
				`id="d-2026-08-31" class="dayoff off"`, "Nghỉ hoán đổi<span class=\"name\">: Nghỉ hoán đổi dịp Quốc khánh"}},
			{Name: "a leap lunar month", URL: "/calendar?month=2025-07", ExpectedStatus: 200, ExpectedContent: []string{"1/6 nhuận"}},
			{Name: "compensatory day", URL: "/calendar?month=2026-04", ExpectedStatus: 200, ExpectedContent: []string{
				`id="d-2026-04-27" class="compensatory off"`, "Nghỉ bù<span class=\"name\">: Nghỉ bù Giỗ Tổ Hùng Vương", "10/3"}},
			{Name: "English", URL: "/calendar?month=2026-02&lang=en", ExpectedStatus: 200, ExpectedContent: []string{"Public holiday<span class=\"name\">: Lunar New Year (Tết)", "Monday"}},
			{Name: "first supported month has no previous link", URL: "/calendar?month=1900-01", ExpectedStatus: 200, Absent: []string{`rel="prev"`}},
			{Name: "last supported month has no next link", URL: "/calendar?month=2199-12", ExpectedStatus: 200, Absent: []string{`rel="next"`}},
			{Name: "month 13", URL: "/calendar?month=2026-13", ExpectedStatus: 400, ExpectedContent: []string{"không hợp lệ: dùng dạng YYYY-MM"}},
			{Name: "not a month", URL: "/calendar?month=tet", ExpectedStatus: 400, ExpectedContent: []string{"không hợp lệ"}},
			{Name: "out of range", URL: "/calendar?month=2200-01", ExpectedStatus: 400, ExpectedContent: []string{"ngoài khoảng"}},
			{Name: "a clerk does not see the edit link", URL: "/calendar?month=2026-02", Actor: "clerk", ExpectedStatus: 200, Absent: []string{"/calendar/overrides"}},
			{Name: "the administrator sees the edit link", URL: "/calendar?month=2026-02", Actor: "admin", ExpectedStatus: 200, ExpectedContent: []string{`href="/calendar/overrides?year=2026"`}},

			{Name: "overrides: anonymous is sent to sign in", URL: "/calendar/overrides", ExpectedStatus: 303, Location: "/login"},
			{Name: "overrides: a clerk is refused", URL: "/calendar/overrides", Actor: "clerk", ExpectedStatus: 403, ExpectedContent: []string{"không được phép"}},
			{Name: "overrides: the administrator's list", URL: "/calendar/overrides?year=2026", Actor: "admin", ExpectedStatus: 200, ExpectedContent: []string{
				"<caption>Điều chỉnh lịch năm 2026", "16/02/2026", "Thông báo 9441/TB-BNV", `<time datetime="2026-08-22">22/08/2026</time>`, `action="/calendar/overrides"`}},
			{Name: "overrides: bad year", URL: "/calendar/overrides?year=20x6", Actor: "admin", ExpectedStatus: 400},
			{Name: "add: anonymous", Method: "POST", URL: "/calendar/overrides", Form: dayOff, ExpectedStatus: 303, Location: "/login"},
			{Name: "add: a clerk", Method: "POST", URL: "/calendar/overrides", Form: dayOff, Actor: "clerk", ExpectedStatus: 403},
			{Name: "add: a Monday as make-up day", Method: "POST", URL: "/calendar/overrides", Form: mondayWorked, Actor: "admin", ExpectedStatus: 400,
				ExpectedContent: []string{`role="alert"`, "vốn đã là ngày làm việc", `value="Làm bù thử"`}},
			{Name: "add: no kind", Method: "POST", URL: "/calendar/overrides", Form: url.Values{"source": {"x"}}, Actor: "admin", ExpectedStatus: 400, ExpectedContent: []string{"Hãy chọn loại"}},
			{Name: "add: bad date", Method: "POST", URL: "/calendar/overrides", Form: url.Values{"kind": {"day_off"}, "date": {"2026-02-30"}, "name_vi": {"x"}, "source": {"x"}}, Actor: "admin", ExpectedStatus: 400, ExpectedContent: []string{"không tồn tại"}},
			{Name: "add: a second Tết 2026", Method: "POST", URL: "/calendar/overrides", Actor: "admin", ExpectedStatus: 409,
				Form: url.Values{"kind": {"placement"}, "rule_key": {"tet"}, "year": {"2026"}, "from": {"2026-02-13"}, "to": {"2026-02-17"}, "source": {"x"}}, ExpectedContent: []string{"đã có lịch nghỉ"}},
			{Name: "nothing was added", URL: "/calendar?month=2026-12", ExpectedStatus: 200, Absent: []string{"Nghỉ thử cuối năm", "Làm bù thử"}},
			{Name: "add: a day off", Method: "POST", URL: "/calendar/overrides", Form: dayOff, Actor: "admin", ExpectedStatus: 303, Location: "/calendar/overrides?added="},
			{Name: "the month shows it", URL: "/calendar?month=2026-12", ExpectedStatus: 200, ExpectedContent: []string{`id="d-2026-12-31" class="dayoff off"`, "Nghỉ thử cuối năm"}},
		} {
			t.Run(sc.Name, func(t *testing.T) { sc.run(t, h) })
		}

		// Delete it again from the list.
		out := calScenario{URL: "/calendar/overrides?year=2026", Actor: "admin", ExpectedStatus: 200}.run(t, h)
		i := strings.Index(out, "Nghỉ thử cuối năm")
		j := strings.Index(out[i:], `action="/calendar/overrides/`)
		if i < 0 || j < 0 {
			t.Fatal("no delete form for the added day off")
		}
		action := out[i+j+len(`action="`):]
		action = action[:strings.Index(action, `"`)]
		for _, sc := range []calScenario{
			{Name: "delete: a clerk", Method: "POST", URL: action, Form: url.Values{"year": {"2026"}}, Actor: "clerk", ExpectedStatus: 403},
			{Name: "delete", Method: "POST", URL: action, Form: url.Values{"year": {"2026"}}, Actor: "admin", ExpectedStatus: 303, Location: "/calendar/overrides?deleted="},
			{Name: "delete again", Method: "POST", URL: action, Form: url.Values{"year": {"2026"}}, Actor: "admin", ExpectedStatus: 404},
			{Name: "the month no longer shows it", URL: "/calendar?month=2026-12", ExpectedStatus: 200, Absent: []string{"Nghỉ thử cuối năm"}},
		} {
			t.Run(sc.Name, func(t *testing.T) { sc.run(t, h) })
		}
	})
}
