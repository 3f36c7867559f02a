package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
)

type officeData struct {
	Agency string
	Roles  []roleView
	// Users and Security link the administration pages for roles that may
	// use them somewhere; access.Can decides on the page itself.
	Users, Security bool
	// Audit links the audit viewer (audit.read).
	Audit bool
	// Jobs links the background jobs page (jobs.view).
	Jobs bool
	// Webhooks links the webhook endpoints page (notify.webhook.view).
	Webhooks bool
	// Exchange links the document exchange page (exchange.peer.view).
	Exchange bool
	// Onestop links the one-stop workspace (onestop.dossier.read).
	Onestop bool
	// Outreach links the bulletins to residents (outreach.bulletin.read).
	Outreach bool
}

// holds reports whether one of a's roles may perform action over some
// scope.
func holds(a *actor.Actor, action access.Action) bool {
	def, _ := access.Lookup(action)
	for _, g := range a.Roles {
		if def.Roles[access.Role(g.Role)] != access.ScopeNone {
			return true
		}
	}
	return false
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
	d := officeData{Roles: p.roleViews(r, a.Roles), Users: holds(a, access.IdentityUserCreate), Security: holds(a, access.IdentityUserRead), Audit: holds(a, access.AuditRead),
		Jobs: holds(a, access.JobsView), Webhooks: holds(a, access.NotifyWebhookView), Exchange: holds(a, access.ExchangePeerView),
		Onestop: holds(a, access.OnestopDossierRead), Outreach: holds(a, access.OutreachRead)}
	if p.agencyName != nil && a.AgencyID != 0 {
		d.Agency = p.agencyName(r, a.AgencyID)
	}
	p.rd.render(w, r, http.StatusOK, "account_office", "office.title", d)
}
