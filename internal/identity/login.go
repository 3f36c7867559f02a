package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Login     string // username, CCCD or tax code as typed
	Password  string
	OTP       string // optional: the second factor in the same request (API)
	IP        string // client address
	UserAgent string
	API       bool // a bearer token for the API instead of a web session
}

// LoginResult is a successful first (or only) step of sign-in.
type LoginResult struct {
	Token   string // the session secret: cookie value or bearer token
	Session Session
	Account Account
}

// errBadLogin is the one answer for an unknown login or a wrong password.
func errBadLogin() error {
	return apperr.New(apperr.Unauthorized, "Tên đăng nhập hoặc mật khẩu không đúng")
}

// Login checks a password. It returns a session at StageFull, or at
// StageMFA when the account uses TOTP (finish with CompleteMFA), or at
// StageEnrol when the account must enrol a second factor first (web only;
// the API refuses such accounts). Rate limits per address and per account,
// and the account's lockout with exponential back-off, return ETOOMANY.
// Every failure is audited.
func (s *Service) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	login := NormalizeLogin(req.Login)
	anon := &actor.Actor{IP: req.IP}
	if login == "" || req.Password == "" {
		return LoginResult{}, apperr.FieldError("login", "Hãy nhập tên đăng nhập (hoặc số CCCD, mã số thuế) và mật khẩu")
	}
	if len(login) > 100 || len(req.Password) > MaxPasswordLen {
		return LoginResult{}, errBadLogin()
	}
	if err := s.throttle(ctx, "login:ip:"+req.IP, s.opts.Limits.LoginPerIP); err != nil {
		s.recordAlone(ctx, anon, "identity.login.throttled", "", audit.OutcomeDenied, "too many attempts from this address")
		return LoginResult{}, err
	}
	acc, hash, err := s.accountByLogin(ctx, login)
	if apperr.Is(err, apperr.NotFound) {
		_, _, _ = s.verifyPassword(ctx, s.dummy, req.Password)
		s.recordAlone(ctx, anon, "identity.login.fail", "", audit.OutcomeFailed, "unknown login")
		return LoginResult{}, errBadLogin()
	}
	if err != nil {
		return LoginResult{}, err
	}
	who := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, IP: req.IP, AgencyID: acc.AgencyID}
	if err := s.throttle(ctx, "login:acct:"+idText(acc.ID), s.opts.Limits.LoginPerAccount); err != nil {
		s.recordAlone(ctx, who, "identity.login.throttled", idText(acc.ID), audit.OutcomeDenied, "too many attempts on this account")
		return LoginResult{}, err
	}
	now := s.now()
	if now.Before(acc.LockedUntil) {
		s.recordAlone(ctx, who, "identity.login.locked", idText(acc.ID), audit.OutcomeDenied, "account locked after failed passwords")
		return LoginResult{}, lockedError(acc.LockedUntil)
	}
	ok, rehash, err := s.verifyPassword(ctx, hash, req.Password)
	if err != nil {
		return LoginResult{}, fmt.Errorf("verify password of %d: %w", acc.ID, err)
	}
	if !ok {
		return LoginResult{}, s.failPassword(ctx, who, acc.ID)
	}
	if acc.Disabled {
		s.recordAlone(ctx, who, "identity.login.fail", idText(acc.ID), audit.OutcomeDenied, "account disabled")
		return LoginResult{}, apperr.New(apperr.Forbidden, "Tài khoản đã bị khoá. Vui lòng liên hệ quản trị cơ quan")
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hashPassword(ctx, req.Password); err != nil {
			return LoginResult{}, err
		}
	}
	kind := KindWeb
	if req.API {
		kind = KindAPI
	}
	stage := StageFull
	switch {
	case acc.TOTPEnabled:
		stage = StageMFA
	case acc.MFARequired() && !acc.Demo:
		stage = StageEnrol
	}
	if req.API && stage == StageEnrol {
		s.recordAlone(ctx, who, "identity.login.fail", idText(acc.ID), audit.OutcomeDenied, "second factor not enrolled")
		return LoginResult{}, apperr.New(apperr.Forbidden, "Tài khoản này bắt buộc xác thực hai lớp: hãy đăng ký ứng dụng xác thực trên trang web trước khi dùng API")
	}
	if req.API && stage == StageMFA && strings.TrimSpace(req.OTP) == "" {
		return LoginResult{}, &apperr.Error{Code: apperr.Unauthorized, Field: "otp", Message: "Cần mã xác thực hai lớp (otp) từ ứng dụng xác thực"}
	}
	var res LoginResult
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		q := "UPDATE identity_accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1"
		args := []any{acc.ID}
		if newHash != "" {
			q = "UPDATE identity_accounts SET failed_logins = 0, locked_until = 0, password_hash = $2 WHERE id = $1"
			args = append(args, newHash)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("reset failed logins: %w", err)
		}
		token, ss, err := s.newSession(ctx, tx, acc.ID, kind, stage, false, req.IP, req.UserAgent)
		if err != nil {
			return err
		}
		res = LoginResult{Token: token, Session: ss, Account: acc}
		action := "identity.login.ok"
		if stage == StageMFA {
			action = "identity.login.password_ok"
		}
		who.SessionID = ss.ID
		return s.record(ctx, tx, who, action, idText(acc.ID), audit.OutcomeOK, "",
			map[string]any{"kind": kind, "stage": string(stage), "rehashed": newHash != ""})
	})
	if err != nil {
		return LoginResult{}, err
	}
	if req.API && stage == StageMFA {
		return s.CompleteMFA(ctx, res.Token, req.OTP, req.IP)
	}
	return res, nil
}

func lockedError(until time.Time) error {
	return apperr.New(apperr.TooMany, "Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau %s", locale.FormatDateTime(until.Add(time.Minute-1).Truncate(time.Minute)))
}

// failPassword counts a wrong password and locks the account after
// LockAfter failures: LockBase, doubled with each further failure, at most
// LockMax.
func (s *Service) failPassword(ctx context.Context, who *actor.Actor, id int64) error {
	var locked time.Time
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var failed int
		if err := tx.QueryRowContext(ctx, "UPDATE identity_accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins", id).Scan(&failed); err != nil {
			return fmt.Errorf("count failed login: %w", err)
		}
		if failed >= s.opts.LockAfter {
			d := s.opts.LockBase
			for i := s.opts.LockAfter; i < failed && d < s.opts.LockMax; i++ {
				d *= 2
			}
			d = min(d, s.opts.LockMax)
			locked = s.now().Add(d)
			if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET locked_until = $1 WHERE id = $2", micros(locked), id); err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
		}
		return s.record(ctx, tx, who, "identity.login.fail", idText(id), audit.OutcomeFailed, "wrong password",
			map[string]any{"failed": failed, "locked": !locked.IsZero()})
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		return lockedError(locked)
	}
	return errBadLogin()
}

func (s *Service) accountByLogin(ctx context.Context, login string) (Account, string, error) {
	var id int64
	var hash string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id, password_hash FROM identity_accounts WHERE login = $1", login).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", apperr.New(apperr.NotFound, "Không tìm thấy tài khoản")
	}
	if err != nil {
		return Account{}, "", fmt.Errorf("find login: %w", err)
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), id)
	return acc, hash, err
}

// CompleteMFA finishes a sign-in waiting for its second factor: code is a
// 6-digit TOTP code or a recovery code. On success the pending session is
// replaced by a new one (the token rotates) at StageFull with MFA set. A
// code used before (same 30-second step or an older one) is refused as a
// replay; wrong codes count against Limits.OTPPerAccount. All audited.
func (s *Service) CompleteMFA(ctx context.Context, pendingToken, code, ip string) (LoginResult, error) {
	tok, api, err := ParseToken(pendingToken)
	if err != nil || api {
		return LoginResult{}, apperr.New(apperr.Unauthorized, "Phiên đăng nhập không hợp lệ, vui lòng đăng nhập lại")
	}
	ss, err := scanSession(s.db.Reader().QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM identity_sessions WHERE token_hash = $1", hashToken(tok)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (ss.Stage != StageMFA || s.expired(ss, s.now()) != "")) {
		return LoginResult{}, apperr.New(apperr.Unauthorized, "Phiên xác thực đã hết hạn, vui lòng đăng nhập lại")
	}
	if err != nil {
		return LoginResult{}, fmt.Errorf("load pending session: %w", err)
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), ss.AccountID)
	if err != nil {
		return LoginResult{}, err
	}
	who := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, IP: ip, AgencyID: acc.AgencyID, SessionID: ss.ID}
	if err := s.throttle(ctx, "otp:acct:"+idText(acc.ID), s.opts.Limits.OTPPerAccount); err != nil {
		s.recordAlone(ctx, who, "identity.otp.throttled", idText(acc.ID), audit.OutcomeDenied, "too many codes")
		return LoginResult{}, err
	}
	secret, _, lastStep, err := s.totpState(ctx, acc.ID)
	if err != nil {
		return LoginResult{}, err
	}
	code = strings.TrimSpace(code)
	recovery := isRecoveryCode(code)
	var step int64
	if !recovery {
		var replay bool
		step, replay = matchTOTP(secret, code, s.now(), lastStep)
		if replay {
			s.recordAlone(ctx, who, "identity.otp.replay", idText(acc.ID), audit.OutcomeDenied, "code already used")
			return LoginResult{}, &apperr.Error{Code: apperr.Unauthorized, Field: "code", Message: "Mã này đã được dùng. Hãy chờ mã mới trên ứng dụng xác thực"}
		}
		if step == 0 {
			s.recordAlone(ctx, who, "identity.otp.fail", idText(acc.ID), audit.OutcomeFailed, "wrong code")
			return LoginResult{}, &apperr.Error{Code: apperr.Unauthorized, Field: "code", Message: "Mã xác thực không đúng"}
		}
	}
	var res LoginResult
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if recovery {
			used, err := s.useRecoveryCode(ctx, tx, acc.ID, code)
			if err != nil {
				return err
			}
			if !used {
				return errWrongRecovery
			}
		} else {
			r, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", step, acc.ID)
			if err != nil {
				return fmt.Errorf("remember TOTP step: %w", err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return errReplay // another replica accepted the same code first
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE id = $1", ss.ID); err != nil {
			return fmt.Errorf("drop pending session: %w", err)
		}
		token, full, err := s.newSession(ctx, tx, acc.ID, ss.Kind, StageFull, true, ip, ss.UserAgent)
		if err != nil {
			return err
		}
		res = LoginResult{Token: token, Session: full, Account: acc}
		who.SessionID = full.ID
		return s.record(ctx, tx, who, "identity.login.ok", idText(acc.ID), audit.OutcomeOK, "",
			map[string]any{"kind": ss.Kind, "mfa": map[bool]string{true: "recovery", false: "totp"}[recovery]})
	})
	switch {
	case errors.Is(err, errWrongRecovery):
		s.recordAlone(ctx, who, "identity.otp.fail", idText(acc.ID), audit.OutcomeFailed, "wrong or used recovery code")
		return LoginResult{}, &apperr.Error{Code: apperr.Unauthorized, Field: "code", Message: "Mã khôi phục không đúng hoặc đã được dùng"}
	case errors.Is(err, errReplay):
		s.recordAlone(ctx, who, "identity.otp.replay", idText(acc.ID), audit.OutcomeDenied, "code already used")
		return LoginResult{}, &apperr.Error{Code: apperr.Unauthorized, Field: "code", Message: "Mã này đã được dùng. Hãy chờ mã mới trên ứng dụng xác thực"}
	case err != nil:
		return LoginResult{}, err
	}
	return res, nil
}

var (
	errWrongRecovery = errors.New("wrong recovery code")
	errReplay        = errors.New("TOTP step already used")
)

// ChangePassword changes the actor's own password after checking the
// current one, ends every other session and rotates the current one. It
// returns the new session secret.
func (s *Service) ChangePassword(ctx context.Context, a *actor.Actor, current, next string) (string, error) {
	if err := s.self(ctx, a); err != nil {
		return "", err
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), a.AccountID)
	if err != nil {
		return "", err
	}
	var hash string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM identity_accounts WHERE id = $1", acc.ID).Scan(&hash); err != nil {
		return "", fmt.Errorf("load password: %w", err)
	}
	if err := s.throttle(ctx, "login:acct:"+idText(acc.ID), s.opts.Limits.LoginPerAccount); err != nil {
		return "", err
	}
	ok, _, err := s.verifyPassword(ctx, hash, current)
	if err != nil {
		return "", err
	}
	if !ok {
		s.recordAlone(ctx, a, "identity.password.change", idText(acc.ID), audit.OutcomeFailed, "wrong current password")
		return "", apperr.FieldError("current", "Mật khẩu hiện tại không đúng")
	}
	if current == next {
		return "", apperr.FieldError("password", "Mật khẩu mới phải khác mật khẩu hiện tại")
	}
	if err := CheckPassword(next, acc.Login, acc.Name); err != nil {
		return "", err
	}
	newHash, err := s.hashPassword(ctx, next)
	if err != nil {
		return "", err
	}
	var token string
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		kind, stage, mfa, err := s.currentSession(ctx, tx, a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
			newHash, micros(s.now()), acc.ID); err != nil {
			return fmt.Errorf("store password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE account_id = $1", acc.ID); err != nil {
			return err
		}
		var ss Session
		token, ss, err = s.newSession(ctx, tx, acc.ID, kind, stage, mfa, a.IP, "")
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, "identity.password.change", idText(acc.ID), audit.OutcomeOK, "", map[string]any{"session": ss.ID})
	})
	return token, err
}

// currentSession returns the kind, stage and MFA of the actor's session.
func (s *Service) currentSession(ctx context.Context, tx *sql.Tx, a *actor.Actor) (string, Stage, bool, error) {
	var kind, stage string
	var mfa bool
	err := tx.QueryRowContext(ctx, "SELECT kind, stage, mfa FROM identity_sessions WHERE id = $1 AND account_id = $2", a.SessionID, a.AccountID).Scan(&kind, &stage, &mfa)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, apperr.New(apperr.Unauthorized, "Phiên đăng nhập không còn hiệu lực, vui lòng đăng nhập lại")
	}
	return kind, Stage(stage), mfa, err
}
