package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// TestKeysFromOpenSSLLoad reads every key format openssl writes.
func TestKeysFromOpenSSLLoad(t *testing.T) {
	needTool(t, "openssl", "openssl")
	dir := t.TempDir()
	pass := "mật khẩu 123"
	sh := func(args ...string) {
		t.Helper()
		if out, err := run(t, dir, "openssl", args...); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	sh("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.p8")
	sh("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.p8")
	sh("ec", "-in", "ec.p8", "-out", "ec.sec1")
	sh("rsa", "-in", "rsa.p8", "-traditional", "-out", "rsa.pkcs1")
	sh("pkcs8", "-topk8", "-in", "ec.p8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-passout", "pass:"+pass, "-out", "ec.enc256")
	sh("pkcs8", "-topk8", "-in", "rsa.p8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-passout", "pass:"+pass, "-out", "rsa.enc1")
	sh("pkcs8", "-topk8", "-in", "ec.p8", "-v2", "aes-192-cbc", "-passout", "pass:"+pass, "-outform", "DER", "-out", "ec.enc.der")
	sh("pkcs8", "-topk8", "-in", "ec.p8", "-nocrypt", "-outform", "DER", "-out", "ec.p8.der")
	sh("rsa", "-in", "rsa.p8", "-traditional", "-aes256", "-passout", "pass:"+pass, "-out", "rsa.legacy")
	sh("ec", "-in", "ec.p8", "-aes128", "-passout", "pass:"+pass, "-out", "ec.legacy")
	sh("req", "-new", "-x509", "-key", "ec.p8", "-subj", "/CN=Thử nghiệm/O=Cơ quan", "-utf8", "-days", "10", "-out", "ec.crt")

	want, err := pki.LoadPrivateKey(mustRead(t, dir, "ec.p8"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		pass string
	}{
		{"ec.sec1", ""}, {"rsa.pkcs1", ""}, {"ec.enc256", pass}, {"rsa.enc1", pass}, {"ec.enc.der", pass},
		{"ec.p8.der", ""}, {"rsa.legacy", pass}, {"ec.legacy", pass},
	} {
		t.Run(c.file, func(t *testing.T) {
			k, err := pki.LoadPrivateKey(mustRead(t, dir, c.file), []byte(c.pass))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(c.file, "ec") && !want.Public().(*ecdsa.PublicKey).Equal(k.Public()) {
				t.Fatal("loaded a different key")
			}
			if c.pass != "" {
				_, err := pki.LoadPrivateKey(mustRead(t, dir, c.file), []byte("sai mật khẩu"))
				if !errors.Is(err, pki.ErrBadPassphrase) || apperr.CodeOf(err) != apperr.Unauthorized {
					t.Fatalf("wrong passphrase: %v", err)
				}
				if _, err := pki.LoadPrivateKey(mustRead(t, dir, c.file), nil); !errors.Is(err, pki.ErrBadPassphrase) {
					t.Fatalf("no passphrase: %v", err)
				}
			}
		})
	}
	kp, err := pki.LoadKeyPair(mustRead(t, dir, "ec.enc256"), mustRead(t, dir, "ec.crt"), []byte(pass))
	if err != nil || kp.Certificate.Subject.CommonName != "Thử nghiệm" {
		t.Fatalf("LoadKeyPair: %v", err)
	}
	if _, err := pki.LoadKeyPair(mustRead(t, dir, "rsa.p8"), mustRead(t, dir, "ec.crt"), nil); !errors.Is(err, pki.ErrBadKey) {
		t.Fatalf("mismatched pair: %v", err)
	}
}

// TestKeyFilesOpenWithOpenSSL: the key store's files are standard encrypted
// PKCS#8 that openssl decrypts with the passphrase (and only with it).
func TestKeyFilesOpenWithOpenSSL(t *testing.T) {
	needTool(t, "openssl", "openssl")
	ctx := context.Background()
	dir := t.TempDir()
	ks, err := pki.NewFileKeyStore(dir, []byte("kho-khoa-bi-mat"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []pki.KeyAlgorithm{pki.ECDSAP256, pki.RSA2048} {
		ref, s, err := ks.Generate(ctx, alg, "thử")
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, ref+".key")
		if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v", fi.Mode())
		}
		text, _ := run(t, dir, "openssl", "asn1parse", "-in", file)
		for _, w := range []string{"PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"} {
			if !strings.Contains(text, w) {
				t.Fatalf("key file lacks %s:\n%s", w, text)
			}
		}
		out, err := run(t, dir, "openssl", "pkey", "-in", file, "-passin", "pass:kho-khoa-bi-mat", "-pubout")
		if err != nil {
			t.Fatalf("openssl pkey: %v\n%s", err, out)
		}
		block, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN"):]))
		pub, _ := x509.ParsePKIXPublicKey(block.Bytes)
		if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Public()) {
			t.Fatal("openssl decrypted a different key")
		}
		if _, err := run(t, dir, "openssl", "pkey", "-in", file, "-passin", "pass:sai", "-noout"); err == nil {
			t.Fatal("openssl opened the key with a wrong passphrase")
		}
	}
	wrong, _ := pki.NewFileKeyStore(dir, []byte("mat-khau-sai"), 0)
	entries, _ := os.ReadDir(dir)
	ref := strings.TrimSuffix(entries[0].Name(), ".key")
	if _, err := wrong.Signer(ctx, ref); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("wrong store passphrase: %v", err)
	}
}

// TestLogsNeverContainKeyMaterial runs a full issue/sign/stamp/OCSP flow
// with debug logging and checks that no private key appears in the output.
func TestLogsNeverContainKeyMaterial(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dataDir := t.TempDir()
	f, err := pkitest.Setup(ctx, dbtest.SQLite(t), dataDir, "https://cq.example.gov.vn", pkitest.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.IssueOfficial(ctx, "Võ Thị Giang", "CCCD:0450")
	if err != nil {
		t.Fatal(err)
	}
	signer, _, _, err := f.Service.Signer(ctx, f.Holder, c.Serial)
	if err != nil {
		t.Fatal(err)
	}
	// Careless logging of the signer itself must not leak either.
	logger.Info("signer", "key", signer, "k2", fmt.Sprintf("%v %+v %#v %s", signer, signer, signer, signer))
	f.Service.RespondOCSP(ctx, pkitest.OCSPRequest(c.X509, f.Init.Issuing.Certificate, true))
	f.Service.RespondTSA(ctx, pkitest.TSAQuery([]byte("doc"), 0, nil, true))
	if _, err := f.Service.Revoke(ctx, f.Actor, c.Serial, pki.ReasonKeyCompromise, ""); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("no log output to check")
	}
	entries, _ := os.ReadDir(filepath.Join(dataDir, "keys"))
	if len(entries) < 5 {
		t.Fatalf("expected the CA, TSA, OCSP and official keys, found %d", len(entries))
	}
	for _, e := range entries {
		k, err := pki.LoadPrivateKey(mustRead(t, filepath.Join(dataDir, "keys"), e.Name()), []byte(pkitest.Passphrase))
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(unwrap(t, k))
		secrets := []string{hex.EncodeToString(der), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))[28:90]}
		if ek, ok := unwrap(t, k).(*ecdsa.PrivateKey); ok {
			b, _ := ek.Bytes()
			secrets = append(secrets, hex.EncodeToString(b), ek.D.String(), fmt.Sprintf("%x", ek.D))
		}
		for _, s := range secrets {
			if strings.Contains(logs.String(), s) {
				t.Fatalf("log output contains key material of %s", e.Name())
			}
		}
	}
	if !strings.Contains(logs.String(), "hidden") {
		t.Fatal("the logged signer was not redacted")
	}
}

func unwrap(t *testing.T, s crypto.Signer) crypto.Signer {
	t.Helper()
	return pki.UnwrapForTest(s)
}
