// Package cms writes CMS SignedData (RFC 5652) with one signer: the
// detached CAdES signature of a PAdES signature and the RFC 3161
// time-stamp token of the in-process TSA are both built here, so there is
// one place that encodes signed attributes, times and signer information.
//
// Signing is in two steps because PAdES B-T time-stamps the signature value
// before the SignedData is complete: [Signer.Sign] signs the attributes and
// [SignedData.Bytes] adds the unsigned attributes and writes the DER.
package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the content types and attributes written here.
var (
	OIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	OIDAttributeContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttributeMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttributeSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDAttributeSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDAttributeSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}

	oidRSAWith = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {1, 2, 840, 113549, 1, 1, 11},
		crypto.SHA384: {1, 2, 840, 113549, 1, 1, 12},
		crypto.SHA512: {1, 2, 840, 113549, 1, 1, 13},
	}
	oidECDSAWith = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
		crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
		crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
	}
)

// Attribute is one CMS attribute; Values holds the DER of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// Signer signs with one key and certificate. Everything that does not
// depend on the message is encoded once, so a long-lived Signer (the TSA
// keeps one) pays for it only when it is made.
type Signer struct {
	key       crypto.Signer
	hash      crypto.Hash
	opts      crypto.SignerOpts
	digestAlg []byte // DER AlgorithmIdentifier of hash
	sigAlg    []byte // DER AlgorithmIdentifier of the signature
	sid       []byte // DER IssuerAndSerialNumber
	essAttr   []byte // DER Attribute signing-certificate-v2
	certs     []byte // the certificates, DER, in SET OF order
}

// NewSigner returns a Signer for key, whose certificate is chain[0]; the
// whole chain is what SignedData carries in its certificates. h is SHA-256,
// SHA-384 or SHA-512; pss selects RSASSA-PSS for an RSA key (an ECDSA key
// ignores it).
func NewSigner(key crypto.Signer, chain []*x509.Certificate, h crypto.Hash, pss bool) (*Signer, error) {
	if key == nil || len(chain) == 0 || chain[0] == nil {
		return nil, errors.New("cms: signer key or certificate missing")
	}
	cert := chain[0]
	if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cert.PublicKey) {
		return nil, errors.New("cms: the key does not match the signer certificate")
	}
	hoid, err := HashOID(h)
	if err != nil {
		return nil, err
	}
	s := &Signer{key: key, hash: h}
	s.sigAlg, s.opts, err = signatureAlgorithm(key.Public(), h, pss)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	algID(&b, hoid, false)
	s.digestAlg = b.BytesOrPanic()

	b = cryptobyte.Builder{}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddASN1BigInt(cert.SerialNumber)
	})
	if s.sid, err = b.Bytes(); err != nil {
		return nil, fmt.Errorf("cms: signer identifier: %w", err)
	}
	ess, err := signingCertificateV2(cert, h, hoid)
	if err != nil {
		return nil, err
	}
	if s.essAttr, err = encodeAttribute(OIDAttributeSigningCertV2, ess); err != nil {
		return nil, err
	}

	raws := make([][]byte, 0, len(chain))
	for _, c := range chain {
		if c == nil {
			return nil, errors.New("cms: nil certificate in the chain")
		}
		raws = append(raws, c.Raw)
	}
	s.certs = bytes.Join(sortDER(raws), nil)
	return s, nil
}

// Message is what one SignerInfo signs.
type Message struct {
	// ContentType is the eContentType and the content-type attribute;
	// nil means id-data.
	ContentType asn1.ObjectIdentifier
	// Content is encapsulated in the SignedData when not nil (a TSTInfo).
	Content []byte
	// Digest is the signer's hash of detached content; only without Content.
	Digest []byte
	// SigningTime adds the signing-time attribute when not zero. PAdES
	// leaves it out (ETSI EN 319 142-1: the claimed time is the /M entry).
	SigningTime time.Time
	// NoCertificates leaves the certificates out (an RFC 3161 request
	// without certReq).
	NoCertificates bool
}

// SignedData is a signed message waiting for its unsigned attributes.
type SignedData struct {
	s           *Signer
	contentType asn1.ObjectIdentifier
	content     []byte
	noCerts     bool
	attrs       []byte // the signed attributes, DER, in SET OF order, no SET header
	signature   []byte
}

// Sign computes the signed attributes of m (content-type, message-digest,
// signing-certificate-v2 per RFC 5035, and signing-time when asked for)
// and signs them.
func (s *Signer) Sign(m Message) (*SignedData, error) {
	ct := m.ContentType
	if ct == nil {
		ct = OIDData
	}
	digest := m.Digest
	if m.Content != nil {
		if digest != nil {
			return nil, errors.New("cms: both content and a digest of detached content given")
		}
		d := s.hash.New()
		d.Write(m.Content)
		digest = d.Sum(nil)
	} else if len(digest) != s.hash.Size() {
		return nil, fmt.Errorf("cms: digest of %d bytes, %v needs %d", len(digest), s.hash, s.hash.Size())
	}
	var v cryptobyte.Builder
	v.AddASN1ObjectIdentifier(ct)
	ctDER, err := v.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: content type: %w", err)
	}
	ctAttr, err := encodeAttribute(OIDAttributeContentType, ctDER)
	if err != nil {
		return nil, err
	}
	v = cryptobyte.Builder{}
	v.AddASN1OctetString(digest)
	mdAttr, err := encodeAttribute(OIDAttributeMessageDigest, v.BytesOrPanic())
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{ctAttr, mdAttr, s.essAttr}
	if !m.SigningTime.IsZero() {
		v = cryptobyte.Builder{}
		AddTime(&v, m.SigningTime)
		st, err := v.Bytes()
		if err != nil {
			return nil, fmt.Errorf("cms: signing time %v: %w", m.SigningTime, err)
		}
		stAttr, err := encodeAttribute(OIDAttributeSigningTime, st)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, stAttr)
	}
	sd := &SignedData{s: s, contentType: ct, content: m.Content, noCerts: m.NoCertificates, attrs: bytes.Join(sortDER(attrs), nil)}
	// The signature covers the attributes with their universal SET tag
	// (RFC 5652 §5.4), not the [0] IMPLICIT tag they are sent under.
	var set cryptobyte.Builder
	set.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(sd.attrs) })
	setDER, err := set.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: signed attributes: %w", err)
	}
	d := s.hash.New()
	d.Write(setDER)
	if sd.signature, err = s.key.Sign(rand.Reader, d.Sum(nil), s.opts); err != nil {
		return nil, err
	}
	return sd, nil
}

// Signature is the signature value (what a signature time-stamp covers).
func (d *SignedData) Signature() []byte { return d.signature }

// Bytes returns the DER ContentInfo holding the SignedData, with the
// unsigned attributes (such as a signature time-stamp token) if any.
func (d *SignedData) Bytes(unsigned ...Attribute) ([]byte, error) {
	s := d.s
	encs := make([][]byte, 0, len(unsigned))
	for _, a := range unsigned {
		e, err := encodeAttribute(a.Type, a.Values...)
		if err != nil {
			return nil, err
		}
		encs = append(encs, e)
	}
	version := int64(1) // RFC 5652 §5.1: 3 when eContentType is not id-data
	if !d.contentType.Equal(OIDData) {
		version = 3
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(version)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(s.digestAlg) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo
					b.AddASN1ObjectIdentifier(d.contentType)
					if d.content != nil {
						b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(d.content)
						})
					}
				})
				if !d.noCerts {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(s.certs) })
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1) // sid is issuerAndSerialNumber
						b.AddBytes(s.sid)
						b.AddBytes(s.digestAlg)
						b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(d.attrs) })
						b.AddBytes(s.sigAlg)
						b.AddASN1OctetString(d.signature)
						if len(encs) > 0 {
							b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								for _, e := range sortDER(encs) {
									b.AddBytes(e)
								}
							})
						}
					})
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	return out, nil
}

// AddTime writes t as the Time of RFC 5652 §11.3 (also X.509's, RFC 5280
// §4.1.2.5): UTCTime for the years 1950 through 2049, GeneralizedTime
// otherwise, in UTC and to the whole second. UTCTime has a two-digit year
// and cannot say 2050.
func AddTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y >= 1950 && y < 2050 {
		b.AddASN1UTCTime(t)
		return
	}
	b.AddASN1GeneralizedTime(t)
}

// HashOID names a digest algorithm in ASN.1 (RFC 5754): SHA-256, SHA-384
// or SHA-512, the ones PAdES and RFC 3161 tokens here use.
func HashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, fmt.Errorf("cms: unsupported digest %v (SHA-256, SHA-384 or SHA-512)", h)
}

// signatureAlgorithm returns the DER AlgorithmIdentifier for signing with
// a key of type pub and h, and the options to hand the crypto.Signer.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) ([]byte, crypto.SignerOpts, error) {
	var b cryptobyte.Builder
	var opts crypto.SignerOpts = h
	switch pub.(type) {
	case *ecdsa.PublicKey:
		algID(&b, oidECDSAWith[h], false)
	case *rsa.PublicKey:
		if !pss {
			algID(&b, oidRSAWith[h], true)
			break
		}
		hoid, _ := HashOID(h)
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidRSAPSS)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // RSASSA-PSS-params (RFC 4055)
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { algID(b, hoid, true) })
				b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidMGF1)
						algID(b, hoid, true)
					})
				})
				b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(h.Size())) })
			})
		})
	default:
		return nil, nil, fmt.Errorf("cms: unsupported key type %T (RSA or ECDSA)", pub)
	}
	der, err := b.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("cms: signature algorithm: %w", err)
	}
	return der, opts, nil
}

func algID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// signingCertificateV2 is the ESS SigningCertificateV2 value (RFC 5035)
// naming cert by its hash with h and by issuer and serial number.
func signingCertificateV2(cert *x509.Certificate, h crypto.Hash, hoid asn1.ObjectIdentifier) ([]byte, error) {
	d := h.New()
	d.Write(cert.Raw)
	sum := d.Sum(nil)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				if h != crypto.SHA256 { // DER omits the DEFAULT sha256
					algID(b, hoid, false)
				}
				b.AddASN1OctetString(sum)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(cert.RawIssuer) })
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: signing-certificate-v2: %w", err)
	}
	return out, nil
}

// encodeAttribute returns the DER Attribute with the given value encodings.
func encodeAttribute(oid asn1.ObjectIdentifier, values ...[]byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, v := range sortDER(values) {
				b.AddBytes(v)
			}
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: attribute %v: %w", oid, err)
	}
	return out, nil
}

// sortDER orders encodings as DER requires for a SET OF (X.690 §11.6).
func sortDER(items [][]byte) [][]byte {
	s := slices.Clone(items)
	slices.SortFunc(s, bytes.Compare)
	return s
}
