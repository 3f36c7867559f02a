package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

//go:embed axe/axe.min.js
var axeSource string

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checkAccessibility injects axe-core into the current page and fails the
// test on any serious or critical violation (WCAG 2.1 A/AA rules).
func checkAccessibility(t *testing.T, ctx context.Context) {
	t.Helper()
	if bad := axeViolations(t, ctx); len(bad) > 0 {
		t.Fatalf("accessibility violations:\n%s", strings.Join(bad, "\n"))
	}
}

// axeViolations returns the serious and critical violations on the page.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	run := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]}).then(r => JSON.stringify({violations: r.violations}))`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](axeSource)); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	var bad []string
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			t.Logf("axe (%s) %s: %s", v.Impact, v.ID, v.Help)
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target))
		}
		bad = append(bad, fmt.Sprintf("%s [%s] %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", ")))
	}
	return bad
}

// The checker itself must be able to fail: a page with an unlabeled input
// and an image without text is reported.
func TestAxeReportsAnInaccessiblePage(t *testing.T) {
	ctx := tab(t)
	page := `data:text/html;charset=utf-8,<!doctype html><html><head><title>x</title></head><body><main><form><input type="text"></form><img src="x.png"></main></body></html>`
	do(t, ctx, chromedp.Navigate(page))
	bad := axeViolations(t, ctx)
	joined := strings.Join(bad, "\n")
	if !strings.Contains(joined, "label") || !strings.Contains(joined, "image-alt") {
		t.Fatalf("axe missed the violations; got %q", joined)
	}
}
