package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// RevocationReason is an RFC 5280 §5.3.1 CRLReason.
type RevocationReason int

// The revocation reasons accepted by Revoke (certificateHold and
// removeFromCRL are not: revocation here is final).
const (
	ReasonUnspecified          RevocationReason = 0
	ReasonKeyCompromise        RevocationReason = 1
	ReasonCACompromise         RevocationReason = 2
	ReasonAffiliationChanged   RevocationReason = 3
	ReasonSuperseded           RevocationReason = 4
	ReasonCessationOfOperation RevocationReason = 5
	ReasonCertificateHold      RevocationReason = 6
	ReasonPrivilegeWithdrawn   RevocationReason = 9
	ReasonAACompromise         RevocationReason = 10
)

var reasonNames = map[RevocationReason]string{
	ReasonUnspecified: "unspecified", ReasonKeyCompromise: "keyCompromise", ReasonCACompromise: "cACompromise",
	ReasonAffiliationChanged: "affiliationChanged", ReasonSuperseded: "superseded",
	ReasonCessationOfOperation: "cessationOfOperation", ReasonCertificateHold: "certificateHold",
	ReasonPrivilegeWithdrawn: "privilegeWithdrawn", ReasonAACompromise: "aACompromise",
}

// String returns the RFC 5280 name.
func (r RevocationReason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// ParseReason accepts an RFC 5280 name (case-insensitive) or number.
func ParseReason(s string) (RevocationReason, error) {
	s = strings.TrimSpace(s)
	for r, n := range reasonNames {
		if strings.EqualFold(n, s) || fmt.Sprint(int(r)) == s {
			return r, r.validate()
		}
	}
	return 0, apperr.Wrap(ErrBadReason, apperr.Invalid,
		"Lý do thu hồi %q không hợp lệ (unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, aACompromise)", s)
}

func (r RevocationReason) validate() error {
	if _, ok := reasonNames[r]; !ok || r == ReasonCertificateHold {
		return apperr.Wrap(ErrBadReason, apperr.Invalid, "Lý do thu hồi %s không được chấp nhận (thu hồi là vĩnh viễn, không tạm dừng)", r)
	}
	return nil
}

// Revoke revokes the certificate with serial (hex) for reason, re-issues the
// issuing CA's CRL and re-signs the certificate's OCSP answer in the same
// transaction as the audit entry. note is recorded in the audit entry.
// Errors: ENOTFOUND (ErrNotFound), ECONFLICT (ErrAlreadyRevoked),
// EINVALID (ErrBadReason).
func (s *Service) Revoke(ctx context.Context, a *actor.Actor, serial string, reason RevocationReason, note string) (*Certificate, error) {
	if a == nil {
		return nil, s.authorize(ctx, a, access.PKICertRevoke, access.Resource{Type: "pki_certificate", ID: serial})
	}
	cur, err := s.certificate(ctx, s.db.Reader(), serial)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, a, access.PKICertRevoke, cur.Resource()); err != nil {
		return nil, err
	}
	if err := reason.validate(); err != nil {
		return nil, err
	}
	if len(note) > 500 {
		return nil, apperr.FieldError("note", "Ghi chú thu hồi quá dài (tối đa 500 byte)")
	}
	var out *Certificate
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.certificate(ctx, tx, serial)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Second)
		if err := s.revokeTx(ctx, tx, a, c, reason, now, note); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.afterRevoke(out.CA, out.Serial)
	s.log.Info("pki: certificate revoked", "serial", out.Serial, "ca", out.CA, "reason", reason.String())
	return out, nil
}

// revokeTx marks c revoked, re-signs its OCSP answer, issues a new CRL and
// records the audit entry. c is updated in place.
func (s *Service) revokeTx(ctx context.Context, tx *sql.Tx, a *actor.Actor, c *Certificate, reason RevocationReason, now time.Time, note string) error {
	if c.Revoked {
		return apperr.Wrap(ErrAlreadyRevoked, apperr.Conflict, "Chứng thư số %s đã bị thu hồi từ %s", c.Serial, c.RevokedAt.In(locale.VN).Format("15:04 02/01/2006"))
	}
	if c.Profile == "ca" && c.X509.CheckSignatureFrom(c.X509) == nil {
		return apperr.New(apperr.Invalid, "Không thu hồi được CA gốc (tự ký): hãy ngừng tin cậy nó thay vì thu hồi")
	}
	before := c.auditView()
	res, err := tx.ExecContext(ctx, `UPDATE pki_certificates SET revoked_at = $1, revocation_reason = $2 WHERE id = $3 AND revoked_at IS NULL`,
		db.Micros(now), int(reason), c.ID)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", c.Serial, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.Wrap(ErrAlreadyRevoked, apperr.Conflict, "Chứng thư số %s đã bị thu hồi", c.Serial)
	}
	c.Revoked, c.RevokedAt, c.RevocationReason = true, now, reason
	issuer, err := s.caByName(ctx, c.CA)
	if err != nil {
		return err
	}
	caKey, err := s.caSigner(ctx, issuer)
	if err != nil {
		return err
	}
	resp, err := s.responder(ctx, issuer)
	if err != nil {
		return err
	}
	if err := s.presignTx(ctx, tx, issuer, resp.signer, resp.cert, c.X509.SerialNumber, now); err != nil {
		return err
	}
	if _, err := s.issueCRLTx(ctx, tx, issuer, caKey, now); err != nil {
		return err
	}
	return s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "pki.cert.revoke", ObjectType: "pki_certificate", ObjectID: c.Serial,
		Before: before, After: c.auditView(), Summary: map[string]any{"reason": reason.String(), "ca": c.CA}, Reason: note})
}

// afterRevoke drops this replica's caches for a revoked certificate.
func (s *Service) afterRevoke(ca, serial string) {
	if r, err := s.caByName(context.Background(), ca); err == nil {
		s.crl.Delete(r.id)
		if n, ok := new(big.Int).SetString(serial, 16); ok {
			s.ocsp.forget(r.id, n)
		}
	}
	// A revoked CA or service certificate changes who may sign.
	s.ocsp.forgetResponders()
	s.tsa.forget()
}

// crlEntry is a replica's cached CRL.
type crlEntry struct {
	der        []byte
	thisUpdate time.Time
	nextUpdate time.Time
	loaded     time.Time
}

// issueCRLTx issues the next CRL of ca inside tx: every certificate it
// revoked that has not expired yet.
func (s *Service) issueCRLTx(ctx context.Context, tx *sql.Tx, ca *caRec, caKey crypto.Signer, now time.Time) (*crlEntry, error) {
	var number int64
	if err := tx.QueryRowContext(ctx, `UPDATE pki_cas SET crl_number = crl_number + 1 WHERE id = $1 RETURNING crl_number`, ca.id).Scan(&number); err != nil {
		return nil, fmt.Errorf("next CRL number of %s: %w", ca.name, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT serial, revoked_at, COALESCE(revocation_reason, 0) FROM pki_certificates
 WHERE ca_id = $1 AND revoked_at IS NOT NULL AND not_after > $2 ORDER BY id`, ca.id, db.Micros(now))
	if err != nil {
		return nil, fmt.Errorf("revoked certificates of %s: %w", ca.name, err)
	}
	var entries []x509.RevocationListEntry
	for rows.Next() {
		var serial string
		var at int64
		var reason int
		if err := rows.Scan(&serial, &at, &reason); err != nil {
			rows.Close()
			return nil, err
		}
		n, _ := new(big.Int).SetString(serial, 16)
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: db.FromMicros(at), ReasonCode: reason})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	next := now.Add(s.cfg.CRLValidity)
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(number),
		ThisUpdate:                now,
		NextUpdate:                next,
		RevokedCertificateEntries: entries,
	}, ca.cert, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign CRL of %s: %w", ca.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pki_crls (ca_id, number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5)`,
		ca.id, number, db.Micros(now), db.Micros(next), der); err != nil {
		return nil, fmt.Errorf("store CRL of %s: %w", ca.name, err)
	}
	return &crlEntry{der: der, thisUpdate: now, nextUpdate: next}, nil
}

var crlMu sync.Mutex // one CRL refresh at a time in this replica

// CRL returns the current DER CRL of the CA called name, issuing a new one
// when half of the current one's validity has passed. Errors: ENOTFOUND
// (ErrUnknownCA).
func (s *Service) CRL(ctx context.Context, name string) ([]byte, time.Time, error) {
	ca, err := s.caByName(ctx, name)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	if v, ok := s.crl.Load(ca.id); ok {
		e := v.(*crlEntry)
		if now.Sub(e.loaded) < s.cfg.OCSPCacheTTL && now.Before(e.thisUpdate.Add(e.nextUpdate.Sub(e.thisUpdate)/2)) {
			return e.der, e.nextUpdate, nil
		}
	}
	e, err := s.loadCRL(ctx, s.db.Reader(), ca)
	if err != nil {
		return nil, time.Time{}, err
	}
	if e == nil || !now.Before(e.thisUpdate.Add(e.nextUpdate.Sub(e.thisUpdate)/2)) {
		crlMu.Lock()
		defer crlMu.Unlock()
		caKey, err := s.caSigner(ctx, ca)
		if err != nil {
			return nil, time.Time{}, err
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			cur, err := s.loadCRL(ctx, tx, ca)
			if err != nil {
				return err
			}
			t := s.now().UTC().Truncate(time.Second)
			if cur != nil && t.Before(cur.thisUpdate.Add(cur.nextUpdate.Sub(cur.thisUpdate)/2)) {
				e = cur // another replica was first
				return nil
			}
			e, err = s.issueCRLTx(ctx, tx, ca, caKey, t)
			return err
		})
		if err != nil {
			return nil, time.Time{}, err
		}
	}
	e.loaded = now
	s.crl.Store(ca.id, e)
	return e.der, e.nextUpdate, nil
}

func (s *Service) loadCRL(ctx context.Context, q db.Querier, ca *caRec) (*crlEntry, error) {
	var e crlEntry
	var tu, nu int64
	err := q.QueryRowContext(ctx, `SELECT der, this_update, next_update FROM pki_crls WHERE ca_id = $1 ORDER BY number DESC LIMIT 1`, ca.id).Scan(&e.der, &tu, &nu)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load CRL of %s: %w", ca.name, err)
	}
	e.thisUpdate, e.nextUpdate = db.FromMicros(tu), db.FromMicros(nu)
	return &e, nil
}
