package docex

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Take-back of a sent document, QCVN 102:2016/BTTTT statuses 13 (the
// sender asks), 15 (the receiver agrees) and 16 (the receiver refuses).
// A status package names no recipient of its own: the exchange routes it
// to ResponseFor.OrganID. For 01–06, 15 and 16 that is the document's
// issuer, the agency the answer goes to; a 13 goes the other way, so its
// ResponseFor.OrganID names the recipient asked, and the issuer is the
// sender of the 13 (From) and the first group of the DocumentId.

// States of a take-back request on a received package.
const (
	TakeBackAsked    = "asked"
	TakeBackAccepted = "accepted"
	TakeBackRefused  = "refused"
)

// SentTakenBack is a recipient that let the sender take the document back.
const SentTakenBack = "taken_back"

// TakeBack asks the recipient agency toCode on a peer to give back
// document id (status 13) with a reason: the agency's clerk who issues
// (documents.outgoing.issue, as for a revocation), in one transaction with
// the package, the recipient's status, the timeline event and the audit
// entry. One request per recipient: the exchange keeps one package per
// document, agencies and status code.
func (s *Service) TakeBack(ctx context.Context, a *actor.Actor, id int64, toCode, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do lấy lại", reason, 500)
	if err != nil {
		return err
	}
	toCode = strings.TrimSpace(toCode)
	d, err := s.opts.Documents.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if err := access.Authorize(ctx, a, access.DocumentsOutgoingIssue, d.Resource()); err != nil {
		return err
	}
	if d.Outgoing == nil || d.Status != documents.StatusIssued {
		return apperr.New(apperr.Conflict, "Chỉ lấy lại được văn bản đi đã phát hành")
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
		var pkg, state, status string
		err := tx.QueryRowContext(ctx, `SELECT package_id, state, status FROM docex_sent WHERE document_id = $1 AND to_code = $2`,
			id, toCode).Scan(&pkg, &state, &status)
		if err == sql.ErrNoRows {
			return apperr.FieldError("to", "Văn bản không gửi liên thông cho cơ quan có mã %q", toCode)
		}
		if err != nil {
			return err
		}
		if err := takeBackAllowed(state, status); err != nil {
			return err
		}
		st := &edxml.Status{
			ResponseFor: edxml.ResponseFor{OrganID: toCode, Code: d.Symbol, PromulgationDate: d.IssuedOn, DocumentID: pkg},
			From:        edxml.Organization{OrganID: from.Code, OrganName: from.Name},
			Code:        edxml.StatusTakeBack, Description: reason, Timestamp: now.UTC().Truncate(time.Second),
			Staff: edxml.StaffInfo{Staff: actorName(a)},
		}
		if err := s.enqueue(ctx, tx, toCode, pkg, exchange.KindStatus, nil, st); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET status = $1, reason = $2, updated_at = $3 WHERE document_id = $4 AND to_code = $5`,
			string(edxml.StatusTakeBack), reason, now.UnixMicro(), id, toCode); err != nil {
			return err
		}
		if err := s.opts.Documents.RecordEvent(ctx, tx, id, a, documents.EventTakeBackSent, reason,
			map[string]any{"agency_code": toCode, "package_id": pkg}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsOutgoingIssue), ObjectType: "document",
			ObjectID: strconv.FormatInt(id, 10), Reason: reason, Summary: map[string]any{"step": "exchange_takeback", "to": toCode}})
	})
}

// takeBackAllowed says why a recipient in this state cannot be asked.
func takeBackAllowed(state, status string) error {
	switch {
	case state == SentRevoked:
		return apperr.New(apperr.Conflict, "Văn bản đã bị thu hồi khỏi nơi nhận này")
	case state == SentTakenBack || status == string(edxml.StatusTakeBackOK):
		return apperr.New(apperr.Conflict, "Nơi nhận đã cho lấy lại văn bản này")
	case status == string(edxml.StatusTakeBack):
		return apperr.New(apperr.Conflict, "Đã yêu cầu lấy lại văn bản này, đang chờ nơi nhận trả lời")
	case status == string(edxml.StatusTakeBackRefuse):
		return apperr.New(apperr.Conflict, "Nơi nhận đã từ chối cho lấy lại văn bản này")
	case status == string(edxml.StatusRefused):
		return apperr.New(apperr.Conflict, "Nơi nhận đã trả lại văn bản này: không cần lấy lại")
	}
	return nil
}

// CanTakeBack says whether the issuing clerk may ask this recipient.
func (t SentTo) CanTakeBack() bool { return takeBackAllowed(t.State, t.Status) == nil }

// receiveTakeBack records a sender's request (13) on the package it names,
// pending or registered; a registered document shows it on its timeline.
// A request for a package never received here, or already returned or
// given back, is refused (02 with the reason) and changes nothing.
func (s *Service) receiveTakeBack(ctx context.Context, tx *sql.Tx, st *edxml.Status) error {
	if !strings.HasPrefix(st.ResponseFor.DocumentID, st.From.OrganID+",") {
		return apperr.New(apperr.Invalid, "Chỉ cơ quan ban hành được yêu cầu lấy lại văn bản %s", st.ResponseFor.DocumentID)
	}
	r, err := scanReceived(tx.QueryRowContext(ctx, `SELECT `+receivedColumns+` FROM docex_inbox WHERE package_id = $1 AND from_code = $2
		AND to_code = $3 AND state IN ($4, $5) ORDER BY id DESC LIMIT 1`, st.ResponseFor.DocumentID, st.From.OrganID, st.ResponseFor.OrganID,
		InboxPending, InboxRegistered))
	if err == sql.ErrNoRows {
		return apperr.New(apperr.NotFound, "Cơ quan %s không giữ văn bản %s để cho lấy lại", st.ResponseFor.OrganID, st.ResponseFor.DocumentID)
	}
	if err != nil {
		return err
	}
	if r.TakeBack != "" {
		return apperr.New(apperr.Conflict, "Văn bản %s đã có yêu cầu lấy lại", st.ResponseFor.DocumentID)
	}
	reason := locale.NFC(st.Description)
	if _, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET takeback = $1, takeback_reason = $2, takeback_at = $3 WHERE id = $4`,
		TakeBackAsked, reason, s.opts.Now().UnixMicro(), r.ID); err != nil {
		return err
	}
	if r.IncomingID == 0 {
		return nil
	}
	return s.opts.Documents.RecordEvent(ctx, tx, r.IncomingID, nil, documents.EventTakeBackRequested, reason,
		map[string]any{"package_id": r.PackageID, "from": r.FromCode, "staff": st.Staff.Staff})
}

// AcceptTakeBack lets the sender take a received document back (15): a
// pending package leaves the queue, a registered document keeps its
// register entry and shows on its timeline that it was given back. The
// clerk of the receiving agency, in one transaction with the status sent
// and the audit entry.
func (s *Service) AcceptTakeBack(ctx context.Context, a *actor.Actor, id int64) error {
	return s.answerTakeBack(ctx, a, id, edxml.StatusTakeBackOK, "")
}

// RefuseTakeBack refuses the sender's request with a reason (16).
func (s *Service) RefuseTakeBack(ctx context.Context, a *actor.Actor, id int64, reason string) error {
	reason, err := locale.CleanName("reason", "Lý do từ chối cho lấy lại", reason, 500)
	if err != nil {
		return err
	}
	return s.answerTakeBack(ctx, a, id, edxml.StatusTakeBackRefuse, reason)
}

func (s *Service) answerTakeBack(ctx context.Context, a *actor.Actor, id int64, code edxml.StatusCode, reason string) error {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if r.TakeBack != TakeBackAsked {
		return apperr.New(apperr.Conflict, "Bên gửi không yêu cầu lấy lại văn bản này hoặc yêu cầu đã được trả lời")
	}
	if err := s.PrepareDispatch(ctx); err != nil {
		return err
	}
	now := s.opts.Now()
	answer, state, event := TakeBackRefused, r.State, documents.EventTakeBackRefusedHere
	if code == edxml.StatusTakeBackOK {
		answer, event = TakeBackAccepted, documents.EventTakenBack
		if r.State == InboxPending {
			state = InboxTakenBack
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE docex_inbox SET takeback = $1, takeback_answer = $2, state = $3, handled_by = $4, handled_at = $5
			WHERE id = $6 AND takeback = $7 AND state = $8`, answer, reason, state, a.AccountID, now.UnixMicro(), id, TakeBackAsked, r.State)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Yêu cầu lấy lại văn bản này vừa được trả lời hoặc văn bản vừa được xử lý")
		}
		if r.IncomingID != 0 {
			text := r.TakeBackReason
			if reason != "" {
				text = reason
			}
			if err := s.opts.Documents.RecordEvent(ctx, tx, r.IncomingID, a, event, text,
				map[string]any{"package_id": r.PackageID, "from": r.FromCode}); err != nil {
				return err
			}
		}
		if err := s.sendStatus(ctx, tx, a, r, code, reason); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDeliveryReceive), ObjectType: "exchange_inbox",
			ObjectID: strconv.FormatInt(id, 10), Reason: reason, Summary: map[string]any{"takeback": answer, "package_id": r.PackageID,
				"from": r.FromCode, "agency_id": r.ToAgency, "incoming_id": r.IncomingID}})
	})
}

// receiveTakeBackAnswer records a recipient's answer (15 or 16) on the
// sent document. Only an answer to a request still open is taken: a 15
// or 16 nobody asked for is refused (02) and changes nothing.
func (s *Service) receiveTakeBackAnswer(ctx context.Context, tx *sql.Tx, in exchange.Inbound, st *edxml.Status) error {
	var docID int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT document_id, status FROM docex_sent WHERE package_id = $1 AND to_code = $2`,
		st.ResponseFor.DocumentID, st.From.OrganID).Scan(&docID, &status)
	if err == sql.ErrNoRows {
		return apperr.New(apperr.NotFound, "Không có văn bản %s đã gửi cho %s", st.ResponseFor.DocumentID, st.From.OrganID)
	}
	if err != nil {
		return err
	}
	if status != string(edxml.StatusTakeBack) {
		return apperr.New(apperr.Conflict, "Không có yêu cầu lấy lại văn bản %s đang chờ %s trả lời", st.ResponseFor.DocumentID, st.From.OrganID)
	}
	kind, state := documents.EventTakeBackRefused, SentSent
	if st.Code == edxml.StatusTakeBackOK {
		kind, state = documents.EventTakeBackAccepted, SentTakenBack
	}
	reason := locale.NFC(st.Description)
	if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET status = $1, reason = $2, state = $3, updated_at = $4 WHERE document_id = $5 AND to_code = $6`,
		string(st.Code), reason, state, s.opts.Now().UnixMicro(), docID, st.From.OrganID); err != nil {
		return err
	}
	detail := map[string]any{"agency_code": st.From.OrganID, "agency": st.From.OrganName, "status": string(st.Code)}
	if in.Peer != nil {
		detail["peer"] = in.Peer.Name
	}
	if st.Staff.Staff != "" {
		detail["staff"] = st.Staff.Staff
	}
	return s.opts.Documents.RecordEvent(ctx, tx, docID, nil, kind, reason, detail)
}

// takeBackBounced records a request (13) the recipient's node refused at
// its door (02 receipt: it holds no such document) as refused, so the
// sender is not left waiting for an answer that will not come.
func (s *Service) takeBackBounced(ctx context.Context, tx *sql.Tx, d exchange.Delivered) error {
	pkg, err := edxml.Parse(d.Package, edxml.DefaultLimits)
	if err != nil || pkg.Status == nil || pkg.Status.Code != edxml.StatusTakeBack {
		return nil
	}
	var docID int64
	err = tx.QueryRowContext(ctx, `SELECT document_id FROM docex_sent WHERE package_id = $1 AND to_code = $2 AND status = $3`,
		d.DocumentID, d.ToCode, string(edxml.StatusTakeBack)).Scan(&docID)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE docex_sent SET status = $1, reason = $2, updated_at = $3 WHERE document_id = $4 AND to_code = $5`,
		string(edxml.StatusTakeBackRefuse), d.Reason, s.opts.Now().UnixMicro(), docID, d.ToCode); err != nil {
		return err
	}
	detail := map[string]any{"agency_code": d.ToCode, "status": string(edxml.StatusRefused), "receipt": true}
	if d.Peer != nil {
		detail["peer"] = d.Peer.Name
	}
	return s.opts.Documents.RecordEvent(ctx, tx, docID, nil, documents.EventTakeBackRefused, d.Reason, detail)
}
