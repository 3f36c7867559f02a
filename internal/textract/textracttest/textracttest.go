// Package textracttest makes the PDFs the text extraction is tested with:
// a real PDF with a Vietnamese text layer, and a scan of it (the page
// rendered to an image by pdftoppm and wrapped alone in a new PDF, with no
// text layer), as a scanner makes them.
package textracttest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// TextPDF is a real PDF whose first line is title and the others rows,
// in the embedded Vietnamese font with its ToUnicode map (as the platform
// prints registers).
func TextPDF(t testing.TB, title string, lines ...string) []byte {
	t.Helper()
	var rows [][]string
	for _, l := range lines {
		rows = append(rows, []string{l})
	}
	var b bytes.Buffer
	if err := pdfgen.Table(&b, pdfgen.TableDoc{Title: []string{title}, Columns: []pdfgen.Column{{Title: "Nội dung"}}, Rows: rows, FontSize: 16}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Scan renders pdf's first page to a grey image at 150 dpi (pdftoppm,
// which the caller checks is installed) and wraps the image alone in a
// new PDF.
func Scan(t testing.TB, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "text.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
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
	return ImagePDF(t, img)
}

// ImagePDF writes a one-page PDF showing img (8-bit grey, Flate) over the
// whole A4 page.
func ImagePDF(t testing.TB, img image.Image) []byte {
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
