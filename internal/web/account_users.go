package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

// agencyHeader is what the users and security pages share above their
// lists: the agency shown and the agencies the actor may pick.
type agencyHeader struct {
	AgencyID int64
	Agency   string
	Agencies []org.Agency // agencies in the actor's scope (the agency select)
}

// agencyAccounts lists the agency's official accounts and completes h:
// the agency's name and, unless the caller has them, the agencies in the
// actor's scope for action.
func (p *Accounts) agencyAccounts(r *http.Request, a *actor.Actor, agency int64, action access.Action, h *agencyHeader) ([]identity.Account, error) {
	ctx := r.Context()
	list, err := p.id.Officials(ctx, a, agency)
	if err != nil {
		return nil, err
	}
	if h.Agencies == nil {
		if h.Agencies, err = p.agenciesInScope(ctx, a, action); err != nil {
			return nil, err
		}
	}
	h.AgencyID = agency
	if p.agencyName != nil {
		h.Agency = p.agencyName(r, agency)
	}
	return list, nil
}

type usersData struct {
	agencyHeader
	Units     []org.Unit     // the agency's current units
	People    []org.Official // the agency's officials in org, to link an account to
	Positions []org.Position // the position catalogue
	Officials []userRow
	Roles     []access.Role
	// CanSubtree: the actor may grant over the agency's subtree.
	CanSubtree bool
	Notice     string
	Error      string
	Form       identity.NewOfficial
	Role       string
}

type userRow struct {
	Account identity.Account
	Roles   []roleView
	// CanGrant: the actor may give this account one of the roles offered
	// (not a platform role's holder out of their reach, not themselves).
	CanGrant bool
}

// HasPosition reports whether the form being re-shown had position id ticked.
func (d usersData) HasPosition(id int64) bool { return slices.Contains(d.Form.Positions, id) }

// users is the agency administrator's page: the agency's officials, a form
// to create one, and role grants. The agency, unit, official record and
// positions are chosen from org (no ids to type); identity asks access.Can
// for each change and checks the choices against org again.
func (p *Accounts) users(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	agencies, err := p.agenciesInScope(r.Context(), a, access.IdentityUserCreate)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	agency, ok := pickAgency(r, a, agencies)
	if !ok {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy cơ quan"))
		return
	}
	// The page is a form to create accounts: refused (403) to whoever may
	// not create one there, rather than shown for the action to fail.
	if err := access.Authorize(r.Context(), a, access.IdentityUserCreate, access.Resource{Type: "agency", ID: strconv.FormatInt(agency, 10), AgencyID: agency}); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("ok") != "" {
		notice = "users.done"
	}
	p.usersPage(w, r, a, agency, http.StatusOK, usersData{Notice: notice, agencyHeader: agencyHeader{Agencies: agencies}})
}

// pickAgency returns the agency named by ?agency=, else the actor's own
// when it is in the list, else the list's first; false for a malformed id.
func pickAgency(r *http.Request, a *actor.Actor, agencies []org.Agency) (int64, bool) {
	if v := r.URL.Query().Get("agency"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		return id, err == nil && id > 0
	}
	if len(agencies) == 0 || slices.ContainsFunc(agencies, func(g org.Agency) bool { return g.ID == a.AgencyID }) {
		return a.AgencyID, true
	}
	return agencies[0].ID, true
}

// agenciesInScope lists today's agencies over which a may perform action,
// for a page's agency select. access.Permits gives the answer access.Can
// would, recording nothing; the change itself is still decided by Can.
// Candidates come from a's grants first, so a provincial administrator's
// page does not ask about every agency of the country.
func (p *Accounts) agenciesInScope(ctx context.Context, a *actor.Actor, action access.Action) ([]org.Agency, error) {
	if p.org == nil {
		return nil, nil
	}
	def, _ := access.Lookup(action)
	platform, candidates := false, map[int64]bool{}
	for _, g := range a.Roles {
		if def.Roles[access.Role(g.Role)] == access.ScopeNone {
			continue
		}
		switch {
		case g.AgencyID == 0:
			platform = true
		case g.Subtree:
			ids, err := p.org.Subtree(ctx, g.AgencyID, org.Date{})
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
			for _, id := range ids {
				candidates[id] = true
			}
		default:
			candidates[g.AgencyID] = true
		}
	}
	if !platform && len(candidates) == 0 {
		return nil, nil
	}
	all, err := p.org.Agencies(ctx, org.AgencyFilter{})
	if err != nil {
		return nil, err
	}
	var out []org.Agency
	for _, g := range all {
		if (platform || candidates[g.ID]) && access.Permits(ctx, a, action, access.Resource{Type: "agency", ID: strconv.FormatInt(g.ID, 10), AgencyID: g.ID}) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (p *Accounts) usersPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, agency int64, status int, d usersData) {
	ctx := r.Context()
	list, err := p.agencyAccounts(r, a, agency, access.IdentityUserCreate, &d.agencyHeader)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if p.org != nil {
		if d.Units, err = p.org.Units(ctx, agency, org.Date{}); err == nil {
			d.People, err = p.org.Officials(ctx, org.OfficialFilter{AgencyID: agency})
		}
		if err == nil {
			d.Positions, err = p.org.Positions(ctx)
		}
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	// Offer the roles the actor may hand out in this agency, on the accounts
	// and grants within their reach; identity asks access.Can again for
	// each change.
	for _, role := range access.OfficialRoles() {
		res := access.Resource{Type: "agency", ID: strconv.FormatInt(agency, 10), AgencyID: agency, Role: role}
		if access.Permits(ctx, a, access.IdentityRoleGrant, res) {
			d.Roles = append(d.Roles, role)
			res.Subtree = true
			d.CanSubtree = d.CanSubtree || access.Permits(ctx, a, access.IdentityRoleGrant, res)
		}
	}
	for _, acc := range list {
		row := userRow{Account: acc, Roles: p.roleViews(r, acc.Roles)}
		res := acc.PrivilegeResource()
		for i, g := range row.Roles {
			res.AgencyID, res.Role, res.Subtree = g.AgencyID, access.Role(g.Role), g.Subtree
			row.Roles[i].CanRevoke = access.Permits(ctx, a, access.IdentityRoleRevoke, res)
		}
		res.AgencyID, res.Subtree = agency, false
		for _, role := range d.Roles {
			if res.Role = role; access.Permits(ctx, a, access.IdentityRoleGrant, res) {
				row.CanGrant = true
				break
			}
		}
		d.Officials = append(d.Officials, row)
	}
	p.rd.render(w, r, status, "account_users", "users.title", d)
}

func formID(r *http.Request, name string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func (p *Accounts) createUser(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	in := identity.NewOfficial{Username: trimmed(r, "username"), Name: trimmed(r, "name"), Email: trimmed(r, "email"),
		Phone: trimmed(r, "phone"), Password: r.PostFormValue("password"), OfficialID: formID(r, "official"),
		AgencyID: formID(r, "agency"), UnitID: formID(r, "unit")}
	for _, f := range r.PostForm["position"] {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			id = -1
		}
		in.Positions = append(in.Positions, id)
	}
	role := r.PostFormValue("role")
	in.Role = role
	if _, err := p.id.CreateOfficial(r.Context(), a, in); err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.NotFound) {
			p.rd.errorPage(w, r, err)
			return
		}
		in.Password = ""
		p.usersPage(w, r, a, in.AgencyID, httpx.Status(err), usersData{Error: apperr.MessageOf(err), Form: in, Role: role})
		return
	}
	http.Redirect(w, r, "/admin/users?ok=1&agency="+strconv.FormatInt(in.AgencyID, 10), http.StatusSeeOther)
}

func (p *Accounts) grantRole(w http.ResponseWriter, r *http.Request) { p.changeRole(w, r, true) }

func (p *Accounts) revokeRole(w http.ResponseWriter, r *http.Request) { p.changeRole(w, r, false) }

func (p *Accounts) changeRole(w http.ResponseWriter, r *http.Request, grant bool) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tài khoản"))
		return
	}
	g := actor.RoleGrant{Role: r.PostFormValue("role"), AgencyID: formID(r, "agency"), Subtree: r.PostFormValue("subtree") == "1"}
	if grant {
		err = p.id.GrantRole(r.Context(), a, id, g)
	} else {
		err = p.id.RevokeRole(r.Context(), a, id, g)
	}
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	back := formID(r, "back")
	if back == 0 {
		back = g.AgencyID
	}
	http.Redirect(w, r, "/admin/users?ok=1&agency="+strconv.FormatInt(back, 10), http.StatusSeeOther)
}
