package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// InitRequest says how to create the platform's CAs.
type InitRequest struct {
	// Organization is the operator shown in O, e.g. "UBND tỉnh Quảng Trị" (required).
	Organization string
	// Province (ST) and Country (C, default "VN").
	Province, Country string
	// RootName and IssuingName name the CAs in URLs (default "root", "issuing").
	RootName, IssuingName string
	// RootCommonName and IssuingCommonName default to Organization + " - CA gốc" / " - CA cấp phát".
	RootCommonName, IssuingCommonName string
	// Algorithm of the CA, TSA and OCSP keys (default ECDSAP256).
	Algorithm KeyAlgorithm
	// RootValidity and IssuingValidity default to 20 and 10 years.
	RootValidity, IssuingValidity time.Duration
}

// InitResult lists what Init created.
type InitResult struct {
	Root, Issuing CA
	TSA, OCSP     *Certificate
}

var caNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// Init creates the root CA, the issuing CA, the TSA certificate (critical
// EKU timeStamping) and the issuing CA's delegated OCSP responder (EKU
// OCSPSigning, id-pkix-ocsp-nocheck), with keys in the key store, in one
// transaction with its audit entries. Errors: ECONFLICT wrapping
// ErrAlreadyInitialized when CAs exist; EINVALID for bad input.
func (s *Service) Init(ctx context.Context, a *actor.Actor, req InitRequest) (*InitResult, error) {
	if err := s.authorize(ctx, a, access.PKICAInit, caResource); err != nil {
		return nil, err
	}
	req.Organization = strings.TrimSpace(req.Organization)
	if req.Organization == "" {
		return nil, apperr.FieldError("organization", "Cần tên cơ quan vận hành CA (O)")
	}
	if req.RootName == "" {
		req.RootName = "root"
	}
	if req.IssuingName == "" {
		req.IssuingName = "issuing"
	}
	if !caNameRE.MatchString(req.RootName) || !caNameRE.MatchString(req.IssuingName) || req.RootName == req.IssuingName {
		return nil, apperr.FieldError("name", "Tên CA chỉ gồm chữ thường, số và dấu gạch ngang (tối đa 40 ký tự), hai CA phải khác tên")
	}
	if req.Country == "" {
		req.Country = "VN"
	}
	if req.RootCommonName == "" {
		req.RootCommonName = req.Organization + " - CA gốc"
	}
	if req.IssuingCommonName == "" {
		req.IssuingCommonName = req.Organization + " - CA cấp phát"
	}
	if req.Algorithm == "" {
		req.Algorithm = ECDSAP256
	}
	if err := req.Algorithm.Validate(); err != nil {
		return nil, err
	}
	if req.RootValidity <= 0 {
		req.RootValidity = 20 * 365 * 24 * time.Hour
	}
	if req.IssuingValidity <= 0 {
		req.IssuingValidity = 10 * 365 * 24 * time.Hour
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM pki_cas`).Scan(&n); err != nil {
		return nil, fmt.Errorf("count CAs: %w", err)
	}
	if n > 0 {
		return nil, apperr.Wrap(ErrAlreadyInitialized, apperr.Conflict, "Hệ thống CA đã được khởi tạo")
	}

	// Keys are made before the transaction (a PKCS#11 round trip must not
	// hold the SQLite writer); they are deleted again if it fails.
	var made []string
	gen := func(label string) (string, crypto.Signer, error) {
		ref, sg, err := s.keys.Generate(ctx, req.Algorithm, label)
		if err == nil {
			made = append(made, ref)
		}
		return ref, sg, err
	}
	cleanup := func() {
		for _, ref := range made {
			_ = s.keys.Delete(context.WithoutCancel(ctx), ref)
		}
	}
	rootRef, rootKey, err := gen("ca-" + req.RootName)
	if err != nil {
		cleanup()
		return nil, err
	}
	issRef, issKey, err := gen("ca-" + req.IssuingName)
	if err != nil {
		cleanup()
		return nil, err
	}
	tsaRef, tsaKey, err := gen("tsa")
	if err != nil {
		cleanup()
		return nil, err
	}
	ocspRef, ocspKey, err := gen("ocsp-" + req.IssuingName)
	if err != nil {
		cleanup()
		return nil, err
	}

	now := s.now().UTC().Truncate(time.Second)
	caSubject := func(cn string) ([]byte, error) {
		der, _, err := Profile{Subject: []SubjectAttr{
			{Attr: "C", From: "country"}, {Attr: "ST", From: "province"}, {Attr: "O", From: "organization"}, {Attr: "CN", From: "common_name"},
		}}.buildSubject(Subject{Country: req.Country, Province: req.Province, Organization: req.Organization, CommonName: cn})
		return der, err
	}
	rootSubj, err := caSubject(req.RootCommonName)
	if err != nil {
		cleanup()
		return nil, err
	}
	issSubj, err := caSubject(req.IssuingCommonName)
	if err != nil {
		cleanup()
		return nil, err
	}
	res := &InitResult{}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Root: self-signed.
		rootTmpl, err := s.caTemplate(rootSubj, rootKey.Public(), now, now.Add(req.RootValidity), 1)
		if err != nil {
			return err
		}
		rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
		if err != nil {
			return fmt.Errorf("create root certificate: %w", err)
		}
		rootCert, _ := x509.ParseCertificate(rootDER)
		if err := s.insertKey(ctx, tx, rootRef, req.Algorithm, "ca-"+req.RootName, rootKey.Public(), now); err != nil {
			return err
		}
		rootID, err := s.insertCA(ctx, tx, req.RootName, 0, rootRef, rootCert, now)
		if err != nil {
			return err
		}
		root := &caRec{id: rootID, name: req.RootName, keyRef: rootRef, cert: rootCert}
		if _, err := s.insertCert(ctx, tx, root, rootCert, "ca", rootCert.Subject.CommonName, "", "", 0, owner{}, now); err != nil {
			return err
		}

		// Issuing CA: signed by the root, with the root's AIA/CDP.
		issTmpl, err := s.caTemplate(issSubj, issKey.Public(), now, minTime(now.Add(req.IssuingValidity), rootCert.NotAfter), 0)
		if err != nil {
			return err
		}
		s.addURLs(issTmpl, req.RootName, true)
		issDER, err := x509.CreateCertificate(rand.Reader, issTmpl, rootCert, issKey.Public(), rootKey)
		if err != nil {
			return fmt.Errorf("create issuing CA certificate: %w", err)
		}
		issCert, _ := x509.ParseCertificate(issDER)
		if err := s.insertKey(ctx, tx, issRef, req.Algorithm, "ca-"+req.IssuingName, issKey.Public(), now); err != nil {
			return err
		}
		issID, err := s.insertCA(ctx, tx, req.IssuingName, rootID, issRef, issCert, now)
		if err != nil {
			return err
		}
		issuing := &caRec{id: issID, name: req.IssuingName, parentID: rootID, keyRef: issRef, cert: issCert}
		_, err = s.insertCert(ctx, tx, root, issCert, "ca", issCert.Subject.CommonName, "", "", 0, owner{}, now)
		if err != nil {
			return err
		}

		// OCSP responder and TSA, issued by the issuing CA.
		subj := Subject{Country: req.Country, Organization: req.Organization}
		subj.CommonName = req.Organization + " - OCSP"
		ocspCert, ocspRowID, err := s.issueTx(ctx, tx, issuing, issKey, s.profiles["ocsp"], subj, ocspKey.Public(), ocspRef, req.Algorithm, 0, 0, owner{}, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pki_cas SET ocsp_cert_id = $1 WHERE id = $2`, ocspRowID, issID); err != nil {
			return err
		}
		issuing.ocspCert = ocspRowID
		subj.CommonName = req.Organization + " - TSA"
		tsaCert, tsaRowID, err := s.issueTx(ctx, tx, issuing, issKey, s.profiles["tsa"], subj, tsaKey.Public(), tsaRef, req.Algorithm, 0, 0, owner{}, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pki_services (role, certificate_id) VALUES ('tsa', $1)`, tsaRowID); err != nil {
			return err
		}

		// Pre-signed OCSP answers and first CRLs.
		if err := s.presignTx(ctx, tx, root, rootKey, nil, issCert.SerialNumber, now); err != nil {
			return err
		}
		for _, c := range []*x509.Certificate{ocspCert, tsaCert} {
			if err := s.presignTx(ctx, tx, issuing, ocspKey, ocspCert, c.SerialNumber, now); err != nil {
				return err
			}
		}
		for _, ca := range []*caRec{root, issuing} {
			signer := rootKey
			if ca == issuing {
				signer = issKey
			}
			if _, err := s.issueCRLTx(ctx, tx, ca, signer, now); err != nil {
				return err
			}
		}
		res.Root = CA{ID: rootID, Name: req.RootName, Certificate: rootCert, Serial: serialHex(rootCert.SerialNumber), NotBefore: rootCert.NotBefore, NotAfter: rootCert.NotAfter}
		res.Issuing = CA{ID: issID, Name: req.IssuingName, Parent: req.RootName, Certificate: issCert, Serial: serialHex(issCert.SerialNumber), NotBefore: issCert.NotBefore, NotAfter: issCert.NotAfter}
		res.TSA = certView(tsaRowID, req.IssuingName, "tsa", tsaCert, tsaRef, 0)
		res.OCSP = certView(ocspRowID, req.IssuingName, "ocsp", ocspCert, ocspRef, 0)
		return s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "pki.ca.init", ObjectType: "pki_ca", ObjectID: req.RootName,
			After:   map[string]any{"root": auditCA(res.Root), "issuing": auditCA(res.Issuing), "tsa": res.TSA.auditView(), "ocsp": res.OCSP.auditView()},
			Summary: map[string]any{"algorithm": string(req.Algorithm), "root": req.RootName, "issuing": req.IssuingName}})
	})
	if err != nil {
		cleanup()
		if db.IsUniqueViolation(err) {
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrAlreadyInitialized, err), apperr.Conflict, "Hệ thống CA đã được khởi tạo")
		}
		return nil, err
	}
	if err := s.reloadCAs(ctx); err != nil {
		return nil, err
	}
	s.log.Info("pki: certificate authorities initialised", "root", req.RootName, "issuing", req.IssuingName, "algorithm", string(req.Algorithm))
	return res, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (s *Service) caTemplate(subject []byte, pub crypto.PublicKey, notBefore, notAfter time.Time, maxPath int) (*x509.Certificate, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	ski, err := keyID(spki)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            maxPath,
		MaxPathLenZero:        maxPath == 0,
		SubjectKeyId:          ski,
	}, nil
}

// addURLs points a certificate issued by the CA called issuer at our
// publication endpoints.
func (s *Service) addURLs(t *x509.Certificate, issuer string, revocation bool) {
	t.IssuingCertificateURL = []string{s.baseURL + "/pki/ca/" + issuer + ".crt"}
	if revocation {
		t.OCSPServer = []string{s.baseURL + "/pki/ocsp"}
		t.CRLDistributionPoints = []string{s.baseURL + "/pki/crl/" + issuer + ".crl"}
	}
}

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidOCSPNoCheck  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	derNull         = []byte{0x05, 0x00}
	maxCertLifetime = 10 * 365 * 24 * time.Hour
)

// endEntityTemplate builds the template of a certificate under profile p.
func (s *Service) endEntityTemplate(p Profile, issuer *caRec, subject []byte, email string, pub crypto.PublicKey, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, badKey(err, "Khóa công khai không hợp lệ")
	}
	ski, err := keyID(spki)
	if err != nil {
		return nil, badKey(err, "Khóa công khai không hợp lệ")
	}
	ku, _ := p.keyUsage()
	eku, ekuOIDs, _ := p.extKeyUsage()
	t := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              ku,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}
	if p.CriticalEKU && len(ekuOIDs) > 0 {
		val, err := asn1.Marshal(ekuOIDs)
		if err != nil {
			return nil, err
		}
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: val})
	} else {
		t.ExtKeyUsage = eku
		for _, o := range ekuOIDs {
			if o.Equal(oidDocumentSigning) {
				t.UnknownExtKeyUsage = append(t.UnknownExtKeyUsage, o)
			}
		}
	}
	if p.OCSPNoCheck {
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: derNull})
	}
	for _, o := range p.Policies {
		oid, _ := x509.ParseOID(o)
		t.Policies = append(t.Policies, oid)
	}
	if p.EmailSAN && email != "" {
		t.EmailAddresses = []string{email}
	}
	s.addURLs(t, issuer.name, !p.NoRevocationURLs)
	return t, nil
}

// issueTx signs and stores one end-entity certificate inside tx. It checks
// that the issuing CA is usable (not revoked, valid now). keyRef is "" when
// the holder keeps the key.
func (s *Service) issueTx(ctx context.Context, tx *sql.Tx, issuer *caRec, caKey crypto.Signer, p Profile, subj Subject,
	pub crypto.PublicKey, keyRef string, alg KeyAlgorithm, validity time.Duration, renewedFrom int64, own owner, now time.Time) (*x509.Certificate, int64, error) {
	if err := s.checkCAUsable(ctx, tx, issuer, now); err != nil {
		return nil, 0, err
	}
	subjectDER, _, err := p.buildSubject(subj)
	if err != nil {
		return nil, 0, err
	}
	if subj.Email != "" && (len(subj.Email) > 254 || !strings.Contains(subj.Email, "@") || strings.ContainsAny(subj.Email, " \r\n<>")) {
		return nil, 0, apperr.FieldError("email", "Địa chỉ thư điện tử %q không hợp lệ", subj.Email)
	}
	if validity <= 0 {
		validity = p.validity()
	}
	if validity > maxCertLifetime {
		validity = maxCertLifetime
	}
	notAfter := minTime(now.Add(validity), issuer.cert.NotAfter)
	tmpl, err := s.endEntityTemplate(p, issuer, subjectDER, subj.Email, pub, now, notAfter)
	if err != nil {
		return nil, 0, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.cert, pub, caKey)
	if err != nil {
		return nil, 0, apperr.Wrap(err, apperr.Internal, "Không ký được chứng thư số")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, 0, err
	}
	if keyRef != "" {
		if err := s.insertKey(ctx, tx, keyRef, alg, p.Name+":"+cert.Subject.CommonName, pub, now); err != nil {
			return nil, 0, err
		}
	}
	uid := subj.UID
	if uid == "" {
		uid = subj.AgencyCode
	}
	id, err := s.insertCert(ctx, tx, issuer, cert, p.Name, cert.Subject.CommonName, uid, keyRef, renewedFrom, own, now)
	if err != nil {
		return nil, 0, err
	}
	return cert, id, nil
}

// checkCAUsable refuses to issue from a revoked, expired or not yet valid CA.
func (s *Service) checkCAUsable(ctx context.Context, q db.Querier, ca *caRec, now time.Time) error {
	if now.Before(ca.cert.NotBefore) || !now.Before(ca.cert.NotAfter) {
		return apperr.Wrap(fmt.Errorf("%w: %s", ErrCAExpired, ca.name), apperr.Conflict,
			"CA %q đã hết hạn hoặc chưa có hiệu lực (hiệu lực %s – %s): không cấp được chứng thư số",
			ca.name, ca.cert.NotBefore.Format(time.DateOnly), ca.cert.NotAfter.Format(time.DateOnly))
	}
	var revoked sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT revoked_at FROM pki_certificates WHERE serial = $1`, serialHex(ca.cert.SerialNumber)).Scan(&revoked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("CA status: %w", err)
	}
	if revoked.Valid {
		return apperr.Wrap(fmt.Errorf("%w: %s", ErrCARevoked, ca.name), apperr.Conflict,
			"Chứng thư của CA %q đã bị thu hồi: không cấp được chứng thư số", ca.name)
	}
	if ca.parentID != 0 {
		if p := s.caByID(ca.parentID); p != nil {
			return s.checkCAUsable(ctx, q, p, now)
		}
	}
	return nil
}

func (s *Service) insertKey(ctx context.Context, tx *sql.Tx, ref string, alg KeyAlgorithm, label string, pub crypto.PublicKey, now time.Time) error {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if alg == "" {
		alg = algorithmOf(pub)
	}
	if len(label) > 200 {
		label = label[:200]
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO pki_keys (id, store, algorithm, label, public_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		ref, s.keys.Kind(), string(alg), strings.ToValidUTF8(label, ""), spki, db.Micros(now))
	if err != nil {
		return fmt.Errorf("store key reference: %w", err)
	}
	return nil
}

func (s *Service) insertCA(ctx context.Context, tx *sql.Tx, name string, parent int64, keyRef string, c *x509.Certificate, now time.Time) (int64, error) {
	var parentID any
	if parent != 0 {
		parentID = parent
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO pki_cas (name, parent_id, key_id, cert_der, serial, not_before, not_after, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		name, parentID, keyRef, c.Raw, serialHex(c.SerialNumber), db.Micros(c.NotBefore), db.Micros(c.NotAfter), db.Micros(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store CA %s: %w", name, err)
	}
	return id, nil
}

// owner is whom a certificate belongs to on the platform (see
// Certificate.Holder and AgencyID).
type owner struct {
	holder, agency int64
}

func (s *Service) insertCert(ctx context.Context, tx *sql.Tx, issuer *caRec, c *x509.Certificate, profile, cn, uid, keyRef string, renewedFrom int64, own owner, now time.Time) (int64, error) {
	var key, renewed any
	if keyRef != "" {
		key = keyRef
	}
	if renewedFrom != 0 {
		renewed = renewedFrom
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO pki_certificates (ca_id, serial, profile, subject, common_name, uid, not_before, not_after, der, key_id, renewed_from,
 holder_account_id, agency_id, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		issuer.id, serialHex(c.SerialNumber), profile, c.Subject.String(), cn, uid, db.Micros(c.NotBefore), db.Micros(c.NotAfter), c.Raw, key, renewed,
		own.holder, own.agency, db.Micros(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store certificate: %w", err)
	}
	return id, nil
}

// IssueRequest asks for a certificate.
type IssueRequest struct {
	// CA names the issuing CA (default: the only non-root CA).
	CA string
	// Profile: "official" or "seal" (or any configured profile).
	Profile string
	// CSR, if set, is a PKCS#10 request (PEM or DER) whose signature is
	// checked; the holder keeps the key. Its subject is ignored: the
	// certificate's subject comes from the Directory and the profile.
	CSR []byte
	// Algorithm of the key the platform generates when CSR is empty
	// (default ECDSAP256). The key stays in the key store.
	Algorithm KeyAlgorithm
	// Validity overrides the profile's lifetime (clamped to the CA's).
	Validity time.Duration
	// Holder is the identity account of the official a personal
	// certificate belongs to: that official may sign with it
	// (access.PDFSignOwn). The name, title and agency in the certificate
	// are the official's record on the issuing day (Directory.Official).
	Holder int64
	// AgencyID is the agency whose seal this is (Holder 0): its name, code
	// and place come from Directory.AgencySeal. For a personal certificate
	// it may be left 0; set, it must be the holder's agency. Who may issue,
	// revoke and seal is decided over this agency.
	AgencyID int64
}

// Certificate is an issued certificate as the service shows it.
type Certificate struct {
	ID               int64
	CA               string // issuing CA name
	Serial           string // lower-case hex
	Profile          string
	Subject          string // RFC 4514
	CommonName       string
	UID              string // the person's UID or the agency code
	NotBefore        time.Time
	NotAfter         time.Time
	KeyRef           string // key store reference; "" when the holder keeps the key
	RenewedFrom      int64  // id of the certificate this one renews, 0 if none
	Revoked          bool
	RevokedAt        time.Time
	RevocationReason RevocationReason
	Holder           int64 // identity account of the holder, 0 if none (IssueRequest.Holder)
	AgencyID         int64 // the holder's agency or the seal's agency, 0 if none
	X509             *x509.Certificate
}

// PEM returns the certificate in PEM.
func (c *Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.X509.Raw})
}

func certView(id int64, ca, profile string, c *x509.Certificate, keyRef string, renewed int64) *Certificate {
	uid := ""
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oidUID) {
			uid, _ = n.Value.(string)
		}
	}
	return &Certificate{ID: id, CA: ca, Serial: serialHex(c.SerialNumber), Profile: profile, Subject: c.Subject.String(),
		CommonName: c.Subject.CommonName, UID: uid, NotBefore: c.NotBefore, NotAfter: c.NotAfter, KeyRef: keyRef, RenewedFrom: renewed, X509: c}
}

// auditView is what the audit log digests about a certificate (no DER, no key).
func (c *Certificate) auditView() map[string]any {
	m := map[string]any{"id": c.ID, "ca": c.CA, "serial": c.Serial, "profile": c.Profile, "subject": c.Subject,
		"not_before": c.NotBefore.UTC().Format(time.RFC3339), "not_after": c.NotAfter.UTC().Format(time.RFC3339),
		"platform_held": c.KeyRef != "", "revoked": c.Revoked, "holder": c.Holder, "agency": c.AgencyID}
	if c.Revoked {
		m["revoked_at"] = c.RevokedAt.UTC().Format(time.RFC3339)
		m["reason"] = c.RevocationReason.String()
	}
	return m
}

func auditCA(c CA) map[string]any {
	return map[string]any{"name": c.Name, "serial": c.Serial, "subject": c.Certificate.Subject.String(),
		"not_after": c.NotAfter.UTC().Format(time.RFC3339)}
}

// issueResource is a certificate to be issued in agency to holder (0 for
// the agency's seal), as access weighs it.
func issueResource(agency, holder int64) access.Resource {
	return access.Resource{Type: "pki_certificate", ID: "new", AgencyID: agency, OwnerID: holder}
}

// MayIssue reports, recording nothing, whether Issue would let a issue a
// certificate in agency to holder (0 for the agency's seal): the same
// access.Can decision and the same refusal of one's own certificate. It
// shapes what the issuance page offers; Issue still decides.
func (s *Service) MayIssue(ctx context.Context, a *actor.Actor, agency, holder int64) bool {
	if a == nil || agency < 0 || holder < 0 || (a.AccountID != 0 && a.AccountID == holder) {
		return false
	}
	return access.Permits(ctx, a, access.PKICertIssue, issueResource(agency, holder))
}

// Issue issues a certificate to an official or an agency, from a key the
// platform generates (kept in its key store) or from a CSR. The subject is
// the Directory's: the holder's official record or the seal's agency, as
// of today. Errors: ENOTFOUND (ErrUnknownCA, an unknown holder or agency),
// EINVALID (ErrUnknownProfile, ErrBadSubject, ErrBadCSR, ErrBadKey),
// ECONFLICT (ErrCARevoked, ErrCAExpired), EFORBIDDEN when the issuer is
// the holder or access.Can refuses the issuer over the agency.
func (s *Service) Issue(ctx context.Context, a *actor.Actor, req IssueRequest) (*Certificate, error) {
	if req.Holder < 0 || req.AgencyID < 0 {
		return nil, apperr.FieldError("holder", "Người nhận hoặc cơ quan không hợp lệ")
	}
	res := issueResource(req.AgencyID, req.Holder)
	if a == nil {
		return nil, s.authorize(ctx, a, access.PKICertIssue, res)
	}
	if a.AccountID != 0 && a.AccountID == req.Holder {
		return nil, s.refuseSelfIssue(ctx, a, access.PKICertIssue, res)
	}
	p, ok := s.profiles[req.Profile]
	if !ok || req.Profile == "tsa" || req.Profile == "ocsp" || req.Profile == NodeProfile {
		return nil, apperr.Wrap(fmt.Errorf("%w: %q", ErrUnknownProfile, req.Profile), apperr.Invalid,
			"Mẫu chứng thư số %q không tồn tại hoặc không dùng để cấp cho người dùng (official, seal)", req.Profile)
	}
	subj, agency, err := s.subjectFor(ctx, p, req)
	if err != nil {
		return nil, err
	}
	res.AgencyID = agency
	if err := s.authorize(ctx, a, access.PKICertIssue, res); err != nil {
		return nil, err
	}
	issuer, err := s.issuingCA(ctx, req.CA)
	if err != nil {
		return nil, err
	}
	// Cheap checks first, so bad input never creates a key.
	if _, _, err := p.buildSubject(subj); err != nil {
		return nil, err
	}
	if err := s.checkCAUsable(ctx, s.db.Reader(), issuer, s.now()); err != nil {
		return nil, err
	}
	var pub crypto.PublicKey
	var keyRef string
	alg := req.Algorithm
	if len(req.CSR) > 0 {
		csr, err := ParseCSR(req.CSR)
		if err != nil {
			return nil, err
		}
		pub, alg = csr.PublicKey, algorithmOf(csr.PublicKey)
	} else {
		if alg == "" {
			alg = ECDSAP256
		}
		if err := alg.Validate(); err != nil {
			return nil, err
		}
		ref, signer, err := s.keys.Generate(ctx, alg, p.Name)
		if err != nil {
			return nil, err
		}
		keyRef, pub = ref, signer.Public()
	}
	c, err := s.issue(ctx, a, issuer, p, subj, pub, keyRef, alg, req.Validity, 0, owner{req.Holder, agency}, "pki.cert.issue")
	if err != nil && keyRef != "" {
		_ = s.keys.Delete(context.WithoutCancel(ctx), keyRef)
	}
	return c, err
}

// issuingCA picks the named CA, or the only CA with a parent.
func (s *Service) issuingCA(ctx context.Context, name string) (*caRec, error) {
	if name != "" {
		return s.caByName(ctx, name)
	}
	if err := s.reloadCAs(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found *caRec
	for _, r := range s.cas {
		if r.parentID != 0 {
			if found != nil {
				return nil, apperr.FieldError("ca", "Có nhiều CA cấp phát: hãy chỉ rõ tên CA")
			}
			found = r
		}
	}
	if found == nil {
		return nil, apperr.Wrap(ErrNotInitialized, apperr.Conflict, "Hệ thống CA chưa được khởi tạo (chạy `chinhquyen ca init`)")
	}
	return found, nil
}

func (s *Service) issue(ctx context.Context, a *actor.Actor, issuer *caRec, p Profile, subj Subject, pub crypto.PublicKey,
	keyRef string, alg KeyAlgorithm, validity time.Duration, renewedFrom int64, own owner, action string) (*Certificate, error) {
	caKey, err := s.caSigner(ctx, issuer)
	if err != nil {
		return nil, err
	}
	resp, err := s.responder(ctx, issuer)
	if err != nil {
		return nil, err
	}
	var out *Certificate
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now().UTC().Truncate(time.Second)
		cert, id, err := s.issueTx(ctx, tx, issuer, caKey, p, subj, pub, keyRef, alg, validity, renewedFrom, own, now)
		if err != nil {
			return err
		}
		if err := s.presignTx(ctx, tx, issuer, resp.signer, resp.cert, cert.SerialNumber, now); err != nil {
			return err
		}
		out = certView(id, issuer.name, p.Name, cert, keyRef, renewedFrom)
		out.Holder, out.AgencyID = own.holder, own.agency
		e := audit.Entry{Actor: a, Action: action, ObjectType: "pki_certificate", ObjectID: out.Serial, After: out.auditView(),
			Summary: map[string]any{"profile": p.Name, "ca": issuer.name, "csr": keyRef == ""}}
		if renewedFrom != 0 {
			e.Summary = map[string]any{"profile": p.Name, "ca": issuer.name, "renewed_from": renewedFrom}
		}
		return s.audit.Record(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("pki: certificate issued", "serial", out.Serial, "profile", p.Name, "ca", issuer.name)
	return out, nil
}

// ParseCSR parses a PKCS#10 request in PEM or DER and checks its
// self-signature and key. Errors: EINVALID wrapping ErrBadCSR or ErrBadKey.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) > 64<<10 {
		return nil, apperr.Wrap(ErrBadCSR, apperr.Invalid, "Yêu cầu cấp chứng thư (CSR) quá lớn")
	}
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return nil, apperr.Wrap(ErrBadCSR, apperr.Invalid, "Tệp PEM không phải yêu cầu cấp chứng thư (CERTIFICATE REQUEST)")
		}
		der = block.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrBadCSR, err), apperr.Invalid, "Yêu cầu cấp chứng thư (CSR) bị hỏng hoặc không đúng định dạng PKCS#10")
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrBadCSR, err), apperr.Invalid, "Chữ ký của yêu cầu cấp chứng thư (CSR) không hợp lệ")
	}
	if err := checkKeyStrength(csr.PublicKey); err != nil {
		return nil, err
	}
	return csr, nil
}

func algorithmOf(pub crypto.PublicKey) KeyAlgorithm {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return KeyAlgorithm(fmt.Sprintf("rsa-%d", k.N.BitLen()))
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ECDSAP256
		case elliptic.P384():
			return ECDSAP384
		case elliptic.P521():
			return "ecdsa-p521"
		}
	case ed25519.PublicKey:
		return "ed25519"
	}
	return "unknown"
}

// RenewRequest asks for the renewal of a certificate.
type RenewRequest struct {
	// CSR, when set, certifies a new key held by the holder.
	CSR []byte
	// KeepKey re-certifies the same public key; otherwise a platform-held
	// key is replaced by a new one (a certificate from a CSR without a new
	// CSR always keeps its key).
	KeepKey bool
	// RevokeOld revokes the old certificate with reason superseded in the
	// same transaction.
	RevokeOld bool
	// Validity overrides the profile's lifetime.
	Validity time.Duration
}

// Renew issues a successor of the certificate with serial (same subject and
// profile, issuing CA as before). Errors: ENOTFOUND (ErrNotFound),
// ECONFLICT (ErrAlreadyRevoked, ErrCARevoked, ErrCAExpired), EINVALID (ErrBadCSR).
func (s *Service) Renew(ctx context.Context, a *actor.Actor, serial string, req RenewRequest) (*Certificate, error) {
	if a == nil {
		return nil, s.authorize(ctx, a, access.PKICertRenew, access.Resource{Type: "pki_certificate", ID: serial})
	}
	old, err := s.certificate(ctx, s.db.Reader(), serial)
	if err != nil {
		return nil, err
	}
	if a.AccountID != 0 && a.AccountID == old.Holder {
		return nil, s.refuseSelfIssue(ctx, a, access.PKICertRenew, old.Resource())
	}
	if err := s.authorize(ctx, a, access.PKICertRenew, old.Resource()); err != nil {
		return nil, err
	}
	if old.Revoked {
		return nil, apperr.Wrap(ErrAlreadyRevoked, apperr.Conflict, "Chứng thư số %s đã bị thu hồi: không gia hạn được, hãy cấp mới", old.Serial)
	}
	if old.Profile == "ca" {
		return nil, apperr.New(apperr.Invalid, "Không gia hạn chứng thư của CA bằng thao tác này")
	}
	p, ok := s.profiles[old.Profile]
	if !ok {
		return nil, apperr.Wrap(ErrUnknownProfile, apperr.Invalid, "Mẫu chứng thư số %q không còn được cấu hình", old.Profile)
	}
	issuer, err := s.caByName(ctx, old.CA)
	if err != nil {
		return nil, err
	}
	subj, err := s.renewedSubject(ctx, p, old)
	if err != nil {
		return nil, err
	}
	var pub crypto.PublicKey
	keyRef := ""
	var alg KeyAlgorithm
	var newKey bool
	switch {
	case len(req.CSR) > 0:
		csr, err := ParseCSR(req.CSR)
		if err != nil {
			return nil, err
		}
		pub, alg = csr.PublicKey, algorithmOf(csr.PublicKey)
	case old.KeyRef == "" || req.KeepKey:
		pub, keyRef = old.X509.PublicKey, old.KeyRef
	default:
		alg = algorithmOf(old.X509.PublicKey)
		if alg.Validate() != nil {
			alg = ECDSAP256
		}
		ref, signer, err := s.keys.Generate(ctx, alg, p.Name)
		if err != nil {
			return nil, err
		}
		pub, keyRef, newKey = signer.Public(), ref, true
	}
	c, err := s.renew(ctx, a, issuer, p, subj, pub, keyRef, newKey, alg, req, old)
	if err != nil && newKey {
		_ = s.keys.Delete(context.WithoutCancel(ctx), keyRef)
	}
	return c, err
}

func (s *Service) renew(ctx context.Context, a *actor.Actor, issuer *caRec, p Profile, subj rawSubject, pub crypto.PublicKey,
	keyRef string, newKey bool, alg KeyAlgorithm, req RenewRequest, old *Certificate) (*Certificate, error) {
	caKey, err := s.caSigner(ctx, issuer)
	if err != nil {
		return nil, err
	}
	resp, err := s.responder(ctx, issuer)
	if err != nil {
		return nil, err
	}
	var out *Certificate
	var revokedOld bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now().UTC().Truncate(time.Second)
		cur, err := s.certificate(ctx, tx, old.Serial)
		if err != nil {
			return err
		}
		if cur.Revoked {
			return apperr.Wrap(ErrAlreadyRevoked, apperr.Conflict, "Chứng thư số %s đã bị thu hồi: không gia hạn được", old.Serial)
		}
		if err := s.checkCAUsable(ctx, tx, issuer, now); err != nil {
			return err
		}
		validity := req.Validity
		if validity <= 0 {
			validity = p.validity()
		}
		tmpl, err := s.endEntityTemplate(p, issuer, subj.der, subj.email, pub, now, minTime(now.Add(validity), issuer.cert.NotAfter))
		if err != nil {
			return err
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.cert, pub, caKey)
		if err != nil {
			return apperr.Wrap(err, apperr.Internal, "Không ký được chứng thư số")
		}
		cert, _ := x509.ParseCertificate(der)
		if newKey {
			if err := s.insertKey(ctx, tx, keyRef, alg, p.Name+":"+cert.Subject.CommonName, pub, now); err != nil {
				return err
			}
		}
		uid := subj.uid
		if uid == "" {
			uid = old.UID
		}
		id, err := s.insertCert(ctx, tx, issuer, cert, p.Name, cert.Subject.CommonName, uid, keyRef, old.ID, owner{old.Holder, old.AgencyID}, now)
		if err != nil {
			return err
		}
		if err := s.presignTx(ctx, tx, issuer, resp.signer, resp.cert, cert.SerialNumber, now); err != nil {
			return err
		}
		// A renewed service certificate takes over the service.
		if _, err := tx.ExecContext(ctx, `UPDATE pki_services SET certificate_id = $1 WHERE certificate_id = $2`, id, old.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pki_cas SET ocsp_cert_id = $1 WHERE ocsp_cert_id = $2`, id, old.ID); err != nil {
			return err
		}
		out = certView(id, issuer.name, p.Name, cert, keyRef, old.ID)
		out.Holder, out.AgencyID = old.Holder, old.AgencyID
		if err := s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "pki.cert.renew", ObjectType: "pki_certificate", ObjectID: out.Serial,
			Before: old.auditView(), After: out.auditView(),
			Summary: map[string]any{"renewed_from": old.Serial, "new_key": newKey || len(req.CSR) > 0}}); err != nil {
			return err
		}
		if req.RevokeOld {
			if err := s.revokeTx(ctx, tx, a, cur, ReasonSuperseded, now, "gia hạn bởi "+out.Serial); err != nil {
				return err
			}
			revokedOld = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if revokedOld {
		s.afterRevoke(old.CA, old.Serial)
	}
	if p.Name == "tsa" {
		s.tsa.forget()
	}
	if p.Name == "ocsp" {
		s.ocsp.forgetResponders()
	}
	return out, nil
}

// rawSubject is the subject a renewal certifies: as issued, or the
// register's of today.
type rawSubject struct {
	der   []byte
	email string
	uid   string // "" keeps the old one
}

// renewedSubject is the subject of old's successor. A personal certificate
// or a seal carries its holder's or agency's identity as registered today
// (a promotion or a renamed agency shows in the renewal); a holder who
// moved to another agency needs a new certificate, since who may revoke
// and use it is decided over the old agency. Service certificates and
// those issued without a holder or agency keep their subject.
func (s *Service) renewedSubject(ctx context.Context, p Profile, old *Certificate) (rawSubject, error) {
	if old.Holder == 0 && (old.AgencyID == 0 || p.Name != "seal") {
		return subjectOf(old.X509), nil
	}
	req := IssueRequest{Holder: old.Holder}
	if old.Holder == 0 {
		req.AgencyID = old.AgencyID
	}
	fresh, agency, err := s.subjectFor(ctx, p, req)
	if err != nil {
		return rawSubject{}, err
	}
	if agency != old.AgencyID {
		return rawSubject{}, apperr.New(apperr.Conflict, "Người được cấp chứng thư số %s đã chuyển sang cơ quan khác: hãy thu hồi chứng thư này và cấp chứng thư mới", old.Serial)
	}
	der, _, err := p.buildSubject(fresh)
	if err != nil {
		return rawSubject{}, err
	}
	r := rawSubject{der: der, uid: fresh.UID}
	if r.uid == "" {
		r.uid = fresh.AgencyCode
	}
	if p.EmailSAN {
		r.email = fresh.Email
	}
	return r, nil
}

func subjectOf(c *x509.Certificate) rawSubject {
	r := rawSubject{der: c.RawSubject}
	if len(c.EmailAddresses) > 0 {
		r.email = c.EmailAddresses[0]
	}
	return r
}

const certColumns = `x.id, c.name, x.serial, x.profile, x.subject, x.common_name, x.uid, x.der, COALESCE(x.key_id, ''),
 COALESCE(x.renewed_from, 0), x.revoked_at, COALESCE(x.revocation_reason, 0), x.holder_account_id, x.agency_id`

func scanCert(row interface{ Scan(...any) error }) (*Certificate, error) {
	var c Certificate
	var der []byte
	var revokedAt sql.NullInt64
	var reason int
	if err := row.Scan(&c.ID, &c.CA, &c.Serial, &c.Profile, &c.Subject, &c.CommonName, &c.UID, &der, &c.KeyRef,
		&c.RenewedFrom, &revokedAt, &reason, &c.Holder, &c.AgencyID); err != nil {
		return nil, err
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("stored certificate %s: %w", c.Serial, err)
	}
	c.X509, c.NotBefore, c.NotAfter = x, x.NotBefore, x.NotAfter
	if revokedAt.Valid {
		c.Revoked, c.RevokedAt, c.RevocationReason = true, db.FromMicros(revokedAt.Int64), RevocationReason(reason)
	}
	return &c, nil
}

// normalizeSerial accepts hex with or without colons/spaces/0x and leading zeros.
func normalizeSerial(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 || len(s) > 64 {
		return "", false
	}
	return serialHex(n), true
}

func (s *Service) certificate(ctx context.Context, q db.Querier, serial string) (*Certificate, error) {
	norm, ok := normalizeSerial(serial)
	if !ok {
		return nil, apperr.FieldError("serial", "Số hiệu chứng thư %q không hợp lệ (cần dạng hex)", serial)
	}
	c, err := scanCert(q.QueryRowContext(ctx, `SELECT `+certColumns+` FROM pki_certificates x JOIN pki_cas c ON c.id = x.ca_id WHERE x.serial = $1`, norm))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Wrap(ErrNotFound, apperr.NotFound, "Không có chứng thư số với số hiệu %s", norm)
	}
	if err != nil {
		return nil, fmt.Errorf("load certificate %s: %w", norm, err)
	}
	return c, nil
}

// Certificate returns the certificate with the given serial (hex).
// Errors: ENOTFOUND wrapping ErrNotFound, EINVALID for a malformed serial.
func (s *Service) Certificate(ctx context.Context, a *actor.Actor, serial string) (*Certificate, error) {
	if a == nil {
		return nil, s.authorize(ctx, a, access.PKICertRead, access.Resource{Type: "pki_certificate", ID: serial})
	}
	c, err := s.certificate(ctx, s.db.Reader(), serial)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, a, access.PKICertRead, c.Resource()); err != nil {
		return nil, err
	}
	return c, nil
}

// ListFilter narrows List.
type ListFilter struct {
	CA      string // issuing CA name; "" = all
	Profile string // "" = all
	Search  string // substring of the common name or UID
	Revoked *bool  // nil = both
	// Holder and AgencyID keep the certificates of one account or one
	// agency; 0 = any. Listing all agencies needs a platform-wide role,
	// listing one's own certificates (Holder = oneself) none.
	Holder   int64
	AgencyID int64
	AfterID  int64 // keyset pagination: ids greater than this
	Limit    int   // default 100, at most 1000
}

// List returns certificates in id order.
func (s *Service) List(ctx context.Context, a *actor.Actor, f ListFilter) ([]*Certificate, error) {
	if err := s.authorize(ctx, a, access.PKICertRead, access.Resource{Type: "pki_certificate", ID: "list",
		AgencyID: f.AgencyID, OwnerID: f.Holder}); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := `SELECT ` + certColumns + ` FROM pki_certificates x JOIN pki_cas c ON c.id = x.ca_id WHERE x.id > $1`
	args := []any{f.AfterID}
	if f.CA != "" {
		args = append(args, f.CA)
		q += fmt.Sprintf(" AND c.name = $%d", len(args))
	}
	if f.Profile != "" {
		args = append(args, f.Profile)
		q += fmt.Sprintf(" AND x.profile = $%d", len(args))
	}
	if f.Search != "" {
		args = append(args, "%"+strings.NewReplacer("%", "", "_", "").Replace(f.Search)+"%")
		q += fmt.Sprintf(" AND (x.common_name LIKE $%d OR x.uid LIKE $%d)", len(args), len(args))
	}
	if f.Holder != 0 {
		args = append(args, f.Holder)
		q += fmt.Sprintf(" AND x.holder_account_id = $%d", len(args))
	}
	if f.AgencyID != 0 {
		args = append(args, f.AgencyID)
		q += fmt.Sprintf(" AND x.agency_id = $%d", len(args))
	}
	if f.Revoked != nil {
		if *f.Revoked {
			q += " AND x.revoked_at IS NOT NULL"
		} else {
			q += " AND x.revoked_at IS NULL"
		}
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY x.id LIMIT $%d", len(args))
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list certificates: %w", err)
	}
	defer rows.Close()
	var out []*Certificate
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Signer returns the platform-held signing key of the certificate with the
// given serial and its chain (issuing CA first), for the PDF signer. A
// personal certificate is for its holder only (access.PDFSignOwn), a seal
// for those who may seal for its agency (access.PDFSignSeal).
// Errors: ENOTFOUND (ErrNotFound), ECONFLICT (ErrAlreadyRevoked, expired),
// EINVALID when the holder keeps the key (CSR) or the certificate is not a
// document-signing one, EFORBIDDEN/EUNAUTHORIZED from access.
func (s *Service) Signer(ctx context.Context, a *actor.Actor, serial string) (crypto.Signer, *x509.Certificate, []*x509.Certificate, error) {
	if a == nil {
		return nil, nil, nil, s.authorize(ctx, a, access.PDFSignOwn, access.Resource{Type: "pki_certificate", ID: serial})
	}
	c, err := s.certificate(ctx, s.db.Reader(), serial)
	if err != nil {
		return nil, nil, nil, err
	}
	action, ok := SigningAction(c.Profile)
	if !ok {
		return nil, nil, nil, apperr.New(apperr.Invalid, "Chứng thư số %s (mẫu %s) không dùng để ký tài liệu", c.Serial, c.Profile)
	}
	if err := s.authorize(ctx, a, action, c.Resource()); err != nil {
		return nil, nil, nil, err
	}
	if c.Revoked {
		return nil, nil, nil, apperr.Wrap(ErrAlreadyRevoked, apperr.Conflict, "Chứng thư số %s đã bị thu hồi: không dùng để ký được", c.Serial)
	}
	if now := s.now(); now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, nil, nil, apperr.New(apperr.Conflict, "Chứng thư số %s đã hết hạn hoặc chưa có hiệu lực", c.Serial)
	}
	if c.KeyRef == "" {
		return nil, nil, nil, apperr.New(apperr.Invalid, "Khóa bí mật của chứng thư số %s do người sở hữu giữ, không nằm trong kho khóa", c.Serial)
	}
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
