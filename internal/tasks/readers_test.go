package tasks_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// After a direction of a restricted document, its handlers read it: a
// unit of the same agency other than the leader's (Phòng Kinh tế) and a
// unit of another agency (through its official); after a task given from
// another restricted document, the official of another agency named in
// person. Each opens the document, finds it in documents.List (counted)
// and in search; whoever is not named still cannot open, list, find or
// count it. The readers are written in the direction's transaction: a
// refused direction names nobody.
func TestDirectionLetsHandlersReadTheDocument(t *testing.T) {
	dbtest.Each(t, append(modules(), search.Migrations), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		idx := search.New(d, search.Options{})
		idx.Register("document", access.DocumentsRead)
		f.docs.SetIndex(func(ctx context.Context, tx *sql.Tx, x documents.IndexDoc) error {
			r := x.Resource
			return idx.Index(ctx, tx, search.Doc{Kind: "document", ID: x.ID, AgencyID: r.AgencyID, Level: r.Level,
				Units: positive(r.Units), People: positive(r.People), Title: x.Symbol + "\n" + x.Summary, Body: x.Sender})
		})
		directed := f.incoming(t, "310/UBND-VP", "han_che")
		tasked := f.incoming(t, "311/UBND-VP", "han_che")
		foreignOther := official(302, other, 4, access.Specialist, "mat") // another agency, unit not named
		// A restricted document reaches the leader as a named reader (the
		// clerk submits it); she directs what she may read.
		for _, doc := range []*documents.Document{directed, tasked} {
			if err := d.Tx(f.ctx, func(tx *sql.Tx) error {
				return f.docs.AddReaders(actor.With(f.ctx, clerk), tx, doc.ID, []int64{leader.AccountID}, nil, "Trình lãnh đạo")
			}); err != nil {
				t.Fatal(err)
			}
		}
		// A refused direction (two main handlers) names nobody.
		_, err := f.svc.Direct(f.ctx, leader, directed.ID, tasks.DirectRequest{
			Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), unit(unitOther, tasks.RoleMain)}})
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("two main handlers: %v", err)
		}
		if n := f.count(t, `SELECT count(*) FROM documents_readers WHERE account_id <> $1`, leader.AccountID); n != 0 {
			t.Fatalf("%d readers after a refused direction", n)
		}
		if _, err := f.svc.Direct(f.ctx, leader, directed.ID, tasks.DirectRequest{
			Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), unit(unitOther, tasks.RoleCo)},
			Deadline:  tasks.Deadline{Days: 5}, Comment: "Phòng Kinh tế chủ trì, Phòng Tổng hợp phối hợp."}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(f.ctx, leader, tasks.TaskRequest{DocumentID: tasked.ID, Assignees: []tasks.AssigneeRef{person(foreignClerk.AccountID, tasks.RoleMain)},
			Deadline: tasks.Deadline{Days: 3}}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM documents_readers WHERE added_by = $1`, leader.AccountID); n != 3 {
			t.Errorf("%d readers named by the leader, want 3", n)
		}
		for _, c := range []struct {
			name string
			who  *actor.Actor
			want []int64 // the restricted documents it reads
		}{
			{"the leader who directed", leader, []int64{directed.ID, tasked.ID}},
			{"main unit's specialist (another unit)", specialist, []int64{directed.ID}},
			{"official of the co-handling unit of another agency", foreignClerk, []int64{directed.ID, tasked.ID}},
			{"another unit's specialist, not named", officeSpec, nil},
			{"another agency's official, not named", foreignOther, nil},
		} {
			for _, doc := range []*documents.Document{directed, tasked} {
				_, err := f.docs.Get(f.ctx, c.who, doc.ID)
				if reads := slices.Contains(c.want, doc.ID); reads != (err == nil) || (!reads && !apperr.Is(err, apperr.NotFound)) {
					t.Errorf("%s opens %s: %v, want readable=%v", c.name, doc.Symbol, err, reads)
				}
			}
			page, err := f.docs.List(f.ctx, c.who, documents.ListQuery{Direction: documents.Incoming})
			if err != nil {
				t.Fatal(err)
			}
			var listed []int64
			for _, it := range page.Items {
				if it.Classification == access.Restricted {
					listed = append(listed, it.ID)
				}
			}
			slices.Sort(listed)
			if !slices.Equal(listed, c.want) || page.Total != len(page.Items) {
				t.Errorf("%s lists restricted %v (total %d of %d items), want %v", c.name, listed, page.Total, len(page.Items), c.want)
			}
			r, err := idx.Search(f.ctx, c.who, search.Query{Text: "chuyen doi so", Kind: "document"})
			if err != nil {
				t.Fatal(err)
			}
			var found []int64
			for _, h := range r.Items {
				found = append(found, h.ID)
			}
			slices.Sort(found)
			if !slices.Equal(found, c.want) || r.Total != int64(len(c.want)) {
				t.Errorf("%s finds %v (total %d), want %v", c.name, found, r.Total, c.want)
			}
		}
	})
}

func positive(ids []int64) []int64 {
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id <= 0 })
}
