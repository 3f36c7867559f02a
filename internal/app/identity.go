package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// IdentityConfig are the sign-in settings of `serve`. A zero field (a
// command that does not bind them) takes identity's default.
type IdentityConfig struct {
	// Argon2 parameters of new password hashes; a sign-in with a hash made
	// under other parameters rehashes the password.
	Argon2Memory      int // KiB
	Argon2Iterations  int
	Argon2Parallelism int

	IdleTimeout     time.Duration // a web session unused this long ends
	AbsoluteTimeout time.Duration // any session ends this long after sign-in

	LockAfter int           // wrong passwords before the account locks
	LockBase  time.Duration // first lock, doubled with each further failure …
	LockMax   time.Duration // … up to this

	RateWindow      time.Duration // the rate limits' counting window
	LoginPerIP      int           // failed sign-ins per client address per window
	LoginPerAccount int           // password attempts per account per window
	OTPPerAccount   int           // second-factor codes per account per window
	RegisterPerIP   int           // self-registrations per client address per window

	// TrustedProxies lists the reverse proxies (CIDR or address, comma
	// separated) whose X-Forwarded-For / X-Real-IP name the client.
	TrustedProxies string
	// CleanupInterval is how often expired sessions and spent rate-limit
	// counters are purged (once per interval across all replicas).
	CleanupInterval time.Duration
}

// bind registers the sign-in flags; defaults come from identity.
func (c *IdentityConfig) bind(b *config.Binder) {
	p := identity.DefaultParams
	b.Int(&c.Argon2Memory, "argon2-memory", int(p.Memory), "argon2id memory per password hash, KiB (OWASP minimum 19456)")
	b.Int(&c.Argon2Iterations, "argon2-iterations", int(p.Time), "argon2id passes per password hash")
	b.Int(&c.Argon2Parallelism, "argon2-parallelism", int(p.Threads), "argon2id lanes per password hash")
	b.Duration(&c.IdleTimeout, "session-idle-timeout", 30*time.Minute, "a web session unused this long ends")
	b.Duration(&c.AbsoluteTimeout, "session-absolute-timeout", 12*time.Hour, "any session ends this long after sign-in")
	b.Int(&c.LockAfter, "login-lock-after", 5, "wrong passwords in a row before a login name is locked (whether or not an account has it)")
	b.Duration(&c.LockBase, "login-lock-base", time.Minute, "first lock period, doubled with each further wrong password")
	b.Duration(&c.LockMax, "login-lock-max", time.Hour, "longest lock period")
	b.Duration(&c.RateWindow, "rate-window", 10*time.Minute, "counting window of the sign-in rate limits")
	b.Int(&c.LoginPerIP, "rate-login-ip", 30, "failed sign-ins per client address per window (a successful one is not counted)")
	b.Int(&c.LoginPerAccount, "rate-login-account", 10, "password attempts per login name per window (whether or not an account has it)")
	b.Int(&c.OTPPerAccount, "rate-otp-account", 10, "second-factor codes per account per window")
	b.Int(&c.RegisterPerIP, "rate-register-ip", 10, "citizen and business registrations per client address per window")
	b.String(&c.TrustedProxies, "trusted-proxies", "", "reverse proxies (CIDR or address, comma-separated) whose X-Forwarded-For/X-Real-IP name the client; empty = trust none")
	b.Duration(&c.CleanupInterval, "cleanup-interval", 10*time.Minute, "how often expired sessions and spent rate-limit counters are purged")
}

// params returns the argon2id parameters, zero when none is set (identity
// then uses its defaults).
func (c *IdentityConfig) params() identity.Params {
	if c.Argon2Memory == 0 && c.Argon2Iterations == 0 && c.Argon2Parallelism == 0 {
		return identity.Params{}
	}
	p := identity.DefaultParams
	if c.Argon2Memory != 0 {
		p.Memory = uint32(c.Argon2Memory)
	}
	if c.Argon2Iterations != 0 {
		p.Time = uint32(c.Argon2Iterations)
	}
	if c.Argon2Parallelism != 0 {
		p.Threads = uint8(c.Argon2Parallelism)
	}
	return p
}

// validate refuses settings that would weaken sign-in or cannot work.
func (c *IdentityConfig) validate() error {
	if c.Argon2Memory < 0 || c.Argon2Iterations < 0 || c.Argon2Parallelism < 0 || c.Argon2Memory > 1<<30 || c.Argon2Iterations > 1<<10 || c.Argon2Parallelism > 255 {
		return apperr.New(apperr.Invalid, "Tham số argon2id không hợp lệ (--argon2-memory, --argon2-iterations, --argon2-parallelism)")
	}
	if p := c.params(); p != (identity.Params{}) {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		v    time.Duration
		flag string
	}{{c.IdleTimeout, "session-idle-timeout"}, {c.AbsoluteTimeout, "session-absolute-timeout"}, {c.LockBase, "login-lock-base"},
		{c.LockMax, "login-lock-max"}, {c.RateWindow, "rate-window"}, {c.CleanupInterval, "cleanup-interval"}} {
		if d.v < 0 {
			return apperr.New(apperr.Invalid, "--%s phải là một khoảng thời gian dương", d.flag)
		}
	}
	for _, n := range []struct {
		v    int
		flag string
	}{{c.LockAfter, "login-lock-after"}, {c.LoginPerIP, "rate-login-ip"}, {c.LoginPerAccount, "rate-login-account"},
		{c.OTPPerAccount, "rate-otp-account"}, {c.RegisterPerIP, "rate-register-ip"}} {
		if n.v < 0 {
			return apperr.New(apperr.Invalid, "--%s phải là số dương", n.flag)
		}
	}
	if c.IdleTimeout > 0 && c.AbsoluteTimeout > 0 && c.IdleTimeout > c.AbsoluteTimeout {
		return apperr.New(apperr.Invalid, "--session-idle-timeout (%s) không được dài hơn --session-absolute-timeout (%s)", c.IdleTimeout, c.AbsoluteTimeout)
	}
	if c.LockBase > 0 && c.LockMax > 0 && c.LockBase > c.LockMax {
		return apperr.New(apperr.Invalid, "--login-lock-base (%s) không được dài hơn --login-lock-max (%s)", c.LockBase, c.LockMax)
	}
	if c.CleanupInterval > 0 && c.CleanupInterval < time.Minute {
		return apperr.New(apperr.Invalid, "--cleanup-interval phải từ 1 phút trở lên")
	}
	_, err := identityhttp.ParseTrustedProxies(c.TrustedProxies)
	return err
}

// identityOptions turns the configuration into identity's options.
func (a *App) identityOptions(key []byte) identity.Options {
	c := a.Config.Identity
	return identity.Options{
		Audit: a.Audit, Now: a.Now, Logger: a.Log, SecretKey: key,
		Argon2:      c.params(),
		IdleTimeout: c.IdleTimeout, AbsoluteTimeout: c.AbsoluteTimeout,
		LockAfter: c.LockAfter, LockBase: c.LockBase, LockMax: c.LockMax,
		Limits: identity.Limits{Window: c.RateWindow, LoginPerIP: c.LoginPerIP, LoginPerAccount: c.LoginPerAccount,
			OTPPerAccount: c.OTPPerAccount, RegisterPerIP: c.RegisterPerIP},
	}
}

// SecretKeyFile is the file in the data folder holding the generated
// platform secret key when none is configured.
const SecretKeyFile = "secret.key"

// secretKeyID is a public fingerprint of a key: recorded in the database so
// that a server started with another key (another replica's generated one)
// refuses to start instead of failing to read second factors.
func secretKeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("chinhquyen/secret-key-id\x00"), key...))
	return hex.EncodeToString(sum[:8])
}

// parseSecretKey accepts 32 bytes as 64 hex digits or base64 (standard or
// URL alphabet, padded or not).
func parseSecretKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == identity.SecretKeyLen {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == identity.SecretKeyLen {
			return b, nil
		}
	}
	return nil, apperr.New(apperr.Invalid, "Khoá bí mật (--secret-key, CHINHQUYEN_SECRET_KEY) phải là 32 byte ngẫu nhiên viết dạng 64 chữ số hex hoặc base64, ví dụ tạo bằng: openssl rand -hex 32")
}

// loadSecretKey returns the platform secret key: the configured one, else
// the one in the data folder, else a new one. A new key is written to the
// data folder (0600) only after the database has accepted it, and only its
// path is logged. Every replica of one database must use the same key.
func (a *App) loadSecretKey(ctx context.Context) ([]byte, error) {
	path := filepath.Join(a.Config.DataDir, SecretKeyFile)
	var key []byte
	generated := false
	switch text, err := os.ReadFile(path); {
	case a.Config.SecretKey != "":
		if key, err = parseSecretKey(a.Config.SecretKey); err != nil {
			return nil, err
		}
	case err == nil:
		if key, err = parseSecretKey(string(text)); err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Tệp khoá bí mật %s bị hỏng: %s", path, apperr.MessageOf(err))
		}
	case errors.Is(err, os.ErrNotExist):
		key = make([]byte, identity.SecretKeyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		generated = true
	default:
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp khoá bí mật %s", path)
	}
	if !generated {
		return key, a.checkSecretKey(ctx, key)
	}
	// A new key goes to disk before the database records its fingerprint,
	// and takes its name only after: a failure leaves no orphan either way.
	tmp := path + ".new"
	if err := writeSecretKey(tmp, key); err != nil {
		return nil, err
	}
	if err := a.checkSecretKey(ctx, key); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp khoá bí mật %s", path)
	}
	a.Log.Warn("generated the platform secret key (it encrypts second-factor secrets): back it up with the database; replicas of one database must share it through CHINHQUYEN_SECRET_KEY_FILE",
		"path", path)
	return key, nil
}

func writeSecretKey(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục dữ liệu %s", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp khoá bí mật %s", path)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp khoá bí mật %s", path)
	}
	return nil
}

// checkSecretKey records the key's fingerprint on first use and refuses a
// key whose fingerprint differs from the recorded one.
func (a *App) checkSecretKey(ctx context.Context, key []byte) error {
	id := secretKeyID(key)
	var recorded string
	err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (key, value, updated_at) VALUES ('secret_key_id', $1, $2)
			ON CONFLICT (key) DO NOTHING`, id, db.Micros(a.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			recorded = id
			return a.Audit.Record(ctx, tx, audit.Entry{Actor: actor.SystemActor("start"), Action: "platform.secret_key.set",
				ObjectType: "platform", ObjectID: "secret_key", After: map[string]string{"key_id": id}})
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM platform_settings WHERE key = 'secret_key_id'").Scan(&recorded)
	})
	if err != nil {
		return fmt.Errorf("record the secret key's fingerprint: %w", err)
	}
	if recorded != id {
		return apperr.New(apperr.Conflict, "Khoá bí mật của máy chủ này (dấu vân tay %s) khác khoá đã dùng cho cơ sở dữ liệu (%s): "+
			"mọi máy chủ dùng chung một cơ sở dữ liệu phải dùng chung một khoá, đặt qua CHINHQUYEN_SECRET_KEY_FILE (hoặc --secret-key)", id, recorded)
	}
	return nil
}

// cleanupIdentity purges expired sessions and spent counters; it runs as
// the periodic job "identity.cleanup" every CleanupInterval, once per
// period across replicas.
func (a *App) cleanupIdentity(ctx context.Context, _ jobs.Job) error {
	n, err := a.Identity.Cleanup(ctx)
	if err == nil {
		a.Log.Debug("identity cleanup", "deleted", n)
	}
	return err
}
