// Package signing is the platform's document signature service: an
// official signs a PDF with their own certificate, a clerk seals it with
// the agency's, and anyone validates a signed PDF. It joins the CA (pki:
// keys, certificates, TSA, OCSP/CRL, trust store) and the PAdES library
// (pdfsign), asks access.Can before acting, and records every signature in
// the audit log. Uploaded files are processed in memory and never stored.
package signing

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
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
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// MaxPDFSize is the largest PDF the service signs or validates (20 MB);
// pages and the API say so.
const MaxPDFSize = 20 << 20

// MaxImageSize bounds an uploaded signature or seal image (PNG).
const MaxImageSize = 2 << 20

// Recorder writes audit entries inside the caller's transaction; *audit.Log
// implements it.
type Recorder interface {
	Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
}

// Config configures a Service.
type Config struct {
	DB    *db.DB
	PKI   *pki.Service
	Audit Recorder
	// Now is the clock (default clock.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// FetchRevocation lets validation ask the OCSP responders and CRL
	// distribution points named in certificates that our CA did not issue.
	// Off by default: a public upload could name internal addresses; such
	// signatures are then judged on the revocation data they carry (DSS).
	FetchRevocation bool
	// TrustTTL is how long validation reuses the trust anchors it read
	// (default 10 s).
	TrustTTL time.Duration
}

// Service signs and validates PDF documents.
type Service struct {
	cfg Config
	now func() time.Time
	log *slog.Logger
	rev pdfsign.RevocationSource

	mu        sync.Mutex
	trust     *pdfsign.TrustStore
	roots     []*x509.Certificate
	trustRead time.Time
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.PKI == nil || cfg.Audit == nil {
		return nil, errors.New("signing.New: DB, PKI and Audit are required")
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TrustTTL <= 0 {
		cfg.TrustTTL = 10 * time.Second
	}
	s := &Service{cfg: cfg, now: cfg.Now, log: cfg.Logger}
	s.rev = &Revocation{PKI: cfg.PKI}
	if cfg.FetchRevocation {
		s.rev = &Revocation{PKI: cfg.PKI, Fallback: &pdfsign.HTTPRevocationSource{Timeout: 5 * time.Second}}
	}
	return s, nil
}

// Revocation is a pdfsign.RevocationSource answering in-process for the
// certificates our CA issued (its pre-signed OCSP answer and its CRL) and
// asking Fallback, if any, for the others.
type Revocation struct {
	PKI      *pki.Service
	Fallback pdfsign.RevocationSource
}

// Revocation implements pdfsign.RevocationSource.
func (r *Revocation) Revocation(ctx context.Context, cert, issuer *x509.Certificate) (*pdfsign.RevocationData, error) {
	ocspDER, crlDER, err := r.PKI.RevocationFor(ctx, cert)
	if err == nil {
		return &pdfsign.RevocationData{OCSP: [][]byte{ocspDER}, CRLs: [][]byte{crlDER}}, nil
	}
	if r.Fallback != nil && errors.Is(err, pki.ErrUnknownCA) {
		return r.Fallback.Revocation(ctx, cert, issuer)
	}
	return nil, err
}

// CheckPDF refuses what is not a PDF or is too large, before any parsing:
// the upload pages and the API call it on the bytes they received.
func CheckPDF(data []byte) error {
	if len(data) > MaxPDFSize {
		return apperr.FieldError("file", "Tệp PDF lớn hơn %d MB: không xử lý được", MaxPDFSize>>20)
	}
	if len(data) == 0 {
		return apperr.FieldError("file", "Chưa chọn tệp PDF hoặc tệp rỗng")
	}
	// ISO 32000 lets the header start anywhere in the first 1024 bytes.
	if !strings.Contains(string(data[:min(len(data), 1024)]), "%PDF-") {
		return apperr.FieldError("file", "Tệp tải lên không phải tệp PDF (thiếu phần đầu %%PDF-)")
	}
	return nil
}

// SignRequest asks for one signature.
type SignRequest struct {
	// PDF is the document (at most MaxPDFSize).
	PDF []byte
	// Serial is the certificate to sign with: one of SigningCertificates.
	Serial string
	// Level is the PAdES baseline level (default B-T).
	Level pdfsign.Level
	// Reason and Location go into the signature dictionary.
	Reason, Location string
	// Invisible signs without a mark on the page.
	Invisible bool
	// Page (1-based; 0 = the last page) and Rect (llx, lly, urx, ury in
	// points; zero = bottom right of the page) place a personal signature,
	// or a seal when there is no leader's signature to overlap.
	Page int
	Rect [4]float64
	// Image is a PNG: the leader's handwritten signature (blue) or the
	// agency's seal (red), transparent background. Without it the
	// appearance is text: name, title and time; or the agency and time.
	Image []byte
	// Title is shown under the signer's name in a text appearance.
	Title string
}

// Signed is the outcome of Sign.
type Signed struct {
	PDF         []byte
	Result      *pdfsign.SignResult
	Certificate *pki.Certificate
	Seal        bool   // signed with an agency's seal
	SHA256      string // of PDF, lower-case hex
}

// Sign signs req.PDF for a with the certificate req.Serial, which must be
// a's own personal certificate (access.PDFSignOwn) or the seal of an agency
// a may seal for (access.PDFSignSeal). A seal overlaps the left third of
// the last visible signature already in the document (the leader's), per
// Decree 30/2020, unless req.Invisible. B-T and above take the time-stamp
// from the platform's TSA in-process; B-LT and B-LTA embed the CA's OCSP
// answers and CRLs. The signature is recorded in the audit log (document
// hashes, certificate, level) before the signed file is returned; on any
// error no file is returned. Errors: EINVALID (not a PDF, bad input,
// broken existing signature is ECONFLICT), EFORBIDDEN/EUNAUTHORIZED from
// access, ECONFLICT (revoked or expired certificate), EUNAVAILABLE (TSA).
func (s *Service) Sign(ctx context.Context, a *actor.Actor, req SignRequest) (*Signed, error) {
	if err := CheckPDF(req.PDF); err != nil {
		return nil, err
	}
	if len(req.Image) > MaxImageSize {
		return nil, apperr.FieldError("image", "Ảnh chữ ký/con dấu lớn hơn %d MB", MaxImageSize>>20)
	}
	if req.Level == "" {
		req.Level = pdfsign.LevelBT
	}
	// The decision (access.Can inside pki.Signer) comes before any write.
	key, cert, chain, err := s.cfg.PKI.Signer(ctx, a, req.Serial)
	if err != nil {
		return nil, err
	}
	var rec *pki.Certificate
	usable, err := s.cfg.PKI.SigningCertificates(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, c := range usable {
		if c.X509.Equal(cert) {
			rec = c
		}
	}
	if rec == nil { // the system actor, which has no list of its own
		if rec, err = s.cfg.PKI.Certificate(ctx, a, req.Serial); err != nil {
			return nil, err
		}
	}
	seal := rec.Profile == "seal"
	now := s.now()
	ap, err := BuildAppearance(req.PDF, AppearanceOptions{Invisible: req.Invisible, Page: req.Page, Rect: req.Rect,
		Image: req.Image, Title: req.Title, Seal: seal}, cert, now)
	if err != nil {
		return nil, err
	}
	roots := s.rootsFor(ctx)
	out, res, err := pdfsign.Sign(ctx, req.PDF, pdfsign.SignOptions{
		Signer: key, Chain: append([]*x509.Certificate{cert}, chain...), Level: req.Level,
		Reason: req.Reason, Location: req.Location, Appearance: ap,
		TimeStamper: s.cfg.PKI, Revocation: s.rev, ExtraCerts: roots, Now: s.now,
	})
	if err != nil {
		return nil, err
	}
	inSum := sha256.Sum256(req.PDF)
	outSum := sha256.Sum256(out)
	action, _ := pki.SigningAction(rec.Profile)
	signed := &Signed{PDF: out, Result: res, Certificate: rec, Seal: seal, SHA256: hex.EncodeToString(outSum[:])}
	err = s.cfg.DB.Tx(ctx, func(tx *sql.Tx) error {
		return s.cfg.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(action), ObjectType: "document", ObjectID: signed.SHA256,
			Before: map[string]any{"sha256": hex.EncodeToString(inSum[:]), "size": len(req.PDF)},
			After: map[string]any{"sha256": signed.SHA256, "size": len(out), "certificate": rec.Serial, "level": string(res.Level),
				"field": res.FieldName, "signing_time": res.SigningTime.UTC().Format(time.RFC3339)},
			Summary: map[string]any{"certificate": rec.Serial, "level": string(res.Level), "field": res.FieldName, "seal": seal}})
	})
	if err != nil {
		return nil, fmt.Errorf("record the signature: %w", err)
	}
	s.log.InfoContext(ctx, "document signed", "certificate", rec.Serial, "level", string(res.Level), "sha256", signed.SHA256, "seal", seal)
	return signed, nil
}

// AppearanceOptions say how a signature shows on the page.
type AppearanceOptions struct {
	// Invisible signs without a mark on the page (BuildAppearance gives nil).
	Invisible bool
	// Page (1-based; 0 = the last page) and Rect (llx, lly, urx, ury in
	// points; zero = bottom right of the page) place the signature.
	Page int
	Rect [4]float64
	// Image is a PNG: a blue handwritten signature or a red seal. Without
	// it the appearance is text.
	Image []byte
	// Title is shown under the signer's name in a personal text appearance.
	Title string
	// Seal is the organisation's signature: it goes over the left third of
	// the last visible signature already in the document (the leader's),
	// per Decree 30/2020; at Page/Rect when there is none.
	Seal bool
}

// BuildAppearance returns the visible signature of cert's holder signing
// the PDF at now: the image, or the name, title and time (blue); for a
// seal, the seal image with the agency and the time, or without an image
// the drawn red seal (the agency on its ring) and the time, over the
// leader's signature. Times show as pdfsign.FormatSigningTime. Errors:
// EINVALID for a page the document does not have or a rectangle too small.
func BuildAppearance(pdfData []byte, o AppearanceOptions, cert *x509.Certificate, now time.Time) (*pdfsign.Appearance, error) {
	if o.Invisible {
		return nil, nil
	}
	page, box, err := pageInfo(pdfData, o.Page)
	if err != nil {
		return nil, err
	}
	req := o
	rect := req.Rect
	if rect == ([4]float64{}) {
		// Bottom right, above the margin: where Decree 30 puts the
		// signature block of a one-page document.
		rect = [4]float64{box[2] - 72 - 200, box[1] + 100, box[2] - 72, box[1] + 180}
	}
	if rect[2]-rect[0] < 20 || rect[3]-rect[1] < 10 {
		return nil, apperr.FieldError("rect", "Vùng đặt chữ ký quá nhỏ (tối thiểu 20 × 10 điểm)")
	}
	when := now.In(locale.VN)
	if o.Seal {
		org := cert.Subject.CommonName
		if ws, err := pdfsign.SignatureWidgets(pdfData); err == nil {
			for i := len(ws) - 1; i >= 0; i-- {
				if w := ws[i]; w.Visible() && !w.DocTS {
					// A seal of 36–42 mm, larger beside a larger signature.
					size := min(max((w.Rect[3]-w.Rect[1])*1.6, 36*mm), 42*mm)
					return pdfsign.SealAppearance(w.Page, w.Rect, size, req.Image, org, when), nil
				}
			}
		}
		ap := &pdfsign.Appearance{Page: page, Rect: rect, Image: req.Image,
			Lines: []string{org, pdfsign.FormatSigningTime(when)}}
		if len(req.Image) == 0 {
			// No image uploaded: the seal is drawn, its ring carries the name;
			// without a rectangle it gets its default size, bottom right.
			if req.Rect == ([4]float64{}) {
				d := pdfsign.DefaultSealSize
				ap.Rect = [4]float64{box[2] - 72 - d - 40, box[1] + 100, box[2] - 72, box[1] + 100 + d + 12}
			}
			ap.Seal = &pdfsign.DrawnSeal{Agency: org}
			ap.Lines = ap.Lines[1:]
			ap.TextColor = [3]float64{0.85, 0, 0}
		}
		return ap, nil
	}
	if len(req.Image) > 0 {
		return pdfsign.LeaderAppearance(page, rect, req.Image), nil
	}
	lines := []string{cert.Subject.CommonName}
	if t := strings.TrimSpace(req.Title); t != "" {
		lines = append(lines, t)
	}
	lines = append(lines, "Ký số: "+pdfsign.FormatSigningTime(when))
	// Decree 30/2020: the signature is blue.
	return &pdfsign.Appearance{Page: page, Rect: rect, Lines: lines, TextColor: [3]float64{0, 0, 0.6}}, nil
}

// mm is a millimetre in PDF points.
const mm = 72 / 25.4

// pageInfo returns the page to sign on (want, or the last page when 0) and
// its MediaBox (A4 when missing).
func pageInfo(data []byte, want int) (int, [4]float64, error) {
	a4 := [4]float64{0, 0, 595.28, 841.89}
	r, err := pdf.Open(data)
	if err != nil {
		return 0, a4, err
	}
	pages, err := r.Pages()
	if err != nil {
		return 0, a4, err
	}
	if want < 0 || want > len(pages) {
		return 0, a4, apperr.FieldError("page", "Trang %d không có trong tài liệu (tài liệu có %d trang)", want, len(pages))
	}
	if want == 0 {
		want = len(pages)
	}
	node, _ := r.Dict(pages[want-1])
	for depth := 0; node != nil && depth < 16; depth++ {
		if mb, ok := r.Resolve(node["MediaBox"]).(pdf.Array); ok && len(mb) == 4 {
			var box [4]float64
			for i, v := range mb {
				box[i], _ = pdf.Num(r.Resolve(v))
			}
			if box[2] > box[0] && box[3] > box[1] {
				return want, box, nil
			}
		}
		node, _ = r.Dict(node["Parent"])
	}
	// A page tree that ran out of the reading budget reads as no MediaBox.
	if err := r.Err(); err != nil {
		return 0, a4, err
	}
	return want, a4, nil
}

// rootsFor returns the trust anchors, for completing chains in the DSS.
func (s *Service) rootsFor(ctx context.Context) []*x509.Certificate {
	_, roots, err := s.trustStore(ctx)
	if err != nil {
		return nil
	}
	return roots
}

// trustStore returns the validator's trust anchors, re-read every TrustTTL.
func (s *Service) trustStore(ctx context.Context) (*pdfsign.TrustStore, []*x509.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trust != nil && time.Since(s.trustRead) < s.cfg.TrustTTL {
		return s.trust, s.roots, nil
	}
	ta, err := s.cfg.PKI.Trust(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.trust = &pdfsign.TrustStore{Roots: ta.RootCerts, Intermediates: ta.Intermediate}
	s.roots, s.trustRead = ta.RootCerts, clock.Now()
	return s.trust, s.roots, nil
}

// Verify validates every signature and document time-stamp of the PDF in
// against the platform's trust store (our CA and the imported roots), with
// revocation from the DSS, our CA in-process and, if configured, the
// network. Anyone may (access.PDFVerify); the file is not kept. Errors:
// EINVALID for what is not a readable PDF.
func (s *Service) Verify(ctx context.Context, a *actor.Actor, in []byte) (*pdfsign.Report, error) {
	if err := access.Authorize(ctx, a, access.PDFVerify, access.Resource{Type: "document", ID: "upload"}); err != nil {
		return nil, err
	}
	if err := CheckPDF(in); err != nil {
		return nil, err
	}
	ts, _, err := s.trustStore(ctx)
	if err != nil {
		return nil, err
	}
	return pdfsign.Verify(ctx, in, pdfsign.VerifyOptions{Trust: ts, Revocation: s.rev, Now: s.now})
}

// SigningCertificates lists what a may sign with (pki.SigningCertificates).
func (s *Service) SigningCertificates(ctx context.Context, a *actor.Actor) ([]*pki.Certificate, error) {
	return s.cfg.PKI.SigningCertificates(ctx, a)
}
