package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// Direction of documents and direction tasks:
//
//	POST /api/v1/documents/{id}/direct  a leader directs a document (directDocument)
//	POST /api/v1/tasks                  a leader gives a task (createTask)
//	GET  /api/v1/tasks                  tasks the caller may see (listTasks)
//	GET  /api/v1/tasks/board            overdue tasks and on-time rates (taskBoard)
//	GET  /api/v1/tasks/{id}             a task and its timeline (getTask)
//	POST /api/v1/tasks/{id}/reports     an assignee reports or completes (reportTask)
//	POST /api/v1/tasks/{id}/extend      a leader moves the deadline (extendTask)
//	POST /api/v1/tasks/{id}/reopen      a leader reopens a completed task (reopenTask)
func (a *API) taskRoutes() []route {
	return []route{
		{"POST", "/api/v1/documents/{id}/direct", a.directDocument},
		{"POST", "/api/v1/tasks", a.createTask},
		{"GET", "/api/v1/tasks", a.listTasks},
		{"GET", "/api/v1/tasks/board", a.taskBoard},
		{"GET", "/api/v1/tasks/{id}", a.getTask},
		{"POST", "/api/v1/tasks/{id}/reports", a.reportTask},
		{"POST", "/api/v1/tasks/{id}/extend", a.extendTask},
		{"POST", "/api/v1/tasks/{id}/reopen", a.reopenTask},
	}
}

// maxTaskBody bounds a task request: the title, comment and report texts
// (at most 14 KB) escaped, and 50 assignees.
const maxTaskBody = 64 << 10

type assigneeBody struct {
	UnitID    int64  `json:"unit_id"`
	AccountID int64  `json:"account_id"`
	Role      string `json:"role"`
}

type deadlineBody struct {
	DeadlineDays int    `json:"deadline_days"`
	Deadline     string `json:"deadline"`
}

type directBody struct {
	Assignees []assigneeBody `json:"assignees"`
	deadlineBody
	Comment string `json:"comment"`
}

type taskBody struct {
	DocumentID     int64          `json:"document_id"`
	AgencyID       int64          `json:"agency_id"`
	Title          string         `json:"title"`
	Source         string         `json:"source"`
	Comment        string         `json:"comment"`
	Assignees      []assigneeBody `json:"assignees"`
	Classification string         `json:"classification"`
	deadlineBody
}

type reportBody struct {
	Progress    int      `json:"progress"`
	Content     string   `json:"content"`
	Complete    bool     `json:"complete"`
	Attachments []string `json:"attachments"`
}

type changeBody struct {
	deadlineBody
	Reason string `json:"reason"`
}

// taskDetail is a task with its timeline.
type taskDetail struct {
	Task   *tasks.Task   `json:"task"`
	Events []tasks.Event `json:"events"`
}

func (a *API) tasksReady(w http.ResponseWriter, r *http.Request) (*actor.Actor, bool) {
	if a.deps.Tasks == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ nhiệm vụ chưa được bật"))
		return nil, false
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập"))
		return nil, false
	}
	return act, true
}

// decodeTaskBody reads a JSON body into v, refusing unknown fields.
func decodeTaskBody(r *http.Request, v any, example string) error {
	return decodeJSON(r.Body, v, maxTaskBody, example)
}

func (b assigneeBody) ref() (tasks.AssigneeRef, error) {
	switch {
	case b.UnitID != 0 && b.AccountID == 0:
		return tasks.AssigneeRef{Kind: tasks.AssignUnit, ID: b.UnitID, Role: b.Role}, nil
	case b.AccountID != 0 && b.UnitID == 0:
		return tasks.AssigneeRef{Kind: tasks.AssignPerson, ID: b.AccountID, Role: b.Role}, nil
	}
	return tasks.AssigneeRef{}, apperr.FieldError("assignees", "Mỗi người được giao ghi unit_id (đơn vị) hoặc account_id (cán bộ), không ghi cả hai")
}

func refs(list []assigneeBody) ([]tasks.AssigneeRef, error) {
	out := make([]tasks.AssigneeRef, 0, len(list))
	for _, b := range list {
		ref, err := b.ref()
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

func (b deadlineBody) deadline() (tasks.Deadline, error) {
	d := tasks.Deadline{Days: b.DeadlineDays}
	if strings.TrimSpace(b.Deadline) != "" {
		var err error
		if d.Date, err = parseDate("deadline", "Hạn xử lý", b.Deadline); err != nil {
			return d, err
		}
	}
	return d, nil
}

// parseDate reads a date as yyyy-mm-dd or the Vietnamese dd/mm/yyyy.
func parseDate(field, label, s string) (calendar.Date, error) {
	s = strings.TrimSpace(s)
	var d calendar.Date
	var err error
	if strings.Contains(s, "/") {
		d, err = calendar.ParseVN(s)
	} else {
		d, err = calendar.ParseISO(s)
	}
	if err != nil {
		return d, apperr.FieldError(field, "%s: %s", label, apperr.MessageOf(err))
	}
	return d, nil
}

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.FieldError("id", "Mã %s phải là số nguyên dương", what)
	}
	return id, nil
}

func (a *API) directDocument(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "văn bản")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body directBody
	if err := decodeTaskBody(r, &body, `{"assignees": [{"unit_id": 12, "role": "chu_tri"}, {"account_id": 7, "role": "phoi_hop"}], "deadline_days": 5, "comment": …}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	req := tasks.DirectRequest{Comment: body.Comment}
	if req.Assignees, err = refs(body.Assignees); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Deadline, err = body.deadline(); err != nil {
		httpx.Error(w, r, err)
		return
	}
	t, err := a.deps.Tasks.Direct(r.Context(), act, id, req)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tasks/"+strconv.FormatInt(t.ID, 10))
	httpx.JSON(w, http.StatusCreated, t)
}

func (a *API) createTask(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	var body taskBody
	if err := decodeTaskBody(r, &body, `{"title": …, "source": "Kết luận cuộc họp giao ban ngày 07/12/2026", "assignees": [{"unit_id": 12}], "deadline": "15/12/2026"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	req := tasks.TaskRequest{DocumentID: body.DocumentID, AgencyID: body.AgencyID, Title: body.Title, Source: body.Source,
		Comment: body.Comment, Classification: body.Classification}
	var err error
	if req.Assignees, err = refs(body.Assignees); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Deadline, err = body.deadline(); err != nil {
		httpx.Error(w, r, err)
		return
	}
	t, err := a.deps.Tasks.Create(r.Context(), act, req)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tasks/"+strconv.FormatInt(t.ID, 10))
	httpx.JSON(w, http.StatusCreated, t)
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := tasks.Filter{Status: q.Get("status"), Assignee: q.Get("assignee"), AssignedByMe: q.Get("by") == "me"}
	if by := q.Get("by"); by != "" && by != "me" {
		httpx.Error(w, r, apperr.FieldError("by", "Bộ lọc by chỉ nhận giá trị me (nhiệm vụ do tôi giao)"))
		return
	}
	var err error
	if v := q.Get("overdue"); v != "" {
		if f.Overdue, err = strconv.ParseBool(v); err != nil {
			httpx.Error(w, r, apperr.FieldError("overdue", "overdue phải là true hoặc false"))
			return
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &f.Limit}, {"offset", &f.Offset}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = strconv.Atoi(v); err != nil || *p.dst < 0 {
				httpx.Error(w, r, apperr.FieldError(p.name, "%s phải là số nguyên không âm", p.name))
				return
			}
		}
	}
	if v := q.Get("agency_id"); v != "" {
		if f.AgencyID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AgencyID <= 0 {
			httpx.Error(w, r, apperr.FieldError("agency_id", "agency_id phải là số nguyên dương"))
			return
		}
	}
	page, err := a.deps.Tasks.List(r.Context(), act, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, page)
}

func (a *API) taskBoard(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var agency int64
	var from, to calendar.Date
	var err error
	if v := q.Get("agency_id"); v != "" {
		if agency, err = strconv.ParseInt(v, 10, 64); err != nil || agency <= 0 {
			httpx.Error(w, r, apperr.FieldError("agency_id", "agency_id phải là số nguyên dương"))
			return
		}
	}
	if v := q.Get("from"); v != "" {
		if from, err = parseDate("from", "Ngày đầu kỳ", v); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = parseDate("to", "Ngày cuối kỳ", v); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	b, err := a.deps.Tasks.Board(r.Context(), act, agency, from, to)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, b)
}

func (a *API) getTask(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "nhiệm vụ")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.writeTask(w, r, act, id, http.StatusOK)
}

func (a *API) writeTask(w http.ResponseWriter, r *http.Request, act *actor.Actor, id int64, status int) {
	t, err := a.deps.Tasks.Get(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	events, err := a.deps.Tasks.Events(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, status, taskDetail{Task: t, Events: events})
}

func (a *API) reportTask(w http.ResponseWriter, r *http.Request) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "nhiệm vụ")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body reportBody
	if err := decodeTaskBody(r, &body, `{"progress": 60, "content": "Đã …", "complete": false, "attachments": []}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if _, err := a.deps.Tasks.Report(r.Context(), act, id, tasks.ReportRequest{Progress: body.Progress, Content: body.Content,
		Complete: body.Complete, Attachments: body.Attachments}); err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.writeTask(w, r, act, id, http.StatusCreated)
}

func (a *API) extendTask(w http.ResponseWriter, r *http.Request) { a.changeTask(w, r, false) }
func (a *API) reopenTask(w http.ResponseWriter, r *http.Request) { a.changeTask(w, r, true) }

func (a *API) changeTask(w http.ResponseWriter, r *http.Request, reopen bool) {
	act, ok := a.tasksReady(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "nhiệm vụ")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body changeBody
	if err := decodeTaskBody(r, &body, `{"deadline": "20/12/2026", "reason": …}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	req := tasks.ChangeRequest{Reason: body.Reason}
	if req.Deadline, err = body.deadline(); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if reopen {
		_, err = a.deps.Tasks.Reopen(r.Context(), act, id, req)
	} else {
		_, err = a.deps.Tasks.Extend(r.Context(), act, id, req)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.writeTask(w, r, act, id, http.StatusOK)
}
