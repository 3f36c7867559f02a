package exchange_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

var modules = []db.Migrations{audit.Migrations, jobs.Migrations, exchange.Migrations}

var admin = &actor.Actor{AccountID: 1, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.SystemAdmin)}}}

// newIdentity makes a node certificate (serverAuth and clientAuth, for
// 127.0.0.1) issued by a CA of its own.
func newIdentity(t testing.TB, cn string) *exchange.Identity {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := clock.Now()
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn + " CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return &exchange.Identity{Signer: key, Cert: leaf, Chain: []*x509.Certificate{ca}}
}

// testCodec is a small signed format standing in for edXML: a JSON header
// line, the body, and a last line "SIG:" with the base64 ECDSA signature of
// everything before it.
type testCodec struct{}

type testHeader struct {
	From, To, DocumentID, Kind, Code string
	Status, Reason                   string `json:",omitempty"`
}

func sign(h testHeader, body []byte, id *exchange.Identity) []byte {
	hb, _ := json.Marshal(h)
	msg := append(append(hb, '\n'), body...)
	sum := sha256.Sum256(msg)
	sig, err := id.Signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		panic(err)
	}
	return append(msg, []byte("\nSIG:"+base64.StdEncoding.EncodeToString(sig))...)
}

func open(raw []byte, cert *x509.Certificate) (*testHeader, error) {
	i := bytes.LastIndex(raw, []byte("\nSIG:"))
	j := bytes.IndexByte(raw, '\n')
	if i < 0 || j < 0 {
		return nil, apperr.New(apperr.Invalid, "Gói tin không đúng cấu trúc")
	}
	var h testHeader
	if err := json.Unmarshal(raw[:j], &h); err != nil {
		return nil, apperr.New(apperr.Invalid, "Gói tin không đúng cấu trúc")
	}
	sig, err := base64.StdEncoding.DecodeString(string(raw[i+5:]))
	if err != nil {
		return &h, apperr.New(apperr.Invalid, "Chữ ký số không hợp lệ")
	}
	sum := sha256.Sum256(raw[:i])
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), sum[:], sig) {
		return &h, apperr.New(apperr.Invalid, "Chữ ký số không khớp với nội dung gói tin")
	}
	return &h, nil
}

func (testCodec) Open(raw []byte, sender *x509.Certificate) (*exchange.Envelope, error) {
	h, err := open(raw, sender)
	if h == nil {
		return nil, err
	}
	return &exchange.Envelope{From: h.From, To: h.To, DocumentID: h.DocumentID, Kind: h.Kind, Code: h.Code, Package: h}, err
}

func (testCodec) Receipt(env *exchange.Envelope, status, reason string, id *exchange.Identity, now time.Time) ([]byte, error) {
	return sign(testHeader{From: env.To, To: env.From, DocumentID: env.DocumentID, Kind: exchange.KindStatus, Code: status, Status: status, Reason: reason}, nil, id), nil
}

func (testCodec) ReadReceipt(raw []byte, peer *x509.Certificate) (string, string, error) {
	h, err := open(raw, peer)
	if err != nil {
		return "", "", err
	}
	return h.Status, h.Reason, nil
}

type received struct {
	mu   sync.Mutex
	docs []string
	fail error // returned by Receive when set
	// onReceive, when set, sees each registered package.
	onReceive func(exchange.Inbound)
}

func (r *received) Receive(ctx context.Context, tx *sql.Tx, in exchange.Inbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.docs = append(r.docs, in.Envelope.DocumentID)
	if r.onReceive != nil {
		r.onReceive(in)
	}
	return nil
}

func (r *received) count(doc string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.docs {
		if d == doc {
			n++
		}
	}
	return n
}

// node is one Service with its database, jobs runner and exchange listener.
type node struct {
	db   *db.DB
	id   *exchange.Identity
	svc  *exchange.Service
	srv  *http.Server
	recv *received
	url  string
	jobs *jobs.Runner

	mu       sync.Mutex
	agencies []exchange.Agency
}

func newNode(t *testing.T, d *db.DB, name string, agencies []exchange.Agency, opts exchange.Options) *node {
	t.Helper()
	n := &node{db: d, id: newIdentity(t, name), recv: &received{}}
	log, err := audit.New(d, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Audit = log
	opts.Identity = func(context.Context) (*exchange.Identity, error) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.id, nil
	}
	n.agencies = agencies
	opts.Agencies = func(context.Context) ([]exchange.Agency, error) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.agencies, nil
	}
	if opts.Codec == nil {
		opts.Codec = testCodec{}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.url = "https://" + lis.Addr().String()
	opts.URL = n.url
	n.svc, err = exchange.New(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	n.svc.SetReceiver(n.recv)
	n.start(t, lis)
	t.Cleanup(func() { n.srv.Close() })
	r := jobs.NewRunner(d, jobs.Options{PollInterval: 10 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 50 * time.Millisecond, Audit: log})
	n.svc.Register(r)
	n.jobs = r
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// start serves the node's exchange listener on lis (its address again
// after stop).
func (n *node) start(t *testing.T, lis net.Listener) {
	t.Helper()
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", strings.TrimPrefix(n.url, "https://")); err != nil {
			t.Fatal(err)
		}
	}
	n.srv = &http.Server{Handler: n.svc.Handler(), TLSConfig: n.svc.ServerTLS(), ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go n.srv.ServeTLS(lis, "", "")
}

func (n *node) stop() { n.srv.Close() }

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := clock.Now().Add(20 * time.Second)
	for !cond() {
		if clock.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type message struct {
	State, ReceiptStatus, Reason, Digest string
	Receipt                              []byte
}

func outbound(t *testing.T, d *db.DB, doc string) message {
	t.Helper()
	var m message
	err := d.Reader().QueryRowContext(context.Background(), `SELECT state, receipt_status, reason, digest, COALESCE(receipt, '')
		FROM exchange_messages WHERE direction = 'out' AND document_id = $1 ORDER BY id DESC LIMIT 1`, doc).
		Scan(&m.State, &m.ReceiptStatus, &m.Reason, &m.Digest, &m.Receipt)
	if err != nil {
		t.Fatalf("outbound %s: %v", doc, err)
	}
	return m
}

func enqueue(t *testing.T, from *node, out exchange.Outbound) {
	t.Helper()
	if err := from.db.Tx(context.Background(), func(tx *sql.Tx) error { return from.svc.Enqueue(context.Background(), tx, out) }); err != nil {
		t.Fatalf("enqueue %s: %v", out.DocumentID, err)
	}
}

func docPackage(from *node, fromCode, toCode, doc string) []byte {
	return sign(testHeader{From: fromCode, To: toCode, DocumentID: doc, Kind: exchange.KindDocument, Code: "0"}, []byte("nội dung văn bản "+doc), from.id)
}

func countAudit(t *testing.T, d *db.DB, action, outcome string) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_entries WHERE action = $1 AND outcome = $2", action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pair makes a province node and a ministry node that trust each other.
func pair(t *testing.T, d *db.DB, opts exchange.Options) (prov, min *node) {
	return pairWith(t, d, opts, opts)
}

// pairWith is pair with options of each node's own.
func pairWith(t *testing.T, d *db.DB, provOpts, minOpts exchange.Options) (prov, min *node) {
	t.Helper()
	ctx := context.Background()
	d2 := dbtest.Open(t, d.Dialect, modules...)
	prov = newNode(t, d, "Nút tỉnh Lào Cai", []exchange.Agency{{Code: "H24", Name: "UBND tỉnh Lào Cai"}}, provOpts)
	min = newNode(t, d2, "Nút Bộ Nội vụ", []exchange.Agency{{Code: "G09", Name: "Bộ Nội vụ"}, {Code: "G09.01", Name: "Văn phòng Bộ"}}, minOpts)
	p, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(min.id.Cert)})
	if err != nil {
		t.Fatalf("add ministry peer: %v", err)
	}
	if p.Name != "Nút Bộ Nội vụ" || len(p.Agencies) != 2 || p.Agencies[0].Code != "G09" || p.Agencies[1].Name != "Văn phòng Bộ" {
		t.Fatalf("peer learnt %+v", p)
	}
	if _, err := min.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: prov.url, CertPEM: certPEM(prov.id.Cert), Name: "Lào Cai"}); err != nil {
		t.Fatalf("add province peer: %v", err)
	}
	return prov, min
}

// TestSendReceipt: a document queued at the province reaches the ministry
// once, the ministry's signed receipt 01 is kept with the outbound message,
// and both sides audit the package with its SHA-256.
func TestSendReceipt(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min := pair(t, d, exchange.Options{})
		pkg := docPackage(prov, "H24", "G09", "H24,2026,101")
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,101", Kind: exchange.KindDocument, Package: pkg})
		waitFor(t, "delivery", func() bool { return outbound(t, prov.db, "H24,2026,101").State != "queued" })
		m := outbound(t, prov.db, "H24,2026,101")
		if m.State != "delivered" || m.ReceiptStatus != exchange.StatusArrived || m.Reason != "" {
			t.Fatalf("outbound %+v", m)
		}
		if status, _, err := (testCodec{}).ReadReceipt(m.Receipt, min.id.Cert); err != nil || status != "01" {
			t.Fatalf("kept receipt: %q %v", status, err)
		}
		if n := min.recv.count("H24,2026,101"); n != 1 {
			t.Fatalf("received %d times", n)
		}
		var kept []byte
		var digest string
		if err := min.db.Reader().QueryRowContext(ctx, "SELECT package, digest FROM exchange_messages WHERE direction = 'in'").Scan(&kept, &digest); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(kept, pkg) || digest != m.Digest {
			t.Fatalf("the receiver kept other bytes (%s, sender %s)", digest, m.Digest)
		}
		for _, c := range []struct {
			d      *db.DB
			action string
		}{{prov.db, "exchange.package.queue"}, {prov.db, "exchange.package.send"}, {min.db, "exchange.package.receive"}, {prov.db, "exchange.peer.add"}} {
			if countAudit(t, c.d, c.action, audit.OutcomeOK) != 1 {
				t.Errorf("no audit entry %s", c.action)
			}
		}
		peers, err := prov.svc.Peers(ctx, admin)
		if err != nil || len(peers) != 1 {
			t.Fatalf("peers %v %v", peers, err)
		}
		if p := peers[0]; p.Queue != 0 || p.Failures != 0 || p.LastContact.IsZero() || p.Down {
			t.Fatalf("health %+v", p)
		}
		msgs, err := prov.svc.Messages(ctx, admin, peers[0].ID, 0)
		if err != nil || len(msgs) != 1 || msgs[0].Direction != "out" || msgs[0].State != "delivered" || msgs[0].ReceiptStatus != "01" ||
			msgs[0].Digest != m.Digest || msgs[0].Size != len(pkg) || msgs[0].DoneAt.IsZero() {
			t.Fatalf("messages %+v %v", msgs, err)
		}
		if b, err := prov.svc.MessageBytes(ctx, admin, msgs[0].ID, false); err != nil || !bytes.Equal(b, pkg) {
			t.Fatalf("kept package: %v", err)
		}
		if b, err := prov.svc.MessageBytes(ctx, admin, msgs[0].ID, true); err != nil || !bytes.Equal(b, m.Receipt) {
			t.Fatalf("kept receipt: %v", err)
		}
		clerk := &actor.Actor{AccountID: 2, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: 1}}}
		if _, err := prov.svc.MessageBytes(ctx, clerk, msgs[0].ID, false); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk reads the evidence: %v", err)
		}
		ras, err := prov.svc.RemoteAgencies(ctx)
		if err != nil || len(ras) != 2 || ras[0].PeerName != "Nút Bộ Nội vụ" {
			t.Fatalf("remote agencies %+v %v", ras, err)
		}
		if _, err := prov.svc.PeerFor(ctx, "G10"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("PeerFor unknown: %v", err)
		}
		err = prov.db.Tx(ctx, func(tx *sql.Tx) error {
			return prov.svc.Enqueue(ctx, tx, exchange.Outbound{ToCode: "G10", DocumentID: "x", Kind: exchange.KindDocument, Package: pkg})
		})
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("enqueue to an unknown code: %v", err)
		}
	})
}

// TestPeerDown: while the ministry is down the delivery is retried and the
// outage recorded; once it is back the document arrives exactly once and
// the outage is closed.
func TestPeerDown(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min := pair(t, d, exchange.Options{})
		min.stop()
		enqueue(t, prov, exchange.Outbound{ToCode: "G09.01", DocumentID: "H24,2026,7", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09.01", "H24,2026,7")})
		var p *exchange.Peer
		waitFor(t, "failures", func() bool {
			ps, err := prov.svc.Peers(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			p = ps[0]
			return p.Failures >= 2
		})
		if !p.Down || p.Queue != 1 || p.LastError == "" {
			t.Fatalf("peer while down %+v", p)
		}
		min.start(t, nil)
		waitFor(t, "delivery after the outage", func() bool { return outbound(t, prov.db, "H24,2026,7").State == "delivered" })
		if n := min.recv.count("H24,2026,7"); n != 1 {
			t.Fatalf("received %d times", n)
		}
		out, err := prov.svc.Outages(ctx, admin, p.ID, 0)
		if err != nil || len(out) != 1 || out[0].To.IsZero() || out[0].Error == "" {
			t.Fatalf("outages %+v %v", out, err)
		}
		p, _ = prov.svc.Peer(ctx, admin, p.ID)
		if p.Down || p.Failures != 0 || p.Queue != 0 {
			t.Fatalf("peer after recovery %+v", p)
		}
	})
}

// TestDuplicate: the same document sent twice is registered once and both
// sends get the same receipt.
func TestDuplicate(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		prov, min := pair(t, d, exchange.Options{})
		for i := 0; i < 2; i++ {
			enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,9", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", "H24,2026,9")})
		}
		var receipts [][]byte
		waitFor(t, "both deliveries", func() bool {
			receipts = nil
			rows, err := prov.db.Reader().QueryContext(context.Background(), "SELECT state, COALESCE(receipt, '') FROM exchange_messages WHERE direction = 'out'")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var st string
				var r []byte
				rows.Scan(&st, &r)
				if st == "delivered" {
					receipts = append(receipts, r)
				}
			}
			return len(receipts) == 2
		})
		if !bytes.Equal(receipts[0], receipts[1]) {
			t.Fatal("the duplicate got another receipt")
		}
		if n := min.recv.count("H24,2026,9"); n != 1 {
			t.Fatalf("registered %d times", n)
		}
	})
}

// client posts as id to a node pinned by its certificate.
func post(t *testing.T, id *exchange.Identity, to *node, body []byte) (*http.Response, []byte) {
	t.Helper()
	tc := to.svc.ServerTLS().Clone()
	tc.GetCertificate = nil
	tc.ClientAuth = 0
	tc.InsecureSkipVerify = true
	if id != nil {
		tc.Certificates = []tls.Certificate{id.TLS()}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	resp, err := c.Post(to.url+"/exchange/packages", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestRefusals: an unpinned or missing client certificate is 403; a
// tampered package, an unknown recipient or a refusal by the receiver is a
// signed 02 with the reason; an oversized or unreadable package is an HTTP
// error. Each is audited and nothing is registered.
func TestRefusals(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min := pair(t, d, exchange.Options{MaxPackage: 4096})
		stranger := newIdentity(t, "Nút lạ")
		pkg := docPackage(prov, "H24", "G09", "H24,2026,1")
		if resp, body := post(t, stranger, min, pkg); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "EFORBIDDEN") {
			t.Fatalf("unpinned certificate: %d %s", resp.StatusCode, body)
		}
		if resp, _ := post(t, nil, min, pkg); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("no certificate: %d", resp.StatusCode)
		}
		if n := countAudit(t, min.db, "exchange.package.deny", audit.OutcomeDenied); n != 2 {
			t.Fatalf("%d denials audited", n)
		}
		if resp, body := post(t, prov.id, min, bytes.Repeat([]byte("x"), 5000)); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "quá lớn") {
			t.Fatalf("oversized: %d %s", resp.StatusCode, body)
		}
		if resp, body := post(t, prov.id, min, []byte("<không phải gói tin>")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "cấu trúc") {
			t.Fatalf("malformed: %d %s", resp.StatusCode, body)
		}

		tampered := bytes.Replace(pkg, []byte("nội dung"), []byte("NỘI DUNG"), 1)
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,1", Kind: exchange.KindDocument, Package: tampered})
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,2", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G77", "H24,2026,2")})
		// Signed by the province's node, but in the name of an agency its
		// directory does not list.
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,4", Kind: exchange.KindDocument, Package: docPackage(prov, "H99", "G09", "H24,2026,4")})
		for doc, want := range map[string]string{"H24,2026,1": "Chữ ký số không khớp", "H24,2026,2": exchange.ReasonNotHosted, "H24,2026,4": exchange.ReasonSenderNotHosted} {
			waitFor(t, doc, func() bool { return outbound(t, prov.db, doc).State != "queued" })
			m := outbound(t, prov.db, doc)
			if m.State != "refused" || m.ReceiptStatus != exchange.StatusRefused || !strings.Contains(m.Reason, want) {
				t.Fatalf("%s: %+v", doc, m)
			}
		}
		min.recv.mu.Lock()
		min.recv.fail = apperr.New(apperr.Conflict, "Sổ văn bản đến đang khoá")
		min.recv.mu.Unlock()
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,3", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", "H24,2026,3")})
		waitFor(t, "refusal by the receiver", func() bool { return outbound(t, prov.db, "H24,2026,3").State != "queued" })
		if m := outbound(t, prov.db, "H24,2026,3"); m.State != "refused" || m.Reason != "Sổ văn bản đến đang khoá" {
			t.Fatalf("receiver's refusal: %+v", m)
		}
		min.recv.mu.Lock()
		min.recv.fail = nil
		min.recv.mu.Unlock()
		if len(min.recv.docs) != 0 {
			t.Fatalf("registered %v", min.recv.docs)
		}
		if n := countAudit(t, min.db, "exchange.package.refuse", audit.OutcomeFailed); n != 6 {
			t.Fatalf("%d refusals audited, want 6", n)
		}
		var kept int
		min.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_messages WHERE direction = 'in' AND state = 'refused' AND receipt_status = '02'").Scan(&kept)
		if kept != 4 {
			t.Fatalf("%d refused packages kept, want 4", kept)
		}
		// The receiver accepts it later: a refusal does not hold the document id.
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,3", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", "H24,2026,3")})
		waitFor(t, "resend", func() bool { return outbound(t, prov.db, "H24,2026,3").State == "delivered" })
	})
}

// TestPeerAdministration: only the system administrator manages peers; a
// certificate is pinned once; a peer presenting another certificate than
// the pinned one is not trusted; a removed peer is refused.
func TestPeerAdministration(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min := pair(t, d, exchange.Options{})
		clerk := &actor.Actor{AccountID: 2, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: 1}}}
		if _, err := prov.svc.AddPeer(ctx, clerk, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(min.id.Cert)}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("clerk: %v", err)
		}
		if _, err := prov.svc.Peers(ctx, clerk); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("clerk lists: %v", err)
		}
		if _, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(min.id.Cert)}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("pinned twice: %v", err)
		}
		// The ministry renews its node certificate: deliveries fail until
		// the province pins the new one for the same URL, then resume.
		before, _ := prov.svc.Peers(ctx, admin)
		min.mu.Lock()
		min.id = newIdentity(t, "Nút Bộ Nội vụ")
		min.mu.Unlock()
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,50", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", "H24,2026,50")})
		waitFor(t, "failures with the old pin", func() bool { p, _ := prov.svc.Peer(ctx, admin, before[0].ID); return p.Failures > 0 })
		re, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(min.id.Cert), Name: "Bộ Nội vụ"})
		if err != nil || re.ID != before[0].ID || re.Fingerprint == before[0].Fingerprint || re.Name != "Bộ Nội vụ" {
			t.Fatalf("re-pin: %+v %v", re, err)
		}
		waitFor(t, "delivery after the re-pin", func() bool { return outbound(t, prov.db, "H24,2026,50").State == "delivered" })
		if n := countAudit(t, prov.db, "exchange.peer.repin", audit.OutcomeOK); n != 1 {
			t.Fatalf("re-pin audited %d", n)
		}
		other := newIdentity(t, "Nút giả")
		if _, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(other.Cert)}); apperr.CodeOf(err) != apperr.Unavailable || !strings.Contains(apperr.MessageOf(err), "chứng thư số khác") {
			t.Fatalf("wrong certificate pinned: %v", err)
		}
		if _, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: "http://" + strings.TrimPrefix(min.url, "https://"), CertPEM: certPEM(min.id.Cert)}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("http URL: %v", err)
		}
		min.mu.Lock()
		min.agencies = append(min.agencies, exchange.Agency{Code: "G09.02", Name: "Vụ Chính quyền địa phương"})
		min.mu.Unlock()
		peers, _ := prov.svc.Peers(ctx, admin)
		if _, err := prov.svc.RefreshPeer(ctx, clerk, peers[0].ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("clerk refreshes: %v", err)
		}
		if p, err := prov.svc.RefreshPeer(ctx, admin, peers[0].ID); err != nil || len(p.Agencies) != 3 {
			t.Fatalf("refresh: %+v %v", p, err)
		}
		if p, err := prov.svc.PeerFor(ctx, "G09.02"); err != nil || p.ID != peers[0].ID {
			t.Fatalf("new code after refresh: %v", err)
		}
		node, err := min.svc.Node(ctx, admin)
		if err != nil || node.URL != min.url || len(node.Agencies) != 3 || !bytes.Equal(node.CertPEM, certPEM(min.id.Cert)) {
			t.Fatalf("node %+v %v", node, err)
		}
		peers, _ = min.svc.Peers(ctx, admin)
		if err := min.svc.RemovePeer(ctx, clerk, peers[0].ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("clerk removes: %v", err)
		}
		if err := min.svc.RemovePeer(ctx, admin, peers[0].ID); err != nil {
			t.Fatal(err)
		}
		if resp, _ := post(t, prov.id, min, docPackage(prov, "H24", "G09", "H24,2026,5")); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("removed peer: %d", resp.StatusCode)
		}
		if n := countAudit(t, min.db, "exchange.peer.remove", audit.OutcomeOK); n != 1 {
			t.Fatalf("removal audited %d", n)
		}
	})
}

// TestRefusedByPeerThenRetried: a peer that does not trust this node
// answers 403; the delivery fails at once (no back-off against a refusal)
// and, once the peer pins this node, the administrator's retry of the job
// delivers it.
func TestRefusedByPeerThenRetried(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min := pair(t, d, exchange.Options{})
		peers, _ := min.svc.Peers(ctx, admin)
		if err := min.svc.RemovePeer(ctx, admin, peers[0].ID); err != nil {
			t.Fatal(err)
		}
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,40", Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", "H24,2026,40")})
		waitFor(t, "refusal", func() bool { return outbound(t, prov.db, "H24,2026,40").State != "queued" })
		if m := outbound(t, prov.db, "H24,2026,40"); m.State != "failed" || !strings.Contains(m.Reason, "403") || !strings.Contains(m.Reason, "không được ghim") {
			t.Fatalf("refused by the peer: %+v", m)
		}
		if _, err := min.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: prov.url, CertPEM: certPEM(prov.id.Cert)}); err != nil {
			t.Fatal(err)
		}
		var job int64
		if err := prov.db.Reader().QueryRowContext(ctx, "SELECT id FROM jobs WHERE kind = $1 AND state = 'failed'", exchange.KindDeliver).Scan(&job); err != nil {
			t.Fatal(err)
		}
		if err := prov.jobs.Retry(ctx, admin, job); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "delivery after the retry", func() bool { return outbound(t, prov.db, "H24,2026,40").State == "delivered" })
		if min.recv.count("H24,2026,40") != 1 {
			t.Fatal("not registered once")
		}
	})
}

// TestConcurrentDuplicates: the same package posted several times at once
// is registered once and every post gets the same signed receipt.
func TestConcurrentDuplicates(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		prov, min := pair(t, d, exchange.Options{})
		pkg := docPackage(prov, "H24", "G09", "H24,2026,77")
		const n = 6
		bodies := make([][]byte, n)
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				resp, b := post(t, prov.id, min, pkg)
				codes[i], bodies[i] = resp.StatusCode, b
			}(i)
		}
		wg.Wait()
		for i := range bodies {
			if codes[i] != http.StatusOK || !bytes.Equal(bodies[i], bodies[0]) {
				t.Fatalf("post %d: %d %s", i, codes[i], bodies[i])
			}
		}
		if status, _, err := (testCodec{}).ReadReceipt(bodies[0], min.id.Cert); err != nil || status != "01" {
			t.Fatalf("receipt %q %v", status, err)
		}
		if c := min.recv.count("H24,2026,77"); c != 1 {
			t.Fatalf("registered %d times", c)
		}
	})
}
