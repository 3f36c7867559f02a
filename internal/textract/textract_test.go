package textract

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// textPDF is a real PDF with a Vietnamese text layer (the embedded font
// and its ToUnicode map, as the platform prints registers).
func textPDF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	err := pdfgen.Table(&b, pdfgen.TableDoc{Title: []string{"CÔNG VĂN", "Ủy ban nhân dân thành phố Đà Nẵng"},
		Columns: []pdfgen.Column{{Title: "Trích yếu"}},
		Rows:    [][]string{{"Về việc sửa chữa đường giao thông nông thôn"}, {"Kiện toàn Đảng ủy xã Đông Hòa"}}, FontSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// scannedPDF renders textPDF's first page to a grey image (pdftoppm) and
// wraps the image alone in a new PDF, as a scanner does: no text layer.
func scannedPDF(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "text.pdf")
	if err := os.WriteFile(in, textPDF(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", in, filepath.Join(dir, "scan")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "scan.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return imagePDF(t, img)
}

// imagePDF writes a one-page PDF showing img (8-bit grey, Flate) over the
// whole A4 page.
func imagePDF(t *testing.T, img image.Image) []byte {
	t.Helper()
	bounds := img.Bounds()
	var raw bytes.Buffer
	zw := zlib.NewWriter(&raw)
	row := make([]byte, bounds.Dx())
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			row[x-bounds.Min.X] = byte((r + g + b) / 3 >> 8)
		}
		zw.Write(row)
	}
	zw.Close()
	content := "q 595.28 0 0 841.89 0 0 cm /Im0 Do Q"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream",
			bounds.Dx(), bounds.Dy(), raw.Len(), raw.String()),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func folded(s string) string { return strings.Join(strings.Fields(locale.Fold(s)), " ") }

func TestTextLayerOfARealPDF(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	r, err := PDF(context.Background(), textPDF(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != TextLayer || !strings.Contains(r.Text, "Đà Nẵng") || !strings.Contains(r.Text, "Đảng ủy") {
		t.Fatalf("%s: %q", r.Method, r.Text)
	}
}

// A scan has no text layer: its page is OCRed, and the words come back
// close enough for the folded search ("dang uy", "da nang").
func TestScannedPDFIsOCRed(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	testenv.NeedTool(t, "tesseract", "tesseract-ocr tesseract-ocr-vie")
	scan := scannedPDF(t)
	start := clock.Now()
	r, err := PDF(context.Background(), scan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := folded(r.Text)
	t.Logf("OCR of one A4 page at 300 dpi: %s, %q", clock.Now().Sub(start).Round(time.Millisecond), r.Text)
	if r.Method != OCR || r.Pages != 1 || !strings.Contains(f, "da nang") || !strings.Contains(f, "sua chua duong giao thong") {
		t.Fatalf("%s, %d pages: %q", r.Method, r.Pages, f)
	}
}

// Without the programs the caller learns it (and shows the file as not
// searchable yet); a scan without the OCR programs alike.
func TestMissingToolsAreReported(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	none := func(string) (string, error) { return "", exec.ErrNotFound }
	if _, err := PDF(context.Background(), textPDF(t), Options{LookPath: none}); !errors.Is(err, ErrNoTools) {
		t.Errorf("no pdftotext: %v", err)
	}
	onlyText := func(p string) (string, error) {
		if p == "pdftotext" {
			return exec.LookPath(p)
		}
		return "", exec.ErrNotFound
	}
	empty := imagePDF(t, image.NewGray(image.Rect(0, 0, 20, 20)))
	if _, err := PDF(context.Background(), empty, Options{LookPath: onlyText}); !errors.Is(err, ErrNoTools) {
		t.Errorf("a scan without tesseract: %v", err)
	}
	if _, err := PDF(context.Background(), []byte("not a pdf"), Options{}); err == nil || errors.Is(err, ErrNoTools) {
		t.Errorf("not a PDF: %v", err)
	}
}

// A broken PDF is an error of pdftotext, not a hang or a crash; a time
// cap stops a program that takes too long.
func TestBrokenInputAndTimeout(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	if _, err := PDF(context.Background(), []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >>\n"), Options{}); err == nil {
		t.Error("a truncated PDF gave no error")
	}
	testenv.NeedTool(t, "tesseract", "tesseract-ocr")
	scan := imagePDF(t, image.NewGray(image.Rect(0, 0, 2000, 2000)))
	_, err := PDF(context.Background(), scan, Options{Timeout: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "took longer") {
		t.Errorf("1 ms timeout: %v", err)
	}
}

// What the programs print is outside input too: the kept text is valid
// UTF-8 within the cap, without control characters but line breaks.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Đà Nẵng\fTrang 2", "a\x00b\xff\xfe", "ủy\r\n", strings.Repeat("ạ", 40)} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n%100 + 1
		if n < 1 {
			n = -n + 1
		}
		c := clip(clean(s), n)
		if len(c) > n || !utf8.ValidString(c) || strings.ContainsFunc(c, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
			t.Fatalf("clip(clean(%q), %d) = %q", s, n, c)
		}
	})
}
