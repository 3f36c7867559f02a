package pdfsign

import (
	"context"
	"crypto"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "pdf", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// inputShapes are the PDF layouts every level is tested on.
func inputShapes(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"xref-table":     readFixture(t, "table.pdf"),
		"objstm-qpdf":    readFixture(t, "objstm-qpdf.pdf"),
		"hybrid":         readFixture(t, "hybrid.pdf"),
		"multipage-objs": pdftest.New(pdftest.Options{Pages: 7, Shape: pdftest.ObjStream}),
	}
}

func TestSignBB(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Nguyễn Văn A", nil, nil)
	for name, in := range inputShapes(t) {
		t.Run(name, func(t *testing.T) {
			out, res, err := Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain, Reason: "Phê duyệt", Location: "Hà Nội"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Level != LevelBB || res.FieldName != "ChuKy1" {
				t.Errorf("result %+v", res)
			}
			externalProof(t, p, out, "cades")
		})
	}
}

func TestSignRSA(t *testing.T) {
	p := pki(t)
	k := rsaKeyOnce()
	chain, key := p.signer("RSA Signer", k, nil)
	for _, pss := range []bool{false, true} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
			out, _, err := Sign(context.Background(), readFixture(t, "table.pdf"), SignOptions{Signer: key, Chain: chain, RSAPSS: pss, Hash: h})
			if err != nil {
				t.Fatal(err)
			}
			externalProof(t, p, out, "cades")
		}
	}
}

func TestSignBT(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Trần Thị B", nil, nil)
	for name, in := range inputShapes(t) {
		t.Run(name, func(t *testing.T) {
			out, res, err := Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain, Level: LevelBT, TimeStamper: p.timeStamper()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Level != LevelBT || res.TimestampTime == nil {
				t.Fatalf("result %+v", res)
			}
			externalProof(t, p, out, "cades")
			// The token is an unsigned attribute over the signature value.
			_, der, _ := extractSig(out, 0)
			m, err := parseCMS(der)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.unsigned[oidAttrSignatureTimeStamp.String()]) != 1 {
				t.Fatal("no signature-time-stamp attribute")
			}
		})
	}
}

func TestSignTSAUnavailable(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("TSA Down", nil, nil)
	in := readFixture(t, "table.pdf")
	for _, mode := range []int32{1, 2} {
		p.tsaMode.Store(mode)
		ts := p.timeStamper()
		ts.Timeout = 300 * time.Millisecond
		start := clock.Now()
		out, res, err := Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain, Level: LevelBT, TimeStamper: ts})
		if err == nil || out != nil || res != nil || apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("mode %d: want Unavailable error and no output, got %v", mode, err)
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("mode %d: TSA call did not respect its timeout", mode)
		}
		out, res, err = Sign(context.Background(), in, SignOptions{Signer: key, Chain: chain, Level: LevelBLTA, TimeStamper: ts, TSAFallback: true, Revocation: &HTTPRevocationSource{}})
		if err != nil {
			t.Fatalf("mode %d fallback: %v", mode, err)
		}
		if res.Level != LevelBB || res.RequestedLevel != LevelBLTA || len(res.Warnings) == 0 {
			t.Fatalf("mode %d fallback result %+v", mode, res)
		}
		p.tsaMode.Store(0)
		externalProof(t, p, out, "cades")
	}
	p.tsaMode.Store(0)
}

func dssCounts(t *testing.T, data []byte) (certs, ocsps, crls int) {
	t.Helper()
	r, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	cat, _, _ := r.Catalog()
	d, ok := r.Dict(cat["DSS"])
	if !ok {
		t.Fatal("no /DSS in catalog")
	}
	n := func(k pdf.Name) int { a, _ := r.Resolve(d[k]).(pdf.Array); return len(a) }
	return n("Certs"), n("OCSPs"), n("CRLs")
}

func TestSignBLTAndBLTA(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Lê Văn C", nil, nil)
	for name, in := range inputShapes(t) {
		for _, lvl := range []Level{LevelBLT, LevelBLTA} {
			t.Run(name+"/"+string(lvl), func(t *testing.T) {
				out, res, err := Sign(context.Background(), in, SignOptions{
					Signer: key, Chain: chain, Level: lvl, TimeStamper: p.timeStamper(),
					Revocation: &HTTPRevocationSource{Timeout: 2 * time.Second}, ExtraCerts: []*x509.Certificate{p.root},
				})
				if err != nil {
					t.Fatal(err)
				}
				if res.Level != lvl {
					t.Fatalf("level %s, want %s", res.Level, lvl)
				}
				certs, ocsps, crls := dssCounts(t, out)
				// signer, CA, root, TSA, OCSP responder; OCSP for signer and TSA; root's CRL for the CA.
				if certs < 5 || ocsps < 2 || crls < 1 {
					t.Errorf("DSS certs=%d ocsps=%d crls=%d", certs, ocsps, crls)
				}
				if lvl == LevelBLT {
					externalProof(t, p, out, "cades", "dss")
				} else {
					externalProof(t, p, out, "cades", "ts")
				}
			})
		}
	}
}
