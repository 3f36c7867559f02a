package identity

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// Event kinds an account holder is shown.
const (
	// EventRegisterAgain: someone tried to register the account's CCCD or
	// tax code again.
	EventRegisterAgain = "register.again"
)

// Event is something about an account its holder should know of. Until
// the platform sends messages, the account page is where they see it.
type Event struct {
	At   time.Time
	Kind string // EventRegisterAgain, EventDeliveryFailed
	IP   string // the address it came from
}

// registeredAgain records, inside tx, an attempt to register the login of
// account holder again: an audit entry and an event for the holder.
func (s *Service) registeredAgain(ctx context.Context, tx *sql.Tx, holder int64, ip string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO identity_events (account_id, at, kind, ip) VALUES ($1, $2, $3, $4)",
		holder, micros(s.now()), EventRegisterAgain, clipText(ip, 64)); err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	// Anyone can repeat the attempt from many addresses: the holder is
	// mailed about the first of a day, and the account page lists them all.
	var today int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM identity_events WHERE account_id = $1 AND kind = $2 AND at > $3",
		holder, EventRegisterAgain, micros(s.now().Add(-24*time.Hour))).Scan(&today); err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	if today == 1 {
		if err := s.notice(ctx, tx, Notice{Kind: NoticeRegisterAgain, AccountID: holder, IP: ip}); err != nil {
			return err
		}
	}
	return s.record(ctx, tx, &actor.Actor{IP: ip}, "identity.register", idText(holder), audit.OutcomeDenied,
		"login already registered", nil)
}

// Events lists the actor's own account events, newest first (at most 20).
func (s *Service) Events(ctx context.Context, a *actor.Actor) ([]Event, error) {
	if err := s.self(ctx, a); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT at, kind, ip FROM identity_events WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT 20", a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Kind, &e.IP); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
