package onestop_test

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// TestMonthlyByAgency: the figures a node reports to its parent count per
// receiving agency and month as Stats counts them: a dossier returned
// early and one overdue in December, one received in January; the window
// keeps to its months; only the system reads every agency.
func TestMonthlyByAgency(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		a := f.online(t, "1.001612", "")
		a = f.must(f.svc.Accept(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		a = f.must(f.svc.CompleteStep(f.ctx, desk, a.ID, onestop.StepRequest{}))
		a = f.must(f.svc.CompleteStep(f.ctx, specialist, a.ID, onestop.StepRequest{}))
		a = f.must(f.svc.Decide(f.ctx, leader, a.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, leader)}))
		f.at(t, "08/12/2026 09:00")
		f.must(f.svc.ReturnResult(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		e := f.online(t, "1.001612", "")
		f.must(f.svc.Accept(f.ctx, desk, e.ID, onestop.ActionRequest{}))
		f.at(t, "05/01/2027 09:00") // e is overdue
		j := f.online(t, "1.001612", "")
		f.must(f.svc.Accept(f.ctx, desk, j.ID, onestop.ActionRequest{}))

		sys := actor.SystemActor("test")
		dec := time.Date(2026, 12, 1, 0, 0, 0, 0, locale.VN)
		got, err := f.svc.MonthlyByAgency(f.ctx, sys, dec, dec.AddDate(0, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].AgencyID != home || got[0].Month != "2026-12" || got[1].Month != "2027-01" {
			t.Fatalf("groups %+v", got)
		}
		if r := got[0].Row; r.Received != 2 || r.Resolved != 1 || r.Early != 1 || r.Overdue != 1 || r.PendingIn != 0 {
			t.Fatalf("December %+v", r)
		}
		if r := got[1].Row; r.Received != 1 || r.PendingIn != 1 {
			t.Fatalf("January %+v", r)
		}
		st, err := f.svc.Stats(f.ctx, leader, onestop.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.ByMonth) != len(got) {
			t.Fatalf("Stats has %d months, MonthlyByAgency %d", len(st.ByMonth), len(got))
		}
		for i, m := range st.ByMonth {
			if m.Received != got[i].Row.Received || m.Early != got[i].Row.Early || m.Overdue != got[i].Row.Overdue || m.PendingIn != got[i].Row.PendingIn {
				t.Fatalf("%s: Stats %+v, MonthlyByAgency %+v", m.Key, m, got[i].Row)
			}
		}
		if only, err := f.svc.MonthlyByAgency(f.ctx, sys, dec, dec.AddDate(0, 1, 0)); err != nil || len(only) != 1 || only[0].Month != "2026-12" {
			t.Fatalf("December alone %+v %v", only, err)
		}
		if _, err := f.svc.MonthlyByAgency(f.ctx, leader, dec, dec.AddDate(0, 1, 0)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a leader read every agency's figures: %v", err)
		}
	})
}
