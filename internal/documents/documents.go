package documents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
)

// Bounds of what a registration may carry.
const (
	MaxSummaryBytes = 2000
	MaxSenderBytes  = 500
	MaxAttachments  = 20
	maxUploadIDLen  = 64
)

// Recorder writes audit entries inside the caller's transaction; *audit.Log
// implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Verifier validates the signatures of a PDF; *signing.Service implements
// it against the platform's trust store.
type Verifier interface {
	Verify(ctx context.Context, a *actor.Actor, pdf []byte) (*pdfsign.Report, error)
}

// IndexFunc is called inside the transaction of every change to a
// document with what a search index needs (see IndexDoc); search installs
// it so the index never disagrees with what committed. An error rolls the
// change back.
type IndexFunc func(ctx context.Context, tx *sql.Tx, d IndexDoc) error

// Options configure the Service.
type Options struct {
	Audit   Recorder
	Uploads *blob.Service
	// Verifier validates the signatures of attached PDFs (Circular
	// 41/2017/TT-BTTTT); without it a PDF attachment is refused
	// (EUNAVAILABLE) rather than registered unchecked.
	Verifier Verifier
	// Index, when set, receives every document written (see IndexFunc).
	Index IndexFunc
	// Directory and Signer serve the outgoing flow (SetOutgoing); without
	// them it answers EUNAVAILABLE.
	Directory Directory
	Signer    SignService
	// Remote and Dispatcher serve recipients hosted on peer nodes of the
	// document exchange (SetExchange); without them a recipient code
	// unknown here is refused.
	Remote     RemoteDirectory
	Dispatcher Dispatcher
	Now        func() time.Time // clock.Now when nil
	Logger     *slog.Logger
}

// Service keeps official documents and their registers.
type Service struct {
	db   *db.DB
	opts Options
}

// New returns the service.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil || opts.Audit == nil || opts.Uploads == nil {
		return nil, errors.New("documents.New: DB, Audit and Uploads are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: d, opts: opts}, nil
}

// SetIndex installs the search hook after construction (the search module
// is built after this one).
func (s *Service) SetIndex(f IndexFunc) { s.opts.Index = f }

// Urgency is the độ khẩn of a document (Decree 30, Appendix I).
type Urgency string

// The urgencies, ascending.
const (
	UrgencyNormal     Urgency = "thuong"      // thường
	UrgencyUrgent     Urgency = "khan"        // Khẩn
	UrgencyVeryUrgent Urgency = "thuong_khan" // Thượng khẩn
	UrgencyFlash      Urgency = "hoa_toc"     // Hỏa tốc
)

var urgencyLabels = map[Urgency]string{UrgencyNormal: "Thường", UrgencyUrgent: "Khẩn", UrgencyVeryUrgent: "Thượng khẩn", UrgencyFlash: "Hỏa tốc"}

// Label returns the Vietnamese mark.
func (u Urgency) Label() string { return urgencyLabels[u] }

// ParseUrgency accepts the stable names; empty is "thuong".
func ParseUrgency(s string) (Urgency, error) {
	s = locale.NFC(s)
	if s == "" {
		return UrgencyNormal, nil
	}
	if _, ok := urgencyLabels[Urgency(s)]; ok {
		return Urgency(s), nil
	}
	return "", apperr.FieldError("urgency", "Độ khẩn %q không hợp lệ: dùng thuong, khan, thuong_khan hoặc hoa_toc", clipText(s, 20))
}

// Document statuses.
const (
	StatusRegistered = "registered" // an incoming document in the register
	StatusWithdrawn  = "withdrawn"  // its register number was withdrawn
)

// Signature statuses of an attachment.
const (
	SigNotPDF        = ""              // not a PDF: nothing to validate
	SigNone          = "none"          // a PDF without signatures
	SigValid         = "valid"         // every signature TOTAL-PASSED
	SigInvalid       = "invalid"       // a signature TOTAL-FAILED (e.g. changed in transit)
	SigIndeterminate = "indeterminate" // could not be decided (unknown CA, revocation unknown)
)

// Attachment is a file of a document.
type Attachment struct {
	UploadID        string          `json:"upload_id"`
	Name            string          `json:"name"`
	MediaType       string          `json:"media_type"`
	Size            int64           `json:"size"`
	SHA256          string          `json:"sha256"`
	SignatureStatus string          `json:"signature_status,omitempty"`
	SignatureReport json.RawMessage `json:"signature_report,omitempty"`
}

// Document is a registered document.
type Document struct {
	ID             int64         `json:"id"`
	Direction      Direction     `json:"direction"`
	AgencyID       int64         `json:"agency_id"`
	Series         Series        `json:"series"`
	Year           int           `json:"register_year"`
	Number         int           `json:"incoming_number,omitempty"`
	Symbol         string        `json:"symbol"`
	Type           string        `json:"type"`
	TypeName       string        `json:"type_name"`
	IssuedOn       calendar.Date `json:"issued_on"`
	Sender         string        `json:"sender"`
	Summary        string        `json:"summary"`
	Urgency        Urgency       `json:"urgency"`
	Classification access.Level  `json:"-"`
	Status         string        `json:"status"`
	ReceivedAt     time.Time     `json:"received_at"`
	DuplicateOf    int64         `json:"duplicate_of,omitempty"`
	CreatedBy      int64         `json:"created_by"`
	Attachments    []Attachment  `json:"attachments"`
	// Readers are the people who may read a restricted document besides
	// its registering clerk: an outgoing draft's review chain, and the
	// people named by AddReaders (the handlers of a direction, who read
	// it in another agency too).
	Readers []int64 `json:"-"`
	// Units are the units whose officials read a restricted document (an
	// outgoing draft's drafting unit, and the units named by AddReaders).
	Units []int64 `json:"-"`
	// Outgoing holds the drafting, approval and release of an outgoing
	// document; nil for an incoming one.
	Outgoing *OutgoingInfo `json:"outgoing,omitempty"`
}

// MarshalJSON adds the classification's stable name.
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	p := plain(d)
	var number int
	if d.Direction == Outgoing {
		// An outgoing number is not a số đến.
		number, p.Number = d.Number, 0
	}
	return json.Marshal(struct {
		plain
		Classification string `json:"classification"`
		Number         int    `json:"number,omitempty"`
	}{p, d.Classification.String(), number})
}

// Resource is the document as access.Can sees it.
func (d Document) Resource() access.Resource {
	return access.Resource{Type: "document", ID: strconv.FormatInt(d.ID, 10), AgencyID: d.AgencyID,
		Level: d.Classification, People: append([]int64{d.CreatedBy}, d.Readers...), Units: d.Units}
}

// IncomingRequest is what the clerk enters for an incoming document.
type IncomingRequest struct {
	// AgencyID is the agency whose register receives it; 0 = the clerk's.
	AgencyID       int64
	Symbol         string
	IssuedOn       calendar.Date
	Sender         string
	Type           string
	Summary        string
	Urgency        string
	Classification string
	Attachments    []string // upload ids, uploaded by the clerk
	// Force registers a document although one with the same sender, symbol
	// and date is already in the register; the new one records which.
	Force bool
}

// DuplicateError refuses a second registration of the same document
// (Decree 30, Appendix VI: the system warns the clerk): it names the first.
type DuplicateError struct {
	FirstID     int64
	FirstNumber int
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate of document %d", e.FirstID)
}

// FirstOf returns the first registration named by a duplicate refusal.
func FirstOf(err error) (int64, bool) {
	var d *DuplicateError
	if errors.As(err, &d) {
		return d.FirstID, true
	}
	return 0, false
}

type incomingInput struct {
	sym          Symbol
	symbol       string
	issued       calendar.Date
	sender, sKey string
	typ          Type
	summary      string
	urgency      Urgency
	level        access.Level
	attachments  []string
}

func (s *Service) validateIncoming(req IncomingRequest, today calendar.Date) (incomingInput, error) {
	var in incomingInput
	var err error
	if in.sym, err = ParseSymbol(req.Symbol); err != nil {
		return in, err
	}
	in.symbol = locale.NFC(req.Symbol)
	if rest, ok := cutLabel(in.symbol); ok {
		in.symbol = rest
	}
	if req.IssuedOn.IsZero() || !req.IssuedOn.IsValid() {
		return in, apperr.FieldError("issued_on", "Thiếu ngày ban hành của văn bản")
	}
	if req.IssuedOn.After(today) {
		return in, apperr.FieldError("issued_on", "Ngày ban hành %s sau ngày hôm nay (%s)", req.IssuedOn.VN(), today.VN())
	}
	in.issued = req.IssuedOn
	if in.sender, err = locale.CleanName("sender", "Tên cơ quan ban hành", req.Sender, MaxSenderBytes); err != nil {
		return in, err
	}
	in.sKey = locale.Fold(in.sender)
	if in.typ, err = ParseType(req.Type); err != nil {
		return in, err
	}
	if in.summary, err = locale.CleanName("summary", "Trích yếu", req.Summary, MaxSummaryBytes); err != nil {
		return in, err
	}
	if in.urgency, err = ParseUrgency(req.Urgency); err != nil {
		return in, err
	}
	if req.Classification == "" {
		in.level = access.Internal
	} else if in.level, err = access.ParseLevel(locale.NFC(req.Classification)); err != nil {
		return in, apperr.FieldError("classification", "%s", apperr.MessageOf(err))
	}
	if len(req.Attachments) > MaxAttachments {
		return in, apperr.FieldError("attachments", "Tối đa %d tệp đính kèm", MaxAttachments)
	}
	for _, id := range req.Attachments {
		if id == "" || len(id) > maxUploadIDLen {
			return in, apperr.FieldError("attachments", "Mã tệp tải lên không hợp lệ")
		}
		if slices.Contains(in.attachments, id) {
			return in, apperr.FieldError("attachments", "Tệp %q được đính kèm hai lần", id)
		}
		in.attachments = append(in.attachments, id)
	}
	if len(in.attachments) > 0 {
		// State secrets are kept as metadata only (Law 29/2018/QH14).
		if err := access.AllowContent(in.level); err != nil {
			e := apperr.New(apperr.CodeOf(err), "%s", apperr.MessageOf(err))
			e.Field = "attachments"
			return in, e
		}
	}
	return in, nil
}

// checked is an attachment read and validated before the transaction.
type checked struct {
	up     blob.Upload
	status string
	report []byte
}

// checkAttachments reads each upload of a and, for PDFs, validates their
// signatures. It runs before the transaction: validation can take
// seconds, and on SQLite the writer must not wait for it.
func (s *Service) checkAttachments(ctx context.Context, a *actor.Actor, ids []string, level access.Level) ([]checked, error) {
	out := make([]checked, 0, len(ids))
	for _, id := range ids {
		up, err := s.opts.Uploads.Get(ctx, id)
		if err != nil {
			return nil, apperr.FieldError("attachments", "%s", apperr.MessageOf(err))
		}
		if up.Uploader != a.AccountID && a.Kind != actor.System {
			return nil, apperr.FieldError("attachments", "Không tìm thấy tệp tải lên %q (có thể đã quá hạn sử dụng và bị xoá)", id)
		}
		if level == access.Restricted && !up.Encrypted {
			return nil, apperr.FieldError("attachments",
				"Tệp %q được tải lên không mã hoá: văn bản hạn chế cần tệp tải lên với độ mật hạn chế (được mã hoá khi lưu)", up.Name)
		}
		c := checked{up: up}
		if up.MediaType == "application/pdf" {
			if c.status, c.report, err = s.verifyPDF(ctx, a, up); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Service) verifyPDF(ctx context.Context, a *actor.Actor, up blob.Upload) (string, []byte, error) {
	if s.opts.Verifier == nil {
		return "", nil, apperr.New(apperr.Unavailable, "Dịch vụ kiểm tra chữ ký số chưa được bật: chưa thể đăng ký văn bản có tệp PDF")
	}
	rc, _, err := s.opts.Uploads.Open(ctx, up.ID)
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, s.opts.Uploads.MaxSize()+1))
	if err != nil {
		return "", nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp %q từ kho tệp", up.Name)
	}
	rep, err := s.opts.Verifier.Verify(ctx, a, data)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return "", nil, apperr.FieldError("attachments", "Tệp %q không phải tệp PDF đọc được: %s", up.Name, apperr.MessageOf(err))
		}
		return "", nil, err
	}
	js, err := json.Marshal(rep)
	if err != nil {
		return "", nil, err
	}
	return signatureStatus(rep), js, nil
}

func signatureStatus(r *pdfsign.Report) string {
	if len(r.Signatures) == 0 {
		return SigNone
	}
	status := SigValid
	for _, sr := range r.Signatures {
		switch sr.Indication {
		case pdfsign.TotalPassed:
		case pdfsign.TotalFailed:
			return SigInvalid
		default:
			status = SigIndeterminate
		}
	}
	return status
}

// RegisterIncoming records an incoming document in its agency's register
// (Decree 30, Art. 22) and gives it the next incoming number of the year
// (số đến, from 1 each calendar year in Vietnam time; state secrets in
// their own series). Only the agency's clerk may (access
// documents.incoming.register). Attachments are the clerk's uploads;
// PDFs among them have their signatures validated and the report kept
// (Circular 41/2017/TT-BTTTT), a failed report included. A document with
// the same sender, symbol and date already registered is refused with a
// *DuplicateError naming the first (ECONFLICT) unless req.Force.
func (s *Service) RegisterIncoming(ctx context.Context, a *actor.Actor, req IncomingRequest) (*Document, error) {
	return s.registerIncoming(ctx, a, req, nil)
}

// registerIncoming is RegisterIncoming with a step run inside its
// transaction before the audit entry (a delivery marked registered).
func (s *Service) registerIncoming(ctx context.Context, a *actor.Actor, req IncomingRequest, also func(tx *sql.Tx, d *Document) error) (*Document, error) {
	now := s.opts.Now()
	in, err := s.validateIncoming(req, calendar.DateOf(now.In(locale.VN)))
	if err != nil {
		return nil, err
	}
	agency := req.AgencyID
	if agency == 0 && a != nil {
		agency = a.AgencyID
	}
	if agency == 0 {
		return nil, apperr.FieldError("agency_id", "Chưa rõ văn bản được đăng ký vào sổ của cơ quan nào")
	}
	res := access.Resource{Type: "document", ID: "new", AgencyID: agency, Level: in.level}
	if a != nil {
		res.People = []int64{a.AccountID}
	}
	if err := access.Authorize(ctx, a, access.DocumentsIncomingRegister, res); err != nil {
		return nil, err
	}
	atts, err := s.checkAttachments(ctx, a, in.attachments, in.level)
	if err != nil {
		return nil, err
	}
	series := Normal
	if in.level.StateSecret() {
		series = Confidential
	}
	d := &Document{Direction: Incoming, AgencyID: agency, Series: series, Year: RegisterYear(now),
		Symbol: in.symbol, Type: in.typ.Code, TypeName: in.typ.Name, IssuedOn: in.issued, Sender: in.sender,
		Summary: in.summary, Urgency: in.urgency, Classification: in.level, Status: StatusRegistered,
		ReceivedAt: now.UTC().Truncate(time.Microsecond), CreatedBy: a.AccountID}
	reg := Register{AgencyID: agency, Direction: Incoming, Series: series, Year: d.Year}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The number first: its counter row stays locked until commit, so
		// two registrations of the same document into one register check
		// for each other one after the other, on PostgreSQL too.
		var err error
		if d.Number, err = nextNumber(ctx, tx, reg); err != nil {
			return err
		}
		var first int64
		var firstNumber int
		err = tx.QueryRowContext(ctx, `SELECT id, reg_number FROM documents
			WHERE agency_id = $1 AND symbol_key = $2 AND issued_on = $3 AND sender_key = $4 AND direction = $5 AND status <> $6
			ORDER BY id LIMIT 1`, agency, in.sym.Key(), in.issued.String(), in.sKey, string(Incoming), StatusWithdrawn).Scan(&first, &firstNumber)
		switch {
		case err == nil && !req.Force:
			return apperr.Wrap(&DuplicateError{FirstID: first, FirstNumber: firstNumber}, apperr.Conflict,
				"Văn bản %s ngày %s của %s đã được đăng ký (văn bản #%d, số đến %d): không đăng ký lại; nếu đúng là văn bản khác, hãy đăng ký với tùy chọn force",
				in.symbol, in.issued.VN(), in.sender, first, firstNumber)
		case err == nil:
			d.DuplicateOf = first
		case !isNoRows(err):
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO documents (direction, agency_id, series, reg_year, symbol, symbol_key, type_code,
			issued_on, sender, sender_key, summary, urgency, classification, received_at, status, duplicate_of, created_by, created_at, reg_number)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			string(d.Direction), d.AgencyID, string(d.Series), d.Year, d.Symbol, in.sym.Key(), d.Type,
			d.IssuedOn.String(), d.Sender, in.sKey, d.Summary, string(d.Urgency), d.Classification.String(), d.ReceivedAt.UnixMicro(),
			d.Status, d.DuplicateOf, d.CreatedBy, now.UnixMicro(), d.Number).Scan(&d.ID)
		if err != nil {
			return err
		}
		if err := recordNumber(ctx, tx, reg, d.Number, d.ID, now); err != nil {
			return err
		}
		d.Attachments = make([]Attachment, 0, len(atts))
		for i, c := range atts {
			up, err := s.opts.Uploads.Reference(ctx, tx, c.up.ID, a)
			if err != nil {
				return apperr.FieldError("attachments", "%s", apperr.MessageOf(err))
			}
			att := Attachment{UploadID: up.ID, Name: up.Name, MediaType: up.MediaType, Size: up.Size, SHA256: up.SHA256,
				SignatureStatus: c.status, SignatureReport: c.report}
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_attachments (document_id, position, upload_id, name, media_type, size, sha256,
				signature_status, signature_report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				d.ID, i+1, att.UploadID, att.Name, att.MediaType, att.Size, att.SHA256, att.SignatureStatus, string(att.SignatureReport)); err != nil {
				return err
			}
			d.Attachments = append(d.Attachments, att)
		}
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, d); err != nil {
				return err
			}
		}
		if err := addEvent(ctx, tx, d.ID, a, now, EventRegistered, 0, "", map[string]any{"incoming_number": d.Number}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsIncomingRegister),
			ObjectType: "document", ObjectID: strconv.FormatInt(d.ID, 10), After: auditView(d),
			Summary: map[string]any{"incoming_number": d.Number, "year": d.Year, "series": d.Series, "duplicate_of": d.DuplicateOf,
				"signatures": signatureSummary(d.Attachments)}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// auditView is what the audit digest covers: the metadata and the files'
// digests, not the validation reports (kept with the document).
func auditView(d *Document) any {
	files := make([]map[string]any, len(d.Attachments))
	for i, a := range d.Attachments {
		files[i] = map[string]any{"upload_id": a.UploadID, "sha256": a.SHA256, "signature_status": a.SignatureStatus}
	}
	return map[string]any{"id": d.ID, "agency_id": d.AgencyID, "series": d.Series, "year": d.Year, "number": d.Number,
		"symbol": d.Symbol, "type": d.Type, "issued_on": d.IssuedOn.String(), "sender": d.Sender, "summary": d.Summary,
		"urgency": d.Urgency, "classification": d.Classification.String(), "files": files}
}

func signatureSummary(atts []Attachment) []string {
	var out []string
	for _, a := range atts {
		if a.SignatureStatus != SigNotPDF {
			out = append(out, a.SignatureStatus)
		}
	}
	return out
}

// notFound is the one answer for a document that does not exist and one
// the reader may not see, so ids teach a prober nothing.
func notFound() error { return apperr.New(apperr.NotFound, "Không tìm thấy văn bản") }

const documentColumns = `id, direction, agency_id, series, reg_year, reg_number, symbol, type_code, issued_on, sender, summary,
	urgency, classification, status, received_at, duplicate_of, created_by`

func scanDocument(row interface{ Scan(...any) error }) (*Document, error) {
	var d Document
	var dir, series, issued, urgency, level string
	var received int64
	if err := row.Scan(&d.ID, &dir, &d.AgencyID, &series, &d.Year, &d.Number, &d.Symbol, &d.Type, &issued, &d.Sender, &d.Summary,
		&urgency, &level, &d.Status, &received, &d.DuplicateOf, &d.CreatedBy); err != nil {
		return nil, err
	}
	d.Direction, d.Series, d.Urgency = Direction(dir), Series(series), Urgency(urgency)
	if issued != "" {
		var err error
		if d.IssuedOn, err = calendar.ParseISO(issued); err != nil {
			return nil, err
		}
	}
	l, err := access.ParseLevel(level)
	if err != nil {
		// An unreadable stored level fails closed.
		l = access.UltraSecret
	}
	d.Classification = l
	if t, ok := LookupType(d.Type); ok {
		d.TypeName = t.Name
	}
	d.ReceivedAt = time.UnixMicro(received).UTC()
	return &d, nil
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64) (*Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT upload_id, name, media_type, size, sha256, signature_status, signature_report
		FROM documents_attachments WHERE document_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.Attachments = []Attachment{}
	for rows.Next() {
		var a Attachment
		var rep string
		if err := rows.Scan(&a.UploadID, &a.Name, &a.MediaType, &a.Size, &a.SHA256, &a.SignatureStatus, &rep); err != nil {
			return nil, err
		}
		if rep != "" {
			a.SignatureReport = json.RawMessage(rep)
		}
		d.Attachments = append(d.Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if d.Direction == Outgoing {
		if err := s.fillOutgoing(ctx, q, d); err != nil {
			return nil, err
		}
	}
	if err := loadReaders(ctx, q, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Get returns a document for a reader allowed by access.Can
// (documents.document.read: the agency's officials within their
// clearance; a restricted document only to its named readers). A
// document the reader may not see and a missing one get the same
// ENOTFOUND; a reader who is not signed in gets EUNAUTHORIZED.
func (s *Service) Get(ctx context.Context, a *actor.Actor, id int64) (*Document, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem văn bản")
	}
	d, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	if dec := access.Can(ctx, a, access.DocumentsRead, d.Resource()); !dec.Allowed {
		if dec.Code == apperr.Unauthorized || dec.Code == apperr.Unavailable {
			return nil, dec.Err()
		}
		return nil, notFound()
	}
	if d.Classification.StateSecret() {
		d.Attachments = []Attachment{}
	}
	return d, nil
}

// WithdrawIncoming withdraws the incoming number of a document registered
// by mistake: the number stays in the register marked withdrawn, with the
// reason in its note, and is never given again; the document is marked
// withdrawn too. The agency's clerk may (documents.number.withdraw).
func (s *Service) WithdrawIncoming(ctx context.Context, a *actor.Actor, id int64, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do thu hồi số", reason, 500)
	if err != nil {
		return err
	}
	d, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return err
	}
	res := d.Resource()
	if err := access.Authorize(ctx, a, access.DocumentsNumberWithdraw, res); err != nil {
		if apperr.Is(err, apperr.Forbidden) && !access.Can(ctx, a, access.DocumentsRead, res).Allowed {
			return notFound()
		}
		return err
	}
	if d.Direction != Incoming || d.Status == StatusWithdrawn {
		return apperr.New(apperr.Conflict, "Văn bản #%d không phải văn bản đến đang có số trong sổ", id)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE documents SET status = $1 WHERE id = $2 AND status = $3`, StatusWithdrawn, id, StatusRegistered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Số của văn bản #%d đã được thu hồi", id)
		}
		reg := Register{AgencyID: d.AgencyID, Direction: d.Direction, Series: d.Series, Year: d.Year}
		if err := withdrawNumber(ctx, tx, reg, d.Number, reason); err != nil {
			return err
		}
		d.Status = StatusWithdrawn
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsNumberWithdraw),
			ObjectType: "document", ObjectID: strconv.FormatInt(id, 10), Reason: reason,
			Summary: map[string]any{"incoming_number": d.Number, "year": d.Year, "series": d.Series}})
	})
}
