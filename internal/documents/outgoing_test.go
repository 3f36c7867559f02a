package documents_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

var (
	deputy      = official(205, home, access.Leader, "noi_bo")     // reviews before the signer
	colleague   = official(206, home, access.Specialist, "noi_bo") // same unit as specialist
	otherUnit   = unitOfficial(207, home, 2, access.Specialist)
	otherLeader = official(301, other, access.Leader, "noi_bo")
)

func unitOfficial(id, agency, unit int64, role access.Role) *actor.Actor {
	a := official(id, agency, role, "noi_bo")
	a.UnitID = unit
	return a
}

// directory is the people and agencies of the tests.
type directory struct{ people []*actor.Actor }

func (d directory) Person(_ context.Context, id int64) (documents.Person, error) {
	for _, p := range d.people {
		if p.AccountID == id {
			return documents.Person{AccountID: id, Name: p.Name, AgencyID: p.AgencyID, UnitID: p.UnitID, Roles: p.Roles}, nil
		}
	}
	return documents.Person{}, apperr.New(apperr.NotFound, "không có")
}

var agencies = []documents.AgencyInfo{
	{ID: home, Name: "Ủy ban nhân dân tỉnh Lào Cai", Code: "H15", Abbreviation: "UBND", Place: "Lào Cai"},
	{ID: other, Name: "Sở Nội vụ tỉnh Lào Cai", Code: "H15.20", Abbreviation: "SNV", Place: "Lào Cai"},
}

func (directory) Agency(_ context.Context, id int64) (documents.AgencyInfo, error) {
	for _, g := range agencies {
		if g.ID == id {
			return g, nil
		}
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (directory) AgencyByCode(_ context.Context, code string) (documents.AgencyInfo, error) {
	for _, g := range agencies {
		if g.Code == code {
			return g, nil
		}
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (directory) UnitAbbrev(_ context.Context, agency, unit int64) (string, error) {
	return map[int64]string{1: "VP", 2: "KT", other*100 + 1: "VP"}[unit], nil
}

type flow struct {
	*fixture
	sig     *signing.Service
	rootPEM string
}

// setupFlow is the documents fixture with a CA, the leader's personal
// certificate and the seals of both agencies, as the signing tests have.
func setupFlow(t *testing.T, d *db.DB) *flow {
	t.Helper()
	ctx := context.Background()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	p, err := pkitest.Setup(ctx, d, t.TempDir(), srv.URL, pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h = p.Handler
	sig, err := signing.New(signing.Config{DB: d, PKI: p.Service, Audit: p.Audit, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	p.Directory.SetOfficial(leader.AccountID, home, pki.Subject{CommonName: "Hoàng Quốc Khánh", UID: "LC-0001", Title: "Chủ tịch",
		Organization: "UBND tỉnh Lào Cai"})
	p.Directory.SetAgency(home, pki.Subject{CommonName: "UBND tỉnh Lào Cai", AgencyCode: "H15"})
	p.Directory.SetAgency(other, pki.Subject{CommonName: "Sở Nội vụ tỉnh Lào Cai", AgencyCode: "H15.20"})
	if _, err := p.Service.Issue(ctx, p.Actor, pki.IssueRequest{Profile: "official", Holder: leader.AccountID}); err != nil {
		t.Fatal(err)
	}
	for _, ag := range []int64{home, other} {
		if _, err := p.Service.Issue(ctx, p.Actor, pki.IssueRequest{Profile: "seal", AgencyID: ag}); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Init.Root.Certificate.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	f := setup(t, d, p.Audit, sig)
	f.svc.SetOutgoing(directory{people: []*actor.Actor{clerk, specialist, leader, deputy, colleague, otherUnit, otherClerk, otherLeader}}, sig)
	return &flow{fixture: f, sig: sig, rootPEM: root}
}

func docx() []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, _ := z.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	z.Close()
	return b.Bytes()
}

func (f *flow) draft(t *testing.T, a *actor.Actor, reviewers []int64, level access.Level) *documents.Document {
	t.Helper()
	file := f.upload(t, a, "du-thao.pdf", pdftest.New(pdftest.Options{}), level)
	d, err := f.svc.CreateDraft(f.ctx, a, documents.DraftRequest{Type: "QĐ", Summary: "Về việc ban hành Kế hoạch chuyển đổi số năm 2026",
		Urgency: "khan", Classification: level.String(), Recipients: []string{"H15.20"}, FreeRecipients: []string{"Như trên;", "Lưu: VT, VP."},
		Signer: documents.SignerRequest{AccountID: leader.AccountID, Authority: "tm", Position: "CHỦ TỊCH"}, Reviewers: reviewers, File: file})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Errorf("%s: got %v (%s), want %s", what, err, apperr.CodeOf(err), code)
	}
}

// The whole outgoing flow on both engines: draft, return with a comment,
// a new version, approval along the chain, a DOCX refused for signing,
// the leader's signature, the clerk's number, stamp and seal (two
// signatures that verify here and in pdfsig), the recipient agency's
// clerk registering it from the inbox, edits after issue refused, wrong
// roles refused, and one timeline with every step.
func TestOutgoingFlowDraftToRecipientOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		doc := f.draft(t, specialist, []int64{deputy.AccountID}, access.Internal)
		if doc.Status != documents.StatusDraft || len(doc.Outgoing.Chain) != 2 || doc.Outgoing.Chain[1].AccountID != leader.AccountID ||
			doc.Outgoing.Signer.Authority != "TM." || len(doc.Outgoing.Recipients) != 1 || doc.Outgoing.Recipients[0].AgencyID != other {
			t.Fatalf("draft: %+v %+v", doc, doc.Outgoing)
		}
		id := doc.ID
		wantCode(t, "review before submit", f.svc.Review(f.ctx, deputy, id, "approve", ""), apperr.Conflict)
		if err := f.svc.Submit(f.ctx, specialist, id, "Kính trình"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "leader before deputy", f.svc.Review(f.ctx, leader, id, "approve", ""), apperr.Forbidden)
		wantCode(t, "return without comment", f.svc.Review(f.ctx, deputy, id, "return", " "), apperr.Invalid)
		if err := f.svc.Review(f.ctx, deputy, id, "return", "Sửa lại căn cứ ban hành"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a colleague adds a version", func() error {
			_, err := f.svc.AddVersion(f.ctx, colleague, id, f.upload(t, colleague, "x.pdf", pdftest.New(pdftest.Options{}), access.Internal))
			return err
		}(), apperr.Forbidden)
		if _, err := f.svc.AddVersion(f.ctx, specialist, id, f.upload(t, specialist, "du-thao-2.docx", docx(), access.Internal)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Comment(f.ctx, deputy, id, 2, "Bản này đạt"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(f.ctx, specialist, id, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(f.ctx, deputy, id, "approve", ""); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Sign(f.ctx, leader, id, documents.SignRequest{})
		wantCode(t, "signing a DOCX", err, apperr.Invalid)
		if err := f.svc.Review(f.ctx, leader, id, "return", "Cần bản PDF để ký"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddVersion(f.ctx, specialist, id, f.upload(t, specialist, "du-thao-3.pdf", pdftest.New(pdftest.Options{Pages: 2}), access.Internal)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(f.ctx, specialist, id, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(f.ctx, deputy, id, "approve", ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(f.ctx, leader, id, "approve", "Đồng ý ban hành"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Sign(f.ctx, deputy, id, documents.SignRequest{})
		wantCode(t, "the deputy signs", err, apperr.Forbidden)
		_, err = f.svc.Sign(f.ctx, specialist, id, documents.SignRequest{})
		wantCode(t, "a specialist signs", err, apperr.Forbidden)
		_, err = f.svc.Issue(f.ctx, clerk, id, documents.IssueRequest{})
		wantCode(t, "issue before signing", err, apperr.Conflict)
		if _, err := f.svc.Sign(f.ctx, leader, id, documents.SignRequest{}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AddVersion(f.ctx, specialist, id, f.upload(t, specialist, "y.pdf", pdftest.New(pdftest.Options{}), access.Internal))
		wantCode(t, "edit after signing", err, apperr.Conflict)
		_, err = f.svc.Issue(f.ctx, specialist, id, documents.IssueRequest{})
		wantCode(t, "a specialist issues", err, apperr.Forbidden)
		_, err = f.svc.Issue(f.ctx, otherClerk, id, documents.IssueRequest{})
		wantCode(t, "another agency's clerk issues", err, apperr.NotFound)

		issued, err := f.svc.Issue(f.ctx, clerk, id, documents.IssueRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if issued.Status != documents.StatusIssued || issued.Number != 1 || issued.Symbol != "01/QĐ-UBND" || issued.Sender != agencies[0].Name {
			t.Fatalf("issued: status %s number %d symbol %q sender %q", issued.Status, issued.Number, issued.Symbol, issued.Sender)
		}
		if len(issued.Attachments) != 1 || issued.Attachments[0].SignatureStatus != documents.SigValid {
			t.Fatalf("issued attachment: %+v", issued.Attachments)
		}
		rc, _, err := f.blob.Open(f.ctx, issued.Attachments[0].UploadID)
		if err != nil {
			t.Fatal(err)
		}
		var pdfBytes bytes.Buffer
		pdfBytes.ReadFrom(rc)
		rc.Close()
		rep, err := f.sig.Verify(f.ctx, clerk, pdfBytes.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Signatures) != 2 {
			t.Fatalf("%d signatures, want the leader's and the seal", len(rep.Signatures))
		}
		for i, s := range rep.Signatures {
			if s.Indication != pdfsign.TotalPassed {
				t.Errorf("signature %d: %s %s", i+1, s.Indication, s.SubIndication)
			}
		}
		if !bytes.Contains(pdfBytes.Bytes(), []byte("so-ky-hieu")) {
			t.Error("the number stamp is missing")
		}
		pdfsigntest.Check(t, pdfBytes.Bytes(), f.rootPEM, 2, false)

		// After issue: no edit, no second issue, no new review.
		_, err = f.svc.AddVersion(f.ctx, specialist, id, f.upload(t, specialist, "z.pdf", pdftest.New(pdftest.Options{}), access.Internal))
		wantCode(t, "edit after issue", err, apperr.Conflict)
		if err != nil && !bytes.Contains([]byte(apperr.MessageOf(err)), []byte("thay thế")) {
			t.Errorf("edit after issue: message %q does not point to a replacing document", apperr.MessageOf(err))
		}
		wantCode(t, "submit after issue", f.svc.Submit(f.ctx, specialist, id, ""), apperr.Conflict)
		_, err = f.svc.Issue(f.ctx, clerk, id, documents.IssueRequest{})
		wantCode(t, "second issue", err, apperr.Conflict)

		// The recipient's clerk sees it at once and registers it.
		if _, err := f.svc.Inbox(f.ctx, specialist); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a specialist's inbox: %v", err)
		}
		inbox, err := f.svc.Inbox(f.ctx, otherClerk)
		if err != nil || len(inbox) != 1 || inbox[0].DocumentID != id || inbox[0].Symbol != "01/QĐ-UBND" {
			t.Fatalf("recipient inbox: %+v %v", inbox, err)
		}
		if mine, _ := f.svc.Inbox(f.ctx, clerk); len(mine) != 0 {
			t.Errorf("the sender's inbox holds %d items", len(mine))
		}
		_, err = f.svc.ReceiveDelivered(f.ctx, clerk, id)
		wantCode(t, "the sender receives its own", err, apperr.NotFound)
		in, err := f.svc.ReceiveDelivered(f.ctx, otherClerk, id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Direction != documents.Incoming || in.AgencyID != other || in.Number != 1 || in.Symbol != "01/QĐ-UBND" ||
			len(in.Attachments) != 1 || in.Attachments[0].SignatureStatus != documents.SigValid {
			t.Fatalf("registered: %+v", in)
		}
		_, err = f.svc.ReceiveDelivered(f.ctx, otherClerk, id)
		wantCode(t, "registered twice", err, apperr.Conflict)
		if inbox, _ := f.svc.Inbox(f.ctx, otherClerk); len(inbox) != 0 {
			t.Errorf("inbox after registration: %d items", len(inbox))
		}

		events, err := f.svc.Timeline(f.ctx, specialist, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		want := []string{"created", "submitted", "returned", "version", "comment", "submitted", "approved", "returned", "version",
			"submitted", "approved", "approved", "signed", "numbered", "issued", "delivered"}
		if !slices.Equal(kinds, want) {
			t.Errorf("timeline:\n got %v\nwant %v", kinds, want)
		}
		if events[2].Comment != "Sửa lại căn cứ ban hành" || events[2].ActorID != deputy.AccountID {
			t.Errorf("return event: %+v", events[2])
		}
		if _, err := f.svc.Timeline(f.ctx, otherClerk, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency reads the timeline: %v", err)
		}
		got, err := f.svc.Get(f.ctx, specialist, id)
		if err != nil || len(got.Outgoing.Versions) != 3 || got.Outgoing.Deliveries[0].State != documents.DeliveryRegistered {
			t.Fatalf("document after delivery: %+v %v", got.Outgoing, err)
		}
		if n := f.count(t, `SELECT count(*) FROM documents_register_entries WHERE direction = 'out' AND document_id = $1`, id); n != 1 {
			t.Errorf("%d register entries", n)
		}
	})
}

// A restricted draft is read by its drafter, its drafting unit and its
// chain; a specialist of another unit of the same agency neither opens it
// nor sees it in any list.
func TestRestrictedDraftInvisibleToAnotherUnit(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		doc := f.draft(t, specialist, nil, access.Restricted)
		for _, c := range []struct {
			who  *actor.Actor
			code apperr.Code
		}{{specialist, ""}, {colleague, ""}, {leader, ""}, {otherUnit, apperr.NotFound}, {otherClerk, apperr.NotFound}} {
			_, err := f.svc.Get(f.ctx, c.who, doc.ID)
			if (c.code == "" && err != nil) || (c.code != "" && !apperr.Is(err, c.code)) {
				t.Errorf("account %d: %v, want %q", c.who.AccountID, err, c.code)
			}
		}
		_, err := f.svc.AddVersion(f.ctx, otherUnit, doc.ID, "x")
		wantCode(t, "another unit edits", err, apperr.NotFound)
		wantCode(t, "another unit comments", f.svc.Comment(f.ctx, otherUnit, doc.ID, 0, "xin xem"), apperr.NotFound)
		w, err := f.svc.Worklist(f.ctx, otherUnit)
		if err != nil || len(w.Mine)+len(w.ToReview)+len(w.ToIssue) != 0 {
			t.Errorf("another unit's worklist: %+v %v", w, err)
		}
		// An unencrypted upload is refused for a restricted draft.
		plain := f.upload(t, specialist, "a.pdf", pdftest.New(pdftest.Options{}), access.Internal)
		_, err = f.svc.AddVersion(f.ctx, specialist, doc.ID, plain)
		wantCode(t, "plain file for a restricted draft", err, apperr.Invalid)
	})
}

// Bad drafts are refused field by field, nothing written.
func TestCreateDraftValidation(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		file := f.upload(t, specialist, "a.pdf", pdftest.New(pdftest.Options{}), access.Internal)
		good := documents.DraftRequest{Type: "QĐ", Summary: "Về việc thử", Signer: documents.SignerRequest{AccountID: leader.AccountID,
			Position: "CHỦ TỊCH"}, File: file}
		for _, c := range []struct {
			name  string
			edit  func(r *documents.DraftRequest)
			field string
		}{
			{"type", func(r *documents.DraftRequest) { r.Type = "XX" }, "type"},
			{"summary", func(r *documents.DraftRequest) { r.Summary = " " }, "summary"},
			{"secret", func(r *documents.DraftRequest) { r.Classification = "mat" }, "classification"},
			{"no signer", func(r *documents.DraftRequest) { r.Signer.AccountID = 0 }, "signer.account_id"},
			{"signer not a leader", func(r *documents.DraftRequest) { r.Signer.AccountID = deputy.AccountID + 1 }, "signer.account_id"},
			{"signer of another agency", func(r *documents.DraftRequest) { r.Signer.AccountID = otherLeader.AccountID }, "signer.account_id"},
			{"authority", func(r *documents.DraftRequest) { r.Signer.Authority = "XYZ" }, "signer.authority"},
			{"reviewer twice", func(r *documents.DraftRequest) { r.Reviewers = []int64{deputy.AccountID, deputy.AccountID} }, "reviewers"},
			{"reviewer elsewhere", func(r *documents.DraftRequest) { r.Reviewers = []int64{otherClerk.AccountID} }, "reviewers"},
			{"recipient unknown", func(r *documents.DraftRequest) { r.Recipients = []string{"H99"} }, "recipients"},
			{"recipient itself", func(r *documents.DraftRequest) { r.Recipients = []string{"H15"} }, "recipients"},
			{"relation kind", func(r *documents.DraftRequest) { r.Relations = []documents.Relation{{Kind: "x", TargetID: 1}} }, "relations"},
			{"relation missing", func(r *documents.DraftRequest) { r.Relations = []documents.Relation{{Kind: "replaces", TargetID: 999}} }, "relations"},
			{"no file", func(r *documents.DraftRequest) { r.File = "" }, "file"},
			{"someone else's file", func(r *documents.DraftRequest) {
				r.File = f.upload(t, colleague, "b.pdf", pdftest.New(pdftest.Options{}), access.Internal)
			}, "file"},
			{"not PDF or DOCX", func(r *documents.DraftRequest) {
				r.File = f.upload(t, specialist, "a.png", pngBytes(), access.Internal)
			}, "file"},
		} {
			r := good
			c.edit(&r)
			_, err := f.svc.CreateDraft(f.ctx, specialist, r)
			var e *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asErr(err, &e) || e.Field != c.field {
				t.Errorf("%s: %v, want EINVALID on %s", c.name, err, c.field)
			}
		}
		_, err := f.svc.CreateDraft(f.ctx, otherClerk, good)
		if err == nil {
			t.Error("another agency's clerk drafted with this agency's leader")
		}
		if n := f.count(t, `SELECT count(*) FROM documents WHERE direction = 'out'`); n != 0 {
			t.Errorf("%d drafts written by refused requests", n)
		}
		if _, err := f.svc.CreateDraft(f.ctx, specialist, good); err != nil {
			t.Fatal(err)
		}
	})
}

// 200 signed documents issued at once in one register get exactly the
// numbers 1..200, each symbol once.
func TestParallelIssuesNumberOneToTwoHundred(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		ids := make([]int64, n)
		for i := range ids {
			doc := f.draft(t, specialist, nil, access.Internal)
			if err := f.svc.Submit(f.ctx, specialist, doc.ID, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Sign(f.ctx, leader, doc.ID, documents.SignRequest{}); err != nil {
				t.Fatal(err)
			}
			ids[i] = doc.ID
		}
		var wg sync.WaitGroup
		nums := make([]int, n)
		errs := make([]error, n)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				doc, err := f.svc.Issue(f.ctx, clerk, id, documents.IssueRequest{})
				if err == nil {
					nums[i] = doc.Number
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("issue %d: %v", i, err)
			}
		}
		sort.Ints(nums)
		for i, v := range nums {
			if v != i+1 {
				t.Fatalf("numbers %v…, want 1..%d", nums[:min(len(nums), 10)], n)
			}
		}
		if k := f.count(t, `SELECT count(DISTINCT symbol) FROM documents WHERE direction = 'out' AND status = 'issued'`); k != n {
			t.Errorf("%d distinct symbols, want %d", k, n)
		}
		if k := f.count(t, `SELECT count(*) FROM documents_register_entries WHERE direction = 'out'`); k != n {
			t.Errorf("%d register entries, want %d", k, n)
		}
	})
}

func asErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

// failingSeal fails the first seal, as a key store or TSA outage would.
type failingSeal struct {
	*signing.Service
	mu     sync.Mutex
	failed bool
}

func (s *failingSeal) Sign(ctx context.Context, a *actor.Actor, req signing.SignRequest) (*signing.Signed, error) {
	s.mu.Lock()
	fail := !s.failed && strings.HasPrefix(req.Reason, "Đóng dấu")
	if fail {
		s.failed = true
	}
	s.mu.Unlock()
	if fail {
		return nil, apperr.New(apperr.Unavailable, "Dịch vụ cấp dấu thời gian tạm thời không trả lời")
	}
	return s.Service.Sign(ctx, a, req)
}

// A seal that fails after the number was taken leaves the document
// numbered with that number (in the register, audited); issuing again
// finishes it with the same number: no gap, no duplicate.
func TestIssueAfterAFailedSealKeepsTheNumber(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setupFlow(t, d)
		seal := &failingSeal{Service: f.sig}
		f.svc.SetOutgoing(directory{people: []*actor.Actor{clerk, specialist, leader}}, seal)
		doc := f.draft(t, specialist, nil, access.Internal)
		if err := f.svc.Submit(f.ctx, specialist, doc.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Sign(f.ctx, leader, doc.ID, documents.SignRequest{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Issue(f.ctx, clerk, doc.ID, documents.IssueRequest{})
		if !apperr.Is(err, apperr.Unavailable) || !strings.Contains(apperr.MessageOf(err), "01/QĐ-UBND") {
			t.Fatalf("failed seal: %v", err)
		}
		got, err := f.svc.Get(f.ctx, clerk, doc.ID)
		if err != nil || got.Status != documents.StatusNumbered || got.Number != 1 || len(got.Attachments) != 0 || len(got.Outgoing.Deliveries) != 0 {
			t.Fatalf("after the failed seal: %+v %v", got, err)
		}
		issued, err := f.svc.Issue(f.ctx, clerk, doc.ID, documents.IssueRequest{})
		if err != nil || issued.Number != 1 || issued.Symbol != "01/QĐ-UBND" || issued.Status != documents.StatusIssued {
			t.Fatalf("issue again: %+v %v", issued, err)
		}
		if n := f.count(t, `SELECT count(*) FROM documents_register_entries WHERE direction = 'out'`); n != 1 {
			t.Errorf("%d register entries, want 1", n)
		}
		if n := f.count(t, `SELECT last_number FROM documents_counters WHERE direction = 'out'`); n != 1 {
			t.Errorf("counter at %d, want 1", n)
		}
		if n := f.count(t, `SELECT count(*) FROM documents_deliveries WHERE document_id = $1`, doc.ID); n != 1 {
			t.Errorf("%d deliveries, want 1", n)
		}
	})
}
