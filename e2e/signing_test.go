package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// The demo leader signs a small PDF on /sign with their own certificate
// (kept in the platform's key store since the first start), the browser
// downloads the signed file, and /verify — public — reads TOTAL-PASSED
// for it. Both pages pass axe-core, before and after.
func TestLeaderSignsAPDFAndVerifyPageSaysTotalPassed(t *testing.T) {
	ctx := tab(t)
	user, password := demoLogin(t, "leader")
	vietnamese(t, ctx)
	signIn(t, ctx, user, password)
	endSession(t, ctx)

	dir := t.TempDir()
	in := filepath.Join(dir, "cong-van.pdf")
	if err := os.WriteFile(in, pdftest.New(pdftest.Options{Pages: 1}), 0o644); err != nil {
		t.Fatal(err)
	}
	downloads := filepath.Join(dir, "downloads")
	os.MkdirAll(downloads, 0o755)
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	yes := true
	do(t, ctx,
		chromedp.Navigate(baseURL+"/sign"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="certificate"]`)),
	)
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Ký số") {
		t.Fatalf("h1 = %q", h1)
	}
	checkAccessibility(t, ctx)
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &yes})
			return err
		}),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{in}),
		chromedp.Click(chromedp.CSS(`form[action="/sign"] button[type="submit"]`)),
	)
	signed := ""
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the signed file: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatal("the download of the signed file was cancelled")
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			signed = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	data, err := os.ReadFile(signed)
	if err != nil || !strings.HasPrefix(string(data), "%PDF-") || !strings.Contains(string(data), "/ETSI.CAdES.detached") {
		t.Fatalf("the downloaded file is not a signed PDF: %v (%d bytes)", err, len(data))
	}

	do(t, ctx,
		chromedp.Navigate(baseURL+"/verify"),
		chromedp.WaitVisible(chromedp.CSS("#file")),
	)
	checkAccessibility(t, ctx)
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{signed}),
		chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#overall")),
	)
	if got := text(t, ctx, "#overall"); !strings.Contains(got, "TOTAL-PASSED") {
		t.Fatalf("verification result %q, want TOTAL-PASSED", got)
	}
	if got := text(t, ctx, "#sig-1"); !strings.Contains(got, "ChuKy1") {
		t.Fatalf("first signature heading %q", got)
	}
	checkAccessibility(t, ctx)
}

// vietnamese makes the pages Vietnamese whatever an earlier test chose.
func vietnamese(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(baseURL+"/?lang=vi"), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// endSession signs out when the test ends, also after a failure, so the
// next test's sign-in form is not skipped by a session left behind (the
// tabs share the browser's cookies).
func endSession(t *testing.T, ctx context.Context) {
	t.Cleanup(func() {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch('/logout', {method: 'POST'}).then(() => true)`, chromedp.EvalAwaitPromise))
	})
}

// The demo security officer's CA pages (certificates, issuance, trust
// store) are reachable from /office and pass axe-core.
func TestSecurityOfficerCAPagesAreAccessible(t *testing.T) {
	ctx := tab(t)
	user, password := demoLogin(t, "security_officer")
	vietnamese(t, ctx)
	signIn(t, ctx, user, password)
	endSession(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/admin/pki"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/pki"]`)), chromedp.WaitVisible(chromedp.CSS("table")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "Hoàng Quốc Khánh") || !strings.Contains(body, "Ủy ban nhân dân tỉnh Lào Cai") {
		t.Fatalf("the demo certificates are not listed:\n%s", body)
	}
	checkAccessibility(t, ctx)
	for _, path := range []string{"/admin/pki/trust", "/admin/pki/issue"} {
		do(t, ctx, chromedp.Navigate(baseURL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		checkAccessibility(t, ctx)
	}
	// Choosing an agency shows its officials and the seal form.
	agency := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#agency option')].find(o => o.textContent === 'Ủy ban nhân dân tỉnh Lào Cai').value`))
	do(t, ctx, chromedp.Navigate(baseURL+"/admin/pki/issue?agency="+agency), chromedp.WaitVisible(chromedp.CSS("#account")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "demo.leader") {
		t.Fatalf("the agency's officials are not offered:\n%s", body)
	}
	checkAccessibility(t, ctx)
}
