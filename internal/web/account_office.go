package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

type officeData struct {
	Agency string
	Roles  []roleView
}

// office is the landing page of signed-in officials.
func (p *Accounts) office(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if a.Kind != actor.Official {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	d := officeData{Roles: p.roleViews(r, a.Roles)}
	if p.agencyName != nil && a.AgencyID != 0 {
		d.Agency = p.agencyName(r, a.AgencyID)
	}
	p.rd.render(w, r, http.StatusOK, "account_office", "office.title", d)
}
