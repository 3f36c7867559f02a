package documents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// A signed PDF is registered with its validation report (Circular
// 41/2017/TT-BTTTT); one whose signed bytes changed in transit is
// registered too, never silently: its report says TOTAL-FAILED and the
// attachment's status is invalid. A PDF without signatures says so.
func TestSignedPDFAttachmentsKeepTheirValidationReport(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var h http.Handler = http.NotFoundHandler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
		t.Cleanup(srv.Close)
		p, err := pkitest.Setup(ctx, d, t.TempDir(), srv.URL, pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h = p.Handler
		sig, err := signing.New(signing.Config{DB: d, PKI: p.Service, Audit: p.Audit})
		if err != nil {
			t.Fatal(err)
		}
		cert, err := p.IssueOfficial(ctx, "Lãnh Đạo Sở", "QT-0002")
		if err != nil {
			t.Fatal(err)
		}
		f := setup(t, d, p.Audit, sig)
		signed, err := sig.Sign(f.ctx, p.Holder, signing.SignRequest{PDF: pdftest.New(pdftest.Options{}), Serial: cert.Serial,
			Level: pdfsign.LevelBB, Invisible: true, Reason: "Ký ban hành"})
		if err != nil {
			t.Fatal(err)
		}
		broken := bytes.Clone(signed.PDF)
		// A byte of the binary comment after the header: the file still
		// reads, but the signed bytes no longer hash to the signature.
		i := bytes.IndexByte(broken, '\n') + 2
		broken[i] ^= 0x01

		for _, c := range []struct {
			name, symbol string
			pdf          []byte
			status       string
		}{
			{"intact", "11/UBND-VP", signed.PDF, ""},
			{"broken in transit", "12/UBND-VP", broken, documents.SigInvalid},
			{"unsigned", "13/UBND-VP", pdftest.New(pdftest.Options{}), documents.SigNone},
		} {
			id := f.upload(t, clerk, "van-ban.pdf", c.pdf, access.Internal)
			r := f.req(c.symbol)
			r.Attachments = []string{id}
			doc, err := f.svc.RegisterIncoming(f.ctx, clerk, r)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got, err := f.svc.Get(f.ctx, specialist, doc.ID)
			if err != nil || len(got.Attachments) != 1 {
				t.Fatalf("%s: %+v %v", c.name, got, err)
			}
			a := got.Attachments[0]
			var rep pdfsign.Report
			if err := json.Unmarshal(a.SignatureReport, &rep); err != nil {
				t.Fatalf("%s: report %q: %v", c.name, a.SignatureReport, err)
			}
			switch {
			case c.status == "" && (a.SignatureStatus != documents.SigValid || len(rep.Signatures) != 1):
				t.Errorf("%s: status %q, %d signatures", c.name, a.SignatureStatus, len(rep.Signatures))
			case c.status == documents.SigInvalid && (a.SignatureStatus != c.status || rep.Signatures[0].Indication != pdfsign.TotalFailed):
				t.Errorf("%s: status %q, report %+v", c.name, a.SignatureStatus, rep.Signatures)
			case c.status == documents.SigNone && (a.SignatureStatus != c.status || len(rep.Signatures) != 0):
				t.Errorf("%s: status %q", c.name, a.SignatureStatus)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'documents.incoming.register' AND summary LIKE '%invalid%'`); n != 1 {
			t.Errorf("%d audit entries record the broken signature, want 1", n)
		}
	})
}
