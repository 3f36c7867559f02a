package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

func init() {
	suites = append(suites, suite{name: "jobs", run: benchJobs})
}

// jobsProducers are concurrent requests each committing one change with its
// job; jobsWorkers the runner's handlers.
const (
	jobsProducers = 32
	jobsWorkers   = 16
)

// benchJobs measures the job queue end to end: jobsProducers requests each
// commit one db.Tx holding one domain row and one jobs.Enqueue, while a
// Runner with jobsWorkers workers claims, runs (a handler that does
// nothing) and deletes them; the figure is jobs run per second from the
// first enqueue to the last job done (the queue drained after the
// producers stop). The limit of the same run is the same transactions
// without the job. SQLite with FULL sync, and PostgreSQL when
// CHINHQUYEN_BENCH_POSTGRES names a server.
func benchJobs(o *opts) ([]row, error) {
	ctx := context.Background()
	name := func(engine string) string {
		return fmt.Sprintf("jobs enqueued in a db.Tx (domain row + job) and run, %d requests, %d workers, %s", jobsProducers, jobsWorkers, engine)
	}
	got, plain, err := jobsEndToEnd(ctx, o, db.Config{SQLiteSync: "FULL"})
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rows := []row{{Name: name("SQLite FULL"), Value: got, Unit: "jobs/s",
		Limit: "same transactions without the job", LimitV: plain, Goal: "≥ 2,000/s"}}
	if server := os.Getenv("CHINHQUYEN_BENCH_POSTGRES"); server != "" {
		u, drop, err := benchPostgresDB(ctx, server)
		if err != nil {
			return nil, err
		}
		got, plain, err := jobsEndToEnd(ctx, o, db.Config{URL: u})
		drop()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		rows = append(rows, row{Name: name("PostgreSQL"), Value: got, Unit: "jobs/s",
			Limit: "same transactions without the job", LimitV: plain})
	}
	return rows, nil
}

func jobsEndToEnd(ctx context.Context, o *opts, cfg db.Config) (perSec, plainPerSec float64, err error) {
	d, _, closeDB, err := freshDB(ctx, o, cfg, "jobs", jobs.Migrations)
	if err != nil {
		return 0, 0, err
	}
	defer closeDB()
	if _, err := d.Writer().ExecContext(ctx, `CREATE TABLE bench_things (id BIGINT PRIMARY KEY, worker BIGINT NOT NULL, note TEXT NOT NULL)`); err != nil {
		return 0, 0, err
	}
	var next atomic.Int64
	change := func(tx *sql.Tx, w int) (int64, error) {
		id := next.Add(1)
		_, err := tx.ExecContext(ctx, "INSERT INTO bench_things (id, worker, note) VALUES ($1, $2, 'hồ sơ mới')", id, w)
		return id, err
	}
	produce := func(dur time.Duration, withJob bool) (int64, error) {
		var n atomic.Int64
		var first error
		var once sync.Once
		deadline := clock.Now().Add(dur)
		var wg sync.WaitGroup
		for w := 0; w < jobsProducers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for clock.Now().Before(deadline) {
					err := d.Tx(ctx, func(tx *sql.Tx) error {
						id, err := change(tx, w)
						if err != nil || !withJob {
							return err
						}
						_, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: "bench.thing", Payload: []byte(fmt.Sprintf(`{"thing":%d}`, id))})
						return err
					})
					if err != nil {
						once.Do(func() { first = err })
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		return n.Load(), first
	}

	start := clock.Now()
	plain, err := produce(o.duration, false)
	if err != nil {
		return 0, 0, err
	}
	plainPerSec = float64(plain) / clock.Now().Sub(start).Seconds()

	var ran atomic.Int64
	r := jobs.NewRunner(d, jobs.Options{Logger: o.log, Workers: jobsWorkers, PollInterval: 50 * time.Millisecond})
	r.Register("bench.thing", func(context.Context, jobs.Job) error { ran.Add(1); return nil })
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	start = clock.Now()
	enq, err := produce(o.duration, true)
	if err == nil {
		limit := clock.Now().Add(10*o.duration + 30*time.Second)
		for ran.Load() < enq && clock.Now().Before(limit) {
			time.Sleep(time.Millisecond)
		}
		if ran.Load() < enq {
			err = fmt.Errorf("only %d of %d jobs ran", ran.Load(), enq)
		}
	}
	took := clock.Now().Sub(start)
	stop()
	if rerr := <-done; err == nil {
		err = rerr
	}
	if err != nil {
		return 0, 0, err
	}
	return float64(enq) / took.Seconds(), plainPerSec, nil
}
