package documents_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
)

// The readers a direction names: a person of another agency, and a unit
// of the same agency (unit 2) and of another one (unit 2002). They open
// the documents naming them (restricted, internal; a state secret only
// within their clearance), find them in List with the total counting
// them, and the search hook gets them as named readers in the same
// transaction; whoever is not named still sees nothing, not even in a
// count. A transaction that fails leaves no reader behind.
func TestAddReadersLetsNamedReadersRead(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		indexed := map[int64]access.Resource{}
		f.svc.SetIndex(func(_ context.Context, _ *sql.Tx, x documents.IndexDoc) error {
			indexed[x.ID] = x.Resource
			return nil
		})
		sys := actor.SystemActor("test")
		namedPerson := official(310, other, access.Specialist, "noi_bo")  // named by account
		unitHome := unitOfficial(210, home, 2, access.Specialist)         // of named unit 2
		unitOther := unitOfficial(311, other, other*100+2, access.Leader) // of named unit 2002
		notNamed := official(312, other, access.Leader, "mat")            // same agency, not named
		homeOtherUnit := unitOfficial(211, home, 3, access.Specialist)    // home, unit not named
		cleared := official(313, other, access.Specialist, "mat")         // named, cleared for mật
		uncleared := unitOfficial(314, other, other*100+2, access.Leader) // of a named unit: not need-to-know for mật

		docs := map[string]*documents.Document{}
		for i, lv := range []string{"han_che", "noi_bo", "mat"} {
			req := f.req(fmt.Sprintf("%d/UBND-VP", 700+i))
			req.Classification = lv
			a := clerk
			if lv == "mat" {
				a = clearedClerk
			}
			doc, err := f.svc.RegisterIncoming(f.ctx, a, req)
			if err != nil {
				t.Fatalf("%s: %v", lv, err)
			}
			docs[lv] = doc
		}
		// A failing transaction names nobody.
		boom := errors.New("direction refused")
		err := d.Tx(f.ctx, func(tx *sql.Tx) error {
			if err := f.svc.AddReaders(f.ctx, tx, docs["han_che"].ID, []int64{namedPerson.AccountID}, nil, "Chỉ đạo xử lý"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx: %v", err)
		}
		if _, err := f.svc.Get(f.ctx, namedPerson, docs["han_che"].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("named in a rolled-back transaction: %v", err)
		}
		ctx := actor.With(f.ctx, leader)
		for _, doc := range docs {
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				people, units := []int64{namedPerson.AccountID, cleared.AccountID}, []int64{2, other*100 + 2}
				if err := f.svc.AddReaders(ctx, tx, doc.ID, people, units, "Chỉ đạo xử lý: chủ trì"); err != nil {
					return err
				}
				// Naming again keeps one row each.
				return f.svc.AddReaders(ctx, tx, doc.ID, people, units, "Chỉ đạo xử lý: phối hợp")
			})
			if err != nil {
				t.Fatal(err)
			}
			res := indexed[doc.ID]
			if !slices.Contains(res.People, namedPerson.AccountID) || !slices.Contains(res.Units, other*100+2) {
				t.Errorf("%s: the index got %+v, without the named readers", doc.Classification, res)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM documents_readers WHERE document_id = $1 AND added_by = $2`, docs["han_che"].ID, leader.AccountID); n != 4 {
			t.Errorf("%d reader rows, want 4", n)
		}
		cases := []struct {
			name string
			who  *actor.Actor
			can  map[string]bool
		}{
			{"person of another agency", namedPerson, map[string]bool{"han_che": true, "noi_bo": true}},
			{"named unit, same agency", unitHome, map[string]bool{"han_che": true, "noi_bo": true}},
			{"named unit, another agency", unitOther, map[string]bool{"han_che": true, "noi_bo": true}},
			{"cleared named person", cleared, map[string]bool{"han_che": true, "noi_bo": true, "mat": true}},
			{"uncleared, of a named unit", uncleared, map[string]bool{"han_che": true, "noi_bo": true}},
			{"not named, another agency", notNamed, map[string]bool{}},
			{"not named, home agency, another unit", homeOtherUnit, map[string]bool{"noi_bo": true}},
		}
		for _, c := range cases {
			for lv, doc := range docs {
				got, err := f.svc.Get(f.ctx, c.who, doc.ID)
				if c.can[lv] != (err == nil) {
					t.Errorf("%s opens %s: %v", c.name, lv, err)
				}
				if err != nil && !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s opens %s: %v, want ENOTFOUND", c.name, lv, err)
				}
				if err == nil && got.ID != doc.ID {
					t.Errorf("%s: got document %d", c.name, got.ID)
				}
			}
			page, err := f.svc.List(f.ctx, c.who, documents.ListQuery{PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			listed := map[int64]bool{}
			for _, it := range page.Items {
				listed[it.ID] = true
			}
			want := 0
			for lv, doc := range docs {
				if c.can[lv] {
					want++
				}
				if listed[doc.ID] != c.can[lv] {
					t.Errorf("%s lists %s: %v, want %v", c.name, lv, listed[doc.ID], c.can[lv])
				}
			}
			if page.Total != want || len(page.Items) != want {
				t.Errorf("%s: total %d, %d items, want %d", c.name, page.Total, len(page.Items), want)
			}
		}
		// A named reader reads; they change nothing of another agency.
		if err := f.svc.WithdrawIncoming(f.ctx, unitOther, docs["han_che"].ID, "Thử thu hồi"); err == nil {
			t.Error("a named reader of another agency withdrew the number")
		}
		got, err := f.svc.Get(f.ctx, sys, docs["han_che"].ID)
		if err != nil || !slices.Contains(got.Readers, namedPerson.AccountID) || !slices.Contains(got.Units, int64(2)) {
			t.Errorf("Readers %v, Units %v, %v", got.Readers, got.Units, err)
		}
		// Bad calls.
		err = d.Tx(f.ctx, func(tx *sql.Tx) error { return f.svc.AddReaders(f.ctx, tx, docs["han_che"].ID, []int64{-1}, nil, "") })
		if err == nil {
			t.Error("a negative account id accepted")
		}
		err = d.Tx(f.ctx, func(tx *sql.Tx) error { return f.svc.AddReaders(f.ctx, tx, 999999, []int64{1}, nil, "") })
		if !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a missing document: %v", err)
		}
	})
}
