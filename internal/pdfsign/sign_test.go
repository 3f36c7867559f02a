package pdfsign

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "pdf", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// inputShapes are the PDF layouts every level is tested on.
func inputShapes(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"xref-table":     readFixture(t, "table.pdf"),
		"objstm-qpdf":    readFixture(t, "objstm-qpdf.pdf"),
		"hybrid":         readFixture(t, "hybrid.pdf"),
		"multipage-objs": pdftest.New(pdftest.Options{Pages: 7, Shape: pdftest.ObjStream}),
	}
}

func TestSignBB(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Nguyễn Văn A", nil, nil)
	for name, in := range inputShapes(t) {
		t.Run(name, func(t *testing.T) {
			out, res, err := Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain, Reason: "Phê duyệt", Location: "Hà Nội"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Level != LevelBB || res.FieldName != "ChuKy1" {
				t.Errorf("result %+v", res)
			}
			externalProof(t, p, out, "cades")
		})
	}
}

func TestSignRSA(t *testing.T) {
	p := pki(t)
	k := rsaKeyOnce()
	chain, key := p.signer("RSA Signer", k, nil)
	for _, pss := range []bool{false, true} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
			out, _, err := Sign(context.Background(), readFixture(t, "table.pdf"), SignOptions{Signer: key, Chain: chain, RSAPSS: pss, Hash: h})
			if err != nil {
				t.Fatal(err)
			}
			externalProof(t, p, out, "cades")
		}
	}
}
