package tasks

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Kinds of timeline events.
const (
	EventDirected  = "directed"  // a leader directed a document
	EventAssigned  = "assigned"  // a leader gave a task
	EventReported  = "reported"  // an assignee reported progress
	EventCompleted = "completed" // a main handler completed it
	EventReopened  = "reopened"  // a leader reopened it
	EventExtended  = "extended"  // a leader moved its deadline
)

var eventLabels = map[string]string{EventDirected: "Chỉ đạo", EventAssigned: "Giao nhiệm vụ", EventReported: "Báo cáo tiến độ",
	EventCompleted: "Hoàn thành", EventReopened: "Mở lại", EventExtended: "Gia hạn"}

// File is a file attached to a report.
type File struct {
	UploadID string `json:"upload_id"`
	Name     string `json:"name"`
	SHA256   string `json:"sha256"`
}

// Event is one line of a task's or a document's timeline.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"` // who, by name
	Kind   string    `json:"kind"`  // directed, assigned, reported, completed, reopened, extended
	Text   string    `json:"text"`  // what, in Vietnamese
	TaskID int64     `json:"task_id"`
	// Progress is the percent of a report; Deadline the deadline set by a
	// direction, an assignment or an extension.
	Progress int           `json:"progress,omitempty"`
	Deadline calendar.Date `json:"deadline,omitzero"`
	Files    []File        `json:"files,omitempty"`
	ActorID  int64         `json:"-"`
}

// Label returns the Vietnamese name of the event's kind.
func (e Event) Label() string { return eventLabels[e.Kind] }

func (s *Service) addEvent(ctx context.Context, tx *sql.Tx, e Event) error {
	files := ""
	if len(e.Files) > 0 {
		b, err := json.Marshal(e.Files)
		if err != nil {
			return err
		}
		files = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tasks_events (task_id, at, actor_id, actor_name, kind, text, progress, deadline, attachments)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.TaskID, e.At.UnixMicro(), e.ActorID, e.Actor, e.Kind, e.Text, e.Progress,
		e.Deadline.String(), files)
	if err != nil {
		return fmt.Errorf("insert task event: %w", err)
	}
	return nil
}

// ReportRequest is an assignee's progress report.
type ReportRequest struct {
	Progress    int    // percent done, 0–100
	Content     string // what was done
	Complete    bool   // the main handler completes the task (progress 100)
	Attachments []string
}

// Report records an assignee's progress report, or the completion of the
// task by a main handler (tasks.task.report: main handlers and
// co-handlers, the people named or the officials of the units named;
// those informed only read). A completed task takes no report until a
// leader reopens it. Errors: EINVALID (a field), ENOTFOUND (the task, for
// one who may not see it), EFORBIDDEN, ECONFLICT (completed).
func (s *Service) Report(ctx context.Context, a *actor.Actor, id int64, req ReportRequest) (*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để báo cáo nhiệm vụ")
	}
	content, err := cleanText("content", "Nội dung báo cáo", req.Content, MaxContentBytes, true)
	if err != nil {
		return nil, err
	}
	if req.Complete {
		req.Progress = 100
	}
	if req.Progress < 0 || req.Progress > 100 {
		return nil, apperr.FieldError("progress", "Tiến độ phải từ 0 đến 100 (%%)")
	}
	if len(req.Attachments) > MaxAttachments {
		return nil, apperr.FieldError("attachments", "Tối đa %d tệp đính kèm một báo cáo", MaxAttachments)
	}
	if len(req.Attachments) > 0 && s.opts.Uploads == nil {
		return nil, apperr.New(apperr.Unavailable, "Kho tệp chưa được bật: chưa thể đính kèm tệp")
	}
	for i, up := range req.Attachments {
		if up == "" || len(up) > 64 || slices.Contains(req.Attachments[:i], up) {
			return nil, apperr.FieldError("attachments", "Mã tệp tải lên không hợp lệ hoặc bị lặp")
		}
	}
	t, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	role, assigned := t.roleOf(a)
	res := t.Resource()
	if assigned && role != RoleInfo {
		res.OwnerID = a.AccountID
	}
	if err := access.Authorize(ctx, a, access.TasksReport, res); err != nil {
		return nil, apperr.New(apperr.CodeOf(err), "Chỉ đơn vị, cá nhân chủ trì hoặc phối hợp mới báo cáo được nhiệm vụ này")
	}
	if req.Complete && role != RoleMain {
		return nil, apperr.FieldError("complete", "Chỉ đơn vị, cá nhân chủ trì mới báo cáo hoàn thành nhiệm vụ")
	}
	if t.Done() {
		return nil, apperr.New(apperr.Conflict, "Nhiệm vụ đã hoàn thành: lãnh đạo cần mở lại trước khi báo cáo thêm")
	}
	for _, up := range req.Attachments {
		u, err := s.opts.Uploads.Get(ctx, up)
		if err != nil || u.Uploader != a.AccountID {
			return nil, apperr.FieldError("attachments", "Không tìm thấy tệp tải lên %q (có thể đã quá hạn sử dụng và bị xoá)", up)
		}
		if t.Classification == access.Restricted && !u.Encrypted {
			return nil, apperr.FieldError("attachments", "Tệp %q được tải lên không mã hoá: nhiệm vụ hạn chế cần tệp tải lên với độ mật hạn chế", u.Name)
		}
	}
	now := s.opts.Now()
	e := Event{TaskID: t.ID, At: now.UTC().Truncate(time.Microsecond), ActorID: a.AccountID, Actor: actorName(a), Kind: EventReported,
		Progress: req.Progress, Text: content}
	if req.Complete {
		e.Kind = EventCompleted
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, up := range req.Attachments {
			u, err := s.opts.Uploads.Reference(ctx, tx, up, a)
			if err != nil {
				return apperr.FieldError("attachments", "%s", apperr.MessageOf(err))
			}
			e.Files = append(e.Files, File{UploadID: u.ID, Name: u.Name, SHA256: u.SHA256})
		}
		var res sql.Result
		var err error
		if req.Complete {
			res, err = tx.ExecContext(ctx, `UPDATE tasks SET progress = 100, status = $1, completed_at = $2, completed_on = $3
				WHERE id = $4 AND status = $5`, StatusDone, e.At.UnixMicro(), calendar.DateOf(now.In(locale.VN)).String(), t.ID, StatusOpen)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE tasks SET progress = $1 WHERE id = $2 AND status = $3`, req.Progress, t.ID, StatusOpen)
		}
		if err != nil {
			return fmt.Errorf("update task %d: %w", t.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Nhiệm vụ vừa được báo cáo hoàn thành: lãnh đạo cần mở lại trước khi báo cáo thêm")
		}
		if err := s.addEvent(ctx, tx, e); err != nil {
			return err
		}
		if s.opts.Observer != nil {
			if err := s.opts.Observer.TaskEvent(ctx, tx, t, e); err != nil {
				return err
			}
		}
		files := make([]string, len(e.Files))
		for i, f := range e.Files {
			files[i] = f.SHA256
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.TasksReport), ObjectType: "task",
			ObjectID: strconv.FormatInt(t.ID, 10), Summary: map[string]any{"progress": req.Progress, "complete": req.Complete,
				"role": role, "files": files}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// ChangeRequest is a leader's reopening or extension.
type ChangeRequest struct {
	// Deadline is the new deadline; zero keeps it (a reopening may keep it).
	Deadline Deadline
	Reason   string // required
}

// Extend moves a task's deadline (tasks.task.manage: a leader of the
// task's agency); the old and new deadlines and the reason are recorded,
// and the new deadline is reminded again. Errors: EINVALID, ENOTFOUND,
// EFORBIDDEN, ECONFLICT (completed: reopen it).
func (s *Service) Extend(ctx context.Context, a *actor.Actor, id int64, req ChangeRequest) (*Task, error) {
	return s.change(ctx, a, id, req, false)
}

// Reopen puts a completed task back in hand, optionally with a new
// deadline (tasks.task.manage). Errors: EINVALID, ENOTFOUND, EFORBIDDEN,
// ECONFLICT (not completed).
func (s *Service) Reopen(ctx context.Context, a *actor.Actor, id int64, req ChangeRequest) (*Task, error) {
	return s.change(ctx, a, id, req, true)
}

func (s *Service) change(ctx context.Context, a *actor.Actor, id int64, req ChangeRequest, reopen bool) (*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	reason, err := cleanText("reason", "Lý do", req.Reason, MaxCommentBytes, true)
	if err != nil {
		return nil, err
	}
	t, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.TasksManage, t.Resource()); err != nil {
		return nil, err
	}
	switch {
	case reopen && !t.Done():
		return nil, apperr.New(apperr.Conflict, "Nhiệm vụ chưa hoàn thành, không cần mở lại")
	case !reopen && t.Done():
		return nil, apperr.New(apperr.Conflict, "Nhiệm vụ đã hoàn thành: mở lại nhiệm vụ để đặt hạn mới")
	}
	deadline := t.Deadline
	if req.Deadline != (Deadline{}) {
		if deadline, err = s.resolveDeadline(ctx, req.Deadline, true); err != nil {
			return nil, err
		}
	} else if !reopen {
		return nil, apperr.FieldError("deadline", "Thiếu hạn xử lý mới")
	}
	now := s.opts.Now()
	e := Event{TaskID: t.ID, At: now.UTC().Truncate(time.Microsecond), ActorID: a.AccountID, Actor: actorName(a), Deadline: deadline}
	action := "tasks.task.extend"
	if reopen {
		e.Kind, action = EventReopened, "tasks.task.reopen"
		e.Text = "Mở lại nhiệm vụ; " + deadlineText(deadline) + ". Lý do: " + reason
	} else {
		e.Kind = EventExtended
		e.Text = fmt.Sprintf("Gia hạn từ %s đến %s. Lý do: %s", orNone(t.Deadline), deadline.VN(), reason)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if reopen {
			res, err = tx.ExecContext(ctx, `UPDATE tasks SET status = $1, completed_at = 0, completed_on = '', deadline = $2
				WHERE id = $3 AND status = $4`, StatusOpen, deadline.String(), t.ID, StatusDone)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE tasks SET deadline = $1 WHERE id = $2 AND status = $3`, deadline.String(), t.ID, StatusOpen)
		}
		if err != nil {
			return fmt.Errorf("update task %d: %w", t.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Nhiệm vụ vừa thay đổi trạng thái: hãy tải lại trang")
		}
		if err := s.addEvent(ctx, tx, e); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: action, ObjectType: "task", ObjectID: strconv.FormatInt(t.ID, 10),
			Reason: clip(reason, audit.MaxReasonLen-4), Before: map[string]any{"deadline": t.Deadline.String(), "status": t.Status},
			After: map[string]any{"deadline": deadline.String(), "status": StatusOpen}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func orNone(d calendar.Date) string {
	if d.IsZero() {
		return "(không hạn)"
	}
	return d.VN()
}
