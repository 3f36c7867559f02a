package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFlagsDefaultFromEnvironmentAndFlagsWin(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHINHQUYEN_DATA", "/srv/cq")
	t.Setenv("CHINHQUYEN_NO_DEMO", "true")
	t.Setenv("CHINHQUYEN_WORKERS", "7")
	t.Setenv("CHINHQUYEN_IDLE", "45m")
	t.Setenv("CHINHQUYEN_KEY_PASSPHRASE_FILE", secretFile)

	var data, addr, pass string
	var noDemo bool
	var workers int
	var idle time.Duration
	b := NewBinder(flag.NewFlagSet("t", flag.ContinueOnError))
	b.String(&data, "data", "./data", "")
	b.String(&addr, "addr", "127.0.0.1:8080", "")
	b.Bool(&noDemo, "no-demo", false, "")
	b.Int(&workers, "workers", 1, "")
	b.Duration(&idle, "idle", time.Minute, "")
	b.Secret(&pass, "key-passphrase", "")
	if err := b.Parse([]string{"--addr", "127.0.0.1:9"}); err != nil {
		t.Fatal(err)
	}
	if data != "/srv/cq" || addr != "127.0.0.1:9" || !noDemo || workers != 7 || idle != 45*time.Minute || pass != "s3cret" {
		t.Fatalf("got data=%q addr=%q noDemo=%v workers=%d idle=%v pass=%q", data, addr, noDemo, workers, idle, pass)
	}
}

func TestBadEnvironmentValuesAreReportedByName(t *testing.T) {
	t.Setenv("CHINHQUYEN_NO_DEMO", "maybe")
	t.Setenv("CHINHQUYEN_KEY_PASSPHRASE_FILE", "/nonexistent/secret")
	var noDemo bool
	var pass string
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := NewBinder(fs)
	b.Bool(&noDemo, "no-demo", false, "")
	b.Secret(&pass, "key-passphrase", "")
	err := b.Parse(nil)
	if err == nil || !strings.Contains(err.Error(), "CHINHQUYEN_NO_DEMO") || !strings.Contains(err.Error(), "CHINHQUYEN_KEY_PASSPHRASE_FILE") {
		t.Fatalf("err = %v", err)
	}
	if err := b.Parse([]string{"--unknown"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

func TestHelpNeverShowsASecret(t *testing.T) {
	t.Setenv("CHINHQUYEN_SECRET_KEY", "do-not-print-me")
	var key string
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	b := NewBinder(fs)
	b.Secret(&key, "secret-key", "the key")
	if err := b.Parse([]string{"--help"}); err == nil {
		t.Fatal("--help did not stop parsing")
	}
	if strings.Contains(help.String(), "do-not-print-me") || !strings.Contains(help.String(), "CHINHQUYEN_SECRET_KEY") {
		t.Fatalf("help:\n%s", help.String())
	}
	if key != "do-not-print-me" {
		t.Fatalf("key = %q", key)
	}
	if err := b.Parse([]string{"--secret-key", "from-flag"}); err != nil || key != "from-flag" {
		t.Fatalf("flag value: %q %v", key, err)
	}
}
