// Package pki is the platform's certificate authority: a root and an issuing
// CA, certificates for officials (personal) and agencies (organisation
// seal), renewal and revocation, CRLs, a pre-signing OCSP responder, an
// RFC 3161 time-stamping authority, and the trust store that PDF signature
// validation builds chains against.
//
// Private keys live in a KeyStore (encrypted PKCS#8 files or PKCS#11) and
// never leave it in clear. Every state change — CA initialisation, issuance,
// renewal, revocation, trust-store change — is one database transaction that
// also writes its audit entry. The protocol endpoints (HTTP) are in pkihttp.
package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Recorder writes audit entries inside the caller's transaction;
// *audit.Log implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Config configures a Service.
type Config struct {
	// BaseURL is the public base URL the certificates point at, e.g.
	// "https://dichvucong.quangtri.gov.vn": AIA OCSP = BaseURL+"/pki/ocsp",
	// caIssuers = BaseURL+"/pki/ca/<ca>.crt", CRL = BaseURL+"/pki/crl/<ca>.crl".
	BaseURL string
	// Keys holds the private keys (required).
	Keys KeyStore
	// Audit records every state change (required).
	Audit Recorder
	// Directory gives the identities certificates are issued to; Issue
	// refuses (EUNAVAILABLE) without it.
	Directory Directory
	// Now is the clock; clock.Now when nil.
	Now func() time.Time
	// Logger gets operational messages (never key material); slog.Default when nil.
	Logger *slog.Logger
	// Profiles replaces DefaultProfiles when not nil.
	Profiles []Profile
	// OCSPValidity is the nextUpdate − thisUpdate of OCSP responses (default
	// 24 h); pre-signed responses are refreshed after half of it.
	OCSPValidity time.Duration
	// OCSPCacheTTL is how long a replica trusts its in-memory OCSP answer
	// before re-reading the database (default 10 s): another replica's
	// revocation shows within this time.
	OCSPCacheTTL time.Duration
	// CRLValidity is nextUpdate − thisUpdate of CRLs (default 7 days); a CRL
	// is re-issued on revocation and after half of it.
	CRLValidity time.Duration
	// TSAPolicy is the TSA policy OID, dotted (default DefaultTSAPolicy).
	TSAPolicy string
	// TSAAccuracy is the accuracy stated in tokens (default 1 s).
	TSAAccuracy time.Duration
	// TSASerialBlock is how many TSA serial numbers a replica reserves per
	// database transaction (default 1000).
	TSASerialBlock int
}

// Service is the certificate authority. It is safe for concurrent use; its
// in-memory caches (CAs, signers, OCSP answers) are only caches: the
// database is the truth, so several replicas may run side by side.
type Service struct {
	db       *db.DB
	cfg      Config
	keys     KeyStore
	audit    Recorder
	now      func() time.Time
	log      *slog.Logger
	profiles map[string]Profile
	baseURL  string

	mu      sync.RWMutex
	cas     map[string]*caRec // by name
	casByID map[int64]*caRec
	loaded  time.Time

	ocsp *ocspCache
	crl  sync.Map // ca id → *crlEntry
	tsa  *tsaState
}

// New returns the CA service over d (migrated with Migrations).
func New(ctx context.Context, d *db.DB, cfg Config) (*Service, error) {
	if cfg.Keys == nil || cfg.Audit == nil {
		return nil, errors.New("pki.New: Keys and Audit are required")
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Profiles == nil {
		cfg.Profiles = DefaultProfiles()
	}
	if cfg.OCSPValidity <= 0 {
		cfg.OCSPValidity = 24 * time.Hour
	}
	if cfg.OCSPCacheTTL <= 0 {
		cfg.OCSPCacheTTL = 10 * time.Second
	}
	if cfg.CRLValidity <= 0 {
		cfg.CRLValidity = 7 * 24 * time.Hour
	}
	if cfg.TSAPolicy == "" {
		cfg.TSAPolicy = DefaultTSAPolicy
	}
	if cfg.TSAAccuracy <= 0 {
		cfg.TSAAccuracy = time.Second
	}
	if cfg.TSASerialBlock <= 0 {
		cfg.TSASerialBlock = 1000
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, apperr.New(apperr.Invalid, "Địa chỉ công khai (base URL) của dịch vụ chứng thư số phải bắt đầu bằng http:// hoặc https://")
	}
	s := &Service{db: d, cfg: cfg, keys: cfg.Keys, audit: cfg.Audit, now: cfg.Now, log: cfg.Logger,
		profiles: map[string]Profile{}, baseURL: base}
	for _, p := range cfg.Profiles {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		s.profiles[p.Name] = p
	}
	for _, need := range []string{"tsa", "ocsp"} {
		if _, ok := s.profiles[need]; !ok {
			return nil, apperr.New(apperr.Invalid, "Thiếu mẫu chứng thư số %q", need)
		}
	}
	s.ocsp = newOCSPCache()
	tsa, err := newTSAState(cfg)
	if err != nil {
		return nil, err
	}
	s.tsa = tsa
	if err := s.reloadCAs(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Profiles returns the certificate profiles in use.
func (s *Service) Profiles() []Profile {
	out := make([]Profile, 0, len(s.profiles))
	for _, p := range s.cfg.Profiles {
		out = append(out, p)
	}
	return out
}

// authorize asks access.Can whether a may perform action on res. Every
// public method calls it before opening its transaction (a refusal is
// recorded in its own small one).
func (s *Service) authorize(ctx context.Context, a *actor.Actor, action access.Action, res access.Resource) error {
	return access.Authorize(ctx, a, action, res)
}

// caResource is the platform's CA as an access object (platform-wide).
var caResource = access.Resource{Type: "pki_ca", ID: "ca"}

// Resource describes the certificate for access decisions: it belongs to
// its holder's account and to its agency (0 for CA and service
// certificates: platform-wide).
func (c *Certificate) Resource() access.Resource {
	return access.Resource{Type: "pki_certificate", ID: c.Serial, AgencyID: c.AgencyID, OwnerID: c.Holder}
}

// caRec is one of our CAs as cached in memory.
type caRec struct {
	id        int64
	name      string
	parentID  int64
	keyRef    string
	cert      *x509.Certificate
	crlNumber int64
	ocspCert  int64 // delegated responder certificate id, 0 = CA signs
}

// CA describes one of the platform's certificate authorities.
type CA struct {
	ID          int64
	Name        string            // used in URLs
	Parent      string            // issuing CA's parent name; "" for the root
	Certificate *x509.Certificate // the CA certificate
	Serial      string
	NotBefore   time.Time
	NotAfter    time.Time
	Revoked     bool  // its certificate was revoked by the parent
	CRLNumber   int64 // last CRL number issued
}

const caColumns = `c.id, c.name, COALESCE(c.parent_id, 0), c.key_id, c.cert_der, c.crl_number, COALESCE(c.ocsp_cert_id, 0)`

func scanCA(row interface{ Scan(...any) error }) (*caRec, error) {
	var r caRec
	var der []byte
	if err := row.Scan(&r.id, &r.name, &r.parentID, &r.keyRef, &der, &r.crlNumber, &r.ocspCert); err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("stored certificate of CA %s: %w", r.name, err)
	}
	r.cert = c
	return &r, nil
}

// reloadCAs refreshes the in-memory CA set from the database.
func (s *Service) reloadCAs(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+caColumns+` FROM pki_cas c ORDER BY c.id`)
	if err != nil {
		return fmt.Errorf("load CAs: %w", err)
	}
	defer rows.Close()
	byName := map[string]*caRec{}
	byID := map[int64]*caRec{}
	for rows.Next() {
		r, err := scanCA(rows)
		if err != nil {
			return err
		}
		byName[r.name] = r
		byID[r.id] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.cas, s.casByID, s.loaded = byName, byID, clock.Now()
	s.mu.Unlock()
	s.ocsp.setIssuers(byID)
	return nil
}

// caByName returns a cached CA, reloading once if unknown (another replica
// may have created it).
func (s *Service) caByName(ctx context.Context, name string) (*caRec, error) {
	s.mu.RLock()
	r, ok := s.cas[name]
	stale := time.Since(s.loaded) > time.Second
	s.mu.RUnlock()
	if ok {
		return r, nil
	}
	if stale {
		if err := s.reloadCAs(ctx); err != nil {
			return nil, err
		}
		s.mu.RLock()
		r, ok = s.cas[name]
		s.mu.RUnlock()
		if ok {
			return r, nil
		}
	}
	return nil, unknownCA(name)
}

func (s *Service) caByID(id int64) *caRec {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.casByID[id]
}

func unknownCA(name string) error {
	return apperr.Wrap(fmt.Errorf("%w: %q", ErrUnknownCA, name), apperr.NotFound, "Không có tổ chức cấp chứng thư số (CA) tên %q", name)
}

// CAs lists the platform's certificate authorities.
func (s *Service) CAs(ctx context.Context, a *actor.Actor) ([]CA, error) {
	if err := s.authorize(ctx, a, access.PKICARead, caResource); err != nil {
		return nil, err
	}
	return s.listCAs(ctx, s.db.Reader())
}

func (s *Service) listCAs(ctx context.Context, q db.Querier) ([]CA, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+caColumns+`, COALESCE(p.name, ''),
 (SELECT x.revoked_at FROM pki_certificates x WHERE x.serial = c.serial) IS NOT NULL
 FROM pki_cas c LEFT JOIN pki_cas p ON p.id = c.parent_id ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("list CAs: %w", err)
	}
	defer rows.Close()
	var out []CA
	for rows.Next() {
		var r caRec
		var der []byte
		var parent string
		var revoked bool
		if err := rows.Scan(&r.id, &r.name, &r.parentID, &r.keyRef, &der, &r.crlNumber, &r.ocspCert, &parent, &revoked); err != nil {
			return nil, err
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		out = append(out, CA{ID: r.id, Name: r.name, Parent: parent, Certificate: c, Serial: serialHex(c.SerialNumber),
			NotBefore: c.NotBefore, NotAfter: c.NotAfter, Revoked: revoked, CRLNumber: r.crlNumber})
	}
	return out, rows.Err()
}

// CACertificate returns the certificate of the CA called name (for
// /pki/ca/<name>.crt). Unknown name: ENOTFOUND wrapping ErrUnknownCA.
func (s *Service) CACertificate(ctx context.Context, name string) (*x509.Certificate, error) {
	r, err := s.caByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return r.cert, nil
}

// Chain returns the CA chain above a certificate issued by the CA called
// caName: the issuing CA first, the root last.
func (s *Service) Chain(ctx context.Context, caName string) ([]*x509.Certificate, error) {
	r, err := s.caByName(ctx, caName)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for r != nil && len(out) < 8 {
		out = append(out, r.cert)
		if r.parentID == 0 {
			break
		}
		r = s.caByID(r.parentID)
	}
	return out, nil
}

// caSigner returns the signer of a CA.
func (s *Service) caSigner(ctx context.Context, r *caRec) (crypto.Signer, error) {
	return s.keys.Signer(ctx, r.keyRef)
}
