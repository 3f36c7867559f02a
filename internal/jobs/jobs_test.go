package jobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testDomain is a stand-in for a module's table changed together with a job.
const testDomain = `CREATE TABLE IF NOT EXISTS jobs_test_things (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`

func modules() []db.Migrations { return []db.Migrations{audit.Migrations, jobs.Migrations} }

func prepare(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := d.Writer().Exec(testDomain); err != nil {
		t.Fatal(err)
	}
}

func fastOptions() jobs.Options {
	return jobs.Options{Logger: quiet, PollInterval: 20 * time.Millisecond, RetryBase: 5 * time.Millisecond,
		RetryMax: 20 * time.Millisecond, Workers: 4}
}

// run starts r until the test ends.
func run(t *testing.T, r *jobs.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A job enqueued in the transaction of a change exists if and only if the
// change committed: with a transaction that commits, one that rolls back,
// and on SQLite under the group commit, where concurrent callers share one
// transaction and every other one fails in its own savepoint.
func TestEnqueueExistsIffTheChangeCommitted(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		prepare(t, d)
		ctx := context.Background()
		change := func(id int64, fail bool) error {
			return d.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO jobs_test_things (id, name) VALUES ($1, 'x')", id); err != nil {
					return err
				}
				p, _ := json.Marshal(map[string]int64{"thing": id})
				if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "test.thing", Payload: p}); err != nil {
					return err
				}
				if fail {
					return errors.New("the change failed after enqueueing")
				}
				return nil
			})
		}
		if err := change(1, false); err != nil {
			t.Fatal(err)
		}
		if err := change(2, true); err == nil {
			t.Fatal("failing change committed")
		}
		var wg sync.WaitGroup
		for i := int64(10); i < 74; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := change(i, i%2 == 1)
				if (err == nil) != (i%2 == 0) {
					t.Errorf("change %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		things := count(t, d, "SELECT count(*) FROM jobs_test_things")
		if things != 33 {
			t.Fatalf("%d changes committed, want 33", things)
		}
		orphans := count(t, d, `SELECT count(*) FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM jobs_test_things t
			WHERE `+jsonThing(d)+` = t.id)`)
		missing := count(t, d, `SELECT count(*) FROM jobs_test_things t WHERE NOT EXISTS (SELECT 1 FROM jobs j
			WHERE `+jsonThing(d)+` = t.id)`)
		if n := count(t, d, "SELECT count(*) FROM jobs"); n != things || orphans != 0 || missing != 0 {
			t.Fatalf("%d jobs for %d committed changes: %d without their change, %d changes without their job", n, things, orphans, missing)
		}
	})
}

func jsonThing(d *db.DB) string {
	if d.Dialect == db.Postgres {
		return "(j.payload::jsonb->>'thing')::bigint"
	}
	return "json_extract(j.payload, '$.thing')"
}

func enqueue(t *testing.T, d *db.DB, j jobs.Job) int64 {
	t.Helper()
	var id int64
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = jobs.Enqueue(context.Background(), tx, j)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A handler's error retries the job with back-off until MaxAttempts, then
// the job stays failed with its last error; Permanent fails it at once; a
// success deletes it; a panic is an error, not a crash.
func TestRunnerRetriesThenDeadLetters(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		r := jobs.NewRunner(d, fastOptions())
		var flaky, bad, perm, ok, panicky atomic.Int32
		r.Register("test.flaky", func(ctx context.Context, j jobs.Job) error {
			if flaky.Add(1) < 3 {
				return fmt.Errorf("lần %d lỗi", j.Attempt)
			}
			return nil
		})
		r.Register("test.bad", func(ctx context.Context, j jobs.Job) error {
			bad.Add(1)
			return fmt.Errorf("máy chủ thư từ chối (lần %d)", j.Attempt)
		})
		r.Register("test.perm", func(ctx context.Context, j jobs.Job) error {
			perm.Add(1)
			return jobs.Permanent(errors.New("địa chỉ không tồn tại"))
		})
		r.Register("test.ok", func(ctx context.Context, j jobs.Job) error { ok.Add(1); return nil })
		r.Register("test.panic", func(ctx context.Context, j jobs.Job) error { panicky.Add(1); panic("boom") })
		enqueue(t, d, jobs.Job{Kind: "test.flaky", MaxAttempts: 5})
		bID := enqueue(t, d, jobs.Job{Kind: "test.bad", MaxAttempts: 4})
		enqueue(t, d, jobs.Job{Kind: "test.perm", MaxAttempts: 4})
		enqueue(t, d, jobs.Job{Kind: "test.ok"})
		enqueue(t, d, jobs.Job{Kind: "test.panic", MaxAttempts: 2})
		run(t, r)
		waitFor(t, "every job to finish", func() bool {
			return count(t, d, "SELECT count(*) FROM jobs WHERE state <> 'failed'") == 0 &&
				count(t, d, "SELECT count(*) FROM jobs WHERE state = 'failed'") == 3
		})
		if flaky.Load() != 3 || bad.Load() != 4 || perm.Load() != 1 || ok.Load() != 1 || panicky.Load() != 2 {
			t.Fatalf("runs: flaky %d (want 3), bad %d (4), permanent %d (1), ok %d (1), panic %d (2)",
				flaky.Load(), bad.Load(), perm.Load(), ok.Load(), panicky.Load())
		}
		var attempts int
		var lastErr string
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT attempts, last_error FROM jobs WHERE id = $1", bID).Scan(&attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts != 4 || lastErr != "máy chủ thư từ chối (lần 4)" {
			t.Fatalf("dead-lettered job: attempts %d, last error %q", attempts, lastErr)
		}
	})
}

// A queued or running job holding a unique key makes Enqueue of the same key
// a no-op; once it failed, the key is free again.
func TestUniqueKey(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		first := enqueue(t, d, jobs.Job{Kind: "test.u", UniqueKey: "refresh:7"})
		if first == 0 {
			t.Fatal("first unique job not enqueued")
		}
		if again := enqueue(t, d, jobs.Job{Kind: "test.u", UniqueKey: "refresh:7"}); again != 0 {
			t.Fatalf("second job with a live key enqueued as %d", again)
		}
		if other := enqueue(t, d, jobs.Job{Kind: "test.u", UniqueKey: "refresh:8"}); other == 0 {
			t.Fatal("job with another key not enqueued")
		}
		if _, err := d.Writer().Exec("UPDATE jobs SET state = 'failed' WHERE id = $1", first); err != nil {
			t.Fatal(err)
		}
		if after := enqueue(t, d, jobs.Job{Kind: "test.u", UniqueKey: "refresh:7"}); after == 0 {
			t.Fatal("a failed job still blocks its key")
		}
	})
}

// Bad jobs are refused whole, with a Vietnamese message and nothing written.
func TestEnqueueRefusesMalformedJobs(t *testing.T) {
	d := dbtest.SQLite(t, modules()...)
	for _, j := range []jobs.Job{
		{Kind: ""},
		{Kind: "Có Dấu"},
		{Kind: "x", Payload: json.RawMessage("{not json")},
		{Kind: "x", Payload: make(json.RawMessage, jobs.MaxPayloadLen+1)},
		{Kind: "x", UniqueKey: string(make([]byte, jobs.MaxUniqueKeyLen+1))},
	} {
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			_, err := jobs.Enqueue(context.Background(), tx, j)
			return err
		})
		if err == nil {
			t.Errorf("job %q accepted", j.Kind)
		}
	}
	if n := count(t, d, "SELECT count(*) FROM jobs"); n != 0 {
		t.Fatalf("%d malformed jobs stored", n)
	}
}

// openTwice opens two handles on one fresh database, as two replicas would:
// one SQLite file, or one PostgreSQL database.
func openTwice(t *testing.T, dialect db.Dialect) (*db.DB, *db.DB) {
	t.Helper()
	ctx := context.Background()
	cfg := db.Config{DataDir: t.TempDir()}
	if dialect == db.Postgres {
		cfg.URL = dbtest.NewPostgresDatabase(t)
	}
	var out [2]*db.DB
	for i := range out {
		d, err := db.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx, quiet, modules()...); err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out[0], out[1]
}

func eachEngine(t *testing.T, fn func(t *testing.T, dialect db.Dialect)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) { fn(t, dialect) })
	}
}

// Two runners on one database (two replicas) run every job exactly once.
func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, dialect db.Dialect) {
		d1, d2 := openTwice(t, dialect)
		const n = 300
		var mu sync.Mutex
		runs := map[int64]int{}
		by := [2]int{}
		for i, d := range []*db.DB{d1, d2} {
			r := jobs.NewRunner(d, fastOptions())
			r.Register("test.once", func(ctx context.Context, j jobs.Job) error {
				mu.Lock()
				runs[j.ID]++
				by[i]++
				mu.Unlock()
				time.Sleep(time.Millisecond)
				return nil
			})
			run(t, r)
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n/4; i++ {
					d := d1
					if i%2 == 1 {
						d = d2
					}
					if err := d.Tx(ctx, func(tx *sql.Tx) error {
						_, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "test.once"})
						return err
					}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		waitFor(t, "every job to run", func() bool { return count(t, d1, "SELECT count(*) FROM jobs") == 0 })
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != n {
			t.Fatalf("%d jobs ran, want %d", len(runs), n)
		}
		for id, k := range runs {
			if k != 1 {
				t.Fatalf("job %d ran %d times", id, k)
			}
		}
		t.Logf("runner 1 ran %d, runner 2 ran %d", by[0], by[1])
	})
}

// A job whose runner died (its lease expired) is claimed and run by another.
func TestExpiredLeaseIsRunAgain(t *testing.T) {
	eachEngine(t, func(t *testing.T, dialect db.Dialect) {
		d1, d2 := openTwice(t, dialect)
		id := enqueue(t, d1, jobs.Job{Kind: "test.lease"})
		// The crashed runner: it claimed the job (attempt 1) and vanished.
		past := clock.Now().Add(-time.Second)
		if _, err := d1.Writer().Exec("UPDATE jobs SET state = 'running', attempts = 1, lease_owner = 'dead', lease_until = $1 WHERE id = $2",
			db.Micros(past), id); err != nil {
			t.Fatal(err)
		}
		var got atomic.Int32
		r := jobs.NewRunner(d2, fastOptions())
		r.Register("test.lease", func(ctx context.Context, j jobs.Job) error {
			if j.Attempt != 2 {
				t.Errorf("re-run as attempt %d, want 2", j.Attempt)
			}
			got.Add(1)
			return nil
		})
		run(t, r)
		waitFor(t, "the abandoned job to run", func() bool { return count(t, d2, "SELECT count(*) FROM jobs") == 0 })
		if got.Load() != 1 {
			t.Fatalf("abandoned job ran %d times", got.Load())
		}
	})
}

// fakeClock is a settable clock shared by the replicas of a test.
type fakeClock struct{ at atomic.Int64 }

func (c *fakeClock) Now() time.Time           { return db.FromMicros(c.at.Load()) }
func (c *fakeClock) set(t time.Time)          { c.at.Store(db.Micros(t)) }
func (c *fakeClock) advance(by time.Duration) { c.at.Add(by.Microseconds()) }

// A periodic job runs exactly once per period however many runners (two
// replicas, two runners each) watch it: every 10 minutes, and daily at
// 02:00 Vietnam time.
func TestPeriodicRunsOncePerPeriodAcrossReplicas(t *testing.T) {
	eachEngine(t, func(t *testing.T, dialect db.Dialect) {
		d1, d2 := openTwice(t, dialect)
		var c fakeClock
		// 01:55 in Vietnam, 4 minutes before a ten-minute boundary.
		c.set(time.Date(2031, 3, 14, 18, 55, 0, 0, time.UTC))
		var mu sync.Mutex
		periods := map[string][]time.Time{}
		handler := func(name string) jobs.Handler {
			return func(ctx context.Context, j jobs.Job) error {
				var p jobs.PeriodPayload
				if err := json.Unmarshal(j.Payload, &p); err != nil {
					return jobs.Permanent(err)
				}
				mu.Lock()
				periods[name] = append(periods[name], p.Period)
				mu.Unlock()
				return nil
			}
		}
		for _, d := range []*db.DB{d1, d2, d1, d2} {
			opts := fastOptions()
			opts.Now = c.Now
			r := jobs.NewRunner(d, opts)
			r.Periodic(jobs.Periodic{Name: "test.tenmin", Every: 10 * time.Minute, Handler: handler("tenmin")})
			r.Periodic(jobs.Periodic{Name: "test.daily", Daily: true, At: 2 * time.Hour, Handler: handler("daily")})
			run(t, r)
		}
		// settle waits for the runs the period owes (a loaded machine may
		// take longer than any fixed pause to enqueue them: advancing the
		// clock before would skip a period), then a little more, so that a
		// second run of the same period would be seen.
		settle := func(tenmin, daily int) {
			waitFor(t, "the periodic runs", func() bool {
				mu.Lock()
				ran := len(periods["tenmin"]) >= tenmin && len(periods["daily"]) >= daily
				mu.Unlock()
				return ran && count(t, d1, "SELECT count(*) FROM jobs") == 0
			})
			time.Sleep(150 * time.Millisecond)
		}
		settle(1, 1)
		for i := 0; i < 4; i++ { // 02:05 … 02:35
			c.advance(10 * time.Minute)
			settle(i+2, 2)
		}
		mu.Lock()
		defer mu.Unlock()
		vn := time.FixedZone("ICT", 7*3600)
		want10 := []string{"01:50", "02:00", "02:10", "02:20", "02:30"}
		if got := clockTimes(periods["tenmin"], vn); fmt.Sprint(got) != fmt.Sprint(want10) {
			t.Errorf("ten-minute job ran for periods %v, want %v", got, want10)
		}
		// Started at 01:55 on the 15th: the period of the 14th's 02:00, then the 15th's.
		var days []string
		for _, p := range periods["daily"] {
			days = append(days, p.In(vn).Format("02/01 15:04"))
		}
		if fmt.Sprint(days) != "[14/03 02:00 15/03 02:00]" {
			t.Errorf("daily job ran for %v, want [14/03 02:00 15/03 02:00]", days)
		}
	})
}

func clockTimes(ts []time.Time, loc *time.Location) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.In(loc).Format("15:04"))
	}
	return out
}

// A runner that stops gives back the jobs it holds, the one in progress
// included, without counting the interrupted attempt; a job abandoned by a
// dead runner on its last attempt fails instead of running again.
func TestStopGivesJobsBackAndExhaustedLeasesFail(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		busy := enqueue(t, d, jobs.Job{Kind: "test.slow"})
		started := make(chan struct{})
		r := jobs.NewRunner(d, fastOptions())
		r.Register("test.slow", func(ctx context.Context, j jobs.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		<-started
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var state string
		var attempts int
		if err := d.Reader().QueryRowContext(ctx, "SELECT state, attempts FROM jobs WHERE id = $1", busy).Scan(&state, &attempts); err != nil {
			t.Fatal(err)
		}
		if state != "queued" || attempts != 0 {
			t.Fatalf("interrupted job: %s after %d attempts, want queued after 0", state, attempts)
		}

		lost := enqueue(t, d, jobs.Job{Kind: "test.lost", MaxAttempts: 1})
		if _, err := d.Writer().Exec("UPDATE jobs SET state = 'running', attempts = 1, lease_owner = 'dead', lease_until = $1, last_error = 'hết thời gian chờ' WHERE id = $2",
			db.Micros(clock.Now().Add(-time.Second)), lost); err != nil {
			t.Fatal(err)
		}
		var ran atomic.Int32
		r2 := jobs.NewRunner(d, fastOptions())
		r2.Register("test.lost", func(context.Context, jobs.Job) error { ran.Add(1); return nil })
		r2.Register("test.slow", func(context.Context, jobs.Job) error { return nil })
		run(t, r2)
		waitFor(t, "the abandoned job to fail", func() bool {
			return count(t, d, "SELECT count(*) FROM jobs WHERE id = $1 AND state = 'failed'", lost) == 1
		})
		var lastErr string
		if err := d.Reader().QueryRowContext(ctx, "SELECT last_error FROM jobs WHERE id = $1", lost).Scan(&lastErr); err != nil {
			t.Fatal(err)
		}
		if ran.Load() != 0 || !strings.Contains(lastErr, "hết số lần thử") || !strings.Contains(lastErr, "hết thời gian chờ") {
			t.Fatalf("abandoned job on its last attempt: ran %d times, last error %q", ran.Load(), lastErr)
		}
	})
}

// laterErr is an adapter's own error asking for a moment, as
// outreach/channel's Later does, without importing jobs.
type laterErr struct{ at time.Time }

func (l laterErr) Error() string      { return "giờ yên lặng" }
func (l laterErr) RetryAt() time.Time { return l.at }

// A handler's RetryAt (or any error with a RetryAt method) queues the job
// for that moment without using up an attempt; a moment in the past is an
// ordinary failure.
func TestRetryAtMovesTheJobWithoutUsingAnAttempt(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		r := jobs.NewRunner(d, fastOptions())
		at := clock.Now().Add(time.Hour).Truncate(time.Microsecond)
		var own, foreign, past atomic.Int32
		r.Register("test.later", func(ctx context.Context, j jobs.Job) error {
			own.Add(1)
			return jobs.RetryAt(at, errors.New("hạn mức trong ngày đã hết"))
		})
		r.Register("test.foreign", func(ctx context.Context, j jobs.Job) error {
			foreign.Add(1)
			return fmt.Errorf("gửi tin: %w", laterErr{at})
		})
		r.Register("test.past", func(ctx context.Context, j jobs.Job) error {
			past.Add(1)
			return laterErr{clock.Now().Add(-time.Minute)}
		})
		a := enqueue(t, d, jobs.Job{Kind: "test.later", MaxAttempts: 1})
		b := enqueue(t, d, jobs.Job{Kind: "test.foreign", MaxAttempts: 1})
		c := enqueue(t, d, jobs.Job{Kind: "test.past", MaxAttempts: 1})
		run(t, r)
		waitFor(t, "the three jobs to run once", func() bool {
			return count(t, d, "SELECT count(*) FROM jobs WHERE state = 'running' OR (state = 'queued' AND attempts > 0)") == 0 &&
				own.Load() == 1 && foreign.Load() == 1 && past.Load() == 1
		})
		for _, id := range []int64{a, b} {
			var state, lastErr string
			var attempts int
			var runAt int64
			if err := d.Reader().QueryRowContext(context.Background(), "SELECT state, attempts, run_at, last_error FROM jobs WHERE id = $1", id).Scan(&state, &attempts, &runAt, &lastErr); err != nil {
				t.Fatal(err)
			}
			if state != "queued" || attempts != 0 || runAt != db.Micros(at) || lastErr == "" {
				t.Errorf("job %d: %s, %d attempts, run at %d (want %d), %q", id, state, attempts, runAt, db.Micros(at), lastErr)
			}
		}
		if n := count(t, d, "SELECT count(*) FROM jobs WHERE id = $1 AND state = 'failed'", c); n != 1 {
			t.Errorf("a moment in the past should fail the job's last attempt")
		}
	})
}
