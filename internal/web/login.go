package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Accounts are the sign-in, registration, "my account", office and
// account-administration pages. They are thin: parse the form, call
// identity (which asks access.Can), render or redirect.
type Accounts struct {
	rd     *renderer
	id     *identity.Service
	secure bool
	// AgencyName names an agency on the office page; optional.
	agencyName func(r *http.Request, id int64) string
	// org lists agencies, units, positions and officials for the
	// administration pages' selects (Deps.Org).
	org *org.Service
	now func() time.Time
}

// AccountsDeps are what the account pages need.
type AccountsDeps struct {
	Identity *identity.Service
	// Secure marks session cookies Secure on plain-HTTP requests too (TLS
	// terminated by a proxy).
	Secure bool
	// AgencyName returns an agency's name for display; optional.
	AgencyName func(r *http.Request, id int64) string
}

// Accounts returns the account pages sharing h's templates.
func (h *Handler) Accounts(deps AccountsDeps) *Accounts {
	return &Accounts{rd: h.rd, id: deps.Identity, secure: deps.Secure, agencyName: deps.AgencyName, org: h.deps.Org, now: h.deps.Now}
}

// Register mounts the account pages on mux. CrossOriginProtection (in the
// middleware chain) covers every POST here.
func (p *Accounts) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", p.loginForm)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("GET /login/otp", p.otpForm)
	mux.HandleFunc("POST /login/otp", p.otp)
	mux.HandleFunc("POST /logout", p.logout)
	mux.HandleFunc("GET /register", p.registerForm)
	mux.HandleFunc("POST /register", p.register)
	mux.HandleFunc("GET /account", p.account)
	mux.HandleFunc("POST /account/password", p.changePassword)
	mux.HandleFunc("POST /account/totp/begin", p.totpBegin)
	mux.HandleFunc("GET /account/totp", p.totpPage)
	mux.HandleFunc("POST /account/totp/confirm", p.totpConfirm)
	mux.HandleFunc("POST /account/totp/recovery", p.totpRecovery)
	mux.HandleFunc("POST /account/sessions/{id}/revoke", p.revokeSession)
	mux.HandleFunc("POST /account/sessions/revoke-all", p.revokeAll)
	mux.HandleFunc("POST /account/tokens", p.createToken)
	mux.HandleFunc("POST /account/tokens/{id}/revoke", p.revokeToken)
	mux.HandleFunc("GET /office", p.office)
	mux.HandleFunc("GET /admin/users", p.users)
	mux.HandleFunc("POST /admin/users", p.createUser)
	mux.HandleFunc("POST /admin/users/{id}/roles", p.grantRole)
	mux.HandleFunc("POST /admin/users/{id}/roles/revoke", p.revokeRole)
	mux.HandleFunc("POST /admin/users/{id}/unlock", p.unlock)
	mux.HandleFunc("GET /admin/security", p.security)
	mux.HandleFunc("POST /admin/security/{id}/clearance", p.setClearance)
	mux.HandleFunc("POST /admin/security/{id}/disable", p.disable)
	mux.HandleFunc("POST /admin/security/{id}/enable", p.enable)
}

type loginData struct {
	Login string
	Error string
	// Locked: the login is locked; the form adds the code field with
	// which the owner passes the lock.
	Locked bool
	// Next is the portal page to return to once signed in.
	Next string
}

func (p *Accounts) loginForm(w http.ResponseWriter, r *http.Request) {
	if a := actor.From(r.Context()); a != nil {
		http.Redirect(w, r, home(a), http.StatusSeeOther)
		return
	}
	p.rd.render(w, r, http.StatusOK, "login", "login.title", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext is a page of the portal to return to after signing in (the
// dossier form sends anonymous visitors here with ?next=); anything else,
// another site above all, is dropped.
func safeNext(v string) string {
	if !strings.HasPrefix(v, "/portal/") || strings.ContainsAny(v, "\\\r\n") || strings.Contains(v, "//") {
		return ""
	}
	return v
}

// home is where a signed-in actor lands.
func home(a *actor.Actor) string {
	if a.Kind == actor.Official {
		return "/office"
	}
	return "/account"
}

func (p *Accounts) login(w http.ResponseWriter, r *http.Request) {
	login := r.PostFormValue("login")
	// Previous: whatever session this browser still holds (another
	// person's on a shared computer, say) ends when this sign-in succeeds.
	res, err := p.id.Login(r.Context(), identity.LoginRequest{Login: login, Password: r.PostFormValue("password"),
		OTP: r.PostFormValue("otp"), IP: identityhttp.ClientIP(r), UserAgent: r.UserAgent(),
		Device: identityhttp.DeviceToken(r), Previous: identityhttp.Token(r.Context())})
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.rd.render(w, r, httpx.Status(err), "login", "login.title", loginData{Login: login, Error: apperr.MessageOf(err), Locked: identity.IsLocked(err),
			Next: safeNext(r.PostFormValue("next"))})
		return
	}
	identityhttp.SetCookie(w, r, res.Token, p.secure)
	if res.Device != "" {
		identityhttp.SetDeviceCookie(w, r, res.Device, p.secure)
	}
	switch res.Session.Stage {
	case identity.StageMFA:
		http.Redirect(w, r, "/login/otp", http.StatusSeeOther)
	case identity.StageEnrol:
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	default:
		if next := safeNext(r.PostFormValue("next")); next != "" {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		if res.Account.Kind == actor.Official {
			http.Redirect(w, r, "/office", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	}
}

func (p *Accounts) otpForm(w http.ResponseWriter, r *http.Request) {
	if ss, ok := identityhttp.SessionOf(r.Context()); !ok || ss.Stage != identity.StageMFA {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p.rd.render(w, r, http.StatusOK, "login_otp", "login.otp.title", loginData{})
}

func (p *Accounts) otp(w http.ResponseWriter, r *http.Request) {
	res, err := p.id.CompleteMFAFrom(r.Context(), identityhttp.Token(r.Context()), r.PostFormValue("code"), identityhttp.ClientIP(r), identityhttp.DeviceToken(r))
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.rd.render(w, r, httpx.Status(err), "login_otp", "login.otp.title", loginData{Error: apperr.MessageOf(err)})
		return
	}
	identityhttp.SetCookie(w, r, res.Token, p.secure)
	if res.Device != "" {
		identityhttp.SetDeviceCookie(w, r, res.Device, p.secure)
	}
	if res.Account.Kind == actor.Official {
		http.Redirect(w, r, "/office", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (p *Accounts) logout(w http.ResponseWriter, r *http.Request) {
	if err := p.id.Logout(r.Context(), actor.From(r.Context()), identityhttp.Token(r.Context())); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	identityhttp.ClearCookie(w, r, p.secure)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signedIn returns the actor or sends the visitor to the sign-in page.
func signedIn(w http.ResponseWriter, r *http.Request) *actor.Actor {
	a := actor.From(r.Context())
	if a == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return a
}

func trimmed(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
