package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// Rating is the applicant's satisfaction with a returned dossier.
type Rating int

// The three levels of satisfaction.
const (
	RatingVerySatisfied Rating = 1 // rất hài lòng
	RatingSatisfied     Rating = 2 // hài lòng
	RatingUnsatisfied   Rating = 3 // không hài lòng
)

// Valid reports whether r is one of the three levels.
func (r Rating) Valid() bool { return r >= RatingVerySatisfied && r <= RatingUnsatisfied }

// Name returns the Vietnamese name of r.
func (r Rating) Name() string {
	switch r {
	case RatingVerySatisfied:
		return "Rất hài lòng"
	case RatingSatisfied:
		return "Hài lòng"
	case RatingUnsatisfied:
		return "Không hài lòng"
	}
	return ""
}

// Timeliness classes a hand-over or a returned result against its due
// moment with the half-day rule (see Sessions.Classify).
type Timeliness = calendar.Timeliness

// The three classes: trước hạn, đúng hạn, quá hạn.
const (
	Early  = calendar.Early
	OnTime = calendar.OnTime
	Late   = calendar.Late
)

// Applicant is who a dossier is for: the account that submitted it online,
// or the person whose details the desk typed in. Personal data: shown only
// to the applicant and the officials handling the dossier.
type Applicant struct {
	AccountID int64  `json:"account_id,omitempty"` // citizen or business account; 0 for a walk-in without one
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"` // số định danh cá nhân (12 digits) or tax code of a business
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	Address   string `json:"address,omitempty"`
}

// File is one upload attached to a dossier.
type File struct {
	UploadID  string    `json:"upload_id"`
	Component string    `json:"component,omitempty"` // component code (thành phần hồ sơ); "" for a result or receipt
	Kind      string    `json:"kind"`                // component, supplement, result, receipt
	Name      string    `json:"name,omitempty"`
	AddedAt   time.Time `json:"added_at"`
}

// The kinds of files of a dossier.
const (
	FileComponent  = "component"
	FileSupplement = "supplement"
	FileResult     = "result"
	FileReceipt    = "receipt"
)

// SupplementRequest is the written request to complete a dossier (Form 02,
// Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ): once per dossier.
type SupplementRequest struct {
	Reason      string    `json:"reason"`
	Items       []string  `json:"items"` // numbered items to complete, in order
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	// FromStatus is the status the dossier returns to once completed.
	FromStatus Status `json:"from_status"`
	// AnsweredAt is when the completed dossier was received (zero while
	// the applicant has not answered); the legal clock counts again from it.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	Answer     string    `json:"answer,omitempty"`
}

// Apology is the apology slip with a new appointment (Form 04, Phiếu xin
// lỗi và hẹn lại ngày trả kết quả): once per dossier, at least one working
// day before the due moment, signed by the head of the agency.
type Apology struct {
	Reason         string    `json:"reason"`
	NewAppointment time.Time `json:"new_appointment"`
	OldDue         time.Time `json:"old_due"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
}

// Step is one row of the control slip (Form 06, Phiếu kiểm soát quá trình
// giải quyết hồ sơ): who held the dossier, from when to when, with its
// share of the legal time and whether they handed it over in time.
type DossierStep struct {
	Seq        int    `json:"seq"` // 1, 2, … in the procedure's order
	Name       string `json:"name"`
	AgencyID   int64  `json:"agency_id"`
	AgencyCode string `json:"agency_code,omitempty"`
	AgencyName string `json:"agency_name,omitempty"`
	Role       string `json:"role"`
	Hours      int    `json:"hours"` // share of the legal time, working hours
	// HolderID/HolderName name the official given the step (0 = any
	// official of the agency holding Role); DoneBy the one who completed it.
	HolderID   int64     `json:"holder_id,omitempty"`
	HolderName string    `json:"holder_name,omitempty"`
	DoneByID   int64     `json:"done_by_id,omitempty"`
	DoneByName string    `json:"done_by_name,omitempty"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	DueAt      time.Time `json:"due_at,omitzero"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	Note       string    `json:"note,omitempty"`
	// Outcome is computed from EndedAt (or now, while open) and DueAt; 0
	// while the step has not started.
	Outcome Timeliness `json:"outcome,omitempty"`
}

// Started reports whether the step has been handed to its holder.
func (s DossierStep) Started() bool { return !s.StartedAt.IsZero() }

// Done reports whether the step was completed.
func (s DossierStep) Done() bool { return !s.EndedAt.IsZero() }

// Dossier is one dossier (hồ sơ thủ tục hành chính).
type Dossier struct {
	ID            int64  `json:"id"`
	Code          string `json:"code"` // mã hồ sơ: agency code-YYMMDD-sequence
	ProcedureCode string `json:"procedure_code"`
	ProcedureName string `json:"procedure_name"`
	Field         string `json:"field"`
	// AgencyID is the receiving agency (the one-stop unit that records it),
	// AgencyCode its electronic identifier, AgencyName its name.
	AgencyID   int64     `json:"agency_id"`
	AgencyCode string    `json:"agency_code"`
	AgencyName string    `json:"agency_name"`
	Applicant  Applicant `json:"applicant"`
	Channel    Channel   `json:"channel"`
	Status     Status    `json:"status"`
	// Form is the online form's values by field name; Files the uploads.
	Form  map[string]string `json:"form"`
	Files []File            `json:"files"`
	// SubmittedBy is the account that submitted it (the applicant online,
	// the officer at the desk).
	SubmittedBy int64 `json:"submitted_by"`
	// PortalCode is the dossier's code at the National Public Service
	// Portal when it was submitted there (SubmitRequest.PortalCode).
	PortalCode  string    `json:"-"`
	SubmittedAt time.Time `json:"submitted_at"`
	// ReceivedAt is when the desk accepted it (the legal clock starts;
	// after the cut-off it counts from the next working day), DueAt the
	// legal due moment, recomputed from the completed dossier after a
	// supplement. Appointment is the date given to the applicant (hẹn
	// trả): DueAt, or the apology's new date.
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	DueAt       time.Time `json:"due_at,omitzero"`
	Appointment time.Time `json:"appointment_at,omitzero"`
	// Days is the statutory time in working days, CutOff the receipt
	// cut-off, both copied from the procedure at submission.
	Days   int    `json:"days"`
	CutOff string `json:"cut_off"`
	// Supplement is the (one) supplement request, nil when none.
	Supplement *SupplementRequest `json:"supplement,omitempty"`
	Apology    *Apology           `json:"apology,omitempty"`
	// Steps are the control slip's rows; CurrentStep the index in Steps of
	// the step holding the dossier (-1 when none).
	Steps       []DossierStep `json:"steps"`
	CurrentStep int           `json:"current_step"`
	// Reason is why it was refused, stopped or withdrawn.
	Reason string `json:"reason,omitempty"`
	// DecidedAt is when the leader decided; ResultUpload the result's PDF.
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecidedBy    string    `json:"decided_by,omitempty"`
	ResultUpload string    `json:"result_upload,omitempty"`
	// ReturnedAt is when the result was returned (status 10), Outcome how
	// that compares with DueAt (half-day rule).
	ReturnedAt time.Time  `json:"returned_at,omitzero"`
	Outcome    Timeliness `json:"outcome,omitempty"`
	// Rating and RatingComment, once, after status 10.
	Rating        Rating    `json:"rating,omitempty"`
	RatingComment string    `json:"rating_comment,omitempty"`
	RatedAt       time.Time `json:"rated_at,omitzero"`
	// ReceiptUpload is the sealed receipt PDF, once its job has run.
	ReceiptUpload string `json:"receipt_upload,omitempty"`
	// Version is bumped by every change: a change asked with an older
	// version is refused (ECONFLICT), so two officers never both act.
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`

	prev Status // the status before the change being applied
}

// Current returns the step holding the dossier, or nil.
func (d *Dossier) Current() *DossierStep {
	if d.CurrentStep < 0 || d.CurrentStep >= len(d.Steps) {
		return nil
	}
	return &d.Steps[d.CurrentStep]
}

// Tracking is the public view of a dossier (tra cứu hồ sơ): NEVER the
// applicant's name, ID number, address, phone or e-mail (Law 91/2025/QH15
// on personal data protection).
type Tracking struct {
	Code          string    `json:"code"`
	Status        Status    `json:"status"`
	StatusName    string    `json:"status_name"`
	ProcedureCode string    `json:"procedure_code"`
	ProcedureName string    `json:"procedure_name"`
	AgencyName    string    `json:"agency_name"`
	Channel       Channel   `json:"channel"`
	SubmittedAt   time.Time `json:"submitted_at"`
	ReceivedAt    time.Time `json:"received_at,omitzero"`
	Appointment   time.Time `json:"appointment_at,omitzero"`
	ReturnedAt    time.Time `json:"returned_at,omitzero"`
}

// SubmitRequest is a new dossier: online by its applicant (channel 2) or
// at the desk by a one-stop officer (channel 1 or 3, Applicant typed in).
type SubmitRequest struct {
	ProcedureCode string
	// AgencyID is the receiving agency; 0 = the procedure's agency (online)
	// or the officer's (at the desk).
	AgencyID int64
	Channel  Channel // 0 = online for an applicant, direct for an officer
	// Applicant is typed in at the desk; online it comes from the account
	// (the form's values may complete it).
	Applicant Applicant
	Fields    map[string]string   // form values by field name
	Files     map[string][]string // component code → upload ids
	// IdempotencyKey: the same key from the same account returns the
	// dossier already submitted, never a second one.
	IdempotencyKey string
	// PortalCode is the dossier's code at the National Public Service
	// Portal for a dossier submitted there and registered by the system
	// (the adapter): an online dossier (channel 2, status 1) with the
	// applicant as the portal sent them; the same portal code registers
	// one dossier only.
	PortalCode string
}

// ActionRequest carries the version the officer saw and an optional note.
type ActionRequest struct {
	Version int64  // 0 = the current version (no check against a page)
	Note    string // ghi chú
}

// RefuseRequest refuses a dossier at reception (Form 03) or stops its
// processing (status 8), with the reasons.
type RefuseRequest struct {
	Version int64
	Reason  string
}

// SupplementAsk is a written supplement request (Form 02).
type SupplementAsk struct {
	Version int64
	Reason  string
	Items   []string
}

// SupplementAnswer is the applicant's answer: new uploads by component and
// corrected form values.
type SupplementAnswer struct {
	Version int64
	Note    string
	Files   map[string][]string
	Fields  map[string]string
}

// StepRequest completes the current step and hands the dossier to the next.
type StepRequest struct {
	Version int64
	Note    string
	// To is the official given the next step (0 = the next step's
	// agency and role as a whole).
	To int64
}

// DecideRequest is the leader's decision on the result.
type DecideRequest struct {
	Version int64
	Approve bool
	// ResultUpload is the result's PDF (approval), sealed by the agency.
	ResultUpload string
	Reason       string // refusal
}

// RateRequest is the applicant's rating, once after the result is returned.
type RateRequest struct {
	Rating  Rating
	Comment string
}

// ApologyRequest is the leader's apology with a new appointment date,
// after the due moment.
type ApologyRequest struct {
	Version        int64
	Reason         string
	NewAppointment time.Time
}

// DossierFilter selects dossiers for the queues.
type DossierFilter struct {
	Statuses      []Status
	ProcedureCode string
	AgencyID      int64     // receiving agency or agency holding a step; 0 = the officer's
	DueBefore     time.Time // due moment before this (overdue and due-soon)
	Mine          bool      // the citizen's own dossiers (applicant account)
	Query         string    // part of the code, the applicant's name or ID number, diacritics folded
	Page          int
	PageSize      int
}

// DossierPage is a page of dossiers.
type DossierPage struct {
	Items    []*Dossier `json:"items"`
	Total    int        `json:"total"`
	Page     int        `json:"page"`
	PageSize int        `json:"page_size"`
}

// ProcedureSource finds a procedure by code; the catalogue store implements it.
type ProcedureSource interface {
	Procedure(ctx context.Context, code string) (*Procedure, error)
}

// AgencyInfo is what the dossiers need of an agency.
type AgencyInfo struct {
	ID   int64
	Code string // electronic identifier code, the dossier code's prefix
	Name string
}

// AgencyDirectory resolves agencies by id and by electronic identifier
// code; app implements it over org.
type AgencyDirectory interface {
	AgencyByID(ctx context.Context, id int64) (AgencyInfo, error)
	AgencyByCode(ctx context.Context, code string) (AgencyInfo, error)
}

// Recorder writes audit entries inside the caller's transaction; *audit.Log
// implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Calendars gives the stored working calendar (calstore.Service).
type Calendars interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
}

// Mailer enqueues e-mail in the caller's transaction; *notify.Service
// implements it.
type Mailer interface {
	EmailEnabled() bool
	Send(ctx context.Context, tx *sql.Tx, m notify.Message) error
}

// Holder is an official who may be e-mailed about a step.
type Holder struct {
	ID    int64
	Name  string
	Email string
}

// HolderDirectory lists the officials of an agency holding a role (for
// the step reminders); app implements it over identity.
type HolderDirectory interface {
	Holders(ctx context.Context, agencyID int64, role string) ([]Holder, error)
	Holder(ctx context.Context, id int64) (Holder, error)
}

// DossierOptions configure the DossierService.
type DossierOptions struct {
	Procedures ProcedureSource
	Agencies   AgencyDirectory
	Audit      Recorder
	Calendar   Calendars
	Uploads    *blob.Service
	Mail       Mailer          // optional: e-mails to the applicant
	Holders    HolderDirectory // optional: step reminders
	// Sessions are the half-day sessions of the timeliness rule; zero
	// means DefaultSessions.
	Sessions Sessions
	BaseURL  string
	Now      func() time.Time // clock.Now when nil
	Logger   *slog.Logger
}

// DossierService keeps dossiers: submission, reception, processing across
// agencies, decision, return, rating, with one legal clock.
type DossierService struct {
	db       *db.DB
	opts     DossierOptions
	sealer   Sealer
	onChange ChangeHook
}

// ChangeHook is called inside the transaction of every change of a dossier
// (its submission: created is true), after the change is written: by names
// who acted, note what they wrote. An error rolls the change back. The
// national portal adapter queues its push through it.
type ChangeHook func(ctx context.Context, tx *sql.Tx, d *Dossier, created bool, by, note string) error

// SetOnChange sets the hook called in every change's transaction.
func (s *DossierService) SetOnChange(h ChangeHook) { s.onChange = h }

func (s *DossierService) changed(ctx context.Context, tx *sql.Tx, d *Dossier, created bool, by, note string) error {
	if s.onChange == nil {
		return nil
	}
	return s.onChange(ctx, tx, d, created, by, note)
}

// NewDossiers returns the dossier service.
func NewDossiers(d *db.DB, opts DossierOptions) (*DossierService, error) {
	if d == nil || opts.Procedures == nil || opts.Agencies == nil || opts.Audit == nil || opts.Calendar == nil {
		return nil, errors.New("onestop.NewDossiers: DB, Procedures, Agencies, Audit and Calendar are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Sessions == (Sessions{}) {
		opts.Sessions = DefaultSessions()
	}
	return &DossierService{db: d, opts: opts}, nil
}

// DecisionStep is the index of the step at which the leader approves or
// refuses the result: the last step held by a leader, or the last step
// when none is. Steps after it are the desk's (returning the result), as
// procedures list them ("Trả kết quả cho người nộp").
func (d *Dossier) DecisionStep() int {
	for i := len(d.Steps) - 1; i >= 0; i-- {
		if d.Steps[i].Role == string(access.Leader) {
			return i
		}
	}
	return len(d.Steps) - 1
}

// Overdue reports whether d is still being handled (received, not
// decided, not awaiting a supplement) past its due moment at now.
func (d *Dossier) Overdue(now time.Time) bool {
	return d.Status.ClockRunning() && !d.DueAt.IsZero() && now.After(d.DueAt)
}

// DueWithin reports whether d is being handled and due within window of
// now, not yet overdue (the queues highlight it as due soon).
func (d *Dossier) DueWithin(now time.Time, window time.Duration) bool {
	return d.Status.ClockRunning() && !d.DueAt.IsZero() && !now.After(d.DueAt) && d.DueAt.Sub(now) <= window
}

// Allowed lists the actions the national status rules allow on d now
// (the pages offer only these; access still decides who may act).
func (d *Dossier) Allowed() []Action { return Allowed(d.Status) }

// MarshalJSON adds the Vietnamese names of the status and the channel.
func (d Dossier) MarshalJSON() ([]byte, error) {
	type plain Dossier
	return json.Marshal(struct {
		plain
		StatusName  string `json:"status_name"`
		ChannelName string `json:"channel_name"`
	}{plain(d), d.Status.Name(), d.Channel.Name()})
}
