package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// OCSP response statuses (RFC 6960 §4.2.1) for unsigned error answers.
const (
	ocspMalformed    = 1
	ocspInternal     = 2
	ocspTryLater     = 3
	ocspUnauthorized = 6
)

// Certificate statuses in an OCSP answer.
const (
	StatusGood    = 0
	StatusRevoked = 1
	StatusUnknown = 2
)

var (
	derOIDOCSPBasic = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01}
	derOIDOCSPNonce = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02}
)

// maxNonceExt bounds the nonce extension we echo (RFC 8954: 1–32 octets;
// some clients wrap it once more).
const maxNonceExt = 128

// ocspRequest is the part of an OCSPRequest the responder uses.
type ocspRequest struct {
	certID   []byte // DER CertID as sent
	hash     crypto.Hash
	nameHash []byte
	keyHash  []byte
	serial   *big.Int
	nonceExt []byte // DER Extension (whole TLV), nil without nonce
}

// parseOCSPRequest reads a DER OCSPRequest (RFC 6960 §4.1.1). Only requests
// for one certificate are accepted; a signature, if any, is ignored.
func parseOCSPRequest(der []byte) (*ocspRequest, error) {
	in := cryptobyte.String(der)
	var req, tbs, list cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, errors.New("not an OCSPRequest")
	}
	if !tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, errors.New("bad TBSRequest")
	}
	var exts cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&exts, &hasExts, cbasn1.Tag(2).Constructed().ContextSpecific()) || !tbs.Empty() {
		return nil, errors.New("bad request extensions")
	}
	var one, certID cryptobyte.String
	if !list.ReadASN1(&one, cbasn1.SEQUENCE) {
		return nil, errors.New("empty request list")
	}
	if !list.Empty() {
		return nil, errors.New("more than one certificate in the request")
	}
	if !one.ReadASN1Element(&certID, cbasn1.SEQUENCE) || !one.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !one.Empty() {
		return nil, errors.New("bad Request")
	}
	r := &ocspRequest{certID: bytes.Clone(certID), serial: new(big.Int)}
	var body, alg, oid cryptobyte.String
	if !certID.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!body.ReadASN1Bytes(&r.nameHash, cbasn1.OCTET_STRING) || !body.ReadASN1Bytes(&r.keyHash, cbasn1.OCTET_STRING) ||
		!body.ReadASN1Integer(r.serial) || !body.Empty() {
		return nil, errors.New("bad CertID")
	}
	r.hash = hashByOID(oid)
	if hasExts {
		var seq cryptobyte.String
		if !exts.ReadASN1(&seq, cbasn1.SEQUENCE) || !exts.Empty() {
			return nil, errors.New("bad extensions")
		}
		for !seq.Empty() {
			var ext, inner, extOID cryptobyte.String
			if !seq.ReadASN1Element(&ext, cbasn1.SEQUENCE) {
				return nil, errors.New("bad extension")
			}
			e := ext
			if !e.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1(&extOID, cbasn1.OBJECT_IDENTIFIER) {
				return nil, errors.New("bad extension")
			}
			if bytes.Equal(extOID, derOIDOCSPNonce) {
				if len(ext) > maxNonceExt {
					return nil, errors.New("nonce too long")
				}
				r.nonceExt = bytes.Clone(ext)
			}
		}
	}
	return r, nil
}

// ocspErrorResponse is an unsigned OCSPResponse with an error status.
func ocspErrorResponse(status int) []byte {
	return []byte{0x30, 0x03, 0x0a, 0x01, byte(status)}
}

// responder signs OCSP answers for one CA.
type responder struct {
	signer  crypto.Signer
	cert    *x509.Certificate // the delegated responder's certificate; nil when the CA signs
	keyHash []byte            // ResponderID byKey
	hash    crypto.Hash
	sigAlg  []byte
}

func newResponder(ca *caRec, signer crypto.Signer, cert *x509.Certificate) (*responder, error) {
	c := cert
	if c == nil {
		c = ca.cert
	}
	bits, err := publicKeyBits(c.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	kh := sha1.Sum(bits)
	h, alg, err := sigParams(signer.Public())
	if err != nil {
		return nil, err
	}
	return &responder{signer: signer, cert: cert, keyHash: kh[:], hash: h, sigAlg: alg}, nil
}

// certStatus is what an OCSP answer says about a certificate.
type certStatus struct {
	status    int
	revokedAt time.Time
	reason    RevocationReason
}

// sign builds and signs a BasicOCSPResponse inside an OCSPResponse.
func (r *responder) sign(certID []byte, st certStatus, produced, thisUpdate, nextUpdate time.Time, nonceExt []byte) ([]byte, error) {
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(r.keyHash)
		})
		addGeneralizedTime(b, produced, false)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(certID)
				switch st.status {
				case StatusGood:
					b.AddBytes([]byte{0x80, 0x00})
				case StatusRevoked:
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						addGeneralizedTime(b, st.revokedAt, false)
						if st.reason != ReasonUnspecified {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.ENUM, func(b *cryptobyte.Builder) { b.AddUint8(uint8(st.reason)) })
							})
						}
					})
				default:
					b.AddBytes([]byte{0x82, 0x00})
				}
				addGeneralizedTime(b, thisUpdate, false)
				if !nextUpdate.IsZero() {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						addGeneralizedTime(b, nextUpdate, false)
					})
				}
			})
		})
		if nonceExt != nil {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(nonceExt) })
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, err
	}
	sig, err := signDigest(r.signer, r.hash, tbsDER)
	if err != nil {
		return nil, fmt.Errorf("sign OCSP response: %w", err)
	}
	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(r.sigAlg)
		b.AddASN1BitString(sig)
		if r.cert != nil {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(r.cert.Raw) })
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, err
	}
	var resp cryptobyte.Builder
	resp.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(derOIDOCSPBasic) })
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return resp.Bytes()
}

// certIDFor builds a CertID for a certificate of ca with hash h.
func certIDFor(ca *caRec, h crypto.Hash, serial *big.Int) ([]byte, error) {
	bits, err := publicKeyBits(ca.cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	oid := oidOfHash(h)
	if oid == nil {
		return nil, ErrUnsupportedHash
	}
	nh := h.New()
	nh.Write(ca.cert.RawSubject)
	kh := h.New()
	kh.Write(bits)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oid) })
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(nh.Sum(nil))
		b.AddASN1OctetString(kh.Sum(nil))
		b.AddASN1BigInt(serial)
	})
	return b.Bytes()
}

// ocspKey identifies a cached answer.
type ocspKey struct {
	ca     int64
	hash   crypto.Hash
	serial string // hex
}

// ocspEntry is a cached pre-signed answer.
type ocspEntry struct {
	der        []byte
	st         certStatus
	thisUpdate time.Time
	nextUpdate time.Time
	expires    time.Time // re-read the database after this
}

// maxOCSPEntries bounds the cache (unknown serials are cached too).
const maxOCSPEntries = 200_000

type ocspCache struct {
	mu         sync.RWMutex
	issuers    map[string]*caRec // hash byte + nameHash + keyHash → CA
	entries    map[ocspKey]*ocspEntry
	responders map[int64]*responder
}

func newOCSPCache() *ocspCache {
	return &ocspCache{issuers: map[string]*caRec{}, entries: map[ocspKey]*ocspEntry{}, responders: map[int64]*responder{}}
}

func issuerKey(h crypto.Hash, nameHash, keyHash []byte) string {
	return string(append(append([]byte{byte(h)}, nameHash...), keyHash...))
}

func (c *ocspCache) setIssuers(cas map[int64]*caRec) {
	m := map[string]*caRec{}
	for _, ca := range cas {
		bits, err := publicKeyBits(ca.cert.RawSubjectPublicKeyInfo)
		if err != nil {
			continue
		}
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			nh := h.New()
			nh.Write(ca.cert.RawSubject)
			kh := h.New()
			kh.Write(bits)
			m[issuerKey(h, nh.Sum(nil), kh.Sum(nil))] = ca
		}
	}
	c.mu.Lock()
	c.issuers = m
	c.responders = map[int64]*responder{}
	c.mu.Unlock()
}

func (c *ocspCache) forget(ca int64, serial *big.Int) {
	hex := serialHex(serial)
	c.mu.Lock()
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		delete(c.entries, ocspKey{ca, h, hex})
	}
	c.mu.Unlock()
}

func (c *ocspCache) forgetResponders() {
	c.mu.Lock()
	c.responders = map[int64]*responder{}
	c.mu.Unlock()
}

// responder returns the signer of OCSP answers for ca: its delegated
// responder when that certificate is valid and not revoked, else the CA.
func (s *Service) responder(ctx context.Context, ca *caRec) (*responder, error) {
	s.ocsp.mu.RLock()
	r := s.ocsp.responders[ca.id]
	s.ocsp.mu.RUnlock()
	if r != nil {
		return r, nil
	}
	var der []byte
	var keyRef string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT x.der, x.key_id FROM pki_cas c JOIN pki_certificates x ON x.id = c.ocsp_cert_id
 WHERE c.id = $1 AND x.revoked_at IS NULL AND x.key_id IS NOT NULL AND x.not_after > $2`, ca.id, db.Micros(s.now())).Scan(&der, &keyRef)
	var cert *x509.Certificate
	var signer crypto.Signer
	switch {
	case err == nil:
		if cert, err = x509.ParseCertificate(der); err != nil {
			return nil, err
		}
		if signer, err = s.keys.Signer(ctx, keyRef); err != nil {
			return nil, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if signer, err = s.caSigner(ctx, ca); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("OCSP responder of %s: %w", ca.name, err)
	}
	r, err = newResponder(ca, signer, cert)
	if err != nil {
		return nil, err
	}
	s.ocsp.mu.Lock()
	s.ocsp.responders[ca.id] = r
	s.ocsp.mu.Unlock()
	return r, nil
}

// presignTx signs the SHA-1-CertID answer (the one clients send) for the
// certificate with serial issued by ca, and stores it with the row.
func (s *Service) presignTx(ctx context.Context, tx *sql.Tx, ca *caRec, signer crypto.Signer, respCert *x509.Certificate, serial *big.Int, now time.Time) error {
	r, err := newResponder(ca, signer, respCert)
	if err != nil {
		return err
	}
	var id int64
	var revokedAt sql.NullInt64
	var reason int
	if err := tx.QueryRowContext(ctx, `SELECT id, revoked_at, COALESCE(revocation_reason, 0) FROM pki_certificates WHERE ca_id = $1 AND serial = $2`,
		ca.id, serialHex(serial)).Scan(&id, &revokedAt, &reason); err != nil {
		return fmt.Errorf("pre-sign OCSP for %s: %w", serialHex(serial), err)
	}
	st := certStatus{status: StatusGood}
	if revokedAt.Valid {
		st = certStatus{status: StatusRevoked, revokedAt: db.FromMicros(revokedAt.Int64), reason: RevocationReason(reason)}
	}
	certID, err := certIDFor(ca, crypto.SHA1, serial)
	if err != nil {
		return err
	}
	next := now.Add(s.cfg.OCSPValidity)
	der, err := r.sign(certID, st, now, now, next, nil)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE pki_certificates SET ocsp_der = $1, ocsp_this_update = $2, ocsp_next_update = $3 WHERE id = $4`,
		der, db.Micros(now), db.Micros(next), id)
	return err
}

// OCSPAnswer describes an answer for HTTP caching.
type OCSPAnswer struct {
	Status     int       // StatusGood, StatusRevoked, StatusUnknown; -1 for an error answer
	ThisUpdate time.Time // zero for error answers
	NextUpdate time.Time // zero when absent
	Nonce      bool      // the answer echoes a nonce (not cacheable)
}

// RespondOCSP answers a DER OCSPRequest (RFC 6960) with a DER OCSPResponse.
// Requests without a nonce get the pre-signed answer (no signature);
// requests with a nonce get a fresh one echoing it. Malformed requests get
// malformedRequest; issuers that are not ours get unauthorized; unknown
// serials of our CAs get a signed "unknown". It never returns an error: the
// failure is in the answer.
func (s *Service) RespondOCSP(ctx context.Context, reqDER []byte) ([]byte, OCSPAnswer) {
	req, err := parseOCSPRequest(reqDER)
	if err != nil {
		return ocspErrorResponse(ocspMalformed), OCSPAnswer{Status: -1}
	}
	s.ocsp.mu.RLock()
	ca := s.ocsp.issuers[issuerKey(req.hash, req.nameHash, req.keyHash)]
	s.ocsp.mu.RUnlock()
	if ca == nil || req.hash == 0 {
		return ocspErrorResponse(ocspUnauthorized), OCSPAnswer{Status: -1}
	}
	now := s.now()
	e, err := s.ocspEntry(ctx, ca, req, now)
	if err != nil {
		s.log.Error("pki: OCSP answer failed", "err", err)
		return ocspErrorResponse(ocspTryLater), OCSPAnswer{Status: -1}
	}
	if req.nonceExt == nil {
		return e.der, OCSPAnswer{Status: e.st.status, ThisUpdate: e.thisUpdate, NextUpdate: e.nextUpdate}
	}
	r, err := s.responder(ctx, ca)
	if err != nil {
		s.log.Error("pki: OCSP responder unavailable", "ca", ca.name, "err", err)
		return ocspErrorResponse(ocspTryLater), OCSPAnswer{Status: -1}
	}
	t := now.UTC().Truncate(time.Second)
	next := t.Add(s.cfg.OCSPValidity)
	if e.st.status == StatusUnknown {
		next = time.Time{}
	}
	der, err := r.sign(req.certID, e.st, t, t, next, req.nonceExt)
	if err != nil {
		s.log.Error("pki: OCSP signing failed", "ca", ca.name, "err", err)
		return ocspErrorResponse(ocspInternal), OCSPAnswer{Status: -1}
	}
	return der, OCSPAnswer{Status: e.st.status, ThisUpdate: t, NextUpdate: next, Nonce: true}
}

// ocspEntry returns the cached answer for req, reading (and if stale,
// re-signing) it on a miss.
func (s *Service) ocspEntry(ctx context.Context, ca *caRec, req *ocspRequest, now time.Time) (*ocspEntry, error) {
	k := ocspKey{ca.id, req.hash, serialHex(req.serial)}
	s.ocsp.mu.RLock()
	e := s.ocsp.entries[k]
	s.ocsp.mu.RUnlock()
	if e != nil && now.Before(e.expires) {
		return e, nil
	}
	e, err := s.loadOCSPEntry(ctx, ca, req.hash, req.serial, req.certID, now)
	if err != nil {
		return nil, err
	}
	s.ocsp.mu.Lock()
	if len(s.ocsp.entries) >= maxOCSPEntries {
		s.ocsp.entries = map[ocspKey]*ocspEntry{}
	}
	s.ocsp.entries[k] = e
	s.ocsp.mu.Unlock()
	return e, nil
}

func (s *Service) loadOCSPEntry(ctx context.Context, ca *caRec, h crypto.Hash, serial *big.Int, reqCertID []byte, now time.Time) (*ocspEntry, error) {
	var id int64
	var revokedAt, tu, nu sql.NullInt64
	var reason int
	var der []byte
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, revoked_at, COALESCE(revocation_reason, 0), ocsp_der, ocsp_this_update, ocsp_next_update
 FROM pki_certificates WHERE ca_id = $1 AND serial = $2`, ca.id, serialHex(serial)).Scan(&id, &revokedAt, &reason, &der, &tu, &nu)
	ttl := now.Add(s.cfg.OCSPCacheTTL)
	st := certStatus{status: StatusGood}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		st.status = StatusUnknown
	case err != nil:
		return nil, fmt.Errorf("OCSP status of %s: %w", serialHex(serial), err)
	case revokedAt.Valid:
		st = certStatus{status: StatusRevoked, revokedAt: db.FromMicros(revokedAt.Int64), reason: RevocationReason(reason)}
	}
	half := s.cfg.OCSPValidity / 2
	if st.status != StatusUnknown && h == crypto.SHA1 && der != nil && tu.Valid && nu.Valid {
		thisUpdate := db.FromMicros(tu.Int64)
		if now.Before(thisUpdate.Add(half)) && !now.Before(thisUpdate) {
			return &ocspEntry{der: der, st: st, thisUpdate: thisUpdate, nextUpdate: db.FromMicros(nu.Int64),
				expires: minTime(ttl, thisUpdate.Add(half))}, nil
		}
	}
	// Sign a new pre-signed answer (first request with this hash, stale, or unknown).
	r, err := s.responder(ctx, ca)
	if err != nil {
		return nil, err
	}
	certID := reqCertID
	if st.status != StatusUnknown {
		if certID, err = certIDFor(ca, h, serial); err != nil {
			return nil, err
		}
	}
	t := now.UTC().Truncate(time.Second)
	next := t.Add(s.cfg.OCSPValidity)
	if st.status == StatusUnknown {
		next = time.Time{}
	}
	der, err = r.sign(certID, st, t, t, next, nil)
	if err != nil {
		return nil, err
	}
	if st.status != StatusUnknown && h == crypto.SHA1 {
		// Keep the refreshed answer for the other replicas and restarts.
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE pki_certificates SET ocsp_der = $1, ocsp_this_update = $2, ocsp_next_update = $3
 WHERE id = $4 AND (ocsp_this_update IS NULL OR ocsp_this_update < $2)`, der, db.Micros(t), db.Micros(next), id); err != nil {
			s.log.Warn("pki: could not store refreshed OCSP answer", "serial", serialHex(serial), "err", err)
		}
	}
	exp := ttl
	if st.status != StatusUnknown {
		exp = minTime(ttl, t.Add(half))
	}
	return &ocspEntry{der: der, st: st, thisUpdate: t, nextUpdate: next, expires: exp}, nil
}

// RefreshOCSP re-signs stored pre-signed answers older than half their
// validity, at most limit of them (0 = 1000). The scheduler calls it
// periodically so that requests never wait for a signature. It returns how
// many were refreshed.
func (s *Service) RefreshOCSP(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 1000
	}
	now := s.now().UTC().Truncate(time.Second)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT ca_id, serial FROM pki_certificates
 WHERE (ocsp_this_update IS NULL OR ocsp_this_update < $1) AND not_after > $2 ORDER BY id LIMIT $3`,
		db.Micros(now.Add(-s.cfg.OCSPValidity/2)), db.Micros(now.Add(-24*time.Hour)), limit)
	if err != nil {
		return 0, fmt.Errorf("stale OCSP answers: %w", err)
	}
	type item struct {
		ca     int64
		serial string
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.ca, &it.serial); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	n := 0
	for _, it := range items {
		ca := s.caByID(it.ca)
		if ca == nil {
			continue
		}
		r, err := s.responder(ctx, ca)
		if err != nil {
			return n, err
		}
		serial, _ := new(big.Int).SetString(it.serial, 16)
		if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			return s.presignTx(ctx, tx, ca, r.signer, r.cert, serial, now)
		}); err != nil {
			return n, err
		}
		s.ocsp.forget(ca.id, serial)
		n++
	}
	return n, nil
}

// OCSPFor returns the current pre-signed OCSP answer for a certificate
// issued by one of our CAs (for embedding in a PAdES B-LT DSS). Errors:
// ENOTFOUND when no CA of ours issued it.
func (s *Service) OCSPFor(ctx context.Context, cert *x509.Certificate) ([]byte, error) {
	s.mu.RLock()
	var ca *caRec
	for _, r := range s.casByID {
		if bytes.Equal(r.cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(r.cert) == nil {
			ca = r
		}
	}
	s.mu.RUnlock()
	if ca == nil {
		return nil, unknownCA(cert.Issuer.String())
	}
	certID, err := certIDFor(ca, crypto.SHA1, cert.SerialNumber)
	if err != nil {
		return nil, err
	}
	e, err := s.ocspEntry(ctx, ca, &ocspRequest{certID: certID, hash: crypto.SHA1, serial: cert.SerialNumber}, s.now())
	if err != nil {
		return nil, err
	}
	return e.der, nil
}

// RevocationFor returns the current revocation evidence for a certificate
// issued by one of our CAs: the pre-signed OCSP answer and the issuing CA's
// CRL (DER). A pdfsign.RevocationSource adapter wraps it in two lines.
// Errors: ENOTFOUND (ErrUnknownCA) when no CA of ours issued cert.
func (s *Service) RevocationFor(ctx context.Context, cert *x509.Certificate) (ocspDER, crlDER []byte, err error) {
	ocspDER, err = s.OCSPFor(ctx, cert)
	if err != nil {
		return nil, nil, err
	}
	s.mu.RLock()
	var name string
	for _, r := range s.casByID {
		if bytes.Equal(r.cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(r.cert) == nil {
			name = r.name
		}
	}
	s.mu.RUnlock()
	crlDER, _, err = s.CRL(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return ocspDER, crlDER, nil
}
