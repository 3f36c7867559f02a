package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// needTool skips (or, in CI, fails) when a Debian tool is missing.
func needTool(t *testing.T, tool, pkg string) {
	t.Helper()
	testenv.NeedTool(t, tool, pkg)
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	t.Helper()
	var buf bytes.Buffer
	for _, c := range certs {
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// startCA runs a CA behind a real loopback HTTP server whose URL is the
// certificates' base URL, so AIA/CDP point at it.
func startCA(t *testing.T, alg pki.KeyAlgorithm) (*pkitest.Fixture, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	f, err := pkitest.Setup(context.Background(), dbtest.SQLite(t), t.TempDir(), base, pkitest.Options{Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = f.Handler.Mux()
	srv.Start()
	t.Cleanup(srv.Close)
	return f, srv
}

func TestExternalValidatorsAcceptOurCA(t *testing.T) {
	needTool(t, "openssl", "openssl")
	for _, alg := range []pki.KeyAlgorithm{pki.ECDSAP256, pki.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			ctx := context.Background()
			f, srv := startCA(t, alg)
			dir := t.TempDir()
			root, issuing := f.Init.Root.Certificate, f.Init.Issuing.Certificate
			writePEM(t, filepath.Join(dir, "root.pem"), root)
			writePEM(t, filepath.Join(dir, "issuing.pem"), issuing)
			writePEM(t, filepath.Join(dir, "chain.pem"), issuing, root)
			writePEM(t, filepath.Join(dir, "tsa.pem"), f.Init.TSA.X509)
			// Without certReq the token carries no certificates: the
			// verifier needs the TSA's issuing CA as well.
			writePEM(t, filepath.Join(dir, "tsa-chain.pem"), f.Init.TSA.X509, issuing)

			good, err := f.IssueOfficial(ctx, "Nguyễn Văn An", "CCCD:045089001234")
			if err != nil {
				t.Fatal(err)
			}
			bad, err := f.IssueOfficial(ctx, "Trần Thị Bình", "CCCD:045089005678")
			if err != nil {
				t.Fatal(err)
			}
			f.Directory.SetAgency(45, pki.Subject{CommonName: "Ủy ban nhân dân xã Cam Hiếu", AgencyCode: "H48.23.15.000.00045", Province: "Quảng Trị"})
			seal, err := f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "seal", AgencyID: 45})
			if err != nil {
				t.Fatal(err)
			}
			writePEM(t, filepath.Join(dir, "good.pem"), good.X509)
			writePEM(t, filepath.Join(dir, "bad.pem"), bad.X509)
			writePEM(t, filepath.Join(dir, "seal.pem"), seal.X509)
			if _, err := f.Service.Revoke(ctx, f.Actor, bad.Serial, pki.ReasonKeyCompromise, "mất token"); err != nil {
				t.Fatal(err)
			}

			for _, leaf := range []string{"good.pem", "bad.pem", "seal.pem", "tsa.pem"} {
				out, err := run(t, dir, "openssl", "verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", leaf)
				if err != nil || !strings.Contains(out, leaf+": OK") {
					t.Errorf("openssl verify %s: %v\n%s", leaf, err, out)
				}
			}
			text, _ := run(t, dir, "openssl", "x509", "-in", "good.pem", "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space")
			for _, want := range []string{"Digital Signature, Non Repudiation", "OCSP - URI:" + srv.URL + "/pki/ocsp",
				"CA Issuers - URI:" + srv.URL + "/pki/ca/issuing.crt", "URI:" + srv.URL + "/pki/crl/issuing.crl",
				"CN=Nguyễn Văn An", "UID=CCCD:045089001234", "title=Chuyên viên", "C=VN"} {
				if !strings.Contains(text, want) {
					t.Errorf("certificate text lacks %q:\n%s", want, text)
				}
			}
			text, _ = run(t, dir, "openssl", "x509", "-in", "tsa.pem", "-noout", "-text")
			if !strings.Contains(text, "X509v3 Extended Key Usage: critical") || !strings.Contains(text, "Time Stamping") {
				t.Errorf("TSA certificate lacks critical EKU timeStamping:\n%s", text)
			}

			// OCSP through the live responder: with nonce (fresh signature)
			// and without (pre-signed answer).
			for _, c := range []struct{ cert, issuer, want string }{
				{"good.pem", "issuing.pem", "good.pem: good"},
				{"bad.pem", "issuing.pem", "bad.pem: revoked"},
				{"seal.pem", "issuing.pem", "seal.pem: good"},
				{"issuing.pem", "root.pem", "issuing.pem: good"},
			} {
				for _, nonce := range []bool{true, false} {
					args := []string{"ocsp", "-issuer", c.issuer, "-cert", c.cert, "-url", srv.URL + "/pki/ocsp", "-CAfile", "root.pem"}
					if !nonce {
						args = append(args, "-no_nonce")
					}
					out, err := run(t, dir, "openssl", args...)
					if err != nil || !strings.Contains(out, "Response verify OK") || !strings.Contains(out, c.want) ||
						strings.Contains(out, "WARNING") {
						t.Errorf("openssl ocsp %s nonce=%v: %v\n%s", c.cert, nonce, err, out)
					}
				}
			}
			out, _ := run(t, dir, "openssl", "ocsp", "-issuer", "issuing.pem", "-cert", "bad.pem", "-url", srv.URL+"/pki/ocsp", "-CAfile", "root.pem", "-resp_text")
			if !strings.Contains(out, "Reason: keyCompromise") {
				t.Errorf("revoked answer lacks the reason:\n%s", out)
			}

			// CRL: signature and revocation check.
			crl := get(t, srv.URL+"/pki/crl/issuing.crl", "application/pkix-crl")
			os.WriteFile(filepath.Join(dir, "issuing.crl"), crl, 0o644)
			out, err = run(t, dir, "openssl", "crl", "-inform", "DER", "-in", "issuing.crl", "-CAfile", "chain.pem", "-noout")
			if err != nil || !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl: %v\n%s", err, out)
			}
			if _, err := run(t, dir, "openssl", "crl", "-inform", "DER", "-in", "issuing.crl", "-out", "issuing.crl.pem"); err != nil {
				t.Fatal(err)
			}
			bundle := append(append(mustRead(t, dir, "root.pem"), mustRead(t, dir, "issuing.pem")...), mustRead(t, dir, "issuing.crl.pem")...)
			os.WriteFile(filepath.Join(dir, "bundle.pem"), bundle, 0o644)
			out, err = run(t, dir, "openssl", "verify", "-crl_check", "-CAfile", "bundle.pem", "bad.pem")
			if err == nil || !strings.Contains(out, "certificate revoked") {
				t.Errorf("openssl verify -crl_check accepted a revoked certificate: %v\n%s", err, out)
			}
			out, err = run(t, dir, "openssl", "verify", "-crl_check", "-CAfile", "bundle.pem", "good.pem")
			if err != nil || !strings.Contains(out, "good.pem: OK") {
				t.Errorf("openssl verify -crl_check good: %v\n%s", err, out)
			}
			rootCRL := get(t, srv.URL+"/pki/crl/root.crl", "application/pkix-crl")
			os.WriteFile(filepath.Join(dir, "root.crl"), rootCRL, 0o644)
			if out, err := run(t, dir, "openssl", "crl", "-inform", "DER", "-in", "root.crl", "-CAfile", "root.pem", "-noout"); err != nil || !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl root: %v\n%s", err, out)
			}

			// CA certificates as published.
			if der := get(t, srv.URL+"/pki/ca/issuing.crt", "application/pkix-cert"); !bytes.Equal(der, issuing.Raw) {
				t.Error("/pki/ca/issuing.crt is not the issuing CA certificate")
			}
			if p := get(t, srv.URL+"/pki/ca/root.pem", "application/x-pem-file"); !bytes.Contains(p, []byte("BEGIN CERTIFICATE")) {
				t.Error("/pki/ca/root.pem is not PEM")
			}

			// TSA: with and without nonce/certReq.
			os.WriteFile(filepath.Join(dir, "doc.bin"), []byte("Quyết định số 123/QĐ-UBND"), 0o644)
			for _, q := range [][]string{{"-cert"}, {"-no_nonce"}, {"-sha512", "-cert"}} {
				args := append([]string{"ts", "-query", "-data", "doc.bin", "-out", "q.tsq"}, q...)
				if !strings.Contains(strings.Join(q, " "), "sha512") {
					args = append(args, "-sha256")
				}
				if out, err := run(t, dir, "openssl", args...); err != nil {
					t.Fatalf("openssl ts -query: %v\n%s", err, out)
				}
				resp := post(t, srv.URL+"/pki/tsa", "application/timestamp-query", mustRead(t, dir, "q.tsq"), "application/timestamp-reply")
				os.WriteFile(filepath.Join(dir, "r.tsr"), resp, 0o644)
				untrusted := "tsa.pem"
				if q[0] == "-no_nonce" {
					untrusted = "tsa-chain.pem"
				}
				out, err := run(t, dir, "openssl", "ts", "-verify", "-in", "r.tsr", "-queryfile", "q.tsq", "-CAfile", "root.pem", "-untrusted", untrusted)
				if err != nil || !strings.Contains(out, "Verification: OK") {
					t.Errorf("openssl ts -verify %v: %v\n%s", q, err, out)
				}
				out, err = run(t, dir, "openssl", "ts", "-verify", "-in", "r.tsr", "-data", "doc.bin", "-CAfile", "root.pem", "-untrusted", untrusted)
				if err != nil || !strings.Contains(out, "Verification: OK") {
					t.Errorf("openssl ts -verify -data %v: %v\n%s", q, err, out)
				}
				text, _ := run(t, dir, "openssl", "ts", "-reply", "-in", "r.tsr", "-text")
				for _, want := range []string{"Status: Granted.", "Policy OID: " + pki.DefaultTSAPolicy, "Accuracy: 0x01 seconds"} {
					if !strings.Contains(text, want) {
						t.Errorf("TSA reply lacks %q:\n%s", want, text)
					}
				}
			}
			// An unsupported hash is rejected in-band.
			run(t, dir, "openssl", "ts", "-query", "-data", "doc.bin", "-sha1", "-out", "q1.tsq")
			resp := post(t, srv.URL+"/pki/tsa", "application/timestamp-query", mustRead(t, dir, "q1.tsq"), "application/timestamp-reply")
			os.WriteFile(filepath.Join(dir, "r1.tsr"), resp, 0o644)
			text, _ = run(t, dir, "openssl", "ts", "-reply", "-in", "r1.tsr", "-text")
			if !strings.Contains(text, "Status: Rejected") || !strings.Contains(text, "unrecognized or unsupported algorithm identifier") {
				t.Errorf("SHA-1 query not rejected with badAlg:\n%s", text)
			}
		})
	}
}

func mustRead(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func get(t *testing.T, url, wantType string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
		t.Fatalf("GET %s: %d %s\n%s", url, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return body
}

func post(t *testing.T, url, ct string, body []byte, wantType string) []byte {
	t.Helper()
	resp, err := http.Post(url, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
		t.Fatalf("POST %s: %d %s\n%s", url, resp.StatusCode, resp.Header.Get("Content-Type"), out)
	}
	return out
}

// TestInProcessTimestampAndRevocation checks the in-process TSA (for the
// PDF signer) with openssl and the revocation evidence with x509.
func TestInProcessTimestampAndRevocation(t *testing.T) {
	needTool(t, "openssl", "openssl")
	ctx := context.Background()
	f, _ := startCA(t, pki.ECDSAP256)
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "root.pem"), f.Init.Root.Certificate)
	writePEM(t, filepath.Join(dir, "tsa.pem"), f.Init.TSA.X509)
	digest := sha256.Sum256([]byte("byte range của tệp PDF"))
	token, err := f.Service.Timestamp(ctx, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "token.der"), token, 0o644)
	out, err := run(t, dir, "openssl", "ts", "-verify", "-token_in", "-in", "token.der", "-digest", hex.EncodeToString(digest[:]),
		"-CAfile", "root.pem", "-untrusted", "tsa.pem")
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify -token_in: %v\n%s", err, out)
	}
	c, err := f.IssueOfficial(ctx, "Lý Thị Nga", "CCCD:3")
	if err != nil {
		t.Fatal(err)
	}
	o, crlDER, err := f.Service.RevocationFor(ctx, c.X509)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ocsp.ParseResponseForCert(o, c.X509, f.Init.Issuing.Certificate); err != nil || r.Status != ocsp.Good {
		t.Fatalf("OCSP evidence: %v", err)
	}
	if crl, err := x509.ParseRevocationList(crlDER); err != nil || crl.CheckSignatureFrom(f.Init.Issuing.Certificate) != nil {
		t.Fatalf("CRL evidence: %v", err)
	}
	if _, _, err := f.Service.RevocationFor(ctx, f.Init.Root.Certificate); err != nil {
		t.Fatalf("revocation evidence for the root itself: %v", err)
	}
}
