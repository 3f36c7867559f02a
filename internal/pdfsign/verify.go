package pdfsign

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Trust holds the trust anchors. Without it no chain can be trusted
	// (INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND).
	Trust *TrustStore
	// Revocation, if set, is asked for revocation data that the document
	// (DSS, CMS) does not carry. Nil: offline validation.
	Revocation RevocationSource
	// Now is the validation time (default clock.Now).
	Now func() time.Time
}

// Verify validates every signature and document time-stamp of the PDF in.
// It returns an error only when the file cannot be read at all (corrupt or
// encrypted PDF, or one that exceeds pdf.DefaultLimits: pdf.ErrTooComplex);
// problems with signatures are reported in the Report.
// A document without signatures gives a Report with no signatures and an
// empty overall indication.
func Verify(ctx context.Context, in []byte, opts VerifyOptions) (*Report, error) {
	now := clock.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	r, err := pdf.OpenLimited(ctx, in, pdf.DefaultLimits)
	if err != nil {
		return nil, err
	}
	v := &verifier{ctx: ctx, r: r, data: in, opts: opts, now: now, integrity: map[*foundSig]error{}}
	v.loadDSS()
	v.sigs = findSignatures(r)
	// Reads that ran out of budget gave null objects: a report built on
	// them would describe a document that is not the one uploaded.
	if err := r.Err(); err != nil {
		return nil, err
	}
	var offsets []int64
	for _, s := range v.sigs {
		if s.byteRange[0] == 0 {
			offsets = append(offsets, s.byteRange[1])
		}
	}
	v.hasher = newPrefixHasher(in, offsets)
	rep := &Report{ValidationTime: now, DocumentSHA256: hex.EncodeToString(v.hasher.sum()), DocumentSize: int64(len(in)), Revisions: len(r.Sections()), Signatures: []SignatureReport{}}
	for i, s := range v.sigs {
		rep.Signatures = append(rep.Signatures, v.verifyOne(i, s))
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	if len(rep.Signatures) > 0 {
		rep.Indication = TotalPassed
		for _, s := range rep.Signatures {
			switch {
			case s.Indication == TotalFailed:
				rep.Indication = TotalFailed
			case s.Indication == Indeterminate && rep.Indication == TotalPassed:
				rep.Indication = Indeterminate
			}
		}
	}
	return rep, nil
}

type verifier struct {
	ctx     context.Context
	r       *pdf.Reader
	data    []byte
	opts    VerifyOptions
	now     time.Time
	sigs    []*foundSig
	dssCert []*x509.Certificate
	dssOCSP [][]byte
	dssCRL  [][]byte
	dssAt   int64 // offset of the first section with a DSS (-1 none)
	// hasher shares the SHA-256 work of the signatures' byte ranges;
	// integrity remembers each signature's integrity check.
	hasher    *prefixHasher
	integrity map[*foundSig]error
}

// checkIntegrity checks s once per validation.
func (v *verifier) checkIntegrity(s *foundSig) error {
	if err, ok := v.integrity[s]; ok {
		return err
	}
	err := checkIntegrityWith(v.data, s, v.hasher.rangeDigest)
	v.integrity[s] = err
	return err
}

func (v *verifier) loadDSS() {
	v.dssAt = -1
	cat, _, err := v.r.Catalog()
	if err != nil {
		return
	}
	d, ok := v.r.Dict(cat["DSS"])
	if !ok {
		return
	}
	get := func(k pdf.Name) [][]byte {
		var out [][]byte
		// A reference listed again adds nothing but the work of parsing
		// the same bytes again (for a large stream listed thousands of
		// times, the most of it).
		seen := map[pdf.Ref]bool{}
		arr, _ := v.r.Resolve(d[k]).(pdf.Array)
		for _, e := range arr {
			if len(out) > 10000 {
				break
			}
			if ref, ok := e.(pdf.Ref); ok {
				if seen[ref] {
					continue
				}
				seen[ref] = true
			}
			if s, ok := v.r.Resolve(e).(*pdf.Stream); ok {
				if b, err := v.r.DecodeStream(s); err == nil {
					out = append(out, b)
				}
			}
		}
		return out
	}
	for _, c := range get("Certs") {
		if cert, err := parseCertificate(c); err == nil {
			v.dssCert = append(v.dssCert, cert)
		}
	}
	v.dssOCSP = get("OCSPs")
	v.dssCRL = get("CRLs")
	// The revision that introduced the DSS (for level detection).
	for _, sec := range v.r.Sections() {
		view, err := v.r.AsOf(sec.Offset + 1)
		if err != nil {
			continue
		}
		if c, _, err := view.Catalog(); err == nil && c["DSS"] != nil {
			v.dssAt = sec.Offset
			break
		}
	}
}

func (v *verifier) verifyOne(i int, s *foundSig) SignatureReport {
	rep := SignatureReport{Index: i + 1, FieldName: s.field, SubFilter: s.subFilter, Type: "signature", ByteRange: s.byteRange, BestSignatureTime: v.now}
	if s.docTS {
		rep.Type = "document-timestamp"
	}
	fail := func(ind Indication, sub SubIndication, msg string) SignatureReport {
		if rep.Indication == "" || rep.Indication == TotalPassed || (rep.Indication == Indeterminate && ind == TotalFailed) {
			rep.Indication, rep.SubIndication = ind, sub
		}
		if msg != "" {
			rep.Errors = append(rep.Errors, msg)
		}
		return rep
	}
	switch s.subFilter {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached", "ETSI.RFC3161":
	default:
		return fail(TotalFailed, FormatFailure, fmt.Sprintf("Kiểu chữ ký %q không được hỗ trợ.", s.subFilter))
	}
	if s.subFilter == "adbe.pkcs7.detached" {
		rep.Warnings = append(rep.Warnings, "Chữ ký dạng adbe.pkcs7.detached (CMS cũ), không phải PAdES baseline (ETSI.CAdES.detached).")
	}
	if m, ok := pdf.Text(v.r.Resolve(s.dict["M"])); ok {
		if t, ok := parsePDFDate(m); ok {
			rep.ClaimedSigningTime = &t
		}
	}
	// Integrity.
	err := v.checkIntegrity(s)
	switch {
	case errors.Is(err, errFormat):
		return fail(TotalFailed, FormatFailure, "Cấu trúc chữ ký không hợp lệ: "+err.Error())
	case errors.Is(err, errHash):
		return fail(TotalFailed, HashFailure, "Nội dung tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp).")
	case errors.Is(err, errCrypto):
		return fail(TotalFailed, SigCryptoFailure, "Giá trị chữ ký không hợp lệ với khóa công khai của người ký.")
	case err != nil:
		return fail(TotalFailed, FormatFailure, err.Error())
	}
	rep.IntegrityValid = true
	rep.DigestAlgorithm = s.cms.digestHash.String()
	signer, err := s.cms.signerCert()
	if err != nil {
		return fail(Indeterminate, NoSigningCertificateFound, "Không tìm thấy chứng thư số của người ký trong chữ ký.")
	}
	ci := certInfo(signer)
	rep.Signer = &ci

	// Scope: which revision is signed, and what came after.
	end := s.end()
	rep.CoversWholeDocument = end == int64(len(v.data))
	for _, sec := range v.r.Sections() {
		if sec.Offset < end {
			rep.SignedRevision++
		}
	}
	if !rep.CoversWholeDocument {
		rep.LaterChanges = v.laterChanges(end)
		for _, c := range rep.LaterChanges {
			if !c.Allowed {
				fail(Indeterminate, SigConstraintsFailure, "Tài liệu đã bị sửa đổi sau khi ký: "+c.Description+".")
			}
		}
	}

	if !s.docTS {
		present, match := s.cms.signingCertMatches(signer)
		rep.SigningCertificateMatch = match
		switch {
		case present && !match:
			return fail(Indeterminate, NoSigningCertificateFound, "Thuộc tính signing-certificate-v2 không khớp với chứng thư số trong chữ ký.")
		case !present && s.subFilter == "ETSI.CAdES.detached":
			fail(Indeterminate, SigConstraintsFailure, "Chữ ký PAdES thiếu thuộc tính signing-certificate-v2.")
		case !present:
			rep.Warnings = append(rep.Warnings, "Chữ ký không có thuộc tính signing-certificate-v2.")
		}
		if len(s.cms.signedAttrs[oidAttrSigningTime.String()]) > 0 && s.subFilter == "ETSI.CAdES.detached" {
			rep.Warnings = append(rep.Warnings, "Chữ ký có thuộc tính signing-time, không đúng PAdES baseline (thời điểm ký phải ở /M).")
		}
	}

	// Proof of existence: valid time-stamps over this signature.
	poe := time.Time{}
	tsaCerts := []*x509.Certificate{}
	addPOE := func(t time.Time) {
		if poe.IsZero() || t.Before(poe) {
			poe = t
		}
	}
	if !s.docTS {
		for _, tok := range s.cms.unsigned[oidAttrSignatureTimeStamp.String()] {
			tr, t, tsa := v.checkToken(tok.FullBytes, s.cms.si.Signature, "signature-time-stamp", s.cms.certs)
			rep.Timestamps = append(rep.Timestamps, tr)
			if tr.Valid {
				addPOE(t)
				tsaCerts = append(tsaCerts, tsa)
			}
		}
	}
	for _, later := range v.sigs {
		if later == s || !later.docTS || later.byteRange[1] < end || later.parseErr != nil {
			continue
		}
		if v.checkIntegrity(later) != nil {
			continue
		}
		ti, err := parseTimestampToken(later.contents)
		if err != nil {
			continue
		}
		cert, _ := ti.verify()
		tr := TimestampReport{Type: "document-timestamp", Time: ti.genTime, Valid: true}
		if cert != nil {
			tr.TSA = cert.Subject.CommonName
			if _, err := v.chain(cert, ti.genTime, append(append([]*x509.Certificate(nil), ti.msg.certs...), s.cms.certs...), x509.ExtKeyUsageTimeStamping); err != nil {
				tr.Valid, tr.Error = false, "chứng thư TSA không tin cậy"
			}
		}
		rep.Timestamps = append(rep.Timestamps, tr)
		if tr.Valid {
			addPOE(ti.genTime)
		}
	}
	if !poe.IsZero() {
		rep.BestSignatureTime = poe
	}
	if s.docTS {
		// A document time-stamp's own time is when the TSA signed.
		ti, _ := parseTimestampToken(s.contents)
		if ti != nil {
			rep.ClaimedSigningTime = &ti.genTime
		}
		if !hasEKU(signer, x509.ExtKeyUsageTimeStamping) {
			fail(Indeterminate, ChainConstraintsFailure, "Chứng thư của máy chủ dấu thời gian thiếu mục đích sử dụng timeStamping.")
		}
	}

	// Chain at the best signature time.
	eku := x509.ExtKeyUsageAny
	if s.docTS {
		eku = x509.ExtKeyUsageTimeStamping
	}
	chain, err := v.chain(signer, rep.BestSignatureTime, s.cms.certs, eku)
	if err != nil {
		var inv x509.CertificateInvalidError
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(err, &inv) && inv.Reason == x509.Expired:
			return fail(Indeterminate, OutOfBoundsNoPOE, "Chứng thư số đã hết hạn tại thời điểm ký được chứng minh; không có dấu thời gian hợp lệ trước thời điểm hết hạn.")
		case errors.As(err, &ua), v.opts.Trust == nil:
			return fail(Indeterminate, NoCertificateChainFound, "Không xây dựng được chuỗi chứng thư tới tổ chức chứng thực được tin cậy.")
		case signer.NotBefore.After(rep.BestSignatureTime):
			return fail(Indeterminate, NotYetValid, "Chứng thư số chưa có hiệu lực tại thời điểm ký.")
		default:
			return fail(Indeterminate, ChainConstraintsFailure, "Chuỗi chứng thư không hợp lệ: "+err.Error())
		}
	}
	for _, c := range chain {
		rep.Chain = append(rep.Chain, certInfo(c))
	}

	// Revocation of every certificate but the anchor.
	for k := 0; k+1 < len(chain); k++ {
		rr := v.revocation(chain[k], chain[k+1], s.cms)
		rep.Revocation = append(rep.Revocation, rr.report)
		switch rr.report.Status {
		case "REVOKED":
			if rr.revokedAt.After(rep.BestSignatureTime) && !poe.IsZero() {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("Chứng thư %q bị thu hồi lúc %s, sau thời điểm ký đã được chứng minh bằng dấu thời gian.", chain[k].Subject.CommonName, fmtTime(rr.revokedAt)))
				continue
			}
			if poe.IsZero() {
				fail(Indeterminate, RevokedNoPOE, fmt.Sprintf("Chứng thư %q đã bị thu hồi lúc %s và không có dấu thời gian chứng minh chữ ký có trước đó.", chain[k].Subject.CommonName, fmtTime(rr.revokedAt)))
			} else {
				fail(TotalFailed, Revoked, fmt.Sprintf("Chứng thư %q đã bị thu hồi lúc %s, trước thời điểm ký.", chain[k].Subject.CommonName, fmtTime(rr.revokedAt)))
			}
		case "NOT_FOUND", "UNKNOWN":
			fail(Indeterminate, TryLater, fmt.Sprintf("Chưa có thông tin thu hồi hợp lệ cho chứng thư %q.", chain[k].Subject.CommonName))
		case "NOT_APPLICABLE":
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("Chứng thư %q không công bố dịch vụ OCSP/CRL; không kiểm tra được thu hồi.", chain[k].Subject.CommonName))
		}
	}
	// The signer cert of a time-stamp token over this signature must chain too.
	_ = tsaCerts

	rep.Level = v.level(s, rep, poe)
	if rep.Indication == "" {
		rep.Indication = TotalPassed
	}
	return rep
}

// level detects the PAdES baseline level the signature reaches.
func (v *verifier) level(s *foundSig, rep SignatureReport, poe time.Time) string {
	if s.subFilter != "ETSI.CAdES.detached" {
		return ""
	}
	lvl := "B-B"
	if poe.IsZero() {
		return lvl
	}
	lvl = "B-T"
	if v.dssAt < s.end() || len(rep.Revocation) == 0 {
		return lvl
	}
	for _, rv := range rep.Revocation {
		if rv.Origin != "dss" && rv.Status != "NOT_APPLICABLE" {
			return lvl
		}
	}
	lvl = "B-LT"
	for _, later := range v.sigs {
		if later.docTS && later.byteRange[1] >= v.dssAt && v.checkIntegrity(later) == nil {
			return "B-LTA"
		}
	}
	return lvl
}

// checkToken validates a signature-time-stamp token over sigValue.
func (v *verifier) checkToken(token, sigValue []byte, typ string, extra []*x509.Certificate) (TimestampReport, time.Time, *x509.Certificate) {
	tr := TimestampReport{Type: typ}
	ti, err := parseTimestampToken(token)
	if err != nil {
		tr.Error = "dấu thời gian sai định dạng"
		return tr, time.Time{}, nil
	}
	tr.Time = ti.genTime
	h := ti.hash.New()
	h.Write(sigValue)
	if !bytes.Equal(h.Sum(nil), ti.imprint) {
		tr.Error = "dấu thời gian không gắn với giá trị chữ ký này"
		return tr, time.Time{}, nil
	}
	cert, err := ti.verify()
	if cert != nil {
		tr.TSA = cert.Subject.CommonName
	}
	if err != nil {
		tr.Error = "chữ ký của máy chủ dấu thời gian không hợp lệ"
		return tr, time.Time{}, nil
	}
	if !hasEKU(cert, x509.ExtKeyUsageTimeStamping) {
		tr.Error = "chứng thư máy chủ dấu thời gian thiếu mục đích timeStamping"
		return tr, time.Time{}, nil
	}
	if _, err := v.chain(cert, ti.genTime, append(append([]*x509.Certificate(nil), ti.msg.certs...), extra...), x509.ExtKeyUsageTimeStamping); err != nil {
		tr.Error = "chứng thư máy chủ dấu thời gian không tin cậy"
		return tr, time.Time{}, nil
	}
	tr.Valid = true
	return tr, ti.genTime, cert
}

func hasEKU(c *x509.Certificate, eku x509.ExtKeyUsage) bool {
	return slices.Contains(c.ExtKeyUsage, eku)
}

// chain builds a chain from cert to a trust anchor valid at t.
func (v *verifier) chain(cert *x509.Certificate, t time.Time, extra []*x509.Certificate, eku x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	if v.opts.Trust == nil || len(v.opts.Trust.Roots) == 0 {
		return nil, x509.UnknownAuthorityError{Cert: cert}
	}
	key := chainKey(cert, eku, v.opts.Trust.Roots, v.opts.Trust.Intermediates, extra, v.dssCert)
	if e, ok := chainMemo.get(key); ok && !t.Before(e.from) && !t.After(e.to) {
		return e.chain, nil
	}
	roots := x509.NewCertPool()
	for _, c := range v.opts.Trust.Roots {
		roots.AddCert(c)
	}
	inter := x509.NewCertPool()
	for _, list := range [][]*x509.Certificate{v.opts.Trust.Intermediates, extra, v.dssCert} {
		for _, c := range list {
			inter.AddCert(c)
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t, KeyUsages: []x509.ExtKeyUsage{eku}})
	if err != nil {
		return nil, err
	}
	chainMemo.put(key, newChainEntry(chains[0]))
	return chains[0], nil
}

type revOutcome struct {
	report    RevocationReport
	revokedAt time.Time
}

// revocation finds the status of cert: DSS, then CMS-embedded data, then
// the RevocationSource if allowed.
func (v *verifier) revocation(cert, issuer *x509.Certificate, m *signedMessage) revOutcome {
	out := revOutcome{report: RevocationReport{Certificate: cert.Subject.CommonName}}
	if hasNoCheck(cert) {
		out.report.Status = "NOT_APPLICABLE"
		return out
	}
	try := func(data *RevocationData, origin string) bool {
		rr, ok := checkRevocation(data, cert, issuer)
		if !ok {
			return false
		}
		out.report.Status = string(rr.status)
		out.report.Source = rr.source
		out.report.Origin = origin
		issued := rr.issued
		out.report.IssuedAt = &issued
		if rr.status == revRevoked {
			at := rr.revokedAt
			out.report.RevokedAt = &at
			out.revokedAt = at
		}
		return rr.status != revUnknown
	}
	if try(&RevocationData{OCSP: v.dssOCSP, CRLs: v.dssCRL}, "dss") {
		return out
	}
	if m != nil && try(&RevocationData{OCSP: m.embeddedOCSP, CRLs: m.embeddedCRLs}, "cms") {
		return out
	}
	if !needsRevocation(cert) {
		out.report.Status = "NOT_APPLICABLE"
		return out
	}
	if v.opts.Revocation != nil {
		if data, err := v.opts.Revocation.Revocation(v.ctx, cert, issuer); err == nil && try(data, "fetched") {
			return out
		}
	}
	if out.report.Status == "" {
		out.report.Status = "NOT_FOUND"
	}
	return out
}

// parsePDFDate parses "D:YYYYMMDDHHmmSS+HH'mm'" (and shorter forms).
func parsePDFDate(s string) (time.Time, bool) {
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	if len(s) < 14 {
		return time.Time{}, false
	}
	base, rest := s[:14], s[14:]
	loc := time.UTC
	if len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-') {
		var hh, mm int
		fmt.Sscanf(rest[1:3], "%d", &hh)
		if len(rest) >= 6 {
			fmt.Sscanf(rest[4:6], "%d", &mm)
		}
		off := hh*3600 + mm*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t, err := time.ParseInLocation("20060102150405", base, loc)
	return t, err == nil
}
