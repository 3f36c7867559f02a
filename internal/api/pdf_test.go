package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// TestVerifyPDFRefusesTooComplexFiles posts the crafted files that exceed
// the reader's limits to the public validation endpoint: each answer is a
// documented 400 EINVALID on field "file" with the "quá phức tạp" message,
// and the process is still there to give it.
func TestVerifyPDFRefusesTooComplexFiles(t *testing.T) {
	cases := pdftest.Hostile()
	dbtest.Each(t, []db.Migrations{audit.Migrations, pki.Migrations}, func(t *testing.T, d *db.DB) {
		f, err := pkitest.Setup(context.Background(), d, t.TempDir(), "http://127.0.0.1:1", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := signing.New(signing.Config{DB: d, PKI: f.Service, Audit: f.Audit})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Signing: svc, Now: fixedNow}).Register(mux)
		for _, tc := range cases {
			if !tc.TooComplex {
				continue
			}
			t.Run(tc.Name, func(t *testing.T) {
				req := httptest.NewRequest("POST", "/api/v1/pdf/verify", bytes.NewReader(tc.Data))
				req.Header.Set("Content-Type", "application/pdf")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if err := apitest.Check("POST", "/api/v1/pdf/verify", rec.Code, rec.Body.Bytes()); err != nil {
					t.Error(err)
				}
				var body httpx.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				e := body.Error
				if rec.Code != http.StatusBadRequest || e.Code != apperr.Invalid || e.Field != "file" || !strings.HasPrefix(e.Message, "Tệp PDF quá phức tạp") {
					t.Fatalf("%d %+v", rec.Code, e)
				}
			})
		}
	})
}
