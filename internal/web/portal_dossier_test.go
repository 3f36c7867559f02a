package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// fakeDossiers stands in for onestop's DossierService: it keeps
// submissions in memory, one per idempotency key and account, and
// answers the applicant's actions as the status table allows.
type fakeDossiers struct {
	mu     sync.Mutex
	byCode map[string]*onestop.Dossier
	byKey  map[string]string
	next   int
}

func newFakeDossiers() *fakeDossiers {
	return &fakeDossiers{byCode: map[string]*onestop.Dossier{}, byKey: map[string]string{}}
}

func (f *fakeDossiers) Submit(_ context.Context, a *actor.Actor, req onestop.SubmitRequest) (*onestop.Dossier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := fmt.Sprint(a.AccountID, "/", req.IdempotencyKey)
	if c, ok := f.byKey[k]; ok && req.IdempotencyKey != "" {
		return f.byCode[c], nil
	}
	f.next++
	d := &onestop.Dossier{ID: int64(f.next), Code: fmt.Sprintf("H15.01.01-261207-%04d", f.next), ProcedureCode: req.ProcedureCode,
		ProcedureName: "Đăng ký khai sinh", AgencyName: "Trung tâm Phục vụ hành chính công tỉnh", Status: onestop.StatusNew,
		Channel: onestop.ChannelOnline, Form: req.Fields, SubmittedBy: a.AccountID, SubmittedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN),
		Applicant: onestop.Applicant{AccountID: a.AccountID, Name: "Nguyễn Thị Hoa", IDNumber: "001190012345", Phone: "0912345678", Address: "Số 5 đường Hoàng Liên"},
		Version:   1}
	for comp, ids := range req.Files {
		for _, id := range ids {
			d.Files = append(d.Files, onestop.File{UploadID: id, Component: comp, Kind: onestop.FileComponent, Name: id})
		}
	}
	f.byCode[d.Code] = d
	f.byKey[k] = d.Code
	return d, nil
}

func (f *fakeDossiers) GetByCode(_ context.Context, a *actor.Actor, code string) (*onestop.Dossier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.byCode[code]
	if !ok || d.Applicant.AccountID != a.AccountID {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ %q", code)
	}
	c := *d
	return &c, nil
}

func (f *fakeDossiers) Track(_ context.Context, code string) (*onestop.Tracking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.byCode[code]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ có mã %q", code)
	}
	return &onestop.Tracking{Code: d.Code, Status: d.Status, StatusName: d.Status.Name(), ProcedureCode: d.ProcedureCode,
		ProcedureName: d.ProcedureName, AgencyName: d.AgencyName, Channel: d.Channel, SubmittedAt: d.SubmittedAt,
		ReceivedAt: d.ReceivedAt, Appointment: d.Appointment}, nil
}

func (f *fakeDossiers) List(_ context.Context, a *actor.Actor, _ onestop.DossierFilter) (*onestop.DossierPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &onestop.DossierPage{}
	for _, d := range f.byCode {
		if d.Applicant.AccountID == a.AccountID {
			p.Items = append(p.Items, d)
		}
	}
	p.Total = len(p.Items)
	return p, nil
}

func (f *fakeDossiers) change(id int64, act onestop.Action, fn func(d *onestop.Dossier)) (*onestop.Dossier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.byCode {
		if d.ID == id {
			to, err := onestop.Transition(d.Status, act)
			if err != nil {
				return nil, err
			}
			d.Status = to
			fn(d)
			d.Version++
			return d, nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ")
}

func (f *fakeDossiers) Supplement(_ context.Context, _ *actor.Actor, id int64, req onestop.SupplementAnswer) (*onestop.Dossier, error) {
	return f.change(id, onestop.ActSupply, func(d *onestop.Dossier) {
		d.Status = d.Supplement.FromStatus
		d.Supplement.AnsweredAt, d.Supplement.Answer = time.Date(2026, 12, 8, 9, 0, 0, 0, locale.VN), req.Note
		for k, v := range req.Fields {
			d.Form[k] = v
		}
		for comp, ids := range req.Files {
			for _, id := range ids {
				d.Files = append(d.Files, onestop.File{UploadID: id, Component: comp, Kind: onestop.FileSupplement, Name: id})
			}
		}
	})
}

func (f *fakeDossiers) Withdraw(_ context.Context, _ *actor.Actor, id int64, req onestop.RefuseRequest) (*onestop.Dossier, error) {
	return f.change(id, onestop.ActWithdraw, func(d *onestop.Dossier) { d.Reason = req.Reason })
}

func (f *fakeDossiers) Rate(_ context.Context, _ *actor.Actor, id int64, req onestop.RateRequest) (*onestop.Dossier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.byCode {
		if d.ID == id {
			if d.Status != onestop.StatusReturned || d.Rating != 0 {
				return nil, apperr.New(apperr.Conflict, "Chỉ đánh giá một lần, sau khi nhận kết quả")
			}
			d.Rating, d.RatingComment = req.Rating, req.Comment
			return d, nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ")
}

type fakeProcedures map[string]*onestop.Procedure

func (f fakeProcedures) Procedure(_ context.Context, code string) (*onestop.Procedure, error) {
	if p, ok := f[code]; ok {
		return p, nil
	}
	return nil, apperr.New(apperr.NotFound, "Không có thủ tục %q trong danh mục", code)
}

// birthProcedure is a small online procedure with one field of each kind
// the page draws differently.
func birthProcedure() *onestop.Procedure {
	return &onestop.Procedure{Code: "1.001193", Name: "Đăng ký khai sinh", Field: "Hộ tịch", Level: onestop.LevelCommune,
		AgencyCode: "H15.01.01", Days: 1, Online: true, Active: true, ResultType: "Giấy khai sinh",
		Fields: []onestop.Field{
			{Name: "child_name", Label: "Họ và tên trẻ", Type: onestop.FieldText, Required: true},
			{Name: "birth_date", Label: "Ngày sinh", Type: onestop.FieldDate, Required: true},
			{Name: "parent_cccd", Label: "Số CCCD của người đi đăng ký", Type: onestop.FieldCCCD, Required: true},
			{Name: "sex", Label: "Giới tính", Type: onestop.FieldSelect, Options: []string{"Nam", "Nữ"}, Required: true},
			{Name: "phone", Label: "Số điện thoại", Type: onestop.FieldPhone},
		},
		Components: []onestop.Component{
			{Code: "gcs", Name: "Giấy chứng sinh", Required: true},
			{Code: "uyquyen", Name: "Văn bản ủy quyền"},
		}}
}

type portalFixture struct {
	h   http.Handler
	svc *fakeDossiers
}

func newPortalFixture(t *testing.T) *portalFixture {
	t.Helper()
	d := dbtest.SQLite(t, audit.Migrations, blob.Migrations)
	now := func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN) }
	log, err := audit.New(d, audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	uploads, err := blob.New(d, blob.Options{Store: store, Audit: log, Keys: keys, Now: now, MaxSize: 1 << 20, SpoolDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Deps{Catalog: cat, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	f := &portalFixture{svc: newFakeDossiers()}
	mux := http.NewServeMux()
	pages.Portal(web.PortalDeps{Dossiers: f.svc, Procedures: fakeProcedures{"1.001193": birthProcedure()}, Uploads: uploads}).Register(mux)
	guard := access.NewGuard(access.Options{DB: d, Audit: log})
	actors := map[string]*actor.Actor{
		"hoa": {AccountID: 101, Kind: actor.Citizen, Name: "Nguyễn Thị Hoa", Roles: []actor.RoleGrant{{Role: "citizen"}}},
		"lan": {AccountID: 102, Kind: actor.Citizen, Name: "Trần Thị Lan", Roles: []actor.RoleGrant{{Role: "citizen"}}},
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
	f.h = httpx.Chain(mux, httpx.Gzip, session)
	return f
}

// post sends a multipart form with files (name → [filename, content]).
func (f *portalFixture) post(t *testing.T, who, path string, fields url.Values, files map[string][2]string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for k, fc := range files {
		w, err := mw.CreateFormFile(k, fc[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(fc[1]))
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if who != "" {
		req.Header.Set("X-Test-Actor", who)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *portalFixture) get(t *testing.T, who, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if who != "" {
		req.Header.Set("X-Test-Actor", who)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// minimalPDF is a file whose content sniffs as a PDF.
const minimalPDF = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

func goodForm() url.Values {
	return url.Values{"procedure": {"1.001193"}, "key": {"k-123"}, "f_child_name": {"Nguyễn Văn An"}, "f_birth_date": {"01/12/2026"},
		"f_parent_cccd": {"001190012345"}, "f_sex": {"Nam"}, "f_phone": {"0912 345 678"}}
}

func TestPortalFormIsGeneratedFromTheProcedure(t *testing.T) {
	f := newPortalFixture(t)
	rec := f.get(t, "hoa", "/portal/dossiers/new?procedure=1.001193")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<label for="f_child_name">Họ và tên trẻ *</label>`,
		`id="f_birth_date" name="f_birth_date" type="text"`, `pattern="\d{1,2}/\d{1,2}/\d{4}"`, "dd/mm/yyyy",
		`id="f_parent_cccd"`, `inputmode="numeric"`,
		`<select id="f_sex" name="f_sex" required>`, `<option value="Nữ">Nữ</option>`,
		`id="f_phone" name="f_phone" type="tel"`,
		`<label for="file_gcs">Giấy chứng sinh * (bắt buộc)</label>`, `name="file_gcs" type="file"`,
		`<label for="file_uyquyen">Văn bản ủy quyền</label>`,
		`name="key" value="`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	// An anonymous visitor sees the form and a sign-in link that returns here.
	rec = f.get(t, "", "/portal/dossiers/new?procedure=1.001193")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `href="/login?next=%2Fportal%2Fdossiers%2Fnew%3Fprocedure%3D1.001193"`) {
		t.Fatalf("anonymous: status %d, no sign-in link back\n%s", rec.Code, rec.Body)
	}
	// An unknown procedure is a 404 page.
	if rec := f.get(t, "hoa", "/portal/dossiers/new?procedure=9.999999"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown procedure: status %d", rec.Code)
	}
}

func TestPortalSubmitReviewConfirmAndRetry(t *testing.T) {
	f := newPortalFixture(t)
	// Step 1: values and files → the review page, nothing submitted yet.
	rec := f.post(t, "hoa", web.NewDossierRoute, goodForm(), map[string][2]string{"file_gcs": {"giay-chung-sinh.pdf", minimalPDF}})
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Xem lại hồ sơ trước khi nộp") {
		t.Fatalf("review: status %d\n%s", rec.Code, body)
	}
	for _, want := range []string{"Nguyễn Văn An", "01/12/2026", "0912345678", "giay-chung-sinh.pdf", `name="confirm" value="1"`, `name="key" value="k-123"`} {
		if !strings.Contains(body, want) {
			t.Errorf("review lacks %q", want)
		}
	}
	if len(f.svc.byCode) != 0 {
		t.Fatal("the review step submitted a dossier")
	}
	up := regexp.MustCompile(`name="up_gcs" value="([^"]+)"`).FindStringSubmatch(body)
	if up == nil {
		t.Fatalf("review does not carry the upload\n%s", body)
	}
	// Step 2: confirm, twice (a double click): one dossier.
	confirm := goodForm()
	confirm.Set("confirm", "1")
	confirm.Set("up_gcs", up[1])
	var locations []string
	for range 2 {
		rec = f.post(t, "hoa", web.NewDossierRoute, confirm, nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("confirm: status %d\n%s", rec.Code, rec.Body)
		}
		locations = append(locations, rec.Header().Get("Location"))
	}
	if len(f.svc.byCode) != 1 || locations[0] != locations[1] {
		t.Fatalf("double submit: %d dossiers, locations %v", len(f.svc.byCode), locations)
	}
	// The result page: code, track link; personal data for the applicant.
	rec = f.get(t, "hoa", locations[0])
	body = rec.Body.String()
	for _, want := range []string{"H15.01.01-261207-0001", "Đã nộp hồ sơ", `href="/portal/track/H15.01.01-261207-0001"`, "Mới đăng ký", "Nguyễn Văn An"} {
		if !strings.Contains(body, want) {
			t.Errorf("dossier page lacks %q\n%s", want, body)
		}
	}
	// Another citizen's upload id cannot be carried.
	confirm.Set("key", "k-other")
	rec = f.post(t, "lan", web.NewDossierRoute, confirm, nil)
	if rec.Code == http.StatusSeeOther || !strings.Contains(rec.Body.String(), "không còn") {
		t.Fatalf("another's upload: status %d\n%s", rec.Code, rec.Body)
	}
	// The list of my dossiers; Lan has none.
	if body := f.get(t, "hoa", "/portal/dossiers").Body.String(); !strings.Contains(body, "H15.01.01-261207-0001") {
		t.Fatalf("my dossiers lacks the dossier\n%s", body)
	}
	if body := f.get(t, "lan", "/portal/dossiers").Body.String(); strings.Contains(body, "H15.01.01-261207-0001") {
		t.Fatal("Lan's list shows Hoa's dossier")
	}
	if rec := f.get(t, "lan", "/portal/dossiers/H15.01.01-261207-0001"); rec.Code != http.StatusNotFound {
		t.Fatalf("Lan opens Hoa's dossier: status %d", rec.Code)
	}
}

func TestPortalSubmitErrorsShownBesideTheirFields(t *testing.T) {
	f := newPortalFixture(t)
	cases := []struct {
		name    string
		change  func(v url.Values)
		files   map[string][2]string
		field   string // id of the input marked invalid
		message string
		status  int
	}{
		{"malformed CCCD", func(v url.Values) { v.Set("f_parent_cccd", "12345") }, map[string][2]string{"file_gcs": {"a.pdf", minimalPDF}},
			"f_parent_cccd", "Số CCCD của người đi đăng ký", http.StatusBadRequest},
		{"date not dd/mm/yyyy", func(v url.Values) { v.Set("f_birth_date", "31/02/2026") }, map[string][2]string{"file_gcs": {"a.pdf", minimalPDF}},
			"f_birth_date", "Ngày sinh", http.StatusBadRequest},
		{"missing mandatory component", func(url.Values) {}, nil, "file_gcs", "Chưa đính kèm thành phần hồ sơ bắt buộc: Giấy chứng sinh", http.StatusBadRequest},
		{"wrong file type", func(url.Values) {}, map[string][2]string{"file_gcs": {"a.pdf", "plain text, not a PDF"}},
			"file_gcs", "Giấy chứng sinh, tệp &#34;a.pdf&#34;: Loại tệp", http.StatusBadRequest},
		{"missing required field", func(v url.Values) { v.Del("f_child_name") }, map[string][2]string{"file_gcs": {"a.pdf", minimalPDF}},
			"f_child_name", "Chưa nhập họ và tên trẻ", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := goodForm()
			c.change(v)
			rec := f.post(t, "hoa", web.NewDossierRoute, v, c.files)
			body := rec.Body.String()
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d\n%s", rec.Code, c.status, body)
			}
			if !strings.Contains(body, `id="`+c.field+`-err"`) || !strings.Contains(body, c.message) {
				t.Fatalf("no message %q beside %s\n%s", c.message, c.field, body)
			}
			// Values typed are kept.
			if v.Get("f_sex") != "" && !strings.Contains(body, `<option value="Nam" selected>`) {
				t.Fatal("the selected option was lost")
			}
		})
	}
	if len(f.svc.byCode) != 0 {
		t.Fatalf("%d dossiers stored from bad input", len(f.svc.byCode))
	}
}

func TestPortalTrackingIsSmallAndImpersonal(t *testing.T) {
	f := newPortalFixture(t)
	d, err := f.svc.Submit(context.Background(), &actor.Actor{AccountID: 101, Kind: actor.Citizen}, onestop.SubmitRequest{ProcedureCode: "1.001193",
		Fields: map[string]string{"child_name": "Nguyễn Văn An"}})
	if err != nil {
		t.Fatal(err)
	}
	d.ReceivedAt = time.Date(2026, 12, 7, 10, 0, 0, 0, locale.VN)
	d.Appointment = time.Date(2026, 12, 8, 10, 0, 0, 0, locale.VN)
	d.Status = onestop.StatusAccepted
	// Anyone, signed in as someone else or not at all.
	for _, who := range []string{"", "lan"} {
		req := httptest.NewRequest(http.MethodGet, "/portal/track/"+strings.ToLower(d.Code), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if who != "" {
			req.Header.Set("X-Test-Actor", who)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		wire := rec.Body.Len()
		if wire >= 20<<10 {
			t.Fatalf("tracking page is %d bytes on the wire, want < 20 KB", wire)
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		raw, _ := io.ReadAll(zr)
		body := string(raw)
		for _, want := range []string{"Được tiếp nhận", "Đăng ký khai sinh", "07/12/2026", "08/12/2026", d.Code} {
			if !strings.Contains(body, want) {
				t.Errorf("tracking lacks %q", want)
			}
		}
		for _, secret := range []string{"Nguyễn Thị Hoa", "001190012345", "0912345678", "Hoàng Liên", "Nguyễn Văn An", "<script"} {
			if strings.Contains(body, secret) {
				t.Errorf("tracking page shows %q", secret)
			}
		}
	}
	// The code box redirects; an unknown or malformed code is 404 in Vietnamese.
	if rec := f.get(t, "", "/portal/track?code="+url.QueryEscape(" "+d.Code+" ")); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/portal/track/"+d.Code {
		t.Fatalf("code box: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	for _, code := range []string{"H15.01.01-261207-9999", "<b>x</b>", strings.Repeat("A", 200)} {
		rec := f.get(t, "", "/portal/track/"+url.PathEscape(code))
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Không tìm thấy hồ sơ") {
			t.Fatalf("%q: status %d\n%s", code, rec.Code, rec.Body)
		}
	}
}

func TestPortalApplicantActions(t *testing.T) {
	f := newPortalFixture(t)
	hoa := &actor.Actor{AccountID: 101, Kind: actor.Citizen}
	d, err := f.svc.Submit(context.Background(), hoa, onestop.SubmitRequest{ProcedureCode: "1.001193", IdempotencyKey: "a",
		Fields: map[string]string{"child_name": "Nguyễn Văn An", "sex": "Nam"}})
	if err != nil {
		t.Fatal(err)
	}
	// A supplement request: the page shows it and the answer form.
	d.Status = onestop.StatusSupplement
	d.Supplement = &onestop.SupplementRequest{Reason: "Thiếu bản sao giấy chứng sinh rõ nét", Items: []string{"Giấy chứng sinh (bản chụp rõ)"},
		FromStatus: onestop.StatusAccepted, RequestedAt: time.Date(2026, 12, 7, 10, 0, 0, 0, locale.VN)}
	body := f.get(t, "hoa", "/portal/dossiers/"+d.Code).Body.String()
	for _, want := range []string{"Yêu cầu bổ sung hồ sơ", "Thiếu bản sao giấy chứng sinh rõ nét", `action="/portal/dossiers/supplement"`, `name="file_gcs"`, "Rút hồ sơ"} {
		if !strings.Contains(body, want) {
			t.Errorf("supplement page lacks %q", want)
		}
	}
	rec := f.post(t, "hoa", web.SupplementDossierRoute, url.Values{"code": {d.Code}, "note": {"Gửi lại bản rõ"}, "f_child_name": {"Nguyễn Văn Ân"}},
		map[string][2]string{"file_gcs": {"gcs-ro.pdf", minimalPDF}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("supplement: status %d\n%s", rec.Code, rec.Body)
	}
	if d.Status != onestop.StatusAccepted || d.Form["child_name"] != "Nguyễn Văn Ân" || len(d.Files) != 1 || d.Files[0].Kind != onestop.FileSupplement {
		t.Fatalf("after supplement: status %d form %v files %v", d.Status, d.Form, d.Files)
	}
	// Withdraw: a confirmation page first; without confirm=1 nothing happens.
	if body := f.get(t, "hoa", "/portal/dossiers/"+d.Code+"/withdraw").Body.String(); !strings.Contains(body, "Xác nhận rút hồ sơ") {
		t.Fatalf("no confirmation page\n%s", body)
	}
	rec = f.post(t, "hoa", "/portal/dossiers/"+d.Code+"/withdraw", url.Values{}, nil)
	if rec.Code != http.StatusSeeOther || d.Status != onestop.StatusAccepted {
		t.Fatalf("unconfirmed withdraw: status %d, dossier %d", rec.Code, d.Status)
	}
	// Lan cannot withdraw Hoa's dossier.
	if rec := f.post(t, "lan", "/portal/dossiers/"+d.Code+"/withdraw", url.Values{"confirm": {"1"}}, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("Lan withdraws: status %d", rec.Code)
	}
	rec = f.post(t, "hoa", "/portal/dossiers/"+d.Code+"/withdraw", url.Values{"confirm": {"1"}, "reason": {"Nộp nhầm"}}, nil)
	if rec.Code != http.StatusSeeOther || d.Status != onestop.StatusWithdrawn {
		t.Fatalf("withdraw: status %d, dossier %d", rec.Code, d.Status)
	}
	// A withdrawn dossier cannot be withdrawn again: the conflict is shown.
	rec = f.post(t, "hoa", "/portal/dossiers/"+d.Code+"/withdraw", url.Values{"confirm": {"1"}}, nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Không thể rút hồ sơ") {
		t.Fatalf("second withdraw: status %d\n%s", rec.Code, rec.Body)
	}
	// Rating after the result is returned, once, with the result's link.
	d.Status, d.ResultUpload, d.ReturnedAt = onestop.StatusReturned, "result-1", time.Date(2026, 12, 8, 10, 0, 0, 0, locale.VN)
	body = f.get(t, "hoa", "/portal/dossiers/"+d.Code).Body.String()
	for _, want := range []string{"Đánh giá sự hài lòng", `value="1" required> Rất hài lòng`, "Không hài lòng", "/files/result"} {
		if !strings.Contains(body, want) {
			t.Errorf("returned dossier page lacks %q", want)
		}
	}
	if rec := f.post(t, "hoa", "/portal/dossiers/"+d.Code+"/rating", url.Values{"rating": {"7"}}, nil); rec.Code != http.StatusBadRequest {
		t.Fatalf("rating 7: status %d", rec.Code)
	}
	rec = f.post(t, "hoa", "/portal/dossiers/"+d.Code+"/rating", url.Values{"rating": {"2"}, "comment": {"Nhanh"}}, nil)
	if rec.Code != http.StatusSeeOther || d.Rating != onestop.RatingSatisfied || d.RatingComment != "Nhanh" {
		t.Fatalf("rating: status %d, %d %q", rec.Code, d.Rating, d.RatingComment)
	}
	if body := f.get(t, "hoa", "/portal/dossiers/"+d.Code).Body.String(); strings.Contains(body, "Gửi đánh giá") {
		t.Fatal("the rating form is offered twice")
	}
}
