package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The officers' workspace on the demo through the real stack (sessions,
// CSRF, upload limits): the one-stop officer finds it from /office, enters
// a walk-in dossier with a scanned component, which is received at once
// and opens with its control slip; the leader reads the statistics; a
// clerk has no workspace.
func TestDeskPagesOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			app, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			officer := newBrowser(t, srv).signIn("demo.onestop_officer", pw)
			if code, body := officer.get("/office"); code != 200 || !strings.Contains(body, `href="/onestop"`) {
				t.Fatalf("/office: %d, no link to the workspace", code)
			}
			if code, body := officer.get("/onestop"); code != 200 || !strings.Contains(body, `href="/onestop/new"`) {
				t.Fatalf("/onestop: %d", code)
			}
			// A demo procedure whose form has no address to type.
			ctx := access.WithGuard(context.Background(), app.Guard)
			list, err := app.Catalogue.Search(ctx, onestop.SearchQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var p *onestop.Procedure
			fields := map[string]string{}
		next:
			for i := range list {
				fields = map[string]string{"procedure": list[i].Code, "channel": "1", "applicant_name": "Nguyễn Văn Mẫu", "applicant_id": "001090012345",
					"applicant_phone": "0912345678"}
				for _, f := range list[i].Fields {
					v := map[onestop.FieldType]string{onestop.FieldText: "Nguyễn Văn Mẫu", onestop.FieldNumber: "1", onestop.FieldDate: "01/12/2026",
						onestop.FieldCCCD: "001090012345", onestop.FieldTaxCode: "0108888888", onestop.FieldPhone: "0912345678"}[f.Type]
					if f.Type == onestop.FieldSelect && len(f.Options) > 0 {
						v = f.Options[0]
					}
					if v == "" && f.Required {
						continue next
					}
					fields["f_"+f.Name] = v
				}
				p = &list[i]
				break
			}
			if p == nil {
				t.Fatal("no demo procedure without an address")
			}
			if code, body := officer.get("/onestop/new?procedure=" + p.Code); code != 200 || !strings.Contains(body, p.Name) {
				t.Fatalf("walk-in form: %d", code)
			}
			files := map[string][]byte{}
			for _, c := range p.Components {
				if c.Required {
					files["c_"+c.Code] = demoPDF
				}
			}
			code, h, body := officer.upload("/onestop/new", fields, files)
			loc := h.Get("Location")
			if code != 303 || !strings.HasPrefix(loc, "/onestop/dossiers/") {
				t.Fatalf("walk-in: %d %s", code, body)
			}
			code, page := officer.get(loc)
			for _, want := range []string{"Đã tiếp nhận hồ sơ trực tiếp", "Nguyễn Văn Mẫu", "Trực tiếp", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "/files/1"} {
				if !strings.Contains(page, want) {
					t.Errorf("walk-in dossier page: no %q (%d)", want, code)
				}
			}
			// The receipt job seals the receipt; the page links it.
			code2 := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/onestop/dossiers/")
			d, err := app.Dossiers.GetByCode(ctx, actor.SystemActor("test"), code2)
			if err != nil {
				t.Fatal(err)
			}
			if err := app.Dossiers.MakeReceipt(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			_, page = officer.get("/onestop/dossiers/" + code2)
			i := strings.Index(page, "Giấy tiếp nhận và hẹn trả kết quả (PDF)")
			if i < 0 {
				t.Fatal("the dossier page does not link the receipt")
			}
			href := page[strings.LastIndex(page[:i], `href="`)+len(`href="`):]
			href = href[:strings.Index(href, `"`)]
			req, _ := http.NewRequest("GET", srv.URL+href, nil)
			if code, h, pdf := officer.do(req); code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || h.Get("Content-Type") != "application/pdf" {
				t.Fatalf("receipt download %s: %d %s", href, code, h.Get("Content-Type"))
			}
			leader := newBrowser(t, srv).signIn("demo.leader", pw)
			if code, body := leader.get("/onestop/stats"); code != 200 || !strings.Contains(body, "Tỷ lệ đúng hạn") {
				t.Fatalf("leader's statistics: %d", code)
			}
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			if code, _ := clerk.get("/onestop"); code != 403 {
				t.Fatalf("clerk's /onestop: %d", code)
			}
		})
	}
}
