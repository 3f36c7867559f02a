package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers used in CMS/CAdES.
var (
	oidData                   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrSigningCertV1      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAttrAdbeRevocation     = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}

	oidRevInfoOCSP = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, fmt.Errorf("unsupported digest %v", h)
}

func hashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	}
	return 0, false
}

// signatureAlgorithm returns the DER AlgorithmIdentifier for signing with
// key and h, and the crypto.SignerOpts to pass to the signer.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) ([]byte, crypto.SignerOpts, error) {
	var b cryptobyte.Builder
	var opts crypto.SignerOpts = h
	switch pub.(type) {
	case *ecdsa.PublicKey:
		oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512}[h]
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
	case *rsa.PublicKey:
		if pss {
			hoid, _ := hashOID(h)
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidRSAPSS)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						algID(b, hoid, true)
					})
					b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidMGF1)
							algID(b, hoid, true)
						})
					})
					b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1Int64(int64(h.Size()))
					})
				})
			})
			break
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[h]
		algID(&b, oid, true)
	default:
		return nil, nil, fmt.Errorf("unsupported key type %T", pub)
	}
	der, err := b.Bytes()
	return der, opts, err
}

func algID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// attribute is one CMS attribute with pre-encoded values.
type attribute struct {
	oid    asn1.ObjectIdentifier
	values [][]byte // DER of each value
}

func (a attribute) der() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, v := range sortDER(a.values) {
				b.AddBytes(v)
			}
		})
	})
	return b.BytesOrPanic()
}

// sortDER sorts encodings as DER requires for SET OF.
func sortDER(items [][]byte) [][]byte {
	s := append([][]byte(nil), items...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return s
}

// encodeAttrs returns the DER "SET OF Attribute" with the given outer tag.
func encodeAttrs(attrs []attribute, tag cbasn1.Tag) []byte {
	var encs [][]byte
	for _, a := range attrs {
		encs = append(encs, a.der())
	}
	var b cryptobyte.Builder
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sortDER(encs) {
			b.AddBytes(e)
		}
	})
	return b.BytesOrPanic()
}

// signingCertificateV2 encodes the ESS SigningCertificateV2 value for cert.
func signingCertificateV2(cert *x509.Certificate, h crypto.Hash) []byte {
	d := h.New()
	d.Write(cert.Raw)
	sum := d.Sum(nil)
	hoid, _ := hashOID(h)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				if h != crypto.SHA256 { // DEFAULT sha256 is omitted in DER
					algID(b, hoid, false)
				}
				b.AddASN1OctetString(sum)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
						})
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// cmsSigner builds a detached CAdES SignedData.
type cmsSigner struct {
	signer crypto.Signer
	chain  []*x509.Certificate // signer first
	hash   crypto.Hash
	pss    bool
}

// signedAttributes returns the PAdES baseline signed attributes for a
// content digest: content-type, message-digest, signing-certificate-v2.
// There is deliberately no signing-time (EN 319 142-1: the time is /M).
func (c *cmsSigner) signedAttributes(digest []byte) []attribute {
	ct, _ := asn1.Marshal(oidData)
	md, _ := asn1.Marshal(digest)
	return []attribute{
		{oid: oidAttrContentType, values: [][]byte{ct}},
		{oid: oidAttrMessageDigest, values: [][]byte{md}},
		{oid: oidAttrSigningCertV2, values: [][]byte{signingCertificateV2(c.chain[0], c.hash)}},
	}
}

// signerInfoParts are the pieces of a SignerInfo before unsigned attributes.
type signerInfoParts struct {
	sigAlg      []byte
	signedAttrs []byte // [0] IMPLICIT encoding
	signature   []byte
}

// sign computes the signature over the signed attributes.
func (c *cmsSigner) sign(digest []byte, extra []attribute) (*signerInfoParts, error) {
	attrs := append(c.signedAttributes(digest), extra...)
	setDER := encodeAttrs(attrs, cbasn1.SET)
	h := c.hash.New()
	h.Write(setDER)
	sigAlg, opts, err := signatureAlgorithm(c.signer.Public(), c.hash, c.pss)
	if err != nil {
		return nil, err
	}
	sig, err := c.signer.Sign(rand.Reader, h.Sum(nil), opts)
	if err != nil {
		return nil, err
	}
	implicit := append([]byte(nil), setDER...)
	implicit[0] = 0xA0 // [0] IMPLICIT, constructed
	return &signerInfoParts{sigAlg: sigAlg, signedAttrs: implicit, signature: sig}, nil
}

// assemble builds ContentInfo(SignedData) with optional unsigned attributes.
func (c *cmsSigner) assemble(p *signerInfoParts, unsigned []attribute) []byte {
	hoid, _ := hashOID(c.hash)
	cert := c.chain[0]
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algID(b, hoid, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					var raws [][]byte
					for _, c := range c.chain {
						raws = append(raws, c.Raw)
					}
					for _, r := range sortDER(raws) {
						b.AddBytes(r)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						algID(b, hoid, false)
						b.AddBytes(p.signedAttrs)
						b.AddBytes(p.sigAlg)
						b.AddASN1OctetString(p.signature)
						if len(unsigned) > 0 {
							b.AddBytes(encodeAttrs(unsigned, cbasn1.Tag(1).ContextSpecific().Constructed()))
						}
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// ---- parsing ----

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type rawAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// SignedMessage is a parsed CMS SignedData with one SignerInfo.
type signedMessage struct {
	raw          []byte
	sd           signedData
	si           signerInfo
	certs        []*x509.Certificate
	signedAttrs  map[string][]asn1.RawValue // by OID string
	unsigned     map[string][]asn1.RawValue
	content      []byte // encapsulated content (for time-stamp tokens)
	digestHash   crypto.Hash
	embeddedCRLs [][]byte
	embeddedOCSP [][]byte
}

var errCMS = errors.New("malformed CMS")

// parseCMS parses a DER ContentInfo(SignedData). Trailing bytes (the zero
// padding of /Contents) are ignored.
func parseCMS(der []byte) (*signedMessage, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCMS, err)
	}
	raw := der[:len(der)-len(rest)]
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not signedData", errCMS, ci.ContentType)
	}
	m := &signedMessage{raw: raw, signedAttrs: map[string][]asn1.RawValue{}, unsigned: map[string][]asn1.RawValue{}}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &m.sd); err != nil {
		return nil, fmt.Errorf("%w: signedData: %v", errCMS, err)
	}
	if len(m.sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signerInfos, want 1", errCMS, len(m.sd.SignerInfos))
	}
	m.si = m.sd.SignerInfos[0]
	if len(m.sd.EncapContentInfo.EContent.Bytes) > 0 {
		var oct []byte
		if _, err := asn1.Unmarshal(m.sd.EncapContentInfo.EContent.Bytes, &oct); err != nil {
			return nil, fmt.Errorf("%w: eContent: %v", errCMS, err)
		}
		m.content = oct
	}
	certBytes := m.sd.Certificates.Bytes
	for len(certBytes) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(certBytes, &rv)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", errCMS, err)
		}
		certBytes = rest
		if rv.Class != asn1.ClassUniversal || rv.Tag != asn1.TagSequence {
			continue // attribute certificates and others are ignored
		}
		if c, err := parseCertificate(rv.FullBytes); err == nil {
			m.certs = append(m.certs, c)
		}
	}
	crlBytes := m.sd.CRLs.Bytes
	for len(crlBytes) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(crlBytes, &rv)
		if err != nil {
			break
		}
		crlBytes = rest
		if rv.Class == asn1.ClassUniversal && rv.Tag == asn1.TagSequence {
			m.embeddedCRLs = append(m.embeddedCRLs, rv.FullBytes)
		} else if rv.Class == asn1.ClassContextSpecific && rv.Tag == 1 {
			var other struct {
				Format asn1.ObjectIdentifier
				Info   asn1.RawValue
			}
			if _, err := asn1.UnmarshalWithParams(rv.FullBytes, &other, "tag:1"); err == nil && other.Format.Equal(oidRevInfoOCSP) {
				m.embeddedOCSP = append(m.embeddedOCSP, other.Info.FullBytes)
			}
		}
	}
	var ok bool
	if m.digestHash, ok = hashFromOID(m.si.DigestAlgorithm.Algorithm); !ok {
		return nil, fmt.Errorf("%w: unsupported digest algorithm %v", errCMS, m.si.DigestAlgorithm.Algorithm)
	}
	if err := parseAttrs(m.si.SignedAttrs.Bytes, m.signedAttrs); err != nil {
		return nil, err
	}
	if err := parseAttrs(m.si.UnsignedAttrs.Bytes, m.unsigned); err != nil {
		return nil, err
	}
	m.parseAdbeRevocation()
	return m, nil
}

func parseAttrs(b []byte, into map[string][]asn1.RawValue) error {
	for len(b) > 0 {
		var a rawAttribute
		rest, err := asn1.Unmarshal(b, &a)
		if err != nil {
			return fmt.Errorf("%w: attribute: %v", errCMS, err)
		}
		b = rest
		vals := a.Values.Bytes
		for len(vals) > 0 {
			var v asn1.RawValue
			r, err := asn1.Unmarshal(vals, &v)
			if err != nil {
				return fmt.Errorf("%w: attribute value: %v", errCMS, err)
			}
			vals = r
			into[a.Type.String()] = append(into[a.Type.String()], v)
		}
		if len(into) > 64 {
			return fmt.Errorf("%w: too many attributes", errCMS)
		}
	}
	return nil
}

// parseAdbeRevocation reads Adobe's revocation archive attribute (used by
// other signers) so its OCSP responses and CRLs count as embedded data.
func (m *signedMessage) parseAdbeRevocation() {
	for _, v := range m.signedAttrs[oidAttrAdbeRevocation.String()] {
		var arch struct {
			CRL   []asn1.RawValue `asn1:"optional,explicit,tag:0"`
			OCSP  []asn1.RawValue `asn1:"optional,explicit,tag:1"`
			Other asn1.RawValue   `asn1:"optional,explicit,tag:2"`
		}
		if _, err := asn1.Unmarshal(v.FullBytes, &arch); err != nil {
			continue
		}
		for _, c := range arch.CRL {
			m.embeddedCRLs = append(m.embeddedCRLs, c.FullBytes)
		}
		for _, o := range arch.OCSP {
			m.embeddedOCSP = append(m.embeddedOCSP, o.FullBytes)
		}
	}
}

// signerCert finds the certificate named by the SignerInfo's sid.
func (m *signedMessage) signerCert() (*x509.Certificate, error) {
	sid := m.si.SID
	if sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence {
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("%w: sid: %v", errCMS, err)
		}
		for _, c := range m.certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c, nil
			}
		}
	} else if sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 {
		for _, c := range m.certs {
			if bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	}
	return nil, errors.New("signer certificate not in the CMS")
}

func (m *signedMessage) attrOctets(oid asn1.ObjectIdentifier) ([]byte, bool) {
	vs := m.signedAttrs[oid.String()]
	if len(vs) != 1 {
		return nil, false
	}
	var b []byte
	if _, err := asn1.Unmarshal(vs[0].FullBytes, &b); err != nil {
		return nil, false
	}
	return b, true
}

// checkDigest compares the message-digest attribute with digest.
func (m *signedMessage) checkDigest(digest []byte) bool {
	md, ok := m.attrOctets(oidAttrMessageDigest)
	return ok && bytes.Equal(md, digest)
}

// verifySignature checks the SignerInfo signature over the signed
// attributes with cert's public key.
func (m *signedMessage) verifySignature(cert *x509.Certificate) error {
	if len(m.si.SignedAttrs.FullBytes) == 0 {
		return errors.New("no signed attributes")
	}
	set := append([]byte(nil), m.si.SignedAttrs.FullBytes...)
	set[0] = 0x31
	return verifyRaw(cert.PublicKey, m.digestHash, m.si.SignatureAlgorithm, set, m.si.Signature)
}

// verifyRaw verifies sig over data with the algorithm alg.
func verifyRaw(pub crypto.PublicKey, h crypto.Hash, alg pkix.AlgorithmIdentifier, data, sig []byte) error {
	oid := alg.Algorithm
	switch {
	case oid.Equal(oidSHA256WithRSA):
		h = crypto.SHA256
	case oid.Equal(oidSHA384WithRSA):
		h = crypto.SHA384
	case oid.Equal(oidSHA512WithRSA):
		h = crypto.SHA512
	case oid.Equal(oidSHA1WithRSA):
		h = crypto.SHA1
	case oid.Equal(oidECDSAWithSHA256):
		h = crypto.SHA256
	case oid.Equal(oidECDSAWithSHA384):
		h = crypto.SHA384
	case oid.Equal(oidECDSAWithSHA512):
		h = crypto.SHA512
	}
	if !h.Available() {
		return fmt.Errorf("hash %v unavailable", h)
	}
	d := h.New()
	d.Write(data)
	sum := d.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if oid.Equal(oidRSAPSS) {
			ph, salt, err := parsePSSParams(alg.Parameters.FullBytes)
			if err != nil {
				return err
			}
			if ph != h {
				d := ph.New()
				d.Write(data)
				sum = d.Sum(nil)
			}
			return rsa.VerifyPSS(k, ph, sum, sig, &rsa.PSSOptions{SaltLength: salt, Hash: ph})
		}
		if !oid.Equal(oidRSAEncryption) && !oid.Equal(oidSHA256WithRSA) && !oid.Equal(oidSHA384WithRSA) && !oid.Equal(oidSHA512WithRSA) && !oid.Equal(oidSHA1WithRSA) {
			return fmt.Errorf("signature algorithm %v does not match an RSA key", oid)
		}
		return rsa.VerifyPKCS1v15(k, h, sum, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	case ed25519.PublicKey:
		if !oid.Equal(oidEd25519) || !ed25519.Verify(k, data, sig) {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	return fmt.Errorf("unsupported public key %T", pub)
}

func parsePSSParams(der []byte) (crypto.Hash, int, error) {
	var p struct {
		Hash pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
		MGF  pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
		Salt int                      `asn1:"optional,explicit,tag:2,default:20"`
	}
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return 0, 0, fmt.Errorf("bad RSASSA-PSS parameters: %v", err)
	}
	h := crypto.SHA1
	if len(p.Hash.Algorithm) > 0 {
		var ok bool
		if h, ok = hashFromOID(p.Hash.Algorithm); !ok {
			return 0, 0, errors.New("unsupported PSS hash")
		}
	}
	return h, p.Salt, nil
}

// signingCertV2Matches reports whether a signing-certificate-v2 (or v1)
// attribute is present and names cert. present=false if neither exists.
func (m *signedMessage) signingCertMatches(cert *x509.Certificate) (present, match bool) {
	type essCertIDv2 struct {
		HashAlg  pkix.AlgorithmIdentifier `asn1:"optional"`
		CertHash []byte
		Issuer   asn1.RawValue `asn1:"optional"`
	}
	for _, v := range m.signedAttrs[oidAttrSigningCertV2.String()] {
		present = true
		var sc struct {
			Certs    []asn1.RawValue
			Policies asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(sc.Certs) == 0 {
			return true, false
		}
		var id essCertIDv2
		if _, err := asn1.Unmarshal(sc.Certs[0].FullBytes, &id); err != nil {
			return true, false
		}
		h := crypto.SHA256
		if len(id.HashAlg.Algorithm) > 0 {
			var ok bool
			if h, ok = hashFromOID(id.HashAlg.Algorithm); !ok {
				return true, false
			}
		}
		d := h.New()
		d.Write(cert.Raw)
		return true, bytes.Equal(d.Sum(nil), id.CertHash)
	}
	for _, v := range m.signedAttrs[oidAttrSigningCertV1.String()] {
		present = true
		var sc struct{ Certs []asn1.RawValue }
		if _, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(sc.Certs) == 0 {
			return true, false
		}
		var id struct{ CertHash []byte }
		if _, err := asn1.Unmarshal(sc.Certs[0].FullBytes, &id); err != nil {
			return true, false
		}
		d := crypto.SHA1.New()
		d.Write(cert.Raw)
		return true, bytes.Equal(d.Sum(nil), id.CertHash)
	}
	return false, false
}
