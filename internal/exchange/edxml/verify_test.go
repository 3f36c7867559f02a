package edxml

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

var keyInfoRE = regexp.MustCompile(`<ds:KeyInfo>.*?</ds:KeyInfo>`)

// TestVerifyKeyInfo: goxmldsig is given the envelope without KeyInfo (the
// signer's certificate as Parse read it instead), which must neither let
// through what it refused nor refuse what it accepted, nor change the
// package: KeyInfo anywhere in the Signature, comments and spaces around
// its children, the ds prefix declared only on the Envelope (another
// writer, ECDSA value rewritten as DER), the Signature first in the Header
// or in the Envelope all verify; two KeyInfo, or another
// certificate first in KeyInfo, are refused; Verify run twice on one
// Package reads the same tree and gives the same answer.
func TestVerifyKeyInfo(t *testing.T) {
	k, chain, roots := fixture(t)
	ek, echain, eroots := otherCA(t, "Cơ quan khác")
	rsa := build(t, golden{"new", sampleMessage(), nil}, k, chain)
	ec := build(t, golden{"new", sampleMessage(), nil}, ek, echain)
	keyInfo := func(pkg []byte) []byte { return keyInfoRE.Find(pkg) }
	withoutKeyInfo := func(pkg []byte) []byte { return keyInfoRE.ReplaceAll(pkg, nil) }
	moveFirst := func(pkg []byte) []byte {
		return bytes.Replace(withoutKeyInfo(pkg), []byte("<ds:SignedInfo>"), append(keyInfo(pkg), "<ds:SignedInfo>"...), 1)
	}
	otherCert := func(pkg []byte) []byte {
		ki := keyInfo(pkg)
		i := bytes.Index(ki, []byte("<ds:X509Certificate>")) + len("<ds:X509Certificate>")
		j := bytes.Index(ki, []byte("</ds:X509Certificate>"))
		swapped := append(append(append([]byte{}, ki[:i]...), base64.StdEncoding.EncodeToString(echain[0].Raw)...), ki[j:]...)
		return bytes.Replace(pkg, ki, swapped, 1)
	}
	for _, c := range []struct {
		name  string
		pkg   []byte
		roots *x509.CertPool
		want  Reason
	}{
		{"RSA", rsa, roots, ""},
		{"ECDSA", ec, eroots, ""},
		{"KeyInfo first, RSA", moveFirst(rsa), roots, ""},
		{"KeyInfo first, ECDSA", moveFirst(ec), eroots, ""},
		{"comments and spaces in the Signature", []byte(strings.NewReplacer(
			"<ds:SignedInfo>", "<!-- ký --> \n<ds:SignedInfo>", "<ds:KeyInfo>", "\n<!-- chứng thư --><ds:KeyInfo>").Replace(string(rsa))), roots, ""},
		{"ds declared on the Envelope only, ECDSA", bytes.Replace(ec, []byte(`<ds:Signature xmlns:ds="`+dsNS+`">`), []byte("<ds:Signature>"), 1), eroots, ""},
		{"Signature first in the Header, RSA", moveSignature(rsa, "<SOAP-ENV:Header>"), roots, ""},
		{"Signature first in the Envelope, ECDSA", moveSignature(ec, `xmlns:ds="`+dsNS+`">`), eroots, ""},
		{"Signature moved, then the header changed", bytes.Replace(moveSignature(rsa, "<SOAP-ENV:Header>"), []byte("cấp xã"), []byte("cấp tỉnh"), 1), roots, ReasonSignature},
		{"two KeyInfo", bytes.Replace(rsa, []byte("</ds:Signature>"), append(keyInfo(rsa), "</ds:Signature>"...), 1), roots, ReasonSignature},
		{"another certificate first", otherCert(rsa), eroots, ReasonSignature},
		{"no KeyInfo", withoutKeyInfo(rsa), roots, ReasonSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.pkg, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			before := treeBytes(t, p.root)
			for range 2 {
				rep, err := Verify(p, c.roots, verifyAt)
				if ReasonOf(err) != c.want || rep.OK() != (c.want == "") {
					t.Fatalf("verify: %v %v, want %q", err, rep.Problems, c.want)
				}
			}
			if after := treeBytes(t, p.root); !bytes.Equal(before, after) {
				t.Fatal("Verify changed the parsed envelope")
			}
		})
	}
}

// moveSignature cuts the Signature out of pkg and puts it right after the
// first occurrence of after (what another writer may do: the enveloped
// signature covers the envelope without it, wherever it stands).
func moveSignature(pkg []byte, after string) []byte {
	sig := regexp.MustCompile(`<ds:Signature .*?</ds:Signature>`).Find(pkg)
	out := bytes.Replace(pkg, sig, nil, 1)
	return bytes.Replace(out, []byte(after), append([]byte(after), sig...), 1)
}

func treeBytes(t *testing.T, root *etree.Element) []byte {
	t.Helper()
	b, err := etree.NewDocumentWithRoot(root.Copy()).WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
