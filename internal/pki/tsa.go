package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/cms"
)

// DefaultTSAPolicy is the TSA policy OID used when none is configured: a
// UUID-based OID (ITU-T X.667, arc 2.25), which needs no registration.
// Deployments with a registered policy set Config.TSAPolicy.
const DefaultTSAPolicy = "2.25.318636469324019294161946889403496472156"

// PKIFailureInfo bits (RFC 3161 §2.4.2) used in rejections.
const (
	TSABadAlg              = 0
	TSABadRequest          = 2
	TSABadDataFormat       = 5
	TSAUnacceptedPolicy    = 15
	TSAUnacceptedExtension = 16
	TSASystemFailure       = 25
)

var (
	maxTSANonceBytes     = 64
	maxTSARequestBytes   = 16 << 10
	errTSANotInitialized = errors.New("TSA certificate not configured")
)

// tsaRequest is a parsed TimeStampReq (RFC 3161 §2.4.1).
type tsaRequest struct {
	imprint []byte // DER MessageImprint as sent
	hash    crypto.Hash
	digest  []byte
	policy  []byte // DER OID contents, nil if absent
	nonce   *big.Int
	certReq bool
	hasExts bool
}

// tsaReject is a rejection with its failure bit and a message.
type tsaReject struct {
	bit int
	msg string
}

func (r *tsaReject) Error() string { return r.msg }

// parseTSARequest parses a DER TimeStampReq.
func parseTSARequest(der []byte) (*tsaRequest, error) {
	if len(der) > maxTSARequestBytes {
		return nil, &tsaReject{TSABadDataFormat, "request too large"}
	}
	in := cryptobyte.String(der)
	var req, imprint, body, alg, oid, digest cryptobyte.String
	var version int64
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() || !req.ReadASN1Integer(&version) ||
		!req.ReadASN1Element(&imprint, cbasn1.SEQUENCE) {
		return nil, &tsaReject{TSABadDataFormat, "not a TimeStampReq"}
	}
	if version != 1 {
		return nil, &tsaReject{TSABadRequest, "unsupported version"}
	}
	r := &tsaRequest{imprint: bytes.Clone(imprint)}
	im := imprint
	if !im.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!body.ReadASN1(&digest, cbasn1.OCTET_STRING) || !body.Empty() {
		return nil, &tsaReject{TSABadDataFormat, "bad MessageImprint"}
	}
	if !alg.Empty() {
		var params cryptobyte.String
		var tag cbasn1.Tag
		if !alg.ReadAnyASN1(&params, &tag) || tag != cbasn1.NULL || len(params) != 0 || !alg.Empty() {
			return nil, &tsaReject{TSABadDataFormat, "bad hash algorithm parameters"}
		}
	}
	r.hash = hashByOID(oid)
	r.digest = bytes.Clone(digest)
	if req.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		var p cryptobyte.String
		if !req.ReadASN1(&p, cbasn1.OBJECT_IDENTIFIER) || len(p) == 0 {
			return nil, &tsaReject{TSABadDataFormat, "bad policy"}
		}
		r.policy = bytes.Clone(p)
	}
	if req.PeekASN1Tag(cbasn1.INTEGER) {
		var n cryptobyte.String
		if !req.ReadASN1(&n, cbasn1.INTEGER) || len(n) == 0 || len(n) > maxTSANonceBytes || n[0]&0x80 != 0 {
			return nil, &tsaReject{TSABadDataFormat, "bad nonce"}
		}
		r.nonce = new(big.Int).SetBytes(n)
	}
	if req.PeekASN1Tag(cbasn1.BOOLEAN) {
		if !req.ReadASN1Boolean(&r.certReq) {
			return nil, &tsaReject{TSABadDataFormat, "bad certReq"}
		}
	}
	if req.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		if !req.SkipASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return nil, &tsaReject{TSABadDataFormat, "bad extensions"}
		}
		r.hasExts = true
	}
	if !req.Empty() {
		return nil, &tsaReject{TSABadDataFormat, "trailing data in TimeStampReq"}
	}
	return r, nil
}

// checkHash accepts SHA-256/384/512 imprints of the right length.
func checkHash(h crypto.Hash, digest []byte) *tsaReject {
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return &tsaReject{TSABadAlg, "unsupported hash algorithm (use SHA-256, SHA-384 or SHA-512)"}
	}
	if len(digest) != h.Size() {
		return &tsaReject{TSABadDataFormat, "hash length does not match the algorithm"}
	}
	return nil
}

// tsaSigner is the TSA's certificate and its CMS signer (which sends the
// issuing CA along with the certificate when a request has certReq).
type tsaSigner struct {
	cert    *x509.Certificate
	cms     *cms.Signer
	tsaName []byte // DER [0] GeneralName directoryName
}

type tsaState struct {
	policy   []byte // DER OID contents
	accuracy time.Duration
	block    int64

	mu         sync.Mutex
	next, end  int64
	signerMu   sync.Mutex
	signer     *tsaSigner
	signerTime time.Time
}

func newTSAState(cfg Config) (*tsaState, error) {
	oid, err := x509.ParseOID(cfg.TSAPolicy)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "OID chính sách TSA %q không hợp lệ", cfg.TSAPolicy)
	}
	der, err := oid.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &tsaState{policy: der, accuracy: cfg.TSAAccuracy, block: int64(cfg.TSASerialBlock)}, nil
}

func (t *tsaState) forget() {
	t.signerMu.Lock()
	t.signer = nil
	t.signerMu.Unlock()
}

// serial returns the next TSA serial number: monotonic in this replica,
// unique across replicas (blocks are reserved in the database).
func (s *Service) tsaSerial(ctx context.Context) (*big.Int, error) {
	t := s.tsa
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.next == 0 || t.next > t.end {
		var end int64
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pki_counters (name, value) VALUES ('tsa_serial', 0) ON CONFLICT (name) DO NOTHING`); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `UPDATE pki_counters SET value = value + $1 WHERE name = 'tsa_serial' RETURNING value`, t.block).Scan(&end)
		})
		if err != nil {
			return nil, fmt.Errorf("reserve TSA serial numbers: %w", err)
		}
		t.next, t.end = end-t.block+1, end
	}
	n := big.NewInt(t.next)
	t.next++
	return n, nil
}

// tsaSigner loads (and caches for a minute) the TSA certificate and key.
func (s *Service) tsaSigner(ctx context.Context) (*tsaSigner, error) {
	t := s.tsa
	t.signerMu.Lock()
	defer t.signerMu.Unlock()
	if t.signer != nil && clock.Now().Sub(t.signerTime) < time.Minute {
		return t.signer, nil
	}
	var der []byte
	var keyRef string
	var caID int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT x.der, x.key_id, x.ca_id FROM pki_services v JOIN pki_certificates x ON x.id = v.certificate_id
 WHERE v.role = 'tsa' AND x.revoked_at IS NULL AND x.key_id IS NOT NULL`).Scan(&der, &keyRef, &caID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTSANotInitialized
	}
	if err != nil {
		return nil, fmt.Errorf("load TSA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	signer, err := s.keys.Signer(ctx, keyRef)
	if err != nil {
		return nil, err
	}
	chain := []*x509.Certificate{cert}
	if ca := s.caByID(caID); ca != nil {
		chain = append(chain, ca.cert)
	}
	h, _, err := sigParams(signer.Public())
	if err != nil {
		return nil, err
	}
	ts := &tsaSigner{cert: cert}
	if ts.cms, err = cms.NewSigner(signer, chain, h, false); err != nil {
		return nil, fmt.Errorf("TSA signer: %w", err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(cert.RawSubject) })
	})
	ts.tsaName = b.BytesOrPanic()
	t.signer, t.signerTime = ts, clock.Now()
	return ts, nil
}

// TSAAnswer describes a TSA answer (for logs and metrics).
type TSAAnswer struct {
	Granted  bool
	Serial   *big.Int // of the token, when granted
	FailInfo int      // failure bit when rejected
	Message  string   // why it was rejected (English, for logs)
}

// RespondTSA answers a DER TimeStampReq (RFC 3161) with a DER
// TimeStampResp: a granted token, or a rejection with the right failure
// bit (badAlg, badDataFormat, badRequest, unacceptedPolicy,
// unacceptedExtension, systemFailure). It never returns an error.
func (s *Service) RespondTSA(ctx context.Context, reqDER []byte) ([]byte, TSAAnswer) {
	req, err := parseTSARequest(reqDER)
	if err != nil {
		return tsaRejection(err)
	}
	if rj := checkHash(req.hash, req.digest); rj != nil {
		return tsaRejection(rj)
	}
	if req.policy != nil && !bytes.Equal(req.policy, s.tsa.policy) {
		return tsaRejection(&tsaReject{TSAUnacceptedPolicy, "requested policy is not this TSA's"})
	}
	if req.hasExts {
		return tsaRejection(&tsaReject{TSAUnacceptedExtension, "request extensions are not supported"})
	}
	token, serial, err := s.stamp(ctx, req)
	if err != nil {
		s.log.Error("pki: time stamp failed", "err", err)
		return tsaRejection(&tsaReject{TSASystemFailure, "time-stamping service unavailable"})
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(0) }) // granted
		b.AddBytes(token)
	})
	out, err := b.Bytes()
	if err != nil {
		return tsaRejection(&tsaReject{TSASystemFailure, err.Error()})
	}
	return out, TSAAnswer{Granted: true, Serial: serial}
}

func tsaRejection(err error) ([]byte, TSAAnswer) {
	var rj *tsaReject
	if !errors.As(err, &rj) {
		rj = &tsaReject{TSASystemFailure, err.Error()}
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(2) // rejection
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(rj.msg)) })
			})
			bits := make([]byte, rj.bit/8+1)
			bits[rj.bit/8] = 0x80 >> (rj.bit % 8)
			b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
				b.AddUint8(uint8(7 - rj.bit%8))
				b.AddBytes(bits)
			})
		})
	})
	return b.BytesOrPanic(), TSAAnswer{FailInfo: rj.bit, Message: rj.msg}
}

// Stamp returns an RFC 3161 TimeStampToken (DER ContentInfo, with the TSA
// certificate) over digest, for in-process callers such as the PDF signer.
// Errors: EINVALID wrapping ErrUnsupportedHash; EUNAVAILABLE when the TSA
// is not initialised.
func (s *Service) Stamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	if rj := checkHash(h, digest); rj != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %s", ErrUnsupportedHash, rj.msg), apperr.Invalid,
			"Thuật toán băm không được hỗ trợ hoặc độ dài mã băm sai (dùng SHA-256, SHA-384 hoặc SHA-512)")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oidOfHash(h)) })
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(digest)
	})
	token, _, err := s.stamp(ctx, &tsaRequest{imprint: b.BytesOrPanic(), hash: h, digest: digest, certReq: true})
	if errors.Is(err, errTSANotInitialized) {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Dịch vụ cấp dấu thời gian chưa được khởi tạo (chạy `chinhquyen ca init`)")
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Dịch vụ cấp dấu thời gian không hoạt động")
	}
	return token, nil
}

// stamp builds and signs the TimeStampToken for req.
func (s *Service) stamp(ctx context.Context, req *tsaRequest) ([]byte, *big.Int, error) {
	ts, err := s.tsaSigner(ctx)
	if err != nil {
		return nil, nil, err
	}
	serial, err := s.tsaSerial(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if now.Before(ts.cert.NotBefore) || now.After(ts.cert.NotAfter) {
		return nil, nil, errors.New("TSA certificate expired or not yet valid")
	}
	acc := s.tsa.accuracy
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(s.tsa.policy) })
		b.AddBytes(req.imprint)
		b.AddASN1BigInt(serial)
		addGeneralizedTime(b, now, true)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if sec := int64(acc / time.Second); sec > 0 {
				b.AddASN1Int64(sec)
			}
			if ms := int64(acc % time.Second / time.Millisecond); ms > 0 {
				b.AddASN1Int64WithTag(ms, cbasn1.Tag(0).ContextSpecific())
			}
			if us := int64(acc % time.Millisecond / time.Microsecond); us > 0 {
				b.AddASN1Int64WithTag(us, cbasn1.Tag(1).ContextSpecific())
			}
		})
		if req.nonce != nil {
			b.AddASN1BigInt(req.nonce)
		}
		b.AddBytes(ts.tsaName)
	})
	tstInfo, err := tb.Bytes()
	if err != nil {
		return nil, nil, err
	}
	// signing-time is the genTime to the second: RFC 5652 §11.3 chooses its
	// encoding by year, so tokens issued from 2050 on are still valid DER.
	sd, err := ts.cms.Sign(cms.Message{ContentType: cms.OIDTSTInfo, Content: tstInfo, SigningTime: now, NoCertificates: !req.certReq})
	if err != nil {
		return nil, nil, fmt.Errorf("sign time stamp: %w", err)
	}
	token, err := sd.Bytes()
	if err != nil {
		return nil, nil, err
	}
	s.log.Debug("pki: time stamp issued", "serial", serial.String(), "hash", req.hash.String())
	return token, serial, nil
}

// Timestamp is Stamp with the argument order of pdfsign.TimeStamper, so the
// service can be handed to the PDF signer as its in-process TSA.
func (s *Service) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	return s.Stamp(ctx, h, digest)
}
