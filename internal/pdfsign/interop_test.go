package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"testing"

	dpdf "github.com/digitorus/pdf"
	dsign "github.com/digitorus/pdfsign/sign"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// signWithDigitorus signs in with github.com/digitorus/pdfsign (another
// implementation: adbe.pkcs7.detached, signing-time, Adobe revocation
// archive) as an approval signature.
func signWithDigitorus(t *testing.T, in []byte, key crypto.Signer, chain []*x509.Certificate) []byte {
	t.Helper()
	rdr, err := dpdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = dsign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), dsign.SignData{
		Signature: dsign.SignDataSignature{
			CertType: dsign.ApprovalSignature,
			Info:     dsign.SignDataSignatureInfo{Name: "Other Tool", Reason: "interop", Date: clock.Now()},
		},
		Signer:            key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       chain[0],
		CertificateChains: [][]*x509.Certificate{chain},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestInteropDigitorusThenOurs(t *testing.T) {
	p := pki(t)
	otherChain, otherKey := p.signer("Ký Bằng Công Cụ Khác", nil, nil)
	ourChain, ourKey := p.signer("Ký Bằng Chinhquyen", nil, nil)
	for _, name := range []string{"table.pdf", "objstm-qpdf.pdf"} {
		t.Run(name, func(t *testing.T) {
			first := signWithDigitorus(t, readFixture(t, name), otherKey, otherChain)
			doc, _, err := Sign(t.Context(), first, SignOptions{Signer: ourKey, Chain: ourChain, Level: LevelBT, TimeStamper: p.timeStamper()})
			if err != nil {
				t.Fatal(err)
			}
			externalProof(t, p, doc, "other", "cades")
		})
	}
}

// TestPopplerSameCertTwice documents a poppler 22.12 behaviour: the second
// signature made with the same certificate is reported "Unknown issue with
// Certificate" even when the file comes from another signer.
func TestPopplerSameCertTwice(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Cùng Người Ký Khác", nil, nil)
	doc := signWithDigitorus(t, readFixture(t, "table.pdf"), key, chain)
	doc = signWithDigitorus(t, doc, key, chain)
	t.Log(popplerOutput(t, p, doc))
}
