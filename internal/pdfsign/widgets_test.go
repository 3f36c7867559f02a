package pdfsign

import (
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// SignatureWidgets finds where each signature is shown, so the seal can be
// put over the leader's signature.
func TestSignatureWidgets(t *testing.T) {
	p := pki(t)
	leaderChain, leaderKey := p.signer("Lãnh Đạo Tìm Chỗ", nil, nil)
	sealChain, sealKey := p.signer("Cơ Quan Tìm Chỗ", nil, nil)
	in := pdftest.New(pdftest.Options{Pages: 2, Shape: pdftest.ObjStream})
	if ws, err := SignatureWidgets(in); err != nil || len(ws) != 0 {
		t.Fatalf("unsigned file: %v %v", ws, err)
	}
	rect := [4]float64{330, 120, 530, 200}
	doc, _, err := Sign(t.Context(), in, SignOptions{Signer: leaderKey, Chain: leaderChain,
		Appearance: &Appearance{Page: 2, Rect: rect, Image: signatureImage()}})
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err = Sign(t.Context(), doc, SignOptions{Signer: sealKey, Chain: sealChain})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := SignatureWidgets(doc)
	if err != nil || len(ws) != 2 {
		t.Fatalf("%v %v", ws, err)
	}
	if w := ws[0]; !w.Visible() || w.Page != 2 || w.Rect != rect || w.Signer != "Lãnh Đạo Tìm Chỗ" || w.FieldName != "ChuKy1" {
		t.Errorf("leader's widget: %+v", w)
	}
	if w := ws[1]; w.Visible() || w.Signer != "Cơ Quan Tìm Chỗ" {
		t.Errorf("invisible widget: %+v", w)
	}
	if _, err := SignatureWidgets([]byte("%PDF-1.7 broken")); err == nil {
		t.Error("a broken file gave no error")
	}
}
