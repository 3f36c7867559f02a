package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

func init() {
	suites = append(suites, suite{name: "exchange", run: benchExchange})
}

// The bench's two nodes: a province sending to a department of another
// province.
const (
	exFromCode = "DEMO.H15.01.01"
	exToCode   = "000.00.01.H22"
	// exWorkers is the delivery runner's workers and the limit's posters.
	exWorkers   = 16
	exProducers = 16
)

// exNode is one exchange service with its own SQLite database (FULL sync),
// its jobs runner and its mutual-TLS listener on loopback.
type exNode struct {
	db     *db.DB
	done   func()
	id     *exchange.Identity
	svc    *exchange.Service
	runner *jobs.Runner
	stopR  func()
	addr   string
	srv    *http.Server
	peer   int64 // the one peer, for the index on (peer_id, direction, state)
}

// benchExchange measures signed edXML packages (one 200 KB PDF attached)
// between two exchange services in one process: each its own SQLite
// database with FULL sync, ECDSA P-256 node certificates (the key type
// pki.NodeIdentity issues), the edXML codec, a mutual-TLS listener on
// loopback and a jobs runner. A package's way: built and signed, Enqueue in
// a db.Tx, the exchange.deliver job POSTs it, the receiver parses and
// verifies it, keeps it in its db.Tx with the audit entry and answers a
// signed receipt, which the sender verifies and stores. The limit of the
// same run builds and signs the same package and POSTs the same bytes over
// the same kind of mutual-TLS connection to a handler on the receiver's
// listener that only reads them.
func benchExchange(o *opts) ([]row, error) {
	ctx := context.Background()
	pdf := append(blobtest.PDF(), make([]byte, 200<<10-len(blobtest.PDF()))...)
	rand.Read(pdf[len(blobtest.PDF()):])
	a, err := newExNode(ctx, o, "Nút tỉnh Demo", []exchange.Agency{{Code: exFromCode, Name: "Văn phòng UBND tỉnh Demo"}}, 0)
	if err != nil {
		return nil, err
	}
	defer a.close()
	b, err := newExNode(ctx, o, "Nút tỉnh Quảng Ninh", []exchange.Agency{{Code: exToCode, Name: "Sở Nội vụ tỉnh Quảng Ninh"}}, 0)
	if err != nil {
		return nil, err
	}
	defer b.close()
	sys := actor.SystemActor("bench")
	peerB, err := a.svc.AddPeer(ctx, sys, exchange.AddPeerRequest{URL: "https://" + b.addr, CertPEM: pemCert(b.id.Cert), Name: "Quảng Ninh"})
	if err != nil {
		return nil, fmt.Errorf("add peer: %w", err)
	}
	a.peer = peerB.ID
	if _, err := b.svc.AddPeer(ctx, sys, exchange.AddPeerRequest{URL: "https://" + a.addr, CertPEM: pemCert(a.id.Cert), Name: "Demo"}); err != nil {
		return nil, fmt.Errorf("add peer: %w", err)
	}
	a.startRunner(o, exchange.DefaultMaxAttempts, 0)
	defer a.stopRunner()

	var seq atomic.Int64
	build := func() (string, []byte, error) {
		n := seq.Add(1)
		docID := fmt.Sprintf("%s,2026,%d", exFromCode, n)
		pkg, err := edxml.Build(exMessage(docID, pdf), a.id.Signer, []*x509.Certificate{a.id.Cert})
		return docID, pkg, err
	}
	send := func() error {
		docID, pkg, err := build()
		if err != nil {
			return err
		}
		if err := a.svc.Stage(ctx, pkg); err != nil {
			return err
		}
		err = a.db.Tx(ctx, func(tx *sql.Tx) error {
			return a.svc.Enqueue(ctx, tx, exchange.Outbound{ToCode: exToCode, DocumentID: docID, Kind: exchange.KindDocument, Package: pkg})
		})
		a.runner.Wake()
		return err
	}
	sink := exSinkClient(a.id, b.id)
	sinkURL := "https://" + b.addr + "/bench/sink"
	limit := func() error {
		_, pkg, err := build()
		if err != nil {
			return err
		}
		resp, err := sink.Post(sinkURL, "application/octet-stream", bytes.NewReader(pkg))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("sink: HTTP %d", resp.StatusCode)
		}
		return nil
	}
	// Warm up both ways: connections, prepared statements.
	for range 3 {
		if err := send(); err != nil {
			return nil, err
		}
		if err := limit(); err != nil {
			return nil, err
		}
	}
	if err := a.waitDelivered(ctx, seqCount(a, ctx), 30*time.Second); err != nil {
		return nil, err
	}

	// (a) packages per second, end to end.
	before, err := a.delivered(ctx)
	if err != nil {
		return nil, err
	}
	start := clock.Now()
	sent, _, err := exLoop(exProducers, o.duration, send)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if err := a.waitDelivered(ctx, before+sent, 10*o.duration+60*time.Second); err != nil {
		return nil, err
	}
	ours := float64(sent) / clock.Now().Sub(start).Seconds()
	start = clock.Now()
	posted, _, err := exLoop(exWorkers, o.duration, limit)
	if err != nil {
		return nil, fmt.Errorf("limit: %w", err)
	}
	limitRate := float64(posted) / clock.Now().Sub(start).Seconds()
	rows := []row{{Name: fmt.Sprintf("signed edXML packages (200 KB PDF) end to end: build, Enqueue in a db.Tx, job, POST over mutual TLS, receiver's db.Tx, signed receipt stored; %d producers, %d workers, SQLite FULL", exProducers, exWorkers),
		Value: ours, Unit: "packages/s", Limit: fmt.Sprintf("build and sign the same package, POST the same bytes over mutual TLS to a handler that only reads them, %d at once", exWorkers),
		LimitV: limitRate, Goal: "≥ 500/s"}}

	// (b) latency at a paced rate.
	// Half the throughput just measured (at most 100/s), so the queue
	// stays short and the figure is the latency, not the backlog.
	rate := min(100, max(1, int(ours/2)))
	if o.short {
		rate = min(rate, 20)
	}
	firstID, err := a.maxOut(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := paced(rate, o.duration, func() (time.Duration, error) { return 0, send() }); err != nil {
		return nil, err
	}
	if err := a.waitDelivered(ctx, seqCount(a, ctx), 10*o.duration+60*time.Second); err != nil {
		return nil, err
	}
	lat, err := a.latencies(ctx, firstID)
	if err != nil {
		return nil, err
	}
	limLat, err := paced(rate, o.duration, func() (time.Duration, error) {
		t0 := clock.Now()
		err := limit()
		return clock.Now().Sub(t0), err
	})
	if err != nil {
		return nil, err
	}
	if len(lat) == 0 || len(limLat) == 0 {
		return nil, fmt.Errorf("no latency measured")
	}
	for _, p := range []int{50, 99} {
		rows = append(rows, row{Name: fmt.Sprintf("latency p%d at %d packages/s: from the Enqueue's transaction to the receipt's (their times in exchange_messages)", p, rate),
			Value: ms(percentile(lat, p)), Unit: "ms", Limit: "build, sign and POST the same bytes to the reading handler at the same pace",
			LimitV: ms(percentile(limLat, p)), Lower: true})
	}

	// (c) drain 10,000 packages queued while the peer was down.
	n := 10_000
	if o.short {
		n = 40
	}
	b.srv.Close()
	// A runner whose back-off is capped at 2 s, and enough attempts to
	// outlast the outage, so the figure is the drain and not the back-off
	// of the default (an hour).
	a.stopRunner()
	a.startRunner(o, 100_000, 2*time.Second)
	base, err := a.delivered(ctx)
	if err != nil {
		return nil, err
	}
	var queued atomic.Int64
	if _, _, err := exLoopN(exProducers, n, func() error { queued.Add(1); return send() }); err != nil {
		return nil, fmt.Errorf("queue while down: %w", err)
	}
	if err := b.listen(); err != nil {
		return nil, err
	}
	start = clock.Now()
	if err := a.waitDelivered(ctx, base+int64(n), 30*time.Minute); err != nil {
		return nil, err
	}
	drain := clock.Now().Sub(start).Seconds()
	rows = append(rows, row{Name: fmt.Sprintf("drain %s packages queued while the peer was down, from its return (back-off capped at 2 s)", num(float64(n))),
		Value: drain, Unit: "s", Limit: "the same number POSTed at the limit's rate", LimitV: float64(n) / limitRate, Lower: true})
	return rows, nil
}

func seqCount(n *exNode, ctx context.Context) int64 {
	var c int64
	n.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_messages WHERE peer_id = $1 AND direction = 'out'", n.peer).Scan(&c)
	return c
}

func (n *exNode) delivered(ctx context.Context) (int64, error) {
	var c int64
	err := n.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_messages WHERE peer_id = $1 AND direction = 'out' AND state = 'delivered'", n.peer).Scan(&c)
	return c, err
}

func (n *exNode) maxOut(ctx context.Context) (int64, error) {
	var id int64
	err := n.db.Reader().QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM exchange_messages WHERE direction = 'out'").Scan(&id)
	return id, err
}

// waitDelivered waits until want outbound messages are delivered; a
// refused or failed one is an error.
func (n *exNode) waitDelivered(ctx context.Context, want int64, limit time.Duration) error {
	deadline := clock.Now().Add(limit)
	for {
		got, err := n.delivered(ctx)
		if err != nil {
			return err
		}
		if got >= want {
			return nil
		}
		var bad int
		var reason sql.NullString
		n.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_messages WHERE peer_id = $1 AND direction = 'out' AND state IN ('refused', 'failed')", n.peer).Scan(&bad)
		if bad > 0 {
			n.db.Reader().QueryRowContext(ctx, "SELECT MAX(id), reason FROM exchange_messages WHERE peer_id = $1 AND direction = 'out' AND state IN ('refused', 'failed')", n.peer).Scan(new(int64), &reason)
			return fmt.Errorf("%d packages refused or failed: %s", bad, reason.String)
		}
		if clock.Now().After(deadline) {
			return fmt.Errorf("only %d of %d packages delivered", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// latencies reads done_at − created_at of the outbound messages after id.
func (n *exNode) latencies(ctx context.Context, after int64) ([]time.Duration, error) {
	rs, err := n.db.Reader().QueryContext(ctx, "SELECT done_at - created_at FROM exchange_messages WHERE direction = 'out' AND id > $1", after)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []time.Duration
	for rs.Next() {
		var us int64
		if err := rs.Scan(&us); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	return out, rs.Err()
}

func newExNode(ctx context.Context, o *opts, name string, agencies []exchange.Agency, _ int) (*exNode, error) {
	d, dir, done, err := freshDB(ctx, o, db.Config{SQLiteSync: "FULL"}, "exchange", audit.Migrations, jobs.Migrations, exchange.Migrations)
	if err != nil {
		return nil, err
	}
	n := &exNode{db: d, done: done}
	if n.id, err = exIdentity(name); err != nil {
		done()
		return nil, err
	}
	// Packages kept as files of the node's store, as serve keeps them.
	store, err := blob.NewLocal(filepath.Join(dir, "files"))
	if err != nil {
		done()
		return nil, err
	}
	lg, err := audit.New(d, audit.Options{})
	if err != nil {
		done()
		return nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		done()
		return nil, err
	}
	n.addr = lis.Addr().String()
	n.svc, err = exchange.New(d, exchange.Options{Logger: o.log, Audit: lg, URL: "https://" + n.addr, Codec: exchange.EDXML{},
		Identity: func(context.Context) (*exchange.Identity, error) { return n.id, nil },
		Agencies: func(context.Context) ([]exchange.Agency, error) { return agencies, nil },
		Timeout:  time.Minute, MaxAttempts: 100_000, Store: store})
	if err != nil {
		lis.Close()
		done()
		return nil, err
	}
	n.svc.SetReceiver(exInbox{})
	n.serve(lis)
	return n, nil
}

// serve serves the exchange's handler and the limit's reading handler.
func (n *exNode) serve(lis net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("/exchange/", n.svc.Handler())
	mux.HandleFunc("POST /bench/sink", func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "no client certificate", http.StatusForbidden)
			return
		}
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	n.srv = &http.Server{Handler: mux, TLSConfig: n.svc.ServerTLS(), ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go n.srv.ServeTLS(lis, "", "")
}

// listen serves again on the node's address (after srv.Close).
func (n *exNode) listen() error {
	var lis net.Listener
	var err error
	for range 50 {
		if lis, err = net.Listen("tcp", n.addr); err == nil {
			n.serve(lis)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (n *exNode) startRunner(o *opts, _ int, retryMax time.Duration) {
	r := jobs.NewRunner(n.db, jobs.Options{Logger: o.log, Workers: exWorkers, PollInterval: 50 * time.Millisecond,
		RetryBase: 200 * time.Millisecond, RetryMax: max(retryMax, 2*time.Second)})
	n.svc.Register(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	n.runner = r
	n.stopR = func() { cancel(); <-done }
}

func (n *exNode) stopRunner() {
	if n.stopR != nil {
		n.stopR()
		n.stopR = nil
	}
}

func (n *exNode) close() {
	n.stopRunner()
	if n.srv != nil {
		n.srv.Close()
	}
	n.done()
}

// exInbox registers nothing: the exchange itself keeps the package, its
// receipt and the audit entry in the receiver's transaction.
type exInbox struct{}

func (exInbox) Receive(context.Context, *sql.Tx, exchange.Inbound) error { return nil }

// exIdentity makes an ECDSA P-256 node certificate (serverAuth and
// clientAuth, for 127.0.0.1) from a CA of its own, as pki's node profile
// issues.
func exIdentity(cn string) (*exchange.Identity, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := clock.Now()
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn + " CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, err
	}
	leaf, _ := x509.ParseCertificate(der)
	return &exchange.Identity{Signer: key, Cert: leaf, Chain: []*x509.Certificate{ca}}, nil
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// exSinkClient is the limit's client: the transport the exchange uses
// (HTTP/2, the node certificate as client certificate, the peer's pinned).
func exSinkClient(me, peer *exchange.Identity) *http.Client {
	pinned := exchange.Fingerprint(peer.Cert)
	cert := me.TLS()
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 || exchange.Fingerprint(cs.PeerCertificates[0]) != pinned {
					return fmt.Errorf("wrong peer certificate")
				}
				return nil
			},
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }},
		ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16}}
}

// exMessage is the bench's document: a Công văn with one PDF attached.
func exMessage(docID string, pdf []byte) *edxml.Message {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, locale.VN)
	return &edxml.Message{
		From: edxml.Organization{OrganID: exFromCode, OrganizationInCharge: "UBND tỉnh Demo", OrganName: "Văn phòng UBND tỉnh Demo",
			OrganAdd: "Số 1 đường Hoàng Liên", Email: "vanphong@demo.gov.vn", Telephone: "0214 3840 000", Website: "https://demo.gov.vn"},
		To:         []edxml.Organization{{OrganID: exToCode, OrganName: "Sở Nội vụ tỉnh Quảng Ninh"}},
		DocumentID: docID, CodeNumber: strings.TrimPrefix(docID[strings.LastIndexByte(docID, ',')+1:], "0"), CodeNotation: "UBND-VP",
		Place: "Lào Cai", PromulgationDate: calendar.Date{Year: 2026, Month: 3, Day: 10},
		TypeCode: 1, TypeName: "Công văn",
		Subject: "Về việc triển khai liên thông văn bản điện tử đến cấp xã",
		Content: "Đề nghị các cơ quan, đơn vị khẩn trương thực hiện.",
		Signer:  edxml.SignerInfo{Competence: "TM. Ủy ban nhân dân", Position: "Chủ tịch", FullName: "Nguyễn Văn Á"},
		Trace:   []edxml.TraceHeader{{OrganID: exFromCode, Timestamp: day.Add(8 * time.Hour)}},
		Business: edxml.Business{Type: edxml.BusinessNew, Staff: edxml.StaffInfo{Department: "Phòng Hành chính - Tổ chức", Staff: "Trần Thị Bích",
			Mobile: "0912345678", Email: "bich@demo.gov.vn"}},
		Attachments: []edxml.Attachment{{Name: "cong-van.pdf", MediaType: "application/pdf", Description: "Văn bản đã ký số", Data: pdf}},
	}
}

// exLoop runs fn from n goroutines for d and returns how many ran.
func exLoop(n int, d time.Duration, fn func() error) (int64, time.Duration, error) {
	var count atomic.Int64
	var first error
	var once sync.Once
	start := clock.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clock.Now().Before(deadline) {
				if err := fn(); err != nil {
					once.Do(func() { first = err })
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return count.Load(), clock.Now().Sub(start), first
}

// exLoopN runs fn total times from n goroutines.
func exLoopN(n, total int, fn func() error) (int64, time.Duration, error) {
	var left atomic.Int64
	left.Store(int64(total))
	var first error
	var once sync.Once
	start := clock.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := fn(); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return int64(total), clock.Now().Sub(start), first
}

// paced starts fn rate times a second for d (each in its own goroutine)
// and returns the durations fn reports.
func paced(rate int, d time.Duration, fn func() (time.Duration, error)) ([]time.Duration, error) {
	var mu sync.Mutex
	var out []time.Duration
	var first error
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	deadline := clock.Now().Add(d)
	for clock.Now().Before(deadline) {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			took, err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			if took > 0 {
				out = append(out, took)
			}
		}()
	}
	wg.Wait()
	return out, first
}
