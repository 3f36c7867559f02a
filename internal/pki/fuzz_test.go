package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
)

// Fuzz targets for every parser of outside input. Seeds are valid inputs
// plus a few truncations; `go test -fuzz FuzzX` explores from there.

func ocspSeed() []byte {
	// openssl ocsp -reqout: SHA-1 CertID + nonce.
	return []byte{0x30, 0x45, 0x30, 0x43, 0x30, 0x41, 0x30, 0x3f, 0x30, 0x3d, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
		0x04, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		0x04, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		0x02, 0x04, 0x01, 0x02, 0x03, 0x04}
}

func FuzzParseOCSPRequest(f *testing.F) {
	f.Add(ocspSeed())
	f.Add(ocspSeed()[:30])
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseOCSPRequest(data)
		if err == nil && (r.serial == nil || len(r.certID) == 0) {
			t.Fatal("accepted request without CertID")
		}
		if err == nil && len(r.nonceExt) > maxNonceExt {
			t.Fatal("accepted oversized nonce")
		}
	})
}

func tsaSeed() []byte {
	// openssl ts -query -sha256 -cert (nonce + certReq).
	d := make([]byte, 32)
	out := []byte{0x30, 0x40, 0x02, 0x01, 0x01, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	out = append(out, d...)
	return append(out, 0x02, 0x05, 0x00, 0x8a, 0xbc, 0xde, 0xf0, 0x01, 0x01, 0xff)[:0x42]
}

func FuzzParseTSARequest(f *testing.F) {
	f.Add(tsaSeed())
	f.Add(tsaSeed()[:20])
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseTSARequest(data)
		if err != nil {
			if _, ok := err.(*tsaReject); !ok {
				t.Fatalf("error is not a rejection: %T", err)
			}
			// A rejection always encodes.
			if out, _ := tsaRejection(err); len(out) == 0 {
				t.Fatal("empty rejection")
			}
			return
		}
		if len(r.imprint) == 0 {
			t.Fatal("accepted request without imprint")
		}
		_ = checkHash(r.hash, r.digest)
	})
}

func FuzzParseCSR(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Nguyễn"}}, k)
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add(der[:len(der)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := ParseCSR(data)
		if err == nil && csr.CheckSignature() != nil {
			t.Fatal("accepted a CSR with a bad signature")
		}
	})
}

func FuzzLoadCertificates(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: randomSerialOrOne(), Subject: pkix.Name{CommonName: "Gốc"}, IsCA: true, BasicConstraintsValid: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	f.Add(append(der, der...))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := LoadCertificates(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no certificates and no error")
		}
	})
}

func FuzzLoadPrivateKey(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	sec1, _ := x509.MarshalECPrivateKey(k)
	enc, _ := EncryptPKCS8(k, []byte("pw"), 2)
	f.Add(p8, []byte(""))
	f.Add(sec1, []byte(""))
	f.Add(enc, []byte("pw"))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}), []byte("pw"))
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		_, _ = LoadPrivateKey(data, pass)
	})
}

func randomSerialOrOne() *big.Int {
	n, err := randomSerial()
	if err != nil {
		return big.NewInt(1)
	}
	return n
}
