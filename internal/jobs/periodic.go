package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Periodic is a job run once per period across every replica.
type Periodic struct {
	// Name is also the job's kind.
	Name string
	// Every is the period, aligned on the Unix epoch (every 10 minutes: at
	// :00, :10, …). Zero with Daily set.
	Every time.Duration
	// Daily runs it once a day at At past midnight, Vietnam time.
	Daily bool
	At    time.Duration
	// MaxAttempts of each run (3 when zero); the next period runs anyway.
	MaxAttempts int
	Handler     Handler
}

// PeriodPayload is the payload of a periodic job's run.
type PeriodPayload struct {
	Period time.Time `json:"period"` // the start of the period it runs for
}

// Periodic registers p's handler under p.Name and schedules it. It panics
// on a malformed schedule, like Register.
func (r *Runner) Periodic(p Periodic) {
	if (p.Every <= 0) == !p.Daily || (p.Every > 0 && p.Every < time.Second) || p.At < 0 || p.At >= 24*time.Hour {
		panic(fmt.Sprintf("jobs: periodic %q needs Every ≥ 1 s or Daily with 0 ≤ At < 24 h", p.Name))
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	r.Register(p.Name, p.Handler)
	r.mu.Lock()
	r.periodic = append(r.periodic, &p)
	r.mu.Unlock()
}

// periodStart is the start of the period holding now.
func (p *Periodic) periodStart(now time.Time) time.Time {
	if p.Every > 0 {
		step := p.Every.Microseconds()
		return db.FromMicros(now.UnixMicro() / step * step)
	}
	vn := now.In(locale.VN)
	start := time.Date(vn.Year(), vn.Month(), vn.Day(), 0, 0, 0, 0, locale.VN).Add(p.At)
	if start.After(now) {
		start = start.AddDate(0, 0, -1)
	}
	return start.UTC()
}

// schedule enqueues each periodic job when its period begins, until ctx ends.
func (r *Runner) schedule(ctx context.Context) {
	seen := map[string]time.Time{}
	tick := time.NewTicker(min(r.opts.PollInterval, time.Second))
	defer tick.Stop()
	for {
		for _, p := range r.periodic {
			start := p.periodStart(r.opts.Now())
			if seen[p.Name].Equal(start) {
				continue
			}
			if _, err := r.enqueuePeriod(ctx, p, start); err != nil {
				if ctx.Err() == nil {
					r.opts.Logger.Error("jobs: schedule periodic job", "name", p.Name, "err", err)
				}
				continue
			}
			seen[p.Name] = start
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// enqueuePeriod enqueues p's run for the period beginning at start unless a
// runner (this or another replica) already did: the conditional upsert
// advances the stored period only once, and under the same transaction only
// its winner inserts the job.
func (r *Runner) enqueuePeriod(ctx context.Context, p *Periodic, start time.Time) (won bool, err error) {
	now := r.opts.Now()
	payload, _ := json.Marshal(PeriodPayload{Period: start})
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs_periodic (name, period_start, enqueued_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET period_start = excluded.period_start, enqueued_at = excluded.enqueued_at
			WHERE jobs_periodic.period_start < excluded.period_start`, p.Name, db.Micros(start), db.Micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		won = true
		// The unique key skips a period whose predecessor still runs.
		_, err = enqueue(ctx, tx, Job{Kind: p.Name, Payload: payload, UniqueKey: "periodic:" + p.Name,
			RunAt: now, MaxAttempts: p.MaxAttempts}, now)
		return err
	})
	if err == nil && won {
		r.Wake()
	}
	return won, err
}
