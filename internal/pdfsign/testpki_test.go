package pdfsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// testPKI is a throwaway CA: root → issuing CA → signers, a TSA with a
// critical timeStamping EKU, and a delegated OCSP responder, all served by
// one httptest server (/tsa, /ocsp, /crl/ca.crl, /crl/root.crl).
type testPKI struct {
	t       testing.TB
	srv     *httptest.Server
	root    *x509.Certificate
	rootKey crypto.Signer
	ca      *x509.Certificate
	caKey   crypto.Signer
	tsa     *x509.Certificate
	tsaKey  crypto.Signer
	ocsp    *x509.Certificate
	ocspKey crypto.Signer
	dir     string // root.pem, tsa.pem

	mu       sync.Mutex
	revoked  map[string]time.Time // serial → revocation time
	tsaMode  atomic.Int32         // 0 ok, 1 HTTP 503, 2 hang until the client gives up
	tsaCalls atomic.Int32
	now      func() time.Time
	serial   int64
}

var (
	sharedPKI     *testPKI
	sharedPKIOnce sync.Once
)

// pki returns the package's shared test PKI (built once: RSA keys are slow).
func pki(t testing.TB) *testPKI {
	sharedPKIOnce.Do(func() { sharedPKI = newTestPKI(t) })
	return sharedPKI
}

func newTestPKI(t testing.TB) *testPKI {
	p := &testPKI{t: t, revoked: map[string]time.Time{}, now: clock.Now}
	dir, err := os.MkdirTemp("", "pdfsign-pki-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tsa", p.serveTSA)
	mux.HandleFunc("POST /ocsp", p.serveOCSP)
	mux.HandleFunc("GET /crl/{name}", p.serveCRL)
	p.srv = httptest.NewServer(mux)

	p.rootKey = ecKey()
	p.root = p.issue(nil, p.rootKey, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Chinhquyen Test Root CA", Organization: []string{"Chinhquyen Test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, 20)
	p.caKey = ecKey()
	p.ca = p.issue(p.root, p.caKey, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Chinhquyen Test Issuing CA", Organization: []string{"Chinhquyen Test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		CRLDistributionPoints: []string{p.srv.URL + "/crl/root.crl"},
	}, 10)
	p.tsaKey = ecKey()
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	p.tsa = p.issue(p.ca, p.tsaKey, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Chinhquyen Test TSA", Organization: []string{"Chinhquyen Test"}, Country: []string{"VN"}},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtraExtensions:       []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
		OCSPServer:            []string{p.srv.URL + "/ocsp"},
		CRLDistributionPoints: []string{p.srv.URL + "/crl/ca.crl"},
	}, 5)
	p.ocspKey = ecKey()
	p.ocsp = p.issue(p.ca, p.ocspKey, &x509.Certificate{
		Subject:         pkix.Name{CommonName: "Chinhquyen Test OCSP Responder", Organization: []string{"Chinhquyen Test"}, Country: []string{"VN"}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}, Value: []byte{0x05, 0x00}}},
	}, 5)
	writePEM(t, filepath.Join(dir, "root.pem"), p.root)
	writePEM(t, filepath.Join(dir, "tsa.pem"), p.tsa, p.ca)
	writePEM(t, filepath.Join(dir, "ca.pem"), p.ca)
	return p
}

func ecKey() crypto.Signer {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k
}

func writePEM(t testing.TB, path string, certs ...*x509.Certificate) {
	var buf bytes.Buffer
	for _, c := range certs {
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// issue signs tmpl with issuer (nil = self-signed) for years years.
func (p *testPKI) issue(issuer *x509.Certificate, key crypto.Signer, tmpl *x509.Certificate, years int) *x509.Certificate {
	p.mu.Lock()
	p.serial++
	tmpl.SerialNumber = big.NewInt(1000 + p.serial)
	p.mu.Unlock()
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = clock.Now().Add(-24 * time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = clock.Now().AddDate(years, 0, 0)
	}
	parent, parentKey := tmpl, key
	if issuer != nil {
		parent = issuer
		parentKey = p.rootKey
		if issuer == p.ca {
			parentKey = p.caKey
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		p.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// signer issues an end-entity signing certificate from the issuing CA.
func (p *testPKI) signer(cn string, key crypto.Signer, mod func(*x509.Certificate)) ([]*x509.Certificate, crypto.Signer) {
	if key == nil {
		key = ecKey()
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"UBND tỉnh Thử Nghiệm"}, Country: []string{"VN"}},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		OCSPServer:            []string{p.srv.URL + "/ocsp"},
		CRLDistributionPoints: []string{p.srv.URL + "/crl/ca.crl"},
	}
	if mod != nil {
		mod(tmpl)
	}
	c := p.issue(p.ca, key, tmpl, 2)
	return []*x509.Certificate{c, p.ca}, key
}

func (p *testPKI) revoke(c *x509.Certificate, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[c.SerialNumber.String()] = at
}

func (p *testPKI) timeStamper() *HTTPTimeStamper {
	return &HTTPTimeStamper{URL: p.srv.URL + "/tsa", Timeout: 2 * time.Second}
}

func (p *testPKI) trust() *TrustStore {
	return &TrustStore{Roots: []*x509.Certificate{p.root}}
}

func (p *testPKI) serveTSA(w http.ResponseWriter, r *http.Request) {
	p.tsaCalls.Add(1)
	switch p.tsaMode.Load() {
	case 1:
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	case 2:
		<-r.Context().Done() // hang until the client gives up
		return
	}
	body, _ := io.ReadAll(r.Body)
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ts := &timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              p.now().UTC(),
		Nonce:             req.Nonce,
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		Accuracy:          time.Second,
		AddTSACertificate: true,
	}
	resp, err := ts.CreateResponseWithOpts(p.tsa, p.tsaKey, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

func (p *testPKI) serveOCSP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := p.now()
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), Certificate: p.ocsp}
	p.mu.Lock()
	if at, ok := p.revoked[req.SerialNumber.String()]; ok {
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = at
		tmpl.RevocationReason = ocsp.KeyCompromise
	}
	p.mu.Unlock()
	der, err := ocsp.CreateResponse(p.ca, p.ocsp, tmpl, p.ocspKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(der)
}

func (p *testPKI) serveCRL(w http.ResponseWriter, r *http.Request) {
	issuer, key := p.ca, p.caKey
	if r.PathValue("name") == "root.crl" {
		issuer, key = p.root, p.rootKey
	}
	now := p.now()
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour)}
	p.mu.Lock()
	for s, at := range p.revoked {
		n, _ := new(big.Int).SetString(s, 10)
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	p.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(der)
}

// rsaKey returns a (cached) RSA-2048 key.
var rsaKeyOnce = sync.OnceValue(func() *rsa.PrivateKey {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	return k
})

var _ = context.Background
