package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

type securityData struct {
	agencyHeader
	Rows       []securityRow
	Clearances []access.Level
	// CanClearance and CanDisable shape the page (access.Permits over the
	// agency); the service still decides each change with access.Can.
	CanClearance, CanDisable bool
	Notice                   string
	Error                    string
}

type securityRow struct {
	Account identity.Account
	Roles   []roleView
	MFA     string // catalog key of the second-factor status
	Locked  bool   // temporarily locked after wrong passwords
	Self    bool   // the actor's own account: no changes offered
	// CanClearance and CanDisable shape the row's forms: access.Permits on
	// the account itself (its grants and clearance), so a platform role's
	// holder, or an official cleared above the actor, gets no form.
	CanClearance, CanDisable bool
}

// security is the security officer's page: the accounts of an agency with
// their roles, second-factor status, clearance and state, and the forms
// to set a clearance or disable and re-enable an account. Every change goes
// through identity, which asks access.Can (no one changes their own
// clearance or state) and audits it.
func (p *Accounts) security(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	notice := ""
	switch r.URL.Query().Get("ok") {
	case "clearance":
		notice = "security.done.clearance"
	case "disabled":
		notice = "security.done.disabled"
	case "enabled":
		notice = "security.done.enabled"
	}
	agencies, err := p.agenciesInScope(r.Context(), a, access.IdentityUserRead)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	agency, ok := pickAgency(r, a, agencies)
	if !ok {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy cơ quan"))
		return
	}
	p.securityPage(w, r, a, agency, http.StatusOK, securityData{Notice: notice, agencyHeader: agencyHeader{Agencies: agencies}})
}

func (p *Accounts) securityPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, agency int64, status int, d securityData) {
	ctx := r.Context()
	list, err := p.agencyAccounts(r, a, agency, access.IdentityUserRead, &d.agencyHeader)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	res := access.Resource{Type: "agency", ID: strconv.FormatInt(agency, 10), AgencyID: agency}
	d.CanClearance = access.Permits(ctx, a, access.IdentityClearanceSet, res)
	d.CanDisable = access.Permits(ctx, a, access.IdentityUserDisable, res)
	for _, l := range access.Levels() {
		res.Clearance = l
		if _, err := access.ParseClearance(l.String()); err == nil && access.Permits(ctx, a, access.IdentityClearanceSet, res) {
			d.Clearances = append(d.Clearances, l)
		}
	}
	now := p.now()
	for _, acc := range list {
		row := securityRow{Account: acc, Roles: p.roleViews(r, acc.Roles), Self: acc.ID == a.AccountID, Locked: now.Before(acc.LockedUntil)}
		res := acc.PrivilegeResource()
		row.CanClearance = d.CanClearance && access.Permits(ctx, a, access.IdentityClearanceSet, res)
		row.CanDisable = d.CanDisable && access.Permits(ctx, a, access.IdentityUserDisable, res)
		switch {
		case acc.TOTPEnabled:
			row.MFA = "security.mfa.on"
		case acc.MFARequired() && acc.Demo:
			row.MFA = "security.mfa.demo"
		case acc.MFARequired():
			row.MFA = "security.mfa.missing"
		default:
			row.MFA = "security.mfa.off"
		}
		d.Rows = append(d.Rows, row)
	}
	p.rd.render(w, r, status, "account_security", "security.title", d)
}

// securityChange runs change on the account named in the path and goes
// back to the list of the agency named by the form's "back" field.
func (p *Accounts) securityChange(w http.ResponseWriter, r *http.Request, done string, change func(a *actor.Actor, id int64) error) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tài khoản"))
		return
	}
	back := formID(r, "back")
	if err := change(a, id); err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		if !apperr.Is(err, apperr.Invalid) || back == 0 {
			p.rd.errorPage(w, r, err)
			return
		}
		p.securityPage(w, r, a, back, httpx.Status(err), securityData{Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/admin/security?ok="+done+"&agency="+strconv.FormatInt(back, 10), http.StatusSeeOther)
}

func (p *Accounts) setClearance(w http.ResponseWriter, r *http.Request) {
	p.securityChange(w, r, "clearance", func(a *actor.Actor, id int64) error {
		level, err := access.ParseClearance(r.PostFormValue("level"))
		if err != nil {
			return err
		}
		return p.id.SetClearance(r.Context(), a, id, level)
	})
}

func (p *Accounts) disable(w http.ResponseWriter, r *http.Request) {
	p.securityChange(w, r, "disabled", func(a *actor.Actor, id int64) error {
		return p.id.SetDisabled(r.Context(), a, id, true)
	})
}

func (p *Accounts) enable(w http.ResponseWriter, r *http.Request) {
	p.securityChange(w, r, "enabled", func(a *actor.Actor, id int64) error {
		return p.id.SetDisabled(r.Context(), a, id, false)
	})
}
