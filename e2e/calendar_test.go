package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestCalendarMonthShowsTetWithItsLunarDateAndIsAccessible(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(baseURL+"/calendar?month=2026-02"))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "tháng 2/2026") {
		t.Fatalf("h1 = %q", h1)
	}
	// Tết Bính Ngọ: Tuesday 17/02/2026 is lunar 1/1, a public holiday.
	tet := text(t, ctx, "#d-2026-02-17")
	for _, want := range []string{"17", "1/1", "Nghỉ lễ", "Tết Âm lịch"} {
		if !strings.Contains(tet, want) {
			t.Fatalf("17/02/2026 cell %q lacks %q", tet, want)
		}
	}
	if c := attr(t, ctx, "#d-2026-02-17", "class"); !strings.Contains(c, "holiday") {
		t.Fatalf("17/02/2026 class = %q", c)
	}
	if cap := text(t, ctx, "table.month caption"); !strings.Contains(cap, "Tháng 2 năm 2026") {
		t.Fatalf("caption = %q", cap)
	}
	if got := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.month thead th[scope=col]").length`)); got != 7 {
		t.Fatalf("%d column headers, want 7", got)
	}
	checkAccessibility(t, ctx)

	// The next-month link works without JavaScript.
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS("#d-2026-03-01")))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "tháng 3/2026") {
		t.Fatalf("after next: h1 = %q", h1)
	}

	// The worked Saturday of the 2/9/2026 swap.
	do(t, ctx, chromedp.Navigate(baseURL+"/calendar?month=2026-08"))
	if sat := text(t, ctx, "#d-2026-08-22"); !strings.Contains(sat, "Làm bù") {
		t.Fatalf("22/08/2026 cell = %q", sat)
	}
	checkAccessibility(t, ctx)
}
