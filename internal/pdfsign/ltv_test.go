package pdfsign

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// dssStreams returns the decoded streams of DSS array key.
func dssStreams(t *testing.T, data []byte, key pdf.Name) [][]byte {
	t.Helper()
	r, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	cat, _, _ := r.Catalog()
	d, _ := r.Dict(cat["DSS"])
	arr, _ := r.Resolve(d[key]).(pdf.Array)
	var out [][]byte
	for _, e := range arr {
		s, _ := r.Resolve(e).(*pdf.Stream)
		b, err := r.DecodeStream(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestDSSWithOpenSSL checks the OCSP responses stored in the DSS with
// openssl ocsp -respin, and the VRI dictionary.
func TestDSSWithOpenSSL(t *testing.T) {
	needTool(t, "openssl", "openssl")
	p := pki(t)
	ctx := context.Background()
	chain, key := p.signer("Dữ Liệu Dài Hạn", nil, nil)
	doc, _, err := Sign(ctx, readFixture(t, "table.pdf"), SignOptions{Signer: key, Chain: chain, Level: LevelBT, TimeStamper: p.timeStamper()})
	if err != nil {
		t.Fatal(err)
	}
	doc, res, err := AddValidationData(ctx, doc, ValidationDataOptions{Revocation: &HTTPRevocationSource{Timeout: 2 * time.Second}, ExtraCerts: []*x509.Certificate{p.root}, VRI: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.OCSPs < 2 || res.CRLs < 1 || res.Certs < 5 {
		t.Errorf("result %+v", res)
	}
	externalProof(t, p, doc, "cades", "dss")
	dir := t.TempDir()
	issuerPEM := filepath.Join(p.dir, "ca.pem")
	certs := map[string]*x509.Certificate{"signer": chain[0], "tsa": p.tsa}
	good := 0
	for i, o := range dssStreams(t, doc, "OCSPs") {
		f := filepath.Join(dir, "resp.der")
		os.WriteFile(f, o, 0o644)
		for name, c := range certs {
			cf := filepath.Join(dir, name+".pem")
			writePEM(t, cf, c)
			out, _ := exec.Command("openssl", "ocsp", "-respin", f, "-issuer", issuerPEM, "-cert", cf,
				"-CAfile", filepath.Join(p.dir, "root.pem"), "-no_nonce").CombinedOutput()
			if bytes.Contains(out, []byte("Response verify OK")) && bytes.Contains(out, []byte(": good")) {
				good++
				t.Logf("DSS OCSP %d: %s good", i, name)
			}
		}
	}
	if good < 2 {
		t.Errorf("openssl verified %d DSS OCSP responses as good, want 2 (signer and TSA)", good)
	}
	r, _ := pdf.Open(doc)
	cat, _, _ := r.Catalog()
	d, _ := r.Dict(cat["DSS"])
	vri, ok := r.Resolve(d["VRI"]).(pdf.Dict)
	if !ok || len(vri) != 1 {
		t.Fatalf("VRI %v", d["VRI"])
	}
	for k := range vri {
		if len(k) != 40 || bytes.ToUpper([]byte(k)) == nil || string(bytes.ToUpper([]byte(k))) != string(k) {
			t.Errorf("VRI key %q is not uppercase SHA-1 hex", k)
		}
	}
	// A second call adds nothing new (de-duplication) but stays valid.
	doc2, res2, err := AddValidationData(ctx, doc, ValidationDataOptions{Revocation: &HTTPRevocationSource{}, ExtraCerts: []*x509.Certificate{p.root}})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Certs != 0 {
		t.Errorf("certificates added twice: %+v", res2)
	}
	rep := verifyDoc(t, p, doc2, false, time.Time{})
	wantSig(t, rep, 0, TotalPassed, "")
}

// TestTextStampGolden: the stamp update is deterministic, so its bytes are
// pinned (font subset, appearance stream, annotation, xref).
func TestTextStampGolden(t *testing.T) {
	in := readFixture(t, "table.pdf")
	out, err := AddTextStamp(in, StampOptions{Page: 1, X: 72, Y: 700, Text: "Số: 05/QĐ-UBND, ngày 25/11/2026", Name: "so-ky-hieu"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[:len(in)], in) {
		t.Fatal("original bytes changed")
	}
	golden(t, "stamp.golden.pdf", out)
	if _, err := exec.LookPath("qpdf"); err == nil {
		f := filepath.Join(t.TempDir(), "s.pdf")
		os.WriteFile(f, out, 0o644)
		if o, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
			t.Errorf("qpdf: %v %s", err, o)
		}
	}
	if len(out)-len(in) > 40_000 {
		t.Errorf("stamp adds %d bytes", len(out)-len(in))
	}
}
