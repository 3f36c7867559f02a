package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// birthCode is a procedure whose form asks the CCCD, saved into the
// one-stop fixture's catalogue for the applicant's tests.
const birthCode = "1.001193"

type applicantAPI struct {
	t   *testing.T
	f   *apitest.Desk
	mux *http.ServeMux
}

func newApplicantAPI(t *testing.T, d *db.DB) *applicantAPI {
	t.Helper()
	f := apitest.NewDesk(t, d)
	proc := onestop.Procedure{Code: birthCode, Name: "Thủ tục đăng ký khai sinh", Field: "Hộ tịch", Level: onestop.LevelCommune,
		AgencyCode: apitest.DeskAgencyCode, Days: 1, CutOff: "15:00", Online: true, Active: true, ResultType: "Giấy khai sinh",
		Fees: []onestop.Fee{{Name: "Lệ phí", Amount: 0}},
		Fields: []onestop.Field{
			{Name: "ho_ten_tre", Label: "Họ, chữ đệm, tên của trẻ", Type: onestop.FieldText, Required: true},
			{Name: "cccd_nguoi_khai", Label: "Số định danh cá nhân của người đi đăng ký", Type: onestop.FieldCCCD, Required: true},
		},
		Components: []onestop.Component{{Code: "GCS", Name: "Giấy chứng sinh", Required: true}, {Code: "UQ", Name: "Văn bản ủy quyền"}},
		Steps: []onestop.Step{{Name: "Tiếp nhận hồ sơ", Role: "onestop_officer", Hours: 2}, {Name: "Thẩm định", Role: "specialist", Hours: 4},
			{Name: "Phê duyệt", Role: "leader", Hours: 2}}}
	if _, err := f.Catalogue.Save(f.Ctx, actor.SystemActor("test"), proc); err != nil {
		t.Fatalf("save procedure: %v (%s)", err, apperr.MessageOf(err))
	}
	mux := http.NewServeMux()
	api.New(api.Deps{Dossiers: f.Dossiers, Calendar: f.Calendar, Uploads: f.Uploads, Now: f.Now}).Register(mux)
	return &applicantAPI{t: t, f: f, mux: mux}
}

// call sends a request as who (nil: anonymous), checks a JSON answer
// against the OpenAPI document and returns the status, the decoded body
// and the raw body.
func (x *applicantAPI) call(method, path, pattern string, who *actor.Actor, hdr map[string]string, body string) (int, map[string]any, string) {
	x.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ctx := x.f.Ctx
	if who != nil {
		ctx = actor.With(ctx, who)
	}
	rec := httptest.NewRecorder()
	x.mux.ServeHTTP(rec, req.WithContext(ctx))
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
			x.t.Error(err)
		}
	}
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return rec.Code, m, rec.Body.String()
}

func submitJSON(fields map[string]string, comps map[string][]string) string {
	b, _ := json.Marshal(map[string]any{"procedure_code": birthCode, "fields": fields, "components": comps})
	return string(b)
}

func errOf(m map[string]any) (code, field, msg string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	msg, _ = e["message"].(string)
	return
}

func TestSubmitDossierBadInputStoresNothing(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newApplicantAPI(t, d)
		c := x.f.Citizen
		up := x.f.Upload(t, c, "giay-chung-sinh.pdf")
		good := map[string]string{"ho_ten_tre": "Nguyễn Văn An", "cccd_nguoi_khai": "001190012345"}
		cases := []struct {
			name, body string
			who        *actor.Actor
			status     int
			code       string
		}{
			{"anonymous", submitJSON(good, map[string][]string{"GCS": {up}}), nil, 401, "EUNAUTHORIZED"},
			{"missing mandatory component", submitJSON(good, map[string][]string{"UQ": {up}}), c, 400, "EINVALID"},
			{"malformed CCCD", submitJSON(map[string]string{"ho_ten_tre": "An", "cccd_nguoi_khai": "12345"}, map[string][]string{"GCS": {up}}), c, 400, "EINVALID"},
			{"missing required field", submitJSON(map[string]string{"cccd_nguoi_khai": "001190012345"}, map[string][]string{"GCS": {up}}), c, 400, "EINVALID"},
			{"unknown procedure", `{"procedure_code":"9.999999","fields":{},"components":{}}`, c, 400, "EINVALID"},
			{"no procedure", `{"fields":{}}`, c, 400, "EINVALID"},
			{"unknown JSON field", `{"procedure_code":"` + birthCode + `","extra":1}`, c, 400, "EINVALID"},
			{"another's upload", submitJSON(good, map[string][]string{"GCS": {x.f.Upload(t, x.f.Officer, "x.pdf")}}), c, 400, "EINVALID"},
		}
		for _, tc := range cases {
			code, m, _ := x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", tc.who, nil, tc.body)
			if ec, _, msg := errOf(m); code != tc.status || ec != tc.code || msg == "" {
				t.Errorf("%s: %d %v, want %d %s", tc.name, code, m, tc.status, tc.code)
			}
		}
		// Malformed CCCD names the field; the missing component names it.
		_, m, _ := x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, nil, submitJSON(map[string]string{"ho_ten_tre": "An", "cccd_nguoi_khai": "12345"}, map[string][]string{"GCS": {up}}))
		// The form's CCCD is the applicant's ID number when the account gives none.
		if _, field, _ := errOf(m); !strings.Contains(field, "cccd_nguoi_khai") && field != "applicant.id_number" {
			t.Errorf("malformed CCCD names %q", field)
		}
		_, m, _ = x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, nil, submitJSON(good, nil))
		if _, field, msg := errOf(m); !strings.Contains(field, "GCS") && !strings.Contains(msg, "Giấy chứng sinh") {
			t.Errorf("missing component: field %q message %q", field, msg)
		}
		// A file of the wrong type is refused at upload, before any dossier.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("file", "giay-chung-sinh.pdf")
		_, _ = w.Write([]byte("not a PDF at all"))
		_ = mw.Close()
		code, m, _ := x.call("POST", "/api/v1/uploads", "/api/v1/uploads", c, map[string]string{"Content-Type": mw.FormDataContentType()}, buf.String())
		if ec, _, _ := errOf(m); code != 400 || ec != "EINVALID" {
			t.Errorf("wrong file type: %d %v", code, m)
		}
		// A bad Idempotency-Key is refused.
		code, m, _ = x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}, submitJSON(good, map[string][]string{"GCS": {up}}))
		if ec, field, _ := errOf(m); code != 400 || ec != "EINVALID" || field != "Idempotency-Key" {
			t.Errorf("long key: %d %v", code, m)
		}
		page, err := x.f.Dossiers.List(x.f.Ctx, c, onestop.DossierFilter{Mine: true})
		if err != nil || page.Total != 0 {
			t.Fatalf("bad input stored %v dossiers (%v)", page, err)
		}
	})
}

func TestSubmitRetryTrackAndApplicantActions(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newApplicantAPI(t, d)
		c := x.f.Citizen
		other := &actor.Actor{AccountID: 501, Kind: actor.Citizen, Name: "Trần Thị Lan", Roles: c.Roles}
		body := submitJSON(map[string]string{"ho_ten_tre": "Nguyễn Văn An", "cccd_nguoi_khai": "001190012345"},
			map[string][]string{"GCS": {x.f.Upload(t, c, "giay-chung-sinh.pdf")}})
		key := map[string]string{"Idempotency-Key": "7d1c2f0e-retry"}
		code, first, _ := x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, key, body)
		if code != 201 || first["status"].(float64) != 1 || first["status_name"] != "Mới đăng ký" {
			t.Fatalf("submit: %d %v", code, first)
		}
		dcode := first["code"].(string)
		// The same key again (a retry after a network error): same dossier.
		code, again, _ := x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, key, body)
		if code != 201 || again["code"] != dcode || again["id"] != first["id"] {
			t.Fatalf("retry: %d %v, want the dossier %s", code, again, dcode)
		}
		// Concurrent retries of another submission (a double click): one dossier.
		codes := make([]string, 4)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, m, _ := x.call("POST", "/api/v1/dossiers", "/api/v1/dossiers", c, map[string]string{"Idempotency-Key": "double-click"}, body)
				codes[i], _ = m["code"].(string)
			}()
		}
		wg.Wait()
		for _, cd := range codes {
			if cd == "" || cd != codes[0] || cd == dcode {
				t.Fatalf("concurrent retries answered %v", codes)
			}
		}
		code, list, _ := x.call("GET", "/api/v1/me/dossiers", "/api/v1/me/dossiers", c, nil, "")
		if code != 200 || list["total"].(float64) != 2 {
			t.Fatalf("my dossiers after a retry: %d %v", code, list)
		}
		if code, list, _ := x.call("GET", "/api/v1/me/dossiers", "/api/v1/me/dossiers", other, nil, ""); code != 200 || list["total"].(float64) != 0 {
			t.Fatalf("another's list: %d %v", code, list)
		}

		// Tracking, anonymous or by another citizen: status and dates, no
		// personal data.
		for _, who := range []*actor.Actor{nil, other} {
			code, tr, raw := x.call("GET", "/api/v1/track/"+dcode, "/api/v1/track/{code}", who, nil, "")
			if code != 200 || tr["status"].(float64) != 1 || tr["status_name"] != "Mới đăng ký" || tr["submitted_at"] == nil {
				t.Fatalf("track: %d %v", code, tr)
			}
			for _, secret := range []string{"Nguyễn Thị Hoa", "001190012345", "0912345678", "Hoàng Liên", "Nguyễn Văn An", "applicant", "form"} {
				if strings.Contains(raw, secret) {
					t.Errorf("tracking shows %q: %s", secret, raw)
				}
			}
		}
		for _, bad := range []string{"H15.01.01-261207-9999", "NOPE", "%3Cb%3E"} {
			code, m, _ := x.call("GET", "/api/v1/track/"+bad, "/api/v1/track/{code}", nil, nil, "")
			if ec, _, msg := errOf(m); code != 404 || ec != "ENOTFOUND" || !strings.Contains(msg, "hồ sơ") {
				t.Errorf("track %s: %d %v", bad, code, m)
			}
		}

		// The dossier with its personal data: its applicant and its desk.
		if code, m, _ := x.call("GET", "/api/v1/dossiers/"+dcode, "/api/v1/dossiers/{code}", c, nil, ""); code != 200 || m["applicant"] == nil {
			t.Fatalf("applicant reads: %d %v", code, m)
		}
		if code, _, _ := x.call("GET", "/api/v1/dossiers/"+dcode, "/api/v1/dossiers/{code}", x.f.Officer, nil, ""); code != 200 {
			t.Fatalf("the desk reads: %d", code)
		}
		if code, m, _ := x.call("GET", "/api/v1/dossiers/"+dcode, "/api/v1/dossiers/{code}", other, nil, ""); code != 404 {
			t.Fatalf("another citizen reads: %d %v", code, m)
		}
		if code, _, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/withdraw", "/api/v1/dossiers/{code}/withdraw", other, nil, `{}`); code != 404 {
			t.Fatalf("another citizen withdraws: %d", code)
		}

		// Rating before the result is returned, or out of range, is refused.
		if code, m, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/rating", "/api/v1/dossiers/{code}/rating", c, nil, `{"rating":4}`); code != 400 {
			t.Fatalf("rating 4: %d %v", code, m)
		}
		if code, m, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/rating", "/api/v1/dossiers/{code}/rating", c, nil, `{"rating":1}`); code != 409 && code != 400 {
			t.Fatalf("rating before return: %d %v", code, m)
		}
		// A supplement answer when none was asked is a conflict.
		if code, m, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/supplement", "/api/v1/dossiers/{code}/supplement", c, nil, `{"note":"x"}`); code != 409 {
			t.Fatalf("supplement unasked: %d %v", code, m)
		}
		// Withdraw, then again: the second is a conflict.
		code, m, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/withdraw", "/api/v1/dossiers/{code}/withdraw", c, nil, `{"reason":"Nộp nhầm thủ tục"}`)
		if code != 200 || m["status"].(float64) != 7 {
			t.Fatalf("withdraw: %d %v", code, m)
		}
		if code, m, _ := x.call("POST", "/api/v1/dossiers/"+dcode+"/withdraw", "/api/v1/dossiers/{code}/withdraw", c, nil, `{}`); code != 409 {
			t.Fatalf("second withdraw: %d %v", code, m)
		}
		if code, tr, _ := x.call("GET", "/api/v1/track/"+dcode, "/api/v1/track/{code}", nil, nil, ""); code != 200 || tr["status"].(float64) != 7 {
			t.Fatalf("track after withdrawal: %d %v", code, tr)
		}
	})
}

// Dossier codes and idempotency keys come from outside: whatever passes is
// bounded and printable.
func FuzzDossierCodeAndKey(f *testing.F) {
	for _, s := range []string{"H15.01.01-261207-0001", " h15.01.01-261207-0001", "", "<b>", strings.Repeat("9", 80), "Đ", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, err := api.DossierCode(s); err == nil {
			if code == "" || len(code) > 64 || strings.ToUpper(code) != code || strings.ContainsAny(code, " <>\"'/%") {
				t.Fatalf("DossierCode(%q) = %q", s, code)
			}
		}
		req := httptest.NewRequest("POST", "/api/v1/dossiers", nil)
		req.Header.Set("Idempotency-Key", s)
		if k, err := api.IdempotencyKey(req); err == nil {
			if len(k) > api.MaxIdempotencyKey {
				t.Fatalf("key %q passes", k)
			}
			for i := 0; i < len(k); i++ {
				if k[i] < 0x21 || k[i] > 0x7e {
					t.Fatalf("key %q passes", k)
				}
			}
		}
	})
}
