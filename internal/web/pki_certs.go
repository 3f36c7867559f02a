package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

type certsData struct {
	CAs      []pki.CA
	Certs    []certRow
	Filter   certFilter
	Agencies []agencyOption
	Reasons  []string
	Profiles []string
	Next     string // URL of the next page, "" on the last
	Notice   string // catalog key
	Serial   string // the certificate just issued or revoked
	Error    string
}

type certRow struct {
	*pki.Certificate
	Agency string
}

type certFilter struct {
	Q, Profile, Status string
	Agency             int64
}

type agencyOption struct {
	ID       int64
	Name     string
	Selected bool
}

// revocationReasons are the reasons offered on the page (RFC 5280 names;
// certificateHold is refused by pki: revocation is final).
var revocationReasons = []string{"keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation", "privilegeWithdrawn", "unspecified"}

// caRoles may administer certificates (pki.cert.issue/revoke/read over an
// agency).
var caRoles = []access.Role{access.SecurityOfficer, access.SystemAdmin, access.AgencyAdmin, access.Auditor}

// defaultAgency is the agency whose certificates a CA page shows first: 0
// (all) for a platform-wide grant, else the agency of the first grant of a
// CA role.
func defaultAgency(a *actor.Actor) int64 {
	var first int64 = -1
	for _, g := range a.Roles {
		for _, r := range caRoles {
			if g.Role == string(r) {
				if g.AgencyID == 0 {
					return 0
				}
				if first < 0 {
					first = g.AgencyID
				}
			}
		}
	}
	if first < 0 {
		return 0
	}
	return first
}

// agencyOptions lists today's agencies for a select, selected marked.
func (p *Signatures) agencyOptions(r *http.Request, selected int64) ([]agencyOption, map[int64]string) {
	names := map[int64]string{}
	list, err := p.org.Agencies(r.Context(), org.AgencyFilter{})
	if err != nil {
		return nil, names
	}
	out := make([]agencyOption, 0, len(list))
	for _, g := range list {
		names[g.ID] = g.Name
		out = append(out, agencyOption{ID: g.ID, Name: g.Name, Selected: g.ID == selected})
	}
	return out, names
}

// certificates is the security officer's list of issued certificates with
// a filter (name or UID, profile, status, agency) and revocation forms.
func (p *Signatures) certificates(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	f := certFilter{Q: q.Get("q"), Profile: q.Get("profile"), Status: q.Get("status"), Agency: defaultAgency(a)}
	if v := q.Get("agency"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			p.rd.errorPage(w, r, apperr.FieldError("agency", "Cơ quan không hợp lệ"))
			return
		}
		f.Agency = id
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	d := certsData{Filter: f, Reasons: revocationReasons, Serial: q.Get("serial")}
	switch q.Get("ok") {
	case "issued":
		d.Notice = "pki.issued"
	case "revoked":
		d.Notice = "pki.revoked"
	}
	p.certsPage(w, r, a, after, http.StatusOK, d)
}

func (p *Signatures) certsPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, after int64, status int, d certsData) {
	const pageSize = 100
	lf := pki.ListFilter{Search: d.Filter.Q, Profile: d.Filter.Profile, AgencyID: d.Filter.Agency, AfterID: after, Limit: pageSize}
	switch d.Filter.Status {
	case "valid":
		no := false
		lf.Revoked = &no
	case "revoked":
		yes := true
		lf.Revoked = &yes
	}
	list, err := p.pki.List(r.Context(), a, lf)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Profiles = []string{"official", "seal", "tsa", "ocsp", "ca"}
	var names map[int64]string
	d.Agencies, names = p.agencyOptions(r, d.Filter.Agency)
	for _, c := range list {
		d.Certs = append(d.Certs, certRow{Certificate: c, Agency: names[c.AgencyID]})
	}
	if len(list) == pageSize {
		v := url.Values{"q": {d.Filter.Q}, "profile": {d.Filter.Profile}, "status": {d.Filter.Status},
			"agency": {strconv.FormatInt(d.Filter.Agency, 10)}, "after": {strconv.FormatInt(list[len(list)-1].ID, 10)}}
		d.Next = "/admin/pki?" + v.Encode()
	}
	d.CAs, _ = p.pki.CAs(r.Context(), a)
	p.rd.render(w, r, status, "pki_certs", "pki.title", d)
}

// revoke revokes a certificate with a reason (and an optional note kept in
// the audit log).
func (p *Signatures) revoke(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	reason, err := pki.ParseReason(r.PostFormValue("reason"))
	if err == nil {
		_, err = p.pki.Revoke(r.Context(), a, r.PathValue("serial"), reason, trimmed(r, "note"))
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) || apperr.Is(err, apperr.NotFound) {
			p.rd.errorPage(w, r, err)
			return
		}
		p.certsPage(w, r, a, 0, httpx.Status(err), certsData{Filter: certFilter{Agency: defaultAgency(a)}, Reasons: revocationReasons,
			Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/admin/pki?ok=revoked&serial="+url.QueryEscape(r.PathValue("serial")), http.StatusSeeOther)
}
