package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

var t0 = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// fixedClock returns a clock that advances one second per call.
func fixedClock() func() time.Time {
	n := 0
	return func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) }
}

func TestRecordCommitsAndRollsBackWithTheChange(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l, err := audit.New(d, audit.Options{Now: fixedClock()})
		if err != nil {
			t.Fatal(err)
		}
		official := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 3, IP: "10.0.0.5", SessionID: "s-1"}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			return l.Record(ctx, tx, audit.Entry{Actor: official, Action: "org.units.import", ObjectType: "unit", ObjectID: "42",
				After: map[string]any{"name": "Phường Ba Đình", "password": "x"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if err := l.Record(ctx, tx, audit.Entry{Action: "org.units.delete", ObjectType: "unit", ObjectID: "42"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		var n int
		var action, kind string
		var account, at int64
		if err := d.Reader().QueryRowContext(ctx,
			"SELECT count(*), min(action), min(actor_kind), min(actor_account), min(at) FROM audit_entries").
			Scan(&n, &action, &kind, &account, &at); err != nil {
			t.Fatal(err)
		}
		if n != 1 || action != "org.units.import" || kind != "official" || account != 7 || at != db.Micros(t0.Add(time.Second)) {
			t.Fatalf("stored: n=%d action=%q kind=%q account=%d at=%d", n, action, kind, account, at)
		}
	})
}

func TestRecordRejectsMalformedEntries(t *testing.T) {
	d := dbtest.SQLite(t, audit.Migrations)
	l, err := audit.New(d, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := make([]byte, audit.MaxReasonLen+1)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name string
		e    audit.Entry
	}{
		{"empty action", audit.Entry{}},
		{"upper case action", audit.Entry{Action: "Org.Units"}},
		{"double dot", audit.Entry{Action: "org..units"}},
		{"unknown outcome", audit.Entry{Action: "org.units.import", Outcome: "maybe"}},
		{"reason too long", audit.Entry{Action: "org.units.import", Reason: string(long)}},
		{"invalid utf-8", audit.Entry{Action: "org.units.import", ObjectID: "\xff"}},
		{"unmarshalable after", audit.Entry{Action: "org.units.import", After: func() {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Tx(context.Background(), func(tx *sql.Tx) error {
				return l.Record(context.Background(), tx, tc.e)
			})
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Record(%+v) = %v, want EINVALID", tc.e, err)
			}
		})
	}
}
