package jobs

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Handler runs one job. Returning nil deletes the job; an error retries it
// (Permanent: fails it at once). ctx ends with the job's lease or when the
// runner stops.
type Handler func(ctx context.Context, j Job) error

// Options configure a Runner; zero values take the defaults.
type Options struct {
	Now    func() time.Time // clock.Now
	Logger *slog.Logger     // slog.Default
	// Audit records administrators' retries (Retry).
	Audit *audit.Log
	// Workers run handlers at once (4).
	Workers int
	// PollInterval is how long an idle runner waits before looking for due
	// jobs again (1 s).
	PollInterval time.Duration
	// Lease is how long a claimed job belongs to its runner; a runner that
	// died leaves its jobs to others after it (5 min). It is also the
	// handler's time limit.
	Lease time.Duration
	// RetryBase and RetryMax bound the back-off between attempts (10 s, 1 h).
	RetryBase, RetryMax time.Duration
}

// Runner claims due jobs and runs their handlers.
type Runner struct {
	db    *db.DB
	opts  Options
	owner string // lease_owner of this runner's claims

	mu       sync.Mutex
	handlers map[string]Handler
	periodic []*Periodic
	started  bool

	held  atomic.Int64  // claimed jobs not yet finished
	freed chan struct{} // a worker finished a job
	wake  chan struct{} // Wake: look for jobs now
}

// NewRunner returns a runner on d; register handlers, then call Run.
func NewRunner(d *db.DB, opts Options) *Runner {
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 10 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Hour
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	return &Runner{db: d, opts: opts, owner: hex.EncodeToString(b[:]), handlers: map[string]Handler{},
		freed: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

// Register sets the handler of kind. It panics on a malformed or duplicate
// kind, or after Run started: a programming error every test catches.
func (r *Runner) Register(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic("jobs: Register after Run: " + kind)
	}
	if !validKind(kind) || h == nil {
		panic(fmt.Sprintf("jobs: malformed kind %q or nil handler", kind))
	}
	if _, dup := r.handlers[kind]; dup {
		panic("jobs: kind registered twice: " + kind)
	}
	r.handlers[kind] = h
}

// Registered reports whether kind has a handler (for tests and wiring).
func (r *Runner) Registered(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handlers[kind] != nil
}

// Wake makes an idle runner look for due jobs at once instead of at its next
// poll, e.g. after a transaction of this process enqueued one.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx ends, then waits for the handlers in
// progress (their ctx is cancelled; their jobs go back to the queue).
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("jobs: runner already started")
	}
	r.started = true
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	r.mu.Unlock()
	if len(kinds) == 0 {
		<-ctx.Done()
		return nil
	}
	// Successes are deleted in batches by one goroutine: a worker is free
	// again as soon as its handler returned, and one transaction records
	// many outcomes.
	succeeded := make(chan int64, 4*r.opts.Workers)
	deleted := make(chan struct{})
	go func() {
		defer close(deleted)
		r.deleteSucceeded(succeeded)
	}()
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		close(succeeded)
		<-deleted
	}()
	if len(r.periodic) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.schedule(ctx)
		}()
	}
	// Workers take claimed jobs from work; the runner holds at most
	// 4×Workers claimed jobs (running or waiting in work), so one claim
	// fetches many when jobs are short and the queue long.
	maxHeld := 4 * r.opts.Workers
	work := make(chan Job, maxHeld)
	for range r.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				r.runOne(ctx, j, succeeded)
				r.held.Add(-1)
				select {
				case r.freed <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer close(work)
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		free := maxHeld - int(r.held.Load())
		if free < r.opts.Workers {
			select {
			case <-ctx.Done():
				return nil
			case <-r.freed:
				continue
			}
		}
		claimed, err := r.claim(ctx, kinds, free)
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.Error("jobs: claim", "err", err)
		}
		r.held.Add(int64(len(claimed)))
		for _, j := range claimed {
			work <- j // never blocks: held ≤ cap(work)
		}
		if len(claimed) > 0 {
			continue // more may be due
		}
		poll.Reset(r.opts.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-r.wake:
		}
	}
}

const jobColumns = "id, kind, payload, COALESCE(unique_key, ''), state, attempts, max_attempts, run_at, last_error, created_at, updated_at"

func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var payload string
	var runAt, created, updated int64
	err := sc.Scan(&j.ID, &j.Kind, &payload, &j.UniqueKey, &j.State, &j.Attempt, &j.MaxAttempts, &runAt, &j.LastError, &created, &updated)
	j.Payload = []byte(payload)
	j.RunAt, j.CreatedAt, j.UpdatedAt = db.FromMicros(runAt), db.FromMicros(created), db.FromMicros(updated)
	return j, err
}

// claim leases up to n due jobs of the given kinds: queued ones whose time
// has come first, then running ones whose runner's lease expired.
func (r *Runner) claim(ctx context.Context, kinds []string, n int) ([]Job, error) {
	now := db.Micros(r.opts.Now())
	until := db.Micros(r.opts.Now().Add(r.opts.Lease))
	lock := ""
	if r.db.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	in := make([]string, len(kinds))
	args := []any{r.owner, until, now, n}
	for i, k := range kinds {
		in[i] = fmt.Sprintf("$%d", len(args)+1)
		args = append(args, k)
	}
	kindIn := strings.Join(in, ", ")
	queued := `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3
		WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $3 AND kind IN (` + kindIn + `)
			ORDER BY run_at, id LIMIT $4` + lock + `)
		RETURNING ` + jobColumns
	expired := `UPDATE jobs SET attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3
		WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until <= $3 AND kind IN (` + kindIn + `)
			ORDER BY lease_until, id LIMIT $4` + lock + `)
		RETURNING ` + jobColumns
	var out []Job
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for _, q := range []string{queued, expired} {
			args[3] = n - len(out)
			if args[3].(int) <= 0 {
				break
			}
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				j, err := scanJob(rows)
				if err != nil {
					rows.Close()
					return err
				}
				out = append(out, j)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// runOne runs a claimed job and records the outcome under its lease.
func (r *Runner) runOne(ctx context.Context, j Job, succeeded chan<- int64) {
	r.mu.Lock()
	h := r.handlers[j.Kind]
	r.mu.Unlock()
	var err error
	if ctx.Err() != nil {
		err = ctx.Err() // stopped before its turn: give it back
	} else if j.Attempt > j.MaxAttempts {
		// Claimed again after its runner's lease expired, out of attempts.
		err = Permanent(errors.New("công việc bị gián đoạn nhiều lần (máy chạy dừng giữa chừng) và đã hết số lần thử"))
		if j.LastError != "" {
			err = Permanent(fmt.Errorf("%w; lỗi trước đó: %s", err, j.LastError))
		}
	} else {
		// The lease began at the claim; the job may have waited for a worker.
		err = r.call(ctx, h, j, r.opts.Lease-r.opts.Now().Sub(j.UpdatedAt))
	}
	store := context.WithoutCancel(ctx)
	now := r.opts.Now()
	cond := " WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND state = 'running'"
	var q string
	args := []any{j.ID, r.owner, j.Attempt}
	switch {
	case err == nil:
		succeeded <- j.ID
		return
	case ctx.Err() != nil && !IsPermanent(err):
		// Stopped, not failed: give the attempt back.
		q = "UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = '', lease_until = 0, updated_at = $4" + cond
		args = append(args, db.Micros(now))
	case !IsPermanent(err) && later(err, now):
		// Asked to run at a moment (quiet hours, a quota): that attempt does not count.
		at, _ := retryMoment(err)
		q = "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $4, last_error = $5, lease_owner = '', lease_until = 0, updated_at = $6" + cond
		args = append(args, db.Micros(at), errorText(err), db.Micros(now))
		r.opts.Logger.Info("jobs: job will run later", "id", j.ID, "kind", j.Kind, "at", at, "err", err)
	case IsPermanent(err) || j.Attempt >= j.MaxAttempts:
		q = "UPDATE jobs SET state = 'failed', last_error = $4, lease_owner = '', lease_until = 0, updated_at = $5" + cond
		args = append(args, errorText(err), db.Micros(now))
		r.opts.Logger.Warn("jobs: job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", err)
	default:
		q = "UPDATE jobs SET state = 'queued', run_at = $4, last_error = $5, lease_owner = '', lease_until = 0, updated_at = $6" + cond
		args = append(args, db.Micros(now.Add(r.backoff(j.Attempt))), errorText(err), db.Micros(now))
		r.opts.Logger.Info("jobs: job will be retried", "id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", err)
	}
	if err := r.db.Tx(store, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(store, q, args...)
		return err
	}); err != nil {
		r.opts.Logger.Error("jobs: record outcome", "id", j.ID, "kind", j.Kind, "err", err)
	}
}

// later reports whether err asks for a moment after now and within
// MaxRetryLater.
func later(err error, now time.Time) bool {
	at, ok := retryMoment(err)
	return ok && at.After(now) && at.Sub(now) <= MaxRetryLater
}

// call runs h within the job's lease, turning a panic into an error.
func (r *Runner) call(ctx context.Context, h Handler, j Job, lease time.Duration) (err error) {
	ctx, cancel := context.WithTimeout(ctx, lease)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			r.opts.Logger.Error("jobs: handler panicked", "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("lỗi nội bộ khi chạy công việc: %v", p)
		}
	}()
	return h(ctx, j)
}

// backoff is the wait after the given failed attempt: RetryBase doubled per
// attempt up to RetryMax, plus up to half of it at random so the retries of
// jobs that failed together (an SMTP server down) do not stay in step.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.opts.RetryBase
	for i := 1; i < attempt && d < r.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, r.opts.RetryMax)
	return d + rand.N(d/2+1)
}

// maxDeleteBatch bounds the ids of one DELETE (PostgreSQL takes at most
// 65,535 parameters, SQLite 32,766).
const maxDeleteBatch = 500

// deleteSucceeded deletes the jobs whose handlers succeeded, as many at
// once as have finished meanwhile, until ids is closed and drained. The
// lease condition leaves alone a job another runner took over after this
// one's lease expired.
func (r *Runner) deleteSucceeded(ids <-chan int64) {
	ctx := context.Background()
	batch := make([]any, 0, maxDeleteBatch+1)
	for id := range ids {
		batch = append(batch[:0], r.owner, id)
	more:
		for len(batch) <= maxDeleteBatch {
			select {
			case id, ok := <-ids:
				if !ok {
					break more
				}
				batch = append(batch, id)
			default:
				break more
			}
		}
		marks := make([]string, len(batch)-1)
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		q := "DELETE FROM jobs WHERE lease_owner = $1 AND state = 'running' AND id IN (" + strings.Join(marks, ", ") + ")"
		if err := r.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, q, batch...)
			return err
		}); err != nil {
			// The jobs stay running until their lease ends, then run again.
			r.opts.Logger.Error("jobs: delete finished jobs", "count", len(marks), "err", err)
		}
	}
}
