package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestUnitsPagesShowProvincesAndCommunesAsOfADate(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(baseURL+"/units"))
	rows := get(t, ctx, chromedp.Nodes(chromedp.CSSAll("tbody tr")))
	if len(rows) != 34 {
		t.Fatalf("%d provinces, want 34", len(rows))
	}
	checkAccessibility(t, ctx)

	do(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/units/15"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h1 := text(t, ctx, "h1"); h1 != "Tỉnh Lào Cai" {
		t.Fatalf("h1 = %q", h1)
	}
	if rows := get(t, ctx, chromedp.Nodes(chromedp.CSSAll("tbody tr"))); len(rows) != 99 {
		t.Fatalf("Lào Cai has %d communes, want 99", len(rows))
	}
	checkAccessibility(t, ctx)

	// The date picker form works without JavaScript: a day before the
	// 2025 reform has no units in the shipped list.
	do(t, ctx, chromedp.Navigate(baseURL+"/units?as_of=2025-06-30"))
	if rows := get(t, ctx, chromedp.Nodes(chromedp.CSSAll("tbody tr"), chromedp.AtLeast(0))); len(rows) != 0 {
		t.Fatalf("%d provinces on 30/06/2025, want 0", len(rows))
	}
}

func TestAgencyTreeAndPortalPagesShowTheDemoProvince(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(baseURL+"/agencies"))
	tree := text(t, ctx, ".tree")
	for _, want := range []string{"Ủy ban nhân dân tỉnh Lào Cai", "Bộ Dân tộc và Tôn giáo", "Sở Nội vụ"} {
		if !strings.Contains(tree, want) {
			t.Fatalf("agency tree lacks %q:\n%s", want, tree)
		}
	}
	checkAccessibility(t, ctx)

	do(t, ctx, chromedp.Click(chromedp.Search(`//a[text()="Ủy ban nhân dân tỉnh Lào Cai"]`)), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if facts := text(t, ctx, "dl.facts"); !strings.Contains(facts, "UBND") {
		t.Fatalf("agency facts lack its abbreviation: %q", facts)
	}
	checkAccessibility(t, ctx)

	do(t, ctx, chromedp.Navigate(baseURL+"/portal"))
	checkAccessibility(t, ctx)
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#province"), "15"),
		chromedp.Submit(chromedp.CSS("#province")),
		chromedp.WaitVisible(chromedp.CSS("table")),
	)
	if h1 := text(t, ctx, "h1"); h1 != "Tỉnh Lào Cai" {
		t.Fatalf("portal lookup landed on %q", h1)
	}
}
