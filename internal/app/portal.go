package app

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// portalApplicant is the applicant of a citizen's or business's online
// submission on the portal's pages, as their account knows them: the CCCD
// or tax code they sign in with, name, e-mail (the status e-mails go
// there) and phone. The API does the same through its identity service.
func (a *App) portalApplicant(ctx context.Context, who *actor.Actor) onestop.Applicant {
	ap := onestop.Applicant{AccountID: who.AccountID, Name: who.Name}
	if who.Kind != actor.Citizen && who.Kind != actor.Business {
		return ap
	}
	acc, err := a.Identity.Account(ctx, who, who.AccountID)
	if err != nil {
		return ap
	}
	ap.Name, ap.IDNumber, ap.Email, ap.Phone = acc.Name, acc.Login, acc.Email, acc.Phone
	return ap
}
