package app

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/search"
)

// A registered document is found by the officials of its agency in the
// registration's own transaction, and by no one of another agency.
func TestRegisteredDocumentsAreSearchable(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			testRegisteredDocumentsAreSearchable(t, engine)
		})
	}
}

func testRegisteredDocumentsAreSearchable(t *testing.T, engine db.Dialect) {
	a, _, _ := open(t, install(t, engine))
	ctx := access.WithGuard(context.Background(), a.Guard)
	agencies, err := a.Org.Agencies(ctx, org.AgencyFilter{})
	if err != nil || len(agencies) < 2 {
		t.Fatalf("demo agencies: %v (%d)", err, len(agencies))
	}
	official := func(agency int64, role access.Role) *actor.Actor {
		return &actor.Actor{AccountID: 900 + agency, Kind: actor.Official, AgencyID: agency, Clearance: "noi_bo",
			Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
	}
	own, other := agencies[0].ID, agencies[1].ID
	day := calendar.Today(a.Now)
	if _, err := a.Documents.RegisterIncoming(ctx, official(own, access.Clerk), documents.IncomingRequest{
		Symbol: "125/UBND-VP", IssuedOn: day, Sender: "Ủy ban nhân dân thành phố Đà Nẵng", Type: "CV",
		Summary: "Về việc sửa chữa đường giao thông nông thôn", Urgency: "thuong", Classification: "noi_bo",
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  *actor.Actor
		q    string
		want int64
	}{
		{official(own, access.Specialist), "sua chua duong", 1},
		{official(own, access.Specialist), "da nang", 1},
		{official(own, access.Specialist), "125 ubnd", 1},
		{official(other, access.Specialist), "sua chua duong", 0},
	} {
		r, err := a.Search.Search(ctx, c.who, search.Query{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != c.want || int64(len(r.Items)) != c.want {
			t.Errorf("agency %d, %q: %d found (total %d), want %d", c.who.AgencyID, c.q, len(r.Items), r.Total, c.want)
		}
	}
}
