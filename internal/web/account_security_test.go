package web_test

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The demo security officer works at Sở Khoa học và Công nghệ ({skhcn}),
// with the demo system administrator; the demo clerk and agency
// administrator are at the provincial office ({office}).
func TestSecurityOfficerScenarios(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		scenarios := []scenario{
			{Name: "anonymous", Method: "GET", URL: "/admin/security", ExpectedStatus: 303, Location: "/login"},
			{Name: "citizen", Method: "GET", URL: "/admin/security", Session: "citizen", ExpectedStatus: 403},
			{Name: "clerk", Method: "GET", URL: "/admin/security", Session: "clerk", ExpectedStatus: 403},
			{Name: "security officer lists the agency's accounts", Method: "GET", URL: "/admin/security", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{"demo.system_admin", "demo.security_officer", "tài khoản của bạn", "Quản trị hệ thống", "Cán bộ an toàn thông tin",
					"Bắt buộc; tài khoản trình diễn được miễn", "Đang hoạt động", `action="/admin/security/{sysadmin}/clearance"`, `action="/admin/security/{sysadmin}/disable"`,
					`<option value="tuyet_mat">Tuyệt mật</option>`, "chỉ lưu thông tin mô tả", `<option value="{skhcn}" selected>`},
				Absent: []string{`action="/admin/security/{security}/clearance"`, `action="/admin/security/{security}/disable"`, `value="han_che"`, "demo.clerk"}},
			{Name: "security officer opens another agency", Method: "GET", URL: "/admin/security?agency={office}", Session: "security", ExpectedStatus: 403},
			{Name: "clearance of an official", Method: "POST", URL: "/admin/security/{sysadmin}/clearance", Session: "security", Body: form("level", "mat", "back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=clearance&agency={skhcn}"},
			{Name: "the new clearance is shown", Method: "GET", URL: "/admin/security?ok=clearance&agency={skhcn}", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{`<option value="mat" selected>Mật</option>`, "Đã đặt mức được tiếp cận."}},
			{Name: "restricted is not a clearance", Method: "POST", URL: "/admin/security/{sysadmin}/clearance", Session: "security", Body: form("level", "han_che", "back", "{skhcn}"),
				ExpectedStatus: 400, ExpectedContent: []string{"không hợp lệ", "demo.system_admin"}},
			{Name: "self-escalation: own clearance", Method: "POST", URL: "/admin/security/{security}/clearance", Session: "security", Body: form("level", "tuyet_mat", "back", "{skhcn}"),
				ExpectedStatus: 403, ExpectedContent: []string{"chính mình"}},
			{Name: "clearance of an official of another agency", Method: "POST", URL: "/admin/security/{clerk}/clearance", Session: "security", Body: form("level", "mat", "back", "{office}"),
				ExpectedStatus: 403},
			{Name: "an agency administrator may not set clearances", Method: "POST", URL: "/admin/security/{clerk}/clearance", Session: "admin", Body: form("level", "mat", "back", "{office}"),
				ExpectedStatus: 403},
			{Name: "agency administrator sees the list without clearance forms", Method: "GET", URL: "/admin/security", Session: "admin", ExpectedStatus: 200,
				ExpectedContent: []string{"demo.clerk", `action="/admin/security/{clerk}/disable"`}, Absent: []string{`/clearance"`}},
			{Name: "disable an official", Method: "POST", URL: "/admin/security/{sysadmin}/disable", Session: "security", Body: form("back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=disabled&agency={skhcn}"},
			{Name: "the disabled official's session has ended", Method: "GET", URL: "/office", Session: "sysadmin", ExpectedStatus: 303, Location: "/login"},
			{Name: "the disabled official cannot sign in", Method: "POST", URL: "/login", Body: form("login", "demo.system_admin", "password", demoPw), ExpectedStatus: 403,
				ExpectedContent: []string{"bị khoá"}},
			{Name: "the list shows it disabled", Method: "GET", URL: "/admin/security", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{"Đã vô hiệu hoá", `action="/admin/security/{sysadmin}/enable"`}},
			{Name: "re-enable", Method: "POST", URL: "/admin/security/{sysadmin}/enable", Session: "security", Body: form("back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=enabled&agency={skhcn}"},
			{Name: "signs in again", Method: "POST", URL: "/login", Body: form("login", "demo.system_admin", "password", demoPw), ExpectedStatus: 303, Location: "/office"},
			{Name: "self-escalation: disable oneself", Method: "POST", URL: "/admin/security/{security}/disable", Session: "security", Body: form("back", "{skhcn}"), ExpectedStatus: 403},
			{Name: "disable an official of another agency", Method: "POST", URL: "/admin/security/{clerk}/disable", Session: "security", Body: form("back", "{office}"), ExpectedStatus: 403},
			{Name: "unknown account", Method: "POST", URL: "/admin/security/987654/disable", Session: "security", Body: form("back", "{skhcn}"), ExpectedStatus: 404},
		}
		for _, sc := range scenarios {
			t.Run(sc.Name, func(t *testing.T) { f.run(t, sc) })
		}
		count := func(action, outcome string) int {
			var n int
			if err := d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_entries WHERE action = $1 AND outcome = $2", action, outcome).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, c := range []struct {
			action, outcome string
			want            int
		}{
			{"identity.clearance.set", "ok", 1},
			{"identity.clearance.set", "denied", 3},
			{"identity.user.disable", "ok", 2},
			{"identity.user.disable", "denied", 2},
		} {
			if got := count(c.action, c.outcome); got != c.want {
				t.Errorf("audit: %d %s %s entries, want %d", got, c.action, c.outcome, c.want)
			}
		}
	})
}
