package web_test

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The demo security officer works at Sở Khoa học và Công nghệ ({skhcn}),
// with the demo system administrator (a platform-wide grant); the demo
// clerk and agency administrator are at the provincial office ({office}).
// The officer is cleared Tối mật here and {official} is an ordinary
// specialist of {skhcn}.
func TestSecurityOfficerScenarios(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		sys := actor.SystemActor("test")
		official, err := f.svc.CreateOfficial(ctx, sys, identity.NewOfficial{Username: "kythuat.skhcn", Name: "Kỹ Thuật Viên", Password: pw,
			AgencyID: f.ids["skhcn"], Positions: []int64{f.ids["pos:"+org.PosSpecialist]}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.GrantRole(ctx, sys, official.ID, actor.RoleGrant{Role: "specialist", AgencyID: f.ids["skhcn"]}); err != nil {
			t.Fatal(err)
		}
		f.ids["official"] = official.ID
		f.login(t, "official", "kythuat.skhcn", pw)
		if err := f.svc.SetClearance(ctx, sys, f.ids["security"], access.TopSecret); err != nil {
			t.Fatal(err)
		}
		f.login(t, "security", "demo.security_officer", demoPw) // the change ended the officer's sessions

		scenarios := []scenario{
			{Name: "anonymous", Method: "GET", URL: "/admin/security", ExpectedStatus: 303, Location: "/login"},
			{Name: "citizen", Method: "GET", URL: "/admin/security", Session: "citizen", ExpectedStatus: 403},
			{Name: "clerk", Method: "GET", URL: "/admin/security", Session: "clerk", ExpectedStatus: 403},
			{Name: "security officer lists the agency's accounts", Method: "GET", URL: "/admin/security", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{"demo.system_admin", "demo.security_officer", "kythuat.skhcn", "tài khoản của bạn", "Quản trị hệ thống", "Cán bộ an toàn thông tin",
					"Bắt buộc; tài khoản trình diễn được miễn", "Đang hoạt động", `action="/admin/security/{official}/clearance"`, `action="/admin/security/{official}/disable"`,
					`<option value="toi_mat">Tối mật</option>`, "chỉ lưu thông tin mô tả", `<option value="{skhcn}" selected>`},
				Absent: []string{`action="/admin/security/{security}/clearance"`, `action="/admin/security/{security}/disable"`, `value="han_che"`, "demo.clerk",
					`value="tuyet_mat"`, `action="/admin/security/{sysadmin}/clearance"`, `action="/admin/security/{sysadmin}/disable"`}},
			{Name: "security officer opens another agency", Method: "GET", URL: "/admin/security?agency={office}", Session: "security", ExpectedStatus: 403},
			{Name: "clearance of an official", Method: "POST", URL: "/admin/security/{official}/clearance", Session: "security", Body: form("level", "mat", "back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=clearance&agency={skhcn}"},
			{Name: "the new clearance is shown", Method: "GET", URL: "/admin/security?ok=clearance&agency={skhcn}", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{`<option value="mat" selected>Mật</option>`, "Đã đặt mức được tiếp cận."}},
			{Name: "the clearance change ended the official's session", Method: "GET", URL: "/office", Session: "official", ExpectedStatus: 303, Location: "/login"},
			{Name: "clearance above the officer's own", Method: "POST", URL: "/admin/security/{official}/clearance", Session: "security", Body: form("level", "tuyet_mat", "back", "{skhcn}"),
				ExpectedStatus: 403, ExpectedContent: []string{"cao hơn mức tiếp cận của chính bạn"}},
			{Name: "restricted is not a clearance", Method: "POST", URL: "/admin/security/{official}/clearance", Session: "security", Body: form("level", "han_che", "back", "{skhcn}"),
				ExpectedStatus: 400, ExpectedContent: []string{"không hợp lệ", "kythuat.skhcn"}},
			{Name: "clearance of the platform's administrator", Method: "POST", URL: "/admin/security/{sysadmin}/clearance", Session: "security", Body: form("level", "mat", "back", "{skhcn}"),
				ExpectedStatus: 403, ExpectedContent: []string{"vai trò cấp nền tảng"}},
			{Name: "self-escalation: own clearance", Method: "POST", URL: "/admin/security/{security}/clearance", Session: "security", Body: form("level", "tuyet_mat", "back", "{skhcn}"),
				ExpectedStatus: 403, ExpectedContent: []string{"chính mình"}},
			{Name: "clearance of an official of another agency", Method: "POST", URL: "/admin/security/{clerk}/clearance", Session: "security", Body: form("level", "mat", "back", "{office}"),
				ExpectedStatus: 403},
			{Name: "an agency administrator may not set clearances", Method: "POST", URL: "/admin/security/{clerk}/clearance", Session: "admin", Body: form("level", "mat", "back", "{office}"),
				ExpectedStatus: 403},
			{Name: "agency administrator sees the list without clearance forms", Method: "GET", URL: "/admin/security", Session: "admin", ExpectedStatus: 200,
				ExpectedContent: []string{"demo.clerk", `action="/admin/security/{clerk}/disable"`}, Absent: []string{`/clearance"`}},
			{Name: "an agency officer disables the platform's administrator", Method: "POST", URL: "/admin/security/{sysadmin}/disable", Session: "security", Body: form("back", "{skhcn}"),
				ExpectedStatus: 403, ExpectedContent: []string{"vai trò cấp nền tảng"}},
			{Name: "the platform's administrator still works", Method: "GET", URL: "/office", Session: "sysadmin", ExpectedStatus: 200},
			{Name: "disable an official", Method: "POST", URL: "/admin/security/{official}/disable", Session: "security", Body: form("back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=disabled&agency={skhcn}"},
			{Name: "the disabled official cannot sign in", Method: "POST", URL: "/login", Body: form("login", "kythuat.skhcn", "password", pw), ExpectedStatus: 403,
				ExpectedContent: []string{"bị khoá"}},
			{Name: "the list shows it disabled", Method: "GET", URL: "/admin/security", Session: "security", ExpectedStatus: 200,
				ExpectedContent: []string{"Đã vô hiệu hoá", `action="/admin/security/{official}/enable"`}},
			{Name: "re-enable", Method: "POST", URL: "/admin/security/{official}/enable", Session: "security", Body: form("back", "{skhcn}"),
				ExpectedStatus: 303, Location: "/admin/security?ok=enabled&agency={skhcn}"},
			{Name: "signs in again, now to enrol a second factor (cleared Mật)", Method: "POST", URL: "/login", Body: form("login", "kythuat.skhcn", "password", pw),
				ExpectedStatus: 303, Location: "/account/totp"},
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
			{"identity.clearance.set", "ok", 2}, // the fixture's and the officer's
			{"identity.clearance.set", "denied", 5},
			{"identity.user.disable", "ok", 2},
			{"identity.user.disable", "denied", 3},
		} {
			if got := count(c.action, c.outcome); got != c.want {
				t.Errorf("audit: %d %s %s entries, want %d", got, c.action, c.outcome, c.want)
			}
		}
	})
}
