package app

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// TestAdminExchangePage: the system administrator sees this node (its
// certificate to hand to a peer), trusts a node by pasting its certificate
// (here this node's own listener, whose signed directory is read over
// mutual TLS), sees its health and outage history and removes it; a wrong
// certificate comes back with its message; no one else opens the page.
func TestAdminExchangePage(t *testing.T) {
	cfg := cheap(install(t, db.SQLite))
	cfg.Addr, cfg.Exchange.Addr = "127.0.0.1:0", "127.0.0.1:0"
	a, srv, logins := open(t, cfg)
	ls, err := a.Listen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Shutdown()
	pw := demoPassword(t, logins)
	admin := newBrowser(t, srv).signIn("demo.system_admin", pw)
	agencyAdmin := newBrowser(t, srv).signIn("demo.agency_admin", pw)
	if _, body := admin.get("/office"); !strings.Contains(body, `href="/admin/exchange"`) {
		t.Fatal("the system administrator's office page does not link /admin/exchange")
	}
	if code, _ := agencyAdmin.get("/admin/exchange"); code != 403 {
		t.Fatalf("agency admin GET /admin/exchange: %d", code)
	}
	code, body := admin.get("/admin/exchange")
	if code != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") || !strings.Contains(body, "Chưa tin cậy nút kết nối nào") {
		t.Fatalf("GET /admin/exchange: %d\n%s", code, body)
	}
	node, err := a.Exchange.Node(context.Background(), nil)
	if err == nil {
		t.Fatal("Node without an actor")
	}
	i, j := strings.Index(body, "-----BEGIN CERTIFICATE-----"), strings.Index(body, "-----END CERTIFICATE-----")
	pem := strings.ReplaceAll(body[i:j+len("-----END CERTIFICATE-----")], "&#43;", "+")
	if code, _, _ := agencyAdmin.post("/admin/exchange", url.Values{"url": {ls.ExchangeURL}, "cert": {pem}}); code != 403 {
		t.Fatalf("agency admin POST: %d", code)
	}
	code, _, body = admin.post("/admin/exchange", url.Values{"url": {ls.ExchangeURL}, "cert": {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "name": {"Nút thử"}})
	if code != 400 || !strings.Contains(body, "Không đọc được chứng thư số") || !strings.Contains(body, `value="Nút thử"`) {
		t.Fatalf("bad certificate: %d\n%s", code, body)
	}
	code, h, _ := admin.post("/admin/exchange", url.Values{"url": {ls.ExchangeURL}, "cert": {pem}, "name": {"Nút thử"}})
	if code != 303 || h.Get("Location") != "/admin/exchange?ok=added" {
		t.Fatalf("add: %d %v", code, h)
	}
	code, body = admin.get("/admin/exchange?ok=added")
	if code != 200 || !strings.Contains(body, "Nút thử") || !strings.Contains(body, `action="/admin/exchange/1/remove"`) || !strings.Contains(body, "Hoạt động") {
		t.Fatalf("list: %d\n%s", code, body)
	}
	node, _ = a.Exchange.Node(context.Background(), actor.SystemActor("test"))
	err = a.DB.Tx(context.Background(), func(tx *sql.Tx) error {
		return a.Exchange.Enqueue(context.Background(), tx, exchange.Outbound{ToCode: node.Agencies[0].Code, DocumentID: "DEMO.H15,2026,1", Kind: exchange.KindDocument, Package: []byte("gói tin thử")})
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, body = admin.get("/admin/exchange/1"); code != 200 || !strings.Contains(body, "DEMO.H15,2026,1") || !strings.Contains(body, "Đang chờ gửi") {
		t.Fatalf("queued message: %d\n%s", code, body)
	}
	if code, body = admin.get("/admin/exchange/messages/1/package"); code != 200 || body != "gói tin thử" {
		t.Fatalf("download: %d %q", code, body)
	}
	if code, body = admin.get("/admin/exchange/messages/1/receipt"); code != 404 {
		t.Fatalf("no receipt yet: %d", code)
	}
	if code, body = admin.get("/admin/exchange/1"); code != 200 || !strings.Contains(body, `id="outages"`) || !strings.Contains(body, "Chưa lần nào mất kết nối") ||
		!strings.Contains(body, `id="messages"`) {
		t.Fatalf("outages and messages: %d\n%s", code, body)
	}
	if code, _ = admin.get("/admin/exchange/messages/9/package"); code != 404 {
		t.Fatalf("no such package: %d", code)
	}
	if code, _ = admin.get("/admin/exchange/messages/1/other"); code != 404 {
		t.Fatalf("unknown part: %d", code)
	}
	if code, _ = agencyAdmin.get("/admin/exchange/messages/1/package"); code != 403 {
		t.Fatalf("agency admin downloads: %d", code)
	}
	if code, _, _ = agencyAdmin.post("/admin/exchange/1/remove", nil); code != 403 {
		t.Fatalf("agency admin remove: %d", code)
	}
	if code, h, _ = admin.post("/admin/exchange/1/remove", nil); code != 303 || h.Get("Location") != "/admin/exchange?ok=removed" {
		t.Fatalf("remove: %d", code)
	}
	if code, _ = admin.get("/admin/exchange/1"); code != 404 {
		t.Fatalf("removed peer: %d", code)
	}
	_ = node
}
