package pdfsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/cms"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// ValidationDataOptions configure AddValidationData.
type ValidationDataOptions struct {
	// Revocation fetches OCSP responses/CRLs. Required.
	Revocation RevocationSource
	// ExtraCerts help complete chains (roots, intermediates not in the CMS).
	ExtraCerts []*x509.Certificate
	// VRI also writes a /VRI entry per signature (optional in PAdES).
	VRI bool
	Now func() time.Time
}

// ValidationDataResult describes the DSS update.
type ValidationDataResult struct {
	Certs int `json:"certs"` // certificates added
	OCSPs int `json:"ocsps"` // OCSP responses added
	CRLs  int `json:"crls"`  // CRLs added
}

// AddValidationData appends a Document Security Store (catalog /DSS with
// /Certs, /OCSPs, /CRLs and optionally /VRI) in a new incremental update,
// covering every signature and document time-stamp in the file: the
// signer's chain, the chain of the TSA of each time-stamp, and OCSP
// responder certificates. This turns B-T signatures into B-LT. An existing
// DSS is kept and extended. Revocation data that cannot be fetched is an
// EUNAVAILABLE error (nothing is written).
func AddValidationData(ctx context.Context, in []byte, opts ValidationDataOptions) ([]byte, *ValidationDataResult, error) {
	if opts.Revocation == nil {
		return nil, nil, apperr.FieldError("revocation", "Cần nguồn thông tin thu hồi chứng thư (OCSP/CRL) để bổ sung dữ liệu kiểm tra dài hạn.")
	}
	r, err := openForUpdate(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	sigs := findSignatures(r)
	if len(sigs) == 0 {
		return nil, nil, apperr.New(apperr.Invalid, "Tài liệu chưa có chữ ký số nào để bổ sung dữ liệu kiểm tra.")
	}
	for _, s := range sigs {
		if err := checkIntegrity(in, s); err != nil {
			return nil, nil, apperr.Wrap(err, apperr.Conflict, "Chữ ký %q trong tài liệu không hợp lệ; không bổ sung dữ liệu kiểm tra dài hạn.", s.field)
		}
	}
	dss := newDSSBuilder(r)
	pool := append([]*x509.Certificate(nil), opts.ExtraCerts...)
	pool = append(pool, dss.existingCerts...)
	type target struct {
		sig   *foundSig
		certs []*x509.Certificate // end-entity certs whose chains must be covered
	}
	var targets []target
	for _, s := range sigs {
		tg := target{sig: s}
		pool = append(pool, s.cms.certs...)
		if c, err := s.cms.signerCert(); err == nil {
			tg.certs = append(tg.certs, c)
		}
		for _, tok := range s.cms.unsigned[oidAttrSignatureTimeStamp.String()] {
			if ti, err := parseTimestampToken(tok.FullBytes); err == nil {
				pool = append(pool, ti.msg.certs...)
				if c, err := ti.msg.signerCert(); err == nil {
					tg.certs = append(tg.certs, c)
				}
			}
		}
		targets = append(targets, tg)
	}
	fetched := map[string]*RevocationData{} // by cert fingerprint
	for _, tg := range targets {
		vri := dss.vri(tg.sig)
		queue := append([]*x509.Certificate(nil), tg.certs...)
		seen := map[string]bool{}
		for len(queue) > 0 && len(seen) < 64 {
			c := queue[0]
			queue = queue[1:]
			fp := fingerprint(c)
			if seen[fp] {
				continue
			}
			seen[fp] = true
			vri.certs = append(vri.certs, dss.addCert(c))
			issuer := findIssuer(c, pool)
			if issuer == nil || isSelfSigned(c) {
				continue
			}
			queue = append(queue, issuer)
			if !needsRevocation(c) {
				continue
			}
			data, ok := fetched[fp]
			if !ok {
				data, err = opts.Revocation.Revocation(ctx, c, issuer)
				if err != nil {
					return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Không lấy được thông tin thu hồi (OCSP/CRL) cho chứng thư %q; chưa bổ sung được dữ liệu kiểm tra dài hạn.", c.Subject.CommonName)
				}
				fetched[fp] = data
			}
			for _, o := range data.OCSP {
				vri.ocsps = append(vri.ocsps, dss.addOCSP(o))
				if resp, err := ocsp.ParseResponse(o, nil); err == nil && resp.Certificate != nil {
					pool = append(pool, resp.Certificate)
					if !hasNoCheck(resp.Certificate) {
						queue = append(queue, resp.Certificate)
					} else {
						vri.certs = append(vri.certs, dss.addCert(resp.Certificate))
					}
				}
			}
			for _, crl := range data.CRLs {
				vri.crls = append(vri.crls, dss.addCRL(crl))
			}
		}
	}
	u, err := pdf.NewUpdate(r)
	if err != nil {
		return nil, nil, wrapPDF(err, apperr.Invalid, "Tệp PDF bị hỏng cấu trúc.")
	}
	dss.write(u, opts.VRI)
	app, err := u.Write()
	if err != nil {
		return nil, nil, wrapPDF(err, apperr.Internal, "Không ghi được kho dữ liệu kiểm tra (DSS).")
	}
	out := make([]byte, len(in)+len(app))
	copy(out, in)
	copy(out[len(in):], app)
	return out, &ValidationDataResult{Certs: dss.added[0], OCSPs: dss.added[1], CRLs: dss.added[2]}, nil
}

func fingerprint(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return string(s[:])
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

func findIssuer(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, cand := range pool {
		if bytes.Equal(cand.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}

// dssBuilder collects DSS entries, de-duplicated against the existing DSS.
type dssBuilder struct {
	r             *pdf.Reader
	old           pdf.Dict
	lists         [3]pdf.Array // Certs, OCSPs, CRLs
	known         map[string]pdf.Ref
	added         [3]int
	vris          map[string]*vriEntry
	vriOrder      []string
	existingCerts []*x509.Certificate
	pending       []pendingStream
}

type pendingStream struct {
	ref  pdf.Ref
	data []byte
}

type vriEntry struct {
	certs, ocsps, crls []pdf.Ref
}

var dssKeys = [3]pdf.Name{"Certs", "OCSPs", "CRLs"}

func newDSSBuilder(r *pdf.Reader) *dssBuilder {
	b := &dssBuilder{r: r, known: map[string]pdf.Ref{}, vris: map[string]*vriEntry{}}
	cat, _, _ := r.Catalog()
	if d, ok := r.Dict(cat["DSS"]); ok {
		b.old = d
		// Each stream once, however often it is listed.
		seen := map[pdf.Ref]bool{}
		for i, k := range dssKeys {
			arr, _ := r.Resolve(d[k]).(pdf.Array)
			for _, e := range arr {
				ref, ok := e.(pdf.Ref)
				if !ok {
					continue
				}
				b.lists[i] = append(b.lists[i], ref)
				if _, dup := seen[ref]; dup {
					continue
				}
				seen[ref] = true
				if s, ok := r.Resolve(ref).(*pdf.Stream); ok {
					if data, err := r.DecodeStream(s); err == nil {
						sum := sha256.Sum256(data)
						b.known[string(sum[:])] = ref
						if i == 0 {
							if c, err := parseCertificate(data); err == nil {
								b.existingCerts = append(b.existingCerts, c)
							}
						}
					}
				}
			}
		}
	}
	return b
}

// next object numbers are assigned at write time; add returns a
// placeholder reference resolved by write.
func (b *dssBuilder) add(kind int, der []byte) pdf.Ref {
	sum := sha256.Sum256(der)
	if ref, ok := b.known[string(sum[:])]; ok {
		return ref
	}
	ref := pdf.Ref{Num: -(len(b.pending) + 1)} // provisional
	b.pending = append(b.pending, pendingStream{ref: ref, data: der})
	b.known[string(sum[:])] = ref
	b.lists[kind] = append(b.lists[kind], ref)
	b.added[kind]++
	return ref
}

func (b *dssBuilder) addCert(c *x509.Certificate) pdf.Ref { return b.add(0, c.Raw) }
func (b *dssBuilder) addOCSP(der []byte) pdf.Ref          { return b.add(1, der) }
func (b *dssBuilder) addCRL(der []byte) pdf.Ref           { return b.add(2, der) }

func (b *dssBuilder) vri(s *foundSig) *vriEntry {
	sum := sha1.Sum(s.contents)
	key := strings.ToUpper(hex.EncodeToString(sum[:]))
	if v, ok := b.vris[key]; ok {
		return v
	}
	v := &vriEntry{}
	b.vris[key] = v
	b.vriOrder = append(b.vriOrder, key)
	return v
}

func (b *dssBuilder) write(u *pdf.Update, withVRI bool) {
	real := map[int]pdf.Ref{}
	for _, p := range b.pending {
		real[p.ref.Num] = u.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: pdf.FlateEncode(p.data)})
	}
	fix := func(refs []pdf.Ref) pdf.Array {
		out := pdf.Array{}
		seen := map[pdf.Ref]bool{}
		for _, r := range refs {
			if r.Num < 0 {
				r = real[r.Num]
			}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		return out
	}
	d := pdf.Dict{}
	for k, v := range b.old {
		d[k] = v
	}
	for i, k := range dssKeys {
		var refs []pdf.Ref
		for _, e := range b.lists[i] {
			refs = append(refs, e.(pdf.Ref))
		}
		if len(refs) > 0 {
			d[k] = fix(refs)
		}
	}
	if withVRI {
		vri, _ := b.r.Dict(b.old["VRI"])
		nv := pdf.Dict{}
		for k, v := range vri {
			nv[k] = v
		}
		for _, key := range b.vriOrder {
			e := b.vris[key]
			ed := pdf.Dict{}
			if len(e.certs) > 0 {
				ed["Cert"] = fix(e.certs)
			}
			if len(e.ocsps) > 0 {
				ed["OCSP"] = fix(e.ocsps)
			}
			if len(e.crls) > 0 {
				ed["CRL"] = fix(e.crls)
			}
			nv[pdf.Name(key)] = ed
		}
		d["VRI"] = nv
	}
	cat, catRef, _ := b.r.Catalog()
	if ref, ok := cat["DSS"].(pdf.Ref); ok {
		u.Set(ref, d)
		return
	}
	c := cat.Clone()
	c["DSS"] = u.Add(d)
	u.Set(catRef, c)
}

// DocTimestampOptions configure AddDocumentTimestamp.
type DocTimestampOptions struct {
	TimeStamper TimeStamper // required
	Hash        crypto.Hash // default SHA-256
	FieldName   string      // default "DauThoiGian1", "DauThoiGian2", …
	// ContentsSize is the DER room for the token (default 16 KiB).
	ContentsSize int
}

// DocTimestampResult describes the document time-stamp added.
type DocTimestampResult struct {
	FieldName string    `json:"field_name"`
	Time      time.Time `json:"time"`
	ByteRange [4]int64  `json:"byte_range"`
}

// AddDocumentTimestamp appends a document time-stamp (/Type /DocTimeStamp,
// /SubFilter /ETSI.RFC3161) over the whole file in a new incremental update.
// After AddValidationData it makes the signatures PAdES B-LTA; repeating
// AddValidationData + AddDocumentTimestamp later renews the archive.
func AddDocumentTimestamp(ctx context.Context, in []byte, opts DocTimestampOptions) ([]byte, *DocTimestampResult, error) {
	if opts.TimeStamper == nil {
		return nil, nil, apperr.FieldError("tsa", "Cần máy chủ cấp dấu thời gian (TSA) để đóng dấu thời gian tài liệu.")
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if _, err := cms.HashOID(opts.Hash); err != nil {
		return nil, nil, apperr.FieldError("hash", "Thuật toán băm không được hỗ trợ.")
	}
	r, err := openForUpdate(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	if err := checkExistingSignatures(r, false, &SignResult{}); err != nil {
		return nil, nil, err
	}
	name := opts.FieldName
	if name == "" {
		name = uniqueName(fieldNames(r), "DauThoiGian")
	} else if fieldNames(r)[name] {
		return nil, nil, apperr.FieldError("field_name", "Tên trường %q đã có trong tài liệu.", name)
	}
	size := opts.ContentsSize
	if size <= 0 {
		size = 16384
	}
	sd := pdf.Dict{"Type": pdf.Name("DocTimeStamp"), "Filter": pdf.Name("Adobe.PPKLite"), "SubFilter": pdf.Name("ETSI.RFC3161")}
	prep, err := prepareSignature(r, sd, size, name, nil)
	if err != nil {
		return nil, nil, err
	}
	token, err := opts.TimeStamper.Timestamp(ctx, prep.digest(opts.Hash), opts.Hash)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Máy chủ cấp dấu thời gian (TSA) không phản hồi; chưa đóng được dấu thời gian cho tài liệu.")
	}
	ti, err := parseTimestampToken(token)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Dấu thời gian nhận từ máy chủ TSA không hợp lệ.")
	}
	out, err := prep.finish(token)
	if err != nil {
		return nil, nil, err
	}
	return out, &DocTimestampResult{FieldName: name, Time: ti.genTime.In(locale.VN), ByteRange: prep.byteRange}, nil
}
