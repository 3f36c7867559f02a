package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/hsm"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// osslCA is a certificate authority made by the openssl command line
// (`openssl req -x509` and `openssl ca`), with a CRL served on loopback.
type osslCA struct {
	t   *testing.T
	dir string
	crl []byte
}

func openssl(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newOsslCA(t *testing.T) *osslCA {
	t.Helper()
	pdfsigntest.NeedTool(t, "openssl", "openssl")
	ca := &osslCA{t: t, dir: t.TempDir()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(ca.crl)
	}))
	t.Cleanup(srv.Close)
	cnf := `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
[ signer ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:` + srv.URL + `/ca.crl
[ crl_ext ]
authorityKeyIdentifier = keyid
`
	for name, content := range map[string]string{"ca.cnf": cnf, "index.txt": "", "serial": "1000\n", "crlnumber": "1000\n"} {
		os.WriteFile(filepath.Join(ca.dir, name), []byte(content), 0o600)
	}
	os.Mkdir(filepath.Join(ca.dir, "newcerts"), 0o700)
	openssl(t, ca.dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
		"-days", "3650", "-utf8", "-subj", "/C=VN/O=CA Thử Nghiệm OpenSSL/CN=CA Thử Nghiệm OpenSSL",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	ca.genCRL()
	return ca
}

func (ca *osslCA) path(name string) string { return filepath.Join(ca.dir, name) }

// issue signs a CSR for key (passin: "" or "pass:…") with extra openssl ca
// arguments (validity dates).
func (ca *osslCA) issue(name, key, passin, cn string, extra ...string) string {
	args := []string{"req", "-new", "-key", key, "-utf8", "-subj", "/C=VN/O=UBND tỉnh Thử Nghiệm/CN=" + cn, "-out", name + ".csr"}
	if passin != "" {
		args = append(args, "-passin", passin)
	}
	openssl(ca.t, ca.dir, args...)
	openssl(ca.t, ca.dir, append([]string{"ca", "-batch", "-config", "ca.cnf", "-extensions", "signer", "-utf8", "-notext",
		"-in", name + ".csr", "-out", name + ".pem"}, extra...)...)
	return ca.path(name + ".pem")
}

func (ca *osslCA) genCRL() {
	openssl(ca.t, ca.dir, "ca", "-config", "ca.cnf", "-gencrl", "-crlexts", "crl_ext", "-out", "crl.pem")
	openssl(ca.t, ca.dir, "crl", "-in", "crl.pem", "-outform", "DER", "-out", "ca.crl")
	ca.crl, _ = os.ReadFile(ca.path("ca.crl"))
}

func (ca *osslCA) revoke(cert string) {
	openssl(ca.t, ca.dir, "ca", "-config", "ca.cnf", "-revoke", cert, "-crl_reason", "keyCompromise")
	ca.genCRL()
}

func testPNG(c color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 80))
	for x := 10; x < 190; x++ {
		for d := -2; d <= 2; d++ {
			img.Set(x, 40+(x%30)-15+d, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// runPDF runs a pdf command with extra environment variables.
func runPDF(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for _, k := range []string{envKeyPassword, envPKCS11PIN} {
		t.Setenv(k, env[k])
	}
	return runCmd(t, args...)
}

// `chinhquyen pdf sign` with keys and certificates made by openssl (an
// encrypted PKCS#8 RSA key, a SEC1 EC key, a PKCS#1 RSA key), a time stamp
// from our TSA over HTTP, a leader's signature then a seal over it: every
// output passes pdfsig, qpdf and openssl cms; `pdf verify` says
// TOTAL-PASSED (text and JSON) and exits 0.
func TestPDFSignAndVerifyWithAnOpenSSLCA(t *testing.T) {
	ca := newOsslCA(t)
	dir := t.TempDir()
	// Our own CA's TSA, reached over HTTP like any other TSA.
	var h http.Handler = http.NotFoundHandler()
	tsaSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(tsaSrv.Close)
	f, err := pkitest.Setup(context.Background(), dbtest.SQLite(t), t.TempDir(), tsaSrv.URL, pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h = f.Handler
	tsaRoot := filepath.Join(dir, "tsa-root.pem")
	os.WriteFile(tsaRoot, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Init.Root.Certificate.Raw}), 0o644)

	openssl(t, ca.dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc", "-pass", "pass:Mật-khẩu-khóa-1", "-out", "leader.key")
	leader := ca.issue("leader", "leader.key", "pass:Mật-khẩu-khóa-1", "Nguyễn Văn Lãnh Đạo")
	openssl(t, ca.dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "seal.key")
	seal := ca.issue("seal", "seal.key", "", "UBND TỈNH THỬ NGHIỆM")
	openssl(t, ca.dir, "genrsa", "-traditional", "-out", "pkcs1.key", "2048")
	pkcs1 := ca.issue("pkcs1", "pkcs1.key", "", "Trần Chuyên Viên")
	if k, _ := os.ReadFile(ca.path("leader.key")); !bytes.Contains(k, []byte("ENCRYPTED PRIVATE KEY")) {
		t.Fatal("openssl did not write an encrypted PKCS#8 key")
	}
	if k, _ := os.ReadFile(ca.path("seal.key")); !bytes.Contains(k, []byte("EC PRIVATE KEY")) {
		t.Fatal("openssl did not write a SEC1 key")
	}
	if k, _ := os.ReadFile(ca.path("pkcs1.key")); !bytes.Contains(k, []byte("RSA PRIVATE KEY")) {
		t.Fatal("openssl did not write a PKCS#1 key")
	}
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, pdftest.New(pdftest.Options{Pages: 2, Shape: pdftest.ObjStream}), 0o644)
	sigPNG, sealPNG := filepath.Join(dir, "sig.png"), filepath.Join(dir, "seal.png")
	os.WriteFile(sigPNG, testPNG(color.NRGBA{B: 0xc0, A: 0xff}), 0o644)
	os.WriteFile(sealPNG, testPNG(color.NRGBA{R: 0xd0, A: 0xe0}), 0o644)

	leaderOut := filepath.Join(dir, "leader.pdf")
	code, out, errOut := runPDF(t, map[string]string{envKeyPassword: "Mật-khẩu-khóa-1"}, "pdf", "sign", "--in", in, "--out", leaderOut,
		"--key", ca.path("leader.key"), "--cert", leader, "--chain", ca.path("ca.pem"), "--level", "B-T", "--tsa", tsaSrv.URL+"/pki/tsa",
		"--page", "2", "--rect", "330,90,200,80", "--image", sigPNG, "--reason", "Ký ban hành", "--location", "Lào Cai")
	if code != 0 || !strings.Contains(out, "PAdES B-T") {
		t.Fatalf("leader signs: %d\n%s\n%s", code, out, errOut)
	}
	data, _ := os.ReadFile(leaderOut)
	pdfsigntest.Check(t, data, ca.path("ca.pem"), 1, false)

	sealOut := filepath.Join(dir, "sealed.pdf")
	code, out, errOut = runPDF(t, nil, "pdf", "sign", "--in", leaderOut, "--out", sealOut, "--key", ca.path("seal.key"),
		"--cert", seal, "--chain", ca.path("ca.pem"), "--seal-over-leader", "--image", sealPNG)
	if code != 0 || !strings.Contains(out, "PAdES B-B") {
		t.Fatalf("seal: %d\n%s\n%s", code, out, errOut)
	}
	data, _ = os.ReadFile(sealOut)
	pdfsigntest.Check(t, data, ca.path("ca.pem"), 2, false)
	ws, err := pdfsign.SignatureWidgets(data)
	if err != nil || len(ws) != 2 || ws[1].Page != 2 || ws[1].Rect[2] <= ws[0].Rect[0] || ws[1].Rect[0] >= ws[0].Rect[0] {
		t.Fatalf("the seal is not over the left of the leader's signature: %+v", ws)
	}

	trust := ca.path("ca.pem") + "," + tsaRoot
	code, out, errOut = runCmd(t, "pdf", "verify", "--in", sealOut, "--trust", trust)
	if code != 0 || !strings.Contains(out, "Kết luận chung: HỢP LỆ (TOTAL-PASSED)") || !strings.Contains(out, "Nguyễn Văn Lãnh Đạo") {
		t.Fatalf("verify: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "pdf", "verify", "--in", sealOut, "--trust", trust, "--json")
	var rep pdfsign.Report
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Indication != pdfsign.TotalPassed || len(rep.Signatures) != 2 || rep.Signatures[0].Level != "B-T" {
		t.Fatalf("verify --json: %d %v\n%s", code, err, out)
	}

	// A PKCS#1 key, invisible.
	plainOut := filepath.Join(dir, "pkcs1.pdf")
	if code, out, errOut := runPDF(t, nil, "pdf", "sign", "--in", in, "--out", plainOut, "--key", ca.path("pkcs1.key"), "--cert", pkcs1,
		"--chain", ca.path("ca.pem"), "--invisible"); code != 0 {
		t.Fatalf("PKCS#1 key: %d\n%s\n%s", code, out, errOut)
	}
	data, _ = os.ReadFile(plainOut)
	pdfsigntest.Check(t, data, ca.path("ca.pem"), 1, false)
}

// Bad input: a clear message, a non-zero exit and no output file — corrupt,
// truncated, encrypted or already tampered PDFs, revoked or expired signer,
// missing or wrong key passphrase, a key of another certificate, a TSA that
// does not answer (fail, or B-B with a warning when asked).
func TestPDFSignRefusesBadInputWithoutPartialOutput(t *testing.T) {
	ca := newOsslCA(t)
	dir := t.TempDir()
	openssl(t, ca.dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "good.key")
	good := ca.issue("good", "good.key", "", "Người Ký Tốt")
	openssl(t, ca.dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "revoked.key")
	revoked := ca.issue("revoked", "revoked.key", "", "Người Bị Thu Hồi")
	ca.revoke(revoked)
	openssl(t, ca.dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "expired.key")
	expired := ca.issue("expired", "expired.key", "", "Người Hết Hạn", "-startdate", "20200101000000Z", "-enddate", "20210101000000Z")
	openssl(t, ca.dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc", "-pass", "pass:dung-roi", "-out", "enc.key")
	enc := ca.issue("enc", "enc.key", "pass:dung-roi", "Người Có Khóa Mã Hóa")

	valid := pdftest.New(pdftest.Options{})
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	in := write("in.pdf", valid)
	signed := filepath.Join(dir, "signed.pdf")
	if code, _, errOut := runPDF(t, nil, "pdf", "sign", "--in", in, "--out", signed, "--key", ca.path("good.key"), "--cert", good, "--chain", ca.path("ca.pem")); code != 0 {
		t.Fatalf("a good signature: %s", errOut)
	}
	sdata, _ := os.ReadFile(signed)
	tampered := write("tampered.pdf", bytes.Replace(sdata, []byte("/Type /Page "), []byte("/Type /Page  "), 1))
	if bytes.Equal(sdata, mustReadFile(t, tampered)) {
		t.Fatal("the tampering did not change the file")
	}
	encPDF, err := os.ReadFile("../../internal/pdf/testdata/encrypted.pdf")
	if err != nil {
		t.Fatal(err)
	}
	// A TSA that never answers (until the test ends).
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)

	goodKey := []string{"--key", ca.path("good.key"), "--cert", good, "--chain", ca.path("ca.pem")}
	cases := []struct {
		name   string
		in     string
		key    []string
		env    map[string]string
		extra  []string
		errHas string
	}{
		{"not a PDF", write("x.pdf", []byte("xin chào, không phải PDF")), goodKey, nil, nil, "không phải tệp PDF"},
		{"corrupt PDF", write("corrupt.pdf", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer garbage")), goodKey, nil, nil, "bị hỏng"},
		{"truncated PDF", write("trunc.pdf", valid[:len(valid)*2/3]), goodKey, nil, nil, "bị hỏng"},
		{"encrypted PDF", write("enc.pdf", encPDF), goodKey, nil, nil, "mã hóa"},
		{"signature already broken", tampered, goodKey, nil, nil, "không còn hợp lệ"},
		{"revoked signer", in, []string{"--key", ca.path("revoked.key"), "--cert", revoked, "--chain", ca.path("ca.pem")}, nil, nil, "đã bị thu hồi"},
		{"expired signer", in, []string{"--key", ca.path("expired.key"), "--cert", expired, "--chain", ca.path("ca.pem")}, nil, nil, "đã hết hạn"},
		{"encrypted key without passphrase", in, []string{"--key", ca.path("enc.key"), "--cert", enc}, nil, nil, envKeyPassword},
		{"wrong passphrase", in, []string{"--key", ca.path("enc.key"), "--cert", enc}, map[string]string{envKeyPassword: "sai"}, nil, "Mật khẩu"},
		{"key of another certificate", in, []string{"--key", ca.path("good.key"), "--cert", revoked}, nil, nil, "không khớp"},
		{"TSA not answering", in, goodKey, nil, []string{"--tsa", hang.URL, "--tsa-timeout", "1s"}, "TSA"},
		{"B-T without a TSA", in, goodKey, nil, []string{"--level", "B-T"}, "TSA"},
		{"seal without a leader's signature", in, goodKey, nil, []string{"--seal-over-leader"}, "chưa có chữ ký hiển thị"},
		{"bad rectangle", in, goodKey, nil, []string{"--rect", "1,2,3"}, "--rect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-")+".pdf")
			args := append(append([]string{"pdf", "sign", "--in", c.in, "--out", out}, c.key...), c.extra...)
			code, stdout, errOut := runPDF(t, c.env, args...)
			if code == 0 || !strings.Contains(errOut, c.errHas) {
				t.Fatalf("exit %d, want an error with %q\n%s\n%s", code, c.errHas, stdout, errOut)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("an output file was left behind: %v", err)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".out-*")); len(m) > 0 {
				t.Fatalf("temporary files left: %v", m)
			}
		})
	}

	// A TSA that does not answer, with --tsa-fallback: B-B and a warning.
	out := filepath.Join(dir, "fallback.pdf")
	code, stdout, errOut := runPDF(t, nil, append(append([]string{"pdf", "sign", "--in", in, "--out", out}, goodKey...),
		"--tsa", hang.URL, "--tsa-timeout", "1s", "--tsa-fallback")...)
	if code != 0 || !strings.Contains(stdout, "PAdES B-B (yêu cầu B-T)") || !strings.Contains(errOut, "Cảnh báo") {
		t.Fatalf("fallback: %d\n%s\n%s", code, stdout, errOut)
	}

	// Verification failures exit non-zero.
	for _, c := range []struct {
		name, file, trust, has string
	}{
		{"tampered", tampered, ca.path("ca.pem"), "TOTAL-FAILED"},
		{"unsigned", in, ca.path("ca.pem"), "không có chữ ký"},
		{"no trust anchor", signed, "", "INDETERMINATE"},
		{"corrupt", write("c2.pdf", []byte("%PDF-1.4 nothing")), "", "bị hỏng"},
	} {
		args := []string{"pdf", "verify", "--in", c.file}
		if c.trust != "" {
			args = append(args, "--trust", c.trust)
		}
		code, stdout, errOut := runCmd(t, args...)
		if code == 0 || !strings.Contains(stdout+errOut, c.has) {
			t.Errorf("verify %s: %d\n%s\n%s", c.name, code, stdout, errOut)
		}
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

// The key lives in a PKCS#11 token (SoftHSM2) and the certificate comes
// from the openssl CA: pdf sign finds the token key of the certificate;
// a wrong PIN is a clear error.
func TestPDFSignWithAPKCS11Token(t *testing.T) {
	if _, err := os.Stat(softhsmModule); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("softhsm2 is missing in CI: apt-get install -y softhsm2")
		}
		t.Skip("softhsm2 not installed: apt-get install -y softhsm2")
	}
	pdfsigntest.NeedTool(t, "softhsm2-util", "softhsm2")
	ca := newOsslCA(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cq-cli", "--so-pin", "5678", "--pin", "1234").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	st, err := hsm.Open(hsm.Config{Module: softhsmModule, TokenLabel: "cq-cli", PIN: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := st.Generate(context.Background(), pki.ECDSAP256, "nguoi-ky")
	if err != nil {
		t.Fatal(err)
	}
	// The openssl CA certifies the token's public key.
	caKey, err := pki.LoadPrivateKey(mustReadFile(t, ca.path("ca.key")), nil)
	if err != nil {
		t.Fatal(err)
	}
	caCerts, _ := pki.LoadCertificates(mustReadFile(t, ca.path("ca.pem")))
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(77),
		Subject:   pkix.Name{CommonName: "Người Ký Bằng Token", Country: []string{"VN"}},
		NotBefore: clock.Now().Add(-time.Hour), NotAfter: clock.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}, caCerts[0], key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cert := filepath.Join(dir, "token.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, pdftest.New(pdftest.Options{}), 0o644)

	out := filepath.Join(dir, "wrong-pin.pdf")
	code, _, errOut := runPDF(t, map[string]string{envPKCS11PIN: "0000"}, "pdf", "sign", "--in", in, "--out", out,
		"--pkcs11-module", softhsmModule, "--pkcs11-label", "cq-cli", "--cert", cert, "--chain", ca.path("ca.pem"))
	if code == 0 || !strings.Contains(errOut, "PIN") {
		t.Fatalf("wrong PIN: %d %s", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("an output file was written with a wrong PIN")
	}
	out = filepath.Join(dir, "token.pdf")
	code, stdout, errOut := runPDF(t, map[string]string{envPKCS11PIN: "1234"}, "pdf", "sign", "--in", in, "--out", out,
		"--pkcs11-module", softhsmModule, "--pkcs11-label", "cq-cli", "--cert", cert, "--chain", ca.path("ca.pem"))
	if code != 0 {
		t.Fatalf("token signature: %d\n%s\n%s", code, stdout, errOut)
	}
	pdfsigntest.Check(t, mustReadFile(t, out), ca.path("ca.pem"), 1, false)
}
