package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The demo auditor opens the audit log from /office, filters it by action,
// outcome and today's date (the date inputs), and sees their own sign-in
// with a link to its proof and the CSV export of the same filter; the page
// passes axe-core before and after filtering.
func TestAuditorFiltersTheAuditLog(t *testing.T) {
	ctx := tab(t)
	vietnamese(t, ctx)
	user, password := demoLogin(t, "auditor")
	endSession(t, ctx)
	signIn(t, ctx, user, password)
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/admin/audit"]`)), chromedp.WaitVisible(chromedp.CSS(`form[role="search"]`)))
	if h1 := text(t, ctx, "h1"); h1 != "Nhật ký hệ thống" {
		t.Fatalf("audit page h1 = %q", h1)
	}
	checkAccessibility(t, ctx)

	today := clock.Now().In(locale.VN).Format("2006-01-02")
	// Mark this document, to know when the filtered one has replaced it.
	get(t, ctx, chromedp.Evaluate[bool](`document.body.dataset.unfiltered = "1", true`))
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#action"), "identity"),
		chromedp.SetValue(chromedp.CSS("#outcome"), "ok"),
		chromedp.SetValue(chromedp.CSS("#from"), today),
		chromedp.SetValue(chromedp.CSS("#to"), today),
		chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`body[data-unfiltered]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[download]`)),
	)
	loc := location(t, ctx)
	for _, want := range []string{"action=identity", "outcome=ok", "from=" + today} {
		if !strings.Contains(loc, want) {
			t.Fatalf("filtered URL %s lacks %s", loc, want)
		}
	}
	rows := text(t, ctx, "main table tbody")
	if !strings.Contains(rows, "identity.login.ok") || !strings.Contains(rows, user) || strings.Contains(rows, "Bị từ chối") {
		t.Fatalf("filtered rows:\n%s", rows)
	}
	if href := attr(t, ctx, "main table tbody a", "href"); !strings.HasPrefix(href, "/api/v1/audit/entries/") || !strings.HasSuffix(href, "/proof") {
		t.Fatalf("proof link %q", href)
	}
	if href := attr(t, ctx, "a[download]", "href"); !strings.Contains(href, "/admin/audit/export?") || !strings.Contains(href, "action=identity") {
		t.Fatalf("export link %q", href)
	}
	checkAccessibility(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS("h1")))
	signOut(t, ctx)
}
