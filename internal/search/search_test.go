package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

const kindDoc = "document"

func newService(t *testing.T, d *db.DB) *Service {
	s := New(d, Options{})
	s.Register(kindDoc, access.DocumentsRead)
	return s
}

func index(t *testing.T, s *Service, d *db.DB, docs ...Doc) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for _, doc := range docs {
			if doc.Kind == "" {
				doc.Kind = kindDoc
			}
			if err := s.Index(context.Background(), tx, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func specialist(account, agency int64, clearance string) *actor.Actor {
	return &actor.Actor{AccountID: account, Kind: actor.Official, AgencyID: agency, Clearance: clearance,
		Roles: []actor.RoleGrant{{Role: string(access.Specialist), AgencyID: agency}}}
}

func hitIDs(t *testing.T, r Results) []int64 {
	var out []int64
	for _, h := range r.Items {
		out = append(out, h.ID)
	}
	return out
}

func search(t *testing.T, s *Service, a *actor.Actor, q Query) Results {
	t.Helper()
	r, err := s.Search(context.Background(), a, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func TestVietnameseQueriesIgnoreDiacriticsIncludingD(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		index(t, s, d,
			Doc{ID: 1, AgencyID: 1, Title: "Công văn về quy hoạch thành phố Đà Nẵng"},
			Doc{ID: 2, AgencyID: 1, Title: "Nghị quyết của Ban Thường vụ", Body: "Đảng ủy xã thống nhất chủ trương"},
			Doc{ID: 3, AgencyID: 1, Title: "Kế hoạch sửa chữa ĐƯỜNG liên xã", Body: "tuyến đường Lê Lợi"},
			Doc{ID: 4, AgencyID: 1, Title: "Báo cáo dân số"},
		)
		a := specialist(10, 1, "noi_bo")
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"da nang", []int64{1}},
			{"ĐÀ NẴNG", []int64{1}},
			{"dang uy", []int64{2}},
			{"DUONG", []int64{3}},
			{`"le loi"`, []int64{3}},
			{`"loi le"`, nil},
			{"dan so", []int64{4}},
			{"da nang dan", nil},
		} {
			r := search(t, s, a, Query{Text: c.q})
			if got := hitIDs(t, r); !slices.Equal(got, c.want) || r.Total != int64(len(c.want)) {
				t.Errorf("%q: got %v (total %d), want %v", c.q, got, r.Total, c.want)
			}
		}
		r := search(t, s, a, Query{Text: "da nang"})
		h := r.Items[0].Title
		var marked []string
		for _, m := range h.Marks {
			marked = append(marked, h.Text[m.Start:m.End])
		}
		if !slices.Equal(marked, []string{"Đà", "Nẵng"}) {
			t.Errorf("title marks %q, want Đà and Nẵng", marked)
		}
		r = search(t, s, a, Query{Text: "duong"})
		sn := r.Items[0].Snippet
		if len(sn.Marks) != 1 || sn.Text[sn.Marks[0].Start:sn.Marks[0].End] != "đường" {
			t.Errorf("snippet %+v: want đường marked", sn)
		}
	})
}

func TestRestrictedItemsAreNeitherFoundNorCounted(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		index(t, s, d,
			Doc{ID: 1, AgencyID: 1, Level: access.Internal, Title: "Đà Nẵng nội bộ"},
			Doc{ID: 2, AgencyID: 1, Level: access.Restricted, Units: []int64{7}, People: []int64{11}, Title: "Đà Nẵng hạn chế"},
			Doc{ID: 3, AgencyID: 1, Level: access.Secret, Title: "Đà Nẵng mật"},
			Doc{ID: 4, AgencyID: 2, Level: access.Internal, Title: "Đà Nẵng cơ quan khác"},
			Doc{ID: 5, AgencyID: 1, Level: access.Public, Title: "Đà Nẵng công khai"},
		)
		unitMember := specialist(12, 1, "noi_bo")
		unitMember.UnitID = 7
		for _, c := range []struct {
			name string
			a    *actor.Actor
			want []int64
		}{
			{"specialist of the agency, internal clearance", specialist(10, 1, "noi_bo"), []int64{1, 5}},
			{"named person", specialist(11, 1, "noi_bo"), []int64{1, 2, 5}},
			{"member of the named unit", unitMember, []int64{1, 2, 5}},
			{"cleared for secret", specialist(13, 1, "mat"), []int64{1, 3, 5}},
			{"lower clearance", specialist(14, 1, "cong_khai"), []int64{5}},
			{"another agency", specialist(15, 2, "mat"), []int64{4}},
			{"anonymous", nil, nil},
			{"system", actor.SystemActor("test"), []int64{1, 2, 3, 4, 5}},
		} {
			r := search(t, s, c.a, Query{Text: "da nang", Limit: 100})
			got := hitIDs(t, r)
			slices.Sort(got)
			if !slices.Equal(got, c.want) || r.Total != int64(len(c.want)) {
				t.Errorf("%s: got %v (total %d), want %v", c.name, got, r.Total, c.want)
			}
		}
	})
}

// TestVisibilityMatchesAccess builds readers and rows of every kind and
// checks that the SQL condition finds exactly the rows access.Permits lets
// each reader read: the counts depend on it.
func TestVisibilityMatchesAccess(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := New(d, Options{Subtree: func(_ context.Context, root int64) ([]int64, error) {
			if root == 1 {
				return []int64{1, 2, 3}, nil
			}
			return []int64{root}, nil
		}})
		s.Register(kindDoc, access.DocumentsRead)
		tree := access.SubtreeFunc(func(ctx context.Context, root int64) ([]int64, error) { return s.opts.Subtree(ctx, root) })
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{Tree: tree}))
		rng := rand.New(rand.NewPCG(1, 2))
		pick := func(n int) int64 { return int64(rng.IntN(n)) }
		var docs []Doc
		for i := range 300 {
			doc := Doc{Kind: kindDoc, ID: int64(i + 1), AgencyID: pick(4), OwnerID: pick(4), Level: access.Level(pick(6)), PersonalData: pick(4) == 0,
				Title: "văn bản chung"}
			for range pick(3) {
				doc.Units = append(doc.Units, 1+pick(3))
				doc.People = append(doc.People, 1+pick(4))
				doc.Handlers = append(doc.Handlers, 1+pick(4))
			}
			docs = append(docs, doc)
		}
		index(t, s, d, docs...)
		roles := []access.Role{access.Specialist, access.Leader, access.Clerk, access.SystemAdmin, access.Auditor, access.CitizenRole}
		clearances := []string{"cong_khai", "noi_bo", "mat", "toi_mat", "tuyet_mat", "bogus"}
		partial := 0
		for i := range 150 {
			a := &actor.Actor{AccountID: pick(5), Kind: []actor.Kind{actor.Official, actor.Official, actor.Citizen}[pick(3)],
				AgencyID: pick(4), UnitID: pick(4), Clearance: clearances[pick(6)]}
			for range pick(3) {
				a.Roles = append(a.Roles, actor.RoleGrant{Role: string(roles[pick(int(len(roles)))]), AgencyID: pick(4), Subtree: pick(2) == 0})
			}
			if i%10 == 0 {
				a.Scopes = []string{[]string{"documents:read", "org:read"}[pick(2)]}
			}
			var want []int64
			for _, doc := range docs {
				res := access.Resource{Type: kindDoc, AgencyID: doc.AgencyID, OwnerID: doc.OwnerID, Level: doc.Level, Units: doc.Units,
					People: doc.People, PersonalData: doc.PersonalData, Handlers: doc.Handlers}
				if access.Permits(ctx, a, access.DocumentsRead, res) {
					want = append(want, doc.ID)
				}
			}
			// With words (ranked) and without (by date): both go through
			// the index's scope prefilter, then the SQL condition.
			for _, text := range []string{"van ban", ""} {
				r, err := s.Search(ctx, a, Query{Text: text, Limit: MaxLimit})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != int64(len(want)) {
					t.Fatalf("reader %+v, %q: total %d, access permits %d", a, text, r.Total, len(want))
				}
				got := hitIDs(t, r)
				for r.Next != "" {
					r, err = s.Search(ctx, a, Query{Text: text, Limit: MaxLimit, Cursor: r.Next})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, hitIDs(t, r)...)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("reader %+v, %q: found %v, access permits %v", a, text, got, want)
				}
			}
			if len(want) > 0 && len(want) < len(docs) {
				partial++
			}
		}
		if partial < 30 {
			t.Fatalf("only %d readers see some but not all rows: the matrix tests too little", partial)
		}
	})
}

func TestTitleMatchRanksFirst(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		index(t, s, d,
			Doc{ID: 1, AgencyID: 1, Title: "Báo cáo tình hình kinh tế", Body: "Số liệu về thủy lợi và thủy lợi nội đồng năm nay"},
			Doc{ID: 2, AgencyID: 1, Title: "Kế hoạch thủy lợi năm 2026", Body: "Các công trình cần sửa chữa"},
			Doc{ID: 3, AgencyID: 1, Title: "Thông báo họp", Body: "Nội dung: thủy lợi"},
		)
		r := search(t, s, specialist(10, 1, "noi_bo"), Query{Text: "thuy loi"})
		if got := hitIDs(t, r); len(got) != 3 || got[0] != 2 {
			t.Fatalf("ranking %v: want the title match (2) first", got)
		}
	})
}

func TestFiltersAndCursorPaging(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		var docs []Doc
		for i := range 25 {
			day, _ := calendar.NewDate(2026, 1, 1+i)
			docs = append(docs, Doc{Kind: kindDoc, ID: int64(i + 1), AgencyID: 1, Title: fmt.Sprintf("Quyết định số %d về đất đai", i+1),
				Type: []string{"QĐ", "CV"}[i%2], Status: "issued", Urgency: []string{"thuong", "khan"}[i%3/2], Date: day})
		}
		// In bulk, twice: the second replaces the first.
		for range 2 {
			if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return s.IndexMany(context.Background(), tx, docs) }); err != nil {
				t.Fatal(err)
			}
		}
		a := specialist(10, 1, "noi_bo")
		for _, c := range []struct {
			name string
			q    Query
			want int64
		}{
			{"type", Query{Text: "dat dai", Filters: Filters{Type: "QĐ"}}, 13},
			{"urgency", Query{Text: "dat dai", Filters: Filters{Urgency: "khan"}}, 8},
			{"agency", Query{Text: "dat dai", Filters: Filters{AgencyID: 2}}, 0},
			{"period", Query{Text: "dat dai", From: calendar.Date{Year: 2026, Month: 1, Day: 10}, To: calendar.Date{Year: 2026, Month: 1, Day: 19}}, 10},
			{"no text, by date", Query{Filters: Filters{Status: "issued"}}, 25},
		} {
			r := search(t, s, a, c.q)
			if r.Total != c.want {
				t.Errorf("%s: total %d, want %d", c.name, r.Total, c.want)
			}
		}
		for _, q := range []Query{{Text: "quyet dinh", Limit: 7}, {Limit: 7}} {
			var all []int64
			cur := ""
			for pages := 0; ; pages++ {
				q.Cursor = cur
				r := search(t, s, a, q)
				if r.Total != 25 {
					t.Fatalf("total %d on a later page", r.Total)
				}
				all = append(all, hitIDs(t, r)...)
				if cur = r.Next; cur == "" {
					break
				}
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			if len(all) != 25 || len(slices.Compact(sorted)) != 25 {
				t.Fatalf("%q: pages gave %v", q.Text, all)
			}
			if q.Text == "" && all[0] != 25 {
				t.Fatalf("by date: first %d, want the newest (25)", all[0])
			}
		}
		if _, err := s.Search(context.Background(), a, Query{Text: "x", Cursor: "garbage!"}); err == nil {
			t.Fatal("a malformed cursor was accepted")
		}
	})
}

func TestIndexFollowsTheTransaction(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		boom := errors.New("rolled back")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.Index(ctx, tx, Doc{Kind: kindDoc, ID: 1, AgencyID: 1, Title: "Đà Nẵng"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		a := actor.SystemActor("test")
		if r := search(t, s, a, Query{Text: "da nang"}); r.Total != 0 {
			t.Fatalf("a rolled-back Index left %d results", r.Total)
		}
		index(t, s, d, Doc{ID: 1, AgencyID: 1, Title: "Đà Nẵng"})
		index(t, s, d, Doc{ID: 1, AgencyID: 1, Title: "Huế"}) // replaces
		if r := search(t, s, a, Query{Text: "da nang"}); r.Total != 0 {
			t.Fatal("re-indexing kept the old text")
		}
		if r := search(t, s, a, Query{Text: "hue"}); r.Total != 1 {
			t.Fatal("re-indexed text not found")
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return s.Remove(ctx, tx, kindDoc, 1) }); err != nil {
			t.Fatal(err)
		}
		if r := search(t, s, a, Query{Text: "hue"}); r.Total != 0 {
			t.Fatal("removed object still found")
		}
	})
}

func TestQuerySyntaxIsNeverPassedToTheEngine(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		index(t, s, d, Doc{ID: 1, AgencyID: 1, Title: "a OR b near the NEAR column title:x"})
		a := actor.SystemActor("test")
		for _, q := range []string{`"a" OR b*`, `NEAR(`, `NEAR(a b, 2)`, `title:x`, `-a`, `^a`, `a AND`, `'`, `"`, `a & b | !c <-> d`, `'a':*`, `{title}: a`, `a"b`, `+`, `:*`, `\`} {
			if _, err := s.Search(context.Background(), a, Query{Text: q}); err != nil {
				t.Errorf("%q: %v", q, err)
			}
		}
		if r := search(t, s, a, Query{Text: `"a" OR b*`}); r.Total != 1 {
			t.Errorf(`"a" OR b*: %d results, want 1 (words a, or, b)`, r.Total)
		}
		if r := search(t, s, a, Query{Text: `*:"-`}); r.Total != 0 || len(r.Items) != 0 {
			t.Errorf("a query of punctuation only found %d", r.Total)
		}
		if _, err := s.Search(context.Background(), a, Query{Text: strings.Repeat("a ", MaxQuery)}); err == nil {
			t.Error("an over-long query was accepted")
		}
	})
}
