package audit_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	osexec "os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

const envCrashChild = "CHINHQUYEN_AUDIT_CRASH_CHILD"

// TestCrashChild is the child of TestCrashLosesNoAcknowledgedEntry: it
// commits changes with their entries until killed, printing each
// acknowledged id, while the integrator runs.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashChild)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashLosesNoAcknowledgedEntry")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := d.Migrate(ctx, quiet, audit.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Writer().ExecContext(ctx, domainTable); err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, audit.Options{DataDir: dir, Logger: quiet, CheckpointEvery: 100, IntegrateInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go l.Run(ctx)
	var next int64
	if err := d.Reader().QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM t_changes").Scan(&next); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	for id := next; ; id++ {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO t_changes (id, body) VALUES ($1, $2)", id, "Hà Giang"); err != nil {
				return err
			}
			return l.Record(ctx, tx, audit.Entry{Action: "test.change", ObjectType: "change", ObjectID: strconv.FormatInt(id, 10)})
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(id) // acknowledged: the commit returned
	}
}

// TestCrashLosesNoAcknowledgedEntry kills a writing child with SIGKILL at a
// random moment, several times, and checks after each crash that every
// acknowledged change has its entry, no entry exists without its change, and
// the log verifies once the integrator caught up.
func TestCrashLosesNoAcknowledgedEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	ctx := context.Background()
	for round := 0; round < 4; round++ {
		cmd := osexec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashChild+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		if !sc.Scan() || sc.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %q", sc.Text())
		}
		// The random moment: after a random number of acknowledgements.
		killAfter := 50 + rand.IntN(400)
		var acked []int64
		for sc.Scan() {
			id, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				continue
			}
			acked = append(acked, id)
			if len(acked) == killAfter {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		cmd.Wait()
		if len(acked) < killAfter {
			t.Fatalf("round %d: child stopped after %d acknowledgements", round, len(acked))
		}

		d, err := db.Open(ctx, db.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range acked {
			var n int
			if err := d.Reader().QueryRowContext(ctx,
				"SELECT count(*) FROM t_changes c JOIN audit_entries e ON e.object_id = CAST(c.id AS TEXT) WHERE c.id = $1", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("round %d: acknowledged change %d has %d entries", round, id, n)
			}
		}
		var orphans, unaudited int
		if err := d.Reader().QueryRowContext(ctx, `SELECT
 (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM t_changes c WHERE CAST(c.id AS TEXT) = e.object_id)),
 (SELECT count(*) FROM t_changes c WHERE NOT EXISTS (SELECT 1 FROM audit_entries e WHERE e.object_id = CAST(c.id AS TEXT)))`).
			Scan(&orphans, &unaudited); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 || unaudited != 0 {
			t.Fatalf("round %d: %d entries without change, %d changes without entry", round, orphans, unaudited)
		}
		l, err := audit.New(d, audit.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir})
		if err != nil {
			t.Fatalf("round %d: Verify after crash: %v", round, err)
		}
		t.Logf("round %d: killed after %d acknowledgements; tree %d entries, %d checkpoints", round, len(acked), rep.TreeSize, rep.Checkpoints)
		d.Close()
	}
}
