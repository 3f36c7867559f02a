// Package calstore keeps the calendar's data in the database: holiday rules
// added by the administrator (a holiday created by a later law is one more
// row, no release), the yearly overrides announced by the government, and the
// seed of the published 2025–2026 schedules. It builds the pure
// *calendar.Calendar from them and caches it.
//
// # Cache across replicas
//
// Building a Calendar reads every rule and override and computes lunar years
// on first use, so the Service keeps the built value. Several replicas may
// share one PostgreSQL database, so an in-memory "invalidate on change" is not
// enough: a change made on replica A must reach replica B. Every change
// therefore increments calendar_state.version in the transaction that makes
// it, and Calendar reads that one row (a primary-key lookup) before using its
// cached value; a different version reloads everything in one read snapshot.
// Options.MaxStale may allow a cached calendar to be used for a while without
// that read (a bounded delay for other replicas, never for the replica that
// made the change, which drops its cache on commit). The default, 0, checks
// on every call. The UPDATE of the version row also serialises calendar
// writers on PostgreSQL (a row lock), so two administrators on two replicas
// cannot store conflicting overrides; SQLite has one writer anyway.
package calstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the calendar module's schema. It has no foreign keys into
// other modules; Main applies it after audit.Migrations.
var Migrations = db.Embedded("calendar", migrationFiles)

// Options configure a Service.
type Options struct {
	// Audit records every change in the change's transaction. Required.
	Audit *audit.Log
	// Now is the clock (clock.Now when nil); it stamps rows and measures
	// MaxStale.
	Now func() time.Time
	// Config holds the office settings the calendar counts with; zero
	// fields take calendar.DefaultConfig.
	Config calendar.Config
	// MaxStale is how long a cached calendar may be used without reading the
	// version row: 0 (the default) reads it on every call, so a change made
	// on another replica is seen at once. A positive value trades that for
	// one query less per call; the replica that makes a change always sees
	// it at once.
	MaxStale time.Duration
	// Logger receives warnings; slog.Default when nil.
	Logger *slog.Logger
}

// Service stores the calendar's rules and overrides and builds the Calendar.
// It is safe for concurrent use.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	now      func() time.Time
	cfg      calendar.Config
	maxStale time.Duration
	log      *slog.Logger

	cache  atomic.Pointer[cached]
	loadMu sync.Mutex // one reload at a time
}

// cached is a built calendar with the version it was built from.
type cached struct {
	cal     *calendar.Calendar
	version int64
	checked time.Time // when version was last compared with the database
}

// New returns the calendar service on d (migrated with Migrations). It does
// not write: call Seed once at start-up.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil {
		return nil, errors.New("calstore.New: nil database")
	}
	if opts.Audit == nil {
		return nil, errors.New("calstore.New: Options.Audit is required")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("calstore.New: office settings: %w", err)
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: d, audit: opts.Audit, now: opts.Now, cfg: opts.Config, maxStale: opts.MaxStale, log: opts.Logger}, nil
}

// calendarResource is the object of the calendar's access decisions: the
// national holiday list is platform-wide and public.
var calendarResource = access.Resource{Type: "calendar", ID: "national"}

// allowEdit asks the one decision point whether a may change the calendar.
// Call it before opening the change's transaction (access records a denial
// in its own).
func (s *Service) allowEdit(ctx context.Context, a *actor.Actor) error {
	if a == nil {
		return apperr.New(apperr.Unauthorized, "Cần đăng nhập với vai trò quản trị hệ thống để sửa lịch nghỉ lễ")
	}
	return access.Authorize(ctx, a, access.CalendarOverrideEdit, calendarResource)
}

// allowRead asks whether a (nil: anonymous) may read the calendar; everyone
// may, but the decision is still the access module's.
func (s *Service) allowRead(ctx context.Context, a *actor.Actor) error {
	return access.Authorize(ctx, a, access.CalendarRead, calendarResource)
}

// CanEdit returns nil if a may change rules and overrides (access action
// calendar.override.edit), else the refusal; pages ask it before showing the
// editing controls. As every refusal of a signed-in actor, it is recorded in
// the audit log.
func (s *Service) CanEdit(ctx context.Context, a *actor.Actor) error {
	return s.allowEdit(ctx, a)
}

// MayEdit reports whether a may change rules and overrides, recording
// nothing: for showing or hiding a link. The change itself is decided again
// (and a refusal recorded) by the method that makes it.
func (s *Service) MayEdit(ctx context.Context, a *actor.Actor) bool {
	return a != nil && access.Permits(ctx, a, access.CalendarOverrideEdit, calendarResource)
}

// Calendar returns the calendar built from the built-in rules, the stored
// rules and the stored overrides (see the package comment for how the cached
// value is kept fresh across replicas). It checks no access: it is for other
// domains computing deadlines. Pages and the API use CalendarFor.
// Errors: EUNAVAILABLE when the database does not answer.
func (s *Service) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	c := s.cache.Load()
	now := s.now()
	if c != nil && s.maxStale > 0 && now.Sub(c.checked) < s.maxStale && !now.Before(c.checked) {
		return c.cal, nil
	}
	var v int64
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT version FROM calendar_state WHERE id = 1").Scan(&v); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được lịch làm việc từ cơ sở dữ liệu")
	}
	if c != nil && c.version == v {
		if s.maxStale > 0 {
			s.cache.CompareAndSwap(c, &cached{cal: c.cal, version: v, checked: now})
		}
		return c.cal, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if c := s.cache.Load(); c != nil && c.version >= v {
		return c.cal, nil
	}
	nc, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	nc.checked = now
	s.cache.Store(nc)
	return nc.cal, nil
}

// CalendarFor is Calendar for a reader: the actor of a page or API request
// (nil when anonymous), whom access allows to read the calendar.
func (s *Service) CalendarFor(ctx context.Context, a *actor.Actor) (*calendar.Calendar, error) {
	if err := s.allowRead(ctx, a); err != nil {
		return nil, err
	}
	return s.Calendar(ctx)
}

// load reads the version, rules and overrides in one snapshot and builds the
// calendar.
func (s *Service) load(ctx context.Context) (*cached, error) {
	var c cached
	var rules []calendar.Rule
	var overrides []calendar.Override
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT version FROM calendar_state WHERE id = 1").Scan(&c.version); err != nil {
			return err
		}
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		rules, overrides = st.rules(), st.overrides()
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được lịch làm việc từ cơ sở dữ liệu")
	}
	cal, err := calendar.New(rules, overrides, s.cfg)
	if err != nil {
		// The writes validate the whole set before committing, so this is a
		// row edited by hand or a changed rule of the pure package.
		return nil, apperr.Wrap(err, apperr.Internal, "Dữ liệu lịch nghỉ lễ trong cơ sở dữ liệu không hợp lệ: %s", apperr.MessageOf(err))
	}
	c.cal = cal
	return &c, nil
}

// invalidate drops the cached calendar after a committed change, so this
// replica sees its own change even with MaxStale.
func (s *Service) invalidate() { s.cache.Store(nil) }

// change runs fn in one write transaction after incrementing the version
// (which also locks the calendar's writers on PostgreSQL) and applying any
// seed not applied yet, then drops the cache.
func (s *Service) change(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE calendar_state SET version = version + 1 WHERE id = 1"); err != nil {
			return fmt.Errorf("bump calendar version: %w", err)
		}
		if _, err := s.seed(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		s.invalidate()
	}
	return err
}

// record writes the audit entry of a change inside its transaction.
func (s *Service) record(ctx context.Context, tx *sql.Tx, a *actor.Actor, action, objectType, objectID string, before, after any) error {
	return s.audit.Record(ctx, tx, audit.Entry{
		Actor: a, Action: action, ObjectType: objectType, ObjectID: objectID, Before: before, After: after,
	})
}

// actorName is what updated_by stores.
func actorName(a *actor.Actor) string {
	switch {
	case a == nil:
		return "system"
	case a.Name != "":
		return a.Name
	case a.AccountID != 0:
		return fmt.Sprintf("account %d", a.AccountID)
	}
	return string(a.Kind)
}

// Limits on text fields, in bytes.
const (
	maxNameLen   = 200
	maxSourceLen = 500
)

// cleanText NFC-normalises s, trims it and collapses inner white space; it
// refuses over-long or control-character text, and empty text when required.
func cleanText(field, label, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", apperr.FieldError(field, "%s không phải văn bản UTF-8 hợp lệ.", label)
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if s == "" && required {
		return "", apperr.FieldError(field, "%s không được để trống.", label)
	}
	if len(s) > max {
		return "", apperr.FieldError(field, "%s quá dài (tối đa %d byte).", label, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", apperr.FieldError(field, "%s chứa ký tự điều khiển không hợp lệ.", label)
		}
	}
	return s, nil
}
