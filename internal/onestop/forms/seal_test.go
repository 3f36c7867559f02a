package forms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
)

// TestReceiptSealed: the receipt is sealed by pdfsign as the receiving
// agency's seal would be (a visible seal on page 1) and the seal validates
// TOTAL-PASSED against its certificate as trust anchor, at a fixed time.
func TestReceiptSealed(t *testing.T) {
	now := at("07/12/2026 09:31")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai", Country: []string{"VN"}},
		NotBefore:    now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := Receipt(receiptData())
	if err != nil {
		t.Fatal(err)
	}
	sealed, _, err := pdfsign.Sign(context.Background(), receipt, pdfsign.SignOptions{
		Signer: key, Chain: []*x509.Certificate{cert}, Reason: ReceiptTitle,
		Appearance: pdfsign.CopyAppearance(595.28, 841.89, "Trung tâm Phục vụ hành chính công tỉnh Lào Cai", now),
		Now:        func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := pdfsign.Verify(context.Background(), sealed, pdfsign.VerifyOptions{
		Trust: &pdfsign.TrustStore{Roots: []*x509.Certificate{cert}},
		Now:   func() time.Time { return now.Add(time.Minute) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Indication != pdfsign.TotalPassed {
		t.Fatalf("seal report: %+v", rep)
	}
	// The text is still there after sealing.
	texts, _ := pageText(t, sealed)
	if len(texts) != 1 || texts[0][0] != "ỦY BAN NHÂN DÂN TỈNH LÀO CAI" {
		t.Fatalf("sealed receipt text: %q", texts)
	}
}
