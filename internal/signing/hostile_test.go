package signing_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// TestVerifyRefusesTooComplexPDFs feeds the crafted files to the
// validation anyone may call: those beyond pdf.DefaultLimits are refused
// with EINVALID on field "file" and the "quá phức tạp" message the API and
// the /verify page show, the others give a report or an EINVALID error,
// and none of them crashes the process or makes it hold much memory.
func TestVerifyRefusesTooComplexPDFs(t *testing.T) {
	cases := pdftest.Hostile()
	dbtest.Each(t, []db.Migrations{audit.Migrations, pki.Migrations}, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, tc := range cases {
			t.Run(tc.Name, func(t *testing.T) {
				var err error
				peak := pdftest.PeakHeap(func() { _, err = f.svc.Verify(context.Background(), nil, tc.Data) })
				if tc.Readable && err != nil {
					t.Fatalf("got %v, want a report", err)
				}
				if tc.TooComplex {
					var ae *apperr.Error
					if !errors.Is(err, pdf.ErrTooComplex) || !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != "file" ||
						!strings.HasPrefix(ae.Message, "Tệp PDF quá phức tạp") {
						t.Fatalf("got %v; want EINVALID (file) %q…", err, "Tệp PDF quá phức tạp")
					}
				} else if err != nil && apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("not EINVALID: %v", err)
				}
				if peak > 96<<20 {
					t.Errorf("peak heap +%d MB", peak>>20)
				}
			})
		}
	})
}
