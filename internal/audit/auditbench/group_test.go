package auditbench_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditbench"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestGroupCommitIsolatesFailures: in a shared group transaction a failing
// request rolls back its own writes only, and every request gets its own
// result after the commit.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := auditbench.Setup(ctx, d); err != nil {
			t.Fatal(err)
		}
		g := auditbench.NewGroupCommitter(ctx, d, 16)
		boom := errors.New("boom")
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = g.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, "INSERT INTO bench_changes (id, title, at) VALUES ($1, 'x', 0)", i); err != nil {
						return err
					}
					if i%4 == 0 {
						return boom
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (i%4 == 0) != errors.Is(err, boom) || (i%4 != 0 && err != nil) {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		var n, bad int
		if err := d.Reader().QueryRowContext(ctx, "SELECT count(*), coalesce(sum(CASE WHEN id % 4 = 0 THEN 1 ELSE 0 END), 0) FROM bench_changes").Scan(&n, &bad); err != nil {
			t.Fatal(err)
		}
		if n != 30 || bad != 0 {
			t.Fatalf("rows = %d (failed ones: %d), want 30 and 0", n, bad)
		}
	})
}
