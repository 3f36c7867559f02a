package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// Group commit semantics on SQLite (see group.go). These tests reach into
// the writer (package db) to line calls up deterministically: a first call
// holds the writer inside its fn until the others are queued behind it, so
// they form the next group.

func groupDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if d.group == nil {
		t.Fatal("SQLite without group commit")
	}
	for _, q := range []string{
		"CREATE TABLE parent (id INTEGER PRIMARY KEY)",
		"CREATE TABLE item (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
		"INSERT INTO parent (id) VALUES (1)",
	} {
		if _, err := d.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func insert(ctx context.Context, tx *sql.Tx, id, parent int) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO item (id, parent) VALUES ($1, $2)", id, parent)
	return err
}

func items(t *testing.T, d *DB) map[int]bool {
	t.Helper()
	rows, err := d.Reader().QueryContext(context.Background(), "SELECT id FROM item")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	return out
}

// lineUp runs a first call whose fn waits until n more calls are queued
// behind it, then starts the calls (each in its goroutine) and returns
// their results once all returned. results[i] is call i's error, or the
// panic value as an error.
func lineUp(t *testing.T, d *DB, calls []func(tx *sql.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	first := 1000 + int(firstIDs.Add(1))
	release, started := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- d.Tx(ctx, func(tx *sql.Tx) error {
			close(started)
			<-release
			return insert(ctx, tx, first, 1)
		})
	}()
	<-started // the writer is busy with the first call
	results := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, fn := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					results[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			results[i] = d.Tx(ctx, fn)
		}()
		// One at a time, so the group keeps the order of calls.
		waitFor(t, func() bool { return len(d.group.reqs) == i+1 })
	}
	before := d.group.commits.Load()
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatalf("first call: %v", err)
	}
	wg.Wait()
	if got := d.group.commits.Load() - before; got > 2 {
		t.Fatalf("%d commits for the first call and one group", got)
	}
	return results
}

var firstIDs atomic.Int64

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := clock.Now().Add(10 * time.Second)
	for !cond() {
		if clock.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitIsolatesFailuresPanicsAndGoexit(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var sawEarlier bool
	results := lineUp(t, d, []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return insert(ctx, tx, 1, 1) },
		func(tx *sql.Tx) error { // fails after writing: only its row goes
			if err := insert(ctx, tx, 2, 1); err != nil {
				return err
			}
			return boom
		},
		func(tx *sql.Tx) error { // sees the first call's row, not the failed one's
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM item WHERE id IN (1, 2)").Scan(&n); err != nil {
				return err
			}
			sawEarlier = n == 1
			return insert(ctx, tx, 3, 1)
		},
		func(tx *sql.Tx) error { // panics after writing
			_ = insert(ctx, tx, 4, 1)
			panic("kaput")
		},
		func(tx *sql.Tx) error { // a statement error: the caller gets it
			return insert(ctx, tx, 1, 1)
		},
		func(tx *sql.Tx) error { return insert(ctx, tx, 5, 1) },
	})
	want := []string{"", "boom", "", "panic: kaput", "UNIQUE", ""}
	for i, err := range results {
		switch {
		case want[i] == "" && err != nil, want[i] != "" && (err == nil || !contains(err.Error(), want[i])):
			t.Errorf("call %d: %v, want %q", i, err, want[i])
		}
	}
	if !errors.Is(results[1], boom) {
		t.Errorf("the fn's error is not returned as is: %v", results[1])
	}
	if !sawEarlier {
		t.Error("a call did not see the writes of the call before it in its group")
	}
	got := items(t, d)
	for id, want := range map[int]bool{1: true, 2: false, 3: true, 4: false, 5: true} {
		if got[id] != want {
			t.Errorf("row %d present = %v, want %v", id, got[id], want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestGroupCommitGoexitRollsBackOnlyThatCall(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	results := lineUp(t, d, []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return insert(ctx, tx, 1, 1) },
		func(tx *sql.Tx) error {
			_ = insert(ctx, tx, 2, 1)
			runtime.Goexit() // what t.FailNow does in a fn: the goroutine ends, defers run
			return nil
		},
		func(tx *sql.Tx) error { return insert(ctx, tx, 3, 1) },
	})
	if results[0] != nil || results[2] != nil {
		t.Fatalf("results %v", results)
	}
	got := items(t, d)
	if !got[1] || got[2] || !got[3] {
		t.Fatalf("rows %v", got)
	}
}

// A failed COMMIT fails every call of the group, and none of their rows
// stays; the next group commits normally.
func TestGroupCommitFailureFailsTheWholeGroup(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	results := lineUp(t, d, []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return insert(ctx, tx, 1, 1) },
		// A deferred foreign key is checked at COMMIT: the fn succeeds,
		// the commit fails.
		func(tx *sql.Tx) error { return insert(ctx, tx, 2, 99) },
		func(tx *sql.Tx) error { return insert(ctx, tx, 3, 1) },
	})
	for i, err := range results {
		if err == nil || !contains(err.Error(), "commit transaction") || !contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("call %d: %v, want the commit's error", i, err)
		}
	}
	got := items(t, d)
	if got[1] || got[2] || got[3] {
		t.Fatalf("rows of a failed group stayed: %v", got)
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return insert(ctx, tx, 4, 1) }); err != nil || !items(t, d)[4] {
		t.Fatalf("next call after a failed group: %v", err)
	}
	// A lone call's commit failure is its own.
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return insert(ctx, tx, 5, 98) }); err == nil || !contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("lone call with a failing commit: %v", err)
	}
}

// When a fn loses the shared transaction (here by ROLLBACK; in life an
// interrupted write statement or an I/O error), the calls before it fail
// with ErrGroupAborted and nothing of theirs stays, the calls after it run
// in a new transaction; a fn that swallows the loss cannot make the commit
// succeed without the earlier work.
func TestGroupCommitLostTransaction(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	results := lineUp(t, d, []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return insert(ctx, tx, 1, 1) },
		func(tx *sql.Tx) error {
			_, _ = tx.ExecContext(ctx, "ROLLBACK")
			return errors.New("interrupted")
		},
		func(tx *sql.Tx) error { return insert(ctx, tx, 3, 1) },
	})
	if !errors.Is(results[0], ErrGroupAborted) || results[1] == nil || results[2] != nil {
		t.Fatalf("results %v", results)
	}
	if got := items(t, d); got[1] || !got[3] {
		t.Fatalf("rows %v", got)
	}

	results = lineUp(t, d, []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return insert(ctx, tx, 11, 1) },
		func(tx *sql.Tx) error {
			_, _ = tx.ExecContext(ctx, "ROLLBACK")
			return insert(ctx, tx, 12, 1) // autocommitted: outside any transaction
		},
	})
	if !errors.Is(results[0], ErrGroupAborted) || !errors.Is(results[1], ErrGroupAborted) {
		t.Fatalf("results after a swallowed loss %v", results)
	}
	if got := items(t, d); got[11] {
		t.Fatalf("the first call's row stayed although its transaction was lost: %v", got)
	}
}

// A caller whose context ends while it waits in the queue gets the
// context's error and its fn never runs; the others are unaffected.
func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	release, started := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- d.Tx(ctx, func(tx *sql.Tx) error { close(started); <-release; return insert(ctx, tx, 1, 1) })
	}()
	<-started
	cctx, cancel := context.WithCancel(ctx)
	ran := false
	cancelled := make(chan error, 1)
	go func() {
		cancelled <- d.Tx(cctx, func(tx *sql.Tx) error { ran = true; return insert(ctx, tx, 2, 1) })
	}()
	waitFor(t, func() bool { return len(d.group.reqs) == 1 })
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return insert(ctx, tx, 3, 1) }); err != nil {
		t.Fatal(err)
	}
	if got := items(t, d); ran || !got[1] || got[2] || !got[3] {
		t.Fatalf("ran=%v rows %v", ran, got)
	}
}

// Many concurrent callers: every acknowledged row is there, every failed
// one is not, and they shared transactions (fewer commits than calls).
func TestGroupCommitUnderLoad(t *testing.T) {
	d := groupDB(t)
	ctx := context.Background()
	const workers, each = 32, 25
	var wg sync.WaitGroup
	errs := make([]error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := w*each + i + 1
				errs[id-1] = d.Tx(ctx, func(tx *sql.Tx) error {
					if err := insert(ctx, tx, id, 1); err != nil {
						return err
					}
					if id%10 == 0 {
						return fmt.Errorf("refused %d", id)
					}
					return nil
				})
			}
		}()
	}
	wg.Wait()
	got := items(t, d)
	for i, err := range errs {
		id := i + 1
		if (err == nil) != got[id] || (id%10 == 0) == (err == nil) {
			t.Fatalf("call %d: err %v, row present %v", id, err, got[id])
		}
	}
	commits, calls := d.group.commits.Load(), d.group.calls.Load()
	if calls != workers*each*9/10 || commits >= calls {
		t.Fatalf("%d calls committed in %d transactions", calls, commits)
	}
	t.Logf("%d calls in %d transactions", calls, commits)
}

func TestTxAfterCloseFails(t *testing.T) {
	d := groupDB(t)
	d.Close()
	err := d.Tx(context.Background(), func(tx *sql.Tx) error { return nil })
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Tx after Close: %v", err)
	}
}
