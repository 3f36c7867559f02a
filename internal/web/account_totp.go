package web

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
)

type totpData struct {
	Enabled  bool
	Required bool
	QR       template.URL // data: URL of the QR code PNG (CSP allows img-src data:)
	Secret   string
	Codes    []string // recovery codes, shown once
	Left     int
	Error    string
}

// totpPage shows the pending enrolment's QR code, or the state of an
// enabled factor. The page is no-store (render sets Cache-Control), so the
// secret is not kept by caches.
func (p *Accounts) totpPage(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.totpRender(w, r, http.StatusOK, totpData{})
}

func (p *Accounts) totpRender(w http.ResponseWriter, r *http.Request, status int, d totpData) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	acc, err := p.id.Account(r.Context(), a, a.AccountID)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Enabled, d.Required = acc.TOTPEnabled, acc.MFARequired()
	if !d.Enabled {
		enr, err := p.id.PendingTOTP(r.Context(), a)
		if err == nil {
			d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(enr.PNG))
			d.Secret = enr.Secret
		} else if !apperr.Is(err, apperr.NotFound) {
			p.rd.errorPage(w, r, err)
			return
		}
	} else if d.Codes == nil {
		d.Left, _ = p.id.RecoveryCodesLeft(r.Context(), a)
	}
	p.rd.render(w, r, status, "account_totp", "totp.title", d)
}

func (p *Accounts) totpBegin(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if _, err := p.id.BeginTOTP(r.Context(), a); err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.totpRender(w, r, httpx.Status(err), totpData{Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
}

func (p *Accounts) totpConfirm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	codes, token, err := p.id.ConfirmTOTP(r.Context(), a, r.PostFormValue("code"))
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.totpRender(w, r, httpx.Status(err), totpData{Error: apperr.MessageOf(err)})
		return
	}
	identityhttp.SetCookie(w, r, token, p.secure)
	p.rd.render(w, r, http.StatusOK, "account_totp", "totp.title", totpData{Enabled: true, Codes: codes})
}

func (p *Accounts) totpRecovery(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	codes, err := p.id.RegenerateRecoveryCodes(r.Context(), a)
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.totpRender(w, r, httpx.Status(err), totpData{Error: apperr.MessageOf(err)})
		return
	}
	p.rd.render(w, r, http.StatusOK, "account_totp", "totp.title", totpData{Enabled: true, Codes: codes})
}
