package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

type issueData struct {
	Agencies  []agencyOption
	Agency    *org.Agency // the chosen agency, nil before choosing
	Officials []identity.Account
	Province  string
	Form      issueForm
	Error     string
}

type issueForm struct {
	Kind, Days string
	Account    int64
}

// issueForm is the security officer's issuance page: choose an agency from
// org, then an official of it (personal certificate, key kept in the
// platform's key store) or the agency itself (its seal). The names, title,
// code and place in the certificate are org's, not typed here.
func (p *Signatures) issueForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	agency, _ := strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
	p.issuePage(w, r, a, agency, http.StatusOK, issueData{Form: issueForm{Kind: "official"}})
}

// issuePage renders the form, or 403 to whoever may not issue there: the
// form is shown again after a refused POST too, whatever made it fail.
func (p *Signatures) issuePage(w http.ResponseWriter, r *http.Request, a *actor.Actor, agency int64, status int, d issueData) {
	var err error
	if agency > 0 {
		err = access.Authorize(r.Context(), a, access.PKICertIssue, access.Resource{Type: "agency", ID: strconv.FormatInt(agency, 10), AgencyID: agency})
	} else {
		err = allowedSomewhere(r.Context(), a, access.PKICertIssue)
	}
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	// Only what the issuer may issue is offered: the agencies within
	// their reach and the officials other than themselves, decided by pki
	// as Issue decides it.
	all, _ := p.agencyOptions(r, agency)
	for _, o := range all {
		if p.pki.MayIssue(r.Context(), a, o.ID, 0) {
			d.Agencies = append(d.Agencies, o)
		}
	}
	if agency > 0 {
		g, err := p.org.Agency(r.Context(), agency, org.Date{})
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		d.Agency = g
		d.Province = p.provinceOf(r, g)
		// The officials with an account in the agency: a certificate's key
		// is used by its holder's account (identity asks access.Can).
		officials, err := p.id.Officials(r.Context(), a, agency)
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		for _, o := range officials {
			if p.pki.MayIssue(r.Context(), a, agency, o.ID) {
				d.Officials = append(d.Officials, o)
			}
		}
	}
	p.rd.render(w, r, status, "pki_issue", "pki.issue.title", d)
}

// provinceOf names the province an agency serves ("" for ministries).
func (p *Signatures) provinceOf(r *http.Request, g *org.Agency) string {
	code := g.AdminUnitCode
	if code == "" {
		return ""
	}
	u, err := p.org.AdminUnit(r.Context(), code, org.Date{})
	if err != nil {
		return ""
	}
	if u.ProvinceCode != "" && u.ProvinceCode != u.Code {
		if pu, err := p.org.AdminUnit(r.Context(), u.ProvinceCode, org.Date{}); err == nil {
			u = pu
		}
	}
	name := u.Name
	for _, prefix := range []string{"Tỉnh ", "Thành phố "} {
		name = strings.TrimPrefix(name, prefix)
	}
	return name
}

// issue issues the certificate and shows it in the list.
func (p *Signatures) issue(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	f := issueForm{Kind: r.PostFormValue("kind"), Days: trimmed(r, "days"), Account: formID(r, "account")}
	agency := formID(r, "agency")
	c, err := p.issueCert(r, a, agency, f)
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
			p.rd.errorPage(w, r, err)
			return
		}
		p.issuePage(w, r, a, agency, httpx.Status(err), issueData{Form: f, Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/admin/pki?ok=issued&agency="+strconv.FormatInt(agency, 10)+"&serial="+url.QueryEscape(c.Serial), http.StatusSeeOther)
}

func (p *Signatures) issueCert(r *http.Request, a *actor.Actor, agency int64, f issueForm) (*pki.Certificate, error) {
	ctx := r.Context()
	g, err := p.org.Agency(ctx, agency, org.Date{})
	if err != nil {
		return nil, apperr.FieldError("agency", "Hãy chọn cơ quan")
	}
	req := pki.IssueRequest{AgencyID: g.ID}
	if f.Days != "" {
		days, err := strconv.Atoi(f.Days)
		if err != nil || days < 1 || days > 3650 {
			return nil, apperr.FieldError("days", "Thời hạn phải từ 1 đến 3650 ngày")
		}
		req.Validity = time.Duration(days) * 24 * time.Hour
	}
	switch f.Kind {
	case "official":
		if f.Account == 0 {
			return nil, apperr.FieldError("account", "Hãy chọn cán bộ nhận chứng thư số")
		}
		req.Profile, req.Holder = "official", f.Account
	case "seal":
		req.Profile = "seal"
	default:
		return nil, apperr.FieldError("kind", "Hãy chọn loại chứng thư số (cá nhân hoặc con dấu của cơ quan)")
	}
	return p.pki.Issue(ctx, a, req)
}
