package documents_test

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The list's filters come from a page's query string: any text and
// number give a page or EINVALID, never another error or a panic, and
// never more rows than the reader may read.
func FuzzListQuery(f *testing.F) {
	f.Add("in", 2026, "CV", "khan", "registered", 1, 50)
	f.Add("out", 0, "QĐ", "", "issued", 2, 0)
	f.Add("", -1, "qđ", "hoa_toc", "'; DROP TABLE documents; --", 100001, 1000)
	f.Add("sideways", 12, "XX", "now", "\x00", 0, -5)
	d := dbtest.SQLite(f, modules()...)
	lg, err := audit.New(d, audit.Options{})
	if err != nil {
		f.Fatal(err)
	}
	store, err := blob.NewLocal(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	up, err := blob.New(d, blob.Options{Store: store, Audit: lg})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := documents.New(d, documents.Options{Audit: lg, Uploads: up})
	if err != nil {
		f.Fatal(err)
	}
	ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{}))
	req := documents.IncomingRequest{Symbol: "1/UBND-VP", IssuedOn: calendar.DateOf(clock.Now().In(locale.VN)).AddDays(-1), Sender: "Bộ Nội vụ",
		Type: "CV", Summary: "V/v thử", Urgency: "khan"}
	if _, err := svc.RegisterIncoming(ctx, clerk, req); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, dir string, year int, typ, urgency, status string, page, size int) {
		q := documents.ListQuery{Direction: documents.Direction(dir), Year: year, Type: typ, Urgency: documents.Urgency(urgency), Status: status, Page: page, PageSize: size}
		p, err := svc.List(ctx, otherClerk, q)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%+v: %v", q, err)
			}
			return
		}
		if p.Total != 0 || len(p.Items) != 0 {
			t.Fatalf("another agency's clerk lists %d (%d) with %+v", p.Total, len(p.Items), q)
		}
	})
}
