package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// JobsPage is the system administrator's view of the background work
// (/admin/jobs): queued, running and failed jobs with their attempts, next
// run and last error, and a retry button on failed ones. The runner asks
// access.Can (jobs.view, jobs.retry) and audits a retry in its transaction.
type JobsPage struct {
	rd   *renderer
	jobs *jobs.Runner
}

// Jobs returns the jobs page sharing h's templates.
func (h *Handler) Jobs(r *jobs.Runner) *JobsPage { return &JobsPage{rd: h.rd, jobs: r} }

// Register mounts the page on mux.
func (p *JobsPage) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/jobs", p.list)
	mux.HandleFunc("POST /admin/jobs/{id}/retry", p.retry)
}

// jobsShown bounds each state's table.
const jobsShown = 100

type jobsSection struct {
	State   jobs.State
	Heading string // catalog key
	Count   int
	Jobs    []jobs.Job
}

type jobsData struct {
	Sections []jobsSection
	Notice   string // catalog key
	Shown    int
}

func (p *JobsPage) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := jobsData{Shown: jobsShown}
	if r.URL.Query().Get("ok") == "retried" {
		d.Notice = "jobs.retried"
	}
	for _, s := range []struct {
		state   jobs.State
		heading string
	}{{jobs.Failed, "jobs.failed"}, {jobs.Running, "jobs.running"}, {jobs.Queued, "jobs.queued"}} {
		list, counts, err := p.jobs.List(r.Context(), a, s.state, jobsShown)
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		n := map[jobs.State]int{jobs.Queued: counts.Queued, jobs.Running: counts.Running, jobs.Failed: counts.Failed}[s.state]
		d.Sections = append(d.Sections, jobsSection{State: s.state, Heading: s.heading, Count: n, Jobs: list})
	}
	p.rd.render(w, r, http.StatusOK, "jobs", "jobs.title", d)
}

func (p *JobsPage) retry(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có công việc này"))
		return
	}
	if err := p.jobs.Retry(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/jobs?ok=retried", http.StatusSeeOther)
}
