package exchange

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
)

// EDXML is the Codec of edXML packages (QCVN 102:2016/BTTTT): Open parses
// within Limits and verifies the XML signature; the signer must be the
// peer's pinned node certificate or chain to a trust anchor (Roots, the
// platform's trust store), so a package signed by the sending agency's seal
// under a trusted CA passes as well.
type EDXML struct {
	Limits edxml.Limits
	// Roots returns the trust anchors; nil means the pinned certificate only.
	Roots func(ctx context.Context) (*x509.CertPool, error)
	Now   func() time.Time // [clock.Now]
}

func (c EDXML) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return clock.Now()
}

func (c EDXML) roots(peer *x509.Certificate) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if c.Roots != nil {
		p, err := c.Roots(context.Background())
		if err != nil {
			return nil, err
		}
		if p != nil {
			pool = p.Clone()
		}
	}
	if peer != nil {
		pool.AddCert(peer)
	}
	return pool, nil
}

// Open parses and verifies a package from the peer.
func (c EDXML) Open(raw []byte, sender *x509.Certificate) (*Envelope, error) {
	p, err := edxml.Parse(raw, c.Limits)
	if err != nil {
		return nil, err
	}
	env := envelopeOf(p)
	if env == nil {
		return nil, apperr.New(apperr.Invalid, "Gói tin không có MessageHeader hay Status")
	}
	roots, err := c.roots(sender)
	if err != nil {
		return nil, err
	}
	if _, err := edxml.Verify(p, roots, c.now()); err != nil {
		return env, err
	}
	return env, nil
}

// envelopeOf reads what the exchange needs from a parsed package.
func envelopeOf(p *edxml.Package) *Envelope {
	env := envelopeFields(p)
	if env != nil {
		env.Digest = hex.EncodeToString(p.Digest[:])
	}
	return env
}

func envelopeFields(p *edxml.Package) *Envelope {
	switch {
	case p.Message != nil:
		m := p.Message
		env := &Envelope{From: m.From.OrganID, DocumentID: m.DocumentID, Kind: KindDocument,
			Code: strconv.Itoa(int(m.Business.Type)), Package: p}
		for _, to := range m.To {
			env.Recipients = append(env.Recipients, to.OrganID)
		}
		if len(env.Recipients) > 0 {
			env.To = env.Recipients[0]
		}
		return env
	case p.Status != nil:
		s := p.Status
		return &Envelope{From: s.From.OrganID, To: s.ResponseFor.OrganID, Recipients: []string{s.ResponseFor.OrganID},
			DocumentID: s.ResponseFor.DocumentID, Kind: KindStatus, Code: string(s.Code), Package: p}
	}
	return nil
}

// Receipt builds the signed status package (01 or 02) answering env.
func (c EDXML) Receipt(env *Envelope, status, reason string, id *Identity, now time.Time) ([]byte, error) {
	st := &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: env.From, DocumentID: env.DocumentID},
		From:        edxml.Organization{OrganID: env.To},
		Code:        edxml.StatusCode(status),
		Description: reason,
		Timestamp:   now,
	}
	if p, ok := env.Package.(*edxml.Package); ok && p.Message != nil {
		m := p.Message
		st.ResponseFor.Code = m.CodeNumber
		if m.CodeNotation != "" {
			st.ResponseFor.Code = m.CodeNumber + "/" + m.CodeNotation
		}
		st.ResponseFor.PromulgationDate = m.PromulgationDate
		for _, to := range m.To {
			if to.OrganID == env.To {
				st.From = to
			}
		}
	}
	if st.From.OrganName == "" {
		// A status package (03–06 from a receiver) names no name for this
		// side; edXML requires one: the code stands for it.
		st.From.OrganName = st.From.OrganID
	}
	return edxml.BuildStatus(st, id.Signer, append([]*x509.Certificate{id.Cert}, id.Chain...))
}

// ReadReceipt parses and verifies the peer's receipt.
func (c EDXML) ReadReceipt(raw []byte, peer *x509.Certificate) (string, string, error) {
	p, err := edxml.Parse(raw, c.Limits)
	if err != nil {
		return "", "", err
	}
	if p.Status == nil {
		return "", "", apperr.New(apperr.Invalid, "Biên nhận không phải gói tin trạng thái")
	}
	roots, err := c.roots(peer)
	if err != nil {
		return "", "", err
	}
	if _, err := edxml.Verify(p, roots, c.now()); err != nil {
		return "", "", err
	}
	return string(p.Status.Code), p.Status.Description, nil
}

// SignedBy reports whether env, opened by Open, was signed with cert
// itself rather than a certificate under the trust store: over NATS, where
// no TLS certificate names the sender, the peer whose own certificate
// signed the package is the sender.
func (c EDXML) SignedBy(env *Envelope, cert *x509.Certificate) bool {
	p, ok := env.Package.(*edxml.Package)
	return ok && len(p.Chain) > 0 && p.Chain[0].Equal(cert)
}
