package app

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// Every administration page that is a form answers 403, with the
// Vietnamese error page and no form, to a signed-in official whose roles do
// not allow its action (access.Can decides, and records the refusal), and
// opens for the roles that do.
func TestAdminFormsAnswer403ToWhoMayNotUseThem(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			_, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			browsers := map[string]*browser{}
			for _, who := range []string{"specialist", "clerk", "leader", "auditor", "agency_admin", "security_officer", "system_admin"} {
				browsers[who] = newBrowser(t, srv).signIn("demo."+who, pw)
			}
			tests := []struct {
				who, path string
				want      int
			}{
				{"specialist", "/admin/users", 403},
				{"specialist", "/admin/security", 403},
				{"specialist", "/admin/pki/issue", 403},
				{"specialist", "/admin/pki/trust", 403},
				{"specialist", "/admin/pki", 403},
				{"specialist", "/calendar/overrides", 403},
				{"specialist", "/admin/audit", 403},
				{"clerk", "/admin/pki/issue", 403},
				{"leader", "/admin/pki/trust", 403},
				{"auditor", "/admin/users", 403},
				{"auditor", "/admin/pki/issue", 403},
				{"security_officer", "/admin/users", 403},
				{"agency_admin", "/admin/pki/trust", 403},
				{"agency_admin", "/admin/users", 200},
				{"agency_admin", "/admin/pki/issue", 200},
				{"security_officer", "/admin/pki/issue", 200},
				{"security_officer", "/admin/pki/trust", 200},
				{"security_officer", "/admin/security", 200},
				{"system_admin", "/admin/pki/trust", 200},
				{"system_admin", "/calendar/overrides", 200},
				{"specialist", "/admin/jobs", 403},
				{"security_officer", "/admin/jobs", 403},
				{"agency_admin", "/admin/jobs", 403},
				{"system_admin", "/admin/jobs", 200},
			}
			for _, tt := range tests {
				code, body := browsers[tt.who].get(tt.path)
				if code != tt.want {
					t.Errorf("%s GET %s: %d, want %d", tt.who, tt.path, code, tt.want)
					continue
				}
				if tt.want == 403 && (!strings.Contains(body, `lang="vi"`) || !strings.Contains(body, "không") || strings.Contains(body, `method="post"`)) {
					t.Errorf("%s GET %s: not the Vietnamese error page without a form:\n%s", tt.who, tt.path, body)
				}
			}
			// A form sent with a mistake is shown again with its error,
			// but only to who may use it: to anyone else it is the 403 of
			// the page, whatever the mistake.
			posts := []struct {
				who, path string
				form      url.Values
				want      int
			}{
				{"clerk", "/admin/pki/issue", url.Values{"kind": {"bogus"}}, 403},
				{"leader", "/admin/pki/issue", url.Values{"kind": {"official"}, "agency": {"1"}, "days": {"0"}}, 403},
				{"leader", "/admin/pki/trust", url.Values{"label": {""}}, 403},
				{"agency_admin", "/admin/pki/trust", url.Values{"label": {"x"}}, 403},
				{"security_officer", "/admin/pki/issue", url.Values{"kind": {"bogus"}}, 400},
				{"security_officer", "/admin/pki/trust", url.Values{"label": {"x"}}, 400},
			}
			for _, tt := range posts {
				code, _, body := browsers[tt.who].post(tt.path, tt.form)
				if code != tt.want {
					t.Errorf("%s POST %s: %d, want %d", tt.who, tt.path, code, tt.want)
					continue
				}
				if tt.want == 403 && strings.Contains(body, `method="post"`) {
					t.Errorf("%s POST %s: the 403 shows a form:\n%s", tt.who, tt.path, body)
				}
			}
		})
	}
}
