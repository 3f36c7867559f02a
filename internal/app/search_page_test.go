package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
)

// /office/search and GET /api/v1/documents/search on the running program:
// a registered document is found by its clerk without accents, the matched
// words marked and the rest escaped; an official of another agency finds
// nothing, not even a count; /office links the page; a bad date is
// answered on the page with its message.
func TestSearchPageAndAPIOnBothEngines(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			auditor := newBrowser(t, srv).signIn("demo.auditor", pw)
			code, body := clerk.get("/api/v1/me")
			var me struct {
				ID       int64 `json:"id"`
				AgencyID int64 `json:"agency_id"`
			}
			if code != 200 || json.Unmarshal([]byte(body), &me) != nil {
				t.Fatalf("/api/v1/me: %d %s", code, body)
			}
			ctx := access.WithGuard(context.Background(), a.Guard)
			who := &actor.Actor{AccountID: me.ID, Kind: actor.Official, AgencyID: me.AgencyID, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: me.AgencyID}}}
			if _, err := a.Documents.RegisterIncoming(ctx, who, documents.IncomingRequest{
				Symbol: "31/UBND-VP", IssuedOn: calendar.Today(a.Now), Sender: "UBND xã Quỳnh Lưu", Type: "CV",
				Summary: "Về việc <b>kiểm tra</b> & báo cáo Pơng Đrăng", Urgency: "khan", Classification: "noi_bo",
			}); err != nil {
				t.Fatal(err)
			}
			if _, body := clerk.get("/office"); !strings.Contains(body, `href="/office/search"`) {
				t.Error("/office does not link /office/search")
			}
			code, body = clerk.get("/office/search?q=pong+drang")
			for _, want := range []string{"Tìm thấy 1 văn bản", "<mark>Pơng</mark> <mark>Đrăng</mark>", "&lt;b&gt;kiểm tra&lt;/b&gt; &amp; báo cáo",
				"31/UBND-VP", `<label for="q">`, `value="pong drang"`, "Khẩn"} {
				if code != 200 || !strings.Contains(body, want) {
					t.Errorf("GET /office/search as the clerk: %d, no %q\n%s", code, want, body)
					break
				}
			}
			if code, body := auditor.get("/office/search?q=pong+drang"); code != 200 || !strings.Contains(body, "Không tìm thấy") || strings.Contains(body, "31/UBND-VP") {
				t.Errorf("GET /office/search as another agency's auditor: %d\n%s", code, body)
			}
			if code, body := clerk.get("/office/search?q=pong&from=31/02/2026"); code != 400 || !strings.Contains(body, "không tồn tại") || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("a bad date: %d\n%s", code, body)
			}
			if code, body := clerk.get("/office/search"); code != 200 || strings.Contains(body, "Kết quả") {
				t.Errorf("the empty form: %d", code)
			}
			var res struct {
				Total int64 `json:"total"`
				Items []struct {
					Symbol string `json:"symbol"`
				} `json:"items"`
			}
			code, body = clerk.get("/api/v1/documents/search?q=pong+drang&urgency=khan")
			if code != 200 || json.Unmarshal([]byte(body), &res) != nil || res.Total != 1 || res.Items[0].Symbol != "31/UBND-VP" {
				t.Errorf("API as the clerk: %d %s", code, body)
			}
			code, body = auditor.get("/api/v1/documents/search?q=pong+drang")
			if code != 200 || !strings.Contains(body, `"total":0`) {
				t.Errorf("API as another agency's auditor: %d %s", code, body)
			}
		})
	}
}
