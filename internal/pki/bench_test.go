package pki_test

import (
	"bytes"
	"context"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// Benchmarks report ops/s; bench/ turns them into ratios. They are never
// timed assertions.

func benchCA(b *testing.B) (*pkitest.Fixture, *pki.Certificate) {
	b.Helper()
	f, err := pkitest.Setup(context.Background(), dbtest.SQLite(b), b.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := f.IssueOfficial(context.Background(), "Bùi Văn Khoa", "CCCD:1")
	if err != nil {
		b.Fatal(err)
	}
	return f, c
}

func opsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkOCSPHandler serves OCSP POSTs through the HTTP handler in
// process (no network): pre-signed answers and nonce (fresh signature).
func BenchmarkOCSPHandler(b *testing.B) {
	f, c := benchCA(b)
	for _, nonce := range []bool{false, true} {
		name := "presigned"
		if nonce {
			name = "nonce"
		}
		b.Run(name, func(b *testing.B) {
			req := pkitest.OCSPRequest(c.X509, f.Init.Issuing.Certificate, nonce)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					r := httptest.NewRequest(http.MethodPost, "/pki/ocsp", bytes.NewReader(req))
					r.Header.Set("Content-Type", "application/ocsp-request")
					f.Handler.ServeHTTP(w, r)
					if w.Code != 200 || w.Body.Len() < 100 {
						b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
					}
				}
			})
			opsPerSecond(b)
		})
	}
}

// BenchmarkOCSPLoopback is the same over a real loopback HTTP server with
// keep-alive clients (what a relying party sees).
func BenchmarkOCSPLoopback(b *testing.B) {
	f, c := benchCA(b)
	srv := httptest.NewServer(f.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, nonce := range []bool{false, true} {
		name := "presigned"
		if nonce {
			name = "nonce"
		}
		b.Run(name, func(b *testing.B) {
			req := pkitest.OCSPRequest(c.X509, f.Init.Issuing.Certificate, nonce)
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(srv.URL+"/pki/ocsp", "application/ocsp-request", bytes.NewReader(req))
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || n < 100 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			opsPerSecond(b)
		})
	}
}

// BenchmarkTSA issues RFC 3161 tokens through the handler.
func BenchmarkTSA(b *testing.B) {
	f, _ := benchCA(b)
	req := pkitest.TSAQuery([]byte("Công văn 45/UBND-VP"), 0, big.NewInt(42), true)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/pki/tsa", bytes.NewReader(req))
			r.Header.Set("Content-Type", "application/timestamp-query")
			f.Handler.ServeHTTP(w, r)
			if w.Code != 200 || w.Body.Len() < 500 {
				b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
			}
		}
	})
	opsPerSecond(b)
}

// BenchmarkIssue issues official certificates with platform-held P-256 keys
// (key file write, certificate, pre-signed OCSP, audit, one transaction).
func BenchmarkIssue(b *testing.B) {
	f, _ := benchCA(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.IssueOfficial(ctx, "Cán bộ thử", "CCCD:2"); err != nil {
			b.Fatal(err)
		}
	}
	opsPerSecond(b)
}
