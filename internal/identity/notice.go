package identity

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The events an account holder is told of by e-mail (Notifier).
const (
	NoticePasswordChanged = "password_changed" // the password was changed
	NoticeTOTPEnabled     = "totp_enabled"     // a second factor was enrolled
	NoticeNewDevice       = "new_device"       // a web sign-in from a browser that holds no device token of the account
	NoticeLocked          = "locked"           // wrong passwords locked the login
	NoticeRegisterAgain   = "register_again"   // someone tried to register the account's CCCD or tax code again
)

// Notice is an event on an account its holder should hear of.
type Notice struct {
	Kind      string // Notice*
	AccountID int64
	Login     string
	Name      string
	Email     string // never empty: accounts without one are not notified
	At        time.Time
	IP        string
	UserAgent string    // NoticeNewDevice
	Until     time.Time // NoticeLocked: when the lock ends
}

// Notifier tells account holders of events on their account. identity
// calls it inside the event's transaction, so a message exists if and
// only if the event committed; an error rolls the event back. The
// platform's notify service implements it (wired in app), which keeps
// identity free of the mail machinery.
type Notifier interface {
	AccountNotice(ctx context.Context, tx *sql.Tx, n Notice) error
}

// notice hands n to the Notifier when there is one and the account has an
// e-mail address; it fills in the account's login, name and address.
func (s *Service) notice(ctx context.Context, tx *sql.Tx, n Notice) error {
	if s.opts.Notifier == nil || n.AccountID <= 0 {
		return nil
	}
	if err := tx.QueryRowContext(ctx, "SELECT login, display_name, email FROM identity_accounts WHERE id = $1", n.AccountID).
		Scan(&n.Login, &n.Name, &n.Email); err != nil {
		return fmt.Errorf("load account %d for a notice: %w", n.AccountID, err)
	}
	if n.Email == "" {
		return nil
	}
	if n.At.IsZero() {
		n.At = s.now()
	}
	return s.opts.Notifier.AccountNotice(ctx, tx, n)
}

// EventDeliveryFailed: a message to the account's e-mail address could not
// be delivered (the address refuses mail), shown on the account page so
// the holder can correct it.
const EventDeliveryFailed = "notify.failed"

// RecordDeliveryFailure records, inside tx, that a message to accountID
// failed for good: an event its holder sees on the account page. notify
// calls it (through app) in the transaction that records the failure.
func (s *Service) RecordDeliveryFailure(ctx context.Context, tx *sql.Tx, accountID int64) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO identity_events (account_id, at, kind, ip) SELECT id, $2, $3, '' FROM identity_accounts WHERE id = $1",
		accountID, micros(s.now()), EventDeliveryFailed); err != nil {
		return fmt.Errorf("record delivery failure: %w", err)
	}
	return nil
}
