package pdfsign

import (
	"context"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// BenchmarkSignBB signs PDFs of 100 KB, 1 MB and 10 MB at PAdES B-B with a
// software P-256 key (time includes parsing, the update, hashing and the
// output copy).
func BenchmarkSignBB(b *testing.B) {
	p := pki(b)
	chain, key := p.signer("Benchmark", nil, nil)
	for _, size := range []int{100 << 10, 1 << 20, 10 << 20} {
		in := pdftest.New(pdftest.Options{Pages: 3, Size: size})
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify1MBTwoSignatures validates a 1 MB PDF with two B-LT
// signatures offline (revocation data from the DSS).
func BenchmarkVerify1MBTwoSignatures(b *testing.B) {
	p := pki(b)
	ctx := context.Background()
	c1, k1 := p.signer("Lãnh Đạo", nil, nil)
	c2, k2 := p.signer("Cơ Quan", nil, nil)
	doc := pdftest.New(pdftest.Options{Pages: 3, Size: 1 << 20})
	for _, s := range []struct {
		chain []*x509.Certificate
		key   any
	}{{c1, k1}, {c2, k2}} {
		var err error
		opts := SignOptions{Chain: s.chain, Level: LevelBLT, TimeStamper: p.timeStamper(), Revocation: &HTTPRevocationSource{Timeout: 2 * time.Second}, ExtraCerts: []*x509.Certificate{p.root}}
		if s.chain[0] == c1[0] {
			opts.Signer = k1
		} else {
			opts.Signer = k2
		}
		doc, _, err = Sign(ctx, doc, opts)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Verify(ctx, doc, VerifyOptions{Trust: p.trust()})
		if err != nil || rep.Indication != TotalPassed {
			b.Fatalf("%v %v", err, rep.Indication)
		}
	}
}
