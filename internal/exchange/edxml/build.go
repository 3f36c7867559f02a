package edxml

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Namespaces and prefixes of the envelope.
const (
	soapNS    = "http://schemas.xmlsoap.org/soap/envelope/"
	xlinkNS   = "http://www.w3.org/1999/xlink"
	dsNS      = "http://www.w3.org/2000/09/xmldsig#"
	sha256URI = "http://www.w3.org/2001/04/xmlenc#sha256"
	pSOAP     = "SOAP-ENV"
	pED       = "edXML"
)

// TimestampLayout is the layout of TraceHeader/Timestamp and Status/Timestamp
// (Vietnam time), DateLayout that of dates.
const (
	TimestampLayout = "02/01/2006 15:04:05"
	DateLayout      = "02/01/2006"
)

// rootContentID is the Content-ID of the envelope part.
const rootContentID = "edxml-envelope"

// Build writes m as a signed edXML package: a MIME multipart/related whose
// root part is the envelope and whose other parts are the attachments in
// base64. signer signs with chain[0], the signer's certificate; KeyInfo
// carries the whole chain. m is checked first (required fields, agency
// codes, lengths) and refused as Verify would refuse it. The output depends
// only on its inputs (and, for ECDSA, on the signature's randomness), so
// golden files stay byte-stable with an RSA key.
func Build(m *Message, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if m == nil {
		return nil, fail(ReasonField, "thiếu thông điệp")
	}
	mm := normalizeMessage(m)
	for i := range mm.Attachments {
		if mm.Attachments[i].ContentID == "" {
			mm.Attachments[i].ContentID = fmt.Sprintf("attachment%d", i+1)
		}
	}
	if probs := checkMessage(mm); len(probs) > 0 {
		return nil, probs[0]
	}
	if err := checkAttachmentsToWrite(mm.Attachments); err != nil {
		return nil, err
	}
	doc, header, body := newEnvelope()
	writeMessageHeader(header, mm)
	writeTrace(header, mm)
	man := body.CreateElement(pED + ":Manifest")
	for _, a := range mm.Attachments {
		ref := man.CreateElement(pED + ":Reference")
		ref.CreateAttr("xlink:href", "cid:"+a.ContentID)
		ref.CreateAttr("xlink:type", a.MediaType)
		text(ref, "AttachmentName", a.Name)
		text(ref, "Description", a.Description)
		sum := sha256.Sum256(a.Data)
		dm := ref.CreateElement("ds:DigestMethod")
		dm.CreateAttr("Algorithm", sha256URI)
		ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(sum[:]))
	}
	x, err := sign(doc, header, signer, chain)
	if err != nil {
		return nil, err
	}
	return writeMIME(x, mm.Attachments), nil
}

// BuildStatus writes s as a signed status package: the envelope's Header
// holds Status and the Signature, its Body an empty Manifest.
func BuildStatus(s *Status, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if s == nil {
		return nil, fail(ReasonField, "thiếu gói tin trạng thái")
	}
	ss := normalizeStatus(s)
	if probs := checkStatus(ss); len(probs) > 0 {
		return nil, probs[0]
	}
	doc, header, body := newEnvelope()
	writeStatus(header, ss)
	body.CreateElement(pED + ":Manifest")
	x, err := sign(doc, header, signer, chain)
	if err != nil {
		return nil, err
	}
	return writeMIME(x, nil), nil
}

func newEnvelope() (doc *etree.Document, header, body *etree.Element) {
	doc = etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement(pSOAP + ":Envelope")
	env.CreateAttr("xmlns:"+pSOAP, soapNS)
	env.CreateAttr("xmlns:"+pED, Namespace)
	env.CreateAttr("xmlns:xlink", xlinkNS)
	env.CreateAttr("xmlns:ds", dsNS)
	header = env.CreateElement(pSOAP + ":Header")
	body = env.CreateElement(pSOAP + ":Body")
	return doc, header, body
}

// text appends <edXML:name>v</edXML:name>.
func text(parent *etree.Element, name, v string) *etree.Element {
	e := parent.CreateElement(pED + ":" + name)
	e.SetText(v)
	return e
}

func num(parent *etree.Element, name string, v int) { text(parent, name, strconv.Itoa(v)) }

func dateText(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(locale.VN).Format(TimestampLayout)
}

func writeOrg(parent *etree.Element, name string, o Organization) {
	e := parent.CreateElement(pED + ":" + name)
	text(e, "OrganId", o.OrganID)
	text(e, "OrganizationInCharge", o.OrganizationInCharge)
	text(e, "OrganName", o.OrganName)
	text(e, "OrganAdd", o.OrganAdd)
	text(e, "Email", o.Email)
	text(e, "Telephone", o.Telephone)
	text(e, "Fax", o.Fax)
	text(e, "Website", o.Website)
}

func writeResponseFor(parent *etree.Element, r ResponseFor) {
	e := parent.CreateElement(pED + ":ResponseFor")
	text(e, "OrganId", r.OrganID)
	text(e, "Code", r.Code)
	text(e, "PromulgationDate", dateText(r.PromulgationDate))
	text(e, "DocumentId", r.DocumentID)
}

func writeStaff(parent *etree.Element, s StaffInfo) {
	e := parent.CreateElement(pED + ":StaffInfo")
	text(e, "Department", s.Department)
	text(e, "Staff", s.Staff)
	text(e, "Mobile", s.Mobile)
	text(e, "Email", s.Email)
}

func writeMessageHeader(header *etree.Element, m *Message) {
	h := header.CreateElement(pED + ":MessageHeader")
	writeOrg(h, "From", m.From)
	for _, t := range m.To {
		writeOrg(h, "To", t)
	}
	text(h, "DocumentId", m.DocumentID)
	c := h.CreateElement(pED + ":Code")
	text(c, "CodeNumber", m.CodeNumber)
	text(c, "CodeNotation", m.CodeNotation)
	p := h.CreateElement(pED + ":PromulgationInfo")
	text(p, "Place", m.Place)
	text(p, "PromulgationDate", dateText(m.PromulgationDate))
	dt := h.CreateElement(pED + ":DocumentType")
	num(dt, "Type", m.TypeCode)
	text(dt, "TypeName", m.TypeName)
	text(h, "Subject", m.Subject)
	text(h, "Content", m.Content)
	si := h.CreateElement(pED + ":SignerInfo")
	text(si, "Competence", m.Signer.Competence)
	text(si, "Position", m.Signer.Position)
	text(si, "FullName", m.Signer.FullName)
	text(h, "DueDate", dateText(m.DueDate))
	tp := h.CreateElement(pED + ":ToPlaces")
	for _, pl := range m.ToPlaces {
		text(tp, "Place", pl)
	}
	oi := h.CreateElement(pED + ":OtherInfo")
	num(oi, "Priority", m.Other.Priority)
	text(oi, "SphereOfPromulgation", m.Other.SphereOfPromulgation)
	text(oi, "TyperNotation", m.Other.TyperNotation)
	num(oi, "PromulgationAmount", m.Other.PromulgationAmount)
	num(oi, "PageAmount", m.Other.PageAmount)
	ap := oi.CreateElement(pED + ":Appendixes")
	for _, a := range m.Other.Appendixes {
		text(ap, "Appendix", a)
	}
	for _, r := range m.ResponseFor {
		writeResponseFor(h, r)
	}
	num(h, "SteeringType", m.SteeringType)
}

// writeTrace writes TraceHeaderList with the spelling "Bussiness", which
// deployed systems read.
func writeTrace(header *etree.Element, m *Message) {
	tl := header.CreateElement(pED + ":TraceHeaderList")
	for _, t := range m.Trace {
		th := tl.CreateElement(pED + ":TraceHeader")
		text(th, "OrganId", t.OrganID)
		text(th, "Timestamp", timeText(t.Timestamp))
	}
	b := tl.CreateElement(pED + ":Bussiness")
	num(b, "BussinessDocType", int(m.Business.Type))
	text(b, "BussinessDocReason", m.Business.Reason)
	text(b, "DocumentId", m.Business.DocumentID)
	num(b, "Paper", m.Business.Paper)
	writeStaff(b, m.Business.Staff)
	if u := m.Business.Update; u != nil {
		bi := b.CreateElement(pED + ":BussinessDocumentInfo")
		num(bi, "DocumentInfo", u.DocumentInfo)
		num(bi, "DocumentReceiver", u.DocumentReceiver)
		rl := bi.CreateElement(pED + ":ReceiverList")
		for _, r := range u.Receivers {
			re := rl.CreateElement(pED + ":Receiver")
			num(re, "ReceiverType", r.ReceiverType)
			text(re, "OrganId", r.OrganID)
		}
	}
	if len(m.Business.Replacement) > 0 {
		rl := b.CreateElement(pED + ":ReplacementInfoList")
		for _, r := range m.Business.Replacement {
			ri := rl.CreateElement(pED + ":ReplacementInfo")
			text(ri, "DocumentId", r.DocumentID)
			ol := ri.CreateElement(pED + ":OrganIdList")
			for _, o := range r.OrganIDs {
				text(ol, "OrganId", o)
			}
		}
	}
}

func writeStatus(header *etree.Element, s *Status) {
	st := header.CreateElement(pED + ":Status")
	writeResponseFor(st, s.ResponseFor)
	writeOrg(st, "From", s.From)
	text(st, "StatusCode", string(s.Code))
	text(st, "Description", s.Description)
	text(st, "Timestamp", timeText(s.Timestamp))
	writeStaff(st, s.Staff)
}

// sign indents doc, signs it with an enveloped XML-DSig signature (exclusive
// C14N, SHA-256, RSA or ECDSA) placed last in header, and returns the bytes.
// The signature is added after indenting so that no whitespace changes
// around it: what the enveloped-signature transform removes is exactly what
// was added.
func sign(doc *etree.Document, header *etree.Element, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if signer == nil || len(chain) == 0 || chain[0] == nil {
		return nil, fail(ReasonSigner, "thiếu khóa ký hoặc chứng thư của người ký")
	}
	if !publicKeysEqual(signer.Public(), chain[0].PublicKey) {
		return nil, fail(ReasonSigner, "khóa ký không khớp chứng thư của người ký")
	}
	doc.Indent(2)
	certs := make([][]byte, 0, len(chain))
	for _, c := range chain {
		certs = append(certs, c.Raw)
	}
	ctx, err := dsig.NewSigningContext(xmlSigner(signer), certs)
	if err != nil {
		return nil, failWrap(err, ReasonSigner, "không tạo được chữ ký")
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	ctx.Prefix = "ds"
	ctx.Hash = crypto.SHA256
	// goxmldsig's exclusive canonicalisation rewrites the element it digests
	// (namespace declarations pushed down to where they are used): it is
	// given a copy, so the package keeps its declarations on the Envelope.
	sig, err := ctx.ConstructSignature(doc.Root().Copy(), true)
	if err != nil {
		return nil, failWrap(err, ReasonSigner, "không tạo được chữ ký")
	}
	header.AddChild(sig)
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, failWrap(err, ReasonSigner, "không ghi được gói tin")
	}
	return b, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// writeMIME writes the package: MIME headers, the envelope part, then each
// attachment in base64 (76-character lines). The boundary is derived from
// the content, so the same package gives the same bytes and no part can
// contain it. The output is allocated once at its final size and each line
// encoded straight into it (57 bytes make exactly 76 characters, so the
// lines are those of the whole file's base64 cut every 76 characters).
func writeMIME(x []byte, atts []Attachment) []byte {
	h := sha256.New()
	h.Write(x)
	for _, a := range atts {
		h.Write(a.Data)
	}
	boundary := "edxml-" + hex.EncodeToString(h.Sum(nil))[:40]
	heads := make([]string, len(atts))
	size := 512 + len(x)
	for i, a := range atts {
		heads[i] = fmt.Sprintf("\r\n--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <%s>\r\nContent-Disposition: %s\r\n\r\n",
			boundary, a.MediaType, a.ContentID, mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		n := base64.StdEncoding.EncodedLen(len(a.Data))
		size += len(heads[i]) + n + n/76*2
	}
	b := make([]byte, 0, size)
	b = append(b, "MIME-Version: 1.0\r\n"...)
	b = fmt.Appendf(b, "Content-Type: %s\r\n\r\n", mime.FormatMediaType("multipart/related", map[string]string{
		"boundary": boundary, "type": "text/xml", "start": "<" + rootContentID + ">"}))
	b = fmt.Appendf(b, "--%s\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-ID: <%s>\r\n\r\n", boundary, rootContentID)
	b = append(b, x...)
	for i, a := range atts {
		b = append(b, heads[i]...)
		b = appendBase64Lines(b, a.Data)
	}
	return fmt.Appendf(b, "\r\n--%s--\r\n", boundary)
}

// appendBase64Lines appends data's base64 in lines of 76 characters joined
// by CRLF (RFC 2045, 6.8), without a line break after the last.
func appendBase64Lines(b, data []byte) []byte {
	const line = 57 // bytes that encode to 76 characters
	for len(data) > line {
		b = base64.StdEncoding.AppendEncode(b, data[:line])
		b = append(b, '\r', '\n')
		data = data[line:]
	}
	return base64.StdEncoding.AppendEncode(b, data)
}

// checkAttachmentsToWrite refuses what the MIME headers could not carry.
func checkAttachmentsToWrite(atts []Attachment) error {
	seen := map[string]bool{}
	for i, a := range atts {
		if !validContentID(a.ContentID) {
			return fail(ReasonAttachment, "mã tệp đính kèm %d không hợp lệ: %q", i+1, a.ContentID)
		}
		if seen[a.ContentID] {
			return fail(ReasonAttachment, "hai tệp đính kèm cùng mã %q", a.ContentID)
		}
		seen[a.ContentID] = true
		if _, _, err := mime.ParseMediaType(a.MediaType); err != nil || strings.ContainsAny(a.MediaType, "\r\n") {
			return fail(ReasonAttachment, "kiểu tệp đính kèm %q không hợp lệ", a.MediaType)
		}
	}
	return nil
}

// validContentID allows the characters of a MIME msg-id's left part.
func validContentID(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_@+=", r)) {
			return false
		}
	}
	return true
}
