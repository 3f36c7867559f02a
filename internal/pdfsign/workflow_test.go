package pdfsign

import (
	"bytes"
	"context"
	"crypto/x509"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// signatureImage draws a blue handwritten-like stroke on a transparent
// background.
func signatureImage() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 120))
	for x := 10; x < 290; x++ {
		y := 60 + int(35*math.Sin(float64(x)/18)*math.Cos(float64(x)/53))
		for d := -2; d <= 2; d++ {
			img.Set(x, y+d, color.NRGBA{R: 0x10, G: 0x30, B: 0xc0, A: 0xff})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// sealImage draws a red double ring with a star on a transparent
// background.
func sealImage() []byte {
	const n = 200
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xe0}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			r := math.Hypot(float64(x-n/2), float64(y-n/2))
			if (r > 90 && r < 98) || (r > 70 && r < 74) || r < 12 {
				img.Set(x, y, red)
			}
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestWorkflowLeaderStampSealCopy(t *testing.T) {
	p := pki(t)
	ctx := context.Background()
	leaderChain, leaderKey := p.signer("Phạm Văn Chủ Tịch", nil, nil)
	sealChain, sealKey := p.signer("UBND TỈNH THỬ NGHIỆM", nil, nil)
	copyChain, copyKey := p.signer("UBND TỈNH THỬ NGHIỆM (sao y)", nil, nil)
	rev := &HTTPRevocationSource{Timeout: 2 * time.Second}
	in := pdftest.New(pdftest.Options{Pages: 3, Shape: pdftest.ObjStream})

	leaderRect := [4]float64{340, 120, 490, 180}
	doc, res, err := Sign(ctx, in, SignOptions{
		Signer: leaderKey, Chain: leaderChain, Level: LevelBT, TimeStamper: p.timeStamper(),
		Reason: "Ký duyệt văn bản", Appearance: LeaderAppearance(3, leaderRect, signatureImage()),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.FieldName != "ChuKy1" {
		t.Fatalf("field %q", res.FieldName)
	}
	// The seal's instant comes from the same clock as the test CA: a fixed
	// date here made the test fail once the CA's certificates started
	// after it.
	when := clock.Now().In(locale.VN)
	doc, err = AddTextStamp(doc, StampOptions{Page: 1, X: 72, Y: 700, Text: "Số: 05/QĐ-UBND, ngày " + when.Format("02/01/2006"), Name: "so-ky-hieu"})
	if err != nil {
		t.Fatal(err)
	}
	doc, res, err = Sign(ctx, doc, SignOptions{
		Signer: sealKey, Chain: sealChain, Level: LevelBT, TimeStamper: p.timeStamper(), Now: func() time.Time { return when },
		Appearance: SealAppearance(3, leaderRect, 100, sealImage(), "UBND TỈNH THỬ NGHIỆM", when),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.FieldName != "ChuKy2" {
		t.Fatalf("field %q", res.FieldName)
	}
	doc, _, err = Sign(ctx, doc, SignOptions{
		Signer: copyKey, Chain: copyChain, Level: LevelBLTA, TimeStamper: p.timeStamper(), Revocation: rev,
		ExtraCerts: []*x509.Certificate{p.root}, FieldName: "SaoY",
		Appearance: CopyAppearance(595.28, 841.89, "UBND TỈNH THỬ NGHIỆM", when),
	})
	if err != nil {
		t.Fatal(err)
	}
	externalProof(t, p, doc, "cades", "cades", "cades", "ts")

	if _, err := exec.LookPath("pdftoppm"); err == nil {
		dir := t.TempDir()
		f := filepath.Join(dir, "doc.pdf")
		os.WriteFile(f, doc, 0o644)
		out, err := exec.Command("pdftoppm", "-r", "60", "-png", f, filepath.Join(dir, "page")).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("pdftoppm: %v %s", err, out)
		}
		// KEEP_RENDER=FILE keeps the signed document for a look in a viewer.
		if keep := os.Getenv("KEEP_RENDER"); keep != "" {
			if err := os.WriteFile(keep, doc, 0o644); err != nil {
				t.Errorf("keep the rendered document: %v", err)
			}
		}
	}
	// The appearance font is an embedded subset with ToUnicode.
	r, err := pdf.Open(doc)
	if err != nil {
		t.Fatal(err)
	}
	fonts := 0
	for _, n := range r.ObjectNumbers() {
		d, ok := r.Dict(pdf.Ref{Num: n})
		if !ok {
			continue
		}
		if st, _ := d.Name("Subtype"); st == "Type0" {
			fonts++
			if d["ToUnicode"] == nil {
				t.Error("Type0 font without ToUnicode")
			}
			if enc, _ := d.Name("Encoding"); enc != "Identity-H" {
				t.Errorf("encoding %s", enc)
			}
		}
	}
	if fonts < 3 {
		t.Errorf("%d embedded Type0 fonts, want ≥3 (stamp, seal text, copy text)", fonts)
	}
	if len(doc)-len(in) > 400_000 {
		t.Errorf("updates add %d bytes; appearances should stay small", len(doc)-len(in))
	}
}

func TestSealCoversLeftThird(t *testing.T) {
	leader := [4]float64{340, 120, 490, 180}
	a := SealAppearance(1, leader, 100, sealImage(), "UBND", clock.Now())
	// The image is centred horizontally in the widget.
	centre := (a.Rect[0] + a.Rect[2]) / 2
	right := centre + 50
	if math.Abs(right-(340+150.0/3)) > 0.01 {
		t.Fatalf("seal right edge %.2f, want %.2f (left third of the leader's image)", right, 340+150.0/3)
	}
}
