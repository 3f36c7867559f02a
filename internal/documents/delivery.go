package documents

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// InboxItem is a document delivered on the platform and waiting in an
// agency's incoming queue.
type InboxItem struct {
	Delivery
	Symbol         string        `json:"symbol"`
	Type           string        `json:"type"`
	TypeName       string        `json:"type_name"`
	IssuedOn       calendar.Date `json:"issued_on"`
	Sender         string        `json:"sender"`
	Summary        string        `json:"summary"`
	Urgency        Urgency       `json:"urgency"`
	Classification access.Level  `json:"-"`
}

// MaxInbox bounds the queue a page shows at once.
const MaxInbox = 200

// actingFor lists the agencies for which a may perform action: a's own
// and those of a's role grants (the provincial office's clerk also keeps
// the committee's register), each admitted by access.Permits.
func actingFor(ctx context.Context, a *actor.Actor, action access.Action) []int64 {
	var out []int64
	add := func(id int64) {
		if id != 0 && !slices.Contains(out, id) && access.Permits(ctx, a, action, access.Resource{Type: "document", AgencyID: id}) {
			out = append(out, id)
		}
	}
	add(a.AgencyID)
	for _, g := range a.Roles {
		add(g.AgencyID)
	}
	return out
}

func placeholders(from, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(marks, ", ")
}

// Inbox lists the documents delivered to the agencies whose clerk a is
// (documents.delivery.receive) and not yet registered or returned, oldest
// first.
func (s *Service) Inbox(ctx context.Context, a *actor.Actor) ([]InboxItem, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	agencies := actingFor(ctx, a, access.DocumentsDeliveryReceive)
	if len(agencies) == 0 {
		// The refusal, recorded.
		return nil, access.Authorize(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "inbox", ID: idText(a.AgencyID), AgencyID: a.AgencyID})
	}
	args := []any{DeliveryPending}
	for _, g := range agencies {
		args = append(args, g)
	}
	out := []InboxItem{}
	err := eachRow(ctx, s.db.Reader(), `SELECT l.document_id, l.to_agency, l.from_agency, l.state, l.incoming_id, l.reason, l.created_at, l.handled_at,
		d.symbol, d.type_code, d.issued_on, d.sender, d.summary, d.urgency, d.classification
		FROM documents_deliveries l JOIN documents d ON d.id = l.document_id
		WHERE l.state = $1 AND l.to_agency IN (`+placeholders(2, len(agencies))+`) ORDER BY l.created_at, l.document_id LIMIT `+idText(MaxInbox), args,
		func(sc scanner) error {
			var it InboxItem
			var created, handled int64
			var issued, urgency, level string
			if err := sc.Scan(&it.DocumentID, &it.ToAgency, &it.FromAgency, &it.State, &it.IncomingID, &it.Reason, &created, &handled,
				&it.Symbol, &it.Type, &issued, &it.Sender, &it.Summary, &urgency, &level); err != nil {
				return err
			}
			it.CreatedAt = time.UnixMicro(created).UTC()
			it.IssuedOn, _ = calendar.ParseISO(issued)
			it.Urgency = Urgency(urgency)
			if t, ok := LookupType(it.Type); ok {
				it.TypeName = t.Name
			}
			l, err := access.ParseLevel(level)
			if err != nil {
				l = access.UltraSecret
			}
			it.Classification = l
			out = append(out, it)
			return nil
		})
	return out, err
}

// pendingDelivery finds the delivery of document id to an agency whose
// clerk a is, after access.Can; anything else is ENOTFOUND. It returns
// the document and the receiving agency.
func (s *Service) pendingDelivery(ctx context.Context, a *actor.Actor, id int64) (*Document, int64, error) {
	if a == nil {
		return nil, 0, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập")
	}
	agencies := actingFor(ctx, a, access.DocumentsDeliveryReceive)
	if len(agencies) == 0 {
		return nil, 0, access.Authorize(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "document", ID: idText(id), AgencyID: a.AgencyID})
	}
	args := []any{id}
	for _, g := range agencies {
		args = append(args, g)
	}
	var state string
	var to int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT state, to_agency FROM documents_deliveries WHERE document_id = $1
		AND to_agency IN (`+placeholders(2, len(agencies))+`) ORDER BY state <> 'pending', to_agency LIMIT 1`, args...).Scan(&state, &to)
	if isNoRows(err) {
		return nil, 0, notFound()
	}
	if err != nil {
		return nil, 0, err
	}
	if err := access.Authorize(ctx, a, access.DocumentsDeliveryReceive, access.Resource{Type: "document", ID: idText(id), AgencyID: to}); err != nil {
		return nil, 0, err
	}
	if state != DeliveryPending {
		return nil, 0, apperr.New(apperr.Conflict, "Văn bản này đã được tiếp nhận hoặc trả lại")
	}
	d, err := s.load(ctx, s.db.Reader(), id)
	return d, to, err
}

func markDelivery(ctx context.Context, tx *sql.Tx, a *actor.Actor, id, to int64, state string, incoming int64, reason string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE documents_deliveries SET state = $1, incoming_id = $2, reason = $3, handled_by = $4, handled_at = $5
		WHERE document_id = $6 AND to_agency = $7 AND state = $8`, state, incoming, reason, a.AccountID, now.UnixMicro(), id, to, DeliveryPending)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "Văn bản này vừa được tiếp nhận hoặc trả lại")
	}
	return nil
}

// ReceiveDelivered registers a document delivered to a's agency as an
// incoming document of its register (RegisterIncoming: the next incoming
// number, the sealed PDF attached with its signature report) and marks the
// delivery registered in the same transaction; the sender's timeline
// shows it.
func (s *Service) ReceiveDelivered(ctx context.Context, a *actor.Actor, id int64) (*Document, error) {
	d, to, err := s.pendingDelivery(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var atts []string
	if d.Outgoing != nil && d.Outgoing.IssuedUpload != "" && !d.Classification.StateSecret() {
		data, up, err := s.readUpload(ctx, d.Outgoing.IssuedUpload)
		if err != nil {
			return nil, err
		}
		// The recipient's own copy: an upload of its clerk, which
		// RegisterIncoming references and validates.
		mine, err := s.storePDF(ctx, a, up.Name, data, d.Classification)
		if err != nil {
			return nil, err
		}
		atts = []string{mine.ID}
	}
	now := s.opts.Now()
	return s.registerIncoming(ctx, a, IncomingRequest{AgencyID: to, Symbol: d.Symbol, IssuedOn: d.IssuedOn, Sender: d.Sender,
		Type: d.Type, Summary: d.Summary, Urgency: string(d.Urgency), Classification: d.Classification.String(), Attachments: atts},
		func(tx *sql.Tx, in *Document) error {
			if err := markDelivery(ctx, tx, a, id, to, DeliveryRegistered, in.ID, "", now); err != nil {
				return err
			}
			return addEvent(ctx, tx, id, a, now, EventDelivered, 0, "", map[string]any{"agency_id": to, "incoming_id": in.ID,
				"incoming_number": in.Number})
		})
}

// ReturnDelivered refuses a document delivered to a's agency (sent there
// by mistake, unreadable) with a reason the sender sees on its timeline.
func (s *Service) ReturnDelivered(ctx context.Context, a *actor.Actor, id int64, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do trả lại", reason, 500)
	if err != nil {
		return err
	}
	_, to, err := s.pendingDelivery(ctx, a, id)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := markDelivery(ctx, tx, a, id, to, DeliveryReturned, 0, reason, now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, a, now, EventRejected, 0, reason, map[string]any{"agency_id": to}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDeliveryReceive), ObjectType: "document",
			ObjectID: idText(id), Reason: reason, Summary: map[string]any{"returned": true, "agency_id": to}})
	})
}
