package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// TokenInfo describes an API token without its secret.
type TokenInfo struct {
	ID        int64
	Name      string
	Scopes    []string // "module:read" or "module:write"
	CreatedAt time.Time
	ExpiresAt time.Time
	LastUsed  time.Time // zero if never used
	Revoked   bool
	// SecondFactor: the session that created the token had passed a second
	// factor. Only such a token acts with the roles that require one, and
	// only while its account keeps TOTP enrolled.
	SecondFactor bool
}

// ParseScopes checks a list of API-token scopes: "module:read" or
// "module:write" where module is the first part of a registered access
// action ("org", "identity", "pki"…). It returns them sorted and deduplicated.
func ParseScopes(in []string) ([]string, error) {
	modules := map[string]bool{}
	for _, d := range access.Actions() {
		modules[d.Name.Module()] = true
	}
	var out []string
	for _, raw := range in {
		for _, sc := range strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' }) {
			m, mode, ok := strings.Cut(sc, ":")
			if !ok || !modules[m] || (mode != "read" && mode != "write") {
				return nil, apperr.FieldError("scopes", "Phạm vi %q không hợp lệ: dùng dạng phân_hệ:read hoặc phân_hệ:write, ví dụ org:read", sc)
			}
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, apperr.FieldError("scopes", "Cần chọn ít nhất một phạm vi cho mã truy cập")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// TokenModules lists the modules a token may be scoped to.
func TokenModules() []string {
	var out []string
	for _, d := range access.Actions() {
		out = append(out, d.Name.Module())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CreateToken creates an API token for the actor's own account and returns
// its secret, shown once. ttl is clipped to Options.MaxTokenTTL. A token
// acts with the roles of its account, limited to its scopes, without those
// that require a second factor unless the creating session passed one
// (recorded with the token). Tokens cannot create tokens.
func (s *Service) CreateToken(ctx context.Context, a *actor.Actor, name string, scopes []string, ttl time.Duration) (string, TokenInfo, error) {
	if err := s.self(ctx, a); err != nil {
		return "", TokenInfo{}, err
	}
	if a.Scopes != nil {
		return "", TokenInfo{}, apperr.New(apperr.Forbidden, "Mã truy cập API không được tạo mã truy cập khác")
	}
	name, err := CleanName(name)
	if err != nil {
		return "", TokenInfo{}, apperr.FieldError("name", "Cần đặt tên cho mã truy cập (tối đa 200 byte)")
	}
	sc, err := ParseScopes(scopes)
	if err != nil {
		return "", TokenInfo{}, err
	}
	if ttl <= 0 {
		return "", TokenInfo{}, apperr.FieldError("ttl", "Thời hạn của mã truy cập phải lớn hơn 0")
	}
	ttl = min(ttl, s.opts.MaxTokenTTL)
	now := s.now()
	secret := APITokenPrefix + newSecret()
	info := TokenInfo{Name: name, Scopes: sc, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The session's own record says whether it passed a second factor,
		// not the actor the caller hands in.
		_, _, mfa, err := s.currentSession(ctx, tx, a)
		if err != nil {
			return err
		}
		info.SecondFactor = mfa
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_api_tokens (account_id, name, token_hash, scopes, created_at, expires_at, mfa)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.AccountID, name, hashToken(secret), strings.Join(sc, " "),
			micros(now), micros(info.ExpiresAt), mfa).Scan(&info.ID); err != nil {
			return fmt.Errorf("insert API token: %w", err)
		}
		return s.record(ctx, tx, a, "identity.token.create", idText(a.AccountID), audit.OutcomeOK, "",
			map[string]any{"token": info.ID, "scopes": sc, "expires": info.ExpiresAt.Unix(), "mfa": mfa})
	})
	if err != nil {
		return "", TokenInfo{}, err
	}
	return secret, info, nil
}

// Tokens lists the actor's API tokens, newest first.
func (s *Service) Tokens(ctx context.Context, a *actor.Actor) ([]TokenInfo, error) {
	if err := s.self(ctx, a); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked_at IS NOT NULL, mfa
		FROM identity_api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id DESC`, a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var t TokenInfo
		var scopes string
		var created, expires, used int64
		if err := rows.Scan(&t.ID, &t.Name, &scopes, &created, &expires, &used, &t.Revoked, &t.SecondFactor); err != nil {
			return nil, err
		}
		t.Scopes = strings.Fields(scopes)
		t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
		if used > 0 {
			t.LastUsed = fromMicros(used)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the actor's API tokens.
func (s *Service) RevokeToken(ctx context.Context, a *actor.Actor, id int64) error {
	if err := s.self(ctx, a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE identity_api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
			micros(s.now()), id, a.AccountID)
		if err != nil {
			return fmt.Errorf("revoke API token: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "Không tìm thấy mã truy cập")
		}
		return s.record(ctx, tx, a, "identity.token.revoke", idText(a.AccountID), audit.OutcomeOK, "", map[string]any{"token": id})
	})
}

func (s *Service) authenticateAPIToken(ctx context.Context, token, ip string) (*actor.Actor, error) {
	var id, accountID, expires, lastUsed int64
	var scopes string
	var revoked, mfa bool
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, account_id, scopes, expires_at, revoked_at IS NOT NULL, mfa, last_used_at
		FROM identity_api_tokens WHERE token_hash = $1`, hashToken(token)).Scan(&id, &accountID, &scopes, &expires, &revoked, &mfa, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		s.rejectToken(ctx, ip, "", "unknown API token")
		return nil, apperr.New(apperr.Unauthorized, "Mã truy cập API không hợp lệ")
	}
	if err != nil {
		return nil, fmt.Errorf("load API token: %w", err)
	}
	now := s.now()
	if revoked || !now.Before(fromMicros(expires)) {
		s.rejectToken(ctx, ip, idText(accountID), "revoked or expired API token")
		return nil, apperr.New(apperr.Unauthorized, "Mã truy cập API đã bị thu hồi hoặc hết hạn")
	}
	acc, err := s.findAccount(ctx, s.db.Reader(), accountID)
	if err != nil {
		return nil, err
	}
	if acc.Disabled {
		s.rejectToken(ctx, ip, idText(accountID), "account disabled")
		return nil, apperr.New(apperr.Unauthorized, "Tài khoản đã bị khoá")
	}
	// Last use is kept to the minute, and written only when it is older:
	// on SQLite even an UPDATE that matches nothing waits for the one
	// writer, which every API request would otherwise queue behind.
	if stale := micros(now.Add(-time.Minute)); lastUsed < stale {
		if _, err := s.db.Writer().ExecContext(ctx, "UPDATE identity_api_tokens SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3",
			micros(now), id, stale); err != nil {
			s.log.WarnContext(ctx, "touch API token", "err", err)
		}
	}
	// A token never passes a second factor itself: it carries the roles
	// that require one only if the session that made it had passed one and
	// the account still has one enrolled. A token made with a stolen
	// password thus stays without them after the account is promoted and
	// enrols TOTP.
	a := s.actorOf(acc, fmt.Sprintf("token:%d", id), ip, false, mfa && acc.TOTPEnabled)
	a.Scopes = strings.Fields(scopes)
	if a.Scopes == nil {
		a.Scopes = []string{}
	}
	return a, nil
}
