package exchange_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// natsServer starts an embedded nats-server with JetStream in a
// temporary directory on a random port and returns its URL.
func natsServer(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, MaxPayload: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

func natsConn(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// useNATS makes svc exchange over the NATS at url until the test ends.
func useNATS(t *testing.T, svc *exchange.Service, url string, o exchange.NATSOptions) {
	t.Helper()
	if err := svc.UseNATS(context.Background(), natsConn(t, url), o); err != nil {
		t.Fatalf("UseNATS: %v", err)
	}
	t.Cleanup(svc.StopNATS)
}

// replica is another Service of n (same database, same node certificate)
// with a receiver of its own, as a second process of the same deployment.
func replica(t *testing.T, n *node, opts exchange.Options) (*exchange.Service, *received) {
	t.Helper()
	log, err := audit.New(n.db, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Audit = log
	opts.Identity = func(context.Context) (*exchange.Identity, error) { return n.identity(), nil }
	opts.Agencies = func(context.Context) ([]exchange.Agency, error) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.agencies, nil
	}
	opts.Codec = testCodec{}
	svc, err := exchange.New(n.db, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &received{}
	svc.SetReceiver(r)
	return svc, r
}

func countRows(t *testing.T, d *db.DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM exchange_messages WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// streamMessages is how many messages wait in the exchange stream.
func streamMessages(t *testing.T, url string) uint64 {
	t.Helper()
	js, err := jetstream.New(natsConn(t, url))
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(context.Background(), exchange.NATSStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestNATSDelivery: with the ministry's HTTPS listener closed, a document
// reaches it over JetStream, its signed receipt 01 comes back on the
// province's subject and is kept with the outbound message, and both
// sides audit the package.
func TestNATSDelivery(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		url := natsServer(t)
		prov, min := pair(t, d, exchange.Options{})
		min.stop()
		useNATS(t, prov.svc, url, exchange.NATSOptions{})
		useNATS(t, min.svc, url, exchange.NATSOptions{})
		pkg := docPackage(prov, "H24", "G09", "H24,2026,501")
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,501", Kind: exchange.KindDocument, Package: pkg})
		waitFor(t, "receipt over NATS", func() bool { return outbound(t, prov.db, "H24,2026,501").State == "delivered" })
		m := outbound(t, prov.db, "H24,2026,501")
		if status, _, err := (testCodec{}).ReadReceipt(m.Receipt, min.id.Cert); err != nil || status != exchange.StatusArrived || m.ReceiptStatus != "01" {
			t.Fatalf("kept receipt: %q %v (%+v)", status, err, m)
		}
		if n := min.recv.count("H24,2026,501"); n != 1 {
			t.Fatalf("registered %d times", n)
		}
		if n := countRows(t, min.db, "direction = 'in' AND state = 'received' AND document_id = $1 AND digest = $2", "H24,2026,501", m.Digest); n != 1 {
			t.Fatalf("%d inbound messages kept", n)
		}
		if countAudit(t, prov.db, "exchange.package.publish", audit.OutcomeOK) != 1 || countAudit(t, prov.db, "exchange.package.send", audit.OutcomeOK) != 1 {
			t.Fatal("the sender did not audit the hand-over and the receipt")
		}
		if countAudit(t, min.db, "exchange.package.receive", audit.OutcomeOK) != 1 {
			t.Fatal("the receiver did not audit the package")
		}
	})
}

// TestNATSReplicasShareWork: two processes of the ministry consume the
// same durable consumer; each takes part of the packages and every package
// is registered exactly once.
func TestNATSReplicasShareWork(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		url := natsServer(t)
		prov, min := pair(t, d, exchange.Options{})
		min.stop()
		second, recv2 := replica(t, min, exchange.Options{})
		slow := func(exchange.Inbound) { time.Sleep(20 * time.Millisecond) }
		min.recv.onReceive, recv2.onReceive = slow, slow
		useNATS(t, prov.svc, url, exchange.NATSOptions{})
		useNATS(t, min.svc, url, exchange.NATSOptions{Batch: 2})
		useNATS(t, second, url, exchange.NATSOptions{Batch: 2})
		const n = 30
		for i := range n {
			doc := fmt.Sprintf("H24,2026,%d", 600+i)
			enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: doc, Kind: exchange.KindDocument, Package: docPackage(prov, "H24", "G09", doc)})
		}
		waitFor(t, "every receipt", func() bool {
			return countRows(t, prov.db, "direction = 'out' AND state = 'delivered'") == n
		})
		first, other := 0, 0
		for i := range n {
			doc := fmt.Sprintf("H24,2026,%d", 600+i)
			a, b := min.recv.count(doc), recv2.count(doc)
			if a+b != 1 {
				t.Fatalf("%s registered %d + %d times", doc, a, b)
			}
			first, other = first+a, other+b
		}
		if first == 0 || other == 0 {
			t.Fatalf("one replica did all the work: %d and %d", first, other)
		}
		if k := countRows(t, min.db, "direction = 'in'"); k != n {
			t.Fatalf("%d inbound messages for %d packages", k, n)
		}
	})
}

// TestNATSUnknownSigner: a package put on the ministry's subject naming the
// province as sender but signed by a key no peer has pinned is refused:
// audited, registered nowhere, answered with a status 02.
func TestNATSUnknownSigner(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		url := natsServer(t)
		prov, min := pair(t, d, exchange.Options{})
		useNATS(t, min.svc, url, exchange.NATSOptions{})
		key, err := min.svc.NATSKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nc := natsConn(t, url)
		reply := "chinhquyen.exchange." + strings.Repeat("ab", 16) + ".receipts"
		sub, err := nc.SubscribeSync(reply)
		if err != nil {
			t.Fatal(err)
		}
		stranger := newIdentity(t, "Kẻ mạo danh")
		msg := nats.NewMsg("chinhquyen.exchange." + key + ".packages")
		msg.Data = sign(testHeader{From: "H24", To: "G09", DocumentID: "H24,2026,701", Kind: exchange.KindDocument, Code: "0"}, []byte("giả mạo"), stranger)
		msg.Header.Set(exchange.HeaderSender, exchange.Fingerprint(prov.id.Cert))
		msg.Header.Set(exchange.HeaderReplyTo, reply)
		msg.Header.Set(exchange.HeaderMessage, "1")
		js, _ := jetstream.New(nc)
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
		got, err := sub.NextMsg(20 * time.Second)
		if err != nil {
			t.Fatalf("no status 02: %v", err)
		}
		status, reason, err := (testCodec{}).ReadReceipt(got.Data, min.id.Cert)
		if err != nil || status != exchange.StatusRefused || !strings.Contains(reason, "không được ký") {
			t.Fatalf("answer %q %q %v", status, reason, err)
		}
		if countAudit(t, min.db, "exchange.package.refuse", audit.OutcomeFailed) != 1 {
			t.Fatal("refusal not audited")
		}
		if min.recv.count("H24,2026,701") != 0 || countRows(t, min.db, "direction = 'in'") != 0 {
			t.Fatal("a forged package was registered")
		}
	})
}

// TestNATSReceiverDown: while the ministry consumes nothing, the package
// waits in the stream (published again after Resend); once the ministry
// is back every copy is consumed and the document registered once.
func TestNATSReceiverDown(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		url := natsServer(t)
		prov, min := pair(t, d, exchange.Options{})
		min.stop()
		useNATS(t, prov.svc, url, exchange.NATSOptions{Resend: 200 * time.Millisecond})
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,801", Kind: exchange.KindDocument,
			Package: docPackage(prov, "H24", "G09", "H24,2026,801")})
		waitFor(t, "copies waiting in the stream", func() bool { return streamMessages(t, url) >= 3 })
		if m := outbound(t, prov.db, "H24,2026,801"); m.State != "sent" || min.recv.count("H24,2026,801") != 0 {
			t.Fatalf("while the receiver is down: %+v", m)
		}
		useNATS(t, min.svc, url, exchange.NATSOptions{})
		waitFor(t, "receipt", func() bool { return outbound(t, prov.db, "H24,2026,801").State == "delivered" })
		waitFor(t, "stream drained", func() bool { return streamMessages(t, url) == 0 })
		if n := min.recv.count("H24,2026,801"); n != 1 {
			t.Fatalf("registered %d times", n)
		}
		if n := countRows(t, min.db, "direction = 'in'"); n != 1 {
			t.Fatalf("%d inbound messages", n)
		}
	})
}

// TestNATSOversized: a package larger than the receiver's
// --exchange-max-package is refused unread: audited, registered nowhere,
// taken off the stream.
func TestNATSOversized(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		url := natsServer(t)
		prov, min := pair(t, d, exchange.Options{})
		min.stop()
		small, recv := replica(t, min, exchange.Options{MaxPackage: 2048})
		useNATS(t, prov.svc, url, exchange.NATSOptions{Resend: time.Hour})
		useNATS(t, small, url, exchange.NATSOptions{})
		big := sign(testHeader{From: "H24", To: "G09", DocumentID: "H24,2026,901", Kind: exchange.KindDocument, Code: "0"}, []byte(strings.Repeat("văn bản ", 1024)), prov.id)
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,901", Kind: exchange.KindDocument, Package: big})
		waitFor(t, "refusal", func() bool { return countAudit(t, min.db, "exchange.package.refuse", audit.OutcomeFailed) == 1 })
		waitFor(t, "stream drained", func() bool { return streamMessages(t, url) == 0 })
		if recv.count("H24,2026,901") != 0 || countRows(t, min.db, "direction = 'in'") != 0 {
			t.Fatal("an oversized package was registered")
		}
		// Handed over, waiting for a receipt that will not come.
		waitFor(t, "hand-over", func() bool { return outbound(t, prov.db, "H24,2026,901").State == "sent" })
	})
}

// TestNATSEDXMLSigner: with the edXML codec a document crosses NATS and
// its signed receipt comes back; when the trust store lets a package
// verify through every pinned peer, the sender is the peer whose own
// certificate signed it, whatever the Chinhquyen-Sender header claims.
func TestNATSEDXMLSigner(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		url := natsServer(t)
		var trusted atomic.Pointer[x509.Certificate]
		codec := exchange.EDXML{Roots: func(context.Context) (*x509.CertPool, error) {
			pool := x509.NewCertPool()
			if ca := trusted.Load(); ca != nil {
				pool.AddCert(ca)
			}
			return pool, nil
		}}
		prov, min := pair(t, d, exchange.Options{Codec: codec})
		other := newNode(t, dbtest.Open(t, d.Dialect, modules...), "Nút Sở Nội vụ", []exchange.Agency{{Code: "H24.10", Name: "Sở Nội vụ"}}, exchange.Options{Codec: codec})
		if _, err := min.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: other.url, CertPEM: certPEM(other.id.Cert), Name: "Sở Nội vụ"}); err != nil {
			t.Fatal(err)
		}
		trusted.Store(prov.id.Chain[0])
		min.stop()
		useNATS(t, prov.svc, url, exchange.NATSOptions{})
		useNATS(t, min.svc, url, exchange.NATSOptions{})

		doc := "H24,2026,1001"
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: doc, Kind: exchange.KindDocument, Package: edxmlDocument(t, prov, "G09", doc)})
		waitFor(t, "edXML receipt over NATS", func() bool { return outbound(t, prov.db, doc).State == "delivered" })

		key, err := min.svc.NATSKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		msg := nats.NewMsg("chinhquyen.exchange." + key + ".packages")
		msg.Data = edxmlDocument(t, prov, "G09", "H24,2026,1002")
		msg.Header.Set(exchange.HeaderSender, exchange.Fingerprint(other.id.Cert))
		msg.Header.Set(exchange.HeaderMessage, "0")
		js, _ := jetstream.New(natsConn(t, url))
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the misleadingly hinted package", func() bool {
			return countRows(t, min.db, "direction = 'in' AND document_id = $1", "H24,2026,1002") == 1
		})
		sender, err := min.svc.PeerFor(ctx, "H24")
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, min.db, "direction = 'in' AND document_id = $1 AND peer_id = $2", "H24,2026,1002", sender.ID); n != 1 {
			var got int64
			_ = min.db.Reader().QueryRowContext(ctx, "SELECT peer_id FROM exchange_messages WHERE document_id = $1", "H24,2026,1002").Scan(&got)
			t.Fatalf("the package was attributed to peer %d, not to its signer %d (%s)", got, sender.ID, sender.Name)
		}
	})
}
