package documents

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// Statuses of an outgoing document (Decree 30/2020/NĐ-CP Arts. 10–16):
// draft → review → (returned → review …) → approved → signed → numbered →
// issued. "numbered" is the short moment between taking the register
// number and storing the sealed PDF; a document left there (the seal
// failed) keeps its number and is finished by issuing again.
const (
	StatusDraft    = "draft"
	StatusReview   = "review"
	StatusReturned = "returned"
	StatusApproved = "approved"
	StatusSigned   = "signed"
	StatusNumbered = "numbered"
	StatusIssued   = "issued"
)

var statusLabels = map[string]string{
	StatusRegistered: "Đã vào sổ", StatusWithdrawn: "Đã thu hồi số",
	StatusDraft: "Dự thảo", StatusReview: "Đang trình duyệt", StatusReturned: "Bị trả lại",
	StatusApproved: "Đã duyệt, chờ ký", StatusSigned: "Đã ký, chờ phát hành", StatusNumbered: "Đã cấp số, chưa đóng dấu",
	StatusIssued: "Đã phát hành",
}

// StatusLabel is the Vietnamese name of a document status.
func StatusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// Authorities are the prefixes of a signature block when the signer signs
// for someone else (Decree 30, Art. 13 and Appendix I): thay mặt, ký thay,
// thừa lệnh, thừa ủy quyền, quyền.
var Authorities = []string{"TM.", "KT.", "TL.", "TUQ.", "Q."}

// ParseAuthority accepts one of Authorities (the dot optional, any case)
// or empty (the head signs in their own name).
func ParseAuthority(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(locale.NFC(s)))
	if s == "" {
		return "", nil
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	if slices.Contains(Authorities, s) {
		return s, nil
	}
	return "", apperr.FieldError("signer.authority", "Thẩm quyền ký %q không hợp lệ: dùng TM., KT., TL., TUQ., Q. hoặc để trống", clipText(s, 10))
}

// Relation kinds between documents.
const (
	RelRepliesTo = "replies_to" // trả lời
	RelReplaces  = "replaces"   // thay thế
	RelAmends    = "amends"     // sửa đổi, bổ sung
	RelRevokes   = "revokes"    // bãi bỏ, thu hồi
)

var relationLabels = map[string]string{RelRepliesTo: "Trả lời văn bản", RelReplaces: "Thay thế văn bản",
	RelAmends: "Sửa đổi, bổ sung văn bản", RelRevokes: "Bãi bỏ văn bản"}

// RelationLabel is the Vietnamese name of a relation kind.
func RelationLabel(k string) string { return relationLabels[k] }

// Relation links a document to another.
type Relation struct {
	Kind     string `json:"kind"`
	TargetID int64  `json:"document_id"`
}

// Signer is who signs an outgoing document and how the block reads.
type Signer struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Authority string `json:"authority"` // TM., KT., TL., TUQ., Q. or ""
	Position  string `json:"position"`  // CHỦ TỊCH, PHÓ GIÁM ĐỐC…
}

// Recipient is an agency on the platform that receives the document.
type Recipient struct {
	AgencyID int64  `json:"agency_id"`
	Name     string `json:"name"`
}

// Reviewer is one step of the approval chain.
type Reviewer struct {
	Position  int    `json:"position"`
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
}

// Version is one file of a draft.
type Version struct {
	Number    int       `json:"version"`
	UploadID  string    `json:"upload_id"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery is an issued document's passage to one internal recipient.
type Delivery struct {
	DocumentID int64     `json:"document_id"`
	ToAgency   int64     `json:"to_agency"`
	FromAgency int64     `json:"from_agency"`
	State      string    `json:"state"` // pending, registered, returned
	IncomingID int64     `json:"incoming_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	HandledAt  time.Time `json:"handled_at,omitzero"`
}

// Delivery states.
const (
	DeliveryPending    = "pending"
	DeliveryRegistered = "registered"
	DeliveryReturned   = "returned"
)

// OutgoingInfo is what only an outgoing document has.
type OutgoingInfo struct {
	UnitID     int64       `json:"unit_id"`
	UnitAbbrev string      `json:"unit_abbrev,omitempty"`
	Legal      bool        `json:"legal_normative"`
	Signer     Signer      `json:"signer"`
	Recipients []Recipient `json:"recipients"`
	// RemoteRecipients are agencies hosted on peer nodes, sent edXML
	// packages when the document is issued.
	RemoteRecipients []RemoteRecipient `json:"remote_recipients"`
	FreeRecipients   []string          `json:"free_recipients"`
	Chain            []Reviewer        `json:"chain"`
	// Step is the chain position whose decision is awaited (1-based); 0
	// when none is.
	Step         int        `json:"step"`
	Round        int        `json:"round"`
	Versions     []Version  `json:"versions"`
	Relations    []Relation `json:"relations"`
	SignedUpload string     `json:"signed_upload,omitempty"`
	IssuedUpload string     `json:"issued_upload,omitempty"`
	IssuedAt     time.Time  `json:"issued_at,omitzero"`
	Deliveries   []Delivery `json:"deliveries"`
}

// Current returns the reviewer whose decision is awaited, if any.
func (o *OutgoingInfo) Current() (Reviewer, bool) {
	if o == nil || o.Step < 1 || o.Step > len(o.Chain) {
		return Reviewer{}, false
	}
	return o.Chain[o.Step-1], true
}

// Last returns the latest version, if any.
func (o *OutgoingInfo) Last() (Version, bool) {
	if o == nil || len(o.Versions) == 0 {
		return Version{}, false
	}
	return o.Versions[len(o.Versions)-1], true
}

// Person is an account as the outgoing flow needs it.
type Person struct {
	AccountID int64
	Name      string
	AgencyID  int64
	UnitID    int64
	Roles     []actor.RoleGrant
	Disabled  bool
}

// HasRole reports whether p holds role in agency (or platform-wide).
func (p Person) HasRole(role access.Role, agency int64) bool {
	for _, g := range p.Roles {
		if g.Role == string(role) && (g.AgencyID == agency || g.AgencyID == 0) {
			return true
		}
	}
	return false
}

// AgencyInfo is an agency as documents need it.
type AgencyInfo struct {
	ID           int64
	Name         string // full name: "Ủy ban nhân dân tỉnh Lào Cai"
	ShortName    string
	Code         string // electronic identifier
	Abbreviation string // in symbols: UBND
	// Place is the place name of the "place, date" line (Decree 30,
	// Appendix I): "Lào Cai".
	Place string
}

// Directory answers who people, agencies and units are; the application
// implements it with identity and org.
type Directory interface {
	Person(ctx context.Context, accountID int64) (Person, error)
	Agency(ctx context.Context, id int64) (AgencyInfo, error)
	AgencyByCode(ctx context.Context, code string) (AgencyInfo, error)
	// UnitAbbrev returns the abbreviation of a unit of agency ("VP").
	UnitAbbrev(ctx context.Context, agency, unit int64) (string, error)
}

// SignService signs PDFs; *signing.Service implements it.
type SignService interface {
	Sign(ctx context.Context, a *actor.Actor, req signing.SignRequest) (*signing.Signed, error)
	SigningCertificates(ctx context.Context, a *actor.Actor) ([]*pki.Certificate, error)
}

// SetOutgoing installs what the outgoing flow needs beyond registration:
// the directory of people and agencies, and the signature service.
func (s *Service) SetOutgoing(dir Directory, sig SignService) {
	s.opts.Directory, s.opts.Signer = dir, sig
}

func (s *Service) outgoingReady() error {
	if s.opts.Directory == nil || s.opts.Signer == nil {
		return apperr.New(apperr.Unavailable, "Chức năng văn bản đi chưa được bật trên máy chủ này")
	}
	return nil
}

// fillOutgoing reads what an outgoing document has besides its row, and
// names its chain as readers (a restricted draft is read by its drafter,
// its reviewers and, through Units, its drafting unit).
func (s *Service) fillOutgoing(ctx context.Context, q db.Querier, d *Document) error {
	o := &OutgoingInfo{Recipients: []Recipient{}, RemoteRecipients: []RemoteRecipient{}, FreeRecipients: []string{}, Chain: []Reviewer{}, Versions: []Version{},
		Relations: []Relation{}, Deliveries: []Delivery{}}
	var legal, issuedAt int64
	var free string
	err := q.QueryRowContext(ctx, `SELECT unit_id, unit_abbrev, legal, signer_id, signer_name, signer_authority, signer_position,
		recipients_text, step, round, signed_upload, issued_upload, issued_at FROM documents_outgoing WHERE document_id = $1`, d.ID).Scan(
		&o.UnitID, &o.UnitAbbrev, &legal, &o.Signer.AccountID, &o.Signer.Name, &o.Signer.Authority, &o.Signer.Position,
		&free, &o.Step, &o.Round, &o.SignedUpload, &o.IssuedUpload, &issuedAt)
	if isNoRows(err) {
		return nil // an outgoing row written before this flow existed
	}
	if err != nil {
		return err
	}
	o.Legal = legal == 1
	if issuedAt != 0 {
		o.IssuedAt = time.UnixMicro(issuedAt).UTC()
	}
	if free != "" {
		o.FreeRecipients = strings.Split(free, "\n")
	}
	if err := eachRow(ctx, q, `SELECT position, account_id, name FROM documents_chain WHERE document_id = $1 ORDER BY position`,
		[]any{d.ID}, func(sc scanner) error {
			var r Reviewer
			if err := sc.Scan(&r.Position, &r.AccountID, &r.Name); err != nil {
				return err
			}
			o.Chain = append(o.Chain, r)
			return nil
		}); err != nil {
		return err
	}
	if err := eachRow(ctx, q, `SELECT version, upload_id, name, media_type, size, sha256, created_by, created_at
		FROM documents_versions WHERE document_id = $1 ORDER BY version`, []any{d.ID}, func(sc scanner) error {
		var v Version
		var at int64
		if err := sc.Scan(&v.Number, &v.UploadID, &v.Name, &v.MediaType, &v.Size, &v.SHA256, &v.CreatedBy, &at); err != nil {
			return err
		}
		v.CreatedAt = time.UnixMicro(at).UTC()
		o.Versions = append(o.Versions, v)
		return nil
	}); err != nil {
		return err
	}
	if err := eachRow(ctx, q, `SELECT kind, target_id FROM documents_relations WHERE document_id = $1 ORDER BY kind, target_id`,
		[]any{d.ID}, func(sc scanner) error {
			var r Relation
			if err := sc.Scan(&r.Kind, &r.TargetID); err != nil {
				return err
			}
			o.Relations = append(o.Relations, r)
			return nil
		}); err != nil {
		return err
	}
	if err := eachRow(ctx, q, `SELECT agency_id, name FROM documents_recipients WHERE document_id = $1 ORDER BY agency_id`,
		[]any{d.ID}, func(sc scanner) error {
			var r Recipient
			if err := sc.Scan(&r.AgencyID, &r.Name); err != nil {
				return err
			}
			o.Recipients = append(o.Recipients, r)
			return nil
		}); err != nil {
		return err
	}
	if err := loadRemoteRecipients(ctx, q, o, d.ID); err != nil {
		return err
	}
	if err := eachRow(ctx, q, `SELECT `+deliveryColumns+` FROM documents_deliveries WHERE document_id = $1 ORDER BY to_agency`,
		[]any{d.ID}, func(sc scanner) error {
			dl, err := scanDelivery(sc)
			if err != nil {
				return err
			}
			o.Deliveries = append(o.Deliveries, dl)
			return nil
		}); err != nil {
		return err
	}
	d.Outgoing = o
	for _, r := range o.Chain {
		if !slices.Contains(d.Readers, r.AccountID) {
			d.Readers = append(d.Readers, r.AccountID)
		}
	}
	if o.UnitID != 0 {
		d.Units = []int64{o.UnitID}
	}
	return nil
}

const deliveryColumns = `document_id, to_agency, from_agency, state, incoming_id, reason, created_at, handled_at`

func scanDelivery(sc scanner) (Delivery, error) {
	var dl Delivery
	var created, handled int64
	if err := sc.Scan(&dl.DocumentID, &dl.ToAgency, &dl.FromAgency, &dl.State, &dl.IncomingID, &dl.Reason, &created, &handled); err != nil {
		return dl, err
	}
	dl.CreatedAt = time.UnixMicro(created).UTC()
	if handled != 0 {
		dl.HandledAt = time.UnixMicro(handled).UTC()
	}
	return dl, nil
}

type scanner interface{ Scan(...any) error }

func eachRow(ctx context.Context, q db.Querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Event kinds of the timeline.
const (
	EventCreated    = "created"    // draft started
	EventVersion    = "version"    // a new file version
	EventSubmitted  = "submitted"  // sent for review
	EventApproved   = "approved"   // a reviewer approved
	EventReturned   = "returned"   // a reviewer returned it
	EventComment    = "comment"    // a comment on a version
	EventSigned     = "signed"     // the leader signed
	EventNumbered   = "numbered"   // the clerk took the register number
	EventIssued     = "issued"     // stamped, sealed and released
	EventDelivered  = "delivered"  // registered by an internal recipient
	EventRejected   = "rejected"   // returned by an internal recipient
	EventRegistered = "registered" // an incoming document entered the register
)

var eventLabels = map[string]string{
	EventCreated: "Tạo dự thảo", EventVersion: "Tải lên phiên bản mới", EventSubmitted: "Trình duyệt",
	EventApproved: "Duyệt", EventReturned: "Trả lại", EventComment: "Góp ý", EventSigned: "Ký số",
	EventNumbered: "Cấp số", EventIssued: "Đóng dấu và phát hành", EventDelivered: "Nơi nhận đã vào sổ văn bản đến",
	EventRejected: "Nơi nhận trả lại", EventRegistered: "Vào sổ văn bản đến",
}

// EventLabel is the Vietnamese name of an event kind.
func EventLabel(kind string) string {
	if l, ok := eventLabels[kind]; ok {
		return l
	}
	return kind
}

// Event is one step on a document's timeline.
type Event struct {
	ID         int64          `json:"id"`
	DocumentID int64          `json:"document_id"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id"`
	ActorName  string         `json:"actor_name"`
	Kind       string         `json:"kind"`
	Version    int            `json:"version,omitempty"`
	Comment    string         `json:"comment,omitempty"`
	Detail     map[string]any `json:"detail,omitempty"`
}

// Label is the Vietnamese name of the event's kind.
func (e Event) Label() string { return EventLabel(e.Kind) }

// addEvent writes one timeline row inside tx.
func addEvent(ctx context.Context, tx *sql.Tx, docID int64, a *actor.Actor, at time.Time, kind string, version int, comment string, detail map[string]any) error {
	var js string
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		js = string(b)
	}
	var id int64
	var name string
	if a != nil {
		id, name = a.AccountID, a.Name
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO documents_events (document_id, at, actor_id, actor_name, kind, version, comment, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, docID, at.UnixMicro(), id, name, kind, version, comment, js)
	return err
}

// Timeline returns the steps of a document in order, for a reader allowed
// by access.Can (the same answer as Get for anyone else).
func (s *Service) Timeline(ctx context.Context, a *actor.Actor, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	out := []Event{}
	err := eachRow(ctx, s.db.Reader(), `SELECT id, document_id, at, actor_id, actor_name, kind, version, comment, detail
		FROM documents_events WHERE document_id = $1 ORDER BY at, id`, []any{id}, func(sc scanner) error {
		var e Event
		var at int64
		var detail string
		if err := sc.Scan(&e.ID, &e.DocumentID, &at, &e.ActorID, &e.ActorName, &e.Kind, &e.Version, &e.Comment, &detail); err != nil {
			return err
		}
		e.At = time.UnixMicro(at).UTC()
		if detail != "" {
			_ = json.Unmarshal([]byte(detail), &e.Detail)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// idText writes an id for audit entries.
func idText(id int64) string { return strconv.FormatInt(id, 10) }

// loadForAction loads a document and asks access.Can for action on it. A
// refusal of someone who may not even read it is ENOTFOUND, as Get says.
func (s *Service) loadForAction(ctx context.Context, a *actor.Actor, id int64, action access.Action, owner bool) (*Document, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để thực hiện thao tác này")
	}
	d, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	res := d.Resource()
	if owner {
		res.OwnerID = d.CreatedBy
	}
	if err := access.Authorize(ctx, a, action, res); err != nil {
		if (apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.NotFound)) && !access.Permits(ctx, a, access.DocumentsRead, d.Resource()) {
			return nil, notFound()
		}
		return nil, err
	}
	return d, nil
}

// refuseIssued is the answer to any edit of a document already released:
// a released document is changed only by another one (Decree 30, Art. 16).
func refuseIssued(d *Document) error {
	return apperr.New(apperr.Conflict,
		"Văn bản %s đã được phát hành: không được sửa; hãy ban hành văn bản thay thế hoặc sửa đổi, bổ sung văn bản này", d.Symbol)
}

// refuseSigned answers an edit of a signed, not yet issued document.
func refuseSigned() error {
	return apperr.New(apperr.Conflict, "Văn bản đã được ký số: không được sửa; nếu cần sửa, văn bản phải được soạn và ký lại")
}

// StatusText is the Vietnamese name of d's status.
func (d *Document) StatusText() string { return StatusLabel(d.Status) }
