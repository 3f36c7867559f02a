package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// ProveLatest proves against the newest checkpoint (the one published by
// GET /api/v1/audit/checkpoint), signing one when it does not cover the
// entry yet; Get reads one entry; Filter.Validate refuses what Query would.
func TestProveLatestGetAndValidate(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l, _ := filled(t, d, 23)
		first := idAt(t, d, 0)
		p, err := l.ProveLatest(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if p.TreeSize != 23 {
			t.Fatalf("proof against a tree of %d, want the latest (23)", p.TreeSize)
		}
		if old, err := l.Prove(ctx, first); err != nil || old.TreeSize != 5 {
			t.Fatalf("Prove still uses the oldest covering checkpoint: %+v, %v", old, err)
		}
		var id int64
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if err := l.Record(ctx, tx, audit.Entry{Actor: &actor.Actor{AccountID: 9, Kind: actor.Official, AgencyID: 11},
				Action: "org.units.rename", ObjectType: "unit", ObjectID: "x", Outcome: audit.OutcomeDenied}); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT max(id) FROM audit_entries").Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err = l.ProveLatest(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := audit.LatestCheckpoint(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if p.TreeSize != 24 || cp.Size != 24 || p.Checkpoint != cp.Note {
			t.Fatalf("proof of a new entry: tree %d, latest checkpoint %d", p.TreeSize, cp.Size)
		}
		if err := audit.VerifyInclusion(p, l.VerifierKey()); err != nil {
			t.Fatal(err)
		}
		if _, err := l.ProveLatest(ctx, 987654); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown entry: %v", err)
		}

		r, err := audit.Get(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != id || r.ActorAgency != 11 || r.Outcome != audit.OutcomeDenied || r.LeafIndex != 23 || !r.At.After(t0) {
			t.Fatalf("Get = %+v", r)
		}
		if _, err := audit.Get(ctx, d, 987654); !apperr.Is(err, apperr.NotFound) || errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("Get of an unknown entry: %v", err)
		}
		for _, f := range []audit.Filter{{Outcome: "maybe"}, {ObjectID: "1"}, {ActionPrefix: "Org"}, {After: "x"}} {
			if err := f.Validate(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("Validate(%+v) = %v, want EINVALID", f, err)
			}
		}
		if err := (audit.Filter{ActionPrefix: "org.", Outcome: "ok", ObjectType: "unit", ObjectID: "1"}).Validate(); err != nil {
			t.Errorf("a good filter: %v", err)
		}
	})
}
