package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// cheap keeps argon2id fast in tests; rehash tests change one parameter.
func cheap(cfg Config) Config {
	cfg.Identity.Argon2Memory, cfg.Identity.Argon2Iterations, cfg.Identity.Argon2Parallelism = 8*1024, 1, 1
	return cfg
}

func TestSignInFlagsDefaultFromEnvironment(t *testing.T) {
	t.Setenv("CHINHQUYEN_ARGON2_MEMORY", "65536")
	t.Setenv("CHINHQUYEN_SESSION_IDLE_TIMEOUT", "15m")
	t.Setenv("CHINHQUYEN_TRUSTED_PROXIES", "10.0.0.0/8")
	t.Setenv("CHINHQUYEN_SECRET_KEY", strings.Repeat("ab", 32))
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := config.NewBinder(fs)
	cfg.BindServe(b)
	if err := b.Parse([]string{"--argon2-iterations", "3", "--login-lock-after", "7", "--rate-login-ip", "50", "--data", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	c := cfg.Identity
	if c.Argon2Memory != 65536 || c.Argon2Iterations != 3 || c.Argon2Parallelism != 1 || c.IdleTimeout != 15*time.Minute || c.AbsoluteTimeout != 12*time.Hour ||
		c.LockAfter != 7 || c.LockBase != time.Minute || c.LoginPerIP != 50 || c.LoginPerAccount != 10 || c.TrustedProxies != "10.0.0.0/8" ||
		c.CleanupInterval != 10*time.Minute || cfg.SecretKey != strings.Repeat("ab", 32) {
		t.Fatalf("identity config = %+v, key set %v", c, cfg.SecretKey != "")
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if p := c.params(); p.Memory != 65536 || p.Time != 3 || p.Threads != 1 || p.SaltLen != identity.DefaultParams.SaltLen {
		t.Fatalf("params = %+v", p)
	}

	bad := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"argon2 memory below the floor", func(c *Config) { c.Identity.Argon2Memory = 4096 }, "bộ nhớ"},
		{"negative iterations", func(c *Config) { c.Identity.Argon2Iterations = -1 }, "argon2id"},
		{"idle longer than absolute", func(c *Config) { c.Identity.IdleTimeout = 13 * time.Hour }, "--session-idle-timeout"},
		{"lock base above max", func(c *Config) { c.Identity.LockBase = 2 * time.Hour }, "--login-lock-base"},
		{"negative rate", func(c *Config) { c.Identity.LoginPerIP = -5 }, "--rate-login-ip"},
		{"cleanup every second", func(c *Config) { c.Identity.CleanupInterval = time.Second }, "--cleanup-interval"},
		{"bad proxy list", func(c *Config) { c.Identity.TrustedProxies = "10.0.0.0/8, proxy.local" }, "--trusted-proxies"},
		{"short secret key", func(c *Config) { c.SecretKey = "abcd" }, "32 byte"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			tt.change(&c)
			err := c.Validate()
			if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tt.want) {
				t.Fatalf("Validate = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}

func passwordHash(t *testing.T, a *App, login string) string {
	t.Helper()
	var h string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT password_hash FROM identity_accounts WHERE login = $1", login).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func demoPassword(t *testing.T, logins []DemoLogin) string {
	t.Helper()
	if len(logins) == 0 {
		t.Fatal("no demo logins")
	}
	return logins[0].Password
}

// The argon2id flags reach identity: a sign-in after the parameters change
// rehashes the password with the new ones; lockout flags apply too.
func TestArgon2AndLockoutFlagsReachSignIn(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			cfg := cheap(install(t, engine))
			cfg.Identity.LockAfter = 2
			a, _, logins := open(t, cfg)
			pw := demoPassword(t, logins)
			if _, err := a.Identity.Login(ctx, identity.LoginRequest{Login: "demo.clerk", Password: pw, IP: "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
			if h := passwordHash(t, a, "demo.clerk"); !strings.Contains(h, "$m=8192,t=1,p=1$") {
				t.Fatalf("hash %s", h)
			}
			for i := range 2 {
				_, err := a.Identity.Login(ctx, identity.LoginRequest{Login: "demo.specialist", Password: "not the password", IP: "192.0.2.1"})
				if want := map[int]apperr.Code{0: apperr.Unauthorized, 1: apperr.TooMany}[i]; apperr.CodeOf(err) != want {
					t.Fatalf("wrong password %d: %v, want %s (--login-lock-after 2)", i+1, err, want)
				}
			}
			a.Close()

			cfg.Identity.Argon2Iterations = 2
			a2, err := Open(ctx, cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer a2.Close()
			if _, err := a2.Identity.Login(ctx, identity.LoginRequest{Login: "demo.clerk", Password: pw, IP: "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
			if h := passwordHash(t, a2, "demo.clerk"); !strings.Contains(h, "$m=8192,t=2,p=1$") {
				t.Fatalf("not rehashed with --argon2-iterations 2: %s", h)
			}
		})
	}
}

func keyForms(key []byte) []string {
	return []string{hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)), base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key), string(key)}
}

// enrolAndSignIn enrols a TOTP factor for login and signs in with it, so
// the secret key is used to encrypt and to decrypt.
func enrolAndSignIn(t *testing.T, a *App, login, pw string) {
	t.Helper()
	ctx := access.WithGuard(context.Background(), a.Guard)
	res, err := a.Identity.Login(ctx, identity.LoginRequest{Login: login, Password: pw, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	who, _, err := a.Identity.Authenticate(ctx, res.Token, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := a.Identity.BeginTOTP(ctx, who)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	code, _ := totp.GenerateCode(enr.Secret, now.Add(-30*time.Second))
	if _, _, err := a.Identity.ConfirmTOTP(ctx, who, code); err != nil {
		t.Fatal(err)
	}
	res, err = a.Identity.Login(ctx, identity.LoginRequest{Login: login, Password: pw, IP: "192.0.2.1"})
	if err != nil || res.Session.Stage != identity.StageMFA {
		t.Fatalf("login after enrolment: %v %v", res.Session.Stage, err)
	}
	code, _ = totp.GenerateCode(enr.Secret, now)
	if _, err := a.Identity.CompleteMFA(ctx, res.Token, code, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
}

func TestSecretKeyIsGeneratedOnceSharedAndNeverLogged(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			var logs testenv.SyncBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := cheap(install(t, engine))
			a, err := Open(ctx, cfg, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			logins, err := a.FirstStart(ctx)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(cfg.DataDir, SecretKeyFile)
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st, err)
			}
			text, _ := os.ReadFile(path)
			key, err := parseSecretKey(string(text))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), path) {
				t.Fatalf("the log does not say where the key is:\n%s", logs.String())
			}
			bg, stop := context.WithCancel(ctx)
			a.RunBackground(bg)
			enrolAndSignIn(t, a, "demo.leader", demoPassword(t, logins))
			stop()

			// The same folder again: the same key, no new file.
			a2, err := Open(ctx, cfg, logger)
			if err != nil {
				t.Fatal(err)
			}
			a2.Close()
			if again, _ := os.ReadFile(path); !bytes.Equal(again, text) {
				t.Fatal("the key file changed on the second start")
			}

			// A replica with its own data folder (so its own generated key)
			// on the same database refuses to start, naming the fix.
			other := cfg
			other.DataDir = replicaDir(t, cfg.DataDir)
			if engine == db.SQLite {
				other.DataDir = cfg.DataDir
				other.SecretKey = strings.Repeat("01", 32)
			}
			_, err = Open(ctx, other, logger)
			if apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(apperr.MessageOf(err), "CHINHQUYEN_SECRET_KEY_FILE") {
				t.Fatalf("replica with another key: %v", err)
			}
			if _, err := os.Stat(filepath.Join(other.DataDir, SecretKeyFile+".new")); !os.IsNotExist(err) {
				t.Fatalf("the refused key was left on disk: %v", err)
			}

			// A configured key (hex) matching the database works and writes
			// no file.
			shared := cfg
			shared.DataDir = replicaDir(t, cfg.DataDir)
			shared.SecretKey = hex.EncodeToString(key)
			if engine == db.SQLite {
				shared.DataDir = cfg.DataDir
				shared.SecretKey = base64.StdEncoding.EncodeToString(key)
			}
			a3, err := Open(ctx, shared, logger)
			if err != nil {
				t.Fatalf("replica sharing the key: %v", err)
			}
			a3.Close()

			for _, form := range keyForms(key) {
				if strings.Contains(logs.String(), form) {
					t.Fatalf("the secret key appears in the log (%d bytes of log)", len(logs.String()))
				}
			}
		})
	}
}

// replicaDir is another replica's data folder: the audit signing key is
// shared (as an operator would), the platform secret key is not.
func replicaDir(t *testing.T, first string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{audit.SignerKeyFile, audit.VerifierKeyFile} {
		b, err := os.ReadFile(filepath.Join(first, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTrustedProxyNamesTheClientInTheAudit(t *testing.T) {
	for _, trust := range []struct{ proxies, want string }{{"", "127.0.0.1"}, {"127.0.0.0/8", "203.0.113.9"}} {
		t.Run("trusted="+trust.proxies, func(t *testing.T) {
			cfg := cheap(install(t, db.SQLite))
			cfg.Identity.TrustedProxies = trust.proxies
			a, srv, _ := open(t, cfg)
			req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader("login=demo.clerk&password=wrong+password"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var ip string
			if err := a.DB.Reader().QueryRowContext(context.Background(),
				"SELECT actor_ip FROM audit_entries WHERE action = 'identity.login.fail' ORDER BY id DESC LIMIT 1").Scan(&ip); err != nil {
				t.Fatal(err)
			}
			if ip != trust.want {
				t.Fatalf("audited %q, want %q", ip, trust.want)
			}
		})
	}
}

// RunBackground schedules identity's cleanup and the CA's refresh as
// periodic jobs, and runs them: each period is recorded and its run done.
func TestBackgroundWorkPurgesSessions(t *testing.T) {
	cfg := cheap(install(t, db.SQLite))
	a, _, _ := open(t, cfg)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a.RunBackground(ctx)
	deadline := clock.Now().Add(20 * time.Second)
	for {
		var periods, left int
		_ = a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM jobs_periodic WHERE name IN ('identity.cleanup', 'pki.refresh')").Scan(&periods)
		_ = a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM jobs WHERE kind IN ('identity.cleanup', 'pki.refresh')").Scan(&left)
		if periods == 2 && left == 0 {
			return
		}
		if clock.Now().After(deadline) {
			t.Fatalf("periodic jobs: %d of 2 scheduled, %d not done", periods, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
