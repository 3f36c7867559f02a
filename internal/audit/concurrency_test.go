package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

const domainTable = "CREATE TABLE IF NOT EXISTS t_changes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"

// TestConcurrentRecordAndIntegrate runs many writers (some rolling back) and
// several integrators — as several replicas would — at once. On PostgreSQL
// entry ids then commit out of order and leave gaps; the tree must still
// hold every committed entry exactly once, at contiguous indexes.
func TestConcurrentRecordAndIntegrate(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		exec(t, d, domainTable)
		dir := t.TempDir()
		var logs []*audit.Log
		for i := 0; i < 3; i++ {
			l, err := audit.New(d, audit.Options{DataDir: dir, CheckpointEvery: 50, BatchSize: 37})
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l)
		}
		const writers, perWriter = 12, 40
		rollback := errors.New("rollback")
		var wg sync.WaitGroup
		errs := make(chan error, writers+8)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := logs[w%len(logs)]
				for i := 0; i < perWriter; i++ {
					id := int64(w*perWriter + i)
					err := d.Tx(ctx, func(tx *sql.Tx) error {
						if _, err := tx.ExecContext(ctx, "INSERT INTO t_changes (id, body) VALUES ($1, $2)", id, "Đà Nẵng"); err != nil {
							return err
						}
						if err := l.Record(ctx, tx, audit.Entry{Actor: &actor.Actor{AccountID: int64(w), Kind: actor.Official},
							Action: "test.change", ObjectType: "change", ObjectID: fmt.Sprint(id)}); err != nil {
							return err
						}
						if i%5 == 4 {
							return rollback
						}
						return nil
					})
					if err != nil && !errors.Is(err, rollback) {
						errs <- err
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		var iwg sync.WaitGroup
		for _, l := range logs[:2] {
			iwg.Add(1)
			go func() {
				defer iwg.Done()
				for {
					if _, err := l.Integrate(ctx); err != nil {
						errs <- err
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			}()
		}
		// Verify while the log grows: no false alarm.
		iwg.Add(1)
		go func() {
			defer iwg.Done()
			for {
				if rep, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir}); err != nil {
					errs <- fmt.Errorf("Verify during writes: %w (%+v)", err, rep)
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
		wg.Wait()
		close(done)
		iwg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := logs[2].Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		var changes, entries, leaves, maxIdx, orphans int64
		q := `SELECT (SELECT count(*) FROM t_changes), (SELECT count(*) FROM audit_entries),
 (SELECT count(*) FROM audit_leaves), (SELECT coalesce(max(leaf_index), -1) FROM audit_leaves),
 (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM t_changes c WHERE CAST(c.id AS TEXT) = e.object_id))`
		if err := d.Reader().QueryRowContext(ctx, q).Scan(&changes, &entries, &leaves, &maxIdx, &orphans); err != nil {
			t.Fatal(err)
		}
		want := int64(writers * perWriter * 4 / 5)
		if changes != want || entries != want || leaves != want || maxIdx != want-1 || orphans != 0 {
			t.Fatalf("changes=%d entries=%d leaves=%d maxIdx=%d orphans=%d, want %d each, contiguous", changes, entries, leaves, maxIdx, orphans, want)
		}
		rep, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir})
		if err != nil || rep.TreeSize != uint64(want) || rep.Covered != uint64(want) {
			t.Fatalf("Verify = %+v, %v", rep, err)
		}
	})
}

// TestOutOfOrderCommitsOnPostgres pins the sequencing down on PostgreSQL:
// an entry whose id was taken first but whose transaction commits last gets
// the later leaf index, a rolled-back id leaves no hole, and the integrator
// never sees uncommitted entries.
func TestOutOfOrderCommitsOnPostgres(t *testing.T) {
	d := dbtest.Open(t, db.Postgres, audit.Migrations)
	ctx := context.Background()
	dir := t.TempDir()
	l, err := audit.New(d, audit.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	begin := func() *sql.Tx {
		tx, err := d.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	record := func(tx *sql.Tx, obj string) {
		if err := l.Record(ctx, tx, audit.Entry{Action: "test.change", ObjectType: "change", ObjectID: obj}); err != nil {
			t.Fatal(err)
		}
	}
	integrate := func(want int) {
		res, err := l.Integrate(ctx)
		if err != nil || res.Integrated != want {
			t.Fatalf("Integrate = %+v, %v; want %d integrated", res, err, want)
		}
	}
	a, b, c := begin(), begin(), begin()
	record(a, "a") // takes the first id
	record(b, "b")
	record(c, "c")
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	integrate(1) // only b is visible
	if err := c.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	integrate(1)
	rows, err := d.Reader().QueryContext(ctx, "SELECT e.object_id, e.id, l.leaf_index FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id ORDER BY l.leaf_index")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	var ids []int64
	for rows.Next() {
		var obj string
		var id, idx int64
		if err := rows.Scan(&obj, &id, &idx); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s@%d", obj, idx))
		ids = append(ids, id)
	}
	if fmt.Sprint(got) != "[b@0 a@1]" || ids[1] > ids[0] {
		t.Fatalf("leaves = %v (ids %v), want b@0 a@1 with a's id smaller", got, ids)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
}
