package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// Stage is how far a session has come through sign-in.
type Stage string

// The stages of a session.
const (
	// StageMFA: the password was right; the second factor is pending. The
	// session grants nothing and expires after Options.MFATimeout.
	StageMFA Stage = "mfa"
	// StageEnrol: signed in, but the account must enrol a second factor
	// before anything else (web only).
	StageEnrol Stage = "enrol"
	// StageFull: signed in.
	StageFull Stage = "full"
)

// Session kinds.
const (
	KindWeb = "web" // cookie, idle and absolute timeouts
	KindAPI = "api" // bearer token from POST /api/v1/auth/login, short absolute life
)

// Session is a signed-in session as shown to its owner.
type Session struct {
	ID        string // public id (never the secret)
	AccountID int64
	Kind      string // KindWeb or KindAPI
	Stage     Stage
	MFA       bool // a second factor was passed
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // absolute end
	IP        string
	UserAgent string
	Current   bool // the session of the request listing it
}

// tokenLen is the length of a session secret: 32 random bytes, unpadded
// base64url.
const tokenLen = 43

// APITokenPrefix starts every integration API token, so a leaked one is
// recognisable (secret scanners) and never confused with a session.
const APITokenPrefix = "cqt_"

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newSessionID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// ParseToken checks the form of a session secret or API token taken from a
// cookie or an Authorization header: exactly 43 base64url characters
// (32 bytes), optionally after APITokenPrefix. It returns the token and
// whether it is an API token. Anything else is EUNAUTHORIZED: no database
// lookup is made for malformed input.
func ParseToken(s string) (token string, api bool, err error) {
	bad := apperr.New(apperr.Unauthorized, "Phiên đăng nhập không hợp lệ, vui lòng đăng nhập lại")
	rest, api := strings.CutPrefix(s, APITokenPrefix)
	if len(rest) != tokenLen {
		return "", false, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil || len(b) != 32 {
		return "", false, bad
	}
	return s, api, nil
}

// ParseBearer extracts the token of an "Authorization: Bearer <token>"
// header value (scheme case-insensitive, one space).
func ParseBearer(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newSession inserts a session and returns its secret.
func (s *Service) newSession(ctx context.Context, tx *sql.Tx, accountID int64, kind string, stage Stage, mfa bool, ip, ua string) (string, Session, error) {
	now := s.now()
	life := s.opts.AbsoluteTimeout
	switch {
	case stage == StageMFA:
		life = s.opts.MFATimeout
	case kind == KindAPI:
		life = s.opts.APISessionTTL
	}
	secret := newSecret()
	sess := Session{ID: newSessionID(), AccountID: accountID, Kind: kind, Stage: stage, MFA: mfa,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(life), IP: clipText(ip, 64), UserAgent: clipText(ua, 300)}
	_, err := tx.ExecContext(ctx, `INSERT INTO identity_sessions (id, token_hash, account_id, kind, stage, mfa, created_at, last_seen, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		sess.ID, hashToken(secret), accountID, kind, string(stage), mfa, micros(now), micros(now), micros(sess.ExpiresAt), sess.IP, sess.UserAgent)
	if err != nil {
		return "", Session{}, fmt.Errorf("insert session: %w", err)
	}
	return secret, sess, nil
}

func clipText(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

const sessionColumns = "id, account_id, kind, stage, mfa, created_at, last_seen, expires_at, ip, user_agent"

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var ss Session
	var stage string
	var created, seen, expires int64
	err := row.Scan(&ss.ID, &ss.AccountID, &ss.Kind, &stage, &ss.MFA, &created, &seen, &expires, &ss.IP, &ss.UserAgent)
	ss.Stage = Stage(stage)
	ss.CreatedAt, ss.LastSeen, ss.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return ss, err
}

// expired reports why a session is no longer valid at now, "" if it is.
func (s *Service) expired(ss Session, now time.Time) string {
	switch {
	case !now.Before(ss.ExpiresAt):
		return "absolute timeout"
	case ss.Kind == KindWeb && ss.Stage != StageMFA && now.Sub(ss.LastSeen) >= s.opts.IdleTimeout:
		return "idle timeout"
	}
	return ""
}

// Authenticate turns a session secret or API token (from a cookie or a
// bearer header) into the actor of the request. ip is the client address.
// A session still waiting for its second factor returns the Session with
// StageMFA and a nil actor. Malformed, unknown, expired or revoked tokens
// and disabled accounts return EUNAUTHORIZED; they are audited (at most
// Limits.BadTokenPerIP per address and window, so garbage cannot flood the
// log).
func (s *Service) Authenticate(ctx context.Context, token, ip string) (*actor.Actor, Session, error) {
	tok, api, err := ParseToken(token)
	if err != nil {
		s.rejectToken(ctx, ip, "", "malformed token")
		return nil, Session{}, err
	}
	if api {
		a, err := s.authenticateAPIToken(ctx, tok, ip)
		return a, Session{}, err
	}
	ss, err := scanSession(s.db.Reader().QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM identity_sessions WHERE token_hash = $1", hashToken(tok)))
	if errors.Is(err, sql.ErrNoRows) {
		s.rejectToken(ctx, ip, "", "unknown or revoked session")
		return nil, Session{}, apperr.New(apperr.Unauthorized, "Phiên đăng nhập không còn hiệu lực, vui lòng đăng nhập lại")
	}
	if err != nil {
		return nil, Session{}, fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if why := s.expired(ss, now); why != "" {
		_, _ = s.db.Writer().ExecContext(ctx, "DELETE FROM identity_sessions WHERE id = $1", ss.ID)
		s.rejectToken(ctx, ip, idText(ss.AccountID), why)
		return nil, Session{}, apperr.New(apperr.Unauthorized, "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại")
	}
	if ss.Stage == StageMFA {
		return nil, ss, nil
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), ss.AccountID)
	if err != nil {
		return nil, Session{}, err
	}
	if acc.Disabled {
		s.rejectToken(ctx, ip, idText(acc.ID), "account disabled")
		return nil, Session{}, apperr.New(apperr.Unauthorized, "Tài khoản đã bị khoá. Vui lòng liên hệ quản trị cơ quan")
	}
	// Touch at most once a minute: the idle timeout needs no finer grain,
	// and most requests then write nothing.
	if now.Sub(ss.LastSeen) >= time.Minute {
		if _, err := s.db.Writer().ExecContext(ctx, "UPDATE identity_sessions SET last_seen = $1 WHERE id = $2", micros(now), ss.ID); err != nil {
			s.log.WarnContext(ctx, "touch session", "err", err)
		}
		ss.LastSeen = now
	}
	return s.actorOf(acc, ss.ID, ip, ss.MFA, ss.MFA), ss, nil
}

// actorOf builds the actor of a session or token. mfa says the session
// passed a second factor; secondFactor says the credential may carry what
// requires one. Without it (and outside the demo accounts, exempt while
// flagged) the roles that require a second factor are dropped and the
// clearance capped, whatever was granted since the credential was made.
func (s *Service) actorOf(acc Account, sessionID, ip string, mfa, secondFactor bool) *actor.Actor {
	a := &actor.Actor{
		AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID,
		IP: ip, SessionID: sessionID, Roles: acc.Roles, Clearance: acc.Clearance.String(), MFA: mfa, Demo: acc.Demo,
	}
	if !secondFactor && !acc.Demo {
		a.Roles, a.Clearance = access.WithoutSecondFactor(a.Roles, a.Clearance)
	}
	return a
}

// endSessions ends every session of an account inside tx, after a change of
// its privileges: the next request signs in again and passes the second
// factor the new privileges may require.
func endSessions(ctx context.Context, tx *sql.Tx, accountID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE account_id = $1", accountID)
	if err != nil {
		return 0, fmt.Errorf("end sessions of %d: %w", accountID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// rejectToken audits a refused token, within the per-address budget.
func (s *Service) rejectToken(ctx context.Context, ip, accountID, why string) {
	ok, _, err := s.hit(ctx, "badtoken:ip:"+ip, s.opts.Limits.BadTokenPerIP)
	if err != nil || !ok {
		s.log.InfoContext(ctx, "token refused (not audited: over budget)", "ip", ip, "why", why)
		return
	}
	s.recordAlone(ctx, &actor.Actor{IP: ip, Kind: ""}, "identity.session.reject", accountID, audit.OutcomeFailed, why)
}

// Logout ends the session whose secret is token. Unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, a *actor.Actor, token string) error {
	tok, api, err := ParseToken(token)
	if err != nil || api {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE token_hash = $1", hashToken(tok))
		if err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || a == nil {
			return nil
		}
		return s.record(ctx, tx, a, "identity.logout", idText(a.AccountID), audit.OutcomeOK, "", nil)
	})
}

// Sessions lists the actor's own sessions, newest first, marking the
// current one.
func (s *Service) Sessions(ctx context.Context, a *actor.Actor) ([]Session, error) {
	if err := s.self(ctx, a); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+sessionColumns+" FROM identity_sessions WHERE account_id = $1 ORDER BY created_at DESC, id", a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	now := s.now()
	var out []Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		if s.expired(ss, now) != "" || ss.Stage == StageMFA {
			continue
		}
		ss.Current = ss.ID == a.SessionID
		out = append(out, ss)
	}
	return out, rows.Err()
}

// RevokeSession ends one of the actor's own sessions by its public id.
func (s *Service) RevokeSession(ctx context.Context, a *actor.Actor, id string) error {
	if err := s.self(ctx, a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE id = $1 AND account_id = $2", id, a.AccountID)
		if err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "Không tìm thấy phiên đăng nhập")
		}
		return s.record(ctx, tx, a, "identity.session.revoke", idText(a.AccountID), audit.OutcomeOK, "", map[string]any{"session": id})
	})
}

// SignOutEverywhere ends every session of the actor's account, the current
// one included, and returns how many ended.
func (s *Service) SignOutEverywhere(ctx context.Context, a *actor.Actor) (int64, error) {
	if err := s.self(ctx, a); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM identity_sessions WHERE account_id = $1", a.AccountID)
		if err != nil {
			return fmt.Errorf("sign out everywhere: %w", err)
		}
		n, _ = res.RowsAffected()
		return s.record(ctx, tx, a, "identity.session.revoke_all", idText(a.AccountID), audit.OutcomeOK, "", map[string]any{"sessions": n})
	})
	return n, err
}

// self checks that a may manage its own account.
func (s *Service) self(ctx context.Context, a *actor.Actor) error {
	if a == nil {
		return apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	return access.Authorize(ctx, a, access.IdentityAccountSelf, access.Resource{Type: "account", ID: idText(a.AccountID), OwnerID: a.AccountID, AgencyID: a.AgencyID})
}
