package edxml_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// TestPlatformCertificate: a package signed with an official's certificate
// from the platform's own CA (its key held in the key store) verifies
// against that CA's root, with the issuing CA carried in KeyInfo, and is
// refused against another installation's root.
func TestPlatformCertificate(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, pki.Migrations}, func(t *testing.T, d *db.DB) { platformCertificate(t, d) })
}

func platformCertificate(t *testing.T, d *db.DB) {
	ctx := context.Background()
	f, err := pkitest.Setup(ctx, d, t.TempDir(), "http://127.0.0.1:1", pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx = access.WithGuard(ctx, access.NewGuard(access.Options{DB: d, Audit: f.Audit}))
	c, err := f.IssueOfficial(ctx, "Nguyễn Thị Hà", "QT-0101")
	if err != nil {
		t.Fatal(err)
	}
	signer, cert, chain, err := f.Service.Signer(ctx, f.Holder, c.Serial)
	if err != nil {
		t.Fatal(err)
	}
	full := append([]*x509.Certificate{cert}, chain...)
	now := clock.Now()
	m := &edxml.Message{
		From:             edxml.Organization{OrganID: "H48.18", OrganName: pkitest.AgencyName},
		To:               []edxml.Organization{{OrganID: "000.00.01.H22", OrganName: "Sở Nội vụ tỉnh Quảng Ninh"}},
		DocumentID:       "H48.18," + now.Format("2006") + ",7",
		PromulgationDate: calendar.DateOf(now),
		Subject:          "Về việc báo cáo số liệu quý",
	}
	pkg, err := edxml.Build(m, signer, full)
	if err != nil {
		t.Fatal(err)
	}
	p, err := edxml.Parse(pkg, edxml.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	right := x509.NewCertPool()
	right.AddCert(f.Init.Root.Certificate)
	if rep, err := edxml.Verify(p, right, now); err != nil {
		t.Fatalf("right root: %v %v", err, rep.Problems)
	} else if rep.SignedBy == nil || rep.SignedBy.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		t.Fatalf("signed by %v", rep.SignedBy)
	}

	other := dbtest.SQLite(t, audit.Migrations, pki.Migrations)
	g, err := pkitest.Setup(ctx, other, t.TempDir(), "http://127.0.0.1:1", pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wrong := x509.NewCertPool()
	wrong.AddCert(g.Init.Root.Certificate)
	if _, err := edxml.Verify(p, wrong, now); edxml.ReasonOf(err) != edxml.ReasonUntrusted {
		t.Fatalf("wrong root: %v", err)
	}
}
