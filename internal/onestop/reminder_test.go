package onestop_test

import (
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The step holder is reminded the working day before the step is due,
// once per dossier, step, recipient and day.
func TestStepReminderTheWorkingDayBefore(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "04/12/2026 09:00") // Friday
		ds := f.online(t, "1.001612", "")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		// Steps: desk due Mon 07/12 11:15, specialist Tue 08/12 17:00, leader Wed 09/12 17:00.
		if vn(ds.Steps[0].DueAt) != "07/12/2026 11:15" || vn(ds.Steps[1].DueAt) != "08/12/2026 17:00" || vn(ds.DueAt) != "09/12/2026 17:00" {
			t.Fatalf("step dues %s %s %s", vn(ds.Steps[0].DueAt), vn(ds.Steps[1].DueAt), vn(ds.DueAt))
		}
		remind := func(want int) {
			t.Helper()
			n, err := f.svc.Remind(f.ctx)
			if err != nil || n != want {
				t.Fatalf("reminded %d (%v), want %d", n, err, want)
			}
		}
		remind(1) // Friday: the desk step is due Monday, the next working day
		remind(0) // once
		f.at(t, "05/12/2026 07:00")
		remind(0) // Saturday: nothing
		f.at(t, "07/12/2026 08:00")
		ds = f.must(f.svc.CompleteStep(f.ctx, desk, ds.ID, onestop.StepRequest{To: specialist.AccountID}))
		remind(1) // the specialist named, due Tuesday
		if got := f.mail.count(onestop.StepReminderTemplate); got != 2 {
			t.Fatalf("%d reminders", got)
		}
	})
}
