package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/chinhquyen/chinhquyen/internal/cms"
)

// Object identifiers used in CMS/CAdES.
var (
	oidSignedData             = cms.OIDSignedData
	oidTSTInfo                = cms.OIDTSTInfo
	oidAttrMessageDigest      = cms.OIDAttributeMessageDigest
	oidAttrSigningTime        = cms.OIDAttributeSigningTime
	oidAttrSigningCertV2      = cms.OIDAttributeSigningCertV2
	oidAttrSignatureTimeStamp = cms.OIDAttributeSignatureTimeStamp
	oidAttrSigningCertV1      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
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
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}

	oidRevInfoOCSP = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

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
