// Package identity holds the accounts of the platform — officials created
// by their agency's administrator, citizens (12-digit CCCD) and businesses
// (tax code) who register themselves — and how they prove who they are:
// argon2id passwords with lockout and database-backed rate limits, TOTP
// (RFC 6238, secrets encrypted at rest with Options.SecretKey) with one-time
// recovery codes, sessions stored in the database (only a hash of the
// token) with idle and absolute timeouts, and scoped API tokens.
//
// identity builds the *actor.Actor of every request; package access decides
// what that actor may do. Every change is audited in its own transaction,
// and every refusal (wrong password, replayed code, forged cookie) too.
//
// Demo accounts: SeedDemo creates one login per role with a known password,
// flagged demo. While flagged they are exempt from the mandatory second
// factor, so a demo can be shown without an authenticator app; pages mark
// them, the server warns at start-up while any exist, and DeleteDemo (CLI
// `chinhquyen user delete-demo`) removes them before production.
package identity

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the identity module's schema (no foreign keys into other
// modules); Main applies it after audit.Migrations.
var Migrations = db.Embedded("identity", migrationFiles)

// Directory checks org ids and names for identity; Main wires org in. With
// a nil Directory any positive id is accepted (tests, early start-up).
type Directory interface {
	// CheckPlacement returns ENOTFOUND or EINVALID when the agency does not
	// exist, the unit (if not 0) is not in the agency, or a position or the
	// official (person) record (if not 0) does not exist.
	CheckPlacement(ctx context.Context, agencyID, unitID, officialID int64, positions []int64) error
	// AgencyName returns the agency's current name, "" if unknown.
	AgencyName(ctx context.Context, agencyID int64) string
}

// Limits are the rate limits of sign-in, counted in the database so every
// replica enforces the same budget.
type Limits struct {
	Window          time.Duration // the counting window
	LoginPerIP      int           // failed sign-ins per client address per window (a success is not counted)
	LoginPerAccount int           // failed password attempts per login name (account or not) per window
	OTPPerAccount   int           // second-factor attempts per account per window
	RegisterPerIP   int           // self-registrations per client address per window
	BadTokenPerIP   int           // forged or expired tokens audited per address per window
}

// Options configure the Service. Zero values take the defaults in brackets.
type Options struct {
	Audit *audit.Log // required: every change and refusal is recorded
	// SecretKey (SecretKeyLen random bytes, required) encrypts TOTP secrets
	// at rest. Every replica must use the same key; it never leaves the
	// process (not logged, not stored in the database).
	SecretKey []byte
	Now       func() time.Time // [clock.Now]
	Logger    *slog.Logger     // [slog.Default()]
	// Directory validates org ids and names agencies; optional.
	Directory Directory
	// Notifier tells holders with an e-mail address of security events on
	// their account (Notice*); optional.
	Notifier Notifier
	// Argon2 are the parameters of new password hashes [DefaultParams].
	Argon2 Params
	// IdleTimeout ends a web session unused this long [30m];
	// AbsoluteTimeout ends any session this long after sign-in [12h].
	IdleTimeout, AbsoluteTimeout time.Duration
	// MFATimeout bounds the step between password and second factor [5m].
	MFATimeout time.Duration
	// APISessionTTL is the life of a bearer token from POST
	// /api/v1/auth/login [1h].
	APISessionTTL time.Duration
	// MaxTokenTTL bounds API tokens' life [365 days].
	MaxTokenTTL time.Duration
	// LockAfter failed passwords lock the login name for LockBase,
	// doubling with each further failure up to LockMax [5, 1m, 1h].
	LockAfter         int
	LockBase, LockMax time.Duration
	Limits            Limits // [10m window; 30 per IP, 10 per account, 10 OTP, 10 registrations, 20 bad tokens]
	Issuer            string // TOTP issuer shown in authenticator apps ["Chính quyền điện tử"]
	MaxConcurrentHash int    // argon2 computations at once, bounding memory [4]
	DemoPassword      string // password of demo accounts ["Demo@2026-chinhquyen"]
}

// Service is the identity module. It keeps no state another replica needs.
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
	log   *slog.Logger
	dir   Directory
	opts  Options
	hash  chan struct{} // semaphore for argon2
	box   *sealer       // encrypts TOTP secrets at rest
	devK  []byte        // signs known-device tokens
	dummy string        // hash verified for unknown logins, so timing does not reveal them
}

// New returns the identity service on d (migrated with Migrations).
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil {
		return nil, errors.New("identity.New: nil database")
	}
	if opts.Audit == nil {
		return nil, errors.New("identity.New: Options.Audit is required")
	}
	box, err := newSealer(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	devK, err := deviceKey(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	opts.SecretKey = nil // kept only inside the cipher
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Argon2 == (Params{}) {
		opts.Argon2 = DefaultParams
	}
	if err := opts.Argon2.Validate(); err != nil {
		return nil, err
	}
	def := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&opts.IdleTimeout, 30*time.Minute)
	def(&opts.AbsoluteTimeout, 12*time.Hour)
	def(&opts.MFATimeout, 5*time.Minute)
	def(&opts.APISessionTTL, time.Hour)
	def(&opts.MaxTokenTTL, 365*24*time.Hour)
	def(&opts.LockBase, time.Minute)
	def(&opts.LockMax, time.Hour)
	def(&opts.Limits.Window, 10*time.Minute)
	defInt := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defInt(&opts.LockAfter, 5)
	defInt(&opts.Limits.LoginPerIP, 30)
	defInt(&opts.Limits.LoginPerAccount, 10)
	defInt(&opts.Limits.OTPPerAccount, 10)
	defInt(&opts.Limits.RegisterPerIP, 10)
	defInt(&opts.Limits.BadTokenPerIP, 20)
	defInt(&opts.MaxConcurrentHash, 4)
	if opts.Issuer == "" {
		opts.Issuer = "Chính quyền điện tử"
	}
	if opts.DemoPassword == "" {
		opts.DemoPassword = "Demo@2026-chinhquyen"
	}
	s := &Service{db: d, audit: opts.Audit, now: opts.Now, log: opts.Logger, dir: opts.Directory, opts: opts,
		hash: make(chan struct{}, opts.MaxConcurrentHash), box: box, devK: devK}
	dummy, err := HashPassword(opts.Argon2, "identity: timing equaliser for unknown logins")
	if err != nil {
		return nil, err
	}
	s.dummy = dummy
	return s, nil
}

// Params returns the argon2id parameters in force (for benchmarks).
func (s *Service) Params() Params { return s.opts.Argon2 }

// hashPassword and verifyPassword bound concurrent argon2 work: each
// computation holds Params.Memory KiB.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hash }()
	return HashPassword(s.opts.Argon2, password)
}

func (s *Service) verifyPassword(ctx context.Context, encoded, password string) (ok, rehash bool, err error) {
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer func() { <-s.hash }()
	return VerifyPassword(encoded, password, s.opts.Argon2)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hash <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// record writes an audit entry inside tx.
func (s *Service) record(ctx context.Context, tx *sql.Tx, a *actor.Actor, action, objectID string, outcome, reason string, summary any) error {
	return s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: action, ObjectType: "account", ObjectID: objectID,
		Outcome: outcome, Reason: reason, Summary: summary})
}

// recordAlone writes an audit entry in its own transaction (refusals).
func (s *Service) recordAlone(ctx context.Context, a *actor.Actor, action, objectID, outcome, reason string) {
	err := s.db.Tx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		return s.record(ctx, tx, a, action, objectID, outcome, reason, nil)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "record identity event", "action", action, "err", err)
	}
}

func idText(id int64) string { return fmt.Sprint(id) }

// micros and fromMicros shorten db's helpers.
func micros(t time.Time) int64     { return db.Micros(t) }
func fromMicros(v int64) time.Time { return db.FromMicros(v) }
