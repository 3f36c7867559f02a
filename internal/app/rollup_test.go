package app

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// TestRollupFigures: the figures a node pushes to its parent count, per
// agency code and month, a dossier received at the desk (in process) and
// an incoming document registered, and the exchange's combined picture
// shows them as this node's.
func TestRollupFigures(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, _, _ := open(t, cheap(install(t, engine)))
			ctx := access.WithGuard(context.Background(), a.Guard)
			var id int64
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM identity_accounts WHERE login = 'demo.onestop_officer'`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			acc, err := a.Identity.Account(ctx, dossierDirectoryActor, id)
			if err != nil {
				t.Fatal(err)
			}
			officer := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID, Roles: acc.Roles}
			ag, err := a.Org.Agency(ctx, acc.AgencyID, org.Date{})
			if err != nil || ag.Code == "" {
				t.Fatalf("officer's agency %+v %v", ag, err)
			}
			vn := a.Now().In(locale.VN)
			cur := time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, locale.VN)
			month := cur.Format("2006-01")
			figures := func() exchange.Figures {
				rows, err := rollupSource{a}.Figures(ctx, cur.AddDate(0, -1, 0), cur.AddDate(0, 1, 0))
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if r.Agency == ag.Code && r.Month == month {
						return r.Figures
					}
				}
				return exchange.Figures{}
			}
			before := figures()
			walkIn(t, ctx, a, officer, onestop.Applicant{Name: "Nguyễn Văn Mẫu", IDNumber: "001090012345", Phone: "0912345678"})
			clerk := &actor.Actor{AccountID: 9001, Kind: actor.Official, AgencyID: acc.AgencyID, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: acc.AgencyID}}}
			if _, err := a.Documents.RegisterIncoming(ctx, clerk, documents.IncomingRequest{Symbol: "12/UBND-VP", IssuedOn: calendar.Today(a.Now),
				Sender: "Ủy ban nhân dân tỉnh Quảng Ninh", Type: "CV", Summary: "Về việc phối hợp", Urgency: "thuong", Classification: "noi_bo"}); err != nil {
				t.Fatal(err)
			}
			after := figures()
			if after.Received != before.Received+1 || after.InProcess != before.InProcess+1 || after.Incoming != before.Incoming+1 || after.Outgoing != before.Outgoing {
				t.Fatalf("figures of %s in %s: before %+v, after %+v", ag.Code, month, before, after)
			}
			if _, err := a.Dossiers.MonthlyByAgency(ctx, officer, cur, cur.AddDate(0, 1, 0)); err == nil {
				t.Fatal("an officer read every agency's one-stop figures")
			}
			if _, err := a.Documents.MonthlyCounts(ctx, officer, cur, cur.AddDate(0, 1, 0)); err == nil {
				t.Fatal("an officer read every agency's document counts")
			}
			v, err := a.Exchange.Stats(ctx, actor.SystemActor("test"))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range v.Nodes[0].Rows {
				found = found || l.Agency == ag.Code && l.Month == month && l.Figures == after && l.AgencyName != ""
			}
			if !found || v.Total.Received < 1 {
				t.Fatalf("this node's figures not in the combined picture: %+v", v.Nodes[0])
			}
		})
	}
}

// reportedAt is how the page dates a child's report (hh:mm dd/mm/yyyy).
var reportedAt = regexp.MustCompile(`Báo cáo lập lúc \d\d:\d\d \d\d/\d\d/\d{4}, nhận lúc \d\d:\d\d \d\d/\d\d/\d{4}\.`)

// TestAdminExchangeStatsPage: the system administrator trusts a node (here
// this node's own listener), marks it parent on /admin/exchange, and after
// the roll-up job's push sees on /admin/exchange/stats this node's figures
// and the child's report with its dates; unmarking is offered; no one else
// opens the page or marks a parent.
func TestAdminExchangeStatsPage(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			cfg := cheap(install(t, engine))
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
			node, err := a.Exchange.Node(context.Background(), actor.SystemActor("test"))
			if err != nil {
				t.Fatal(err)
			}
			if code, _, body := admin.post("/admin/exchange", url.Values{"url": {ls.ExchangeURL}, "cert": {string(node.CertPEM)}, "name": {"Nút tỉnh thử"}}); code != 303 {
				t.Fatalf("add: %d\n%s", code, body)
			}
			if code, body := admin.get("/admin/exchange"); code != 200 || !strings.Contains(body, `action="/admin/exchange/1/parent"`) || !strings.Contains(body, "Đặt làm nút cấp trên") ||
				!strings.Contains(body, `href="/admin/exchange/stats"`) {
				t.Fatalf("no parent button: %d\n%s", code, body)
			}
			if code, _, _ := agencyAdmin.post("/admin/exchange/1/parent", url.Values{"parent": {"1"}}); code != 403 {
				t.Fatalf("agency admin marks a parent: %d", code)
			}
			if code, h, _ := admin.post("/admin/exchange/1/parent", url.Values{"parent": {"1"}}); code != 303 || h.Get("Location") != "/admin/exchange?ok=parent" {
				t.Fatalf("mark parent: %d %v", code, h)
			}
			if code, body := admin.get("/admin/exchange?ok=parent"); code != 200 || !strings.Contains(body, "(Nút cấp trên)") || !strings.Contains(body, "Thôi là nút cấp trên") {
				t.Fatalf("parent not shown: %d\n%s", code, body)
			}
			code, body := admin.get("/admin/exchange/stats")
			if code != 200 || !strings.Contains(body, "Chưa nút cấp dưới nào gửi báo cáo thống kê") {
				t.Fatalf("stats before a report: %d\n%s", code, body)
			}
			if err := a.Exchange.PushStats(context.Background()); err != nil {
				t.Fatalf("push: %v", err)
			}
			vn := a.Now().In(locale.VN)
			month := time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, locale.VN).Format("01/2006")
			code, body = admin.get("/admin/exchange/stats")
			if code != 200 || !strings.Contains(body, `<h2 id="node-1">Nút tỉnh thử</h2>`) || !reportedAt.MatchString(body) ||
				!strings.Contains(body, "<td>"+month+"</td>") || !strings.Contains(body, "Văn bản đi đã phát hành") || strings.Contains(body, "Chưa nút cấp dưới") {
				t.Fatalf("stats after a report: %d\n%s", code, body)
			}
			if code, _ := agencyAdmin.get("/admin/exchange/stats"); code != 403 {
				t.Fatalf("agency admin reads the combined statistics: %d", code)
			}
			code, body = admin.get("/api/v1/exchange/stats")
			var api struct {
				Months []string `json:"months"`
				Total  exchange.Figures
				Nodes  []struct {
					PeerID      int64      `json:"peer_id"`
					Name        string     `json:"name"`
					GeneratedAt *time.Time `json:"generated_at"`
					Rows        []struct {
						Agency  string           `json:"agency"`
						Figures exchange.Figures `json:"figures"`
					} `json:"rows"`
					Total exchange.Figures `json:"total"`
				} `json:"nodes"`
			}
			if err := json.Unmarshal([]byte(body), &api); code != 200 || err != nil || len(api.Nodes) != 2 || api.Nodes[0].GeneratedAt != nil ||
				api.Nodes[1].PeerID != 1 || api.Nodes[1].GeneratedAt == nil || len(api.Nodes[1].Rows) == 0 || api.Nodes[1].Total != api.Nodes[0].Total ||
				api.Total.Incoming != 2*api.Nodes[0].Total.Incoming {
				t.Fatalf("getExchangeStats: %d %v\n%s", code, err, body)
			}
			if code, _ := agencyAdmin.get("/api/v1/exchange/stats"); code != 403 {
				t.Fatalf("agency admin reads getExchangeStats: %d", code)
			}
			if code, _, _ := admin.post("/admin/exchange/1/parent", nil); code != 303 {
				t.Fatalf("unmark: %d", code)
			}
			if ps, err := a.Exchange.Parents(context.Background(), actor.SystemActor("test")); err != nil || len(ps) != 0 {
				t.Fatalf("parents after unmarking: %v %v", ps, err)
			}
		})
	}
}
