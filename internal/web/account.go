package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
)

type accountData struct {
	Account      identity.Account
	Roles        []roleView
	Sessions     []identity.Session
	Tokens       []identity.TokenInfo
	Events       []identity.Event // security notices for the holder
	Modules      []string
	NewToken     string // shown once after creation
	RecoveryLeft int
	Notice       string // catalog key of a success notice
	Error        string
	MFARequired  bool
}

type roleView struct {
	Label    string
	AgencyID int64
	Agency   string
	Subtree  bool
	Role     string
	// CanRevoke shapes the users page: access.Permits on revoking this
	// grant (identity asks access.Can again).
	CanRevoke bool
}

func (p *Accounts) roleViews(r *http.Request, grants []actor.RoleGrant) []roleView {
	out := make([]roleView, 0, len(grants))
	for _, g := range grants {
		v := roleView{Label: access.Role(g.Role).Label(), AgencyID: g.AgencyID, Subtree: g.Subtree, Role: g.Role}
		if p.agencyName != nil && g.AgencyID != 0 {
			v.Agency = p.agencyName(r, g.AgencyID)
		}
		out = append(out, v)
	}
	return out
}

// accountPage renders "my account" with a status, a notice and an error.
func (p *Accounts) accountPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d accountData) {
	ctx := r.Context()
	acc, err := p.id.Account(ctx, a, a.AccountID)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Account = acc
	d.Roles = p.roleViews(r, acc.Roles)
	d.MFARequired = acc.MFARequired()
	if d.Sessions, err = p.id.Sessions(ctx, a); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Tokens, err = p.id.Tokens(ctx, a); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Events, err = p.id.Events(ctx, a); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if acc.TOTPEnabled {
		d.RecoveryLeft, _ = p.id.RecoveryCodesLeft(ctx, a)
	}
	d.Modules = identity.TokenModules()
	p.rd.render(w, r, status, "account", "account.title", d)
}

func (p *Accounts) account(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	notice := ""
	switch r.URL.Query().Get("ok") {
	case "password":
		notice = "account.password.done"
	case "session":
		notice = "account.sessions.revoked"
	case "token":
		notice = "account.tokens.revoked"
	}
	p.accountPage(w, r, a, http.StatusOK, accountData{Notice: notice})
}

// fail re-renders the account page with err's message and status.
func (p *Accounts) fail(w http.ResponseWriter, r *http.Request, a *actor.Actor, err error) {
	httpx.LogError(r, httpx.Status(err), err)
	if apperr.Is(err, apperr.Unauthorized) {
		p.rd.errorPage(w, r, err)
		return
	}
	p.accountPage(w, r, a, httpx.Status(err), accountData{Error: apperr.MessageOf(err)})
}

func (p *Accounts) changePassword(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		p.fail(w, r, a, apperr.FieldError("password2", "Hai lần nhập mật khẩu mới không khớp"))
		return
	}
	token, err := p.id.ChangePassword(r.Context(), a, r.PostFormValue("current"), r.PostFormValue("password"))
	if err != nil {
		p.fail(w, r, a, err)
		return
	}
	identityhttp.SetCookie(w, r, token, p.secure)
	http.Redirect(w, r, "/account?ok=password", http.StatusSeeOther)
}

func (p *Accounts) revokeSession(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := p.id.RevokeSession(r.Context(), a, r.PathValue("id")); err != nil {
		p.fail(w, r, a, err)
		return
	}
	if r.PathValue("id") == a.SessionID {
		identityhttp.ClearCookie(w, r, p.secure)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?ok=session", http.StatusSeeOther)
}

func (p *Accounts) revokeAll(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if _, err := p.id.SignOutEverywhere(r.Context(), a); err != nil {
		p.fail(w, r, a, err)
		return
	}
	identityhttp.ClearCookie(w, r, p.secure)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (p *Accounts) createToken(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, a, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || days > 365 {
		p.fail(w, r, a, apperr.FieldError("days", "Thời hạn phải từ 1 đến 365 ngày"))
		return
	}
	secret, _, err := p.id.CreateToken(r.Context(), a, r.PostFormValue("name"), r.PostForm["scope"], time.Duration(days)*24*time.Hour)
	if err != nil {
		p.fail(w, r, a, err)
		return
	}
	p.accountPage(w, r, a, http.StatusCreated, accountData{NewToken: secret, Notice: "account.tokens.created"})
}

func (p *Accounts) revokeToken(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.fail(w, r, a, apperr.New(apperr.NotFound, "Không tìm thấy mã truy cập"))
		return
	}
	if err := p.id.RevokeToken(r.Context(), a, id); err != nil {
		p.fail(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/account?ok=token", http.StatusSeeOther)
}
