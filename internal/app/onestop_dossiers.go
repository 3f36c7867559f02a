package app

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// buildDossiers creates the one-stop dossier service over the catalogue,
// org's agencies, the stored calendar, uploads and e-mail, and schedules
// its daily step reminders. It runs after buildCatalogue.
func (a *App) buildDossiers() error {
	var err error
	a.Dossiers, err = onestop.NewDossiers(a.DB, onestop.DossierOptions{Procedures: a.Catalogue,
		Agencies: dossierAgencies{a.Org}, Audit: a.Audit, Calendar: a.Calendar, Uploads: a.Blob, Mail: a.Notify,
		Holders: dossierHolders{a.Identity}, BaseURL: a.Config.PublicURL(a.Config.Addr), Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("one-stop dossiers: %w", err)
	}
	a.Dossiers.Register(a.Jobs)
	return nil
}

// dossierAgencies resolves receiving and liên thông agencies in org, as
// they are today.
type dossierAgencies struct{ org *org.Service }

func (d dossierAgencies) AgencyByID(ctx context.Context, id int64) (onestop.AgencyInfo, error) {
	g, err := d.org.Agency(ctx, id, org.Date{})
	if err != nil {
		return onestop.AgencyInfo{}, err
	}
	return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
}

func (d dossierAgencies) AgencyByCode(ctx context.Context, code string) (onestop.AgencyInfo, error) {
	g, err := d.org.AgencyByCode(ctx, code, org.Date{})
	if err != nil {
		return onestop.AgencyInfo{}, err
	}
	return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
}

// dossierHolders finds the officials a step reminder goes to.
type dossierHolders struct{ id *identity.Service }

var dossierDirectoryActor = actor.SystemActor("onestop")

func (h dossierHolders) Holders(ctx context.Context, agency int64, role string) ([]onestop.Holder, error) {
	accs, err := h.id.Officials(ctx, dossierDirectoryActor, agency)
	if err != nil {
		return nil, err
	}
	var out []onestop.Holder
	for _, acc := range accs {
		if acc.Disabled {
			continue
		}
		for _, g := range acc.Roles {
			if g.Role == role && g.AgencyID == agency {
				out = append(out, onestop.Holder{ID: acc.ID, Name: acc.Name, Email: acc.Email})
				break
			}
		}
	}
	return out, nil
}

func (h dossierHolders) Holder(ctx context.Context, id int64) (onestop.Holder, error) {
	acc, err := h.id.Account(ctx, dossierDirectoryActor, id)
	if err != nil {
		return onestop.Holder{}, err
	}
	if acc.Kind != actor.Official || acc.Disabled {
		return onestop.Holder{}, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ")
	}
	return onestop.Holder{ID: acc.ID, Name: acc.Name, Email: acc.Email}, nil
}
