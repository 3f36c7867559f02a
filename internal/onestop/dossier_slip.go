package onestop

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// ControlSlip is the control slip of a dossier (Form 06, Phiếu kiểm soát
// quá trình giải quyết hồ sơ): every hand-over with its unit, person,
// times, share and outcome; LateSteps names the steps (and agencies) that
// held the dossier past their share, which is how a late dossier's report
// attributes the delay.
type ControlSlip struct {
	Dossier   *Dossier      `json:"dossier"`
	Rows      []DossierStep `json:"rows"`
	LateSteps []DossierStep `json:"late_steps"`
}

// ControlSlip returns the control slip to the applicant and the officials
// handling the dossier.
func (s *DossierService) ControlSlip(ctx context.Context, a *actor.Actor, id int64) (*ControlSlip, error) {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return slipOf(d), nil
}

func slipOf(d *Dossier) *ControlSlip {
	cs := &ControlSlip{Dossier: d, Rows: d.Steps}
	for _, st := range d.Steps {
		if st.Outcome == Late {
			cs.LateSteps = append(cs.LateSteps, st)
		}
	}
	return cs
}
