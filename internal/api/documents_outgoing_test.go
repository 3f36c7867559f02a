package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

type outDirectory map[int64]*actor.Actor

func (d outDirectory) Person(_ context.Context, id int64) (documents.Person, error) {
	if p, ok := d[id]; ok {
		return documents.Person{AccountID: id, Name: p.Name, AgencyID: p.AgencyID, UnitID: p.UnitID, Roles: p.Roles}, nil
	}
	return documents.Person{}, apperr.New(apperr.NotFound, "không có")
}

var outAgencies = map[int64]documents.AgencyInfo{
	3: {ID: 3, Name: "Ủy ban nhân dân tỉnh Lào Cai", Code: "H15", Abbreviation: "UBND", Place: "Lào Cai"},
	4: {ID: 4, Name: "Sở Nội vụ tỉnh Lào Cai", Code: "H15.20", Abbreviation: "SNV", Place: "Lào Cai"},
}

func (outDirectory) Agency(_ context.Context, id int64) (documents.AgencyInfo, error) {
	if g, ok := outAgencies[id]; ok {
		return g, nil
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (outDirectory) AgencyByCode(_ context.Context, code string) (documents.AgencyInfo, error) {
	for _, g := range outAgencies {
		if g.Code == code {
			return g, nil
		}
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (outDirectory) UnitAbbrev(context.Context, int64, int64) (string, error) { return "VP", nil }

// createDraft, approveDocument, signDocument, issueDocument and the inbox
// answer as documented: the flow end to end over HTTP, issueDocument
// returning the number and symbol, 403 for wrong roles, 409 for an edit
// after issue, 404 for another agency.
func TestOutgoingAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{blob.Migrations, documents.Migrations}, func(t *testing.T, d *db.DB) {
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		var h http.Handler = http.NotFoundHandler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
		t.Cleanup(srv.Close)
		p, err := pkitest.Setup(context.Background(), d, t.TempDir(), srv.URL, pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h = p.Handler
		if err := d.Migrate(context.Background(), quiet, blob.Migrations, documents.Migrations); err != nil {
			t.Fatal(err)
		}
		sig, err := signing.New(signing.Config{DB: d, PKI: p.Service, Audit: p.Audit, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		store, _ := blob.NewLocal(t.TempDir())
		uploads, err := blob.New(d, blob.Options{Store: store, Audit: p.Audit, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		docs, err := documents.New(d, documents.Options{Audit: p.Audit, Uploads: uploads, Verifier: sig, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		// Each agency's officials in its own unit (unit ids are org's,
		// unique on the platform).
		off := func(id, agency int64, role string) *actor.Actor {
			return &actor.Actor{AccountID: id, Kind: actor.Official, Name: "Cán bộ " + strconv.FormatInt(id, 10), AgencyID: agency, UnitID: agency*10 + 1,
				Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: role, AgencyID: agency}}}
		}
		specialist, leader, clerk, otherClerk := off(8, 3, "specialist"), off(10, 3, "leader"), off(7, 3, "clerk"), off(11, 4, "clerk")
		docs.SetOutgoing(outDirectory{8: specialist, 10: leader, 7: clerk, 11: otherClerk}, sig)
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: p.Audit}))
		p.Directory.SetOfficial(leader.AccountID, 3, pki.Subject{CommonName: "Hoàng Quốc Khánh", UID: "LC-0001", Title: "Chủ tịch",
			Organization: "UBND tỉnh Lào Cai"})
		p.Directory.SetAgency(3, pki.Subject{CommonName: "UBND tỉnh Lào Cai", AgencyCode: "H15"})
		if _, err := p.Service.Issue(ctx, p.Actor, pki.IssueRequest{Profile: "official", Holder: leader.AccountID}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Service.Issue(ctx, p.Actor, pki.IssueRequest{Profile: "seal", AgencyID: 3}); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Documents: docs, Uploads: uploads}).Register(mux)
		do := func(method, path, pattern string, who *actor.Actor, body string) (int, map[string]any) {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx)
			if who != nil {
				req = req.WithContext(actor.With(ctx, who))
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			var m map[string]any
			json.Unmarshal(rec.Body.Bytes(), &m)
			return rec.Code, m
		}
		file, err := uploads.Upload(ctx, specialist, bytes.NewReader(pdftest.New(pdftest.Options{})), blob.Request{Name: "du-thao.pdf"})
		if err != nil {
			t.Fatal(err)
		}
		good := `{"type":"QĐ","summary":"Về việc phê duyệt Kế hoạch cải cách hành chính","urgency":"khan","classification":"noi_bo",
			"recipients":["H15.20"],"free_recipients":["Như trên;","Lưu: VT."],
			"signer":{"account_id":10,"authority":"TM.","position":"CHỦ TỊCH"},"file":"` + file.ID + `"}`
		const drafts = "/api/v1/documents/drafts"
		for _, c := range []struct {
			body   string
			who    *actor.Actor
			status int
			field  string
		}{
			{strings.Replace(good, `"QĐ"`, `"XX"`, 1), specialist, 400, "type"},
			{strings.Replace(good, `"account_id":10`, `"account_id":8`, 1), specialist, 400, "signer.account_id"},
			{`{"type":"QĐ","bogus":1}`, specialist, 400, ""},
			{good, otherClerk, 400, "signer.account_id"},
			{good, nil, 401, ""},
		} {
			code, m := do("POST", drafts, drafts, c.who, c.body)
			e, _ := m["error"].(map[string]any)
			if code != c.status || e == nil || (c.field != "" && e["field"] != c.field) {
				t.Errorf("%.50s: %d %v, want %d field %q", c.body, code, m, c.status, c.field)
			}
		}
		code, m := do("POST", drafts, drafts, specialist, good)
		if code != 201 || m["status"] != "draft" {
			t.Fatalf("createDraft: %d %v", code, m)
		}
		id := strconv.FormatInt(int64(m["id"].(float64)), 10)
		base := "/api/v1/documents/" + id
		if code, m := do("POST", base+"/submit", "/api/v1/documents/{id}/submit", specialist, `{}`); code != 200 || m["status"] != "review" {
			t.Fatalf("submit: %d %v", code, m)
		}
		if code, _ := do("POST", base+"/approve", "/api/v1/documents/{id}/approve", clerk, `{"decision":"approve"}`); code != 403 {
			t.Errorf("the clerk approves: %d", code)
		}
		if code, m := do("POST", base+"/approve", "/api/v1/documents/{id}/approve", leader, `{"decision":"maybe"}`); code != 400 {
			t.Errorf("bad decision: %d %v", code, m)
		}
		if code, m := do("POST", base+"/approve", "/api/v1/documents/{id}/approve", leader, `{"decision":"approve","comment":"Đồng ý"}`); code != 200 || m["status"] != "approved" {
			t.Fatalf("approve: %d %v", code, m)
		}
		if code, _ := do("POST", base+"/issue", "/api/v1/documents/{id}/issue", clerk, `{}`); code != 409 {
			t.Errorf("issue before signing: %d", code)
		}
		if code, m := do("POST", base+"/sign", "/api/v1/documents/{id}/sign", leader, `{}`); code != 200 || m["status"] != "signed" {
			t.Fatalf("sign: %d %v", code, m)
		}
		if code, _ := do("POST", base+"/issue", "/api/v1/documents/{id}/issue", specialist, `{}`); code != 403 {
			t.Errorf("a specialist issues: %d", code)
		}
		if code, _ := do("POST", base+"/issue", "/api/v1/documents/{id}/issue", otherClerk, `{}`); code != 404 {
			t.Errorf("another agency's clerk issues: %d", code)
		}
		code, m = do("POST", base+"/issue", "/api/v1/documents/{id}/issue", clerk, `{}`)
		if code != 200 || m["number"] != float64(1) || m["symbol"] != "01/QĐ-UBND" || m["status"] != "issued" {
			t.Fatalf("issue: %d %v", code, m)
		}
		code, m = do("POST", base+"/versions", "/api/v1/documents/{id}/versions", specialist, `{"file":"`+file.ID+`"}`)
		if e, _ := m["error"].(map[string]any); code != 409 || e == nil || !strings.Contains(e["message"].(string), "thay thế") {
			t.Errorf("edit after issue: %d %v", code, m)
		}
		if code, m := do("GET", base+"/timeline", "/api/v1/documents/{id}/timeline", specialist, ""); code != 200 || len(m["items"].([]any)) != 6 {
			t.Errorf("timeline: %d %v", code, m)
		}
		if code, _ := do("GET", base+"/timeline", "/api/v1/documents/{id}/timeline", otherClerk, ""); code != 404 {
			t.Errorf("another agency's timeline: %d", code)
		}
		if code, _ := do("GET", "/api/v1/documents/inbox", "/api/v1/documents/inbox", specialist, ""); code != 403 {
			t.Errorf("a specialist's inbox: %d", code)
		}
		code, m = do("GET", "/api/v1/documents/inbox", "/api/v1/documents/inbox", otherClerk, "")
		if items, _ := m["items"].([]any); code != 200 || len(items) != 1 {
			t.Fatalf("inbox: %d %v", code, m)
		}
		code, m = do("POST", "/api/v1/documents/inbox/"+id+"/register", "/api/v1/documents/inbox/{id}/register", otherClerk, "")
		if code != 201 || m["incoming_number"] != float64(1) || m["symbol"] != "01/QĐ-UBND" {
			t.Fatalf("register delivered: %d %v", code, m)
		}
		if code, _ := do("POST", "/api/v1/documents/inbox/"+id+"/return", "/api/v1/documents/inbox/{id}/return", otherClerk, `{"reason":"Gửi nhầm"}`); code != 409 {
			t.Errorf("return after registration: %d", code)
		}
	})
}
