package pdfsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/cms"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level string

// The PAdES baseline levels.
const (
	LevelBB   Level = "B-B"
	LevelBT   Level = "B-T"
	LevelBLT  Level = "B-LT"
	LevelBLTA Level = "B-LTA"
)

func (l Level) rank() int {
	switch l {
	case LevelBT:
		return 1
	case LevelBLT:
		return 2
	case LevelBLTA:
		return 3
	}
	return 0
}

// SignOptions configure Sign.
type SignOptions struct {
	// Signer signs with the private key (software key, PKCS#11 via
	// crypto11, remote signer …). Required.
	Signer crypto.Signer
	// Chain is the signer certificate first, then its intermediates (the
	// root may be included). Required. All go into the CMS.
	Chain []*x509.Certificate
	// Level is the PAdES baseline level to produce (default B-B).
	Level Level
	// Hash is the digest algorithm: SHA-256 (default), SHA-384 or SHA-512.
	Hash crypto.Hash
	// RSAPSS selects RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys.
	RSAPSS bool
	// FieldName is the signature field's name; it must be unique in the
	// document. Empty: "ChuKy1", "ChuKy2", … (the first unused).
	FieldName string
	// Reason, Location, ContactInfo go into the signature dictionary.
	Reason, Location, ContactInfo string
	// Appearance places a visible signature; nil signs invisibly.
	Appearance *Appearance
	// TimeStamper is required for B-T and above.
	TimeStamper TimeStamper
	// TSAFallback: if the time-stamp authority fails, produce a B-B
	// signature (SignResult.Level says so, with a warning) instead of
	// failing.
	TSAFallback bool
	// Revocation fetches OCSP/CRL data: required for B-LT/B-LTA, and used
	// before signing to refuse a revoked signer certificate.
	Revocation RevocationSource
	// RequireRevocationCheck refuses to sign when the signer certificate's
	// status cannot be established (instead of a warning).
	RequireRevocationCheck bool
	// ExtraCerts help build chains for the DSS (e.g. the roots of the
	// signer and of the TSA).
	ExtraCerts []*x509.Certificate
	// AllowBrokenSignatures signs even if an existing signature in the
	// document does not verify (default: refuse, see package doc).
	AllowBrokenSignatures bool
	// ContentsSize is the room reserved for the CMS in bytes (DER, before
	// hex encoding). 0 computes a safe size from the chain and level.
	ContentsSize int
	// Now is the clock (default clock.Now); /M is written in +07:00.
	Now func() time.Time
}

// SignResult describes what Sign produced.
type SignResult struct {
	Level          Level      `json:"level"`           // level reached
	RequestedLevel Level      `json:"requested_level"` // level asked for
	FieldName      string     `json:"field_name"`
	SigningTime    time.Time  `json:"signing_time"`             // claimed time (/M)
	TimestampTime  *time.Time `json:"timestamp_time,omitempty"` // signature time-stamp genTime
	ByteRange      [4]int64   `json:"byte_range"`
	ContentsSize   int        `json:"contents_size"` // reserved bytes (DER)
	ContentsUsed   int        `json:"contents_used"` // CMS length
	Warnings       []string   `json:"warnings,omitempty"`
}

func (o *SignOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return clock.Now()
}

// Sign adds a PAdES signature to the PDF in as an incremental update and
// returns the complete signed file. in is not modified. On any error no
// bytes are returned. See the package documentation for the levels.
func Sign(ctx context.Context, in []byte, opts SignOptions) ([]byte, *SignResult, error) {
	if opts.Level == "" {
		opts.Level = LevelBB
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if err := checkSignerOptions(&opts); err != nil {
		return nil, nil, err
	}
	res := &SignResult{Level: LevelBB, RequestedLevel: opts.Level}
	now := opts.now()
	if err := checkSignerCert(ctx, &opts, now, res); err != nil {
		return nil, nil, err
	}
	r, err := openForUpdate(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	if err := checkExistingSignatures(r, opts.AllowBrokenSignatures, res); err != nil {
		return nil, nil, err
	}
	size := opts.ContentsSize
	if size <= 0 {
		size = estimateContents(opts.Chain, opts.Level.rank() >= 1)
	}
	name, err := fieldName(r, opts.FieldName)
	if err != nil {
		return nil, nil, err
	}
	sigDict := pdf.Dict{
		"Type":      pdf.Name("Sig"),
		"Filter":    pdf.Name("Adobe.PPKLite"),
		"SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"M":         pdf.String(pdfDate(now)),
	}
	if cn := opts.Chain[0].Subject.CommonName; cn != "" {
		sigDict["Name"] = textString(cn)
	}
	for k, v := range map[pdf.Name]string{"Reason": opts.Reason, "Location": opts.Location, "ContactInfo": opts.ContactInfo} {
		if v != "" {
			sigDict[k] = textString(v)
		}
	}
	prep, err := prepareSignature(r, sigDict, size, name, opts.Appearance)
	if err != nil {
		return nil, nil, err
	}
	digest := prep.digest(opts.Hash)
	cs, err := cms.NewSigner(opts.Signer, opts.Chain, opts.Hash, opts.RSAPSS)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Internal, "Không tạo được chữ ký số: khóa ký hoặc chứng thư số của người ký không dùng được.")
	}
	sd, err := cs.Sign(cms.Message{Digest: digest})
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Không tạo được chữ ký số: thiết bị hoặc khóa ký không thực hiện được thao tác ký.")
	}
	var unsigned []cms.Attribute
	if opts.Level.rank() >= 1 {
		h := opts.Hash.New()
		h.Write(sd.Signature())
		token, err := opts.TimeStamper.Timestamp(ctx, h.Sum(nil), opts.Hash)
		if err != nil {
			if !opts.TSAFallback {
				return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Máy chủ cấp dấu thời gian (TSA) không phản hồi hoặc trả lời không hợp lệ; chưa ký được tài liệu. Vui lòng thử lại sau.")
			}
			res.Warnings = append(res.Warnings, "Máy chủ cấp dấu thời gian (TSA) không phản hồi: chữ ký chỉ đạt mức PAdES B-B (không có dấu thời gian), không nâng lên mức cao hơn.")
		} else {
			ti, err := parseTimestampToken(token)
			if err != nil {
				return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Dấu thời gian nhận từ máy chủ TSA không hợp lệ; chưa ký được tài liệu.")
			}
			unsigned = append(unsigned, cms.Attribute{Type: cms.OIDAttributeSignatureTimeStamp, Values: [][]byte{token}})
			t := ti.genTime.In(locale.VN)
			res.TimestampTime = &t
			res.Level = LevelBT
		}
	}
	der, err := sd.Bytes(unsigned...)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Internal, "Không tạo được chữ ký số: lỗi khi ghép cấu trúc chữ ký CMS.")
	}
	out, err := prep.finish(der)
	if err != nil {
		return nil, nil, err
	}
	res.FieldName = name
	res.SigningTime = now.In(locale.VN)
	res.ByteRange = prep.byteRange
	res.ContentsSize = size
	res.ContentsUsed = len(der)
	if res.Level == LevelBT && opts.Level.rank() >= 2 {
		out2, _, err := AddValidationData(ctx, out, ValidationDataOptions{Revocation: opts.Revocation, ExtraCerts: append(append([]*x509.Certificate(nil), opts.Chain...), opts.ExtraCerts...), Now: opts.Now})
		if err != nil {
			return nil, nil, err
		}
		out = out2
		res.Level = LevelBLT
		if opts.Level == LevelBLTA {
			out3, _, err := AddDocumentTimestamp(ctx, out, DocTimestampOptions{TimeStamper: opts.TimeStamper, Hash: opts.Hash})
			if err != nil {
				return nil, nil, err
			}
			out = out3
			res.Level = LevelBLTA
		}
	}
	return out, res, nil
}

func checkSignerOptions(opts *SignOptions) error {
	if opts.Signer == nil || len(opts.Chain) == 0 || opts.Chain[0] == nil {
		return apperr.FieldError("signer", "Thiếu khóa ký hoặc chứng thư số của người ký.")
	}
	switch opts.Hash {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return apperr.FieldError("hash", "Thuật toán băm không được hỗ trợ (chỉ SHA-256, SHA-384, SHA-512).")
	}
	switch opts.Level {
	case LevelBB, LevelBT, LevelBLT, LevelBLTA:
	default:
		return apperr.FieldError("level", "Mức chữ ký PAdES không hợp lệ: %q (B-B, B-T, B-LT, B-LTA).", opts.Level)
	}
	if opts.Level.rank() >= 1 && opts.TimeStamper == nil {
		return apperr.FieldError("tsa", "Mức %s cần máy chủ cấp dấu thời gian (TSA).", opts.Level)
	}
	if opts.Level.rank() >= 2 && opts.Revocation == nil {
		return apperr.FieldError("revocation", "Mức %s cần nguồn thông tin thu hồi chứng thư (OCSP/CRL).", opts.Level)
	}
	if !publicKeysEqual(opts.Signer.Public(), opts.Chain[0].PublicKey) {
		return apperr.FieldError("signer", "Khóa ký không khớp với chứng thư số của người ký.")
	}
	switch opts.Signer.Public().(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
	default:
		return apperr.FieldError("signer", "Loại khóa ký không được hỗ trợ (chỉ RSA và ECDSA).")
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type eq interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(eq); ok {
		return e.Equal(b)
	}
	return false
}

// checkSignerCert refuses expired, not-yet-valid, wrong-usage and revoked
// signer certificates.
func checkSignerCert(ctx context.Context, opts *SignOptions, now time.Time, res *SignResult) error {
	c := opts.Chain[0]
	if now.Before(c.NotBefore) {
		return apperr.New(apperr.Invalid, "Chứng thư số của người ký chưa có hiệu lực (có hiệu lực từ %s).", locale.FormatDateTime(c.NotBefore))
	}
	if now.After(c.NotAfter) {
		return apperr.New(apperr.Invalid, "Chứng thư số của người ký đã hết hạn (hết hiệu lực lúc %s); không thể ký.", locale.FormatDateTime(c.NotAfter))
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return apperr.New(apperr.Invalid, "Chứng thư số của người ký không được phép dùng để ký số tài liệu (thiếu digitalSignature/nonRepudiation).")
	}
	if opts.Revocation == nil {
		return nil
	}
	var issuer *x509.Certificate
	for _, cand := range append(opts.Chain[1:], opts.ExtraCerts...) {
		if bytes.Equal(cand.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
			issuer = cand
			break
		}
	}
	if issuer == nil || !needsRevocation(c) {
		return nil
	}
	data, err := opts.Revocation.Revocation(ctx, c, issuer)
	var rr revResult
	found := false
	if err == nil {
		rr, found = checkRevocation(data, c, issuer)
	}
	switch {
	case found && rr.status == revRevoked:
		return apperr.New(apperr.Invalid, "Chứng thư số của người ký đã bị thu hồi (từ %s); không thể ký.", locale.FormatDateTime(rr.revokedAt))
	case found && rr.status == revGood:
		return nil
	case opts.RequireRevocationCheck:
		return apperr.Wrap(err, apperr.Unavailable, "Không kiểm tra được tình trạng thu hồi của chứng thư số người ký (OCSP/CRL không phản hồi); chưa ký.")
	default:
		res.Warnings = append(res.Warnings, "Không kiểm tra được tình trạng thu hồi của chứng thư số người ký trước khi ký.")
		return nil
	}
}

func openForUpdate(ctx context.Context, in []byte) (*pdf.Reader, error) {
	r, err := pdf.OpenLimited(ctx, in, pdf.DefaultLimits)
	if err != nil {
		return nil, err
	}
	if r.Repaired() {
		return nil, apperr.Wrap(pdf.ErrCorrupt, apperr.Invalid, "Tệp PDF bị hỏng cấu trúc (bảng tham chiếu chéo sai hoặc tệp bị cắt cụt); không thể ký. Vui lòng lưu lại tệp bằng phần mềm soạn thảo rồi thử lại.")
	}
	return r, nil
}

// wrapPDF gives err the message msg, unless the document exceeded its
// reading limits: then the pdf package's own message says why.
func wrapPDF(err error, code apperr.Code, msg string) error {
	if errors.Is(err, pdf.ErrTooComplex) {
		return err
	}
	return apperr.Wrap(err, code, "%s", msg)
}

// estimateContents returns the DER room for a CMS with chain and an
// optional time-stamp token.
func estimateContents(chain []*x509.Certificate, ts bool) int {
	n := 2048
	for _, c := range chain {
		n += len(c.Raw) + 16
	}
	if ts {
		n += 12288 // token with the TSA's chain
	}
	return (n + 1023) / 1024 * 1024
}

// pdfDate formats t as a PDF date in Vietnam time.
func pdfDate(t time.Time) string {
	return t.In(locale.VN).Format("D:20060102150405") + "+07'00'"
}

// textString encodes s as a PDF text string (PDFDocEncoding for ASCII,
// UTF-16BE with BOM otherwise).
func textString(s string) pdf.String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return pdf.String(b)
}

// decodeText decodes a PDF text string.
func decodeText(s string) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		var u []uint16
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	return s
}

// walkFields visits every form field of the AcroForm tree once, depth
// first, with its fully qualified name ("" when it and its parents have no
// /T) and whether it has a /T of its own. It stops when visit returns false,
// below 32 levels, and at cycles, so hostile files cannot loop.
func walkFields(r *pdf.Reader, visit func(ref pdf.Ref, d pdf.Dict, name string, named bool) bool) {
	cat, _, err := r.Catalog()
	if err != nil {
		return
	}
	af, _ := r.Dict(cat["AcroForm"])
	fields, _ := r.Resolve(af["Fields"]).(pdf.Array)
	seen := map[int]bool{}
	stop := false
	var walk func(o pdf.Object, prefix string, depth int)
	walk = func(o pdf.Object, prefix string, depth int) {
		if stop || depth > 32 {
			return
		}
		ref, _ := o.(pdf.Ref)
		if ref.Num != 0 {
			if seen[ref.Num] {
				return
			}
			seen[ref.Num] = true
		}
		d, ok := r.Dict(o)
		if !ok {
			return
		}
		name := prefix
		t, named := pdf.Text(r.Resolve(d["T"]))
		if named {
			if name != "" {
				name += "."
			}
			name += decodeText(t)
		}
		if !visit(ref, d, name, named) {
			stop = true
			return
		}
		kids, _ := r.Resolve(d["Kids"]).(pdf.Array)
		for _, k := range kids {
			walk(k, name, depth+1)
		}
	}
	for _, f := range fields {
		walk(f, "", 0)
	}
}

// fieldNames returns the fully qualified names of all form fields.
func fieldNames(r *pdf.Reader) map[string]bool {
	names := map[string]bool{}
	walkFields(r, func(_ pdf.Ref, _ pdf.Dict, name string, named bool) bool {
		if named {
			names[name] = true
		}
		return len(names) <= 100000
	})
	return names
}

func fieldName(r *pdf.Reader, want string) (string, error) {
	names := fieldNames(r)
	if want != "" {
		if names[want] {
			return "", apperr.FieldError("field_name", "Tên trường chữ ký %q đã có trong tài liệu; mỗi chữ ký cần một tên riêng.", want)
		}
		return want, nil
	}
	return uniqueName(names, "ChuKy"), nil
}

// uniqueName returns prefix1, prefix2, … (the first not in names).
func uniqueName(names map[string]bool, prefix string) string {
	for i := 1; ; i++ {
		n := prefix + strconv.Itoa(i)
		if !names[n] {
			return n
		}
	}
}

// prepared is an incremental update with a signature placeholder, ready to
// be hashed and filled.
type prepared struct {
	doc       []byte // the original file followed by the update, /Contents still zeros
	contents  *pdf.Placeholder
	br        *pdf.Placeholder
	byteRange [4]int64
}

const byteRangeWidth = 48

// prepareSignature writes the update that adds a signature field named name
// (widget on the chosen page) whose value is sigDict plus /ByteRange and
// /Contents placeholders sized for size bytes of DER.
func prepareSignature(r *pdf.Reader, sigDict pdf.Dict, size int, name string, ap *Appearance) (*prepared, error) {
	if ap != nil {
		if err := ap.Validate(); err != nil {
			return nil, err
		}
	}
	u, err := pdf.NewUpdate(r)
	if err != nil {
		return nil, wrapPDF(err, apperr.Invalid, "Tệp PDF bị hỏng cấu trúc; không thể ký.")
	}
	pages, err := r.Pages()
	if err != nil {
		return nil, err
	}
	br := &pdf.Placeholder{Fill: bytes.Repeat([]byte(" "), byteRangeWidth)}
	copy(br.Fill, "[0 0 0 0]")
	contents := &pdf.Placeholder{HexZeros: size}
	sd := sigDict.Clone()
	sd["ByteRange"] = br
	sd["Contents"] = contents
	sigRef := u.Add(sd)

	pageIdx := 0
	rect := pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Integer(0), pdf.Integer(0)}
	var apRef pdf.Ref
	if ap != nil {
		if ap.Page < 0 || ap.Page > len(pages) {
			return nil, apperr.FieldError("page", "Trang đặt chữ ký không tồn tại (tài liệu có %d trang).", len(pages))
		}
		if ap.Page > 0 {
			pageIdx = ap.Page - 1
		}
		w, h := ap.Rect[2]-ap.Rect[0], ap.Rect[3]-ap.Rect[1]
		if w > 0 && h > 0 {
			rect = pdf.Array{pdf.Real(ap.Rect[0]), pdf.Real(ap.Rect[1]), pdf.Real(ap.Rect[2]), pdf.Real(ap.Rect[3])}
			apRef, err = ap.build(u, w, h)
			if err != nil {
				return nil, err
			}
		}
	}
	if apRef == (pdf.Ref{}) {
		apRef = u.Add(&pdf.Stream{Dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Integer(0), pdf.Integer(0)}}})
	}
	pageRef := pages[pageIdx]
	widget := pdf.Dict{
		"Type":    pdf.Name("Annot"),
		"Subtype": pdf.Name("Widget"),
		"FT":      pdf.Name("Sig"),
		"T":       textString(name),
		"V":       sigRef,
		"P":       pageRef,
		"Rect":    rect,
		"F":       pdf.Integer(132), // Print | Locked
		"AP":      pdf.Dict{"N": apRef},
	}
	widgetRef := u.Add(widget)
	if err := addField(u, r, widgetRef); err != nil {
		return nil, err
	}
	if err := addAnnot(u, r, pageRef, widgetRef); err != nil {
		return nil, err
	}
	// The update is written after a copy of the original in one buffer
	// sized for it: /Contents is then filled in place and the buffer is the
	// signed file, without another copy of the document.
	doc, err := u.WriteDocument(contents.Len() + 16<<10)
	if err != nil {
		return nil, wrapPDF(err, apperr.Internal, "Không ghi được phần cập nhật của tệp PDF.")
	}
	p := &prepared{doc: doc, contents: contents, br: br}
	base := int64(len(r.Data()))
	a := contents.Offset
	b := a + int64(contents.Len())
	total := int64(len(doc))
	if a < base || br.Offset < base {
		return nil, apperr.New(apperr.Internal, "Lỗi nội bộ khi đặt vùng chữ ký.")
	}
	p.byteRange = [4]int64{0, a, b, total - b}
	s := fmt.Sprintf("[0 %d %d %d]", a, b, total-b)
	if len(s) > byteRangeWidth {
		return nil, apperr.New(apperr.Invalid, "Tệp PDF quá lớn để ký.")
	}
	copy(doc[br.Offset:], s)
	return p, nil
}

// addField appends widget to /AcroForm /Fields (creating the form if
// needed) and sets /SigFlags 3.
func addField(u *pdf.Update, r *pdf.Reader, widget pdf.Ref) error {
	cat, catRef, err := r.Catalog()
	if err != nil {
		return err
	}
	var form pdf.Dict
	formRef, indirect := cat["AcroForm"].(pdf.Ref)
	if d, ok := u.Resolve(cat["AcroForm"]).(pdf.Dict); ok {
		form = d.Clone()
	} else {
		form = pdf.Dict{}
		indirect = false
	}
	form["SigFlags"] = pdf.Integer(3)
	switch f := form["Fields"].(type) {
	case pdf.Ref:
		arr, _ := u.Resolve(f).(pdf.Array)
		u.Set(f, append(append(pdf.Array{}, arr...), widget))
	default:
		arr, _ := f.(pdf.Array)
		form["Fields"] = append(append(pdf.Array{}, arr...), widget)
	}
	if indirect {
		u.Set(formRef, form)
		return nil
	}
	c := cat.Clone()
	c["AcroForm"] = u.Add(form)
	u.Set(catRef, c)
	return nil
}

// addAnnot appends annot to the page's /Annots.
func addAnnot(u *pdf.Update, r *pdf.Reader, page, annot pdf.Ref) error {
	pd, ok := u.Resolve(page).(pdf.Dict)
	if !ok {
		return apperr.New(apperr.Invalid, "Trang đặt chữ ký bị hỏng.")
	}
	if ref, ok := pd["Annots"].(pdf.Ref); ok {
		if arr, ok := u.Resolve(ref).(pdf.Array); ok {
			u.Set(ref, append(append(pdf.Array{}, arr...), annot))
			return nil
		}
	}
	arr, _ := pd["Annots"].(pdf.Array)
	p := pd.Clone()
	p["Annots"] = append(append(pdf.Array{}, arr...), annot)
	u.Set(page, p)
	return nil
}

// digest hashes the ByteRange: the original file and the update minus the
// /Contents hex string, without copying.
func (p *prepared) digest(h crypto.Hash) []byte {
	d := h.New()
	d.Write(p.doc[:p.byteRange[1]])
	d.Write(p.doc[p.byteRange[2]:])
	return d.Sum(nil)
}

var errOverflow = errors.New("signature larger than placeholder")

// finish writes der into /Contents and returns the complete file.
func (p *prepared) finish(der []byte) ([]byte, error) {
	room := (p.contents.Len() - 2) / 2
	if len(der) > room {
		return nil, apperr.Wrap(fmt.Errorf("%w: %d > %d bytes", errOverflow, len(der), room), apperr.Internal,
			"Chữ ký số (%d byte) lớn hơn vùng dành sẵn trong tệp PDF (%d byte); tài liệu chưa được ký. Hãy tăng ContentsSize.", len(der), room)
	}
	hex.Encode(p.doc[p.contents.Offset+1:], der)
	return p.doc, nil
}
