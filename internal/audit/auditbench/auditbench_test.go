package auditbench_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditbench"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestSmoke runs every helper briefly on both engines: they work and the
// log they leave verifies. It asserts no speed.
func TestSmoke(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := auditbench.Setup(ctx, d); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		l, err := audit.New(d, audit.Options{DataDir: dir, IntegrateInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for name, run := range map[string]func() (auditbench.Result, error){
			"appends": func() (auditbench.Result, error) { return auditbench.Appends(ctx, d, l, 4, 100*time.Millisecond) },
			"plain":   func() (auditbench.Result, error) { return auditbench.Plain(ctx, d, 4, 100*time.Millisecond) },
			"group": func() (auditbench.Result, error) {
				return auditbench.GroupAppends(ctx, d, l, 4, 16, 100*time.Millisecond)
			},
		} {
			if r, err := run(); err != nil || r.Txs == 0 {
				t.Fatalf("%s: %+v, %v", name, r, err)
			}
		}
		if err := auditbench.Fill(ctx, d, l, 2500); err != nil {
			t.Fatal(err)
		}
		if _, rep, err := auditbench.VerifyTime(ctx, d, audit.VerifyOptions{DataDir: dir}); err != nil || !rep.OK {
			t.Fatalf("verify: %v", err)
		}
	})
}

// TestMeasure prints the figures when CHINHQUYEN_AUDIT_MEASURE is set (the
// number of entries for the verify measurement, e.g. 1000000).
func TestMeasure(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CHINHQUYEN_AUDIT_MEASURE"))
	if n == 0 {
		t.Skip("set CHINHQUYEN_AUDIT_MEASURE=<entries to verify> to measure")
	}
	ctx := context.Background()
	dur := 3 * time.Second
	open := func(t *testing.T, engine db.Dialect, sync string) (*db.DB, string) {
		dir := t.TempDir()
		cfg := db.Config{DataDir: dir, SQLiteSync: sync}
		if engine == db.Postgres {
			cfg.URL = dbtest.NewPostgresDatabase(t)
		}
		d, err := db.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx, quietLog(), audit.Migrations); err != nil {
			t.Fatal(err)
		}
		if err := auditbench.Setup(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d, dir
	}
	for _, c := range []struct {
		engine db.Dialect
		sync   string
	}{{db.SQLite, "FULL"}, {db.SQLite, "NORMAL"}, {db.Postgres, ""}} {
		name := string(c.engine) + "-" + c.sync
		t.Run(name, func(t *testing.T) {
			for _, workers := range []int{1, 8, 32} {
				d, dir := open(t, c.engine, c.sync)
				l, err := audit.New(d, audit.Options{DataDir: dir, Logger: quietLog()})
				if err != nil {
					t.Fatal(err)
				}
				plain, err := auditbench.Plain(ctx, d, workers, dur)
				if err != nil {
					t.Fatal(err)
				}
				app, err := auditbench.Appends(ctx, d, l, workers, dur)
				if err != nil {
					t.Fatal(err)
				}
				line := ""
				if c.engine == db.SQLite {
					g, err := auditbench.GroupAppends(ctx, d, l, workers, 64, dur)
					if err != nil {
						t.Fatal(err)
					}
					line = fmt.Sprintf("; group-commit appends %d tx/s (%v CPU/tx)", int(g.PerSecond()), g.CPUPerTx().Round(time.Microsecond))
				}
				t.Logf("%s workers=%d: plain %d tx/s (%v CPU/tx), appends %d tx/s (%v CPU/tx, %.2f of plain)%s", name, workers,
					int(plain.PerSecond()), plain.CPUPerTx().Round(time.Microsecond), int(app.PerSecond()),
					app.CPUPerTx().Round(time.Microsecond), app.PerSecond()/plain.PerSecond(), line)
			}
			if c.sync == "NORMAL" {
				return // verify time does not depend on the sync mode
			}
			d, dir := open(t, c.engine, "NORMAL")
			l, err := audit.New(d, audit.Options{DataDir: dir, Logger: quietLog(), BatchSize: 20000})
			if err != nil {
				t.Fatal(err)
			}
			start := clock.Now()
			if err := auditbench.Fill(ctx, d, l, n); err != nil {
				t.Fatal(err)
			}
			fill := time.Since(start)
			took, rep, err := auditbench.VerifyTime(ctx, d, audit.VerifyOptions{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: filled %d entries in %v; Verify %v (tree %d, %d checkpoints)", name, n, fill.Round(time.Millisecond),
				took.Round(time.Millisecond), rep.TreeSize, rep.Checkpoints)
		})
	}
}
