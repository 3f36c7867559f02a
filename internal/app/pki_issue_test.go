package app

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The issuance page offers only what its issuer may issue: every agency it
// lists opens (none answers 403), agencies outside the issuer's reach are
// not listed, and the issuer is never listed as a holder (pki refuses a
// certificate to oneself).
func TestIssuePageOffersOnlyWhatTheIssuerMayIssue(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			all, err := a.Org.Agencies(context.Background(), org.AgencyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			option := regexp.MustCompile(`<option value="(\d+)"[^>]*>`)
			selectOf := func(page, id string) string {
				start := strings.Index(page, `<select id="`+id+`"`)
				if start < 0 {
					return ""
				}
				end := strings.Index(page[start:], "</select>")
				return page[start : start+end]
			}
			for _, tt := range []struct {
				who       string
				allAgency bool // the issuer's reach covers every agency of the demo
			}{
				{"agency_admin", false},
				{"security_officer", true}, // over the province's subtree
			} {
				b := newBrowser(t, srv).signIn("demo."+tt.who, pw)
				code, page := b.get("/admin/pki/issue")
				if code != 200 {
					t.Fatalf("%s GET /admin/pki/issue: %d", tt.who, code)
				}
				listed := option.FindAllStringSubmatch(selectOf(page, "agency"), -1)
				if len(listed) == 0 {
					t.Fatalf("%s: no agency offered:\n%s", tt.who, page)
				}
				if !tt.allAgency && len(listed) >= len(all) {
					t.Errorf("%s: all %d agencies offered, some outside their reach", tt.who, len(all))
				}
				self := "(demo." + tt.who + ")"
				sawOfficials := false
				for _, m := range listed {
					code, page := b.get("/admin/pki/issue?agency=" + m[1])
					if code != 200 {
						t.Errorf("%s: agency %s is offered but answers %d", tt.who, m[1], code)
						continue
					}
					accounts := selectOf(page, "account")
					sawOfficials = sawOfficials || accounts != ""
					if strings.Contains(accounts, self) {
						t.Errorf("%s: offered as a holder of their own certificate in agency %s", tt.who, m[1])
					}
				}
				if !sawOfficials {
					t.Errorf("%s: no official offered in any agency", tt.who)
				}
			}
		})
	}
}
