package docex_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

var sysAdmin = &actor.Actor{AccountID: 1, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: string(access.SystemAdmin)}}}

// nodeIdentity is a node certificate for 127.0.0.1 (server and client
// authentication) from a CA of its own, and a function renewing it: a new
// key and certificate with the same subject from the same CA.
func nodeIdentity(t *testing.T, cn string) (*exchange.Identity, func() *exchange.Identity) {
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
	serial := int64(1)
	issue := func(notBefore time.Time) *exchange.Identity {
		serial++
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore,
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
	first := issue(now.Add(-time.Hour))
	return first, func() *exchange.Identity { return issue(now.Add(-time.Hour).Add(time.Duration(serial) * time.Minute)) }
}

// connect gives n a real exchange service (edXML codec, mutual TLS
// listener on loopback, jobs runner) and rebuilds its docex over it.
func connect(t *testing.T, n *node, code, agencyName string) (*exchange.Service, *exchange.Identity, string, func() *exchange.Identity) {
	t.Helper()
	id, next := nodeIdentity(t, "Nút "+n.name)
	var mu sync.Mutex
	renew := func() *exchange.Identity {
		mu.Lock()
		defer mu.Unlock()
		id = next()
		return id
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "https://" + lis.Addr().String()
	ex, err := exchange.New(n.d, exchange.Options{Audit: n.audit, URL: url, Codec: exchange.EDXML{},
		Identity: func(context.Context) (*exchange.Identity, error) {
			mu.Lock()
			defer mu.Unlock()
			return id, nil
		},
		Agencies: func(context.Context) ([]exchange.Agency, error) {
			return []exchange.Agency{{Code: code, Name: agencyName}}, nil
		},
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: ex.Handler(), TLSConfig: ex.ServerTLS(), ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go srv.ServeTLS(lis, "", "")
	t.Cleanup(func() { srv.Close() })
	r := jobs.NewRunner(n.d, jobs.Options{PollInterval: 10 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	ex.Register(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	n.svc, err = docex.New(n.d, docex.Options{Documents: n.docs, Directory: n.dir, Uploads: n.blob, Audit: n.audit, Exchange: ex})
	if err != nil {
		t.Fatal(err)
	}
	n.docs.SetExchange(n.svc, n.svc)
	n.tasks.SetObserver(n.svc)
	ex.SetReceiver(n.svc)
	return ex, id, url, renew
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := clock.Now().Add(30 * time.Second)
	for !cond() {
		if clock.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The same flow through the real exchange.Service on both sides: packages
// signed with the node key, posted over mutual TLS by the jobs runner,
// opened by the edXML codec and answered with receipts; the issued PDF
// arrives byte for byte with its signatures valid, 03 and the direction's
// 04 come back to the sender's timeline, and a revocation reaches the
// registered document.
func TestDocumentThroughTheExchangeOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b
		exA, idA, urlA, _ := connect(t, a, provinceCode, agencyList[0].Name)
		exB, idB, urlB, _ := connect(t, b, deptCode, agencyList[1].Name)
		ctx := context.Background()
		pemOf := func(c *x509.Certificate) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		if _, err := exA.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlB, CertPEM: pemOf(idB.Cert), Name: "Quảng Ninh"}); err != nil {
			t.Fatal(err)
		}
		if _, err := exB.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlA, CertPEM: pemOf(idA.Cert), Name: "Lào Cai"}); err != nil {
			t.Fatal(err)
		}
		issued, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		var inbox []docex.Received
		waitUntil(t, "the package in B's inbox", func() bool {
			inbox, err = b.svc.Inbox(b.ctx, bClerk)
			return err == nil && len(inbox) == 1
		})
		// The transport receipt (01) lands on the sender's timeline in the
		// transaction that keeps it.
		waitUntil(t, "01 on A's timeline", func() bool {
			return has(timelineKinds(t, a, aClerk, issued.ID), documents.EventRemoteArrived)
		})
		if sent, err := a.svc.Sent(a.ctx, aClerk, issued.ID); err != nil || len(sent) != 1 || sent[0].Status != string(edxml.StatusArrived) {
			t.Fatalf("sent after 01: %+v %v", sent, err)
		}
		if inbox[0].Peer != "Lào Cai" || inbox[0].Symbol != issued.Symbol {
			t.Fatalf("inbox: %+v", inbox[0])
		}
		if one, err := b.svc.Get(b.ctx, bClerk, inbox[0].ID); err != nil || len(one.Files) != 1 || one.Files[0].MediaType != "application/pdf" {
			t.Fatalf("received package: %+v %v", one, err)
		}
		reg, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var issuedAtt documents.Attachment
		for _, at := range issued.Attachments {
			if at.UploadID == issued.Outgoing.IssuedUpload {
				issuedAtt = at
			}
		}
		rc, _, err := a.blob.Open(a.ctx, issuedAtt.UploadID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(rc)
		rc.Close()
		rc, _, err = b.blob.Open(b.ctx, reg.Attachments[0].UploadID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, want) || reg.Attachments[0].SignatureStatus != documents.SigValid {
			t.Fatalf("the PDF at the receiver: equal %v, signatures %s", bytes.Equal(got, want), reg.Attachments[0].SignatureStatus)
		}
		if _, err := b.tasks.Direct(b.ctx, bLeader, reg.ID, tasksDirect()); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "03 and 04 on A's timeline", func() bool {
			k := timelineKinds(t, a, aClerk, issued.ID)
			return has(k, documents.EventRemoteAccepted) && has(k, documents.EventRemoteAssigned)
		})
		sent, err := a.svc.Sent(a.ctx, aClerk, issued.ID)
		if err != nil || len(sent) != 1 || sent[0].Status != string(edxml.StatusAssigned) {
			t.Fatalf("sent: %+v %v", sent, err)
		}
		if err := a.svc.Revoke(a.ctx, aClerk, issued.ID, "Ban hành nhầm nơi nhận"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the revocation on B's document", func() bool {
			return has(timelineKinds(t, b, bClerk, reg.ID), documents.EventRevoked)
		})
		// The revocation's own receipt is not a second arrival.
		waitUntil(t, "A's queue empty", func() bool {
			peers, err := exA.Peers(ctx, sysAdmin)
			return err == nil && len(peers) == 1 && peers[0].Queue == 0
		})
		arrived := 0
		for _, k := range timelineKinds(t, a, aClerk, issued.ID) {
			if k == documents.EventRemoteArrived {
				arrived++
			}
		}
		if arrived != 1 {
			t.Fatalf("%d arrivals on A's timeline, want 1", arrived)
		}
	})
}

// Both nodes renew their node certificates (new keys, same subjects, same
// CAs) and the document flow goes on with no re-pin: the issued document
// reaches the receiver after the receiver's renewal (01 on the sender's
// timeline), and the receiver's 03 reaches the sender after the sender's
// renewal; each side has pinned the other's new certificate.
func TestRenewalThroughTheExchangeOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b
		exA, idA, urlA, renewA := connect(t, a, provinceCode, agencyList[0].Name)
		exB, idB, urlB, renewB := connect(t, b, deptCode, agencyList[1].Name)
		ctx := context.Background()
		pemOf := func(c *x509.Certificate) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		if _, err := exA.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlB, CertPEM: pemOf(idB.Cert), Name: "Quảng Ninh"}); err != nil {
			t.Fatal(err)
		}
		if _, err := exB.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlA, CertPEM: pemOf(idA.Cert), Name: "Lào Cai"}); err != nil {
			t.Fatal(err)
		}
		newB := renewB()
		issued, err := p.issue(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		var inbox []docex.Received
		waitUntil(t, "the package in B's inbox", func() bool {
			inbox, err = b.svc.Inbox(b.ctx, bClerk)
			return err == nil && len(inbox) == 1
		})
		waitUntil(t, "01 on A's timeline", func() bool {
			return has(timelineKinds(t, a, aClerk, issued.ID), documents.EventRemoteArrived)
		})
		newA := renewA()
		if _, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "03 on A's timeline", func() bool {
			return has(timelineKinds(t, a, aClerk, issued.ID), documents.EventRemoteAccepted)
		})
		if peers, err := exA.Peers(ctx, sysAdmin); err != nil || len(peers) != 1 || peers[0].Fingerprint != exchange.Fingerprint(newB.Cert) {
			t.Fatalf("A pins %+v %v, want B's renewed certificate", peers, err)
		}
		waitUntil(t, "B pins A's renewed certificate", func() bool {
			peers, err := exB.Peers(ctx, sysAdmin)
			return err == nil && len(peers) == 1 && peers[0].Fingerprint == exchange.Fingerprint(newA.Cert)
		})
	})
}
