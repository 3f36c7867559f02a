package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

type usersData struct {
	AgencyID  int64
	Agency    string
	Officials []userRow
	Roles     []access.Role
	Notice    string
	Error     string
	Form      identity.NewOfficial
	Role      string
}

type userRow struct {
	Account identity.Account
	Roles   []roleView
}

// users is the agency administrator's page: the agency's officials, a form
// to create one, and role grants. identity asks access.Can for each.
func (p *Accounts) users(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	agency := a.AgencyID
	if v := r.URL.Query().Get("agency"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy cơ quan"))
			return
		}
		agency = id
	}
	notice := ""
	if r.URL.Query().Get("ok") != "" {
		notice = "users.done"
	}
	p.usersPage(w, r, a, agency, http.StatusOK, usersData{Notice: notice})
}

func (p *Accounts) usersPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, agency int64, status int, d usersData) {
	list, err := p.id.Officials(r.Context(), a, agency)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.AgencyID = agency
	if p.agencyName != nil {
		d.Agency = p.agencyName(r, agency)
	}
	for _, acc := range list {
		d.Officials = append(d.Officials, userRow{Account: acc, Roles: p.roleViews(r, acc.Roles)})
	}
	d.Roles = access.OfficialRoles()
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
	for _, f := range strings.FieldsFunc(r.PostFormValue("positions"), func(c rune) bool { return c == ',' || c == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			id = -1
		}
		in.Positions = append(in.Positions, id)
	}
	role := r.PostFormValue("role")
	acc, err := p.id.CreateOfficial(r.Context(), a, in)
	if err == nil && role != "" {
		err = p.id.GrantRole(r.Context(), a, acc.ID, actor.RoleGrant{Role: role, AgencyID: in.AgencyID})
	}
	if err != nil {
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
