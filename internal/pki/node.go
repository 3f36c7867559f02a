package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// NodeProfile is the profile of a deployment's node certificate: the TLS
// identity (serverAuth and clientAuth) it presents to the other
// deployments it exchanges documents with, and signs its packages with.
const NodeProfile = "node"

// NodeIdentity returns this deployment's node certificate, its key and the
// issuing chain (nearest CA first). The first call issues one from the
// issuing CA with a key generated in the key store; a certificate that
// expires within renewBefore (or is revoked) is replaced by a new one with
// a new key and the same subject, which peers that pinned this CA and
// subject accept in place of the old one (docs/exchange.md).
// Issuance is audited as pki.cert.issue by the system.
func (s *Service) NodeIdentity(ctx context.Context, subj Subject, renewBefore time.Duration) (crypto.Signer, *x509.Certificate, []*x509.Certificate, error) {
	var serial string
	var renewed int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT serial, id FROM pki_certificates
		WHERE profile = $1 AND revoked_at IS NULL AND key_id IS NOT NULL ORDER BY not_after DESC, id DESC LIMIT 1`, NodeProfile).Scan(&serial, &renewed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, err
	}
	now := s.now()
	if serial != "" {
		c, err := s.certificate(ctx, s.db.Reader(), serial)
		if err != nil {
			return nil, nil, nil, err
		}
		if !now.Before(c.NotBefore) && now.Add(renewBefore).Before(c.NotAfter) {
			signer, err := s.keys.Signer(ctx, c.KeyRef)
			if err != nil {
				return nil, nil, nil, err
			}
			chain, err := s.Chain(ctx, c.CA)
			if err != nil {
				return nil, nil, nil, err
			}
			return signer, c.X509, chain, nil
		}
	}
	p, ok := s.profiles[NodeProfile]
	if !ok {
		return nil, nil, nil, apperr.New(apperr.Invalid, "Thiếu mẫu chứng thư số %q", NodeProfile)
	}
	issuer, err := s.issuingCA(ctx, "")
	if err != nil {
		return nil, nil, nil, err
	}
	if _, _, err := p.buildSubject(subj); err != nil {
		return nil, nil, nil, err
	}
	ref, signer, err := s.keys.Generate(ctx, ECDSAP256, NodeProfile)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.issue(ctx, actor.SystemActor("exchange"), issuer, p, subj, signer.Public(), ref, ECDSAP256, 0, renewed, owner{}, "pki.cert.issue")
	if err != nil {
		_ = s.keys.Delete(context.WithoutCancel(ctx), ref)
		return nil, nil, nil, err
	}
	chain, err := s.Chain(ctx, c.CA)
	if err != nil {
		return nil, nil, nil, err
	}
	return signer, c.X509, chain, nil
}
