package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// trustResource is the trust store as an access object (platform-wide).
var trustResource = access.Resource{Type: "pki_trust", ID: "truststore"}

// TrustedCert is an imported trust anchor or intermediate.
type TrustedCert struct {
	ID          int64
	Fingerprint string // SHA-256 of the DER, lower-case hex
	Kind        string // "root" (self-signed anchor) or "intermediate"
	Label       string // e.g. "NEAC Root CA", "Ban Cơ yếu Chính phủ"
	Subject     string
	NotAfter    time.Time
	AddedAt     time.Time
	X509        *x509.Certificate
}

func (t TrustedCert) auditView() map[string]any {
	return map[string]any{"fingerprint": t.Fingerprint, "kind": t.Kind, "label": t.Label, "subject": t.Subject,
		"not_after": t.NotAfter.UTC().Format(time.RFC3339)}
}

// ImportTrusted adds the certificates in data (PEM or DER, one or several)
// to the trust store under label: self-signed CA certificates as roots,
// other CA certificates as intermediates. Already present certificates
// are skipped. Errors: EINVALID (ErrBadCertificate, a non-CA certificate).
func (s *Service) ImportTrusted(ctx context.Context, a *actor.Actor, data []byte, label string) ([]TrustedCert, error) {
	if err := s.authorize(ctx, a, access.PKITrustStoreEdit, trustResource); err != nil {
		return nil, err
	}
	label = strings.TrimSpace(label)
	if label == "" || len(label) > 200 {
		return nil, apperr.FieldError("label", "Cần tên gợi nhớ cho chứng thư tin cậy (tối đa 200 byte), ví dụ \"NEAC Root CA\"")
	}
	certs, err := LoadCertificates(data)
	if err != nil {
		return nil, err
	}
	var added []TrustedCert
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		added = added[:0]
		for _, c := range certs {
			if !c.IsCA || !c.BasicConstraintsValid {
				return apperr.Wrap(ErrBadCertificate, apperr.Invalid,
					"Chứng thư %q không phải chứng thư của CA (thiếu basicConstraints CA:TRUE): không đưa vào kho tin cậy", c.Subject.String())
			}
			kind := "intermediate"
			if bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil {
				kind = "root"
			}
			fp := sha256.Sum256(c.Raw)
			t := TrustedCert{Fingerprint: hex.EncodeToString(fp[:]), Kind: kind, Label: label, Subject: c.Subject.String(),
				NotAfter: c.NotAfter, AddedAt: now, X509: c}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO pki_trust (fingerprint, kind, label, subject, not_after, der, added_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (fingerprint) DO NOTHING RETURNING id`,
				t.Fingerprint, kind, label, t.Subject, db.Micros(c.NotAfter), c.Raw, db.Micros(now)).Scan(&id)
			if err == sql.ErrNoRows {
				continue // already trusted
			}
			if err != nil {
				return fmt.Errorf("store trusted certificate: %w", err)
			}
			t.ID = id
			if err := s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "pki.trust.import", ObjectType: "pki_trust",
				ObjectID: t.Fingerprint, After: t.auditView(), Summary: map[string]any{"kind": kind, "label": label}}); err != nil {
				return err
			}
			added = append(added, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// ListTrusted returns the imported trust anchors and intermediates.
func (s *Service) ListTrusted(ctx context.Context, a *actor.Actor) ([]TrustedCert, error) {
	if err := s.authorize(ctx, a, access.PKITrustStoreRead, trustResource); err != nil {
		return nil, err
	}
	return s.listTrusted(ctx, s.db.Reader())
}

func (s *Service) listTrusted(ctx context.Context, q db.Querier) ([]TrustedCert, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, fingerprint, kind, label, subject, not_after, der, added_at FROM pki_trust ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list trusted certificates: %w", err)
	}
	defer rows.Close()
	var out []TrustedCert
	for rows.Next() {
		var t TrustedCert
		var na, at int64
		var der []byte
		if err := rows.Scan(&t.ID, &t.Fingerprint, &t.Kind, &t.Label, &t.Subject, &na, &der, &at); err != nil {
			return nil, err
		}
		t.NotAfter, t.AddedAt = db.FromMicros(na), db.FromMicros(at)
		if t.X509, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("stored trusted certificate %s: %w", t.Fingerprint, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RemoveTrusted removes the trusted certificate with the given SHA-256
// fingerprint (hex). Errors: ENOTFOUND.
func (s *Service) RemoveTrusted(ctx context.Context, a *actor.Actor, fingerprint string) error {
	if err := s.authorize(ctx, a, access.PKITrustStoreEdit, trustResource); err != nil {
		return err
	}
	fp := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(fingerprint))
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var t TrustedCert
		var na, at int64
		err := tx.QueryRowContext(ctx, `SELECT id, fingerprint, kind, label, subject, not_after, added_at FROM pki_trust WHERE fingerprint = $1`, fp).
			Scan(&t.ID, &t.Fingerprint, &t.Kind, &t.Label, &t.Subject, &na, &at)
		if err == sql.ErrNoRows {
			return apperr.New(apperr.NotFound, "Kho tin cậy không có chứng thư với dấu vân tay %s", fp)
		}
		if err != nil {
			return err
		}
		t.NotAfter = db.FromMicros(na)
		if _, err := tx.ExecContext(ctx, `DELETE FROM pki_trust WHERE id = $1`, t.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "pki.trust.remove", ObjectType: "pki_trust",
			ObjectID: t.Fingerprint, Before: t.auditView(), Summary: map[string]any{"label": t.Label}})
	})
}

// TrustAnchors is what a signature validator builds chains against.
type TrustAnchors struct {
	Roots         *x509.CertPool      // our root CAs and imported roots
	Intermediates *x509.CertPool      // our issuing CAs and imported intermediates
	RootCerts     []*x509.Certificate // the same certificates, for reports and DSS
	Intermediate  []*x509.Certificate
}

// VerifyOptions returns x509.VerifyOptions using the anchors at time t,
// accepting any extended key usage (document signing profiles vary).
func (ta *TrustAnchors) VerifyOptions(t time.Time) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: ta.Roots, Intermediates: ta.Intermediates, CurrentTime: t,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
}

// ReadTrust returns the trust anchors stored in d, as Service.Trust does,
// for commands that only verify and open no key store (exchange verify).
func ReadTrust(ctx context.Context, d *db.DB) (*TrustAnchors, error) {
	return (&Service{db: d}).Trust(ctx)
}

// Trust returns the current trust anchors: our CAs plus the imported ones.
// It needs no actor: trust anchors are public.
func (s *Service) Trust(ctx context.Context) (*TrustAnchors, error) {
	ta := &TrustAnchors{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	cas, err := s.listCAs(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	for _, ca := range cas {
		if ca.Parent == "" {
			ta.Roots.AddCert(ca.Certificate)
			ta.RootCerts = append(ta.RootCerts, ca.Certificate)
		} else if !ca.Revoked {
			ta.Intermediates.AddCert(ca.Certificate)
			ta.Intermediate = append(ta.Intermediate, ca.Certificate)
		}
	}
	ts, err := s.listTrusted(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Kind == "root" {
			ta.Roots.AddCert(t.X509)
			ta.RootCerts = append(ta.RootCerts, t.X509)
		} else {
			ta.Intermediates.AddCert(t.X509)
			ta.Intermediate = append(ta.Intermediate, t.X509)
		}
	}
	return ta, nil
}
