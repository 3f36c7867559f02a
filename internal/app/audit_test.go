package app

import (
	"context"
	"crypto/rand"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"golang.org/x/mod/sumdb/note"
)

// Replicas sharing a PostgreSQL database share the audit signing key
// through CHINHQUYEN_AUDIT_SIGNER_KEY_FILE instead of copying the key file.
func TestAuditSignerKeyFromEnvironmentFile(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "audit.test.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	if err := os.WriteFile(keyFile, []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHINHQUYEN_AUDIT_SIGNER_KEY_FILE", keyFile)
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := config.NewBinder(fs)
	cfg.BindDatabase(b)
	if err := b.Parse([]string{"--data", t.TempDir(), "--sqlite-sync", "NORMAL", "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	if cfg.AuditSignerKey != skey {
		t.Fatalf("AuditSignerKey not read from the _FILE variable")
	}
	a, err := Open(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := a.Audit.VerifierKey(); got != vkey {
		t.Fatalf("verifier key = %q, want %q", got, vkey)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, audit.SignerKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("a key file was generated although the key was configured: %v", err)
	}
	cp, err := a.Audit.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.OpenCheckpoint(cp.Note, vkey); err != nil {
		t.Fatalf("checkpoint not signed by the configured key: %v", err)
	}
}
