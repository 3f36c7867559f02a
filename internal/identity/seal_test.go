package identity

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

func (f *fixture) storedSecret(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT totp_secret FROM identity_accounts WHERE id = $1", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signInMFA signs in with the password then a code of secret, on svc.
func (f *fixture) signInMFA(svc *Service, login, code string) error {
	res, err := svc.Login(f.ctx, LoginRequest{Login: login, Password: strongPassword, IP: "192.0.2.1"})
	if err != nil {
		return err
	}
	if res.Session.Stage != StageMFA {
		return apperr.New(apperr.Internal, "stage %s", res.Session.Stage)
	}
	_, err = svc.CompleteMFA(f.ctx, res.Token, code, "192.0.2.1")
	return err
}

func TestTOTPSecretsAreEncryptedAtRest(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		acc := f.official(t, "lanhdao", 4, actor.RoleGrant{Role: "leader", AgencyID: 4})
		res, err := f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		enr, err := f.svc.BeginTOTP(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		stored := f.storedSecret(t, acc.ID)
		if !strings.HasPrefix(stored, sealedPrefix) || strings.Contains(stored, enr.Secret) {
			t.Fatalf("stored TOTP secret %q is not encrypted", stored)
		}
		if again, err := f.svc.PendingTOTP(f.ctx, a); err != nil || again.Secret != enr.Secret {
			t.Fatalf("PendingTOTP = %q, %v", again.Secret, err)
		}
		if _, _, err := f.svc.ConfirmTOTP(f.ctx, a, f.code(t, enr.Secret)); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(30 * time.Second)
		if err := f.signInMFA(f.svc, "lanhdao", f.code(t, enr.Secret)); err != nil {
			t.Fatalf("sign in with an encrypted secret: %v", err)
		}

		// A replica started with another key cannot read it, and says so
		// without naming any key.
		other, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: []byte("another key of thirty-two bytes!")})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(30 * time.Second)
		err = f.signInMFA(other, "lanhdao", f.code(t, enr.Secret))
		if apperr.CodeOf(err) != apperr.Unavailable || !strings.Contains(apperr.MessageOf(err), "khoá bí mật") {
			t.Fatalf("wrong key: %v", err)
		}

		// A ciphertext copied onto another account does not decrypt there.
		acc2 := f.official(t, "lanhdao2", 4, actor.RoleGrant{Role: "leader", AgencyID: 4})
		if _, err := d.Writer().ExecContext(f.ctx, "UPDATE identity_accounts SET totp_secret = $1, totp_enabled = TRUE WHERE id = $2", stored, acc2.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.signInMFA(f.svc, "lanhdao2", f.code(t, enr.Secret)); apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("a copied ciphertext: %v", err)
		}
	})
}

func TestPlainTOTPSecretsAreEncryptedTransparently(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// plain gives login a TOTP secret as the version before encryption
		// wrote it.
		plain := func(login string) (Account, string) {
			acc := f.official(t, login, 4, actor.RoleGrant{Role: "leader", AgencyID: 4})
			raw := make([]byte, 20)
			_, _ = rand.Read(raw)
			secret := b32.EncodeToString(raw)
			if _, err := d.Writer().ExecContext(f.ctx, "UPDATE identity_accounts SET totp_secret = $1, totp_enabled = TRUE WHERE id = $2", secret, acc.ID); err != nil {
				t.Fatal(err)
			}
			return acc, secret
		}
		sealed := func(id int64, secret string) bool {
			stored := f.storedSecret(t, id)
			return strings.HasPrefix(stored, sealedPrefix) && !strings.Contains(stored, secret)
		}
		used, usedSecret := plain("dung.ngay")
		idle, idleSecret := plain("chua.dung")

		// Encrypted on next use.
		if err := f.signInMFA(f.svc, "dung.ngay", f.code(t, usedSecret)); err != nil {
			t.Fatalf("plain secret: %v", err)
		}
		if !sealed(used.ID, usedSecret) {
			t.Fatal("a plain secret read at sign-in stays plain")
		}
		// Or by the start-up step.
		if n, err := f.svc.SealTOTPSecrets(f.ctx); n != 1 || err != nil {
			t.Fatalf("SealTOTPSecrets = %d, %v", n, err)
		}
		if !sealed(idle.ID, idleSecret) {
			t.Fatal("SealTOTPSecrets left a plain secret")
		}
		f.clock.Add(30 * time.Second)
		for login, secret := range map[string]string{"dung.ngay": usedSecret, "chua.dung": idleSecret} {
			if err := f.signInMFA(f.svc, login, f.code(t, secret)); err != nil {
				t.Fatalf("%s after encryption: %v", login, err)
			}
		}
		if n := f.audited(t, "identity.totp.seal", "ok"); n != 1 {
			t.Errorf("audited %d conversions, want 1", n)
		}
		// Once done, later starts only look at the mark; a plain secret
		// written afterwards (an old replica) is still sealed on use.
		late, lateSecret := plain("den.muon")
		if n, err := f.svc.SealTOTPSecrets(f.ctx); n != 0 || err != nil {
			t.Fatalf("second SealTOTPSecrets = %d, %v", n, err)
		}
		f.clock.Add(30 * time.Second)
		if err := f.signInMFA(f.svc, "den.muon", f.code(t, lateSecret)); err != nil || !sealed(late.ID, lateSecret) {
			t.Fatalf("late plain secret: %v", err)
		}
	})
}

func TestNewRefusesAMissingOrShortSecretKey(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	f := newFixture(t, d)
	for _, key := range [][]byte{nil, []byte("short")} {
		if _, err := New(d, Options{Audit: f.svc.audit, SecretKey: key}); err == nil {
			t.Errorf("key of %d bytes accepted", len(key))
		}
	}
}
