package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// The shared-prefix hasher gives the same digests as hashing each range.
func TestPrefixHasherMatchesRangeDigest(t *testing.T) {
	data := make([]byte, 200_000)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	var ranges [][4]int64
	var offs []int64
	for range 20 {
		a := int64(rand.IntN(len(data) - 10))
		gap := int64(rand.IntN(8))
		c := a + gap
		d := int64(rand.IntN(len(data) - int(c)))
		ranges = append(ranges, [4]int64{0, a, c, d})
		offs = append(offs, a)
	}
	p := newPrefixHasher(data, offs[:10]) // half the offsets unprepared
	for _, br := range ranges {
		if got, want := p.rangeDigest(br, crypto.SHA256), rangeDigest(data, br, crypto.SHA256); !bytes.Equal(got, want) {
			t.Fatalf("range %v: digests differ", br)
		}
		if got, want := p.rangeDigest(br, crypto.SHA512), rangeDigest(data, br, crypto.SHA512); !bytes.Equal(got, want) {
			t.Fatalf("range %v (SHA-512): digests differ", br)
		}
	}
	whole := rangeDigest(data, [4]int64{0, int64(len(data)), int64(len(data)), 0}, crypto.SHA256)
	if !bytes.Equal(p.sum(), whole) {
		t.Fatal("whole-file digest differs")
	}
}

// A remembered chain is only reused inside its certificates' validity:
// outside it the chain is built again and the expiry reported.
func TestRememberedChainKeepsTheValidityCheck(t *testing.T) {
	p := pki(t)
	chain, _ := p.signer("Chuỗi Nhớ", nil, nil)
	v := &verifier{opts: VerifyOptions{Trust: p.trust()}}
	now := clock.Now()
	if _, err := v.chain(chain[0], now, chain[1:], x509.ExtKeyUsageAny); err != nil {
		t.Fatal(err)
	}
	if _, err := v.chain(chain[0], now.Add(time.Hour), chain[1:], x509.ExtKeyUsageAny); err != nil {
		t.Fatalf("remembered chain refused inside its validity: %v", err)
	}
	_, err := v.chain(chain[0], now.AddDate(50, 0, 0), chain[1:], x509.ExtKeyUsageAny)
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("a chain 50 years later: %v, want expired", err)
	}
	// Another trust store is another key: no chain without its root.
	stranger := p.issue(nil, ecKey(), &x509.Certificate{Subject: pkix.Name{CommonName: "Gốc Lạ"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, 1)
	other := &verifier{opts: VerifyOptions{Trust: &TrustStore{Roots: []*x509.Certificate{stranger}}}}
	if _, err := other.chain(chain[0], now, chain[1:], x509.ExtKeyUsageAny); err == nil {
		t.Fatal("a chain remembered for one trust store was used for another")
	}
}
