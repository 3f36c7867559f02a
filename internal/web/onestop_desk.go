package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// OnestopDeps are the services of the officers' one-stop workspace.
type OnestopDeps struct {
	Dossiers *onestop.DossierService
	// Catalogue lists the procedures a walk-in dossier is entered for.
	Catalogue *onestop.Catalogue
	// Uploads stores the scanned components and the result PDF, and serves
	// a dossier's files after the dossier's own access check.
	Uploads *blob.Service
	// Calendar decides "due soon" (within one working day); nil counts 24 hours.
	Calendar *calstore.Service
	// Holders lists the officials who may take the next step, offered
	// when a step is completed; nil gives the step to its role as a whole.
	Holders onestop.HolderDirectory
}

// The routes of the workspace that take file uploads (the walk-in entry
// with its scanned components, the leader's decision with the result PDF):
// app gives them the upload body limit. The dossier's code is a form field
// of the decision, so the route is one fixed path.
const (
	OnestopNewRoute      = "/onestop/new"
	OnestopDecisionRoute = "/onestop/decision"
)

// OnestopPages are the officers' one-stop workspace: the queue (/onestop),
// the walk-in entry (/onestop/new), a dossier with the actions its viewer
// may take (/onestop/dossiers/{code}) and the statistics (/onestop/stats).
// The dossier service asks access.Can and audits every change in its
// transaction; the pages offer only what the viewer's roles allow.
type OnestopPages struct {
	rd   *renderer
	deps OnestopDeps
	now  func() time.Time
}

// Onestop returns the workspace pages sharing h's templates.
func (h *Handler) Onestop(d OnestopDeps) *OnestopPages {
	return &OnestopPages{rd: h.rd, deps: d, now: h.deps.Now}
}

// Register mounts the pages on mux.
func (p *OnestopPages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /onestop", p.queue)
	mux.HandleFunc("GET "+OnestopNewRoute, p.newForm)
	mux.HandleFunc("POST "+OnestopNewRoute, p.create)
	mux.HandleFunc("GET /onestop/stats", p.stats)
	mux.HandleFunc("GET /onestop/dossiers/{code}", p.dossier)
	mux.HandleFunc("GET /onestop/dossiers/{code}/files/{n}", p.file)
	mux.HandleFunc("POST /onestop/dossiers/{code}/{action}", p.act)
	mux.HandleFunc("POST "+OnestopDecisionRoute, p.decide)
}

// deskOfficial returns the signed-in official of the one-stop service, or
// answers: the sign-in page for a visitor, 403 for anyone else.
func deskOfficial(w http.ResponseWriter, r *http.Request, rd *renderer) *actor.Actor {
	a := signedIn(w, r)
	if a == nil {
		return nil
	}
	if a.Kind != actor.Official || !(holds(a, access.OnestopDossierRead) || holds(a, access.OnestopStatsRead)) {
		rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Trang này dành cho cán bộ một cửa, chuyên viên và lãnh đạo cơ quan"))
		return nil
	}
	return a
}

func (p *OnestopPages) calendar(ctx context.Context) *calendar.Calendar {
	if p.deps.Calendar == nil {
		return nil
	}
	cal, err := p.deps.Calendar.Calendar(ctx)
	if err != nil {
		return nil
	}
	return cal
}

// queueRow is one dossier of the queue with its urgency.
type queueRow struct {
	*onestop.Dossier
	Urgency string // overdue, soon, ""
}

type queueData struct {
	Rows       []queueRow
	Total      int
	Page       int
	Pages      int
	Status     string
	Procedure  string
	Due        string
	Query      string
	Statuses   []onestop.Status
	Procedures []onestop.Procedure
	Overdue    int // pending past their due moment, of the chosen procedure
	Soon       int // pending, due within one working day
	Error      string
	CanNew     bool
	CanStats   bool
	PrevURL    string
	NextURL    string
}

func (p *OnestopPages) queue(w http.ResponseWriter, r *http.Request) {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return
	}
	q := r.URL.Query()
	d := queueData{Status: q.Get("status"), Procedure: q.Get("procedure"), Due: q.Get("due"), Query: q.Get("q"),
		Statuses: onestop.Statuses(), CanNew: holds(a, access.OnestopDossierReceive), CanStats: holds(a, access.OnestopStatsRead)}
	if p.deps.Catalogue != nil {
		d.Procedures, _ = p.deps.Catalogue.Search(r.Context(), onestop.SearchQuery{Limit: 500})
	}
	now := p.now()
	cal := p.calendar(r.Context())
	f, err := api.QueueFilter(q, now, cal)
	status := http.StatusOK
	if err != nil {
		d.Error, status = apperr.MessageOf(err), http.StatusBadRequest
		f, _ = api.QueueFilter(url.Values{}, now, cal)
	}
	if !holds(a, access.OnestopDossierRead) {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Bạn không có quyền xem hồ sơ thủ tục hành chính"))
		return
	}
	f.PageSize = 50
	page, err := p.deps.Dossiers.List(r.Context(), a, f)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	soon := api.DueSoonLimit(now, cal)
	for _, x := range page.Items {
		d.Rows = append(d.Rows, queueRow{Dossier: x, Urgency: api.Urgency(x, now, soon)})
	}
	// The counts of the whole queue (of the chosen procedure).
	for _, c := range []struct {
		before time.Time
		to     *int
	}{{now, &d.Overdue}, {soon, &d.Soon}} {
		cp, err := p.deps.Dossiers.List(r.Context(), a, onestop.DossierFilter{Statuses: api.PendingStatuses(), ProcedureCode: f.ProcedureCode,
			DueBefore: c.before, Page: 1, PageSize: 1})
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		*c.to = cp.Total
	}
	d.Soon -= d.Overdue
	d.Total, d.Page = page.Total, f.Page
	d.Pages = (page.Total + f.PageSize - 1) / f.PageSize
	link := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"status", "procedure", "due", "q"} {
			if s := q.Get(k); s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return "/onestop?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	p.rd.render(w, r, status, "onestop_queue", "desk.queue.title", d)
}
