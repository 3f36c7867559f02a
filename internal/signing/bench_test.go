package signing_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// BenchmarkVerify1MBTwoSignatures validates a 1 MB PDF signed by a leader
// and sealed (both B-LT) through the service, as /verify does (bench/ has
// the same figure beside its limit).
func BenchmarkVerify1MBTwoSignatures(b *testing.B) {
	f := setup(&testing.T{}, dbtest.SQLite(b, audit.Migrations, pki.Migrations))
	ctx := context.Background()
	doc := pdftest.New(pdftest.Options{Pages: 3, Size: 1 << 20})
	for _, serial := range []string{f.own.Serial, f.seal.Serial} {
		s, err := f.svc.Sign(ctx, actor.SystemActor("bench"), signing.SignRequest{PDF: doc, Serial: serial, Level: pdfsign.LevelBLT})
		if err != nil {
			b.Fatal(err)
		}
		doc = s.PDF
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := f.svc.Verify(ctx, nil, doc)
		if err != nil || rep.Indication != pdfsign.TotalPassed {
			b.Fatalf("%v %v", err, rep.Indication)
		}
	}
}

// BenchmarkSignBT100KB signs a 100 KB PDF at B-T with the in-process TSA.
func BenchmarkSignBT100KB(b *testing.B) {
	f := setup(&testing.T{}, dbtest.SQLite(b, audit.Migrations, pki.Migrations))
	ctx := context.Background()
	doc := pdftest.New(pdftest.Options{Pages: 3, Size: 100 << 10})
	key, cert, chain, err := f.pki.Service.Signer(ctx, leader, f.own.Serial)
	if err != nil {
		b.Fatal(err)
	}
	full := append([]*x509.Certificate{cert}, chain...)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := pdfsign.Sign(ctx, doc, pdfsign.SignOptions{Signer: key, Chain: full, Level: pdfsign.LevelBT, TimeStamper: f.pki.Service}); err != nil {
			b.Fatal(err)
		}
	}
}
