// Package auditbench holds what the bench/ program calls to measure the
// audit log, so the figures come from the same code paths as real requests:
//
//   - Appends: durable appends per second, one transaction per request that
//     writes one small domain row and its audit entry (the integrator runs
//     alongside, as in `serve`);
//   - Plain: the limit of the same run — the same transactions without the
//     audit entry;
//   - GroupAppends: the same requests committed by the group-commit
//     prototype below (several requests per SQLite transaction, each in its
//     own savepoint, each acknowledged only after the shared commit). db.Tx
//     now does this itself on SQLite (internal/db/group.go), so Appends
//     measures group commit already; the prototype stays for comparison;
//   - Fill and VerifyTime: verification time of a log of n entries.
//
// Every function takes an open database migrated with audit.Migrations;
// Setup creates the domain table they write.
package auditbench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Result is one throughput measurement.
type Result struct {
	Txs      int64         // acknowledged (committed) transactions
	Duration time.Duration // wall time
	// CPU is the process's user+system time during the run: on a shared
	// machine CPU per transaction is steadier than throughput.
	CPU time.Duration
}

// CPUPerTx is the process CPU time per acknowledged transaction.
func (r Result) CPUPerTx() time.Duration {
	if r.Txs == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Txs)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Txs) / r.Duration.Seconds()
}

// Setup creates the benchmark's domain table (idempotent).
func Setup(ctx context.Context, d *db.DB) error {
	_, err := d.Writer().ExecContext(ctx,
		"CREATE TABLE IF NOT EXISTS bench_changes (id BIGINT PRIMARY KEY, title TEXT NOT NULL, at BIGINT NOT NULL)")
	return err
}

var nextID atomic.Int64

func init() { nextID.Store(clock.Now().UnixNano()) }

// request is what one request does inside its transaction.
func request(ctx context.Context, tx *sql.Tx, l *audit.Log, a *actor.Actor) error {
	id := nextID.Add(1)
	title := "Hồ sơ đăng ký khai sinh " + strconv.FormatInt(id, 10)
	if _, err := tx.ExecContext(ctx, "INSERT INTO bench_changes (id, title, at) VALUES ($1, $2, $3)", id, title, clock.Now().UnixMicro()); err != nil {
		return err
	}
	if l == nil {
		return nil
	}
	return l.Record(ctx, tx, audit.Entry{Actor: a, Action: "bench.dossier.create", ObjectType: "dossier",
		ObjectID: strconv.FormatInt(id, 10), After: map[string]any{"id": id, "title": title, "status": "received"}})
}

func benchActor(w int) *actor.Actor {
	return &actor.Actor{AccountID: int64(w + 1), Kind: actor.Official, AgencyID: 42, IP: "10.1.2.3", SessionID: "bench-" + strconv.Itoa(w)}
}

// Appends runs workers concurrent requests for dur, each in its own
// transaction (db.Tx) writing a domain row and its audit entry; l's
// integrator runs alongside. It returns the acknowledged transactions.
func Appends(ctx context.Context, d *db.DB, l *audit.Log, workers int, dur time.Duration) (Result, error) {
	ictx, stop := context.WithCancel(ctx)
	var iwg sync.WaitGroup
	iwg.Add(1)
	go func() { defer iwg.Done(); l.Run(ictx) }()
	res, err := load(ctx, workers, dur, func(w int) error {
		return d.Tx(ctx, func(tx *sql.Tx) error { return request(ctx, tx, l, benchActor(w)) })
	})
	stop()
	iwg.Wait()
	return res, err
}

// Plain is the limit: the same transactions without the audit entry.
func Plain(ctx context.Context, d *db.DB, workers int, dur time.Duration) (Result, error) {
	return load(ctx, workers, dur, func(w int) error {
		return d.Tx(ctx, func(tx *sql.Tx) error { return request(ctx, tx, nil, benchActor(w)) })
	})
}

func load(ctx context.Context, workers int, dur time.Duration, do func(w int) error) (Result, error) {
	if workers <= 0 {
		workers = 8
	}
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := clock.Now().Add(dur)
	start, cpu0 := clock.Now(), cpuTime()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clock.Now().Before(deadline) && ctx.Err() == nil {
				if err := do(w); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return Result{Txs: n.Load(), Duration: time.Since(start), CPU: cpuTime() - cpu0}, firstErr
}

// GroupCommitter runs requests' transaction bodies through one writer
// goroutine that commits up to MaxBatch of them in one transaction, each in
// its own SAVEPOINT: a failing request rolls back only its own work, and
// every request is acknowledged only after the shared COMMIT returned — so
// an acknowledged change is as durable as with one transaction each, at one
// fsync per batch instead of per request. The prototype of db.Tx's group
// commit on SQLite (internal/db/group.go), which runs each fn on its
// caller's goroutine instead.
type GroupCommitter struct {
	d        *db.DB
	reqs     chan *groupReq
	MaxBatch int
}

type groupReq struct {
	fn   func(tx *sql.Tx) error
	done chan error
}

// NewGroupCommitter starts the writer; it stops when ctx ends.
func NewGroupCommitter(ctx context.Context, d *db.DB, maxBatch int) *GroupCommitter {
	g := &GroupCommitter{d: d, reqs: make(chan *groupReq, 1024), MaxBatch: maxBatch}
	go g.run(ctx)
	return g
}

// Tx runs fn in the next group transaction and returns after its commit.
func (g *GroupCommitter) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	r := &groupReq{fn: fn, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-r.done
}

func (g *GroupCommitter) run(ctx context.Context) {
	for {
		var batch []*groupReq
		select {
		case r := <-g.reqs:
			batch = append(batch, r)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < g.MaxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		results := make([]error, len(batch))
		err := g.d.Tx(ctx, func(tx *sql.Tx) error {
			for i, r := range batch {
				if _, err := tx.ExecContext(ctx, "SAVEPOINT req"); err != nil {
					return err
				}
				results[i] = r.fn(tx)
				if results[i] != nil {
					if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT req"); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT req"); err != nil {
					return err
				}
			}
			return nil
		})
		for i, r := range batch {
			if err != nil {
				r.done <- fmt.Errorf("group commit: %w", err)
			} else {
				r.done <- results[i]
			}
		}
	}
}

// GroupAppends is Appends through a GroupCommitter.
func GroupAppends(ctx context.Context, d *db.DB, l *audit.Log, workers, maxBatch int, dur time.Duration) (Result, error) {
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	g := NewGroupCommitter(gctx, d, maxBatch)
	var iwg sync.WaitGroup
	iwg.Add(1)
	go func() { defer iwg.Done(); l.Run(gctx) }()
	res, err := load(ctx, workers, dur, func(w int) error {
		return g.Tx(ctx, func(tx *sql.Tx) error { return request(ctx, tx, l, benchActor(w)) })
	})
	stop()
	iwg.Wait()
	return res, err
}

// Fill records n entries quickly (10,000 per transaction), integrates them
// and signs a checkpoint, to prepare VerifyTime.
func Fill(ctx context.Context, d *db.DB, l *audit.Log, n int) error {
	for done := 0; done < n; {
		k := min(10000, n-done)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i := 0; i < k; i++ {
				if err := request(ctx, tx, l, benchActor(i%16)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += k
		if _, err := l.Integrate(ctx); err != nil {
			return err
		}
	}
	_, err := l.Checkpoint(ctx)
	return err
}

// VerifyTime runs audit.Verify and returns its wall time and report.
func VerifyTime(ctx context.Context, d *db.DB, opts audit.VerifyOptions) (time.Duration, *audit.VerifyReport, error) {
	start := clock.Now()
	rep, err := audit.Verify(ctx, d, opts)
	if err != nil && !errors.Is(err, audit.ErrTampered) {
		return 0, nil, err
	}
	return time.Since(start), rep, err
}
