package edxml

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// maxChain bounds the certificates KeyInfo may carry.
const maxChain = 10

// Parse reads a package within lim (a zero field takes DefaultLimits'
// value): a MIME multipart/related package as Build writes it, or a bare
// envelope (a file starting with "<"). It refuses DTDs and entity
// declarations before any XML is parsed, and anything past a limit, and
// checks the structure (an Envelope with a Header holding a MessageHeader or
// a Status, and a Body); fields and signature are Verify's.
func Parse(data []byte, lim Limits) (*Package, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, fail(ReasonTooLarge, "gói tin %d byte, quá giới hạn %d byte", len(data), lim.MaxBytes)
	}
	p := &Package{Digest: sha256.Sum256(data), parts: map[string][]byte{}}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		p.XML = data
	} else if err := p.readMIME(data, lim); err != nil {
		return nil, err
	}
	if err := p.readEnvelope(lim); err != nil {
		return nil, err
	}
	return p, nil
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxXMLBytes > 0 {
		d.MaxXMLBytes = l.MaxXMLBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxElements > 0 {
		d.MaxElements = l.MaxElements
	}
	if l.MaxAttachments > 0 {
		d.MaxAttachments = l.MaxAttachments
	}
	if l.MaxAttachmentBytes > 0 {
		d.MaxAttachmentBytes = l.MaxAttachmentBytes
	}
	return d
}

// readMIME splits a multipart/related package into the envelope and the
// decoded attachments.
func (p *Package) readMIME(data []byte, lim Limits) error {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return failWrap(err, ReasonMalformed, "phần đầu MIME của gói tin không đọc được")
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return fail(ReasonMalformed, "gói tin không phải MIME multipart/related và không phải XML")
	}
	start := strings.Trim(params["start"], "<>")
	mr := multipart.NewReader(tp.R, params["boundary"])
	var xmlPart, scratch []byte
	n := 0
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return failWrap(err, ReasonMalformed, "gói tin MIME không đọc được")
		}
		n++
		if n > lim.MaxAttachments+1 {
			return fail(ReasonTooLarge, "gói tin có quá %d tệp đính kèm", lim.MaxAttachments)
		}
		cid := strings.TrimSpace(strings.Trim(strings.TrimSpace(part.Header.Get("Content-ID")), "<>"))
		isRoot := xmlPart == nil && (cid == start || start == "" && n == 1)
		max := lim.MaxAttachmentBytes
		if isRoot {
			max = lim.MaxXMLBytes
		}
		body, err := decodePart(part, max, &scratch, len(data))
		if err != nil {
			return err
		}
		if isRoot {
			xmlPart = body
			continue
		}
		if cid == "" {
			return fail(ReasonAttachment, "tệp đính kèm thứ %d không có Content-ID", n-1)
		}
		if _, dup := p.parts[cid]; dup {
			return fail(ReasonAttachment, "hai tệp đính kèm cùng Content-ID %q", cid)
		}
		p.parts[cid] = body
		p.order = append(p.order, cid)
	}
	if xmlPart == nil {
		return fail(ReasonStructure, "gói tin MIME không có phần XML")
	}
	p.XML = xmlPart
	return nil
}

// decodePart reads one part, decoding base64, refusing more than max
// decoded bytes. Parts are read in bulk rather than through a decoding
// reader: the base64 text is stripped of line breaks and spaces as it is
// read into scratch (reused between the parts of one package, first sized
// from size, the bytes the part can at most hold) and decoded once. No more
// than the text of max decoded bytes is kept, so the limit holds before
// anything is decoded.
func decodePart(part *multipart.Part, max int64, scratch *[]byte, size int) ([]byte, error) {
	switch cte := strings.ToLower(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding"))); cte {
	case "", "7bit", "8bit", "binary":
		b, err := readAtMost(part, make([]byte, 0, min(size, 16<<10)), max, false)
		if err != nil {
			return nil, failWrap(err, ReasonMalformed, "một phần MIME không giải mã được")
		}
		if int64(len(b)) > max {
			return nil, fail(ReasonTooLarge, "một phần của gói tin quá %d byte", max)
		}
		return b, nil
	case "base64":
		return readBase64(part, max, scratch, size)
	default:
		return nil, fail(ReasonMalformed, "mã hóa %q của một phần MIME không được hỗ trợ", cte)
	}
}

// readBase64 reads and decodes base64 text from r (see decodePart). A
// part is one base64 text (RFC 2045 §6.8: "=" pads its end only), decoded
// as a whole: the streaming decoder used before accepted padded groups in
// the middle or not depending on how the bytes arrived, so a package read
// differently with the network's chunking. Text longer than the base64 of
// max bytes is too large, whatever else it holds.
func readBase64(r io.Reader, max int64, scratch *[]byte, size int) ([]byte, error) {
	encMax := (max + 2) / 3 * 4
	if int64(cap(*scratch)) < min(int64(size), encMax+1) {
		*scratch = make([]byte, 0, min(int64(size), encMax+1, 4<<20)+512)
	}
	enc, err := readAtMost(r, (*scratch)[:0], encMax, true)
	*scratch = enc[:0]
	if err != nil {
		return nil, failWrap(err, ReasonMalformed, "một phần MIME không giải mã được")
	}
	return decodeBase64(enc, max)
}

// decodeBase64 decodes base64 text without spaces, refusing more than max
// bytes (or text longer than theirs).
func decodeBase64(enc []byte, max int64) ([]byte, error) {
	if int64(len(enc)) > (max+2)/3*4 {
		return nil, fail(ReasonTooLarge, "một phần của gói tin quá %d byte", max)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	k, err := base64.StdEncoding.Decode(out, enc)
	if err != nil {
		return nil, failWrap(err, ReasonMalformed, "một phần MIME không giải mã được")
	}
	if int64(k) > max {
		return nil, fail(ReasonTooLarge, "một phần của gói tin quá %d byte", max)
	}
	return out[:k], nil
}

// readAtMost appends r's bytes to dst (without CR, LF, space and tab when
// strip) until EOF or until more than max are kept, reading straight into
// dst's spare room.
func readAtMost(r io.Reader, dst []byte, max int64, strip bool) ([]byte, error) {
	for int64(len(dst)) <= max {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		k, err := r.Read(dst[len(dst):cap(dst)])
		if strip {
			k = len(stripSpace(dst[len(dst) : len(dst)+k]))
		}
		dst = dst[:len(dst)+k]
		if errors.Is(err, io.EOF) {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// stripSpace removes, in place, the line breaks and spaces of base64 text.
// Eight bytes none of which is below '!' (all that can be dropped is) are
// moved at once; otherwise every byte is written and the write position
// moves only past kept ones. Reading an attachment was mostly this loop.
func stripSpace(b []byte) []byte {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i, j := 0, 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-ones*'!')&^x&highs == 0 {
			binary.LittleEndian.PutUint64(b[j:], x)
			j += 8
			continue
		}
		for _, c := range b[i : i+8] {
			b[j] = c
			j += int(keepBase64[c])
		}
	}
	for _, c := range b[i:] {
		b[j] = c
		j += int(keepBase64[c])
	}
	return b[:j]
}

// keepBase64 is 0 for the bytes stripSpace drops (CR, LF, space, tab).
var keepBase64 = func() (t [256]uint8) {
	for i := range t {
		t[i] = 1
	}
	t['\r'], t['\n'], t[' '], t['\t'] = 0, 0, 0, 0
	return t
}()

// precheck refuses, before any tree is built, a DTD or entity declaration
// (XML bombs), a declared encoding other than UTF-8, and more than the
// limits' depth and elements.
func precheck(x []byte, lim Limits) error {
	if int64(len(x)) > lim.MaxXMLBytes {
		return fail(ReasonTooLarge, "phần XML %d byte, quá giới hạn %d byte", len(x), lim.MaxXMLBytes)
	}
	if hasDeclaration(x) {
		return fail(ReasonDTD, "gói tin chứa khai báo DTD hoặc thực thể (DOCTYPE/ENTITY), không được chấp nhận")
	}
	// One tokenizer pass counts depth and elements and checks
	// well-formedness (matching tags, namespaces): the count stops it at the
	// limits, so what it holds (the open tags) stays bounded by MaxDepth.
	d := xml.NewDecoder(bytes.NewReader(x))
	d.Strict = true
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("encoding") }
	depth, elems := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return failWrap(err, ReasonMalformed, "XML không hợp lệ")
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elems++
			if depth > lim.MaxDepth {
				return fail(ReasonTooLarge, "XML lồng quá %d cấp", lim.MaxDepth)
			}
			if elems > lim.MaxElements {
				return fail(ReasonTooLarge, "XML có quá %d phần tử", lim.MaxElements)
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return fail(ReasonDTD, "gói tin chứa khai báo DTD hoặc thực thể, không được chấp nhận")
		}
	}
}

// hasDeclaration reports a "<!DOCTYPE" or "<!ENTITY" in any letter case,
// without copying x.
func hasDeclaration(x []byte) bool {
	for {
		i := bytes.Index(x, []byte("<!"))
		if i < 0 {
			return false
		}
		x = x[i+2:]
		if hasPrefixFold(x, "DOCTYPE") || hasPrefixFold(x, "ENTITY") {
			return true
		}
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// readEnvelope parses p.XML into p.Message or p.Status, the chain and the
// Manifest, and joins the attachments to the Manifest.
func (p *Package) readEnvelope(lim Limits) error {
	if err := precheck(p.XML, lim); err != nil {
		return err
	}
	doc := etree.NewDocument()
	doc.ReadSettings.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("encoding") }
	if err := doc.ReadFromBytes(p.XML); err != nil {
		return failWrap(err, ReasonMalformed, "XML không hợp lệ")
	}
	root := doc.Root()
	if root == nil {
		return fail(ReasonStructure, "không có phần tử Envelope")
	}
	p.root = root
	var err error
	p.Message, p.Status, p.refs, err = extract(root)
	if err != nil {
		return err
	}
	sigs := 0
	var sigEl *etree.Element
	walk(root, func(e *etree.Element) {
		if e.Tag == "Signature" && e.NamespaceURI() == dsNS {
			sigs++
			sigEl = e
		}
	})
	p.sigCount, p.sig = sigs, sigEl
	if sigs > 1 {
		return fail(ReasonSignature, "gói tin có %d chữ ký; chỉ chấp nhận một", sigs)
	}
	if sigEl != nil {
		if p.Chain, err = readChain(sigEl); err != nil {
			return err
		}
	}
	if p.Message != nil {
		for i := range p.Message.Attachments {
			a := &p.Message.Attachments[i]
			a.Data = p.parts[a.ContentID]
		}
	}
	return nil
}

func walk(e *etree.Element, f func(*etree.Element)) {
	f(e)
	for _, c := range e.ChildElements() {
		walk(c, f)
	}
}

func readChain(sig *etree.Element) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	ki := kid(sig, "KeyInfo")
	if ki == nil {
		return nil, nil
	}
	for _, xd := range kids(ki, "X509Data") {
		for _, xc := range kids(xd, "X509Certificate") {
			if len(chain) >= maxChain {
				return nil, fail(ReasonTooLarge, "chữ ký mang quá %d chứng thư", maxChain)
			}
			der, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
				if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
					return -1
				}
				return r
			}, xc.Text()))
			if err != nil {
				return nil, failWrap(err, ReasonSignature, "chứng thư trong chữ ký không đọc được")
			}
			c, err := parseCertificate(der)
			if err != nil {
				return nil, failWrap(err, ReasonSignature, "chứng thư trong chữ ký không đọc được")
			}
			chain = append(chain, c)
		}
	}
	return chain, nil
}

// certCache keeps the certificates last parsed from KeyInfo, by their DER
// bytes: a node receives package after package signed by the same few
// certificates. It is bounded (emptied when full), and a certificate is
// only ever found again from the same bytes, so nothing about which
// certificate a package carries can change.
var certCache = struct {
	sync.Mutex
	m map[string]*x509.Certificate
}{m: map[string]*x509.Certificate{}}

const certCacheSize = 64

func parseCertificate(der []byte) (*x509.Certificate, error) {
	certCache.Lock()
	c, ok := certCache.m[string(der)]
	certCache.Unlock()
	if ok {
		return c, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	certCache.Lock()
	if len(certCache.m) >= certCacheSize {
		clear(certCache.m)
	}
	certCache.m[string(der)] = c
	certCache.Unlock()
	return c, nil
}

// kid returns e's first child element named name (any namespace prefix).
func kid(e *etree.Element, names ...string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		for _, n := range names {
			if c.Tag == n {
				return c
			}
		}
	}
	return nil
}

func kids(e *etree.Element, name string) []*etree.Element {
	if e == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.Tag == name {
			out = append(out, c)
		}
	}
	return out
}

// reader reads fields, keeping the first error.
type reader struct{ err error }

// s returns the NFC text of the path below e, "" when absent.
func (r *reader) s(e *etree.Element, path ...string) string {
	for _, n := range path {
		e = kid(e, strings.Split(n, "|")...)
	}
	if e == nil {
		return ""
	}
	return locale.NFC(e.Text())
}

func (r *reader) n(e *etree.Element, path ...string) int {
	s := r.s(e, path...)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil && r.err == nil {
		r.err = fail(ReasonField, "%s %q không phải số", strings.Join(path, "/"), clip(s))
	}
	return v
}

func (r *reader) date(e *etree.Element, path ...string) calendar.Date {
	s := r.s(e, path...)
	if s == "" {
		return calendar.Date{}
	}
	d, err := parseDate(s)
	if err != nil && r.err == nil {
		r.err = failWrap(err, ReasonField, "%s %q không phải ngày dd/mm/yyyy", strings.Join(path, "/"), clip(s))
	}
	return d
}

func (r *reader) time(e *etree.Element, path ...string) time.Time {
	s := r.s(e, path...)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(TimestampLayout, s, locale.VN)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
		t = t.In(locale.VN)
	}
	if err != nil && r.err == nil {
		r.err = failWrap(err, ReasonField, "%s %q không phải thời điểm dd/MM/yyyy HH:mm:ss", strings.Join(path, "/"), clip(s))
	}
	return t
}

// parseDate reads dd/mm/yyyy (written by Build), and yyyy/mm/dd or
// yyyy-mm-dd (seen from other writers).
func parseDate(s string) (calendar.Date, error) {
	if len(s) == 10 && (s[4] == '/' || s[4] == '-') {
		return calendar.ParseISO(s[0:4] + "-" + s[5:7] + "-" + s[8:10])
	}
	return calendar.ParseVN(s)
}

func clip(s string) string {
	if len(s) > 40 {
		r := []rune(s)
		if len(r) > 40 {
			return string(r[:40]) + "…"
		}
	}
	return s
}

func (r *reader) org(e *etree.Element) Organization {
	return Organization{r.s(e, "OrganId"), r.s(e, "OrganizationInCharge"), r.s(e, "OrganName"), r.s(e, "OrganAdd"),
		r.s(e, "Email"), r.s(e, "Telephone"), r.s(e, "Fax"), r.s(e, "Website")}
}

func (r *reader) staff(e *etree.Element) StaffInfo {
	return StaffInfo{r.s(e, "Department"), r.s(e, "Staff"), r.s(e, "Mobile"), r.s(e, "Email")}
}

func (r *reader) resp(e *etree.Element) ResponseFor {
	return ResponseFor{r.s(e, "OrganId"), r.s(e, "Code"), r.date(e, "PromulgationDate"), r.s(e, "DocumentId")}
}

// extract reads the envelope rooted at env (after the signature check, the
// signed content is read again with it and compared).
func extract(env *etree.Element) (*Message, *Status, []manifestRef, error) {
	if env.Tag != "Envelope" {
		return nil, nil, nil, fail(ReasonStructure, "phần tử gốc là %s, không phải Envelope", env.Tag)
	}
	header, body := kid(env, "Header"), kid(env, "Body")
	if header == nil || body == nil {
		return nil, nil, nil, fail(ReasonStructure, "Envelope thiếu Header hoặc Body")
	}
	mh, st := kids(header, "MessageHeader"), kids(header, "Status")
	r := &reader{}
	switch {
	case len(mh) == 1 && len(st) == 0:
		m, refs := r.message(mh[0], kid(header, "TraceHeaderList"), kid(body, "Manifest"))
		if r.err != nil {
			return nil, nil, nil, r.err
		}
		return m, nil, refs, nil
	case len(st) == 1 && len(mh) == 0:
		s := r.status(st[0])
		if r.err != nil {
			return nil, nil, nil, r.err
		}
		return nil, s, nil, nil
	}
	return nil, nil, nil, fail(ReasonStructure, "Header phải có đúng một MessageHeader hoặc một Status")
}

func (r *reader) message(h, trace, manifest *etree.Element) (*Message, []manifestRef) {
	m := &Message{
		From:             r.org(kid(h, "From")),
		DocumentID:       r.s(h, "DocumentId"),
		CodeNumber:       r.s(h, "Code", "CodeNumber"),
		CodeNotation:     r.s(h, "Code", "CodeNotation"),
		Place:            r.s(h, "PromulgationInfo", "Place"),
		PromulgationDate: r.date(h, "PromulgationInfo", "PromulgationDate"),
		TypeCode:         r.n(h, "DocumentType", "Type"),
		TypeName:         r.s(h, "DocumentType", "TypeName"),
		Subject:          r.s(h, "Subject"),
		Content:          r.s(h, "Content"),
		Signer:           SignerInfo{r.s(h, "SignerInfo", "Competence"), r.s(h, "SignerInfo", "Position"), r.s(h, "SignerInfo", "FullName")},
		DueDate:          r.date(h, "DueDate"),
		SteeringType:     r.n(h, "SteeringType"),
	}
	for _, t := range kids(h, "To") {
		m.To = append(m.To, r.org(t))
	}
	for _, p := range kids(kid(h, "ToPlaces"), "Place") {
		m.ToPlaces = append(m.ToPlaces, r.s(p))
	}
	oi := kid(h, "OtherInfo")
	m.Other = OtherInfo{Priority: r.n(oi, "Priority"), SphereOfPromulgation: r.s(oi, "SphereOfPromulgation"),
		TyperNotation: r.s(oi, "TyperNotation"), PromulgationAmount: r.n(oi, "PromulgationAmount"), PageAmount: r.n(oi, "PageAmount")}
	for _, a := range kids(kid(oi, "Appendixes"), "Appendix") {
		m.Other.Appendixes = append(m.Other.Appendixes, r.s(a))
	}
	for _, rf := range kids(h, "ResponseFor") {
		m.ResponseFor = append(m.ResponseFor, r.resp(rf))
	}
	for _, th := range kids(trace, "TraceHeader") {
		m.Trace = append(m.Trace, TraceHeader{r.s(th, "OrganId"), r.time(th, "Timestamp")})
	}
	if b := kid(trace, "Bussiness", "Business"); b != nil {
		m.Business = Business{
			Type:       BusinessType(r.n(b, "BussinessDocType|BusinessDocType")),
			Reason:     r.s(b, "BussinessDocReason|BusinessDocReason"),
			DocumentID: r.s(b, "DocumentId"),
			Paper:      r.n(b, "Paper"),
			Staff:      r.staff(kid(b, "StaffInfo")),
		}
		if bi := kid(b, "BussinessDocumentInfo", "BusinessDocumentInfo"); bi != nil {
			u := &BusinessDocumentInfo{DocumentInfo: r.n(bi, "DocumentInfo"), DocumentReceiver: r.n(bi, "DocumentReceiver")}
			for _, re := range kids(kid(bi, "ReceiverList"), "Receiver") {
				u.Receivers = append(u.Receivers, Receiver{r.n(re, "ReceiverType"), r.s(re, "OrganId")})
			}
			m.Business.Update = u
		}
		for _, ri := range kids(kid(b, "ReplacementInfoList"), "ReplacementInfo") {
			info := ReplacementInfo{DocumentID: r.s(ri, "DocumentId")}
			for _, o := range kids(kid(ri, "OrganIdList"), "OrganId") {
				info.OrganIDs = append(info.OrganIDs, r.s(o))
			}
			m.Business.Replacement = append(m.Business.Replacement, info)
		}
	}
	var refs []manifestRef
	for _, ref := range kids(manifest, "Reference") {
		mr := manifestRef{
			ContentID: strings.TrimPrefix(strings.TrimSpace(attr(ref, "href")), "cid:"),
			MediaType: strings.TrimSpace(attr(ref, "type")),
			Name:      r.s(ref, "AttachmentName"),
		}
		if dv := kid(ref, "DigestValue"); dv != nil {
			if alg := kid(ref, "DigestMethod"); alg == nil || alg.SelectAttrValue("Algorithm", "") == sha256URI {
				d, err := base64.StdEncoding.DecodeString(strings.TrimSpace(dv.Text()))
				if (err != nil || len(d) != sha256.Size) && r.err == nil {
					r.err = fail(ReasonAttachment, "giá trị băm của tệp %q trong Manifest không đọc được", clip(mr.Name))
				}
				mr.Digest = d
			}
		}
		refs = append(refs, mr)
		m.Attachments = append(m.Attachments, Attachment{ContentID: mr.ContentID, Name: mr.Name, MediaType: mr.MediaType,
			Description: r.s(ref, "Description")})
	}
	return m, refs
}

// attr returns the value of the attribute with local name key (xlink:href,
// href).
func attr(e *etree.Element, key string) string {
	for _, a := range e.Attr {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

func (r *reader) status(st *etree.Element) *Status {
	return &Status{
		ResponseFor: r.resp(kid(st, "ResponseFor")),
		From:        r.org(kid(st, "From")),
		Code:        StatusCode(r.s(st, "StatusCode")),
		Description: r.s(st, "Description"),
		Timestamp:   r.time(st, "Timestamp"),
		Staff:       r.staff(kid(st, "StaffInfo")),
	}
}
