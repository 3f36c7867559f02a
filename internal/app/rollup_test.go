package app

import (
	"context"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// TestRollupFigures: the figures a node pushes to its parent count, per
// agency code and month, a dossier received at the desk (in process) and
// an incoming document registered, and the exchange's combined picture
// shows them as this node's.
func TestRollupFigures(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, _, _ := open(t, cheap(install(t, engine)))
			ctx := access.WithGuard(context.Background(), a.Guard)
			var id int64
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM identity_accounts WHERE login = 'demo.onestop_officer'`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			acc, err := a.Identity.Account(ctx, dossierDirectoryActor, id)
			if err != nil {
				t.Fatal(err)
			}
			officer := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID, Roles: acc.Roles}
			ag, err := a.Org.Agency(ctx, acc.AgencyID, org.Date{})
			if err != nil || ag.Code == "" {
				t.Fatalf("officer's agency %+v %v", ag, err)
			}
			vn := a.Now().In(locale.VN)
			cur := time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, locale.VN)
			month := cur.Format("2006-01")
			figures := func() exchange.Figures {
				rows, err := rollupSource{a}.Figures(ctx, cur.AddDate(0, -1, 0), cur.AddDate(0, 1, 0))
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if r.Agency == ag.Code && r.Month == month {
						return r.Figures
					}
				}
				return exchange.Figures{}
			}
			before := figures()
			walkIn(t, ctx, a, officer, onestop.Applicant{Name: "Nguyễn Văn Mẫu", IDNumber: "001090012345", Phone: "0912345678"})
			clerk := &actor.Actor{AccountID: 9001, Kind: actor.Official, AgencyID: acc.AgencyID, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: acc.AgencyID}}}
			if _, err := a.Documents.RegisterIncoming(ctx, clerk, documents.IncomingRequest{Symbol: "12/UBND-VP", IssuedOn: calendar.Today(a.Now),
				Sender: "Ủy ban nhân dân tỉnh Quảng Ninh", Type: "CV", Summary: "Về việc phối hợp", Urgency: "thuong", Classification: "noi_bo"}); err != nil {
				t.Fatal(err)
			}
			after := figures()
			if after.Received != before.Received+1 || after.InProcess != before.InProcess+1 || after.Incoming != before.Incoming+1 || after.Outgoing != before.Outgoing {
				t.Fatalf("figures of %s in %s: before %+v, after %+v", ag.Code, month, before, after)
			}
			if _, err := a.Dossiers.MonthlyByAgency(ctx, officer, cur, cur.AddDate(0, 1, 0)); err == nil {
				t.Fatal("an officer read every agency's one-stop figures")
			}
			if _, err := a.Documents.MonthlyCounts(ctx, officer, cur, cur.AddDate(0, 1, 0)); err == nil {
				t.Fatal("an officer read every agency's document counts")
			}
			v, err := a.Exchange.Stats(ctx, actor.SystemActor("test"))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range v.Nodes[0].Rows {
				found = found || l.Agency == ag.Code && l.Month == month && l.Figures == after && l.AgencyName != ""
			}
			if !found || v.Total.Received < 1 {
				t.Fatalf("this node's figures not in the combined picture: %+v", v.Nodes[0])
			}
		})
	}
}
