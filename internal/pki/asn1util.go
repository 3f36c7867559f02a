package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"math/big"
	"strconv"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers used when we write DER by hand (OCSP, TSA, CMS).
var (
	derOIDSHA1      = []byte{0x2b, 0x0e, 0x03, 0x02, 0x1a}
	derOIDSHA256    = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
	derOIDSHA384    = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}
	derOIDSHA512    = []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}
	derOIDECDSA256  = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}
	derOIDECDSA384  = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}
	derOIDECDSA512  = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}
	derOIDRSASHA256 = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}
	derOIDRSASHA384 = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c}
)

// hashByOID maps a DER digest OID to its hash.
func hashByOID(oid []byte) crypto.Hash {
	switch string(oid) {
	case string(derOIDSHA1):
		return crypto.SHA1
	case string(derOIDSHA256):
		return crypto.SHA256
	case string(derOIDSHA384):
		return crypto.SHA384
	case string(derOIDSHA512):
		return crypto.SHA512
	}
	return 0
}

func oidOfHash(h crypto.Hash) []byte {
	switch h {
	case crypto.SHA1:
		return derOIDSHA1
	case crypto.SHA256:
		return derOIDSHA256
	case crypto.SHA384:
		return derOIDSHA384
	case crypto.SHA512:
		return derOIDSHA512
	}
	return nil
}

// sigParams returns the digest and the DER signatureAlgorithm
// AlgorithmIdentifier for a signer's public key.
func sigParams(pub crypto.PublicKey) (crypto.Hash, []byte, error) {
	var b cryptobyte.Builder
	var h crypto.Hash
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		oid := derOIDECDSA256
		h = crypto.SHA256
		switch k.Curve {
		case elliptic.P384():
			oid, h = derOIDECDSA384, crypto.SHA384
		case elliptic.P521():
			oid, h = derOIDECDSA512, crypto.SHA512
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oid) })
		})
	case *rsa.PublicKey:
		oid := derOIDRSASHA256
		h = crypto.SHA256
		if k.N.BitLen() > 3072 {
			oid, h = derOIDRSASHA384, crypto.SHA384
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oid) })
			b.AddASN1NULL()
		})
	default:
		return 0, nil, errors.New("unsupported signer key type")
	}
	out, err := b.Bytes()
	return h, out, err
}

// signDigest hashes msg with h and signs it.
func signDigest(s crypto.Signer, h crypto.Hash, msg []byte) ([]byte, error) {
	d := h.New()
	d.Write(msg)
	return s.Sign(rand.Reader, d.Sum(nil), h)
}

// addGeneralizedTime writes t in UTC with fractional seconds trimmed of
// trailing zeros (X.690 DER rules for GeneralizedTime).
func addGeneralizedTime(b *cryptobyte.Builder, t time.Time, fraction bool) {
	t = t.UTC()
	s := t.Format("20060102150405")
	if fraction && t.Nanosecond() != 0 {
		f := strconv.FormatInt(int64(t.Nanosecond()/int(time.Microsecond))+1_000_000, 10)[1:]
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		if f != "" {
			s += "." + f
		}
	}
	s += "Z"
	b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
}

// publicKeyBits returns the subjectPublicKey BIT STRING contents of an SPKI.
func publicKeyBits(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var bits cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !seq.ReadASN1(&bits, cbasn1.BIT_STRING) || len(bits) < 1 {
		return nil, errors.New("bad SubjectPublicKeyInfo")
	}
	return bits[1:], nil
}

// keyID is the RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of the
// subjectPublicKey bits.
func keyID(spki []byte) ([]byte, error) {
	bits, err := publicKeyBits(spki)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(bits)
	return h[:], nil
}

// randomSerial returns a positive 20-octet serial with 158 random bits
// (CA/B Forum asks for ≥ 64; RFC 5280 caps at 20 octets).
func randomSerial() (*big.Int, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x3f | 0x40
	return new(big.Int).SetBytes(b[:]), nil
}

// serialHex is how serials are stored and shown: lower-case hex.
func serialHex(n *big.Int) string { return n.Text(16) }
