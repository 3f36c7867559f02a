// Package e2e drives the real program in Debian's Chromium: TestMain starts
// chinhquyen in-process on a free loopback port with a fresh data folder and
// the demo province, like a new user's first `serve`, and each test opens
// pages through the DevTools protocol and checks them with axe-core.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chromedp/chromedp"
)

var (
	baseURL   string
	demo      []app.DemoLogin // the demo logins printed on first start
	browser   context.Context // parent context for tabs; nil when Chromium is absent
	skipWhy   string
	chromeBin = "/usr/bin/chromium"
	smsbox1   *smsbox // the SMS gateway bulletins are sent through
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cq-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	// The port is chosen before the program opens so that the demo's
	// certificates name the running server as their OCSP responder, CA
	// issuer and CRL: pdfsig fails a certificate whose OCSP responder it
	// cannot reach.
	addr, err := freeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := app.Config{Addr: addr, DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error"}
	// Bulletins go out by SMS through a loopback stand-in for Kannel's
	// smsbox (--sms-kannel-url), which reports deliveries back on
	// /outreach/kannel/dlr (--sms-kannel-token); no quiet hours.
	smsbox1 = startSMSBox()
	defer smsbox1.Close()
	cfg.Outreach = app.OutreachConfig{KannelURL: smsbox1.URL + "/cgi-bin/sendsms", KannelToken: e2eKannelToken}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open app:", err)
		return 1
	}
	defer a.Close()
	if demo, err = a.FirstStart(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "first start:", err)
		return 1
	}
	// The jobs and the audit integrator run as under serve: receipts and
	// results are sealed by jobs.
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	a.RunBackground(bg)
	srv, err := a.Listen(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		return 1
	}
	defer srv.Shutdown()
	baseURL = srv.URL

	if p := os.Getenv("CHINHQUYEN_CHROMIUM"); p != "" {
		chromeBin = p
	}
	if _, err := exec.LookPath(chromeBin); err != nil {
		skipWhy = "Chromium not found at " + chromeBin + ": install Debian's chromium (apt-get install -y chromium) or set CHINHQUYEN_CHROMIUM"
	} else {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromeBin),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true),
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-first-run", true),
			chromedp.UserDataDir(dir+"/chromium"),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
		defer cancelAlloc()
		bctx, cancelBrowser := chromedp.NewContext(allocCtx)
		defer cancelBrowser()
		if err := chromedp.Do(bctx); err != nil {
			fmt.Fprintln(os.Stderr, "start chromium:", err)
			return 1
		}
		browser = bctx
	}
	return m.Run()
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tab opens a new browser tab for one test. Without Chromium the test is
// skipped (outside CI) or failed (CI sets CI=true: a missing browser is a
// failure there).
func tab(t *testing.T) context.Context {
	t.Helper()
	if browser == nil {
		if os.Getenv("CI") != "" {
			t.Fatal(skipWhy)
		}
		t.Skip(skipWhy)
	}
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	return ctx
}

// do runs steps in the tab and fails the test on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs one action that returns a value and fails the test on error.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// text returns the text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return get(t, ctx, chromedp.Text(chromedp.CSS(css)))
}

// attr returns an attribute of the first element matching a CSS selector.
func attr(t *testing.T, ctx context.Context, css, name string) string {
	t.Helper()
	return get(t, ctx, chromedp.AttributeValue(chromedp.CSS(css), name)).Value
}
