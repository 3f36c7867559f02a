package signing_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// TestBuildAppearance: the seal without an uploaded image is drawn (the
// agency on its ring), and every appearance shows the signing time as
// dd/mm/yyyy hh:mm:ss +07:00.
func TestBuildAppearance(t *testing.T) {
	in := pdftest.New(pdftest.Options{Pages: 2})
	when := time.Date(2031, 3, 5, 2, 4, 9, 0, time.UTC)
	const shown = "05/03/2031 09:04:09 +07:00"
	cert := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}}
	}
	tests := []struct {
		name      string
		o         signing.AppearanceOptions
		cn        string
		wantSeal  string // the drawn seal's agency, "" for none
		wantLines []string
	}{
		{"seal without image is drawn", signing.AppearanceOptions{Seal: true}, "Ủy ban nhân dân tỉnh Đồng Tháp",
			"Ủy ban nhân dân tỉnh Đồng Tháp", []string{shown}},
		{"seal image with name and time", signing.AppearanceOptions{Seal: true, Image: signaturePNG()}, "UBND",
			"", []string{"UBND", shown}},
		{"personal text", signing.AppearanceOptions{Title: "Chủ tịch"}, "Trần Văn Đức",
			"", []string{"Trần Văn Đức", "Chủ tịch", "Ký số: " + shown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, err := signing.BuildAppearance(in, tt.o, cert(tt.cn), when)
			if err != nil {
				t.Fatal(err)
			}
			if got := ""; ap.Seal != nil {
				got = ap.Seal.Agency
				if got != tt.wantSeal {
					t.Errorf("seal %q, want %q", got, tt.wantSeal)
				}
			} else if tt.wantSeal != "" {
				t.Error("no drawn seal")
			}
			if strings.Join(ap.Lines, "|") != strings.Join(tt.wantLines, "|") {
				t.Errorf("lines %q, want %q", ap.Lines, tt.wantLines)
			}
			if ap.Page != 2 {
				t.Errorf("page %d, want the last", ap.Page)
			}
		})
	}
	// Without a leader's signature nor a rectangle, the drawn seal keeps
	// its 40 mm.
	ap, err := signing.BuildAppearance(in, signing.AppearanceOptions{Seal: true}, cert("UBND"), when)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := ap.Rect[2]-ap.Rect[0], ap.Rect[3]-ap.Rect[1]; w-40 < pdfsign.DefaultSealSize-0.01 || h-12 < pdfsign.DefaultSealSize-0.01 {
		t.Errorf("rect %v too small for a 40 mm seal", ap.Rect)
	}
	if pdfsign.FormatSigningTime(when) != shown {
		t.Fatal("one format")
	}
}
