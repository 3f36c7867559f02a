package search

import (
	"slices"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// Named readers of another agency (a direction's handlers) find and count
// what names them, by words (which on SQLite are looked up per agency:
// the agencies of the entries naming the reader join the reader's own)
// and without; a reader of the same agencies who is not named finds
// nothing of it.
func TestNamedReaderOfAnotherAgencyFinds(t *testing.T) {
	dbtest.Each(t, []db.Migrations{Migrations}, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		index(t, s, d,
			Doc{ID: 1, AgencyID: 1, Level: access.Restricted, People: []int64{20}, Title: "Đảng ủy chỉ đạo hạn chế"},
			Doc{ID: 2, AgencyID: 1, Level: access.Internal, Units: []int64{70}, Title: "Đảng ủy chỉ đạo nội bộ"},
			Doc{ID: 3, AgencyID: 1, Level: access.Secret, People: []int64{20}, Title: "Đảng ủy chỉ đạo mật"},
			Doc{ID: 4, AgencyID: 1, Level: access.Internal, Title: "Đảng ủy chỉ đạo khác"},
			Doc{ID: 5, AgencyID: 2, Level: access.Internal, Title: "Đảng ủy chỉ đạo của cơ quan mình"},
		)
		named := specialist(20, 2, "noi_bo")
		ofUnit := specialist(21, 2, "noi_bo")
		ofUnit.UnitID = 70
		cleared := specialist(20, 2, "mat")
		notNamed := specialist(22, 2, "mat")
		notNamed.UnitID = 71
		for _, c := range []struct {
			name string
			who  *actor.Actor
			want []int64
		}{
			{"named person", named, []int64{1, 5}},
			{"official of the named unit", ofUnit, []int64{2, 5}},
			{"named person cleared for mật", cleared, []int64{1, 3, 5}},
			{"not named", notNamed, []int64{5}},
		} {
			for _, text := range []string{"dang uy", ""} {
				r := search(t, s, c.who, Query{Text: text, Limit: 50})
				got := hitIDs(t, r)
				slices.Sort(got)
				if !slices.Equal(got, c.want) || r.Total != int64(len(c.want)) {
					t.Errorf("%s, %q: got %v (total %d), want %v", c.name, text, got, r.Total, c.want)
				}
			}
		}
	})
}
