package edxml

import (
	"crypto"
	"crypto/x509"
	"time"
)

// Build writes m as a signed edXML package: a MIME multipart/related whose
// root part is the envelope and whose other parts are the attachments in
// base64. signer signs with the first certificate of chain, which KeyInfo
// carries whole.
func Build(m *Message, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	return nil, fail(ReasonSigner, "chưa hỗ trợ")
}

// BuildStatus writes s as a signed status package.
func BuildStatus(s *Status, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	return nil, fail(ReasonSigner, "chưa hỗ trợ")
}

// Parse reads a package within lim: a MIME multipart/related package or a
// bare envelope.
func Parse(data []byte, lim Limits) (*Package, error) {
	return nil, fail(ReasonMalformed, "chưa hỗ trợ")
}

// Verify checks p's signature (the chain against roots at time at), the
// attachments against the Manifest and the required fields.
func Verify(p *Package, roots *x509.CertPool, at time.Time) (*Report, error) {
	return nil, fail(ReasonSignature, "chưa hỗ trợ")
}
