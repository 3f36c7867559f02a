package app

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestAdminWebhooksPage: the system administrator adds an endpoint (its
// secret shown in that answer only), finds it listed, sees its deliveries
// and disables it; a form with a mistake comes back with its message;
// no one else opens the page or sends its forms.
func TestAdminWebhooksPage(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			_, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			admin := newBrowser(t, srv).signIn("demo.system_admin", pw)
			agencyAdmin := newBrowser(t, srv).signIn("demo.agency_admin", pw)

			if _, body := admin.get("/office"); !strings.Contains(body, `href="/admin/webhooks"`) {
				t.Fatalf("the system administrator's office page does not link /admin/webhooks:\n%s", body)
			}
			if _, body := agencyAdmin.get("/office"); strings.Contains(body, `href="/admin/webhooks"`) {
				t.Fatal("the agency admin's office page links /admin/webhooks")
			}
			if code, _ := agencyAdmin.get("/admin/webhooks"); code != 403 {
				t.Fatalf("agency admin GET /admin/webhooks: %d", code)
			}
			if code, _, body := agencyAdmin.post("/admin/webhooks", url.Values{"url": {"https://doitac.example.vn/hook"}, "events": {"*"}}); code != 403 || strings.Contains(body, "whsec_") {
				t.Fatalf("agency admin POST /admin/webhooks: %d", code)
			}
			code, body := admin.get("/admin/webhooks")
			if code != 200 || !strings.Contains(body, `<label for="url">`) || !strings.Contains(body, `<label for="events">`) {
				t.Fatalf("GET /admin/webhooks: %d\n%s", code, body)
			}
			code, _, body = admin.post("/admin/webhooks", url.Values{"url": {"https://doitac.example.vn/hook"}, "events": {"Văn bản đến"}})
			if code != 400 || !strings.Contains(body, "Tên sự kiện") || !strings.Contains(body, `value="Văn bản đến"`) {
				t.Fatalf("bad events: %d\n%s", code, body)
			}
			code, _, body = admin.post("/admin/webhooks", url.Values{"url": {"ftp://doitac.example.vn/hook"}, "events": {"document.received"}})
			if code != 400 || !strings.Contains(body, "http://") {
				t.Fatalf("bad url: %d\n%s", code, body)
			}
			code, h, body := admin.post("/admin/webhooks", url.Values{"url": {"https://doitac.example.vn/hook?token=bi-mat"}, "events": {"document.received, document.issued"}})
			secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{43}`).FindString(body)
			if code != 201 || secret == "" || h.Get("Cache-Control") != "no-store" {
				t.Fatalf("add: %d %v\n%s", code, h, body)
			}
			code, body = admin.get("/admin/webhooks")
			if code != 200 || strings.Contains(body, secret) || strings.Contains(body, "bi-mat") ||
				!strings.Contains(body, "document.issued, document.received") || !strings.Contains(body, `action="/admin/webhooks/1/disable"`) {
				t.Fatalf("list after add: %d\n%s", code, body)
			}
			if code, body = admin.get("/admin/webhooks/1"); code != 200 || !strings.Contains(body, `id="deliveries"`) {
				t.Fatalf("deliveries: %d\n%s", code, body)
			}
			if code, _ = admin.get("/admin/webhooks/99"); code != 404 {
				t.Fatalf("unknown endpoint: %d", code)
			}
			if code, _, _ = agencyAdmin.post("/admin/webhooks/1/disable", nil); code != 403 {
				t.Fatalf("agency admin disable: %d", code)
			}
			if code, h, _ = admin.post("/admin/webhooks/1/disable", nil); code != 303 || h.Get("Location") != "/admin/webhooks?ok=disabled" {
				t.Fatalf("disable: %d %v", code, h)
			}
			if code, body = admin.get("/admin/webhooks?ok=disabled"); code != 200 || strings.Contains(body, `action="/admin/webhooks/1/disable"`) {
				t.Fatalf("list after disable: %d\n%s", code, body)
			}
			if code, _, _ = admin.post("/admin/webhooks/1/disable", nil); code != 409 {
				t.Fatalf("disable twice: %d", code)
			}
		})
	}
}
