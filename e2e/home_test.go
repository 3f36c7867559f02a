package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestHomePageIsVietnameseAccessibleAndLinksToPortalAndLogin(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(baseURL+"/"))
	if lang := attr(t, ctx, "html", "lang"); lang != "vi" {
		t.Fatalf("lang = %q", lang)
	}
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "chính quyền điện tử") {
		t.Fatalf("h1 = %q", h1)
	}
	for _, href := range []string{"/portal", "/login"} {
		if got := attr(t, ctx, `main a[href="`+href+`"]`, "href"); got != href {
			t.Fatalf("link to %s missing from the home page", href)
		}
	}
	checkAccessibility(t, ctx)

	// The English switch keeps working on the next page (cookie).
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.Navigate(baseURL+"/"))
	if lang := attr(t, ctx, "html", "lang"); lang != "en" {
		t.Fatalf("after switching: lang = %q", lang)
	}
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "E-government") {
		t.Fatalf("after switching: h1 = %q", h1)
	}
	checkAccessibility(t, ctx)
}
