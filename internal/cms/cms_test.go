package cms_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/cms"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// testCA is a root and one leaf per key type, valid around clock.Now so
// that openssl (which reads the real clock) accepts them.
type testCA struct {
	root    *x509.Certificate
	ecKey   crypto.Signer
	ecCert  *x509.Certificate
	rsaKey  crypto.Signer
	rsaCert *x509.Certificate
}

var (
	caOnce sync.Once
	ca     testCA
)

func newCA(t *testing.T) testCA {
	t.Helper()
	caOnce.Do(func() {
		now := clock.Now()
		rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA thử CMS", Country: []string{"VN"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
		if err != nil {
			panic(err)
		}
		ca.root, _ = x509.ParseCertificate(der)
		leaf := func(serial int64, cn string, key crypto.Signer) *x509.Certificate {
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Country: []string{"VN"}},
				NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, key.Public(), rootKey)
			if err != nil {
				panic(err)
			}
			c, _ := x509.ParseCertificate(der)
			return c
		}
		ca.ecKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ca.ecCert = leaf(2, "Nguyễn Văn An", ca.ecKey)
		ca.rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		ca.rsaCert = leaf(3, "Trần Thị Bình", ca.rsaKey)
	})
	return ca
}

// The CMS structures, parsed back with encoding/asn1 (not with the code
// under test).
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo struct {
		EContentType asn1.ObjectIdentifier
		EContent     []byte `asn1:"optional,explicit,tag:0"`
	}
	Certificates []asn1.RawValue `asn1:"optional,tag:0"`
	SignerInfos  []signerInfo    `asn1:"set"`
}

type signerInfo struct {
	Version int
	SID     struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

func attrs(t *testing.T, raw []byte) map[string]asn1.RawValue {
	t.Helper()
	out := map[string]asn1.RawValue{}
	for len(raw) > 0 {
		var a attribute
		rest, err := asn1.Unmarshal(raw, &a)
		if err != nil {
			t.Fatalf("attribute: %v", err)
		}
		if len(a.Values) != 1 {
			t.Fatalf("attribute %v has %d values", a.Type, len(a.Values))
		}
		out[a.Type.String()] = a.Values[0]
		raw = rest
	}
	return out
}

func writePEM(t *testing.T, path string, c *x509.Certificate) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSignedDataSigningTime builds SignedData on both sides of the UTCTime
// range (RFC 5652 §11.3) with each key type and hash, parses it back and
// checks the structure, the signature and the time's encoding; openssl
// verifies every one. Before, a signing time in 2050 could not be written
// at all (cryptobyte refuses a UTCTime after 2049 and the TSA panicked).
func TestSignedDataSigningTime(t *testing.T) {
	p := newCA(t)
	content := []byte("Quyết định số 45/QĐ-UBND ngày 31/12/2049")
	tstLike := []byte{0x30, 0x03, 0x02, 0x01, 0x01} // any DER content
	cases := []struct {
		name     string
		key      crypto.Signer
		cert     *x509.Certificate
		hash     crypto.Hash
		pss      bool
		at       time.Time
		wantTag  int
		want     string // the encoded time
		embedded bool   // encapsulated content of type TSTInfo, as a time-stamp token
	}{
		{"ecdsa-sha256-2049-12-31", p.ecKey, p.ecCert, crypto.SHA256, false, time.Date(2049, 12, 31, 23, 59, 59, 999e6, time.UTC), asn1.TagUTCTime, "491231235959Z", false},
		{"ecdsa-sha384-2050-01-01", p.ecKey, p.ecCert, crypto.SHA384, false, time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), asn1.TagGeneralizedTime, "20500101000000Z", false},
		{"ecdsa-sha512-2100", p.ecKey, p.ecCert, crypto.SHA512, false, time.Date(2100, 3, 1, 7, 0, 0, 0, time.UTC), asn1.TagGeneralizedTime, "21000301070000Z", true},
		{"rsa-sha256-2050-01-01-vn", p.rsaKey, p.rsaCert, crypto.SHA256, false, time.Date(2050, 1, 1, 6, 59, 59, 0, time.FixedZone("ICT", 7*3600)), asn1.TagUTCTime, "491231235959Z", true},
		{"rsa-pss-sha256-2049-12-31", p.rsaKey, p.rsaCert, crypto.SHA256, true, time.Date(2049, 12, 31, 12, 0, 0, 0, time.UTC), asn1.TagUTCTime, "491231120000Z", false},
		{"rsa-sha512-2050-01-01", p.rsaKey, p.rsaCert, crypto.SHA512, false, time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), asn1.TagGeneralizedTime, "20500101000000Z", false},
		{"rsa-pss-sha384-2100", p.rsaKey, p.rsaCert, crypto.SHA384, true, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), asn1.TagGeneralizedTime, "21000101000000Z", true},
		{"ecdsa-sha256-1950", p.ecKey, p.ecCert, crypto.SHA256, false, time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), asn1.TagUTCTime, "500101000000Z", false},
		{"ecdsa-sha256-1949", p.ecKey, p.ecCert, crypto.SHA256, false, time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), asn1.TagGeneralizedTime, "19491231235959Z", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := cms.NewSigner(c.key, []*x509.Certificate{c.cert, p.root}, c.hash, c.pss)
			if err != nil {
				t.Fatal(err)
			}
			m := cms.Message{SigningTime: c.at}
			ct := cms.OIDData
			if c.embedded {
				m.ContentType, m.Content, ct = cms.OIDTSTInfo, tstLike, cms.OIDTSTInfo
			} else {
				d := c.hash.New()
				d.Write(content)
				m.Digest = d.Sum(nil)
			}
			sd, err := s.Sign(m)
			if err != nil {
				t.Fatal(err)
			}
			token := []byte{0x30, 0x00} // stands in for a signature time-stamp token
			der, err := sd.Bytes(cms.Attribute{Type: cms.OIDAttributeSignatureTimeStamp, Values: [][]byte{token}})
			if err != nil {
				t.Fatal(err)
			}

			var ci contentInfo
			if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 || !ci.ContentType.Equal(cms.OIDSignedData) {
				t.Fatalf("ContentInfo: %v, %d trailing bytes, type %v", err, len(rest), ci.ContentType)
			}
			var got signedData
			if rest, err := asn1.Unmarshal(ci.Content.Bytes, &got); err != nil || len(rest) != 0 {
				t.Fatalf("SignedData: %v", err)
			}
			wantVersion := 1
			if c.embedded {
				wantVersion = 3
			}
			if got.Version != wantVersion || !got.EncapContentInfo.EContentType.Equal(ct) || len(got.Certificates) != 2 || len(got.SignerInfos) != 1 {
				t.Fatalf("SignedData version %d, eContentType %v, %d certificates, %d signers", got.Version, got.EncapContentInfo.EContentType, len(got.Certificates), len(got.SignerInfos))
			}
			if c.embedded != (got.EncapContentInfo.EContent != nil) || (c.embedded && !bytes.Equal(got.EncapContentInfo.EContent, tstLike)) {
				t.Fatalf("eContent %x", got.EncapContentInfo.EContent)
			}
			si := got.SignerInfos[0]
			if si.Version != 1 || si.SID.Serial.Cmp(c.cert.SerialNumber) != 0 || !bytes.Equal(si.SID.Issuer.FullBytes, c.cert.RawIssuer) {
				t.Fatalf("SignerInfo version %d, sid serial %v", si.Version, si.SID.Serial)
			}
			signed := attrs(t, si.SignedAttrs.Bytes)
			st, ok := signed[cms.OIDAttributeSigningTime.String()]
			if !ok {
				t.Fatal("no signing-time attribute")
			}
			if st.Class != asn1.ClassUniversal || st.Tag != c.wantTag || string(st.Bytes) != c.want {
				t.Fatalf("signing-time tag %d %q, want tag %d %q", st.Tag, st.Bytes, c.wantTag, c.want)
			}
			var back time.Time
			if _, err := asn1.Unmarshal(st.FullBytes, &back); err != nil || !back.Equal(c.at.Truncate(time.Second)) {
				t.Fatalf("signing-time reads back as %v (%v), want %v", back, err, c.at.Truncate(time.Second))
			}
			for _, oid := range []asn1.ObjectIdentifier{cms.OIDAttributeContentType, cms.OIDAttributeMessageDigest, cms.OIDAttributeSigningCertV2} {
				if _, ok := signed[oid.String()]; !ok {
					t.Errorf("signed attribute %v missing", oid)
				}
			}
			if unsigned := attrs(t, si.UnsignedAttrs.Bytes); !bytes.Equal(unsigned[cms.OIDAttributeSignatureTimeStamp.String()].FullBytes, token) {
				t.Errorf("unsigned attributes %v", unsigned)
			}
			set := bytes.Clone(si.SignedAttrs.FullBytes)
			set[0] = 0x31 // the signature covers the attributes as a SET (RFC 5652 §5.4)
			alg := map[bool]map[crypto.Hash]x509.SignatureAlgorithm{
				false: {crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA},
				true:  {crypto.SHA256: x509.SHA256WithRSAPSS, crypto.SHA384: x509.SHA384WithRSAPSS, crypto.SHA512: x509.SHA512WithRSAPSS},
			}[c.pss][c.hash]
			if _, ok := c.key.Public().(*ecdsa.PublicKey); ok {
				alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[c.hash]
			}
			if err := c.cert.CheckSignature(alg, set, si.Signature); err != nil {
				t.Fatalf("signature over the signed attributes: %v", err)
			}

			testenv.NeedTool(t, "openssl", "openssl")
			dir := t.TempDir()
			writePEM(t, filepath.Join(dir, "root.pem"), p.root)
			if err := os.WriteFile(filepath.Join(dir, "sig.der"), der, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "content.bin"), content, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-CAfile", "root.pem", "-purpose", "any", "-out", "out.bin"}
			if !c.embedded {
				args = append(args, "-content", "content.bin")
			}
			cmd := exec.Command("openssl", args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification successful") {
				t.Fatalf("openssl cms -verify: %v\n%s", err, out)
			}
			if c.embedded {
				if b, _ := os.ReadFile(filepath.Join(dir, "out.bin")); !bytes.Equal(b, tstLike) {
					t.Errorf("openssl extracted %x", b)
				}
			}
		})
	}
}

// TestAddTime pins the RFC 5652 §11.3 rule at its edges, and that a time
// no Time can hold is an error of the builder, not a panic.
func TestAddTime(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want string // DER, hex-free: tag byte then text
		err  bool
	}{
		{time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), "\x18\x0f19491231235959Z", false},
		{time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), "\x17\x0d500101000000Z", false},
		{time.Date(2049, 12, 31, 23, 59, 59, 5e8, time.UTC), "\x17\x0d491231235959Z", false},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), "\x18\x0f20500101000000Z", false},
		{time.Date(2050, 1, 1, 6, 0, 0, 0, time.FixedZone("ICT", 7*3600)), "\x17\x0d491231230000Z", false},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "\x18\x0f99991231235959Z", false},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "", true},
	} {
		var b cryptobyte.Builder
		cms.AddTime(&b, c.at)
		got, err := b.Bytes()
		if (err != nil) != c.err || string(got) != c.want {
			t.Errorf("AddTime(%v) = %q, %v; want %q, error %v", c.at, got, err, c.want, c.err)
		}
	}
}

// TestSignerRefuses covers what NewSigner and Sign must not accept.
func TestSignerRefuses(t *testing.T) {
	p := newCA(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	chain := []*x509.Certificate{p.ecCert}
	for name, f := range map[string]func() error{
		"no certificate": func() error { _, err := cms.NewSigner(p.ecKey, nil, crypto.SHA256, false); return err },
		"nil in chain": func() error {
			_, err := cms.NewSigner(p.ecKey, []*x509.Certificate{p.ecCert, nil}, crypto.SHA256, false)
			return err
		},
		"other key": func() error { _, err := cms.NewSigner(p.rsaKey, chain, crypto.SHA256, false); return err },
		"SHA-1":     func() error { _, err := cms.NewSigner(p.ecKey, chain, crypto.SHA1, false); return err },
		"Ed25519":   func() error { _, err := cms.NewSigner(edKey, chain, crypto.SHA256, false); return err },
		"short digest": func() error {
			s, _ := cms.NewSigner(p.ecKey, chain, crypto.SHA256, false)
			_, err := s.Sign(cms.Message{Digest: make([]byte, 20)})
			return err
		},
		"content and digest": func() error {
			s, _ := cms.NewSigner(p.ecKey, chain, crypto.SHA256, false)
			_, err := s.Sign(cms.Message{Content: []byte("x"), Digest: make([]byte, 32)})
			return err
		},
		"signing time after 9999": func() error {
			s, _ := cms.NewSigner(p.ecKey, chain, crypto.SHA256, false)
			_, err := s.Sign(cms.Message{Digest: make([]byte, 32), SigningTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
			return err
		},
		"unsigned attribute without type": func() error {
			s, _ := cms.NewSigner(p.ecKey, chain, crypto.SHA256, false)
			sd, err := s.Sign(cms.Message{Digest: make([]byte, 32)})
			if err != nil {
				return nil
			}
			_, err = sd.Bytes(cms.Attribute{Values: [][]byte{{0x05, 0x00}}})
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
