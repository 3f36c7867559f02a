package tasks

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// AssigneeRef names a unit or a person to give a task to.
type AssigneeRef struct {
	Kind string // unit or person
	ID   int64
	Role string // chu_tri (default), phoi_hop, de_biet
}

// Deadline is a due date given either as a number of working days from now
// (counted on the working calendar, holidays and compensatory days off
// skipped) or as a date. Both zero means none.
type Deadline struct {
	Days int
	Date calendar.Date
}

// DirectRequest is a leader's direction on a document.
type DirectRequest struct {
	// Assignees: exactly one main handler (chu_tri), any co-handlers
	// (phoi_hop) and units or people informed (de_biet).
	Assignees []AssigneeRef
	Deadline  Deadline
	Comment   string // ý kiến chỉ đạo
}

// TaskRequest is a task given by a leader.
type TaskRequest struct {
	// DocumentID is the document it comes from; 0 for a task from a
	// meeting or another source named in Source.
	DocumentID int64
	// AgencyID is the agency giving it when it has no document; 0 = the
	// leader's.
	AgencyID  int64
	Title     string
	Source    string // e.g. "Kết luận cuộc họp giao ban ngày 07/12/2026"
	Comment   string
	Assignees []AssigneeRef
	Deadline  Deadline
	// Classification of a task without a document (noi_bo when empty);
	// a document's task takes the document's.
	Classification string
}

// resolveDeadline turns d into a date on or after today. A number of days
// counts as documents' deadlines do: from the day of receipt (today before
// the office's cut-off, else the next working day), the n-th working day
// after it.
func (s *Service) resolveDeadline(ctx context.Context, d Deadline, required bool) (calendar.Date, error) {
	today := s.today()
	switch {
	case d.Days != 0 && !d.Date.IsZero():
		return calendar.Date{}, apperr.FieldError("deadline", "Chỉ ghi hạn xử lý theo số ngày làm việc hoặc theo ngày, không ghi cả hai")
	case d.Days < 0 || d.Days > MaxDeadlineDays:
		return calendar.Date{}, apperr.FieldError("deadline_days", "Số ngày làm việc phải từ 1 đến %d", MaxDeadlineDays)
	case d.Days > 0:
		cal, err := s.opts.Calendar.Calendar(ctx)
		if err != nil {
			return calendar.Date{}, err
		}
		return calendar.DateOf(cal.AddWorkingDays(s.opts.Now(), d.Days)), nil
	case d.Date.IsZero():
		if required {
			return calendar.Date{}, apperr.FieldError("deadline", "Thiếu hạn xử lý: ghi số ngày làm việc hoặc ngày (dd/mm/yyyy)")
		}
		return calendar.Date{}, nil
	case !d.Date.IsValid():
		return calendar.Date{}, apperr.FieldError("deadline", "Hạn xử lý không phải ngày hợp lệ")
	case d.Date.Before(today):
		return calendar.Date{}, apperr.FieldError("deadline", "Hạn xử lý %s đã qua (hôm nay là %s)", d.Date.VN(), today.VN())
	case d.Date.Sub(today) > 2*366:
		return calendar.Date{}, apperr.FieldError("deadline", "Hạn xử lý %s quá xa (tối đa hai năm)", d.Date.VN())
	}
	return d.Date, nil
}

// resolveAssignees checks every reference against the directory (before
// any transaction) and returns the assignees with their names.
func (s *Service) resolveAssignees(ctx context.Context, refs []AssigneeRef, exactlyOneMain bool) ([]Assignee, error) {
	if len(refs) == 0 {
		return nil, apperr.FieldError("assignees", "Chưa chọn đơn vị hoặc cá nhân được giao")
	}
	if len(refs) > MaxAssignees {
		return nil, apperr.FieldError("assignees", "Tối đa %d đơn vị, cá nhân được giao", MaxAssignees)
	}
	out := make([]Assignee, 0, len(refs))
	mains := 0
	for _, ref := range refs {
		role, err := ParseRole(ref.Role)
		if err != nil {
			return nil, err
		}
		if ref.ID <= 0 {
			return nil, apperr.FieldError("assignees", "Mã đơn vị hoặc cá nhân được giao phải là số nguyên dương")
		}
		as := Assignee{Kind: ref.Kind, ID: ref.ID, Role: role}
		switch ref.Kind {
		case AssignUnit:
			u, err := s.opts.Directory.Unit(ctx, ref.ID)
			if apperr.Is(err, apperr.NotFound) {
				return nil, apperr.FieldError("assignees", "Không có đơn vị #%d", ref.ID)
			} else if err != nil {
				return nil, err
			}
			as.AgencyID, as.UnitID, as.Name = u.AgencyID, u.ID, u.Name
		case AssignPerson:
			p, err := s.opts.Directory.Person(ctx, ref.ID)
			if apperr.Is(err, apperr.NotFound) {
				return nil, apperr.FieldError("assignees", "Không có cán bộ #%d", ref.ID)
			} else if err != nil {
				return nil, err
			}
			as.AgencyID, as.UnitID, as.Name = p.AgencyID, p.UnitID, p.Name
		default:
			return nil, apperr.FieldError("assignees", "Người được giao phải là đơn vị (unit) hoặc cá nhân (person)")
		}
		for _, prev := range out {
			if prev.Kind == as.Kind && prev.ID == as.ID {
				return nil, apperr.FieldError("assignees", "%s được chọn hai lần", as.Name)
			}
		}
		if role == RoleMain {
			mains++
		}
		out = append(out, as)
	}
	switch {
	case mains == 0:
		return nil, apperr.FieldError("assignees", "Cần một đơn vị hoặc cá nhân chủ trì")
	case exactlyOneMain && mains > 1:
		return nil, apperr.FieldError("assignees", "Chỉ một đơn vị hoặc cá nhân chủ trì xử lý văn bản; các đơn vị khác phối hợp hoặc để biết")
	}
	return out, nil
}

// Direct records a leader's direction on a document (Decree 30/2020/NĐ-CP,
// Art. 24: the head of the agency directs the handling of incoming
// documents): one main handler, co-handlers, units or people informed, an
// optional deadline and the comment. The leader must be able to read the
// document and hold the leader role over its agency
// (tasks.document.direct). Errors: EINVALID (a field), ENOTFOUND (the
// document, for one who may not read it), EFORBIDDEN.
func (s *Service) Direct(ctx context.Context, a *actor.Actor, documentID int64, req DirectRequest) (*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để chỉ đạo xử lý văn bản")
	}
	doc, err := s.opts.Documents.Get(ctx, a, documentID)
	if err != nil {
		return nil, err
	}
	comment, err := cleanText("comment", "Ý kiến chỉ đạo", req.Comment, MaxCommentBytes, false)
	if err != nil {
		return nil, err
	}
	t := &Task{AgencyID: doc.AgencyID, DocumentID: doc.ID, Kind: KindDirection, Title: doc.Summary,
		Source: documentSource(doc), Comment: comment, Classification: doc.Classification, Readers: doc.Resource().People,
		CreatedBy: a.AccountID}
	if err := access.Authorize(ctx, a, access.TasksDirect, t.Resource()); err != nil {
		return nil, err
	}
	if t.Assignees, err = s.resolveAssignees(ctx, req.Assignees, true); err != nil {
		return nil, err
	}
	if t.Deadline, err = s.resolveDeadline(ctx, req.Deadline, false); err != nil {
		return nil, err
	}
	return t, s.insert(ctx, a, t, access.TasksDirect, directionText(t))
}

// Create gives a task from a document (which the leader must be able to
// read) or from a meeting or other source, to units or people, with a
// deadline (tasks.task.create). Errors: EINVALID (a field), ENOTFOUND (the
// document), EFORBIDDEN.
func (s *Service) Create(ctx context.Context, a *actor.Actor, req TaskRequest) (*Task, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để giao nhiệm vụ")
	}
	t := &Task{Kind: KindTask, CreatedBy: a.AccountID}
	var err error
	if req.DocumentID != 0 {
		doc, err := s.opts.Documents.Get(ctx, a, req.DocumentID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return nil, apperr.FieldError("document_id", "Không tìm thấy văn bản #%d", req.DocumentID)
			}
			return nil, err
		}
		t.AgencyID, t.DocumentID, t.Classification, t.Readers = doc.AgencyID, doc.ID, doc.Classification, doc.Resource().People
		t.Source = documentSource(doc)
		if req.Title == "" {
			req.Title = doc.Summary
		}
	} else {
		t.AgencyID = req.AgencyID
		if t.AgencyID == 0 {
			t.AgencyID = a.AgencyID
		}
		if t.AgencyID == 0 {
			return nil, apperr.FieldError("agency_id", "Chưa rõ nhiệm vụ do cơ quan nào giao")
		}
		t.Classification = access.Internal
		if req.Classification != "" {
			if t.Classification, err = access.ParseLevel(locale.NFC(req.Classification)); err != nil {
				return nil, apperr.FieldError("classification", "%s", apperr.MessageOf(err))
			}
		}
		if t.Classification.StateSecret() {
			// State secrets stay off the platform (Law 29/2018/QH14): a task
			// of one is given on paper.
			return nil, apperr.FieldError("classification", "Nhiệm vụ có nội dung bí mật nhà nước không được giao trên hệ thống")
		}
	}
	if t.Title, err = cleanText("title", "Nội dung nhiệm vụ", req.Title, MaxTitleBytes, true); err != nil {
		return nil, err
	}
	if src := strings.TrimSpace(req.Source); src != "" || t.DocumentID == 0 {
		if t.Source, err = locale.CleanName("source", "Nguồn giao nhiệm vụ", req.Source, MaxSourceBytes); err != nil {
			return nil, err
		}
	}
	if t.Comment, err = cleanText("comment", "Ý kiến chỉ đạo", req.Comment, MaxCommentBytes, false); err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.TasksCreate, t.Resource()); err != nil {
		return nil, err
	}
	if t.Assignees, err = s.resolveAssignees(ctx, req.Assignees, false); err != nil {
		return nil, err
	}
	if t.Deadline, err = s.resolveDeadline(ctx, req.Deadline, true); err != nil {
		return nil, err
	}
	return t, s.insert(ctx, a, t, access.TasksCreate, assignText(t))
}

func documentSource(d *documents.Document) string {
	src := "Văn bản " + d.Symbol
	if !d.IssuedOn.IsZero() {
		src += " ngày " + d.IssuedOn.VN()
	}
	if d.Sender != "" {
		src += " của " + d.Sender
	}
	if d.Number > 0 && d.Direction == documents.Incoming {
		src += fmt.Sprintf(" (số đến %d)", d.Number)
	}
	return src
}

// insert writes t, its assignees, readers, first event and audit entry in
// one transaction.
func (s *Service) insert(ctx context.Context, a *actor.Actor, t *Task, action access.Action, text string) error {
	now := s.opts.Now()
	t.Status, t.CreatedBy, t.CreatedName, t.CreatedAt = StatusOpen, a.AccountID, actorName(a), now.UTC().Truncate(time.Microsecond)
	kind := EventAssigned
	if t.Kind == KindDirection {
		kind = EventDirected
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO tasks (agency_id, document_id, kind, title, source, comment, classification, deadline,
			status, progress, created_by, created_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12) RETURNING id`,
			t.AgencyID, t.DocumentID, t.Kind, t.Title, t.Source, t.Comment, t.Classification.String(), t.Deadline.String(),
			t.Status, t.CreatedBy, t.CreatedName, t.CreatedAt.UnixMicro()).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("insert task: %w", err)
		}
		for _, as := range t.Assignees {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks_assignees (task_id, kind, ref_id, agency_id, unit_id, name, role)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, as.Kind, as.ID, as.AgencyID, as.UnitID, as.Name, string(as.Role)); err != nil {
				return fmt.Errorf("insert assignee: %w", err)
			}
		}
		seen := map[int64]bool{}
		for _, r := range t.Readers {
			if r == 0 || seen[r] {
				continue
			}
			seen[r] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks_readers (task_id, account_id) VALUES ($1, $2)`, t.ID, r); err != nil {
				return fmt.Errorf("insert reader: %w", err)
			}
		}
		if err := s.addDocumentReaders(ctx, tx, a, t); err != nil {
			return err
		}
		ev := Event{TaskID: t.ID, At: t.CreatedAt, ActorID: a.AccountID, Actor: t.CreatedName, Kind: kind,
			Text: text, Deadline: t.Deadline}
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		if s.opts.Observer != nil {
			if err := s.opts.Observer.TaskEvent(ctx, tx, t, ev); err != nil {
				return err
			}
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(action), ObjectType: "task",
			ObjectID: strconv.FormatInt(t.ID, 10), After: auditView(t)})
	})
}

// addDocumentReaders names the assignees of a task given from a document
// (a direction's handlers, co-handlers and those informed) as the
// document's readers, in the task's transaction: they read the document
// they must handle, in another agency too, and only if the task
// committed.
func (s *Service) addDocumentReaders(ctx context.Context, tx *sql.Tx, a *actor.Actor, t *Task) error {
	if t.DocumentID == 0 {
		return nil
	}
	var people, units []int64
	for _, as := range t.Assignees {
		if as.Kind == AssignPerson {
			people = append(people, as.ID)
		} else {
			units = append(units, as.ID)
		}
	}
	reason := fmt.Sprintf("Được giao nhiệm vụ #%d", t.ID)
	if t.Kind == KindDirection {
		reason = fmt.Sprintf("Được chỉ đạo xử lý (#%d)", t.ID)
	}
	if err := s.opts.Documents.AddReaders(actor.With(ctx, a), tx, t.DocumentID, people, units, reason); err != nil {
		return err
	}
	return nil
}

func auditView(t *Task) map[string]any {
	as := make([]map[string]any, len(t.Assignees))
	for i, x := range t.Assignees {
		as[i] = map[string]any{"kind": x.Kind, "id": x.ID, "role": x.Role}
	}
	return map[string]any{"id": t.ID, "agency_id": t.AgencyID, "document_id": t.DocumentID, "kind": t.Kind, "title": t.Title,
		"source": t.Source, "comment": t.Comment, "classification": t.Classification.String(), "deadline": t.Deadline.String(),
		"assignees": as}
}

// assigneesText lists the assignees by role: "chủ trì: Phòng Kinh tế;
// phối hợp: …; để biết: …".
func assigneesText(t *Task) string {
	var parts []string
	for _, r := range []Role{RoleMain, RoleCo, RoleInfo} {
		var names []string
		for _, as := range t.Assignees {
			if as.Role == r {
				names = append(names, as.Name)
			}
		}
		if len(names) > 0 {
			parts = append(parts, strings.ToLower(r.Label())+": "+strings.Join(names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

func deadlineText(d calendar.Date) string {
	if d.IsZero() {
		return "không đặt hạn"
	}
	return "hạn " + d.VN()
}

func directionText(t *Task) string {
	s := "Chỉ đạo xử lý: " + assigneesText(t) + "; " + deadlineText(t.Deadline) + "."
	if t.Comment != "" {
		s += " Ý kiến chỉ đạo: " + t.Comment
	}
	return s
}

func assignText(t *Task) string {
	s := "Giao nhiệm vụ “" + clip(t.Title, 200) + "”: " + assigneesText(t) + "; " + deadlineText(t.Deadline) + "."
	if t.Comment != "" {
		s += " Ý kiến: " + t.Comment
	}
	return s
}
