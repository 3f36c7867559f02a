package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

const taskColumns = `id, agency_id, document_id, kind, title, source, comment, classification, deadline, status, progress,
	created_by, created_name, created_at, completed_at, completed_on`

func scanTask(row interface{ Scan(...any) error }) (*Task, error) {
	var t Task
	var level, deadline, completedOn string
	var created, completed int64
	if err := row.Scan(&t.ID, &t.AgencyID, &t.DocumentID, &t.Kind, &t.Title, &t.Source, &t.Comment, &level, &deadline, &t.Status,
		&t.Progress, &t.CreatedBy, &t.CreatedName, &created, &completed, &completedOn); err != nil {
		return nil, err
	}
	l, err := access.ParseLevel(level)
	if err != nil {
		l = access.UltraSecret // an unreadable stored level fails closed
	}
	t.Classification = l
	if t.Deadline, err = parseStored(deadline); err != nil {
		return nil, err
	}
	if t.CompletedOn, err = parseStored(completedOn); err != nil {
		return nil, err
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	if completed != 0 {
		t.CompletedAt = time.UnixMicro(completed).UTC()
	}
	return &t, nil
}

func parseStored(s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseISO(s)
}

// loadMany reads the tasks chosen by where (a condition on tasks with
// $N arguments) with their assignees and readers.
func (s *Service) loadMany(ctx context.Context, q db.Querier, where string, args ...any) ([]*Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	var out []*Task
	byID := map[int64]*Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		t.Assignees = []Assignee{}
		out = append(out, t)
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	sub := `SELECT id FROM tasks WHERE ` + where
	arows, err := q.QueryContext(ctx, `SELECT task_id, kind, ref_id, agency_id, unit_id, name, role FROM tasks_assignees
		WHERE task_id IN (`+sub+`) ORDER BY task_id, role, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list assignees: %w", err)
	}
	for arows.Next() {
		var id int64
		var as Assignee
		var role string
		if err := arows.Scan(&id, &as.Kind, &as.ID, &as.AgencyID, &as.UnitID, &as.Name, &role); err != nil {
			arows.Close()
			return nil, err
		}
		as.Role = Role(role)
		if t := byID[id]; t != nil {
			t.Assignees = append(t.Assignees, as)
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, err
	}
	rrows, err := q.QueryContext(ctx, `SELECT task_id, account_id FROM tasks_readers WHERE task_id IN (`+sub+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("list readers: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id, acc int64
		if err := rrows.Scan(&id, &acc); err != nil {
			return nil, err
		}
		if t := byID[id]; t != nil {
			t.Readers = append(t.Readers, acc)
		}
	}
	for _, t := range out {
		sort.SliceStable(t.Assignees, func(i, j int) bool { return rank(t.Assignees[i].Role) < rank(t.Assignees[j].Role) })
	}
	return out, rrows.Err()
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64) (*Task, error) {
	ts, err := s.loadMany(ctx, q, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, notFound()
	}
	return ts[0], nil
}

// Get returns a task for an actor who may see it (an assignee, the leader
// who gave it, or whom access lets read it: tasks.task.read). A task the
// reader may not see and a missing one get the same ENOTFOUND.
func (s *Service) Get(ctx context.Context, a *actor.Actor, id int64) (*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem nhiệm vụ")
	}
	t, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	if !s.visible(ctx, a, t) {
		// Asked again through Can so that the refusal is recorded.
		if dec := access.Can(ctx, a, access.TasksRead, t.Resource()); !dec.Allowed {
			if dec.Code == apperr.Unavailable {
				return nil, dec.Err()
			}
			return nil, notFound()
		}
	}
	t.Overdue = t.overdueOn(s.today())
	return t, nil
}

// Events returns the timeline of a task the actor may see, oldest first.
func (s *Service) Events(ctx context.Context, a *actor.Actor, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return s.events(ctx, `task_id = $1`, id)
}

func (s *Service) events(ctx context.Context, where string, args ...any) ([]Event, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT task_id, at, actor_id, actor_name, kind, text, progress, deadline, attachments
		FROM tasks_events WHERE `+where+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list task events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var at int64
		var deadline, files string
		if err := rows.Scan(&e.TaskID, &at, &e.ActorID, &e.Actor, &e.Kind, &e.Text, &e.Progress, &deadline, &files); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		if e.Deadline, err = parseStored(deadline); err != nil {
			return nil, err
		}
		if files != "" {
			if err := json.Unmarshal([]byte(files), &e.Files); err != nil {
				return nil, fmt.Errorf("task event files: %w", err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Timeline returns the direction and task events of a document that the
// actor may see (tasks on a restricted document only for those who may
// read them), oldest first. It asks nothing of the document itself: the
// caller shows it beside the document's own events, having read the
// document.
func (s *Service) Timeline(ctx context.Context, a *actor.Actor, documentID int64) ([]Event, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	ts, err := s.loadMany(ctx, s.db.Reader(), `document_id = $1`, documentID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range ts {
		if s.visible(ctx, a, t) {
			ids = append(ids, strconv.FormatInt(t.ID, 10))
		}
	}
	if len(ids) == 0 {
		return []Event{}, nil
	}
	// The ids are integers formatted here, never outside input.
	return s.events(ctx, `task_id IN (`+strings.Join(ids, ", ")+`)`)
}

// Tasks returns the tasks of a document that the actor may see.
func (s *Service) Tasks(ctx context.Context, a *actor.Actor, documentID int64) ([]*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	ts, err := s.loadMany(ctx, s.db.Reader(), `document_id = $1`, documentID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := []*Task{}
	for _, t := range ts {
		if s.visible(ctx, a, t) {
			t.Overdue = t.overdueOn(today)
			out = append(out, t)
		}
	}
	return out, nil
}

// Filter chooses tasks in List.
type Filter struct {
	// Status: "open", "done" or "" for both.
	Status string
	// Assignee: "me" (given to the actor or the actor's unit), "unit:ID",
	// "person:ID", or "" for any.
	Assignee string
	// AssignedByMe: given by the actor.
	AssignedByMe bool
	// Overdue: open past the deadline, or completed after it.
	Overdue bool
	// AgencyID: the giving agency; 0 = the actor's, or every agency for
	// "me" and AssignedByMe.
	AgencyID int64
	Limit    int // at most 500; 100 when zero
	Offset   int
}

// Page is a page of tasks and how many match in all.
type Page struct {
	Items []*Task `json:"items"`
	Total int     `json:"total"`
}

// ParseAssignee checks an assignee filter ("me", "unit:12", "person:7").
func ParseAssignee(s string) (kind string, id int64, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "me" {
		return s, 0, nil
	}
	k, v, ok := strings.Cut(s, ":")
	if ok && (k == AssignUnit || k == AssignPerson) {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return k, n, nil
		}
	}
	return "", 0, apperr.FieldError("assignee", "Bộ lọc người được giao phải là me, unit:<mã đơn vị> hoặc person:<mã cán bộ>")
}

// List returns the tasks matching f that the actor may see, soonest
// deadline first, and how many such tasks there are: a task hidden from
// the actor is neither listed nor counted.
func (s *Service) List(ctx context.Context, a *actor.Actor, f Filter) (Page, error) {
	if a == nil {
		return Page{}, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem nhiệm vụ")
	}
	switch f.Status {
	case "", StatusOpen, StatusDone:
	default:
		return Page{}, apperr.FieldError("status", "Trạng thái phải là open hoặc done")
	}
	kind, ref, err := ParseAssignee(f.Assignee)
	if err != nil {
		return Page{}, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 500 || f.Offset < 0 {
		return Page{}, apperr.FieldError("limit", "Mỗi trang tối đa 500 nhiệm vụ")
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		conds = append(conds, "status = "+arg(f.Status))
	}
	if f.Overdue {
		today := s.today().String()
		conds = append(conds, "deadline <> '' AND ((status = "+arg(StatusOpen)+" AND deadline < "+arg(today)+") OR (status = "+
			arg(StatusDone)+" AND completed_on > deadline))")
	}
	switch kind {
	case "me":
		c := "(kind = " + arg(AssignPerson) + " AND ref_id = " + arg(a.AccountID) + ")"
		if a.UnitID != 0 {
			c += " OR (kind = " + arg(AssignUnit) + " AND ref_id = " + arg(a.UnitID) + ")"
		}
		conds = append(conds, "id IN (SELECT task_id FROM tasks_assignees WHERE "+c+")")
	case AssignUnit, AssignPerson:
		conds = append(conds, "id IN (SELECT task_id FROM tasks_assignees WHERE kind = "+arg(kind)+" AND ref_id = "+arg(ref)+")")
	}
	if f.AssignedByMe {
		conds = append(conds, "created_by = "+arg(a.AccountID))
	}
	agency := f.AgencyID
	if agency == 0 && kind != "me" && !f.AssignedByMe {
		agency = a.AgencyID
	}
	if agency != 0 {
		conds = append(conds, "agency_id = "+arg(agency))
	}
	where := "1 = 1"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	ts, err := s.loadMany(ctx, s.db.Reader(), where, args...)
	if err != nil {
		return Page{}, err
	}
	today := s.today()
	visible := make([]*Task, 0, len(ts))
	for _, t := range ts {
		if s.visible(ctx, a, t) {
			t.Overdue = t.overdueOn(today)
			visible = append(visible, t)
		}
	}
	sortTasks(visible)
	p := Page{Total: len(visible), Items: []*Task{}}
	if f.Offset < len(visible) {
		p.Items = visible[f.Offset:min(len(visible), f.Offset+f.Limit)]
	}
	return p, nil
}

// sortTasks puts open tasks first, soonest deadline first (none last),
// then completed ones, latest first.
func sortTasks(ts []*Task) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.Done() != b.Done() {
			return !a.Done()
		}
		if a.Done() {
			return a.CompletedAt.After(b.CompletedAt)
		}
		if a.HasDeadline() != b.HasDeadline() {
			return a.HasDeadline()
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}
