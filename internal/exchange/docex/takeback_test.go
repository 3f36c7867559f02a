package docex_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
)

// pumpWithReceipts is pump, and a package the receiver refuses is
// answered to the sender as the exchange does: a 02 receipt with the
// refusal's message, observed in a transaction of the sender's.
func pumpWithReceipts(t *testing.T, from, to *node) (int, []error) {
	t.Helper()
	ctx := context.Background()
	type out struct{ code, docID, kind, pkg string }
	var outs []out
	rows, err := from.d.Reader().QueryContext(ctx, `SELECT to_code, document_id, kind, package FROM test_outbox WHERE sent = 0 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var o out
		if err := rows.Scan(&o.code, &o.docID, &o.kind, &o.pkg); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o)
	}
	rows.Close()
	n, refused := pump(t, from, to)
	if len(refused) == 0 {
		return n, nil
	}
	// pump keeps the refusals in the order of the packages: deliver the
	// receipt of each package the receiver refuses again (Receive has
	// no side effect on a refusal, so asking twice is harmless).
	for _, o := range outs {
		raw, _ := base64.StdEncoding.DecodeString(o.pkg)
		if err := deliver(t, to, from.name, raw); err != nil {
			if err := from.d.Tx(ctx, func(tx *sql.Tx) error {
				return from.svc.Delivered(ctx, tx, exchange.Delivered{Peer: &exchange.Peer{Name: to.name}, ToCode: o.code,
					DocumentID: o.docID, Kind: o.kind, Package: raw, Status: string(edxml.StatusRefused), Reason: apperr.MessageOf(err)})
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n, refused
}

// deliver hands a signed package to n's Receive as the exchange does
// (the envelope's recipient from ResponseFor.OrganID for a status).
func deliver(t *testing.T, n *node, peer string, raw []byte) error {
	t.Helper()
	pkg, err := edxml.Parse(raw, edxml.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	env := &exchange.Envelope{Package: pkg, Kind: exchange.KindDocument}
	if pkg.Status != nil {
		env.From, env.To, env.DocumentID, env.Kind = pkg.Status.From.OrganID, pkg.Status.ResponseFor.OrganID, pkg.Status.ResponseFor.DocumentID,
			exchange.KindStatus
	} else {
		env.From, env.DocumentID = pkg.Message.From.OrganID, pkg.Message.DocumentID
	}
	return n.d.Tx(n.ctx, func(tx *sql.Tx) error {
		return n.svc.Receive(n.ctx, tx, exchange.Inbound{Peer: &exchange.Peer{Name: peer}, Envelope: env, Raw: raw})
	})
}

// signedStatus builds a status package signed with n's node key.
func signedStatus(t *testing.T, n *node, st *edxml.Status) []byte {
	t.Helper()
	raw, err := edxml.BuildStatus(st, n.ex.key, n.ex.chain)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sentTo(t *testing.T, n *node, id int64) docex.SentTo {
	t.Helper()
	sent, err := n.svc.Sent(n.ctx, aClerk, id)
	if err != nil || len(sent) != 1 {
		t.Fatalf("sent: %+v %v", sent, err)
	}
	return sent[0]
}

func eventWith(t *testing.T, n *node, as *actor.Actor, id int64, kind, comment string) bool {
	t.Helper()
	evs, err := n.docs.Timeline(n.ctx, as, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == kind && e.Comment == comment {
			return true
		}
	}
	return false
}

// Take-back before registration, accepted: the sender's clerk asks with a
// reason (13), the package is marked in the receiver's queue, the clerk
// agrees (15) and it leaves the queue; the sender's recipient row and
// timeline show it given back.
func TestTakeBackBeforeRegistrationOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b
		doc, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "  "); !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
			t.Fatalf("without a reason: %v", err)
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, "000.00.09.H22", "Gửi nhầm"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("to an agency not sent to: %v", err)
		}
		if err := a.svc.TakeBack(a.ctx, aSpecialist, doc.ID, deptCode, "Gửi nhầm"); err == nil {
			t.Fatal("a specialist asked to take back")
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Gửi nhầm nơi nhận"); err != nil {
			t.Fatal(err)
		}
		if s := sentTo(t, a, doc.ID); s.Status != "13" || s.StatusText() != "đang yêu cầu lấy lại" || s.Reason != "Gửi nhầm nơi nhận" || s.CanTakeBack() {
			t.Fatalf("sent after asking: %+v %q", s, s.StatusText())
		}
		if !eventWith(t, a, aClerk, doc.ID, documents.EventTakeBackSent, "Gửi nhầm nơi nhận") {
			t.Fatal("the request is not on the sender's timeline")
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Lần nữa"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("asking twice: %v", err)
		}
		if n := count(t, a, `SELECT count(*) FROM audit_entries WHERE object_type = 'document' AND object_id = $1 AND summary LIKE '%exchange_takeback%'`,
			strconv.FormatInt(doc.ID, 10)); n != 1 {
			t.Fatalf("%d audit entries for the request", n)
		}
		if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
			t.Fatalf("pump 13: %d %v", n, refused)
		}
		inbox, err := b.svc.Inbox(b.ctx, bClerk)
		if err != nil || len(inbox) != 1 || inbox[0].TakeBack != docex.TakeBackAsked || inbox[0].TakeBackReason != "Gửi nhầm nơi nhận" ||
			inbox[0].TakeBackAt.IsZero() {
			t.Fatalf("inbox after 13: %+v %v", inbox, err)
		}
		id := inbox[0].ID
		if _, err := b.svc.Register(b.ctx, bClerk, id); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("registering while asked: %v", err)
		}
		if err := b.svc.Return(b.ctx, bClerk, id, "Trả lại"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("returning while asked: %v", err)
		}
		if err := b.svc.AcceptTakeBack(b.ctx, bHandler, id); err == nil {
			t.Fatal("a specialist answered")
		}
		if err := b.svc.AcceptTakeBack(b.ctx, bClerk, id); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.AcceptTakeBack(b.ctx, bClerk, id); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("answering twice: %v", err)
		}
		if inbox, _ := b.svc.Inbox(b.ctx, bClerk); len(inbox) != 0 {
			t.Fatalf("a package given back stays in the queue: %+v", inbox)
		}
		if got, err := b.svc.Get(b.ctx, bClerk, id); err != nil || got.State != docex.InboxTakenBack || got.TakeBack != docex.TakeBackAccepted {
			t.Fatalf("the package given back: %+v %v", got, err)
		}
		if n := count(t, b, `SELECT count(*) FROM audit_entries WHERE object_type = 'exchange_inbox' AND object_id = $1`, strconv.FormatInt(id, 10)); n != 1 {
			t.Fatalf("%d audit entries for the answer", n)
		}
		if n, refused := pump(t, b, a); n != 1 || len(refused) != 0 {
			t.Fatalf("pump 15: %d %v", n, refused)
		}
		if s := sentTo(t, a, doc.ID); s.Status != "15" || s.State != docex.SentTakenBack || s.StatusText() != "đã cho lấy lại" {
			t.Fatalf("sent after 15: %+v", s)
		}
		if !has(timelineKinds(t, a, aClerk, doc.ID), documents.EventTakeBackAccepted) {
			t.Fatal("15 is not on the sender's timeline")
		}
		if err := a.svc.Revoke(a.ctx, aClerk, doc.ID, "Thu hồi"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("revoking a document given back: %v", err)
		}
	})
}

// Take-back refused with a reason (16) before registration, and asked
// after registration: refused, then on another document accepted, the
// registered document's timeline showing the request and the answer.
func TestTakeBackRefusedAndAfterRegistrationOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b

		// Refused before registration: the package stays in the queue
		// and can then be registered.
		doc, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Cần sửa trích yếu"); err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		inbox, _ := b.svc.Inbox(b.ctx, bClerk)
		if len(inbox) != 1 {
			t.Fatalf("inbox: %+v", inbox)
		}
		if err := b.svc.RefuseTakeBack(b.ctx, bClerk, inbox[0].ID, ""); !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
			t.Fatalf("refusing without a reason: %v", err)
		}
		if err := b.svc.RefuseTakeBack(b.ctx, bClerk, inbox[0].ID, "Văn bản đã được trình lãnh đạo"); err != nil {
			t.Fatal(err)
		}
		if n, refused := pump(t, b, a); n != 1 || len(refused) != 0 {
			t.Fatalf("pump 16: %d %v", n, refused)
		}
		if s := sentTo(t, a, doc.ID); s.Status != "16" || s.Reason != "Văn bản đã được trình lãnh đạo" || s.State != docex.SentSent {
			t.Fatalf("sent after 16: %+v", s)
		}
		if !eventWith(t, a, aClerk, doc.ID, documents.EventTakeBackRefused, "Văn bản đã được trình lãnh đạo") {
			t.Fatal("16 and its reason are not on the sender's timeline")
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Lần nữa"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("asking again after a refusal: %v", err)
		}
		reg, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
		if err != nil {
			t.Fatalf("registering after refusing the take-back: %v", err)
		}

		// Asked after registration and refused.
		doc2, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		reg2, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc2.ID, deptCode, "Ban hành nhầm"); err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		from, err := b.svc.RegisteredFrom(b.ctx, bClerk, reg2.ID)
		if err != nil || from == nil || from.TakeBack != docex.TakeBackAsked || from.TakeBackReason != "Ban hành nhầm" {
			t.Fatalf("registered from after 13: %+v %v", from, err)
		}
		if !eventWith(t, b, bClerk, reg2.ID, documents.EventTakeBackRequested, "Ban hành nhầm") {
			t.Fatal("the request is not on the registered document's timeline")
		}
		if err := b.svc.RefuseTakeBack(b.ctx, bClerk, from.ID, "Đã giao xử lý"); err != nil {
			t.Fatal(err)
		}
		if !eventWith(t, b, bClerk, reg2.ID, documents.EventTakeBackRefusedHere, "Đã giao xử lý") {
			t.Fatal("the refusal is not on the registered document's timeline")
		}
		pump(t, b, a)
		if s := sentTo(t, a, doc2.ID); s.Status != "16" || s.Reason != "Đã giao xử lý" {
			t.Fatalf("sent after 16 on a registered document: %+v", s)
		}

		// Asked after registration and accepted: the document keeps its
		// register entry, its timeline says it was given back.
		doc3, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		reg3, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc3.ID, deptCode, "Thay bằng văn bản khác"); err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		from, _ = b.svc.RegisteredFrom(b.ctx, bClerk, reg3.ID)
		if err := b.svc.AcceptTakeBack(b.ctx, bClerk, from.ID); err != nil {
			t.Fatal(err)
		}
		if !eventWith(t, b, bClerk, reg3.ID, documents.EventTakenBack, "Thay bằng văn bản khác") {
			t.Fatal("the registered document does not show it was given back")
		}
		if from, _ := b.svc.RegisteredFrom(b.ctx, bClerk, reg3.ID); from.State != docex.InboxRegistered || from.TakeBack != docex.TakeBackAccepted {
			t.Fatalf("registered from after 15: %+v", from)
		}
		// 03 of each registration and the answers.
		pump(t, b, a)
		if s := sentTo(t, a, doc3.ID); s.Status != "15" || s.State != docex.SentTakenBack {
			t.Fatalf("sent after 15 on a registered document: %+v", s)
		}
		if !has(timelineKinds(t, a, aClerk, doc3.ID), documents.EventRemoteAccepted) || reg.ID == 0 {
			t.Fatal("03 missing on the sender's timeline")
		}
	})
}

// A request for a document the receiver never received is refused at its
// door (02 with the reason) and changes nothing there; the sender's row
// shows the refusal. A 15 or 16 nobody asked for, from the recipient or
// from an agency the document was not sent to, is refused and changes
// nothing; so is a 13 from an agency that did not issue the document.
func TestTakeBackUnaskedAndUnknownOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b
		doc, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The document never reaches B.
		if err := a.d.Tx(a.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(a.ctx, `UPDATE test_outbox SET sent = 1`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Gửi nhầm"); err != nil {
			t.Fatal(err)
		}
		before := count(t, b, `SELECT count(*) FROM docex_inbox`)
		n, refused := pumpWithReceipts(t, a, b)
		if n != 1 || len(refused) != 1 || !apperr.Is(refused[0], apperr.NotFound) {
			t.Fatalf("13 for a document never received: %d %v", n, refused)
		}
		if after := count(t, b, `SELECT count(*) FROM docex_inbox`); after != before {
			t.Fatalf("the refused 13 changed B's inbox: %d → %d", before, after)
		}
		s := sentTo(t, a, doc.ID)
		if s.Status != "16" || s.Reason != apperr.MessageOf(refused[0]) {
			t.Fatalf("sent after the 13 was refused at the door: %+v", s)
		}
		if !eventWith(t, a, aClerk, doc.ID, documents.EventTakeBackRefused, s.Reason) {
			t.Fatal("the door's refusal is not on the sender's timeline")
		}

		// A second document arrives; B answers 15 and 16 nobody asked for.
		doc2, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		pkg2 := docex.PackageID(provinceCode, doc2)
		answer := func(code edxml.StatusCode, from string) error {
			st := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: provinceCode, Code: doc2.Symbol, PromulgationDate: doc2.IssuedOn, DocumentID: pkg2},
				From: edxml.Organization{OrganID: from, OrganName: "Cơ quan " + from}, Code: code, Description: "Không",
				Timestamp: clock.Now().UTC().Truncate(time.Second)}
			return deliver(t, a, b.name, signedStatus(t, b, st))
		}
		kinds := len(timelineKinds(t, a, aClerk, doc2.ID))
		if err := answer(edxml.StatusTakeBackOK, deptCode); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("15 nobody asked for: %v", err)
		}
		if err := answer(edxml.StatusTakeBackRefuse, deptCode); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("16 nobody asked for: %v", err)
		}
		if err := answer(edxml.StatusTakeBackOK, "000.00.02.H22"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("15 from an agency not sent to: %v", err)
		}
		if s := sentTo(t, a, doc2.ID); s.Status == "15" || s.Status == "16" || s.State != docex.SentSent {
			t.Fatalf("an unasked answer changed the recipient: %+v", s)
		}
		if got := len(timelineKinds(t, a, aClerk, doc2.ID)); got != kinds {
			t.Fatalf("an unasked answer wrote the timeline: %d → %d events", kinds, got)
		}
		// A 13 from an agency that did not issue the document.
		st := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: deptCode, Code: doc2.Symbol, PromulgationDate: doc2.IssuedOn, DocumentID: pkg2},
			From: edxml.Organization{OrganID: "000.00.03.H15", OrganName: "Cơ quan khác"}, Code: edxml.StatusTakeBack, Description: "Lấy lại",
			Timestamp: clock.Now().UTC().Truncate(time.Second)}
		if err := deliver(t, b, a.name, signedStatus(t, a, st)); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("13 from an agency that did not issue it: %v", err)
		}
		if inbox, _ := b.svc.Inbox(b.ctx, bClerk); len(inbox) != 1 || inbox[0].TakeBack != "" {
			t.Fatalf("a foreign 13 marked the package: %+v", inbox)
		}
	})
}
