package pki

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// SigningAction is the access action that signing a document with a
// certificate of the given profile needs: a seal is the agency's
// (access.PDFSignSeal), any other end-entity profile is personal
// (access.PDFSignOwn). CA, TSA and OCSP certificates never sign documents
// (ok false).
func SigningAction(profile string) (access.Action, bool) {
	switch profile {
	case "ca", "tsa", "ocsp", NodeProfile:
		return "", false
	case "seal":
		return access.PDFSignSeal, true
	}
	return access.PDFSignOwn, true
}

// SigningCertificates lists the certificates a may sign documents with now:
// its own personal certificates and the seals of the agencies it may seal
// for, valid today, not revoked, with the key in the platform's key store,
// newest first. Nothing is refused here (the list is only what a may use);
// Signer decides again, through access.Can, when a signs.
func (s *Service) SigningCertificates(ctx context.Context, a *actor.Actor) ([]*Certificate, error) {
	if a == nil || a.Kind != actor.Official {
		return nil, nil
	}
	now := db.Micros(s.now())
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+certColumns+` FROM pki_certificates x JOIN pki_cas c ON c.id = x.ca_id
 WHERE x.revoked_at IS NULL AND x.key_id IS NOT NULL AND x.not_before <= $1 AND x.not_after > $1
   AND x.profile NOT IN ('ca', 'tsa', 'ocsp')
   AND ((x.profile <> 'seal' AND x.holder_account_id = $2) OR (x.profile = 'seal' AND x.agency_id <> 0))
 ORDER BY x.id DESC LIMIT 200`, now, a.AccountID)
	if err != nil {
		return nil, fmt.Errorf("signing certificates: %w", err)
	}
	defer rows.Close()
	var out []*Certificate
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		action, _ := SigningAction(c.Profile)
		if access.Permits(ctx, a, action, c.Resource()) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}
