package audit_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// BenchmarkRecordAndIntegrate measures the CPU cost of Record plus
// integration per entry (SQLite, 1000 entries a transaction). Throughput
// figures belong to bench/ (see auditbench).
func BenchmarkRecordAndIntegrate(b *testing.B) {
	d := dbtest.SQLite(b, audit.Migrations)
	l, err := audit.New(d, audit.Options{DataDir: b.TempDir(), BatchSize: 1000})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a := &actor.Actor{AccountID: 1, Kind: actor.Official, AgencyID: 42, IP: "10.1.2.3", SessionID: "s"}
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for j := i; j < min(i+1000, b.N); j++ {
				if err := l.Record(ctx, tx, audit.Entry{Actor: a, Action: "bench.dossier.create", ObjectType: "dossier",
					ObjectID: strconv.Itoa(j), After: map[string]any{"id": j, "title": "Hồ sơ", "status": "received"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Integrate(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
