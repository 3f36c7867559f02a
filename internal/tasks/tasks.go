// Package tasks keeps the direction of documents (chỉ đạo) and the
// direction tasks (nhiệm vụ) a leader gives from a document or a meeting:
// who handles them (a main handler, co-handlers, who is informed), by
// when (a date, or working days counted on the stored calendar), the
// assignees' progress reports and completion, the leader's reopening and
// extensions, one timeline per document, reminders by e-mail the working
// day before a deadline, and the leader's board of overdue tasks and
// per-unit on-time rates.
//
// Every change asks access.Can first and then writes the change and its
// audit entry in one db.Tx. A task carries the classification of its
// document: a restricted task is read only by those access lets read it
// (its agency's officials named on the document, the leader who gave it)
// and by its assignees.
package tasks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// Bounds of what a request may carry.
const (
	MaxTitleBytes   = 2000
	MaxSourceBytes  = 500
	MaxCommentBytes = 4000
	MaxContentBytes = 8000
	MaxAssignees    = 50
	MaxAttachments  = 10
	// MaxDeadlineDays bounds a deadline given in working days (about
	// fourteen months).
	MaxDeadlineDays = 300
)

// Recorder writes audit entries inside the caller's transaction; *audit.Log
// implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Calendars gives the working calendar deadlines are counted on;
// *calstore.Service implements it with the stored holidays and overrides.
type Calendars interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
}

// Documents reads a document for an actor allowed to read it, and names
// the people and units a direction or a task gives it to as its readers
// in the direction's transaction (so a handler, in another agency too,
// opens, lists and finds what they must handle); *documents.Service
// implements it.
type Documents interface {
	Get(ctx context.Context, a *actor.Actor, id int64) (*documents.Document, error)
	AddReaders(ctx context.Context, tx *sql.Tx, docID int64, people, units []int64, reason string) error
}

// Mailer enqueues e-mail in the caller's transaction; *notify.Service
// implements it.
type Mailer interface {
	EmailEnabled() bool
	Send(ctx context.Context, tx *sql.Tx, m notify.Message) error
}

// Person is an official a task may be given to.
type Person struct {
	ID       int64  // identity account id
	Name     string // display name
	Email    string // may be empty: no reminder
	AgencyID int64
	UnitID   int64 // 0 when the official belongs to no unit
	// Leader marks an official holding the leader role in their agency:
	// a unit's reminders go to its leaders when it has any.
	Leader bool
}

// Unit is a unit (phòng, ban, văn phòng) a task may be given to.
type Unit struct {
	ID       int64
	Name     string
	AgencyID int64
}

// Directory finds the officials and units tasks are given to. app
// implements it over identity and org.
type Directory interface {
	// Person returns an official's account; ENOTFOUND when there is no
	// such official.
	Person(ctx context.Context, id int64) (Person, error)
	// Unit returns a current unit; ENOTFOUND otherwise.
	Unit(ctx context.Context, id int64) (Unit, error)
	// Members lists the officials of a unit.
	Members(ctx context.Context, unitID int64) ([]Person, error)
}

// Options configure the Service.
type Options struct {
	Audit     Recorder
	Calendar  Calendars
	Documents Documents
	Directory Directory
	// Uploads, when set, lets reports carry files (upload ids).
	Uploads *blob.Service
	// Mail, when set, sends the deadline reminders.
	Mail Mailer
	// BaseURL starts the links in reminders, e.g. https://egov.example.vn.
	BaseURL string
	// Observer, when set, hears of every direction, task, report and
	// completion given from a document, inside the event's transaction
	// (the document exchange sends statuses 04, 05 and 06 back to the
	// sender of a document received from a peer).
	Observer Observer
	Now      func() time.Time // clock.Now when nil
	Logger   *slog.Logger
}

// Observer hears of a task's events inside their transaction; an error
// rolls the event back.
type Observer interface {
	TaskEvent(ctx context.Context, tx *sql.Tx, t *Task, e Event) error
}

// SetObserver installs the observer after construction.
func (s *Service) SetObserver(o Observer) { s.opts.Observer = o }

// Service keeps directions and tasks.
type Service struct {
	db   *db.DB
	opts Options
}

// New returns the service.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil || opts.Audit == nil || opts.Calendar == nil || opts.Documents == nil || opts.Directory == nil {
		return nil, errors.New("tasks.New: DB, Audit, Calendar, Documents and Directory are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &Service{db: d, opts: opts}, nil
}

// Kinds of tasks.
const (
	KindDirection = "direction" // a leader's direction on a document
	KindTask      = "task"      // a task from a document or a meeting
)

// Statuses of a task.
const (
	StatusOpen = "open" // being handled
	StatusDone = "done" // completed by a main handler
)

// Role is what an assignee does.
type Role string

// The roles of assignees.
const (
	RoleMain Role = "chu_tri"  // chủ trì: handles and completes it
	RoleCo   Role = "phoi_hop" // phối hợp: contributes and reports
	RoleInfo Role = "de_biet"  // để biết: is informed
)

var roleLabels = map[Role]string{RoleMain: "Chủ trì", RoleCo: "Phối hợp", RoleInfo: "Để biết"}

// Label returns the Vietnamese name of r.
func (r Role) Label() string { return roleLabels[r] }

// ParseRole accepts the stable names; empty is chu_tri.
func ParseRole(s string) (Role, error) {
	s = locale.NFC(s)
	if s == "" {
		return RoleMain, nil
	}
	if _, ok := roleLabels[Role(s)]; ok {
		return Role(s), nil
	}
	return "", apperr.FieldError("assignees", "Vai trò %q không hợp lệ: dùng chu_tri, phoi_hop hoặc de_biet", clip(s, 20))
}

// Kinds of assignees.
const (
	AssignUnit   = "unit"
	AssignPerson = "person"
)

// Assignee is a unit or a person given a task.
type Assignee struct {
	Kind     string `json:"kind"` // unit or person
	ID       int64  `json:"id"`   // org unit id or identity account id
	AgencyID int64  `json:"agency_id"`
	UnitID   int64  `json:"unit_id,omitempty"` // the unit (a person's, when assigned)
	Name     string `json:"name"`
	Role     Role   `json:"role"`
}

// RoleLabel returns the Vietnamese name of the assignee's role.
func (a Assignee) RoleLabel() string { return a.Role.Label() }

// Task is a direction or a task.
type Task struct {
	ID             int64         `json:"id"`
	AgencyID       int64         `json:"agency_id"`
	DocumentID     int64         `json:"document_id,omitempty"`
	Kind           string        `json:"kind"`
	Title          string        `json:"title"`
	Source         string        `json:"source"`
	Comment        string        `json:"comment,omitempty"`
	Classification access.Level  `json:"-"`
	Deadline       calendar.Date `json:"deadline"`
	Status         string        `json:"status"`
	Progress       int           `json:"progress"`
	CreatedBy      int64         `json:"created_by"`
	CreatedName    string        `json:"created_by_name"`
	CreatedAt      time.Time     `json:"created_at"`
	CompletedAt    time.Time     `json:"completed_at,omitzero"`
	CompletedOn    calendar.Date `json:"completed_on,omitzero"`
	Assignees      []Assignee    `json:"assignees"`
	// Overdue is computed when read: open past its deadline, or completed
	// after it.
	Overdue bool `json:"overdue"`
	// Readers are the people who could read the document when it was
	// directed (a restricted document's named readers).
	Readers []int64 `json:"-"`
}

// HasDeadline reports whether the task is due on a date.
func (t *Task) HasDeadline() bool { return !t.Deadline.IsZero() }

// Done reports whether the task was completed.
func (t *Task) Done() bool { return t.Status == StatusDone }

// OnTime reports whether a completed task was completed by its deadline.
func (t *Task) OnTime() bool {
	return t.Done() && (!t.HasDeadline() || !t.CompletedOn.After(t.Deadline))
}

// overdueOn reports whether t is late on day today.
func (t *Task) overdueOn(today calendar.Date) bool {
	if !t.HasDeadline() {
		return false
	}
	if t.Done() {
		return t.CompletedOn.After(t.Deadline)
	}
	return today.After(t.Deadline)
}

// ClassificationName returns the stable name of the task's classification.
func (t *Task) ClassificationName() string { return t.Classification.String() }

// StatusLabel returns the Vietnamese status.
func (t *Task) StatusLabel() string {
	switch {
	case t.Done() && t.Overdue:
		return "Hoàn thành quá hạn"
	case t.Done():
		return "Hoàn thành"
	case t.Overdue:
		return "Quá hạn"
	}
	return "Đang xử lý"
}

// Main returns the main handlers.
func (t *Task) Main() []Assignee {
	var out []Assignee
	for _, as := range t.Assignees {
		if as.Role == RoleMain {
			out = append(out, as)
		}
	}
	return out
}

// Resource is the task as access.Can sees it: its agency and
// classification, the document's readers, the leader who gave it and its
// assignees as named readers.
func (t *Task) Resource() access.Resource {
	r := access.Resource{Type: "task", ID: strconv.FormatInt(t.ID, 10), AgencyID: t.AgencyID, Level: t.Classification,
		People: append([]int64{t.CreatedBy}, t.Readers...)}
	for _, as := range t.Assignees {
		if as.Kind == AssignPerson {
			r.People = append(r.People, as.ID)
		} else {
			r.Units = append(r.Units, as.ID)
		}
	}
	return r
}

// roleOf returns the strongest role a holds on t (a person named, or a
// member of a unit named), and false when a is not an assignee.
func (t *Task) roleOf(a *actor.Actor) (Role, bool) {
	if a == nil || a.Kind != actor.Official {
		return "", false
	}
	best, found := Role(""), false
	for _, as := range t.Assignees {
		if (as.Kind == AssignPerson && as.ID == a.AccountID) || (as.Kind == AssignUnit && a.UnitID != 0 && as.ID == a.UnitID) {
			if !found || rank(as.Role) < rank(best) {
				best, found = as.Role, true
			}
		}
	}
	return best, found
}

func rank(r Role) int {
	switch r {
	case RoleMain:
		return 0
	case RoleCo:
		return 1
	}
	return 2
}

// visible reports whether a may read t: an assignee, the leader who gave
// it, or whom access lets read it. It records nothing (lists call it for
// every row); Get asks access.Can for a refusal to be recorded.
func (s *Service) visible(ctx context.Context, a *actor.Actor, t *Task) bool {
	if a == nil {
		return false
	}
	if a.Kind == actor.System {
		return true
	}
	if _, ok := t.roleOf(a); ok || (a.Kind == actor.Official && t.CreatedBy == a.AccountID) {
		return true
	}
	return access.Permits(ctx, a, access.TasksRead, t.Resource())
}

// notFound is the one answer for a task that does not exist and one the
// reader may not see.
func notFound() error { return apperr.New(apperr.NotFound, "Không tìm thấy nhiệm vụ") }

// today is the current date in Vietnam.
func (s *Service) today() calendar.Date { return calendar.DateOf(s.opts.Now().In(locale.VN)) }

// cleanText checks a multi-line text typed by a person (a comment, a
// report): NFC, valid UTF-8, line breaks kept, no control or hidden
// characters, at most max bytes; empty only when !required.
func cleanText(field, label, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", apperr.FieldError(field, "%s không phải văn bản UTF-8 hợp lệ", label)
	}
	s = strings.ReplaceAll(locale.NFC(s), "\r\n", "\n")
	if s == "" {
		if required {
			return "", apperr.FieldError(field, "%s không được để trống", label)
		}
		return "", nil
	}
	if len(s) > max {
		return "", apperr.FieldError(field, "%s quá dài (tối đa %d byte)", label, max)
	}
	if r, ok := locale.HiddenRune(s); ok {
		return "", apperr.FieldError(field, "%s chứa ký tự ẩn U+%04X: hãy gõ lại, không dán từ nơi khác", label, r)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", apperr.FieldError(field, "%s chứa ký tự điều khiển không hợp lệ", label)
		}
	}
	return s, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func actorName(a *actor.Actor) string {
	if a == nil {
		return ""
	}
	if a.Name != "" {
		return a.Name
	}
	if a.Kind == actor.System {
		return "Hệ thống"
	}
	return "#" + strconv.FormatInt(a.AccountID, 10)
}

func containsID(ids []int64, id int64) bool { return slices.Contains(ids, id) }

// MarshalJSON adds the classification's stable name and the status label.
func (t Task) MarshalJSON() ([]byte, error) {
	type plain Task
	return json.Marshal(struct {
		plain
		Classification string `json:"classification"`
	}{plain(t), t.Classification.String()})
}
