package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// TOTP follows RFC 6238 with the parameters every authenticator app
// supports: HMAC-SHA1, 6 digits, 30-second steps, one step of clock skew
// either way.
const (
	totpPeriod = 30
	totpSkew   = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Enrolment is a TOTP secret waiting for its first code.
type Enrolment struct {
	Secret string // base32, for typing into an app by hand
	URL    string // otpauth:// URL
	PNG    []byte // QR code of URL
}

// totpState returns an account's TOTP secret (base32, "" if none), the
// value stored for it (encrypted; compare-and-set updates need it) and the
// last accepted step.
func (s *Service) totpState(ctx context.Context, id int64) (secret, stored string, last int64, err error) {
	err = s.db.Reader().QueryRowContext(ctx, "SELECT totp_secret, totp_last_step FROM identity_accounts WHERE id = $1", id).Scan(&stored, &last)
	if err != nil {
		return "", "", 0, fmt.Errorf("load TOTP state: %w", err)
	}
	if secret, err = s.box.open(id, stored); err != nil {
		return "", "", 0, err
	}
	return secret, s.reseal(ctx, id, stored), last, nil
}

// matchTOTP checks code against the steps around now. It returns the
// matched step (0 if none) and whether the code belongs to a step at or
// before lastStep (a replay).
func matchTOTP(secret, code string, now time.Time, lastStep int64) (step int64, replay bool) {
	if secret == "" || len(code) != 6 || !allDigits(code) {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		st := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if st <= lastStep {
				return 0, true
			}
			return st, false
		}
	}
	return 0, false
}

func (s *Service) totpKey(login, secret string) (*otp.Key, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("stored TOTP secret: %w", err)
	}
	return totp.Generate(totp.GenerateOpts{Issuer: s.opts.Issuer, AccountName: login, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

func enrolmentOf(k *otp.Key) (Enrolment, error) {
	img, err := k.Image(240, 240)
	if err != nil {
		return Enrolment{}, fmt.Errorf("render QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("encode QR code: %w", err)
	}
	return Enrolment{Secret: k.Secret(), URL: k.URL(), PNG: buf.Bytes()}, nil
}

// BeginTOTP creates a new TOTP secret for the actor's account (replacing a
// pending one) and returns it with its QR code. The factor is not active
// until ConfirmTOTP receives a code from it.
func (s *Service) BeginTOTP(ctx context.Context, a *actor.Actor) (Enrolment, error) {
	if err := s.self(ctx, a); err != nil {
		return Enrolment{}, err
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), a.AccountID)
	if err != nil {
		return Enrolment{}, err
	}
	if acc.TOTPEnabled {
		return Enrolment{}, apperr.New(apperr.Conflict, "Xác thực hai lớp đã được bật cho tài khoản này")
	}
	secret := make([]byte, 20)
	if _, err := rand.Read(secret); err != nil {
		return Enrolment{}, err
	}
	encoded := b32.EncodeToString(secret)
	k, err := s.totpKey(acc.Login, encoded)
	if err != nil {
		return Enrolment{}, err
	}
	if _, err := s.db.Writer().ExecContext(ctx, "UPDATE identity_accounts SET totp_secret = $1, totp_last_step = 0 WHERE id = $2 AND totp_enabled = FALSE",
		s.box.seal(acc.ID, encoded), acc.ID); err != nil {
		return Enrolment{}, fmt.Errorf("store TOTP secret: %w", err)
	}
	return enrolmentOf(k)
}

// PendingTOTP returns the enrolment started by BeginTOTP, ENOTFOUND if
// none is pending.
func (s *Service) PendingTOTP(ctx context.Context, a *actor.Actor) (Enrolment, error) {
	if err := s.self(ctx, a); err != nil {
		return Enrolment{}, err
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), a.AccountID)
	if err != nil {
		return Enrolment{}, err
	}
	secret, _, _, err := s.totpState(ctx, acc.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if acc.TOTPEnabled || secret == "" {
		return Enrolment{}, apperr.New(apperr.NotFound, "Chưa bắt đầu đăng ký ứng dụng xác thực")
	}
	k, err := s.totpKey(acc.Login, secret)
	if err != nil {
		return Enrolment{}, err
	}
	return enrolmentOf(k)
}

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// ConfirmTOTP activates the pending secret when code matches it, replaces
// the recovery codes, and rotates the actor's session (now StageFull with
// MFA). It returns the recovery codes, shown once, and the new session
// secret.
func (s *Service) ConfirmTOTP(ctx context.Context, a *actor.Actor, code string) ([]string, string, error) {
	if err := s.self(ctx, a); err != nil {
		return nil, "", err
	}
	if err := s.throttle(ctx, "otp:acct:"+idText(a.AccountID), s.opts.Limits.OTPPerAccount); err != nil {
		return nil, "", err
	}
	secret, stored, last, err := s.totpState(ctx, a.AccountID)
	if err != nil {
		return nil, "", err
	}
	if secret == "" {
		return nil, "", apperr.New(apperr.NotFound, "Chưa bắt đầu đăng ký ứng dụng xác thực")
	}
	step, replay := matchTOTP(secret, strings.TrimSpace(code), s.now(), last)
	if step == 0 || replay {
		s.recordAlone(ctx, a, "identity.totp.enrol", idText(a.AccountID), audit.OutcomeFailed, "wrong code")
		return nil, "", &apperr.Error{Code: apperr.Invalid, Field: "code", Message: "Mã xác thực không đúng: hãy kiểm tra giờ của điện thoại và nhập mã đang hiển thị"}
	}
	codes := newRecoveryCodes()
	var token string
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		kind, _, _, err := s.currentSession(ctx, tx, a)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET totp_enabled = TRUE, totp_last_step = $1 WHERE id = $2 AND totp_enabled = FALSE AND totp_secret = $3",
			step, a.AccountID, stored)
		if err != nil {
			return fmt.Errorf("enable TOTP: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Xác thực hai lớp vừa được thay đổi ở nơi khác, hãy tải lại trang")
		}
		if err := s.storeRecoveryCodes(ctx, tx, a.AccountID, codes); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE id = $1", a.SessionID); err != nil {
			return err
		}
		var ss Session
		token, ss, err = s.newSession(ctx, tx, a.AccountID, kind, StageFull, true, a.IP, "")
		if err != nil {
			return err
		}
		if err := s.notice(ctx, tx, Notice{Kind: NoticeTOTPEnabled, AccountID: a.AccountID, IP: a.IP}); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "identity.totp.enrol", idText(a.AccountID), audit.OutcomeOK, "", map[string]any{"session": ss.ID})
	})
	if err != nil {
		return nil, "", err
	}
	return codes, token, nil
}

// DisableTOTP turns the second factor off for an account that does not
// require it (citizens, businesses, specialists), after checking the
// password.
func (s *Service) DisableTOTP(ctx context.Context, a *actor.Actor, password string) error {
	if err := s.self(ctx, a); err != nil {
		return err
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), a.AccountID)
	if err != nil {
		return err
	}
	if acc.MFARequired() {
		return apperr.New(apperr.Forbidden, "Tài khoản của bạn bắt buộc xác thực hai lớp, không thể tắt")
	}
	var hash string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM identity_accounts WHERE id = $1", acc.ID).Scan(&hash); err != nil {
		return err
	}
	if ok, _, err := s.verifyPassword(ctx, hash, password); err != nil || !ok {
		s.recordAlone(ctx, a, "identity.totp.disable", idText(acc.ID), audit.OutcomeFailed, "wrong password")
		return apperr.FieldError("password", "Mật khẩu không đúng")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET totp_enabled = FALSE, totp_secret = '' WHERE id = $1", acc.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_recovery_codes WHERE account_id = $1", acc.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "identity.totp.disable", idText(acc.ID), audit.OutcomeOK, "", nil)
	})
}

// Recovery codes: 16 characters of the RFC 4648 base32 alphabet (80 bits),
// shown as four groups of four, lower case; stored as SHA-256 of the
// account id and the code.
const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func newRecoveryCodes() []string {
	out := make([]string, RecoveryCodeCount)
	for i := range out {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("identity: crypto/rand failed: " + err.Error())
		}
		var sb strings.Builder
		for j, c := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[c&31])
		}
		out[i] = sb.String()
	}
	return out
}

// normalizeRecovery lower-cases a typed recovery code and drops separators.
func normalizeRecovery(code string) string {
	return strings.ToLower(stripSeparators(code, " -"))
}

func isRecoveryCode(code string) bool {
	c := normalizeRecovery(code)
	if len(c) != 16 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !strings.ContainsRune(recoveryAlphabet, rune(c[i])) {
			return false
		}
	}
	return true
}

func recoveryHash(id int64, code string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("chinhquyen-recovery:%d:%s", id, normalizeRecovery(code))))
	return hex.EncodeToString(sum[:])
}

func (s *Service) storeRecoveryCodes(ctx context.Context, tx *sql.Tx, id int64, codes []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM identity_recovery_codes WHERE account_id = $1", id); err != nil {
		return fmt.Errorf("replace recovery codes: %w", err)
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO identity_recovery_codes (account_id, code_hash) VALUES ($1, $2)", id, recoveryHash(id, c)); err != nil {
			return fmt.Errorf("store recovery code: %w", err)
		}
	}
	return nil
}

// useRecoveryCode marks a recovery code used; false if it is wrong or spent.
func (s *Service) useRecoveryCode(ctx context.Context, tx *sql.Tx, id int64, code string) (bool, error) {
	r, err := tx.ExecContext(ctx, "UPDATE identity_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
		micros(s.now()), id, recoveryHash(id, code))
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// RegenerateRecoveryCodes replaces the actor's recovery codes (after the
// second factor is enabled) and returns the new ones, shown once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a *actor.Actor) ([]string, error) {
	if err := s.self(ctx, a); err != nil {
		return nil, err
	}
	if !a.MFA {
		return nil, apperr.New(apperr.Forbidden, "Hãy đăng nhập bằng xác thực hai lớp trước khi tạo mã khôi phục mới")
	}
	codes := newRecoveryCodes()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.storeRecoveryCodes(ctx, tx, a.AccountID, codes); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "identity.recovery.regenerate", idText(a.AccountID), audit.OutcomeOK, "", nil)
	})
	return codes, err
}

// RecoveryCodesLeft counts the actor's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, a *actor.Actor) (int, error) {
	if err := s.self(ctx, a); err != nil {
		return 0, err
	}
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM identity_recovery_codes WHERE account_id = $1 AND used_at IS NULL", a.AccountID).Scan(&n)
	return n, err
}
