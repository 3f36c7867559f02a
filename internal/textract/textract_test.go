package textract

import (
	"context"
	"errors"
	"image"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
	"github.com/chinhquyen/chinhquyen/internal/textract/textracttest"
)

func textPDF(t *testing.T) []byte {
	return textracttest.TextPDF(t, "CÔNG VĂN", "Ủy ban nhân dân thành phố Đà Nẵng", "Về việc sửa chữa đường giao thông nông thôn", "Kiện toàn Đảng ủy xã Đông Hòa")
}

func scannedPDF(t *testing.T) []byte { return textracttest.Scan(t, textPDF(t)) }

func imagePDF(t *testing.T, img image.Image) []byte { return textracttest.ImagePDF(t, img) }

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
