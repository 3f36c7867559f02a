package edxml

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"math/big"
	"strings"

	"github.com/beevik/etree"
)

// XML-DSig 1.1 (and RFC 4050) writes an ECDSA SignatureValue as the raw
// concatenation r‖s, each the size of the curve order; goxmldsig signs and
// checks the ASN.1 DER form crypto.Signer gives. Build hands goxmldsig a
// signer that returns r‖s, and Verify turns an r‖s value back into DER for
// goxmldsig's check (a DER value from another writer is checked as it is).

// rawECDSA is a crypto.Signer whose ECDSA signatures are r‖s.
type rawECDSA struct {
	crypto.Signer
	size int
}

func (r rawECDSA) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	der, err := r.Signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 2*r.size)
	sig.R.FillBytes(out[:r.size])
	sig.S.FillBytes(out[r.size:])
	return out, nil
}

// xmlSigner wraps an ECDSA signer so that it writes r‖s.
func xmlSigner(s crypto.Signer) crypto.Signer {
	if pk, ok := s.Public().(*ecdsa.PublicKey); ok {
		return rawECDSA{Signer: s, size: (pk.Curve.Params().BitSize + 7) / 8}
	}
	return s
}

// derSignatureValue rewrites, in root (a copy), an r‖s SignatureValue of an
// ECDSA signer as DER.
func derSignatureValue(root *etree.Element, pub crypto.PublicKey) {
	walk(root, func(e *etree.Element) {
		if e.Tag == "SignatureValue" && e.NamespaceURI() == dsNS {
			derValue(e, pub)
		}
	})
}

// derValue rewrites v, a copy of a SignatureValue, from r‖s to DER when the
// signer's key is ECDSA.
func derValue(v *etree.Element, pub crypto.PublicKey) {
	pk, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return
	}
	size := (pk.Curve.Params().BitSize + 7) / 8
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Text()), ""))
	if err != nil || len(raw) != 2*size {
		return
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:size]), new(big.Int).SetBytes(raw[size:])})
	if err == nil {
		v.SetText(base64.StdEncoding.EncodeToString(der))
	}
}
