package docex

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Sent states.
const (
	SentSent    = "sent"
	SentRevoked = "revoked"
)

// PackageID is the edXML DocumentId of an outgoing document of the agency
// with code: "<OrganId>,<year>,<document id>", stable for the document.
func PackageID(code string, d *documents.Document) string {
	return fmt.Sprintf("%s,%04d,%d", code, d.Year, d.ID)
}

// splitSymbol cuts "12/UBND-VP" into its number and notation.
func splitSymbol(sym string) (string, string) {
	if n, rest, ok := strings.Cut(sym, "/"); ok {
		return n, rest
	}
	return "", sym
}

// message builds the edXML message of d for the recipients to.
func (s *Service) message(ctx context.Context, d *documents.Document, from documents.AgencyInfo, to []documents.RemoteRecipient,
	issued []byte, business edxml.Business) *edxml.Message {
	num, notation := splitSymbol(d.Symbol)
	m := &edxml.Message{
		From:         edxml.Organization{OrganID: from.Code, OrganName: from.Name},
		DocumentID:   PackageID(from.Code, d),
		CodeNumber:   num,
		CodeNotation: notation,
		Place:        from.Place,
		TypeName:     d.TypeName,
		Subject:      d.Summary,
		Business:     business,
		Trace:        []edxml.TraceHeader{{OrganID: from.Code, Timestamp: s.opts.Now().UTC().Truncate(1e9)}},
	}
	m.PromulgationDate = d.IssuedOn
	if d.Outgoing != nil {
		m.Signer = edxml.SignerInfo{Competence: d.Outgoing.Signer.Authority, Position: d.Outgoing.Signer.Position,
			FullName: d.Outgoing.Signer.Name}
		m.ToPlaces = append(m.ToPlaces, d.Outgoing.FreeRecipients...)
	}
	switch d.Urgency {
	case documents.UrgencyUrgent:
		m.Other.Priority = 1
	case documents.UrgencyVeryUrgent:
		m.Other.Priority = 2
	case documents.UrgencyFlash:
		m.Other.Priority = 3
	}
	for _, r := range to {
		m.To = append(m.To, edxml.Organization{OrganID: r.Code, OrganName: r.Name})
	}
	if issued != nil {
		name := strings.ReplaceAll(d.Symbol, "/", "-") + ".pdf"
		m.Attachments = []edxml.Attachment{{Name: name, MediaType: "application/pdf", Description: "Văn bản điện tử đã ký số", Data: issued}}
	}
	return m
}

// enqueue signs m (or st) with the node key and queues it for toCode.
func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, toCode, docID, kind string, m *edxml.Message, st *edxml.Status) error {
	key, chain, err := s.opts.Exchange.Signer(ctx)
	if err != nil {
		return err
	}
	var pkg []byte
	if m != nil {
		pkg, err = edxml.Build(m, key, chain)
	} else {
		pkg, err = edxml.BuildStatus(st, key, chain)
	}
	if err != nil {
		return err
	}
	return s.opts.Exchange.Enqueue(ctx, tx, exchange.Outbound{ToCode: toCode, DocumentID: docID, Kind: kind, Package: pkg})
}

// PrepareDispatch implements documents.DispatchPreparer: the node's key
// is fetched before the issue's transaction (on first use the node
// certificate is issued, in a transaction of its own), so the signing
// inside the transaction only reads it.
func (s *Service) PrepareDispatch(ctx context.Context) error {
	_, _, err := s.opts.Exchange.Signer(ctx)
	return err
}

// Dispatch implements documents.Dispatcher: inside the issue's delivery
// transaction, one signed package per remote recipient with the issued
// PDF unchanged, its DocumentId recorded. A document replacing or
// amending one sent before to the same agency goes as Business 3 or 2
// naming the earlier package.
func (s *Service) Dispatch(ctx context.Context, tx *sql.Tx, a *actor.Actor, d *documents.Document, issued []byte) error {
	if d.Outgoing == nil || len(d.Outgoing.RemoteRecipients) == 0 {
		return nil
	}
	from, err := s.opts.Directory.Agency(ctx, d.AgencyID)
	if err != nil {
		return err
	}
	if !edxml.ValidOrganID(from.Code) {
		return apperr.New(apperr.Conflict, "Cơ quan %s chưa có mã định danh điện tử hợp lệ (%q): chưa gửi liên thông được", from.Name, from.Code)
	}
	now := s.opts.Now()
	pkgID := PackageID(from.Code, d)
	var codes []string
	for _, r := range d.Outgoing.RemoteRecipients {
		business := edxml.Business{Type: edxml.BusinessNew, Staff: edxml.StaffInfo{Staff: actorName(a)}}
		for _, rel := range d.Outgoing.Relations {
			if rel.Kind != documents.RelReplaces && rel.Kind != documents.RelAmends {
				continue
			}
			var earlier string
			err := tx.QueryRowContext(ctx, `SELECT package_id FROM docex_sent WHERE document_id = $1 AND to_code = $2`,
				rel.TargetID, r.Code).Scan(&earlier)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			if rel.Kind == documents.RelReplaces {
				business.Type, business.Reason = edxml.BusinessReplace, "Thay thế văn bản đã gửi"
				business.DocumentID = earlier
				business.Replacement = []edxml.ReplacementInfo{{DocumentID: earlier, OrganIDs: []string{r.Code}}}
			} else {
				business.Type, business.Reason = edxml.BusinessUpdate, "Sửa đổi, bổ sung văn bản đã gửi"
				business.DocumentID = earlier
				business.Update = &edxml.BusinessDocumentInfo{DocumentInfo: 1}
			}
			break
		}
		m := s.message(ctx, d, from, []documents.RemoteRecipient{r}, issued, business)
		if err := s.enqueue(ctx, tx, r.Code, pkgID, exchange.KindDocument, m, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO docex_sent (document_id, to_code, package_id, business, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, d.ID, r.Code, pkgID, int(business.Type), SentSent, now.UnixMicro()); err != nil {
			return err
		}
		codes = append(codes, r.Code)
	}
	return s.opts.Documents.RecordEvent(ctx, tx, d.ID, a, documents.EventRemoteSent, "",
		map[string]any{"package_id": pkgID, "to": codes})
}

// Revoke revokes an issued document sent to peers (Business 1): the
// agency's clerk who issues (documents.outgoing.issue) gives a reason;
// one package per recipient not yet revoked is queued with the timeline
// event and the audit entry in one transaction.
func (s *Service) Revoke(ctx context.Context, a *actor.Actor, id int64, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do thu hồi", reason, 500)
	if err != nil {
		return err
	}
	d, err := s.opts.Documents.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if err := access.Authorize(ctx, a, access.DocumentsOutgoingIssue, d.Resource()); err != nil {
		return err
	}
	if d.Outgoing == nil || d.Status != documents.StatusIssued {
		return apperr.New(apperr.Conflict, "Chỉ thu hồi được văn bản đi đã phát hành")
	}
	from, err := s.opts.Directory.Agency(ctx, d.AgencyID)
	if err != nil {
		return err
	}
	if err := s.PrepareDispatch(ctx); err != nil {
		return err
	}
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		type row struct{ code, pkg string }
		var rows []row
		rs, err := tx.QueryContext(ctx, `SELECT to_code, package_id FROM docex_sent WHERE document_id = $1 AND state = $2 ORDER BY to_code`,
			id, SentSent)
		if err != nil {
			return err
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.code, &r.pkg); err != nil {
				rs.Close()
				return err
			}
			rows = append(rows, r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		if len(rows) == 0 {
			return apperr.New(apperr.Conflict, "Văn bản không có nơi nhận liên thông nào chưa bị thu hồi")
		}
		var codes []string
		for _, r := range rows {
			name := ""
			for _, rr := range d.Outgoing.RemoteRecipients {
				if rr.Code == r.code {
					name = rr.Name
				}
			}
			m := s.message(ctx, d, from, []documents.RemoteRecipient{{Code: r.code, Name: name}}, nil,
				edxml.Business{Type: edxml.BusinessRevoke, Reason: reason, DocumentID: r.pkg, Staff: edxml.StaffInfo{Staff: actorName(a)}})
			m.DocumentID = r.pkg
			if err := s.enqueue(ctx, tx, r.code, r.pkg, exchange.KindDocument, m, nil); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET state = $1, updated_at = $2 WHERE document_id = $3 AND to_code = $4`,
				SentRevoked, now.UnixMicro(), id, r.code); err != nil {
				return err
			}
			codes = append(codes, r.code)
		}
		if err := s.opts.Documents.RecordEvent(ctx, tx, id, a, documents.EventRevokeSent, reason, map[string]any{"to": codes}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsOutgoingIssue), ObjectType: "document",
			ObjectID: strconv.FormatInt(id, 10), Reason: reason, Summary: map[string]any{"step": "exchange_revoke", "to": codes}})
	})
}

// statusEvents maps a status code received to the sender's timeline event.
var statusEvents = map[edxml.StatusCode]string{
	edxml.StatusArrived: documents.EventRemoteArrived, edxml.StatusRefused: documents.EventRemoteRefused,
	edxml.StatusAccepted: documents.EventRemoteAccepted, edxml.StatusAssigned: documents.EventRemoteAssigned,
	edxml.StatusInProcess: documents.EventRemoteProcessing, edxml.StatusCompleted: documents.EventRemoteCompleted,
}

// receiveStatus records a status package about a document sent from here
// on its timeline; a take-back request (13) is about a document received
// here.
func (s *Service) receiveStatus(ctx context.Context, tx *sql.Tx, in exchange.Inbound, st *edxml.Status) error {
	switch st.Code {
	case edxml.StatusTakeBack:
		return s.receiveTakeBack(ctx, tx, st)
	case edxml.StatusTakeBackOK, edxml.StatusTakeBackRefuse:
		return s.receiveTakeBackAnswer(ctx, tx, in, st)
	}
	kind, ok := statusEvents[st.Code]
	if !ok {
		return apperr.New(apperr.Invalid, "Trạng thái %s không được hỗ trợ", string(st.Code))
	}
	var docID int64
	err := tx.QueryRowContext(ctx, `SELECT document_id FROM docex_sent WHERE package_id = $1 AND to_code = $2`,
		st.ResponseFor.DocumentID, st.From.OrganID).Scan(&docID)
	if err == sql.ErrNoRows {
		return apperr.New(apperr.NotFound, "Không có văn bản %s đã gửi cho %s", st.ResponseFor.DocumentID, st.From.OrganID)
	}
	if err != nil {
		return err
	}
	// Statuses travel as separate packages and may arrive out of order
	// (04 before 03 after a retry): the furthest step is kept (the codes
	// order them: 02 < 03 < 04 < 05 < 06); the timeline keeps every one.
	if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET status = $1, reason = $2, updated_at = $3 WHERE document_id = $4 AND to_code = $5
		AND status < $1`, string(st.Code), st.Description, s.opts.Now().UnixMicro(), docID, st.From.OrganID); err != nil {
		return err
	}
	detail := map[string]any{"agency_code": st.From.OrganID, "agency": st.From.OrganName, "status": string(st.Code)}
	if in.Peer != nil {
		detail["peer"] = in.Peer.Name
	}
	if st.Staff.Staff != "" {
		detail["staff"] = st.Staff.Staff
	}
	return s.opts.Documents.RecordEvent(ctx, tx, docID, nil, kind, st.Description, detail)
}

// Delivered records the receipt a peer answered for a document package
// sent from here (01 arrived, 02 refused at the door) on the document's
// timeline, in the transaction that stores the receipt
// (exchange.ReceiptObserver). The receipt of a revocation, of a status
// package (but a take-back request refused at the door), or of a package
// docex did not send records nothing.
func (s *Service) Delivered(ctx context.Context, tx *sql.Tx, d exchange.Delivered) error {
	if d.Kind == exchange.KindStatus && d.Status == string(edxml.StatusRefused) {
		return s.takeBackBounced(ctx, tx, d)
	}
	if d.Kind != exchange.KindDocument {
		return nil
	}
	kind, ok := statusEvents[edxml.StatusCode(d.Status)]
	if !ok {
		return nil
	}
	var docID int64
	err := tx.QueryRowContext(ctx, `SELECT document_id FROM docex_sent WHERE package_id = $1 AND to_code = $2`,
		d.DocumentID, d.ToCode).Scan(&docID)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	// A revocation goes under the same DocumentId as its document: only
	// the document's own receipt is the arrival of the document.
	if pkg, err := edxml.Parse(d.Package, edxml.DefaultLimits); err != nil || pkg.Message == nil || pkg.Message.Business.Type == edxml.BusinessRevoke {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET status = $1, reason = $2, updated_at = $3 WHERE document_id = $4 AND to_code = $5
		AND status < $1`, d.Status, d.Reason, s.opts.Now().UnixMicro(), docID, d.ToCode); err != nil {
		return err
	}
	detail := map[string]any{"agency_code": d.ToCode, "status": d.Status, "receipt": true}
	if d.Peer != nil {
		detail["peer"] = d.Peer.Name
	}
	return s.opts.Documents.RecordEvent(ctx, tx, docID, nil, kind, d.Reason, detail)
}

// SentTo lists the remote recipients of a document with their last
// status, for the sender's document page.
type SentTo struct {
	Code     string `json:"code"`
	Package  string `json:"package_id"`
	Business int    `json:"business"`
	State    string `json:"state"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

// StatusText is the Vietnamese name of the last status.
func (t SentTo) StatusText() string {
	if t.State == SentRevoked {
		return "Đã thu hồi"
	}
	switch edxml.StatusCode(t.Status) {
	case "":
		return "Đã gửi"
	case edxml.StatusTakeBack:
		return "đang yêu cầu lấy lại"
	case edxml.StatusTakeBackOK:
		return "đã cho lấy lại"
	}
	return edxml.StatusCode(t.Status).Text()
}

// Sent returns the remote recipients of document id for a reader of it.
func (s *Service) Sent(ctx context.Context, a *actor.Actor, id int64) ([]SentTo, error) {
	if _, err := s.opts.Documents.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT to_code, package_id, business, state, status, reason FROM docex_sent
		WHERE document_id = $1 ORDER BY to_code`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SentTo{}
	for rows.Next() {
		var t SentTo
		if err := rows.Scan(&t.Code, &t.Package, &t.Business, &t.State, &t.Status, &t.Reason); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func actorName(a *actor.Actor) string {
	if a == nil {
		return ""
	}
	return a.Name
}
