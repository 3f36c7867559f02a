package onestop_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

func TestStatsCountsAndExport(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		// 1: returned early; 2: refused; 3: withdrawn; 4: pending, overdue later; 5: walk-in pending with a supplement.
		a := f.online(t, "1.001612", "")
		a = f.must(f.svc.Accept(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		a = f.must(f.svc.CompleteStep(f.ctx, desk, a.ID, onestop.StepRequest{}))
		a = f.must(f.svc.CompleteStep(f.ctx, specialist, a.ID, onestop.StepRequest{}))
		a = f.must(f.svc.Decide(f.ctx, leader, a.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, leader)}))
		f.at(t, "08/12/2026 09:00")
		a = f.must(f.svc.ReturnResult(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		f.must(f.svc.Rate(f.ctx, citizen, a.ID, onestop.RateRequest{Rating: onestop.RatingVerySatisfied}))
		b := f.online(t, "1.001612", "")
		f.must(f.svc.Refuse(f.ctx, desk, b.ID, onestop.RefuseRequest{Reason: "Không thuộc thẩm quyền"}))
		c := f.online(t, "1.001193", "")
		f.must(f.svc.Withdraw(f.ctx, citizen, c.ID, onestop.RefuseRequest{}))
		e := f.online(t, "1.001612", "")
		f.must(f.svc.Accept(f.ctx, desk, e.ID, onestop.ActionRequest{}))
		w, err := f.svc.Submit(f.ctx, desk, onestop.SubmitRequest{ProcedureCode: "1.001612", Channel: onestop.ChannelPostal,
			Applicant: onestop.Applicant{Name: "Hộ kinh doanh Minh Anh", IDNumber: "0101234567"},
			Files:     map[string][]string{"GDN": {f.upload(t, desk)}}})
		if err != nil || w.Status != onestop.StatusAccepted || w.ReceivedAt.IsZero() {
			t.Fatalf("walk-in %v %+v", err, w)
		}
		f.must(f.svc.RequestSupplement(f.ctx, desk, w.ID, onestop.SupplementAsk{Reason: "Thiếu", Items: []string{"Bản sao CCCD"}}))
		f.at(t, "15/12/2026 09:00") // e is overdue (due 11/12)
		st, err := f.svc.Stats(f.ctx, leader, onestop.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		tot := st.Total
		if tot.Received != 5 || tot.Online != 4 || tot.Postal != 1 || tot.Resolved != 1 || tot.Early != 1 || tot.Refusals != 1 ||
			tot.Withdrawals != 1 || tot.PendingIn != 1 || tot.Overdue != 1 || tot.Supplements != 1 || tot.VerySatisfied != 1 || tot.OnTimeRate() != 1 {
			t.Fatalf("totals %+v", tot)
		}
		if len(st.ByProcedure) != 2 || len(st.ByMonth) != 1 || st.ByMonth[0].Key != "2026-12" || len(st.ByField) != 2 {
			t.Fatalf("groups %+v %+v", st.ByProcedure, st.ByMonth)
		}
		// Another agency's officials read no statistics of this one.
		if _, err := f.svc.Stats(f.ctx, otherLeader, onestop.StatsFilter{AgencyID: home}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("other agency: %v", err)
		}
		var buf bytes.Buffer
		if err := f.svc.StatsXLSX(f.ctx, leader, onestop.StatsFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		v, err := x.GetCellValue("Theo thủ tục", "B4")
		if err != nil || v != "5" {
			t.Fatalf("total received cell %q %v (sheets %v)", v, err, x.GetSheetList())
		}
	})
}
