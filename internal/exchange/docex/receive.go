package docex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// Inbox states.
const (
	InboxPending    = "pending"
	InboxRegistered = "registered"
	InboxReturned   = "returned"
	// InboxTakenBack is a package the clerk let its sender take back
	// before registering it (status 15): it leaves the queue.
	InboxTakenBack = "taken_back"
)

// MaxInbox bounds the queue a page shows at once.
const MaxInbox = 200

// Received is a document package received for an agency hosted here.
type Received struct {
	ID           int64         `json:"id"`
	PackageID    string        `json:"package_id"`
	Business     int           `json:"business"`
	RelatedID    string        `json:"related_id,omitempty"`
	Peer         string        `json:"peer"`
	FromCode     string        `json:"from_code"`
	FromName     string        `json:"from_name"`
	ToCode       string        `json:"to_code"`
	ToAgency     int64         `json:"to_agency"`
	Symbol       string        `json:"symbol"`
	TypeName     string        `json:"type_name"`
	IssuedOn     calendar.Date `json:"issued_on"`
	Summary      string        `json:"summary"`
	Signer       string        `json:"signer"`
	Urgency      string        `json:"urgency"`
	State        string        `json:"state"`
	Revoked      bool          `json:"revoked"`
	RevokeReason string        `json:"revoke_reason,omitempty"`
	IncomingID   int64         `json:"incoming_id,omitempty"`
	Reason       string        `json:"reason,omitempty"`
	ReceivedAt   time.Time     `json:"received_at"`
	Files        []File        `json:"files"`
	// TakeBack is the sender's request to take the document back (status
	// 13): "" none, then TakeBackAsked, TakeBackAccepted or
	// TakeBackRefused; TakeBackReason is the sender's reason and
	// TakeBackAnswer the clerk's reason for refusing.
	TakeBack       string    `json:"takeback,omitempty"`
	TakeBackReason string    `json:"takeback_reason,omitempty"`
	TakeBackAnswer string    `json:"takeback_answer,omitempty"`
	TakeBackAt     time.Time `json:"takeback_at,omitzero"`
}

// File is an attached file of a received package.
type File struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
}

// BusinessText names what the package is: "" for a new document.
func (r Received) BusinessText() string {
	switch edxml.BusinessType(r.Business) {
	case edxml.BusinessUpdate:
		return "Sửa đổi, bổ sung văn bản đã gửi"
	case edxml.BusinessReplace:
		return "Thay thế văn bản đã gửi"
	}
	return ""
}

// Receive implements exchange.Receiver: inside the transaction that
// records the inbound message, a document package lands in the receiving
// agency's inbox with its files, a revocation marks what it revokes, and
// a status package goes on the sender's timeline. An apperr refuses the
// package (status 02 with its message).
func (s *Service) Receive(ctx context.Context, tx *sql.Tx, in exchange.Inbound) error {
	if in.Envelope == nil {
		return apperr.New(apperr.Invalid, "Gói tin rỗng")
	}
	pkg, ok := in.Envelope.Package.(*edxml.Package)
	if !ok || pkg == nil {
		return apperr.New(apperr.Invalid, "Gói tin không phải edXML")
	}
	if pkg.Status != nil {
		return s.receiveStatus(ctx, tx, in, pkg.Status)
	}
	m := pkg.Message
	if m == nil {
		return apperr.New(apperr.Invalid, "Gói tin không có văn bản hay trạng thái")
	}
	to := in.Envelope.To
	if to == "" && len(m.To) == 1 {
		to = m.To[0].OrganID
	}
	if !slices.ContainsFunc(m.To, func(o edxml.Organization) bool { return o.OrganID == to }) {
		return apperr.New(apperr.Invalid, "Gói tin không gửi cho cơ quan %s", to)
	}
	agency, err := s.opts.Directory.AgencyByCode(ctx, to)
	if err != nil {
		return apperr.New(apperr.NotFound, "Cơ quan có mã định danh %s không có trên hệ thống này", to)
	}
	now := s.opts.Now()
	if m.Business.Type == edxml.BusinessRevoke {
		return s.receiveRevoke(ctx, tx, to, m, now)
	}
	peer := ""
	if in.Peer != nil {
		peer = in.Peer.Name
	}
	related := ""
	if m.Business.Type == edxml.BusinessUpdate || m.Business.Type == edxml.BusinessReplace {
		related = m.Business.DocumentID
	}
	symbol := m.CodeNotation
	if m.CodeNumber != "" {
		symbol = m.CodeNumber + "/" + m.CodeNotation
	}
	urgency := string(documents.UrgencyNormal)
	switch m.Other.Priority {
	case 1:
		urgency = string(documents.UrgencyUrgent)
	case 2:
		urgency = string(documents.UrgencyVeryUrgent)
	case 3, 4:
		urgency = string(documents.UrgencyFlash)
	}
	signer := strings.TrimSpace(strings.Join([]string{m.Signer.Competence, m.Signer.Position, m.Signer.FullName}, " "))
	fromName := m.From.OrganName
	if fromName == "" {
		fromName = m.From.OrganizationInCharge
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO docex_inbox (package_id, business, related_id, peer_name, from_code, from_name, to_code, to_agency,
		symbol, type_name, issued_on, summary, signer, urgency, state, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		m.DocumentID, int(m.Business.Type), related, peer, m.From.OrganID, locale.NFC(fromName), to, agency.ID,
		locale.NFC(symbol), locale.NFC(m.TypeName), m.PromulgationDate.String(), locale.NFC(m.Subject), locale.NFC(signer), urgency,
		InboxPending, now.UnixMicro()).Scan(&id)
	if err != nil {
		return err
	}
	if related != "" {
		// The receiver links them: the document registered from the
		// earlier package shows that the sender replaced or amended it.
		var earlier int64
		err := tx.QueryRowContext(ctx, `SELECT incoming_id FROM docex_inbox WHERE package_id = $1 AND to_code = $2 AND from_code = $3
			AND incoming_id <> 0 ORDER BY id LIMIT 1`, related, to, m.From.OrganID).Scan(&earlier)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			if err := s.opts.Documents.RecordEvent(ctx, tx, earlier, nil, documents.EventRemoteReplaced, locale.NFC(m.Business.Reason),
				map[string]any{"package_id": m.DocumentID, "business": int(m.Business.Type), "symbol": locale.NFC(symbol)}); err != nil {
				return err
			}
		}
	}
	var early string
	err = tx.QueryRowContext(ctx, `SELECT reason FROM docex_revocations WHERE package_id = $1 AND to_code = $2 AND from_code = $3`,
		m.DocumentID, to, m.From.OrganID).Scan(&early)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET revoked = 1, revoke_reason = $1 WHERE id = $2`, early, id); err != nil {
			return err
		}
	}
	for i, a := range m.Attachments {
		sum := sha256.Sum256(a.Data)
		if _, err := tx.ExecContext(ctx, `INSERT INTO docex_files (inbox_id, position, name, media_type, sha256, data)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, i+1, locale.NFC(a.Name), a.MediaType, hex.EncodeToString(sum[:]), a.Data); err != nil {
			return err
		}
	}
	return nil
}

// receiveRevoke marks the documents a Business 1 package revokes; a
// registered one gets the event on its timeline, seen by its readers.
func (s *Service) receiveRevoke(ctx context.Context, tx *sql.Tx, to string, m *edxml.Message, now time.Time) error {
	target := m.Business.DocumentID
	var ids, incoming []int64
	rows, err := tx.QueryContext(ctx, `SELECT id, incoming_id FROM docex_inbox WHERE package_id = $1 AND to_code = $2 AND from_code = $3`,
		target, to, m.From.OrganID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, inc int64
		if err := rows.Scan(&id, &inc); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
		if inc != 0 {
			incoming = append(incoming, inc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	reason := locale.NFC(m.Business.Reason)
	if len(ids) == 0 {
		// The document has not arrived yet: it is marked revoked when it
		// does.
		_, err := tx.ExecContext(ctx, `INSERT INTO docex_revocations (package_id, to_code, from_code, reason, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, target, to, m.From.OrganID, reason, now.UnixMicro())
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET revoked = 1, revoke_reason = $1 WHERE id = $2`, reason, id); err != nil {
			return err
		}
	}
	for _, inc := range incoming {
		if err := s.opts.Documents.RecordEvent(ctx, tx, inc, nil, documents.EventRevoked, reason,
			map[string]any{"package_id": target, "from": m.From.OrganID, "at": now.UTC()}); err != nil {
			return err
		}
	}
	return nil
}

// actingFor lists the agencies whose incoming queue a may handle.
func actingFor(ctx context.Context, a *actor.Actor) []int64 {
	var out []int64
	add := func(id int64) {
		if id != 0 && !slices.Contains(out, id) &&
			access.Permits(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "document", AgencyID: id}) {
			out = append(out, id)
		}
	}
	add(a.AgencyID)
	for _, g := range a.Roles {
		add(g.AgencyID)
	}
	return out
}

const receivedColumns = `id, package_id, business, related_id, peer_name, from_code, from_name, to_code, to_agency, symbol, type_name,
	issued_on, summary, signer, urgency, state, revoked, revoke_reason, incoming_id, reason, received_at,
	takeback, takeback_reason, takeback_answer, takeback_at`

func scanReceived(sc interface{ Scan(...any) error }) (Received, error) {
	var r Received
	var issued string
	var revoked, at, tbAt int64
	if err := sc.Scan(&r.ID, &r.PackageID, &r.Business, &r.RelatedID, &r.Peer, &r.FromCode, &r.FromName, &r.ToCode, &r.ToAgency,
		&r.Symbol, &r.TypeName, &issued, &r.Summary, &r.Signer, &r.Urgency, &r.State, &revoked, &r.RevokeReason, &r.IncomingID,
		&r.Reason, &at, &r.TakeBack, &r.TakeBackReason, &r.TakeBackAnswer, &tbAt); err != nil {
		return r, err
	}
	if tbAt != 0 {
		r.TakeBackAt = time.UnixMicro(tbAt).UTC()
	}
	r.IssuedOn, _ = calendar.ParseISO(issued)
	r.Revoked = revoked == 1
	r.ReceivedAt = time.UnixMicro(at).UTC()
	r.Files = []File{}
	return r, nil
}

// Inbox lists the packages waiting in the queues of the agencies whose
// clerk a is (documents.delivery.receive), oldest first; revoked ones
// stay listed, marked, until the clerk returns them.
func (s *Service) Inbox(ctx context.Context, a *actor.Actor) ([]Received, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	agencies := actingFor(ctx, a)
	if len(agencies) == 0 {
		return nil, access.Authorize(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "inbox", AgencyID: a.AgencyID})
	}
	args := []any{InboxPending}
	marks := make([]string, len(agencies))
	for i, g := range agencies {
		args = append(args, g)
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+receivedColumns+` FROM docex_inbox WHERE state = $1 AND to_agency IN (`+
		strings.Join(marks, ", ")+`) ORDER BY received_at, id LIMIT `+strconv.Itoa(MaxInbox), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Received{}
	for rows.Next() {
		r, err := scanReceived(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns one received package for a clerk of its agency, with its
// files' names and digests.
func (s *Service) Get(ctx context.Context, a *actor.Actor, id int64) (*Received, error) {
	r, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "document", ID: "exchange-" + strconv.FormatInt(id, 10),
		AgencyID: r.ToAgency}); err != nil {
		if apperr.Is(err, apperr.Forbidden) {
			return nil, notFound()
		}
		return nil, err
	}
	return r, nil
}

// takeBackPending keeps the clerk from registering or returning a package
// its sender asked to take back: the sender waits for 15 or 16.
func takeBackPending() error {
	return apperr.New(apperr.Conflict, "Bên gửi đang yêu cầu lấy lại văn bản này: hãy đồng ý hoặc từ chối cho lấy lại trước")
}

func notFound() error {
	return apperr.New(apperr.NotFound, "Không tìm thấy văn bản liên thông")
}

func (s *Service) load(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id int64) (*Received, error) {
	r, err := scanReceived(q.QueryRowContext(ctx, `SELECT `+receivedColumns+` FROM docex_inbox WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT name, media_type, sha256, length(data) FROM docex_files WHERE inbox_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Name, &f.MediaType, &f.SHA256, &f.Size); err != nil {
			return nil, err
		}
		r.Files = append(r.Files, f)
	}
	return &r, rows.Err()
}

// FileData returns the bytes of a received package's file for a clerk of
// its agency.
func (s *Service) FileData(ctx context.Context, a *actor.Actor, id int64, position int) (File, []byte, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return File{}, nil, err
	}
	if position < 1 || position > len(r.Files) {
		return File{}, nil, notFound()
	}
	var data []byte
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT data FROM docex_files WHERE inbox_id = $1 AND position = $2`, id, position).Scan(&data); err != nil {
		return File{}, nil, err
	}
	return r.Files[position-1], data, nil
}

// typeCode finds the Appendix III type whose name or code the package
// gives; Công văn when none matches.
func typeCode(name string) string {
	if t, ok := documents.LookupType(name); ok {
		return t.Code
	}
	folded := locale.Fold(name)
	for _, t := range documents.Types() {
		if locale.Fold(t.Name) == folded || strings.HasPrefix(locale.Fold(t.Name), folded+" (") {
			return t.Code
		}
	}
	return documents.CongVan
}

// Register records a received package in the receiving agency's incoming
// register (documents.RegisterIncoming: the next incoming number, the
// files as the clerk's uploads byte for byte, their signatures validated)
// and, in the same transaction, marks it registered and queues status 03
// for the sender.
func (s *Service) Register(ctx context.Context, a *actor.Actor, id int64) (*documents.Document, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if r.State != InboxPending {
		return nil, apperr.New(apperr.Conflict, "Văn bản liên thông này đã được tiếp nhận hoặc trả lại")
	}
	if r.Revoked {
		return nil, apperr.New(apperr.Conflict, "Bên gửi đã thu hồi văn bản này (%s): không vào sổ, hãy trả lại", r.RevokeReason)
	}
	if r.TakeBack == TakeBackAsked {
		return nil, takeBackPending()
	}
	if err := s.PrepareDispatch(ctx); err != nil {
		return nil, err
	}
	var uploads []string
	for i := range r.Files {
		f, data, err := s.FileData(ctx, a, id, i+1)
		if err != nil {
			return nil, err
		}
		up, err := s.opts.Uploads.Upload(ctx, a, bytes.NewReader(data), blob.Request{Name: f.Name, Level: access.Internal})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.CodeOf(err), "Tệp %q của văn bản liên thông: %s", f.Name, apperr.MessageOf(err))
		}
		uploads = append(uploads, up.ID)
	}
	sender := r.FromName
	if sender == "" {
		sender = r.FromCode
	}
	now := s.opts.Now()
	return s.opts.Documents.RegisterIncomingWith(ctx, a, documents.IncomingRequest{AgencyID: r.ToAgency, Symbol: r.Symbol,
		IssuedOn: r.IssuedOn, Sender: sender, Type: typeCode(r.TypeName), Summary: r.Summary, Urgency: r.Urgency,
		Attachments: uploads},
		func(tx *sql.Tx, d *documents.Document) error {
			res, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET state = $1, incoming_id = $2, handled_by = $3, handled_at = $4
				WHERE id = $5 AND state = $6 AND revoked = 0 AND takeback <> $7`, InboxRegistered, d.ID, a.AccountID, now.UnixMicro(), id, InboxPending,
				TakeBackAsked)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.Conflict, "Văn bản liên thông này vừa được tiếp nhận, trả lại hoặc thu hồi")
			}
			detail := map[string]any{"package_id": r.PackageID, "from": r.FromCode, "peer": r.Peer}
			if r.RelatedID != "" {
				detail["related_id"] = r.RelatedID
				detail["business"] = r.Business
				var earlier int64
				err := tx.QueryRowContext(ctx, `SELECT incoming_id FROM docex_inbox WHERE package_id = $1 AND to_code = $2 AND incoming_id <> 0
					ORDER BY id LIMIT 1`, r.RelatedID, r.ToCode).Scan(&earlier)
				if err != nil && err != sql.ErrNoRows {
					return err
				}
				if earlier != 0 {
					detail["related_document"] = earlier
				}
			}
			if err := s.opts.Documents.RecordEvent(ctx, tx, d.ID, a, documents.EventRemoteReceived, "", detail); err != nil {
				return err
			}
			return s.sendStatus(ctx, tx, a, r, edxml.StatusAccepted, "Đã vào sổ văn bản đến số "+strconv.Itoa(d.Number))
		})
}

// Return refuses a received package with a reason, which goes back to
// the sender as status 02, in one transaction with the audit entry.
func (s *Service) Return(ctx context.Context, a *actor.Actor, id int64, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do trả lại", reason, 500)
	if err != nil {
		return err
	}
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if r.State != InboxPending {
		return apperr.New(apperr.Conflict, "Văn bản liên thông này đã được tiếp nhận hoặc trả lại")
	}
	if r.TakeBack == TakeBackAsked {
		return takeBackPending()
	}
	if err := s.PrepareDispatch(ctx); err != nil {
		return err
	}
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET state = $1, reason = $2, handled_by = $3, handled_at = $4
			WHERE id = $5 AND state = $6 AND takeback <> $7`, InboxReturned, reason, a.AccountID, now.UnixMicro(), id, InboxPending, TakeBackAsked)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Văn bản liên thông này vừa được tiếp nhận hoặc trả lại")
		}
		if !r.Revoked {
			if err := s.sendStatus(ctx, tx, a, r, edxml.StatusRefused, reason); err != nil {
				return err
			}
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDeliveryReceive), ObjectType: "exchange_inbox",
			ObjectID: strconv.FormatInt(id, 10), Reason: reason, Summary: map[string]any{"returned": true, "package_id": r.PackageID,
				"from": r.FromCode, "agency_id": r.ToAgency}})
	})
}

// sendStatus queues the status code about r for its sender, once per
// code.
func (s *Service) sendStatus(ctx context.Context, tx *sql.Tx, a *actor.Actor, r *Received, code edxml.StatusCode, desc string) error {
	now := s.opts.Now()
	res, err := tx.ExecContext(ctx, `INSERT INTO docex_statuses (inbox_id, code, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		r.ID, string(code), now.UnixMicro())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	ag, err := s.opts.Directory.Agency(ctx, r.ToAgency)
	if err != nil {
		return err
	}
	num, notation := splitSymbol(r.Symbol)
	code2 := r.Symbol
	if num == "" {
		code2 = notation
	}
	st := &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: r.FromCode, Code: code2, PromulgationDate: r.IssuedOn, DocumentID: r.PackageID},
		From:        edxml.Organization{OrganID: r.ToCode, OrganName: ag.Name},
		Code:        code, Description: desc, Timestamp: now.UTC().Truncate(time.Second),
		Staff: edxml.StaffInfo{Staff: actorName(a)},
	}
	return s.enqueue(ctx, tx, r.FromCode, r.PackageID, exchange.KindStatus, nil, st)
}

// taskStatuses maps a task event on a received document to the status
// sent back.
var taskStatuses = map[string]edxml.StatusCode{
	tasks.EventDirected: edxml.StatusAssigned, tasks.EventAssigned: edxml.StatusAssigned,
	tasks.EventReported: edxml.StatusInProcess, tasks.EventCompleted: edxml.StatusCompleted,
}

// TaskEvent implements tasks.Observer: a leader's direction of a
// document received from a peer sends 04, the first progress report 05
// and the completion 06, each in the event's transaction. The node key is
// only read there: a node that received the document already holds its
// certificate (its exchange listener presented it).
func (s *Service) TaskEvent(ctx context.Context, tx *sql.Tx, t *tasks.Task, e tasks.Event) error {
	code, ok := taskStatuses[e.Kind]
	if !ok || t.DocumentID == 0 {
		return nil
	}
	r, err := scanReceived(tx.QueryRowContext(ctx, `SELECT `+receivedColumns+` FROM docex_inbox WHERE incoming_id = $1 AND state = $2
		ORDER BY id LIMIT 1`, t.DocumentID, InboxRegistered))
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Revoked {
		return nil
	}
	a := &actor.Actor{AccountID: e.ActorID, Name: e.Actor}
	desc := e.Text
	if len([]rune(desc)) > 900 {
		desc = string([]rune(desc)[:900]) + "…"
	}
	if code == edxml.StatusCompleted {
		// 05 goes before 06 even when the first report completes it.
		if err := s.sendStatus(ctx, tx, a, &r, edxml.StatusInProcess, ""); err != nil {
			return err
		}
	}
	return s.sendStatus(ctx, tx, a, &r, code, desc)
}

// RegisteredFrom returns the received package an incoming document was
// registered from, or nil, for a reader of the document: its page says
// where it came from and whether its sender revoked it.
func (s *Service) RegisteredFrom(ctx context.Context, a *actor.Actor, docID int64) (*Received, error) {
	if _, err := s.opts.Documents.Get(ctx, a, docID); err != nil {
		return nil, err
	}
	r, err := scanReceived(s.db.Reader().QueryRowContext(ctx, `SELECT `+receivedColumns+` FROM docex_inbox WHERE incoming_id = $1
		ORDER BY id LIMIT 1`, docID))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}
