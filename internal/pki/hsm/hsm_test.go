package hsm_test

import (
	"context"
	"crypto"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/hsm"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

const module = "/usr/lib/softhsm/libsofthsm2.so"

// softHSM makes a fresh SoftHSM2 token "cq-test" (PIN 1234) in a private
// SOFTHSM2_CONF directory.
func softHSM(t *testing.T) {
	t.Helper()
	_, errTool := exec.LookPath("softhsm2-util")
	_, errMod := os.Stat(module)
	if errTool != nil || errMod != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("softhsm2 is missing in CI: apt-get install -y softhsm2")
		}
		t.Skip("softhsm2 not installed: apt-get install -y softhsm2")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cq-test", "--so-pin", "5678", "--pin", "1234").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
}

func TestPKCS11KeyStore(t *testing.T) {
	softHSM(t)
	ctx := context.Background()

	for _, c := range []struct {
		name string
		cfg  hsm.Config
		code apperr.Code
		is   error
	}{
		{"wrong PIN", hsm.Config{Module: module, TokenLabel: "cq-test", PIN: "0000"}, apperr.Unauthorized, hsm.ErrWrongPIN},
		{"missing token", hsm.Config{Module: module, TokenLabel: "khong-co", PIN: "1234"}, apperr.Unavailable, hsm.ErrTokenNotFound},
		{"missing module", hsm.Config{Module: "/nonexistent/libx.so", TokenLabel: "cq-test", PIN: "1234"}, apperr.Unavailable, hsm.ErrModule},
		{"no PIN", hsm.Config{Module: module, TokenLabel: "cq-test"}, apperr.Unauthorized, hsm.ErrWrongPIN},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hsm.Open(c.cfg)
			if apperr.CodeOf(err) != c.code || !errors.Is(err, c.is) {
				t.Fatalf("Open: %v, want %s wrapping %v", err, c.code, c.is)
			}
		})
	}

	store, err := hsm.Open(hsm.Config{Module: module, TokenLabel: "cq-test", PIN: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	// A whole CA on the token: CA, TSA and OCSP keys and an official's key.
	f, err := pkitest.Setup(ctx, dbtest.SQLite(t), t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{Keys: store})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.IssueOfficial(ctx, "Đặng Văn Hùng", "CCCD:0123")
	if err != nil {
		t.Fatal(err)
	}
	ta, err := f.Service.Trust(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.X509.Verify(ta.VerifyOptions(clock.Now())); err != nil {
		t.Fatal(err)
	}
	signer, cert, _, err := f.Service.Signer(ctx, f.Holder, c.Serial)
	if err != nil || !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(signer.Public()) {
		t.Fatalf("HSM signer: %v", err)
	}
	if _, ans := f.Service.RespondTSA(ctx, pkitest.TSAQuery([]byte("x"), 0, nil, true)); !ans.Granted {
		t.Fatalf("TSA on HSM: %+v", ans)
	}
	if _, err := f.Service.Revoke(ctx, f.Actor, c.Serial, pki.ReasonKeyCompromise, ""); err != nil {
		t.Fatal(err)
	}

	// RSA keys too, and a key reference the token does not have.
	ref, _, err := store.Generate(ctx, pki.RSA2048, "rsa")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Signer(ctx, ref); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted key: %v", err)
	}
}
