package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Signing in from a browser that still holds another person's session
// ends that session on the server, not only in the browser.
func TestSignInEndsTheSessionTheBrowserHeld(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.run(t, scenario{Method: "GET", URL: "/office", Session: "clerk", ExpectedStatus: 200})
		f.run(t, scenario{Method: "POST", URL: "/login", Session: "clerk", Body: form("login", "001090012346", "password", pw),
			ExpectedStatus: 303, Location: "/account"})
		f.run(t, scenario{Method: "GET", URL: "/office", Session: "clerk", ExpectedStatus: 303, Location: "/login"})
	})
}

// A locked login answers alike whether it exists or not and offers the
// code field; the administrator sees the lock on the users page and lifts
// it there.
func TestLockShownAndLiftedOnTheUsersPage(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var known, unknown string
		for i := 0; i < 5; i++ {
			known = f.run(t, scenario{Method: "POST", URL: "/login", Body: form("login", "demo.clerk", "password", "không phải mật khẩu"), ExpectedStatus: statusFor(i)}).Body.String()
			unknown = f.run(t, scenario{Method: "POST", URL: "/login", Body: form("login", "khong.co.ai", "password", "không phải mật khẩu"), ExpectedStatus: statusFor(i)}).Body.String()
			if strings.Replace(unknown, "khong.co.ai", "demo.clerk", 1) != known {
				t.Fatalf("attempt %d: the pages for a known and an unknown login differ", i+1)
			}
		}
		for _, want := range []string{"tạm khoá", `<label for="otp">`} {
			if !strings.Contains(known, want) {
				t.Fatalf("locked page lacks %q\n%s", want, known)
			}
		}
		page := f.run(t, scenario{Method: "POST", URL: "/login", Body: form("login", "demo.clerk", "password", "Demo@2026-chinhquyen"), ExpectedStatus: 429}).Body.String()
		// The administrator sees the same end of the lock as the sign-in
		// answer, to the minute.
		end := regexp.MustCompile(`thử lại sau (\d\d:\d\d \d\d/\d\d/\d{4})`).FindStringSubmatch(page)
		if end == nil {
			t.Fatalf("the locked answer names no end:\n%s", page)
		}
		f.run(t, scenario{Method: "GET", URL: "/admin/users", Session: "admin", ExpectedStatus: 200,
			ExpectedContent: []string{`action="/admin/users/{clerk}/unlock"`, "Tạm khoá đến " + end[1]}})
		// access hides officials' accounts from citizens: not found.
		f.run(t, scenario{Method: "POST", URL: "/admin/users/{clerk}/unlock", Session: "citizen", Body: form("back", "{office}"), ExpectedStatus: 404})
		f.run(t, scenario{Method: "POST", URL: "/admin/users/{clerk}/unlock", Session: "clerk", Body: form("back", "{office}"), ExpectedStatus: 403})
		f.run(t, scenario{Method: "POST", URL: "/admin/users/{clerk}/unlock", Session: "admin", Body: form("back", "{office}"),
			ExpectedStatus: 303, Location: "/admin/users?ok=1&agency={office}"})
		f.run(t, scenario{Method: "GET", URL: "/admin/users", Session: "admin", ExpectedStatus: 200, Absent: []string{"/unlock", "Tạm khoá đến"}})
		f.run(t, scenario{Method: "POST", URL: "/login", Body: form("login", "demo.clerk", "password", "Demo@2026-chinhquyen"), ExpectedStatus: 303, Location: "/office"})
	})
}

func statusFor(attempt int) int {
	if attempt < 4 {
		return 401
	}
	return 429
}
