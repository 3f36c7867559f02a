// Package jobs is the platform's background work: a job queue (outbox) kept
// in the platform's own database, written in the caller's transaction.
//
// Enqueue inserts a job with the *sql.Tx that db.Tx hands its fn, so the job
// exists if and only if the change that caused it committed — on SQLite also
// inside the group commit, where each fn runs in a savepoint of a shared
// transaction: a fn that fails rolls its job back with its savepoint.
//
//	err := d.Tx(ctx, func(tx *sql.Tx) error {
//		// … the change and its audit entry …
//		_, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "notify.mail", Payload: p, RunAt: s.now()})
//		return err
//	})
//
// A Runner runs the handlers registered per kind (Register) on a pool of
// workers. It claims due jobs in batches with a lease (lease_owner,
// lease_until): on PostgreSQL with FOR UPDATE SKIP LOCKED, so several
// replicas claim disjoint jobs; on SQLite through the one writer connection,
// which serialises claims. A runner that dies leaves its jobs running until
// their lease expires; any runner then claims them again (another attempt).
// A runner claims only the kinds registered on it, so replicas of different
// versions leave each other's new kinds queued.
//
// A handler's error retries the job after an exponential back-off with
// jitter (RetryBase·2^(attempt-1), at most RetryMax, plus up to half of
// it at random) until MaxAttempts; then the job stays "failed" with its last
// error, shown on /admin/jobs where the system administrator may retry it
// (Retry, audited). Permanent(err) fails the job at once; RetryAt(at, err)
// runs it again at that moment without using up an attempt. A job that succeeds
// is deleted: the domain change and its audit entry are the record.
//
// UniqueKey makes Enqueue a no-op while a queued or running job holds the same
// key (a partial unique index), e.g. one pending refresh per object.
//
// Periodic jobs (Runner.Periodic) run once per period across every replica:
// each runner, when it sees a new period begin, advances jobs_periodic's row
// for the job with one conditional upsert and enqueues the run only if it won
// it — exactly one replica does, whatever the number of runners.
//
// Every moment comes from the injected clock (Options.Now, clock.Now by
// default); Job.RunAt should come from the caller's clock too, since a zero
// RunAt means clock.Now.
//
// riverqueue/river was tried first and not used: its PostgreSQL driver
// (riverpgxv5) inserts only through a pgx.Tx of a pgxpool, not the
// database/sql transaction db.Tx hands out; on SQLite, InsertTx did work
// inside the group commit, but the client fetches and completes jobs in
// transactions of its own on the one writer connection, outside the group
// commit (one fsync each), and ran 2,000 jobs in 25 s; its schema also comes
// with its own migration framework rather than a module's goose files.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// State is where a job is in its life.
type State string

// The stored states. A job that succeeded is deleted rather than kept.
const (
	Queued  State = "queued"  // waiting for RunAt
	Running State = "running" // claimed by a runner until its lease ends
	Failed  State = "failed"  // out of attempts, or a permanent error: waits for an administrator
)

// DefaultMaxAttempts is used when Job.MaxAttempts is zero.
const DefaultMaxAttempts = 10

// Bounds on what a job carries, so a handler's error or a caller's payload
// cannot bloat the table.
const (
	MaxKindLen      = 100
	MaxUniqueKeyLen = 300
	MaxPayloadLen   = 1 << 20
	maxErrorLen     = 2000
)

// Job is one unit of background work.
type Job struct {
	ID int64
	// Kind names the handler (Runner.Register), e.g. "notify.mail".
	Kind string
	// Payload is the handler's input as JSON; empty means {}.
	Payload json.RawMessage
	// UniqueKey, when set, makes Enqueue a no-op while a queued or running
	// job has the same key.
	UniqueKey string
	// RunAt is the earliest moment to run; zero means at once (clock.Now).
	RunAt time.Time
	// MaxAttempts bounds the runs before the job fails; 0 means DefaultMaxAttempts.
	MaxAttempts int

	// Filled when read back or handed to a handler.
	State     State
	Attempt   int // the run in progress (1 for the first) or the runs made
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Enqueue inserts j in tx, the transaction of the change that causes it.
// It returns the new job's id, or 0 when UniqueKey matched a live job.
func Enqueue(ctx context.Context, tx *sql.Tx, j Job) (int64, error) {
	return enqueue(ctx, tx, j, clock.Now())
}

func enqueue(ctx context.Context, tx *sql.Tx, j Job, now time.Time) (int64, error) {
	if err := j.validate(); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6) ON CONFLICT DO NOTHING RETURNING id`,
		append(j.columns(now), db.Micros(now))...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue job %s: %w", j.Kind, err)
	}
	return id, nil
}

// columns are the values of a new job's kind, payload, unique_key,
// max_attempts and run_at columns, defaults applied.
func (j Job) columns(now time.Time) []any {
	runAt := j.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	max := j.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	payload := string(j.Payload)
	if len(j.Payload) == 0 {
		payload = "{}"
	}
	var unique any
	if j.UniqueKey != "" {
		unique = j.UniqueKey
	}
	return []any{j.Kind, payload, unique, max, db.Micros(runAt)}
}

func (j Job) validate() error {
	if !validKind(j.Kind) {
		return apperr.FieldError("kind", "Loại công việc %q không hợp lệ: chỉ gồm chữ thường, chữ số, dấu chấm, gạch ngang, gạch dưới, tối đa %d ký tự", j.Kind, MaxKindLen)
	}
	if len(j.UniqueKey) > MaxUniqueKeyLen || !utf8.ValidString(j.UniqueKey) {
		return apperr.FieldError("unique_key", "Khoá duy nhất của công việc quá dài hoặc không phải UTF-8 (tối đa %d byte)", MaxUniqueKeyLen)
	}
	if len(j.Payload) > MaxPayloadLen {
		return apperr.FieldError("payload", "Dữ liệu của công việc quá lớn (tối đa %d byte)", MaxPayloadLen)
	}
	if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		return apperr.FieldError("payload", "Dữ liệu của công việc không phải JSON hợp lệ")
	}
	return nil
}

func validKind(k string) bool {
	if k == "" || len(k) > MaxKindLen {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// permanentError marks a handler error that retrying cannot cure.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent wraps a handler's error so the job fails at once instead of
// being retried (a malformed payload, an address that cannot exist).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// laterError asks for the job to run again at a given moment.
type laterError struct {
	at  time.Time
	err error
}

func (l *laterError) Error() string      { return l.err.Error() }
func (l *laterError) Unwrap() error      { return l.err }
func (l *laterError) RetryAt() time.Time { return l.at }

// RetryAt wraps a handler's error so the job runs again at the moment at
// (quiet hours ending, a daily quota renewed at midnight) instead of after
// the back-off, without using up an attempt. Any error in the chain with a
// method RetryAt() time.Time does the same, so an adapter need not import
// jobs. A moment in the past, or more than MaxRetryLater ahead, is an
// ordinary failure.
func RetryAt(at time.Time, err error) error {
	if err == nil {
		return nil
	}
	return &laterError{at: at, err: err}
}

// MaxRetryLater bounds how far ahead RetryAt may move a job.
const MaxRetryLater = 48 * time.Hour

// retryMoment returns the moment an error asks to be retried at.
func retryMoment(err error) (time.Time, bool) {
	var l interface{ RetryAt() time.Time }
	if errors.As(err, &l) {
		return l.RetryAt(), true
	}
	return time.Time{}, false
}

// errorText is what a failed run leaves in last_error: the handler's
// message, cut to a bound on a rune boundary.
func errorText(err error) string {
	s := strings.ToValidUTF8(err.Error(), "?")
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
