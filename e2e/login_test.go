package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// demoLogin returns the demo login printed for role.
func demoLogin(t *testing.T, role string) (username, password string) {
	t.Helper()
	for _, l := range demo {
		if l.Role == role {
			return l.Username, l.Password
		}
	}
	t.Fatalf("no demo login for %s", role)
	return "", ""
}

// signIn fills the sign-in form as a person would and waits for the page
// it leads to.
func signIn(t *testing.T, ctx context.Context, login, password string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(baseURL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/login"]`)),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return strings.TrimPrefix(get(t, ctx, chromedp.Location()), baseURL)
}

// signOut presses the page's sign-out button and checks the session ended.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)))
	if loc := location(t, ctx); loc != "/" {
		t.Fatalf("after signing out: %s", loc)
	}
	do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := location(t, ctx); loc != "/login" {
		t.Fatalf("/office after signing out landed on %s", loc)
	}
}

func TestClerkSignsInThroughTheFormAndOut(t *testing.T) {
	ctx := tab(t)
	user, password := demoLogin(t, "clerk")
	do(t, ctx, chromedp.Navigate(baseURL+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")))
	checkAccessibility(t, ctx)

	// A wrong password first: an error the screen reader announces, the
	// typed login kept.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#login"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role="alert"]`)),
	)
	if msg := text(t, ctx, `[role="alert"]`); !strings.Contains(msg, "không đúng") {
		t.Fatalf("wrong password message %q", msg)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#login"))); v != user {
		t.Fatalf("login field after the error = %q", v)
	}
	checkAccessibility(t, ctx)

	signIn(t, ctx, user, password)
	if loc := location(t, ctx); loc != "/office" {
		t.Fatalf("the clerk landed on %s, want /office", loc)
	}
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Lò Thị Mai") {
		t.Fatalf("office h1 = %q", h1)
	}
	if roles := text(t, ctx, "main ul.plain"); !strings.Contains(roles, "Văn thư") {
		t.Fatalf("office roles = %q", roles)
	}
	checkAccessibility(t, ctx)

	do(t, ctx, chromedp.Navigate(baseURL+"/account"), chromedp.WaitVisible(chromedp.CSS("#password")))
	if login := text(t, ctx, "dd.code"); login != user {
		t.Fatalf("account page shows login %q", login)
	}
	checkAccessibility(t, ctx)

	do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS("h1")))
	signOut(t, ctx)
}

func TestCitizenSignsInWithCCCD(t *testing.T) {
	ctx := tab(t)
	user, password := demoLogin(t, "citizen")
	if user != "001090012345" {
		t.Fatalf("demo citizen is %s", user)
	}
	// People type their CCCD with spaces as printed on the card.
	signIn(t, ctx, "001 090 012 345", password)
	if loc := location(t, ctx); loc != "/account" {
		t.Fatalf("the citizen landed on %s, want /account", loc)
	}
	if login := text(t, ctx, "dd.code"); login != user {
		t.Fatalf("account page shows login %q", login)
	}
	checkAccessibility(t, ctx)
	signOut(t, ctx)
}

// The administration pages reached from /office: org's choices instead of
// typed ids, the security officer's list, the background jobs, all
// accessible.
func TestAdministrationPagesAreAccessible(t *testing.T) {
	for _, c := range []struct{ role, link, want string }{
		{"agency_admin", "/admin/users", `select#unit`},
		{"security_officer", "/admin/security", `select[name="level"]`},
		{"system_admin", "/admin/jobs", `main table thead`},
	} {
		t.Run(c.role, func(t *testing.T) {
			ctx := tab(t)
			user, password := demoLogin(t, c.role)
			signIn(t, ctx, user, password)
			do(t, ctx, chromedp.Click(chromedp.CSS(`a[href="`+c.link+`"]`)), chromedp.WaitVisible(chromedp.CSS(c.want)))
			checkAccessibility(t, ctx)
			do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS("h1")))
			signOut(t, ctx)
		})
	}
}
