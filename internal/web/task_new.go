package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

type taskNewData struct {
	Form    assigneeForm
	Title   string
	Source  string
	Level   string
	Choices []assigneeChoice
	Error   string
}

// newForm is the leader's form for a task from a meeting or another
// source (tasks from a document start from its direction page).
func (p *TasksPages) newForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if !holds(a, access.TasksCreate) {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Chỉ lãnh đạo mới giao nhiệm vụ"))
		return
	}
	d := taskNewData{Level: "noi_bo",
		Source: "Kết luận cuộc họp giao ban ngày " + locale.FormatDate(p.now())}
	p.renderNew(w, r, a, http.StatusOK, d)
}

func (p *TasksPages) renderNew(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d taskNewData) {
	var err error
	if d.Choices, err = p.choices(r.Context(), a.AgencyID); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.rd.render(w, r, status, "task_new", "tasks.new.title", d)
}

func (p *TasksPages) create(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	d := taskNewData{Form: readAssigneeForm(r), Title: r.PostFormValue("title"), Source: r.PostFormValue("source"), Level: trimmed(r, "classification")}
	req := tasks.TaskRequest{Title: d.Title, Source: d.Source, Comment: d.Form.Comment, Classification: d.Level}
	var err error
	if req.Assignees, err = d.Form.refs(); err == nil {
		if req.Deadline, err = d.Form.deadline(); err == nil {
			var t *tasks.Task
			if t, err = p.deps.Tasks.Create(r.Context(), a, req); err == nil {
				http.Redirect(w, r, "/office/tasks/"+strconv.FormatInt(t.ID, 10)+"?ok=created", http.StatusSeeOther)
				return
			}
		}
	}
	if !apperr.Is(err, apperr.Invalid) {
		p.rd.errorPage(w, r, err)
		return
	}
	httpx.LogError(r, httpx.Status(err), err)
	d.Error = apperr.MessageOf(err)
	p.renderNew(w, r, a, httpx.Status(err), d)
}
