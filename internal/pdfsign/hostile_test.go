package pdfsign

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// TestVerifyHostileFiles validates and signs the crafted files in-process:
// validation refuses those that exceed pdf.DefaultLimits with an EINVALID
// "quá phức tạp" error, nothing crashes (a stack overflow would end the
// test binary), errors are EINVALID, and the heap stays small.
func TestVerifyHostileFiles(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Người Ký", nil, nil)
	trust := p.trust()
	const ceiling = 3 * 32 << 20 // three times pdf.DefaultLimits.MaxDecoded
	for _, tc := range pdftest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			var verr, serr error
			peak := pdftest.PeakHeap(func() {
				_, verr = Verify(context.Background(), tc.Data, VerifyOptions{Trust: trust})
				_, _, serr = Sign(context.Background(), tc.Data, SignOptions{Signer: key, Chain: chain})
			})
			t.Logf("verify: %v; sign: %v; peak heap +%d MB", verr, serr, peak>>20)
			if tc.Readable && verr != nil {
				t.Fatalf("verify: %v, want a report", verr)
			}
			if tc.TooComplex {
				if !errors.Is(verr, pdf.ErrTooComplex) || !strings.Contains(apperr.MessageOf(verr), "quá phức tạp") {
					t.Fatalf("verify: %v, want pdf.ErrTooComplex with its message", verr)
				}
			}
			for _, err := range []error{verr, serr} {
				if err != nil && apperr.CodeOf(err) != apperr.Invalid {
					t.Errorf("not EINVALID: %v", err)
				}
			}
			if peak > ceiling {
				t.Errorf("peak heap +%d MB, want at most %d MB", peak>>20, ceiling>>20)
			}
		})
	}
}
