package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The clerk reaches the agency's documents from /office, filters them,
// opens one, opens the registration form and the register: every page
// passes axe-core, and the demo's year of documents is there.
func TestClerkBrowsesDocumentsAndRegistersAccessibly(t *testing.T) {
	ctx := tab(t)
	vietnamese(t, ctx)
	endSession(t, ctx)
	user, password := demoLogin(t, "clerk")
	signIn(t, ctx, user, password)
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/office/documents"]`)), chromedp.WaitVisible(chromedp.CSS(`main table tbody tr`)))
	checkAccessibility(t, ctx)
	if got := text(t, ctx, `main p[role="status"]`); !strings.Contains(got, "văn bản") {
		t.Fatalf("no total on the list: %q", got)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`#urgency`), "khan"), chromedp.Click(chromedp.CSS(`form[action="/office/documents"] button`)),
		chromedp.WaitReady(chromedp.CSS(`#urgency option[value="khan"][selected]`)))
	do(t, ctx, chromedp.Click(chromedp.CSS(`main table tbody tr a`)), chromedp.WaitVisible(chromedp.CSS(`dl.facts`)))
	checkAccessibility(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/office/documents/new"), chromedp.WaitVisible(chromedp.CSS(`#symbol`)))
	checkAccessibility(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/office/registers"), chromedp.WaitVisible(chromedp.CSS(`main table thead`)))
	checkAccessibility(t, ctx)
	if got := text(t, ctx, `main h2`); !strings.Contains(got, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") {
		t.Fatalf("register heading: %q", got)
	}
}
