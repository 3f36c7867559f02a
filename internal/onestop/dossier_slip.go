package onestop

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// ControlSlip is the control slip of a dossier (Form 06, Phiếu kiểm soát
// quá trình giải quyết hồ sơ): every hand-over with its unit, person,
// times, share and outcome; LateSteps names the steps (and agencies) that
// held the dossier past their share.
type ControlSlip struct {
	Dossier   *Dossier      `json:"dossier"`
	Rows      []DossierStep `json:"rows"`
	LateSteps []DossierStep `json:"late_steps"`
}

// ControlSlip returns the control slip to the officials handling the dossier.
func (s *DossierService) ControlSlip(ctx context.Context, a *actor.Actor, id int64) (*ControlSlip, error) {
	return nil, errNotBuilt
}
