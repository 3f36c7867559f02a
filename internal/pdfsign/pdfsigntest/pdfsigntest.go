// Package pdfsigntest runs the external validators on signed PDFs for tests
// outside pdfsign (the signing service, the command line, the web pages):
// poppler's pdfsig with an NSS database trusting the test root, qpdf
// --check, and openssl cms -verify on the bytes of each /ByteRange, the
// same checks pdfsign's own tests make (external_test.go). A missing tool
// skips the test with the Debian package to install, or fails it when CI is
// set.
package pdfsigntest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// NeedTool skips (outside CI) or fails (in CI) when a tool is missing, and
// skips real-clock validators in a run whose clock is moved ahead.
func NeedTool(t testing.TB, tool, pkg string) {
	t.Helper()
	testenv.NeedTool(t, tool, pkg)
}

// NSS returns a fresh NSS database (for pdfsig -nssdir) trusting the
// certificates in rootPEM.
func NSS(t testing.TB, rootPEM string) string {
	t.Helper()
	NeedTool(t, "certutil", "libnss3-tools")
	dir := filepath.Join(t.TempDir(), "nss")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "testroot", "-t", "CT,C,C", "-i", rootPEM).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v\n%s", err, out)
	}
	return dir
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// Extract returns the bytes covered by the n-th /ByteRange of data (file
// order) and the DER in its /Contents, trailing zero padding removed.
func Extract(data []byte, n int) (covered, der []byte, br [4]int64, err error) {
	m := byteRangeRE.FindAllSubmatch(data, -1)
	if n >= len(m) {
		return nil, nil, br, fmt.Errorf("no /ByteRange number %d (file has %d)", n, len(m))
	}
	for i := range 4 {
		br[i], _ = strconv.ParseInt(string(m[n][i+1]), 10, 64)
	}
	if br[0]+br[1] > br[2] || br[2]+br[3] > int64(len(data)) {
		return nil, nil, br, fmt.Errorf("/ByteRange %v outside the file", br)
	}
	covered = append(append([]byte(nil), data[br[0]:br[0]+br[1]]...), data[br[2]:br[2]+br[3]]...)
	raw, err := hex.DecodeString(string(bytes.TrimSpace(data[br[0]+br[1]+1 : br[2]-1])))
	if err != nil {
		return nil, nil, br, err
	}
	if len(raw) < 4 || raw[0] != 0x30 {
		return nil, nil, br, fmt.Errorf("/Contents is not a DER SEQUENCE")
	}
	l := int(raw[1])
	total := 2 + l
	if l >= 0x80 {
		nb := l & 0x7f
		v := 0
		for _, b := range raw[2 : 2+nb] {
			v = v<<8 | int(b)
		}
		total = 2 + nb + v
	}
	if total > len(raw) {
		return nil, nil, br, fmt.Errorf("/Contents DER longer than its room")
	}
	return covered, raw[:total], br, nil
}

// Check runs pdfsig, qpdf and openssl on data: signatures CAdES signatures
// (PAdES, not document time-stamps) must each be "Signature is Valid." and
// "Certificate is Trusted." (rootPEM trusted), the last one must cover the
// whole file unless dssLast (a B-LT file ends with a DSS update), qpdf
// --check must pass without warnings, and openssl cms -verify must accept
// each CAdES signature over its /ByteRange bytes, with no signingTime
// attribute. It returns pdfsig's output.
func Check(t testing.TB, data []byte, rootPEM string, signatures int, dssLast bool) string {
	t.Helper()
	NeedTool(t, "pdfsig", "poppler-utils")
	NeedTool(t, "qpdf", "qpdf")
	NeedTool(t, "openssl", "openssl")
	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	nss := NSS(t, rootPEM)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, file).CombinedOutput()
	s := string(out)
	if got := strings.Count(s, "Signature Validation: Signature is Valid."); got != signatures {
		t.Errorf("pdfsig: %d valid signatures, want %d\n%s", got, signatures, s)
	}
	if got := strings.Count(s, "Certificate Validation: Certificate is Trusted."); got != signatures {
		t.Errorf("pdfsig: %d trusted certificates, want %d\n%s", got, signatures, s)
	}
	blocks := strings.Split(s, "Signature #")
	if last := blocks[len(blocks)-1]; !dssLast && !strings.Contains(last, "Total document signed") {
		t.Errorf("pdfsig: the last signature does not cover the whole document\n%s", s)
	}
	if strings.Contains(s, "Syntax Error") || strings.Contains(s, "Internal Error") {
		t.Errorf("pdfsig reports structure errors:\n%s", s)
	}
	if q, err := exec.Command("qpdf", "--check", file).CombinedOutput(); err != nil || bytes.Contains(q, []byte("WARNING")) {
		t.Errorf("qpdf --check: %v\n%s", err, q)
	}
	found := 0
	for i := 0; found < signatures; i++ {
		covered, der, _, err := Extract(data, i)
		if err != nil {
			t.Errorf("signature %d: %v", i+1, err)
			break
		}
		pr, _ := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", writeTemp(t, dir, fmt.Sprintf("p%d.der", i), der)).CombinedOutput()
		if bytes.Contains(pr, []byte("id-smime-ct-TSTInfo")) && !bytes.Contains(pr, []byte("signingCertificateV2")) {
			continue // a document time-stamp (openssl ts checks those)
		}
		found++
		bin := writeTemp(t, dir, fmt.Sprintf("sig%d.bin", i), covered)
		derf := writeTemp(t, dir, fmt.Sprintf("sig%d.der", i), der)
		v, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", derf, "-content", bin,
			"-CAfile", rootPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		if err != nil || !bytes.Contains(v, []byte("Verification successful")) {
			t.Errorf("openssl cms -verify (signature %d): %v\n%s", i+1, err, v)
		}
		if j := bytes.Index(pr, []byte("unsignedAttrs:")); j >= 0 {
			pr = pr[:j]
		}
		if bytes.Contains(pr, []byte("signingTime")) {
			t.Errorf("signature %d has a signingTime attribute (forbidden in PAdES)", i+1)
		}
	}
	return s
}

func writeTemp(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
