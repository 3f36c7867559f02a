package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

type taskDirectData struct {
	Document *documents.Document
	Tasks    []*tasks.Task // directions and tasks already given on it
	Form     assigneeForm
	Choices  []assigneeChoice
	Error    string
}

// directForm is the leader's direction of a document: main handler,
// co-handlers, for information, deadline and comment (Decree
// 30/2020/NĐ-CP Art. 24).
func (p *TasksPages) directForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := taskID(r, "văn bản")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.renderDirect(w, r, a, id, http.StatusOK, taskDirectData{})
}

func (p *TasksPages) renderDirect(w http.ResponseWriter, r *http.Request, a *actor.Actor, id int64, status int, d taskDirectData) {
	var err error
	if d.Document, err = p.deps.Documents.Get(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Tasks, err = p.deps.Tasks.Tasks(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Choices, err = p.choices(r.Context(), d.Document.AgencyID); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.rd.render(w, r, status, "task_direct", "tasks.direct.title", d)
}

func (p *TasksPages) direct(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := taskID(r, "văn bản")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	f := readAssigneeForm(r)
	req := tasks.DirectRequest{Comment: f.Comment}
	if req.Assignees, err = f.refs(); err == nil {
		if req.Deadline, err = f.deadline(); err == nil {
			var t *tasks.Task
			if t, err = p.deps.Tasks.Direct(r.Context(), a, id, req); err == nil {
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
	p.renderDirect(w, r, a, id, httpx.Status(err), taskDirectData{Form: f, Error: apperr.MessageOf(err)})
}
