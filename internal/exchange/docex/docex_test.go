package docex_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// The province (node A) sends to a department of another province (node B).
const (
	provinceID   = 10
	provinceCode = "000.00.00.H15"
	deptID       = 50
	deptCode     = "000.00.01.H22"
)

func official(id, agency int64, role access.Role) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: fmt.Sprintf("Cán bộ %d", id), AgencyID: agency, UnitID: agency*100 + 1,
		Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

var (
	aClerk      = official(200, provinceID, access.Clerk)
	aSpecialist = official(202, provinceID, access.Specialist)
	aLeader     = official(203, provinceID, access.Leader)
	bClerk      = official(500, deptID, access.Clerk)
	bLeader     = official(501, deptID, access.Leader)
	bHandler    = official(502, deptID, access.Specialist)
)

var agencyList = []documents.AgencyInfo{
	{ID: provinceID, Name: "Ủy ban nhân dân tỉnh Lào Cai", Code: provinceCode, Abbreviation: "UBND", Place: "Lào Cai"},
	{ID: deptID, Name: "Sở Nội vụ tỉnh Quảng Ninh", Code: deptCode, Abbreviation: "SNV", Place: "Quảng Ninh"},
}

// directory is one node's agencies (only its own) and people.
type directory struct {
	agency int64
	people []*actor.Actor
}

func (d directory) Person(_ context.Context, id int64) (documents.Person, error) {
	for _, p := range d.people {
		if p.AccountID == id {
			return documents.Person{AccountID: id, Name: p.Name, AgencyID: p.AgencyID, UnitID: p.UnitID, Roles: p.Roles}, nil
		}
	}
	return documents.Person{}, apperr.New(apperr.NotFound, "không có")
}

func (d directory) Agency(_ context.Context, id int64) (documents.AgencyInfo, error) {
	for _, g := range agencyList {
		if g.ID == id && id == d.agency {
			return g, nil
		}
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (d directory) AgencyByCode(_ context.Context, code string) (documents.AgencyInfo, error) {
	for _, g := range agencyList {
		if g.Code == code && g.ID == d.agency {
			return g, nil
		}
	}
	return documents.AgencyInfo{}, apperr.New(apperr.NotFound, "không có")
}

func (directory) UnitAbbrev(context.Context, int64, int64) (string, error) { return "VP", nil }

// tasksDirectory is node B's officials for directions.
type tasksDirectory struct{}

func (tasksDirectory) Person(_ context.Context, id int64) (tasks.Person, error) {
	for _, a := range []*actor.Actor{bClerk, bLeader, bHandler} {
		if a.AccountID == id {
			return tasks.Person{ID: id, Name: a.Name, AgencyID: a.AgencyID, UnitID: a.UnitID, Leader: a == bLeader}, nil
		}
	}
	return tasks.Person{}, apperr.New(apperr.NotFound, "không có")
}
func (tasksDirectory) Unit(context.Context, int64) (tasks.Unit, error) {
	return tasks.Unit{}, apperr.New(apperr.NotFound, "không có")
}
func (tasksDirectory) Members(context.Context, int64) ([]tasks.Person, error) { return nil, nil }

// fakeExchange stands for exchange.Service between the two nodes: Enqueue
// writes the package into an outbox table in the caller's transaction (so
// what a rolled-back change queued is gone), and pump delivers what
// committed to the other node's Receive, parsed and verified as edXML.
type fakeExchange struct {
	d      *db.DB
	key    crypto.Signer
	chain  []*x509.Certificate
	remote []exchange.RemoteAgency
	fail   string // a code whose Enqueue fails
	seq    atomic.Int64
}

func (f *fakeExchange) Enqueue(ctx context.Context, tx *sql.Tx, out exchange.Outbound) error {
	if out.ToCode == f.fail {
		return apperr.New(apperr.Unavailable, "nút kết nối tạm dừng")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO test_outbox (id, to_code, document_id, kind, package, sent) VALUES ($1, $2, $3, $4, $5, 0)`,
		f.seq.Add(1), out.ToCode, out.DocumentID, out.Kind, base64.StdEncoding.EncodeToString(out.Package))
	return err
}

func (f *fakeExchange) Signer(context.Context) (crypto.Signer, []*x509.Certificate, error) {
	return f.key, f.chain, nil
}

func (f *fakeExchange) RemoteAgencies(context.Context) ([]exchange.RemoteAgency, error) {
	return f.remote, nil
}

type node struct {
	d     *db.DB
	ctx   context.Context
	audit *audit.Log
	blob  *blob.Service
	docs  *documents.Service
	tasks *tasks.Service
	ex    *fakeExchange
	svc   *docex.Service
	roots *x509.CertPool
	name  string
	dir   directory
}

func modules() []db.Migrations {
	return []db.Migrations{audit.Migrations, jobs.Migrations, notify.Migrations, blob.Migrations, calstore.Migrations, pki.Migrations,
		documents.Migrations, tasks.Migrations, exchange.Migrations, docex.Migrations}
}

func nodeKey(t testing.TB, cn string) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return k, c
}

func newNode(t testing.TB, d *db.DB, name string, agency int64, lg *audit.Log, v documents.Verifier, people []*actor.Actor) *node {
	t.Helper()
	ctx := context.Background()
	n := &node{d: d, name: name}
	var err error
	if lg == nil {
		if lg, err = audit.New(d, audit.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	n.audit = lg
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if n.blob, err = blob.New(d, blob.Options{Store: store, Audit: lg, Keys: keys, MaxSize: 4 << 20, SpoolDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if n.docs, err = documents.New(d, documents.Options{Audit: lg, Uploads: n.blob, Verifier: v}); err != nil {
		t.Fatal(err)
	}
	dir := directory{agency: agency, people: people}
	n.dir = dir
	cals, err := calstore.New(d, calstore.Options{Audit: lg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cals.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if n.tasks, err = tasks.New(d, tasks.Options{Audit: lg, Calendar: cals, Documents: n.docs, Directory: tasksDirectory{}}); err != nil {
		t.Fatal(err)
	}
	key, cert := nodeKey(t, name)
	n.roots = x509.NewCertPool()
	n.roots.AddCert(cert)
	n.ex = &fakeExchange{d: d, key: key, chain: []*x509.Certificate{cert}}
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE test_outbox (id BIGINT, to_code TEXT, document_id TEXT, kind TEXT, package TEXT, sent BIGINT)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n.svc, err = docex.New(d, docex.Options{Documents: n.docs, Directory: dir, Uploads: n.blob, Audit: lg, Exchange: n.ex}); err != nil {
		t.Fatal(err)
	}
	n.docs.SetExchange(n.svc, n.svc)
	n.tasks.SetObserver(n.svc)
	n.ctx = access.WithGuard(ctx, access.NewGuard(access.Options{DB: d, Audit: lg}))
	return n
}

// pump delivers every committed package of from's outbox to to, as the
// exchange does: parsed, verified against from's node certificate, and
// received in one transaction of to's. It returns the packages delivered
// and the refusals.
func pump(t *testing.T, from, to *node) (int, []error) {
	t.Helper()
	ctx := context.Background()
	type out struct{ code, docID, kind, pkg string }
	var outs []out
	rows, err := from.d.Reader().QueryContext(ctx, `SELECT to_code, document_id, kind, package FROM test_outbox WHERE sent = 0`)
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
	var refused []error
	for _, o := range outs {
		raw, _ := base64.StdEncoding.DecodeString(o.pkg)
		pkg, err := edxml.Parse(raw, edxml.DefaultLimits)
		if err != nil {
			t.Fatalf("parse %s: %v", o.docID, err)
		}
		if _, err := edxml.Verify(pkg, from.roots, clock.Now()); err != nil {
			t.Fatalf("verify %s: %v", o.docID, err)
		}
		env := &exchange.Envelope{To: o.code, DocumentID: o.docID, Kind: o.kind, Package: pkg}
		if pkg.Message != nil {
			env.From = pkg.Message.From.OrganID
		} else {
			env.From = pkg.Status.From.OrganID
		}
		err = to.d.Tx(ctx, func(tx *sql.Tx) error {
			return to.svc.Receive(ctx, tx, exchange.Inbound{Peer: &exchange.Peer{Name: from.name}, Envelope: env, Raw: raw})
		})
		if err != nil {
			refused = append(refused, err)
		}
	}
	if err := from.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE test_outbox SET sent = 1 WHERE sent = 0`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return len(outs), refused
}

func count(t *testing.T, n *node, q string, args ...any) int {
	t.Helper()
	var c int
	if err := n.d.Reader().QueryRowContext(context.Background(), q, args...).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

type pair struct {
	a, b    *node
	sig     *signing.Service
	mu      sync.Mutex
	handler http.Handler
}

// setupPair builds node A (the province, with its CA, the leader's
// certificate and the seal) and node B (the department) on two databases
// of the same engine. B validates signatures with the same trust store as
// A (a node trusts the national CA chain its peers' signers use).
func setupPair(t *testing.T, d *db.DB) *pair {
	t.Helper()
	ctx := context.Background()
	p := &pair{handler: http.NotFoundHandler()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	pk, err := pkitest.Setup(ctx, d, t.TempDir(), srv.URL, pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.handler = pk.Handler
	p.sig, err = signing.New(signing.Config{DB: d, PKI: pk.Service, Audit: pk.Audit, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	pk.Directory.SetOfficial(aLeader.AccountID, provinceID, pki.Subject{CommonName: "Hoàng Quốc Khánh", UID: "LC-0001", Title: "Chủ tịch",
		Organization: "UBND tỉnh Lào Cai"})
	pk.Directory.SetAgency(provinceID, pki.Subject{CommonName: "UBND tỉnh Lào Cai", AgencyCode: provinceCode})
	if _, err := pk.Service.Issue(ctx, pk.Actor, pki.IssueRequest{Profile: "official", Holder: aLeader.AccountID}); err != nil {
		t.Fatal(err)
	}
	if _, err := pk.Service.Issue(ctx, pk.Actor, pki.IssueRequest{Profile: "seal", AgencyID: provinceID}); err != nil {
		t.Fatal(err)
	}
	aPeople := []*actor.Actor{aClerk, aSpecialist, aLeader}
	p.a = newNode(t, d, "Lào Cai", provinceID, pk.Audit, p.sig, aPeople)
	p.a.docs.SetOutgoing(directory{agency: provinceID, people: aPeople}, p.sig)
	p.b = newNode(t, dbtest.Open(t, d.Dialect, modules()...), "Quảng Ninh", deptID, nil, p.sig, []*actor.Actor{bClerk, bLeader, bHandler})
	p.a.ex.remote = []exchange.RemoteAgency{{Code: deptCode, Name: agencyList[1].Name, PeerName: "Quảng Ninh"}}
	p.b.ex.remote = []exchange.RemoteAgency{{Code: provinceCode, Name: agencyList[0].Name, PeerName: "Lào Cai"}}
	return p
}

// issue drafts, approves, signs and issues a decision of A to B's
// department (and relations, if any); the issue error is returned.
func (p *pair) issue(t *testing.T, rel []documents.Relation) (*documents.Document, error) {
	t.Helper()
	a := p.a
	up, err := a.blob.Upload(a.ctx, aSpecialist, bytes.NewReader(pdftest.New(pdftest.Options{})), blob.Request{Name: "du-thao.pdf", Level: access.Internal})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.docs.CreateDraft(a.ctx, aSpecialist, documents.DraftRequest{Type: "QĐ", Summary: "Về việc phối hợp chuyển đổi số liên tỉnh",
		Urgency: "khan", Recipients: []string{deptCode}, FreeRecipients: []string{"Như trên;", "Lưu: VT, VP."},
		Signer: documents.SignerRequest{AccountID: aLeader.AccountID, Authority: "TM.", Position: "CHỦ TỊCH"}, Relations: rel, File: up.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Outgoing.RemoteRecipients) != 1 || d.Outgoing.RemoteRecipients[0].Code != deptCode || len(d.Outgoing.Recipients) != 0 {
		t.Fatalf("remote recipients: %+v local %+v", d.Outgoing.RemoteRecipients, d.Outgoing.Recipients)
	}
	if err := a.docs.Submit(a.ctx, aSpecialist, d.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.docs.Review(a.ctx, aLeader, d.ID, "approve", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.docs.Sign(a.ctx, aLeader, d.ID, documents.SignRequest{}); err != nil {
		t.Fatal(err)
	}
	issued, err := a.docs.Issue(a.ctx, aClerk, d.ID, documents.IssueRequest{})
	if err != nil {
		return d, err
	}
	return issued, nil
}

func timelineKinds(t *testing.T, n *node, a *actor.Actor, id int64) []string {
	t.Helper()
	evs, err := n.docs.Timeline(n.ctx, a, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func has(kinds []string, k string) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Issue to an agency on a peer, received, registered (03), directed and
// handled (04, 05, 06), every status on the sender's timeline; the file at
// the receiver is the issued PDF byte for byte and its signatures still
// validate; a failed enqueue rolls the issue's delivery step back; a
// returned document (02 with the reason) and a revocation.
func TestDocumentAcrossNodesOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b

		// The peer's queue refuses: the issue's delivery step rolls back,
		// no package and no sent row remain, the number stays.
		a.ex.fail = deptCode
		doc, err := p.issue(t, nil)
		if !apperr.Is(err, apperr.Unavailable) {
			t.Fatalf("issue with a failing queue: %v", err)
		}
		if n := count(t, a, `SELECT count(*) FROM test_outbox`); n != 0 {
			t.Fatalf("%d packages queued by a rolled-back issue", n)
		}
		if n := count(t, a, `SELECT count(*) FROM docex_sent`); n != 0 {
			t.Fatalf("%d sent rows after a rolled-back issue", n)
		}
		a.ex.fail = ""
		issued, err := a.docs.Issue(a.ctx, aClerk, doc.ID, documents.IssueRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if issued.Status != documents.StatusIssued || issued.Number != 1 {
			t.Fatalf("issued: %s %d", issued.Status, issued.Number)
		}
		if n := count(t, a, `SELECT count(*) FROM test_outbox WHERE kind = 'document'`); n != 1 {
			t.Fatalf("%d packages queued by the issue", n)
		}
		var issuedPDF []byte
		var issuedAtt documents.Attachment
		for _, at := range issued.Attachments {
			if at.UploadID == issued.Outgoing.IssuedUpload {
				issuedAtt = at
			}
		}
		rc, _, err := a.blob.Open(a.ctx, issued.Outgoing.IssuedUpload)
		if err != nil {
			t.Fatal(err)
		}
		issuedPDF, _ = io.ReadAll(rc)
		rc.Close()
		if issuedAtt.SignatureStatus != documents.SigValid || sha(issuedPDF) != issuedAtt.SHA256 {
			t.Fatalf("issued attachment: %+v", issuedAtt)
		}

		if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
			t.Fatalf("pump A→B: %d %v", n, refused)
		}
		inbox, err := b.svc.Inbox(b.ctx, bClerk)
		if err != nil {
			t.Fatal(err)
		}
		if len(inbox) != 1 || inbox[0].Symbol != issued.Symbol || inbox[0].FromCode != provinceCode || inbox[0].Peer != "Lào Cai" ||
			inbox[0].Summary != issued.Summary || inbox[0].IssuedOn != issued.IssuedOn {
			t.Fatalf("inbox: %+v", inbox)
		}
		if _, err := b.svc.Inbox(b.ctx, bHandler); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a specialist's inbox: %v", err)
		}
		if _, err := b.svc.Register(b.ctx, bHandler, inbox[0].ID); err == nil {
			t.Fatal("a specialist registered a package")
		}
		reg, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if reg.Number != 1 || reg.Type != "QĐ" || reg.Sender != agencyList[0].Name || reg.Urgency != documents.UrgencyUrgent ||
			len(reg.Attachments) != 1 {
			t.Fatalf("registered: %+v", reg)
		}
		// The golden check: the same bytes, and the signatures validate.
		got := reg.Attachments[0]
		if got.SHA256 != issuedAtt.SHA256 || got.Size != int64(len(issuedPDF)) {
			t.Fatalf("attachment at the receiver: sha %s size %d, issued %s %d", got.SHA256, got.Size, issuedAtt.SHA256, len(issuedPDF))
		}
		if got.SignatureStatus != documents.SigValid {
			t.Fatalf("signatures at the receiver: %s %s", got.SignatureStatus, got.SignatureReport)
		}
		rc, _, err = b.blob.Open(b.ctx, got.UploadID)
		if err != nil {
			t.Fatal(err)
		}
		bBytes, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(bBytes, issuedPDF) {
			t.Fatal("the PDF at the receiver differs from the issued one")
		}
		if _, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second registration: %v", err)
		}
		if !has(timelineKinds(t, b, bClerk, reg.ID), documents.EventRemoteReceived) {
			t.Fatal("the receiver's timeline lacks the exchange event")
		}

		// The leader directs it, the handler reports and completes.
		task, err := b.tasks.Direct(b.ctx, bLeader, reg.ID, tasksDirect())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.tasks.Report(b.ctx, bHandler, task.ID, tasks.ReportRequest{Progress: 40, Content: "Đang tổng hợp"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.tasks.Report(b.ctx, bHandler, task.ID, tasks.ReportRequest{Progress: 60, Content: "Tiếp tục"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.tasks.Report(b.ctx, bHandler, task.ID, tasks.ReportRequest{Complete: true, Content: "Đã xong"}); err != nil {
			t.Fatal(err)
		}
		// 03, 04, 05 (once), 06.
		if n, refused := pump(t, b, a); n != 4 || len(refused) != 0 {
			t.Fatalf("pump B→A: %d %v", n, refused)
		}
		kinds := timelineKinds(t, a, aClerk, issued.ID)
		for _, k := range []string{documents.EventRemoteSent, documents.EventRemoteAccepted, documents.EventRemoteAssigned,
			documents.EventRemoteProcessing, documents.EventRemoteCompleted} {
			if !has(kinds, k) {
				t.Errorf("sender's timeline lacks %s: %v", k, kinds)
			}
		}
		sent, err := a.svc.Sent(a.ctx, aClerk, issued.ID)
		if err != nil || len(sent) != 1 || sent[0].Status != "06" {
			t.Fatalf("sent: %+v %v", sent, err)
		}

		// A second document, returned with a reason: 02 back.
		doc2, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		if len(inbox) != 1 {
			t.Fatalf("inbox: %+v", inbox)
		}
		if err := b.svc.Return(b.ctx, bClerk, inbox[0].ID, " "); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("return without a reason: %v", err)
		}
		if err := b.svc.Return(b.ctx, bClerk, inbox[0].ID, "Gửi nhầm cơ quan"); err != nil {
			t.Fatal(err)
		}
		if n, _ := pump(t, b, a); n != 1 {
			t.Fatalf("statuses after the return: %d", n)
		}
		evs, _ := a.docs.Timeline(a.ctx, aClerk, doc2.ID)
		found := false
		for _, e := range evs {
			if e.Kind == documents.EventRemoteRefused && e.Comment == "Gửi nhầm cơ quan" {
				found = true
			}
		}
		if !found {
			t.Fatalf("the return's reason is not on the sender's timeline: %+v", evs)
		}

		// Revoke the first: the receiver's registered document shows it.
		if err := a.svc.Revoke(a.ctx, aSpecialist, issued.ID, "Ban hành nhầm"); err == nil {
			t.Fatal("a specialist revoked")
		}
		if err := a.svc.Revoke(a.ctx, aClerk, issued.ID, "Ban hành nhầm nơi nhận"); err != nil {
			t.Fatal(err)
		}
		if err := a.svc.Revoke(a.ctx, aClerk, issued.ID, "Lần nữa"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second revocation: %v", err)
		}
		if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
			t.Fatalf("revocation: %d %v", n, refused)
		}
		evs, _ = b.docs.Timeline(b.ctx, bHandler, reg.ID)
		found = false
		for _, e := range evs {
			if e.Kind == documents.EventRevoked && strings.Contains(e.Comment, "nhầm nơi nhận") {
				found = true
			}
		}
		if !found {
			t.Fatalf("the revocation is not on the receiver's document: %+v", evs)
		}
		if from, err := b.svc.RegisteredFrom(b.ctx, bHandler, reg.ID); err != nil || from == nil || !from.Revoked ||
			from.RevokeReason != "Ban hành nhầm nơi nhận" || from.Peer != "Lào Cai" {
			t.Fatalf("registered from: %+v %v", from, err)
		}
		if !has(timelineKinds(t, a, aClerk, issued.ID), documents.EventRevokeSent) {
			t.Fatal("the sender's timeline lacks the revocation")
		}

		// A revocation that overtakes its document: the document arrives
		// marked revoked.
		doc3, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.svc.Revoke(a.ctx, aClerk, doc3.ID, "Gửi trước khi duyệt lại"); err != nil {
			t.Fatal(err)
		}
		if err := a.d.Tx(a.ctx, func(tx *sql.Tx) error {
			// The revocation first: hold the document back, deliver the
			// revocation alone, then the document.
			_, err := tx.ExecContext(a.ctx, `UPDATE test_outbox SET sent = 2 WHERE sent = 0 AND id = (SELECT min(id) FROM test_outbox WHERE sent = 0)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
			t.Fatalf("early revocation: %d %v", n, refused)
		}
		if err := a.d.Tx(a.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(a.ctx, `UPDATE test_outbox SET sent = 0 WHERE sent = 2`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
			t.Fatalf("the overtaken document: %d %v", n, refused)
		}
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		if len(inbox) != 1 || !inbox[0].Revoked || inbox[0].RevokeReason != "Gửi trước khi duyệt lại" {
			t.Fatalf("the overtaken document in the inbox: %+v", inbox)
		}
		if _, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("registering a revoked document: %v", err)
		}
		if err := b.svc.Return(b.ctx, bClerk, inbox[0].ID, "Đã bị thu hồi"); err != nil {
			t.Fatal(err)
		}

		// A replacement of the second (returned) document goes as
		// Business 3 naming it; the receiver links them.
		_, err = p.issue(t, []documents.Relation{{Kind: documents.RelReplaces, TargetID: doc2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		if len(inbox) != 1 || inbox[0].Business != int(edxml.BusinessReplace) || inbox[0].RelatedID != docex.PackageID(provinceCode, doc2) {
			t.Fatalf("replacement in the inbox: %+v (doc2 package %s)", inbox, docex.PackageID(provinceCode, doc2))
		}

		// A replacement of the first, registered, document: the receiver's
		// registered document shows it, and registering the replacement
		// names the earlier document.
		if _, err := p.issue(t, []documents.Relation{{Kind: documents.RelReplaces, TargetID: issued.ID}}); err != nil {
			t.Fatal(err)
		}
		pump(t, a, b)
		if !has(timelineKinds(t, b, bClerk, reg.ID), documents.EventRemoteReplaced) {
			t.Fatal("the registered document does not show its replacement")
		}
		inbox, _ = b.svc.Inbox(b.ctx, bClerk)
		if len(inbox) != 2 || inbox[1].RelatedID != docex.PackageID(provinceCode, issued) {
			t.Fatalf("inbox after the second replacement: %+v", inbox)
		}
		reg2, err := b.svc.Register(b.ctx, bClerk, inbox[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ = b.docs.Timeline(b.ctx, bClerk, reg2.ID)
		found = false
		for _, e := range evs {
			if e.Kind == documents.EventRemoteReceived && e.Detail["related_document"] == float64(reg.ID) {
				found = true
			}
		}
		if !found {
			t.Fatalf("the replacement does not name the earlier document: %+v", evs)
		}
	})
}

// tasksDirect gives B's handler the document for five working days.
func tasksDirect() tasks.DirectRequest {
	return tasks.DirectRequest{Assignees: []tasks.AssigneeRef{{Kind: "person", ID: bHandler.AccountID}},
		Deadline: tasks.Deadline{Days: 5}, Comment: "Giao Phòng Tổ chức chủ trì"}
}
