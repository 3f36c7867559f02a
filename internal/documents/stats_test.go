package documents_test

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// TestMonthlyCounts: an incoming document registered and an outgoing one
// issued count in their agency's month; a draft signed but not issued does
// not; the month after is empty; only the system reads every agency.
func TestMonthlyCounts(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		if _, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("7/UBND-VP")); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			doc := f.draft(t, specialist, nil, access.Internal)
			if err := f.svc.Submit(f.ctx, specialist, doc.ID, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Sign(f.ctx, leader, doc.ID, documents.SignRequest{}); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, err := f.svc.Issue(f.ctx, clerk, doc.ID, documents.IssueRequest{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		vn := clock.Now().In(locale.VN)
		from := time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, locale.VN)
		sys := actor.SystemActor("test")
		got, err := f.svc.MonthlyCounts(f.ctx, sys, from.AddDate(0, -1, 0), from.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].AgencyID != home || got[0].Month != from.Format("2006-01") || got[0].Incoming != 1 || got[0].Outgoing != 1 {
			t.Fatalf("counts %+v", got)
		}
		if later, err := f.svc.MonthlyCounts(f.ctx, sys, from.AddDate(0, 1, 0), from.AddDate(0, 2, 0)); err != nil || len(later) != 0 {
			t.Fatalf("next month %+v %v", later, err)
		}
		if _, err := f.svc.MonthlyCounts(f.ctx, clerk, from, from.AddDate(0, 1, 0)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk read every agency's counts: %v", err)
		}
	})
}
