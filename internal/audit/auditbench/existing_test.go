package auditbench_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditbench"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// TestVerifyDataDir fills (once) and verifies the SQLite log in
// CHINHQUYEN_AUDIT_DIR with CHINHQUYEN_AUDIT_MEASURE entries, for profiling
// Verify on a kept database: go test -run TestVerifyDataDir -cpuprofile …
func TestVerifyDataDir(t *testing.T) {
	dir := os.Getenv("CHINHQUYEN_AUDIT_DIR")
	n, _ := strconv.Atoi(os.Getenv("CHINHQUYEN_AUDIT_MEASURE"))
	if dir == "" || n == 0 {
		t.Skip("set CHINHQUYEN_AUDIT_DIR and CHINHQUYEN_AUDIT_MEASURE")
	}
	ctx := context.Background()
	// CHINHQUYEN_AUDIT_URL selects a PostgreSQL database instead.
	d, err := db.Open(ctx, db.Config{DataDir: dir, SQLiteSync: "NORMAL", URL: os.Getenv("CHINHQUYEN_AUDIT_URL")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, quietLog(), audit.Migrations); err != nil {
		t.Fatal(err)
	}
	if err := auditbench.Setup(ctx, d); err != nil {
		t.Fatal(err)
	}
	var have int
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_entries").Scan(&have); err != nil {
		t.Fatal(err)
	}
	if have < n {
		l, err := audit.New(d, audit.Options{DataDir: dir, Logger: quietLog(), BatchSize: 20000})
		if err != nil {
			t.Fatal(err)
		}
		if err := auditbench.Fill(ctx, d, l, n-have); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		took, rep, err := auditbench.VerifyTime(ctx, d, audit.VerifyOptions{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Verify of %d entries: %v", rep.TreeSize, took.Round(time.Millisecond))
	}
}
