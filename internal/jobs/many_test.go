package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// EnqueueMany writes every job of its transaction or none, skips a live
// unique key, and refuses a bad job before writing anything.
func TestEnqueueMany(t *testing.T) {
	dbtest.Each(t, []db.Migrations{jobs.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		js := make([]jobs.Job, 450)
		for i := range js {
			js[i] = jobs.Job{Kind: "test.many", Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		}
		js[7].UniqueKey, js[8].UniqueKey = "k", "k"
		count := func() (n int) {
			d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM jobs").Scan(&n)
			return
		}
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := jobs.EnqueueMany(ctx, tx, js); err != nil {
				return err
			}
			return errors.New("rolled back")
		})
		if err == nil || count() != 0 {
			t.Fatalf("a rolled back transaction left %d jobs", count())
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return jobs.EnqueueMany(ctx, tx, js) }); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 449 {
			t.Fatalf("%d jobs, want 449 (one unique key twice)", n)
		}
		bad := []jobs.Job{{Kind: "ok.kind"}, {Kind: "Bad Kind"}}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return jobs.EnqueueMany(ctx, tx, bad) }); err == nil || count() != 449 {
			t.Fatalf("a bad kind: %v, %d jobs", err, count())
		}
	})
}
