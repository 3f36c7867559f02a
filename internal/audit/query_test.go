package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

func TestQueryFiltersAndPages(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := fixedClock() // t0+1s, t0+2s, …
		l, err := audit.New(d, audit.Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		alice := &actor.Actor{AccountID: 1, Kind: actor.Official, AgencyID: 10}
		bob := &actor.Actor{AccountID: 2, Kind: actor.Official, AgencyID: 20}
		entries := []audit.Entry{
			{Actor: alice, Action: "org.units.import", ObjectType: "unit", ObjectID: "1"},                          // 1
			{Actor: bob, Action: "org.units.rename", ObjectType: "unit", ObjectID: "1"},                            // 2
			{Actor: alice, Action: "identity.login.fail", ObjectType: "account", ObjectID: "1", Outcome: "failed"}, // 3
			{Actor: bob, Action: "org", ObjectType: "unit", ObjectID: "2"},                                         // 4
			{Actor: bob, Action: "orgx.thing", ObjectType: "unit", ObjectID: "2", Outcome: "denied"},               // 5
			{Action: "pki.cert.revoke", ObjectType: "certificate", ObjectID: "=cmd|' /C calc'!A0"},                 // 6
		}
		for _, e := range entries {
			if err := d.Tx(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
		tests := []struct {
			name string
			f    audit.Filter
			want []string // actions, newest first
		}{
			{"all", audit.Filter{}, []string{"pki.cert.revoke", "orgx.thing", "org", "identity.login.fail", "org.units.rename", "org.units.import"}},
			{"person", audit.Filter{Account: 1}, []string{"identity.login.fail", "org.units.import"}},
			{"agency", audit.Filter{Agency: 20}, []string{"orgx.thing", "org", "org.units.rename"}},
			{"object", audit.Filter{ObjectType: "unit", ObjectID: "1"}, []string{"org.units.rename", "org.units.import"}},
			{"object type", audit.Filter{ObjectType: "certificate"}, []string{"pki.cert.revoke"}},
			{"action prefix", audit.Filter{ActionPrefix: "org"}, []string{"org", "org.units.rename", "org.units.import"}},
			{"action prefix with dot", audit.Filter{ActionPrefix: "org.units."}, []string{"org.units.rename", "org.units.import"}},
			{"exact action", audit.Filter{ActionPrefix: "org.units.rename"}, []string{"org.units.rename"}},
			{"period", audit.Filter{From: at(2), To: at(4)}, []string{"identity.login.fail", "org.units.rename"}},
			{"outcome", audit.Filter{Outcome: "denied"}, []string{"orgx.thing"}},
			{"combined", audit.Filter{Agency: 20, ActionPrefix: "org", From: at(3)}, []string{"org"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p, err := audit.Query(ctx, d, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range p.Rows {
					got = append(got, r.Action)
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		// Keyset pages of 4 then 2.
		p1, err := audit.Query(ctx, d, audit.Filter{Limit: 4})
		if err != nil || len(p1.Rows) != 4 || p1.Next == "" {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		p2, err := audit.Query(ctx, d, audit.Filter{Limit: 4, After: p1.Next})
		if err != nil || len(p2.Rows) != 2 || p2.Next != "" || p2.Rows[0].Action != "org.units.rename" {
			t.Fatalf("page 2 = %+v, %v", p2, err)
		}
		for _, f := range []audit.Filter{{After: "x"}, {ObjectID: "1"}, {Outcome: "maybe"}, {ActionPrefix: "Org"}} {
			if _, err := audit.Query(ctx, d, f); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Query(%+v) = %v, want EINVALID", f, err)
			}
		}

		var buf bytes.Buffer
		if err := audit.ExportCSV(ctx, d, audit.Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
			t.Fatal("CSV without UTF-8 BOM")
		}
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 7 || recs[0][1] != "Thời điểm" {
			t.Fatalf("CSV rows = %d, header %v", len(recs), recs[0])
		}
		// Newest first: entry 6 at t0+6s = 16:30:06 in Vietnam.
		if recs[1][1] != "25/11/2026 16:30:06" || recs[1][9] != "'=cmd|' /C calc'!A0" {
			t.Fatalf("first CSV row = %v", recs[1])
		}
	})
}
