package pdfsign

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
)

// needTool skips (outside CI) or fails (in CI) when an external validator
// is not installed.
var needTool = pdfsigntest.NeedTool

var nssOnce sync.Once

// nssDir returns an NSS database trusting the test root.
func nssDir(t testing.TB, p *testPKI) string {
	dir := filepath.Join(p.dir, "nss")
	nssOnce.Do(func() {
		os.MkdirAll(dir, 0o755)
		if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
			t.Fatalf("certutil -N: %v\n%s", err, out)
		}
		if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "testroot", "-t", "CT,C,C", "-i", filepath.Join(p.dir, "root.pem")).CombinedOutput(); err != nil {
			t.Fatalf("certutil -A: %v\n%s", err, out)
		}
	})
	return dir
}

// popplerOutput runs pdfsig with the test root trusted.
func popplerOutput(t testing.TB, p *testPKI, data []byte) string {
	needTool(t, "pdfsig", "poppler-utils")
	needTool(t, "certutil", "libnss3-tools")
	f := filepath.Join(t.TempDir(), "in.pdf")
	os.WriteFile(f, data, 0o644)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nssDir(t, p), f).CombinedOutput()
	return string(out)
}

// extractSig returns the bytes covered by the
// n-th /ByteRange and the DER in its /Contents (pdfsigntest.Extract, which
// the tests of the other packages use too).
func extractSig(data []byte, n int) (covered, der []byte, br [4]int64) {
	covered, der, br, err := pdfsigntest.Extract(data, n)
	if err != nil {
		panic(fmt.Sprintf("extract signature %d: %v", n, err))
	}
	return covered, der, br
}

// externalProof runs every external validator on a signed file: pdfsig
// (valid + trusted per signature, last one covers the whole file), qpdf
// --check, openssl cms -verify for CAdES signatures (and no signingTime),
// openssl ts -verify for document time-stamps, and the ByteRange shape.
// kinds lists "cades" or "ts" per signature, in file order; a final "dss"
// says the file ends with a DSS-only update after the last signature (B-LT),
// so that signature ends at a %%EOF before the end of the file.
func externalProof(t *testing.T, p *testPKI, data []byte, kinds ...string) {
	t.Helper()
	trailingDSS := false
	if len(kinds) > 0 && kinds[len(kinds)-1] == "dss" {
		trailingDSS = true
		kinds = kinds[:len(kinds)-1]
	}
	needTool(t, "pdfsig", "poppler-utils")
	needTool(t, "qpdf", "qpdf")
	needTool(t, "openssl", "openssl")
	needTool(t, "certutil", "libnss3-tools")
	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	os.WriteFile(file, data, 0o644)

	s := popplerOutput(t, p, data)
	n := len(kinds)
	// poppler 22.12 does not verify ETSI.RFC3161 document time-stamps (it
	// prints "Signature Type: unknown"); openssl ts -verify covers those.
	// "cades-repeat" is a second signature by an already used certificate:
	// poppler 22.12 then prints "Unknown issue with Certificate" even for
	// files from other signers (TestPopplerSameCertTwice), so only its
	// integrity is checked by pdfsig; openssl still verifies its chain.
	cades, trusted := 0, 0
	for _, k := range kinds {
		if k != "ts" {
			cades++
		}
		if k != "ts" && k != "cades-repeat" {
			trusted++
		}
	}
	if got := strings.Count(s, "Signature Validation: Signature is Valid."); got != cades {
		t.Errorf("pdfsig: %d valid signatures, want %d\n%s", got, cades, s)
	}
	if got := strings.Count(s, "Certificate Validation: Certificate is Trusted."); got != trusted {
		t.Errorf("pdfsig: %d trusted certificates, want %d\n%s", got, trusted, s)
	}
	if got := strings.Count(s, "Signature Field Name:"); got != n {
		t.Errorf("pdfsig lists %d signatures, want %d\n%s", got, n, s)
	}
	blocks := strings.Split(s, "Signature #")
	if last := blocks[len(blocks)-1]; !trailingDSS && !strings.Contains(last, "Total document signed") {
		t.Errorf("pdfsig: last signature does not cover the whole document\n%s", s)
	}
	for i, k := range kinds {
		want := "ETSI.CAdES.detached"
		if k == "other" {
			want = "adbe.pkcs7.detached"
		}
		if k == "ts" {
			continue // poppler 22.12 prints "unknown"
		}
		if i+1 < len(blocks) && !strings.Contains(blocks[i+1], "Signature Type: "+want) {
			t.Errorf("pdfsig: signature %d type is not %s\n%s", i+1, want, blocks[i+1])
		}
	}

	if strings.Contains(s, "Syntax Error") || strings.Contains(s, "Internal Error") {
		t.Errorf("pdfsig reports structure errors:\n%s", s)
	}
	if out, err := exec.Command("qpdf", "--check", file).CombinedOutput(); err != nil || bytes.Contains(out, []byte("WARNING")) {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}

	eofs := pdf.EOFMarkers(data)
	for i, k := range kinds {
		covered, der, br := extractSig(data, i)
		end := br[2] + br[3]
		if i == n-1 && !trailingDSS && end != int64(len(data)) {
			t.Errorf("last ByteRange ends at %d, file has %d bytes", end, len(data))
		}
		if i < n-1 || trailingDSS {
			atEOF := false
			for _, e := range eofs {
				if e == end || e-1 == end {
					atEOF = true
				}
			}
			if !atEOF && !bytes.HasSuffix(data[:end], []byte("%%EOF")) {
				t.Errorf("signature %d ByteRange ends at %d, not at a %%%%EOF", i+1, end)
			}
		}
		bin := filepath.Join(dir, fmt.Sprintf("sig%d.bin", i))
		derf := filepath.Join(dir, fmt.Sprintf("sig%d.der", i))
		os.WriteFile(bin, covered, 0o644)
		os.WriteFile(derf, der, 0o644)
		if k == "ts" {
			out, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", derf, "-data", bin,
				"-CAfile", filepath.Join(p.dir, "root.pem"), "-untrusted", filepath.Join(p.dir, "tsa.pem")).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("Verification: OK")) {
				t.Errorf("openssl ts -verify (signature %d): %v\n%s", i+1, err, out)
			}
			continue
		}
		if k == "other" {
			continue // not ours: no PAdES attribute checks
		}
		out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", derf, "-content", bin,
			"-CAfile", filepath.Join(p.dir, "root.pem"), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Verification successful")) {
			t.Errorf("openssl cms -verify (signature %d): %v\n%s", i+1, err, out)
		}
		pr, err := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", derf).CombinedOutput()
		if err != nil {
			t.Errorf("openssl cms -cmsout -print: %v\n%s", err, pr)
		}
		// Only our SignerInfo's signed attributes matter: a time-stamp token
		// nested in unsignedAttrs may carry its own signingTime.
		if i := bytes.Index(pr, []byte("unsignedAttrs:")); i >= 0 {
			pr = pr[:i]
		}
		if bytes.Contains(pr, []byte("signingTime")) {
			t.Errorf("signature %d has a signingTime attribute (forbidden in PAdES)", i+1)
		}
		if !bytes.Contains(pr, []byte("id-smime-aa-signingCertificateV2")) {
			t.Errorf("signature %d lacks signing-certificate-v2:\n%s", i+1, pr)
		}
	}
}
