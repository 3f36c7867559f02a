package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditview"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// AuditPages is the audit viewer of auditors and security officers
// (/admin/audit): entries filtered by person, agency, object, action,
// period and outcome, newest first, a page at a time, each linking to its
// inclusion proof, and the CSV export of the same filter. auditview asks
// access.Can; viewing is not recorded, exporting is.
type AuditPages struct {
	rd    *renderer
	audit *auditview.Service
	id    *identity.Service
	org   *org.Service
	now   func() time.Time
}

// AuditDeps are what the audit viewer needs.
type AuditDeps struct {
	Audit *auditview.Service
	// Identity lists an agency's officials for the person filter.
	Identity *identity.Service
}

// Audit returns the audit viewer sharing h's templates.
func (h *Handler) Audit(d AuditDeps) *AuditPages {
	return &AuditPages{rd: h.rd, audit: d.Audit, id: d.Identity, org: h.deps.Org, now: h.deps.Now}
}

// Register mounts the viewer on mux.
func (p *AuditPages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/audit", p.list)
	mux.HandleFunc("GET /admin/audit/export", p.export)
}

// auditForm is the filter as typed, re-shown in the form.
type auditForm struct {
	Agency                     int64
	Account                    int64
	ObjectType, ObjectID       string
	Action, Outcome, From, To  string // From, To: YYYY-MM-DD (date inputs)
	After                      string
	agencySet                  bool
	fromDate, toDate           time.Time
	fromErr, toErr, accountErr bool
}

type auditData struct {
	Form     auditForm
	Agencies []org.Agency
	// Platform offers "every agency": the actor holds audit.read platform-wide.
	Platform bool
	People   []identity.Account
	Rows     []auditRow
	Next     string // URL of the next page
	First    string // URL of the first page, when not on it
	Export   string // URL of the CSV export of the same filter
	Error    string
	Outcomes []string
}

type auditRow struct {
	audit.Row
	Who string // login of the actor when known
}

// parseDay reads a date input's YYYY-MM-DD, or dd/mm/yyyy typed by hand
// where the browser has no date picker.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, s, locale.VN); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseAuditForm(r *http.Request) auditForm {
	q := r.URL.Query()
	f := auditForm{ObjectType: strings.TrimSpace(q.Get("object_type")), ObjectID: strings.TrimSpace(q.Get("object_id")),
		Action: strings.TrimSpace(q.Get("action")), Outcome: q.Get("outcome"), After: q.Get("after")}
	if v := q.Get("agency"); v != "" {
		f.Agency, _ = strconv.ParseInt(v, 10, 64)
		f.agencySet = true
	}
	if v := strings.TrimSpace(q.Get("account")); v != "" {
		var err error
		f.Account, err = strconv.ParseInt(v, 10, 64)
		f.accountErr = err != nil || f.Account < 0
	}
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		var ok bool
		f.fromDate, ok = parseDay(v)
		f.fromErr = !ok
		f.From = v
		if ok {
			f.From = f.fromDate.Format("2006-01-02")
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		var ok bool
		f.toDate, ok = parseDay(v)
		f.toErr = !ok
		f.To = v
		if ok {
			f.To = f.toDate.Format("2006-01-02")
		}
	}
	return f
}

// filter turns the form into the audit filter, or EINVALID naming the field.
func (f auditForm) filter() (audit.Filter, error) {
	switch {
	case f.accountErr:
		return audit.Filter{}, apperr.FieldError("account", "Mã người dùng phải là số")
	case f.fromErr:
		return audit.Filter{}, apperr.FieldError("from", "Ngày bắt đầu không hợp lệ: cần dạng dd/mm/yyyy")
	case f.toErr:
		return audit.Filter{}, apperr.FieldError("to", "Ngày kết thúc không hợp lệ: cần dạng dd/mm/yyyy")
	case len(f.ObjectType) > audit.MaxObjectTypeLen || len(f.ObjectID) > audit.MaxObjectIDLen:
		return audit.Filter{}, apperr.FieldError("object_id", "Loại hoặc mã đối tượng quá dài")
	case !f.fromDate.IsZero() && !f.toDate.IsZero() && f.toDate.Before(f.fromDate):
		return audit.Filter{}, apperr.FieldError("to", "Ngày kết thúc trước ngày bắt đầu")
	}
	af := audit.Filter{Account: f.Account, Agency: f.Agency, ObjectType: f.ObjectType, ObjectID: f.ObjectID,
		ActionPrefix: f.Action, Outcome: f.Outcome, From: f.fromDate, After: f.After}
	if !f.toDate.IsZero() {
		af.To = f.toDate.AddDate(0, 0, 1) // the whole last day
	}
	return af, af.Validate()
}

// query is the form as URL parameters (without the page cursor).
func (f auditForm) query() url.Values {
	v := url.Values{}
	v.Set("agency", strconv.FormatInt(f.Agency, 10))
	if f.Account != 0 {
		v.Set("account", strconv.FormatInt(f.Account, 10))
	}
	for k, s := range map[string]string{"object_type": f.ObjectType, "object_id": f.ObjectID, "action": f.Action,
		"outcome": f.Outcome, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// scope lists the agencies whose entries a may read and whether a may read
// every agency's (a platform-wide grant), for the agency select; access.Can
// still decides in auditview.
func (p *AuditPages) scope(ctx context.Context, a *actor.Actor) ([]org.Agency, bool, error) {
	agencies, err := (&Accounts{org: p.org}).agenciesInScope(ctx, a, access.AuditRead)
	if err != nil {
		return nil, false, err
	}
	return agencies, access.Permits(ctx, a, access.AuditRead, access.Resource{Type: "audit_log", ID: "all"}), nil
}

// auditDefaultAgency is where the viewer opens: every agency for a
// platform-wide reader, else the actor's own agency when in scope, else the
// first in scope (and the actor's own agency when none is, so access
// refuses and records it).
func auditDefaultAgency(a *actor.Actor, agencies []org.Agency, platform bool) int64 {
	if platform {
		return 0
	}
	for _, g := range agencies {
		if g.ID == a.AgencyID {
			return g.ID
		}
	}
	if len(agencies) > 0 {
		return agencies[0].ID
	}
	return a.AgencyID
}

func (p *AuditPages) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	d := auditData{Form: parseAuditForm(r), Outcomes: []string{audit.OutcomeOK, audit.OutcomeDenied, audit.OutcomeFailed}}
	var err error
	if d.Agencies, d.Platform, err = p.scope(ctx, a); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if !d.Form.agencySet {
		d.Form.Agency = auditDefaultAgency(a, d.Agencies, d.Platform)
	}
	f, ferr := d.Form.filter()
	status := http.StatusOK
	if ferr == nil {
		page, err := p.audit.Query(ctx, a, f)
		switch {
		case apperr.Is(err, apperr.Invalid):
			ferr = err
		case err != nil:
			p.rd.errorPage(w, r, err)
			return
		default:
			for _, row := range page.Rows {
				d.Rows = append(d.Rows, auditRow{Row: row})
			}
			q := d.Form.query()
			if page.Next != "" {
				q.Set("after", page.Next)
				d.Next = "/admin/audit?" + q.Encode()
				q.Del("after")
			}
			if d.Form.After != "" {
				d.First = "/admin/audit?" + q.Encode()
			}
			d.Export = "/admin/audit/export?" + q.Encode()
		}
	} else if err := access.Authorize(ctx, a, access.AuditRead, access.Resource{Type: "audit_log", AgencyID: d.Form.Agency}); err != nil {
		p.rd.errorPage(w, r, err) // a bad filter from someone who may not read the log at all
		return
	}
	if ferr != nil {
		httpx.LogError(r, httpx.Status(ferr), ferr)
		status, d.Error = httpx.Status(ferr), apperr.MessageOf(ferr)
	}
	p.people(ctx, a, &d)
	p.rd.render(w, r, status, "audit", "audit.title", d)
}

// people fills the person filter with the officials of the chosen agency,
// when a may list them, and names the rows' actors.
func (p *AuditPages) people(ctx context.Context, a *actor.Actor, d *auditData) {
	if p.id == nil || d.Form.Agency == 0 ||
		!access.Permits(ctx, a, access.IdentityUserRead, access.Resource{Type: "agency", ID: strconv.FormatInt(d.Form.Agency, 10), AgencyID: d.Form.Agency}) {
		return
	}
	list, err := p.id.Officials(ctx, a, d.Form.Agency)
	if err != nil {
		return // the select stays empty; the filter by id still works
	}
	d.People = list
	login := map[int64]string{}
	for _, acc := range list {
		login[acc.ID] = acc.Login
	}
	for i := range d.Rows {
		d.Rows[i].Who = login[d.Rows[i].ActorAccount]
	}
}

// lazyWriter sets the download headers on the first write, so an error
// found before anything was written can still become an error page.
type lazyWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "no-store")
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

// export streams the CSV of the filter; auditview records the export first.
func (p *AuditPages) export(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	form := parseAuditForm(r)
	if !form.agencySet {
		agencies, platform, err := p.scope(ctx, a)
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		form.Agency = auditDefaultAgency(a, agencies, platform)
	}
	f, err := form.filter()
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	f.After = ""
	lw := &lazyWriter{w: w, name: "nhat-ky-kiem-toan-" + p.now().In(locale.VN).Format("2006-01-02-150405") + ".csv"}
	err = p.audit.Export(ctx, a, f, func() io.Writer { return lw })
	switch {
	case err == nil:
	case !lw.started:
		p.rd.errorPage(w, r, err)
	default:
		// Half a file was sent: break the connection so the download
		// shows as failed instead of a silently truncated file.
		httpx.LogError(r, http.StatusInternalServerError, err)
		if !errors.Is(err, context.Canceled) {
			panic(http.ErrAbortHandler)
		}
	}
}
