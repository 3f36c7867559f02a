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

// The administration pages answer 403 (the Vietnamese error page) to a
// signed-in official who may not use them, offer only the roles the actor
// may hand out, and each privilege change ends the account's sessions.
func TestAdminPagesAndGrantsScenarios(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.login(t, "auditor", "demo.auditor", demoPw)
		f.login(t, "specialist", "demo.specialist", demoPw)
		forbidden := []string{"<h1>", "403", "Vai trò của bạn không được phép"}
		scenarios := []scenario{
			{Name: "security officer opens the users page", Method: "GET", URL: "/admin/users", Session: "security", ExpectedStatus: 403,
				ExpectedContent: forbidden, Absent: []string{`action="/admin/users"`, `<label for="username">`}},
			{Name: "auditor opens the users page", Method: "GET", URL: "/admin/users", Session: "auditor", ExpectedStatus: 403,
				ExpectedContent: forbidden, Absent: []string{`action="/admin/users"`}},
			{Name: "specialist opens the users page", Method: "GET", URL: "/admin/users", Session: "specialist", ExpectedStatus: 403, ExpectedContent: forbidden},
			{Name: "specialist opens the security page", Method: "GET", URL: "/admin/security", Session: "specialist", ExpectedStatus: 403, ExpectedContent: forbidden},
			{Name: "agency administrator is offered the roles they hand out", Method: "GET", URL: "/admin/users", Session: "admin", ExpectedStatus: 200,
				ExpectedContent: []string{`<option value="clerk">Văn thư</option>`, `<option value="agency_admin">`},
				Absent:          []string{`<option value="system_admin">`, `<option value="security_officer">`, `<option value="auditor">`}},
			{Name: "system administrator is not offered the security roles", Method: "GET", URL: "/admin/users", Session: "sysadmin", ExpectedStatus: 200,
				ExpectedContent: []string{`<option value="system_admin">`},
				Absent:          []string{`<option value="security_officer">`, `<option value="auditor">`}},
			{Name: "agency administrator's forms: not on their own account", Method: "GET", URL: "/admin/users", Session: "admin", ExpectedStatus: 200,
				ExpectedContent: []string{`action="/admin/users/{clerk}/roles/revoke"`, `action="/admin/users/{clerk}/roles"`, `name="subtree"`},
				Absent:          []string{`action="/admin/users/{admin}/roles"`, `action="/admin/users/{admin}/roles/revoke"`}},
			{Name: "system administrator may not strip the security officer of that role", Method: "GET", URL: "/admin/users", Session: "sysadmin", ExpectedStatus: 200,
				ExpectedContent: []string{`action="/admin/users/{security}/roles"`},
				Absent:          []string{`action="/admin/users/{security}/roles/revoke"`, `action="/admin/users/{sysadmin}/roles"`}},
			{Name: "system administrator makes an account security officer", Method: "POST", URL: "/admin/users/{clerk}/roles", Session: "sysadmin",
				Body: form("role", "security_officer", "agency", "0"), ExpectedStatus: 403, ExpectedContent: []string{"phân tách nhiệm vụ"}},
			{Name: "system administrator creates a security officer", Method: "POST", URL: "/admin/users", Session: "sysadmin",
				Body:           form("username", "antt.moi", "name", "An Toàn Mới", "agency", "{office}", "position", "{pos:van_thu}", "role", "security_officer", "password", pw),
				ExpectedStatus: 403, ExpectedContent: []string{"phân tách nhiệm vụ"}},
			{Name: "the refused role left no account: the login is still free", Method: "POST", URL: "/admin/users", Session: "sysadmin",
				Body:           form("username", "antt.moi", "name", "An Toàn Mới", "agency", "{office}", "position", "{pos:van_thu}", "role", "clerk", "password", pw),
				ExpectedStatus: 303, Location: "/admin/users?ok=1&agency={office}"},
			{Name: "agency administrator strips the system administrator", Method: "POST", URL: "/admin/users/{sysadmin}/roles/revoke", Session: "admin",
				Body: form("role", "system_admin", "agency", "0"), ExpectedStatus: 403},
			{Name: "agency administrator makes the clerk a leader", Method: "POST", URL: "/admin/users/{clerk}/roles", Session: "admin",
				Body: form("role", "leader", "agency", "{office}"), ExpectedStatus: 303, Location: "/admin/users?ok=1&agency={office}"},
			{Name: "the grant ended the clerk's session", Method: "GET", URL: "/office", Session: "clerk", ExpectedStatus: 303, Location: "/login"},
		}
		for _, sc := range scenarios {
			t.Run(sc.Name, func(t *testing.T) { f.run(t, sc) })
		}
		count := func(action string) int {
			var n int
			if err := d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_entries WHERE action = $1 AND outcome = 'denied'", action).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := count("identity.role.revoke"); got != 1 {
			t.Errorf("audited %d refused revokes as identity.role.revoke, want 1", got)
		}
		if got := count("identity.role.grant"); got != 2 {
			t.Errorf("audited %d refused grants, want 2", got)
		}
		if got := count("identity.user.create"); got != 3 {
			t.Errorf("audited %d refusals of the users page, want 3", got)
		}
	})
}
