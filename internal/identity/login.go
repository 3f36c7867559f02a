package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Login     string // username, CCCD or tax code as typed
	Password  string
	OTP       string // optional: the second factor in the same request (API, or a locked login)
	IP        string // client address
	UserAgent string
	API       bool // a bearer token for the API instead of a web session
	// Device is the known-device token the browser holds (DeviceToken),
	// "" if none: it lets the account's own browser through a lockout.
	Device string
	// Previous is the session secret the browser still holds, "" if none:
	// it is ended when this sign-in succeeds, whoever it belonged to, so a
	// shared computer never keeps the last person's session alive.
	Previous string
}

// LoginResult is a successful first (or only) step of sign-in.
type LoginResult struct {
	Token   string // the session secret: cookie value or bearer token
	Session Session
	Account Account
	// Device is a fresh device token for a long-lived cookie after a web
	// sign-in: a known-device token when it passed the second factor, a
	// seen-device token (which passes no lock) after a password-only
	// sign-in from a browser that held neither; "" otherwise.
	Device string
}

// errBadLogin is the one answer for an unknown login or a wrong password.
func errBadLogin() error {
	return apperr.New(apperr.Unauthorized, "Tên đăng nhập hoặc mật khẩu không đúng")
}

// failureMemory is how long a login name's failed passwords are counted
// after the last one.
const failureMemory = 24 * time.Hour

// Login checks a password. It returns a session at StageFull, or at
// StageMFA when the account uses TOTP (finish with CompleteMFA), or at
// StageEnrol when the account must enrol a second factor first (web only;
// the API refuses such accounts). Rate limits per address and per login
// name, and the lockout with exponential back-off, return ETOOMANY.
//
// Unknown logins are treated like existing ones at every step — the same
// name budget, the same failure count and lock (identity_login_failures),
// one argon2id verification (against a fixed dummy hash) — so neither the
// answers nor their timing tell a stranger which logins exist. A lock stops
// password guessing but not the account's owner: the browser of an earlier
// sign-in with a second factor (Device), or the right password together
// with a right TOTP or recovery code (OTP), still signs in; an
// administrator can also lift it (Unlock). Every failure is audited.
//
// The per-address and per-name budgets count failures only: a sign-in
// that succeeds gives its counts back, so the officials of an office behind
// one shared address do not lock each other out by signing in, and an owner
// who signs in often does not use up their own name's budget.
func (s *Service) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	var spent loginBudgets
	res, err := s.login(ctx, req, &spent)
	if err == nil {
		if !spent.ip.IsZero() {
			s.refund(ctx, ipBucket(req.IP), spent.ip)
		}
		if !spent.name.IsZero() {
			s.refund(ctx, nameBucket(NormalizeLogin(req.Login)), spent.name)
		}
	}
	return res, err
}

// loginBudgets are the ends of the budget windows a sign-in attempt was
// counted in (zero where it was not), for the refund of a success.
type loginBudgets struct{ ip, name time.Time }

// login is Login; it records in *spent the windows its attempt was counted in.
func (s *Service) login(ctx context.Context, req LoginRequest, spent *loginBudgets) (LoginResult, error) {
	login := NormalizeLogin(req.Login)
	anon := &actor.Actor{IP: req.IP}
	if login == "" || req.Password == "" {
		return LoginResult{}, apperr.FieldError("login", "Hãy nhập tên đăng nhập (hoặc số CCCD, mã số thuế) và mật khẩu")
	}
	if len(login) > 100 || len(req.Password) > MaxPasswordLen {
		return LoginResult{}, errBadLogin()
	}
	// The attempt is counted before the password is checked, so parallel
	// guesses cannot all slip under the limit; success refunds it.
	until, err := s.spend(ctx, ipBucket(req.IP), s.opts.Limits.LoginPerIP)
	if err != nil {
		if apperr.Is(err, apperr.TooMany) {
			s.recordAlone(ctx, anon, "identity.login.throttled", "", audit.OutcomeDenied, "too many attempts from this address")
		}
		return LoginResult{}, err
	}
	spent.ip = until
	acc, hash, err := s.accountByLogin(ctx, login)
	known := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return LoginResult{}, err
	}
	// The name budget is spent by whoever types the name, so a stranger
	// could spend it all day: a browser in which the owner passed a second
	// factor is not held back by it, as it is not by the lock.
	if !known || !s.knownDevice(req.Device, acc.ID) {
		until, err := s.spend(ctx, nameBucket(login), s.opts.Limits.LoginPerAccount)
		if err != nil {
			s.recordAlone(ctx, anon, "identity.login.throttled", "", audit.OutcomeDenied, "too many attempts on this login")
			return LoginResult{}, err
		}
		spent.name = until
	}
	who, object := anon, ""
	if known {
		who, object = &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, IP: req.IP, AgencyID: acc.AgencyID}, idText(acc.ID)
	} else {
		hash = s.dummy
	}
	lockedUntil, err := s.lockedUntil(ctx, login)
	if err != nil {
		return LoginResult{}, err
	}
	locked := s.now().Before(lockedUntil)
	bypass := ""
	if locked && known {
		switch {
		case s.knownDevice(req.Device, acc.ID):
			bypass = "device"
		case acc.TOTPEnabled && strings.TrimSpace(req.OTP) != "":
			bypass = "totp"
		}
	}
	ok, rehash, err := s.verifyPassword(ctx, hash, req.Password)
	if err != nil {
		return LoginResult{}, fmt.Errorf("verify password of %q: %w", login, err)
	}
	ok = ok && known
	switch {
	case locked && (bypass == "" || (!ok && bypass == "totp")):
		// Attempts against a lock are not counted: the lock and its end
		// stay the same for every name, existing or not.
		s.recordAlone(ctx, who, "identity.login.locked", object, audit.OutcomeDenied, "login locked after failed passwords")
		return LoginResult{}, lockedError(lockedUntil)
	case !ok:
		why := "wrong password"
		if !known {
			why = "unknown login"
		}
		return LoginResult{}, s.failPassword(ctx, who, login, acc.ID, why)
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
		// Only a sign-in outside a lock clears it: the owner passing a lock
		// must not hand the guesser a fresh count.
		if !locked {
			if _, err := tx.ExecContext(ctx, "DELETE FROM identity_login_failures WHERE login = $1", login); err != nil {
				return fmt.Errorf("reset failed logins: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1", acc.ID); err != nil {
				return fmt.Errorf("reset failed logins: %w", err)
			}
		}
		if newHash != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET password_hash = $2 WHERE id = $1", acc.ID, newHash); err != nil {
				return fmt.Errorf("rehash password: %w", err)
			}
		}
		if err := s.endPrevious(ctx, tx, req.Previous, req.IP); err != nil {
			return err
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
		if stage == StageFull && kind == KindWeb && !s.seenDevice(req.Device, acc.ID) {
			res.Device = s.seenDeviceToken(acc.ID)
			if err := s.notice(ctx, tx, Notice{Kind: NoticeNewDevice, AccountID: acc.ID, IP: req.IP, UserAgent: req.UserAgent}); err != nil {
				return err
			}
		}
		who.SessionID = ss.ID
		return s.record(ctx, tx, who, action, idText(acc.ID), audit.OutcomeOK, "",
			map[string]any{"kind": kind, "stage": string(stage), "rehashed": newHash != "", "lock_passed_by": bypass})
	})
	if err != nil {
		return LoginResult{}, err
	}
	if bypass == "totp" {
		full, err := s.CompleteMFAFrom(ctx, res.Token, req.OTP, req.IP, req.Device)
		if err != nil {
			// A wrong code answers like the lock itself, so the lock is no
			// oracle for the password.
			if _, derr := s.db.Writer().ExecContext(ctx, "DELETE FROM identity_sessions WHERE id = $1", res.Session.ID); derr != nil {
				s.log.WarnContext(ctx, "drop pending session", "err", derr)
			}
			if apperr.CodeOf(err) == apperr.Unauthorized {
				return LoginResult{}, lockedError(lockedUntil)
			}
			return LoginResult{}, err
		}
		return full, nil
	}
	if req.API && stage == StageMFA {
		return s.CompleteMFA(ctx, res.Token, req.OTP, req.IP)
	}
	return res, nil
}

// endPrevious ends the session whose secret the browser still held, if it
// is a live one, and audits that on behalf of its account.
func (s *Service) endPrevious(ctx context.Context, tx *sql.Tx, previous, ip string) error {
	tok, api, err := ParseToken(previous)
	if previous == "" || err != nil || api {
		return nil
	}
	var id string
	var account int64
	err = tx.QueryRowContext(ctx, "DELETE FROM identity_sessions WHERE token_hash = $1 RETURNING id, account_id", hashToken(tok)).Scan(&id, &account)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end previous session: %w", err)
	}
	return s.record(ctx, tx, &actor.Actor{AccountID: account, IP: ip, SessionID: id}, "identity.logout", idText(account),
		audit.OutcomeOK, "another sign-in in the same browser", map[string]any{"session": id})
}

// nameBucket is the rate-limit bucket of a login name's password attempts.
func nameBucket(login string) string { return "login:name:" + login }

// ipBucket is the rate-limit bucket of an address's failed sign-ins.
func ipBucket(ip string) string { return "login:ip:" + ip }

// errLocked marks the lockout answer (IsLocked).
var errLocked = errors.New("login locked")

func lockedError(until time.Time) error {
	return apperr.Wrap(errLocked, apperr.TooMany, "Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau %s. Nếu đây là tài khoản của bạn và đã bật xác thực hai lớp, bạn vẫn đăng nhập được bằng mật khẩu đúng kèm mã xác thực", FormatUntil(until))
}

// FormatUntil shows the end of a lock or of a wait to the minute, rounded
// up, so the time shown is never before the real end: the sign-in answers
// and the administrators' pages all show it through this one function, so
// they never disagree by a minute.
func FormatUntil(until time.Time) string {
	return locale.FormatDateTime(until.Add(time.Minute - time.Nanosecond).Truncate(time.Minute))
}

// IsLocked reports whether err is the lockout answer of Login (the sign-in
// page then offers the code field that passes the lock).
func IsLocked(err error) bool { return errors.Is(err, errLocked) }

// lockedUntil is the end of login's lock, zero when it has none.
func (s *Service) lockedUntil(ctx context.Context, login string) (time.Time, error) {
	var until int64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT locked_until FROM identity_login_failures WHERE login = $1", login).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && until == 0) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("load lock of %q: %w", login, err)
	}
	return fromMicros(until), nil
}

// failPassword counts a wrong password against the login name (account or
// not) and locks the name after LockAfter failures: LockBase, doubled with
// each further failure, at most LockMax. An existing account's count and
// lock are mirrored onto its row for the administrators' pages.
func (s *Service) failPassword(ctx context.Context, who *actor.Actor, login string, accountID int64, why string) error {
	var locked time.Time
	now := s.now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var failed int
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_login_failures (login, failed, last_failed) VALUES ($1, 1, $2)
			ON CONFLICT (login) DO UPDATE SET
			  failed = CASE WHEN identity_login_failures.last_failed <= $3 THEN 1 ELSE identity_login_failures.failed + 1 END,
			  last_failed = $2
			RETURNING failed`, login, micros(now), micros(now.Add(-failureMemory))).Scan(&failed); err != nil {
			return fmt.Errorf("count failed login: %w", err)
		}
		var until int64
		if failed >= s.opts.LockAfter {
			d := s.opts.LockBase
			for i := s.opts.LockAfter; i < failed && d < s.opts.LockMax; i++ {
				d *= 2
			}
			locked = now.Add(min(d, s.opts.LockMax))
			until = micros(locked)
			if _, err := tx.ExecContext(ctx, "UPDATE identity_login_failures SET locked_until = $1 WHERE login = $2", until, login); err != nil {
				return fmt.Errorf("lock login: %w", err)
			}
		}
		object := ""
		if accountID > 0 {
			object = idText(accountID)
			if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET failed_logins = $1, locked_until = $2 WHERE id = $3", failed, until, accountID); err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
			if !locked.IsZero() {
				if err := s.notice(ctx, tx, Notice{Kind: NoticeLocked, AccountID: accountID, At: now, IP: who.IP, Until: locked}); err != nil {
					return err
				}
			}
		}
		return s.record(ctx, tx, who, "identity.login.fail", object, audit.OutcomeFailed, why,
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
	return s.CompleteMFAFrom(ctx, pendingToken, code, ip, "")
}

// CompleteMFAFrom is CompleteMFA for a browser that holds device, its
// device token ("" if none): a web sign-in from a browser without one of
// the account's tokens is a new device, which the holder is told of.
func (s *Service) CompleteMFAFrom(ctx context.Context, pendingToken, code, ip, device string) (LoginResult, error) {
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
		if ss.Kind == KindWeb && !s.seenDevice(device, acc.ID) {
			if err := s.notice(ctx, tx, Notice{Kind: NoticeNewDevice, AccountID: acc.ID, IP: ip, UserAgent: ss.UserAgent}); err != nil {
				return err
			}
		}
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
	if ss.Kind == KindWeb {
		res.Device = s.DeviceToken(acc.ID)
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
	if err := s.throttle(ctx, nameBucket(acc.Login), s.opts.Limits.LoginPerAccount); err != nil {
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
		if err := s.notice(ctx, tx, Notice{Kind: NoticePasswordChanged, AccountID: acc.ID, IP: a.IP}); err != nil {
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

// Unlock lifts the lockout of an account and forgets its failed passwords.
// The actor needs identity.user.disable over the account's agency (the
// administrators who may also disable it).
func (s *Service) Unlock(ctx context.Context, by *actor.Actor, accountID int64) error {
	target, err := s.findAccount(ctx, s.db.Reader(), accountID)
	if err != nil {
		return err
	}
	if err := access.Authorize(ctx, by, access.IdentityUserDisable, target.PrivilegeResource()); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var until int64
		err := tx.QueryRowContext(ctx, "DELETE FROM identity_login_failures WHERE login = $1 RETURNING locked_until", target.Login).Scan(&until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("unlock %d: %w", accountID, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1", accountID); err != nil {
			return fmt.Errorf("unlock %d: %w", accountID, err)
		}
		// The attempts that locked the name have spent its budget too.
		if _, err := tx.ExecContext(ctx, "DELETE FROM identity_throttle WHERE bucket = $1", nameBucket(target.Login)); err != nil {
			return fmt.Errorf("unlock %d: %w", accountID, err)
		}
		return s.record(ctx, tx, by, "identity.user.unlock", idText(accountID), audit.OutcomeOK, "",
			map[string]any{"was_locked": until > micros(s.now())})
	})
}
