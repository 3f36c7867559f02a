package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

type taskDetailData struct {
	Task   *tasks.Task
	Events []tasks.Event
	// CanReport: the reader is a main handler or co-handler of an open
	// task; CanComplete: a main handler. CanManage: a leader of its agency.
	CanReport, CanComplete, CanManage bool
	Report                            reportForm
	Change                            changeForm
	Notice                            string // catalog key
	Error                             string // Vietnamese message of a refused change
	ErrorForm                         string // report, extend or reopen
}

type reportForm struct {
	Progress string
	Content  string
}

type changeForm struct {
	DeadlineDays, Deadline, Reason string
}

func (p *TasksPages) detail(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := taskID(r, "nhiệm vụ")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := taskDetailData{}
	if n := r.URL.Query().Get("ok"); n == "reported" || n == "extended" || n == "reopened" || n == "created" {
		d.Notice = "tasks.ok." + n
	}
	p.renderDetail(w, r, a, id, http.StatusOK, d)
}

func (p *TasksPages) renderDetail(w http.ResponseWriter, r *http.Request, a *actor.Actor, id int64, status int, d taskDetailData) {
	var err error
	if d.Task, err = p.deps.Tasks.Get(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Events, err = p.deps.Tasks.Events(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	role, assigned := assignedRole(d.Task, a)
	d.CanReport = assigned && role != tasks.RoleInfo && !d.Task.Done()
	d.CanComplete = d.CanReport && role == tasks.RoleMain
	d.CanManage = access.Permits(r.Context(), a, access.TasksManage, d.Task.Resource())
	if d.Report.Progress == "" {
		d.Report.Progress = strconv.Itoa(d.Task.Progress)
	}
	p.rd.render(w, r, status, "task", "tasks.detail.title", d)
}

// assignedRole is the reader's strongest role on t, for what the page
// offers; the service decides again when a form is sent.
func assignedRole(t *tasks.Task, a *actor.Actor) (tasks.Role, bool) {
	best, found := tasks.Role(""), false
	order := map[tasks.Role]int{tasks.RoleMain: 0, tasks.RoleCo: 1, tasks.RoleInfo: 2}
	for _, as := range t.Assignees {
		if (as.Kind == tasks.AssignPerson && as.ID == a.AccountID) || (as.Kind == tasks.AssignUnit && a.UnitID != 0 && as.ID == a.UnitID) {
			if !found || order[as.Role] < order[best] {
				best, found = as.Role, true
			}
		}
	}
	return best, found
}

func (p *TasksPages) report(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := taskID(r, "nhiệm vụ")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	f := reportForm{Progress: trimmed(r, "progress"), Content: r.PostFormValue("content")}
	req := tasks.ReportRequest{Content: f.Content, Complete: r.PostFormValue("complete") == "1"}
	if f.Progress != "" {
		if req.Progress, err = strconv.Atoi(f.Progress); err != nil {
			err = apperr.FieldError("progress", "Tiến độ %q không hợp lệ: nhập số phần trăm từ 0 đến 100", clipParam(f.Progress))
		}
	}
	if err == nil {
		if _, err = p.deps.Tasks.Report(r.Context(), a, id, req); err == nil {
			http.Redirect(w, r, "/office/tasks/"+strconv.FormatInt(id, 10)+"?ok=reported#timeline", http.StatusSeeOther)
			return
		}
	}
	p.refused(w, r, a, id, err, taskDetailData{Report: f, ErrorForm: "report"})
}

func (p *TasksPages) extend(w http.ResponseWriter, r *http.Request) { p.change(w, r, false) }
func (p *TasksPages) reopen(w http.ResponseWriter, r *http.Request) { p.change(w, r, true) }

func (p *TasksPages) change(w http.ResponseWriter, r *http.Request, reopen bool) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := taskID(r, "nhiệm vụ")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	f := changeForm{DeadlineDays: trimmed(r, "deadline_days"), Deadline: trimmed(r, "deadline"), Reason: r.PostFormValue("reason")}
	req := tasks.ChangeRequest{Reason: f.Reason}
	req.Deadline, err = assigneeForm{DeadlineDays: f.DeadlineDays, Deadline: f.Deadline}.deadline()
	which, done := "extend", "extended"
	if reopen {
		which, done = "reopen", "reopened"
	}
	if err == nil {
		if reopen {
			_, err = p.deps.Tasks.Reopen(r.Context(), a, id, req)
		} else {
			_, err = p.deps.Tasks.Extend(r.Context(), a, id, req)
		}
		if err == nil {
			http.Redirect(w, r, "/office/tasks/"+strconv.FormatInt(id, 10)+"?ok="+done+"#timeline", http.StatusSeeOther)
			return
		}
	}
	p.refused(w, r, a, id, err, taskDetailData{Change: f, ErrorForm: which})
}

// refused shows the task again with the refusal beside the form sent; a
// refusal of access is an error page.
func (p *TasksPages) refused(w http.ResponseWriter, r *http.Request, a *actor.Actor, id int64, err error, d taskDetailData) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict:
		httpx.LogError(r, httpx.Status(err), err)
		d.Error = apperr.MessageOf(err)
		p.renderDetail(w, r, a, id, httpx.Status(err), d)
	default:
		p.rd.errorPage(w, r, err)
	}
}
