package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// testCA is a node's own root CA, which issues its node certificates and
// their renewals (as pki.NodeIdentity does: same subject, new key).
type testCA struct {
	key    *ecdsa.PrivateKey
	cert   *x509.Certificate
	serial int64
}

func newTestCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := clock.Now()
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"UBND"}},
		NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{key: key, cert: c, serial: 1}
}

// issue makes a node certificate for 127.0.0.1 with a new key, valid from
// notBefore.
func (ca *testCA) issue(t *testing.T, cn string, notBefore time.Time) *exchange.Identity {
	t.Helper()
	ca.serial++
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"UBND"}},
		NotBefore: notBefore, NotAfter: notBefore.Add(30 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return &exchange.Identity{Signer: key, Cert: leaf, Chain: []*x509.Certificate{ca.cert}}
}

func (n *node) setIdentity(id *exchange.Identity) {
	n.mu.Lock()
	n.id = id
	n.mu.Unlock()
}

func (n *node) identity() *exchange.Identity {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.id
}

// TestRenewalKeepsTrust: two nodes pin each other (certificate, CA and
// subject); each renews its node certificate with a new key from the same
// CA, and packages keep flowing both ways without any operator action —
// including one signed with the old key before the renewal and delivered
// after it. Each side pins the renewed certificate once (audited
// exchange.peer.renewed); a certificate with the same subject from another
// CA, or from the same CA with another subject, is still refused.
func TestRenewalKeepsTrust(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d2 := dbtest.Open(t, d.Dialect, modules...)
		prov := newNode(t, d, "Nút tỉnh Lào Cai", []exchange.Agency{{Code: "H24", Name: "UBND tỉnh Lào Cai"}}, exchange.Options{})
		min := newNode(t, d2, "Nút Bộ Nội vụ", []exchange.Agency{{Code: "G09", Name: "Bộ Nội vụ"}}, exchange.Options{})
		provCA, minCA := newTestCA(t, "CA tỉnh Lào Cai"), newTestCA(t, "CA Bộ Nội vụ")
		start := clock.Now().Add(-time.Hour)
		prov.setIdentity(provCA.issue(t, "Nút tỉnh Lào Cai", start))
		min.setIdentity(minCA.issue(t, "Nút Bộ Nội vụ", start))
		pMin, err := prov.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: min.url, CertPEM: certPEM(min.identity().Cert)})
		if err != nil {
			t.Fatal(err)
		}
		if pMin.CA == nil || !pMin.CA.Equal(minCA.cert) || pMin.Subject != min.identity().Cert.Subject.String() {
			t.Fatalf("pinned CA %v subject %q", pMin.CA, pMin.Subject)
		}
		pProv, err := min.svc.AddPeer(ctx, admin, exchange.AddPeerRequest{URL: prov.url, CertPEM: certPEM(prov.identity().Cert)})
		if err != nil {
			t.Fatal(err)
		}
		send := func(from *node, fromCode, toCode, doc string) {
			t.Helper()
			enqueue(t, from, exchange.Outbound{ToCode: toCode, DocumentID: doc, Kind: exchange.KindDocument, Package: docPackage(from, fromCode, toCode, doc)})
		}
		delivered := func(from *node, doc string) {
			t.Helper()
			waitFor(t, doc+" delivered", func() bool {
				m := outbound(t, from.db, doc)
				return m.State == "delivered" && m.ReceiptStatus == exchange.StatusArrived
			})
		}
		send(prov, "H24", "G09", "H24,2026,1")
		send(min, "G09", "H24", "G09,2026,1")
		delivered(prov, "H24,2026,1")
		delivered(min, "G09,2026,1")

		// A package the ministry signed with its old key, delivered after
		// the renewal.
		early := docPackage(min, "G09", "H24", "G09,2026,2")
		// The ministry renews: a new key, same subject, same CA.
		min.setIdentity(minCA.issue(t, "Nút Bộ Nội vụ", start.Add(time.Minute)))
		send(prov, "H24", "G09", "H24,2026,2") // prov meets the renewal as the server's certificate
		delivered(prov, "H24,2026,2")
		enqueue(t, min, exchange.Outbound{ToCode: "H24", DocumentID: "G09,2026,2", Kind: exchange.KindDocument, Package: early})
		send(min, "G09", "H24", "G09,2026,3")
		delivered(min, "G09,2026,2")
		delivered(min, "G09,2026,3")
		if prov.recv.count("G09,2026,2") != 1 || prov.recv.count("G09,2026,3") != 1 || min.recv.count("H24,2026,2") != 1 {
			t.Fatal("packages after the ministry's renewal not registered once")
		}
		if p, _ := prov.svc.Peer(ctx, admin, pMin.ID); p.Fingerprint != exchange.Fingerprint(min.identity().Cert) || p.Previous == nil {
			t.Fatalf("province pins %s, want the renewed %s", p.Fingerprint, exchange.Fingerprint(min.identity().Cert))
		}

		// The province renews: the ministry meets it as the client's
		// certificate first.
		prov.setIdentity(provCA.issue(t, "Nút tỉnh Lào Cai", start.Add(2*time.Minute)))
		send(prov, "H24", "G09", "H24,2026,3")
		send(min, "G09", "H24", "G09,2026,4")
		delivered(prov, "H24,2026,3")
		delivered(min, "G09,2026,4")
		if p, _ := min.svc.Peer(ctx, admin, pProv.ID); p.Fingerprint != exchange.Fingerprint(prov.identity().Cert) {
			t.Fatalf("ministry pins %s, want the renewed province certificate", p.Fingerprint)
		}
		if p, err := prov.svc.RefreshPeer(ctx, admin, pMin.ID); err != nil || len(p.Agencies) != 1 {
			t.Fatalf("directory after renewal: %+v %v", p, err)
		}
		if n := countAudit(t, prov.db, "exchange.peer.renewed", audit.OutcomeOK); n != 1 {
			t.Fatalf("province recorded %d renewals, want 1", n)
		}
		if n := countAudit(t, min.db, "exchange.peer.renewed", audit.OutcomeOK); n != 1 {
			t.Fatalf("ministry recorded %d renewals, want 1", n)
		}

		// Not renewals: the same subject from another CA, another subject
		// from the same CA, and an older certificate than the pinned one.
		forged := newTestCA(t, "CA tỉnh Lào Cai").issue(t, "Nút tỉnh Lào Cai", start.Add(3*time.Minute))
		other := provCA.issue(t, "Nút giả", start.Add(3*time.Minute))
		older := provCA.issue(t, "Nút tỉnh Lào Cai", start.Add(-time.Minute))
		for name, id := range map[string]*exchange.Identity{"another CA": forged, "another subject": other, "older": older} {
			if resp, _ := post(t, id, min, sign(testHeader{From: "H24", To: "G09", DocumentID: "H24,2026,9", Kind: exchange.KindDocument, Code: "0"}, nil, id)); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%s: HTTP %d", name, resp.StatusCode)
			}
		}
		if n := countAudit(t, min.db, "exchange.peer.renewed", audit.OutcomeOK); n != 1 {
			t.Fatalf("ministry recorded %d renewals after refusals, want 1", n)
		}
	})
}
