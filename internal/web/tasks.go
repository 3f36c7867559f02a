package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// TasksDeps are the services of the direction and task pages.
type TasksDeps struct {
	Tasks     *tasks.Service
	Documents *documents.Service
	// Choices lists the current units and the officials of an agency, the
	// ones a leader gives tasks to.
	Choices func(ctx context.Context, agencyID int64) ([]tasks.Unit, []tasks.Person, error)
}

// TasksPages are the pages of direction and tasks: my tasks and the ones I
// gave (/office/tasks), a task with its timeline and report form
// (/office/tasks/{id}), a new task (/office/tasks/new), the leader's board
// (/office/tasks/board) and the direction of a document
// (/office/documents/{id}/direct). The service asks access.Can and audits
// every change in its transaction.
type TasksPages struct {
	rd   *renderer
	deps TasksDeps
	now  func() time.Time
}

// Tasks returns the task pages sharing h's templates.
func (h *Handler) Tasks(d TasksDeps) *TasksPages {
	return &TasksPages{rd: h.rd, deps: d, now: h.deps.Now}
}

// Register mounts the pages on mux.
func (p *TasksPages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /office/tasks", p.list)
	mux.HandleFunc("GET /office/tasks/new", p.newForm)
	mux.HandleFunc("POST /office/tasks", p.create)
	mux.HandleFunc("GET /office/tasks/board", p.board)
	mux.HandleFunc("GET /office/tasks/{id}", p.detail)
	mux.HandleFunc("POST /office/tasks/{id}/reports", p.report)
	mux.HandleFunc("POST /office/tasks/{id}/extend", p.extend)
	mux.HandleFunc("POST /office/tasks/{id}/reopen", p.reopen)
	mux.HandleFunc("GET /office/documents/{id}/direct", p.directForm)
	mux.HandleFunc("POST /office/documents/{id}/direct", p.direct)
}

// tasksShown bounds each list of the page.
const tasksShown = 100

type tasksListData struct {
	Status   string // open, done or "" (all)
	Overdue  bool
	Sections []tasksSection
	Leader   bool // may give tasks and open the board
	Shown    int
}

// tasksSection is one list of the page: my tasks, or those I gave.
type tasksSection struct {
	ID      string // anchor
	Heading string // catalog key
	Page    tasks.Page
	Given   bool // tasks I gave: show the assignees rather than who gave it
}

func (p *TasksPages) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	d := tasksListData{Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Leader: holds(a, access.TasksCreate), Shown: tasksShown}
	if d.Status != tasks.StatusDone && d.Status != "" {
		d.Status = tasks.StatusOpen
	}
	if q.Get("status") == "" && !d.Overdue {
		d.Status = tasks.StatusOpen
	}
	if q.Get("status") == "all" {
		d.Status = ""
	}
	for _, sec := range []tasksSection{{ID: "mine", Heading: "tasks.mine"}, {ID: "given", Heading: "tasks.given", Given: true}} {
		f := tasks.Filter{Assignee: "me", Status: d.Status, Overdue: d.Overdue, Limit: tasksShown}
		if sec.Given {
			f.Assignee, f.AssignedByMe = "", true
		}
		var err error
		if sec.Page, err = p.deps.Tasks.List(r.Context(), a, f); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		if sec.Given && sec.Page.Total == 0 && !d.Leader {
			continue
		}
		d.Sections = append(d.Sections, sec)
	}
	p.rd.render(w, r, http.StatusOK, "tasks", "tasks.title", d)
}

// taskID reads the {id} of the path.
func taskID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "Không tìm thấy %s", what)
	}
	return id, nil
}

// assigneeChoice is an option of the assignee lists: "unit:12", "person:7".
type assigneeChoice struct {
	Value, Label string
	Unit         bool
}

// choices lists the units, then the officials, of an agency.
func (p *TasksPages) choices(ctx context.Context, agency int64) ([]assigneeChoice, error) {
	if p.deps.Choices == nil {
		return nil, nil
	}
	units, people, err := p.deps.Choices(ctx, agency)
	if err != nil {
		return nil, err
	}
	out := make([]assigneeChoice, 0, len(units)+len(people))
	for _, u := range units {
		out = append(out, assigneeChoice{Value: "unit:" + strconv.FormatInt(u.ID, 10), Label: u.Name, Unit: true})
	}
	for _, ps := range people {
		out = append(out, assigneeChoice{Value: "person:" + strconv.FormatInt(ps.ID, 10), Label: ps.Name})
	}
	return out, nil
}

// assigneeForm holds the assignee fields of the direction and task forms
// as chosen, so a refused form comes back filled in.
type assigneeForm struct {
	Main         []string
	Co, Info     []string
	DeadlineDays string
	Deadline     string // yyyy-mm-dd (date input)
	Comment      string
}

func readAssigneeForm(r *http.Request) assigneeForm {
	return assigneeForm{Main: r.PostForm["main"], Co: r.PostForm["co"], Info: r.PostForm["info"],
		DeadlineDays: trimmed(r, "deadline_days"), Deadline: trimmed(r, "deadline"), Comment: r.PostFormValue("comment")}
}

// Has reports whether value v was chosen in list.
func (f assigneeForm) Has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// refs turns the chosen values into references with their roles.
func (f assigneeForm) refs() ([]tasks.AssigneeRef, error) {
	var out []tasks.AssigneeRef
	for _, g := range []struct {
		values []string
		role   tasks.Role
	}{{f.Main, tasks.RoleMain}, {f.Co, tasks.RoleCo}, {f.Info, tasks.RoleInfo}} {
		for _, v := range g.values {
			if v == "" {
				continue
			}
			kind, id, err := tasks.ParseAssignee(v)
			if err != nil || kind == "me" {
				return nil, apperr.FieldError("assignees", "Lựa chọn đơn vị, cá nhân không hợp lệ")
			}
			out = append(out, tasks.AssigneeRef{Kind: kind, ID: id, Role: string(g.role)})
		}
	}
	return out, nil
}

// deadline reads the deadline fields: working days or a date.
func (f assigneeForm) deadline() (tasks.Deadline, error) {
	var d tasks.Deadline
	if f.DeadlineDays != "" {
		n, err := strconv.Atoi(f.DeadlineDays)
		if err != nil || n <= 0 {
			return d, apperr.FieldError("deadline_days", "Số ngày làm việc %q không hợp lệ: nhập số nguyên dương", clipParam(f.DeadlineDays))
		}
		d.Days = n
	}
	if strings.TrimSpace(f.Deadline) != "" {
		date, err := formDate("deadline", "Hạn xử lý", f.Deadline)
		if err != nil {
			return d, err
		}
		d.Date = date
	}
	return d, nil
}
