package edxml

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Lengths of QCVN 102:2016/BTTTT (in characters).
const (
	MaxSubject  = 500
	MaxContent  = 500
	MaxPlace    = 150
	MaxAppendix = 250
	MaxText     = 1000 // any other text field: the standard sets none; bounded here
	MaxOrganID  = 64
	MaxTo       = 1000
)

// organIDPattern accepts agency codes: the QCVN format V1V2V3.Z1Z2.Y1Y2.MX1X2
// (000.00.01.H22) and the longer hierarchical codes in use since 2025
// (DEMO.H15.01.01): dot-separated groups of ASCII letters and digits, 1 to
// 12 groups, at most MaxOrganID characters.
var organIDPattern = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+){0,11}$`)

// ValidOrganID reports whether s is an agency code edXML accepts.
func ValidOrganID(s string) bool { return len(s) <= MaxOrganID && organIDPattern.MatchString(s) }

// documentIDPattern is DocumentId: <OrganId>,<year>,<sequence>.
var documentIDPattern = regexp.MustCompile(`^([0-9A-Za-z.]+),([0-9]{4}),([0-9]{1,18})$`)

// ValidDocumentID reports whether s is a DocumentId "<OrganId>,<year>,<seq>".
func ValidDocumentID(s string) bool {
	m := documentIDPattern.FindStringSubmatch(s)
	return m != nil && ValidOrganID(m[1])
}

// validStatus lists the status codes.
var validStatus = map[StatusCode]string{
	StatusArrived: "đã đến", StatusRefused: "từ chối", StatusAccepted: "đã tiếp nhận",
	StatusAssigned: "đã phân công", StatusInProcess: "đang xử lý", StatusCompleted: "đã hoàn thành",
	StatusTakeBack: "bên gửi xin lấy lại", StatusTakeBackOK: "đồng ý cho lấy lại", StatusTakeBackRefuse: "từ chối cho lấy lại",
}

// Text returns the status code's Vietnamese name, "" for an unknown code.
func (c StatusCode) Text() string { return validStatus[c] }

// Text returns the business type's Vietnamese name.
func (t BusinessType) Text() string {
	switch t {
	case BusinessNew:
		return "văn bản mới"
	case BusinessRevoke:
		return "thu hồi"
	case BusinessUpdate:
		return "cập nhật"
	case BusinessReplace:
		return "thay thế"
	}
	return ""
}

// nfc normalises every text field the way Parse reads it (NFC, trimmed).
func nfc(s string) string { return locale.NFC(s) }

func nfcOrg(o Organization) Organization {
	return Organization{nfc(o.OrganID), nfc(o.OrganizationInCharge), nfc(o.OrganName), nfc(o.OrganAdd),
		nfc(o.Email), nfc(o.Telephone), nfc(o.Fax), nfc(o.Website)}
}

func nfcStaff(s StaffInfo) StaffInfo {
	return StaffInfo{nfc(s.Department), nfc(s.Staff), nfc(s.Mobile), nfc(s.Email)}
}

func nfcResp(r ResponseFor) ResponseFor {
	return ResponseFor{nfc(r.OrganID), nfc(r.Code), r.PromulgationDate, nfc(r.DocumentID)}
}

func nfcAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = nfc(s)
	}
	return out
}

// normalizeMessage returns a deep copy of m with its text NFC-normalised.
func normalizeMessage(m *Message) *Message {
	c := *m
	c.From = nfcOrg(m.From)
	c.To = nil
	for _, t := range m.To {
		c.To = append(c.To, nfcOrg(t))
	}
	for _, p := range []*string{&c.DocumentID, &c.CodeNumber, &c.CodeNotation, &c.Place, &c.TypeName, &c.Subject, &c.Content,
		&c.Signer.Competence, &c.Signer.Position, &c.Signer.FullName,
		&c.Other.SphereOfPromulgation, &c.Other.TyperNotation,
		&c.Business.Reason, &c.Business.DocumentID} {
		*p = nfc(*p)
	}
	c.ToPlaces = nfcAll(m.ToPlaces)
	c.Other.Appendixes = nfcAll(m.Other.Appendixes)
	c.ResponseFor = nil
	for _, r := range m.ResponseFor {
		c.ResponseFor = append(c.ResponseFor, nfcResp(r))
	}
	c.Trace = nil
	for _, t := range m.Trace {
		c.Trace = append(c.Trace, TraceHeader{nfc(t.OrganID), t.Timestamp})
	}
	c.Business.Staff = nfcStaff(m.Business.Staff)
	if u := m.Business.Update; u != nil {
		cu := *u
		cu.Receivers = nil
		for _, r := range u.Receivers {
			cu.Receivers = append(cu.Receivers, Receiver{r.ReceiverType, nfc(r.OrganID)})
		}
		c.Business.Update = &cu
	}
	c.Business.Replacement = nil
	for _, r := range m.Business.Replacement {
		c.Business.Replacement = append(c.Business.Replacement, ReplacementInfo{nfc(r.DocumentID), nfcAll(r.OrganIDs)})
	}
	c.Attachments = nil
	for _, a := range m.Attachments {
		a.ContentID = strings.TrimSpace(a.ContentID)
		a.Name = nfc(a.Name)
		a.MediaType = strings.TrimSpace(a.MediaType)
		a.Description = nfc(a.Description)
		c.Attachments = append(c.Attachments, a)
	}
	return &c
}

func normalizeStatus(s *Status) *Status {
	c := *s
	c.ResponseFor = nfcResp(s.ResponseFor)
	c.From = nfcOrg(s.From)
	c.Code = StatusCode(strings.TrimSpace(string(s.Code)))
	c.Description = nfc(s.Description)
	c.Staff = nfcStaff(s.Staff)
	return &c
}

// checker collects problems.
type checker struct{ probs []*apperr.Error }

func (c *checker) add(r Reason, format string, args ...any) {
	c.probs = append(c.probs, fail(r, format, args...))
}

// text checks one text field: valid XML characters, at most max characters,
// present when required.
func (c *checker) text(field, v string, max int, required bool) {
	switch n := utf8.RuneCountInString(v); {
	case required && v == "":
		c.add(ReasonField, "thiếu %s", field)
	case n > max:
		c.add(ReasonField, "%s dài %d ký tự, quá %d", field, n, max)
	case !xmlText(v):
		c.add(ReasonField, "%s chứa ký tự không được phép", field)
	}
}

// xmlText reports whether s is valid UTF-8 made of XML 1.0 characters,
// without carriage returns (which XML readers turn into line feeds).
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t', r == '\n':
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

func (c *checker) org(field string, o Organization, required bool) {
	switch {
	case o.OrganID == "" && required:
		c.add(ReasonField, "thiếu %s/OrganId", field)
	case o.OrganID != "" && !ValidOrganID(o.OrganID):
		c.add(ReasonField, "mã định danh cơ quan %s/OrganId %q không hợp lệ", field, o.OrganID)
	}
	c.text(field+"/OrganName", o.OrganName, MaxText, required)
	for _, f := range []struct{ n, v string }{{"OrganizationInCharge", o.OrganizationInCharge}, {"OrganAdd", o.OrganAdd},
		{"Email", o.Email}, {"Telephone", o.Telephone}, {"Fax", o.Fax}, {"Website", o.Website}} {
		c.text(field+"/"+f.n, f.v, MaxText, false)
	}
}

func (c *checker) staff(field string, s StaffInfo) {
	for _, f := range []struct{ n, v string }{{"Department", s.Department}, {"Staff", s.Staff}, {"Mobile", s.Mobile}, {"Email", s.Email}} {
		c.text(field+"/"+f.n, f.v, MaxText, false)
	}
}

func (c *checker) resp(field string, r ResponseFor, required bool) {
	if r.OrganID != "" || required {
		if !ValidOrganID(r.OrganID) {
			c.add(ReasonField, "mã định danh cơ quan %s/OrganId %q không hợp lệ", field, r.OrganID)
		}
	}
	if r.DocumentID != "" || required {
		if !ValidDocumentID(r.DocumentID) {
			c.add(ReasonField, "%s/DocumentId %q không đúng dạng <mã cơ quan>,<năm>,<số>", field, r.DocumentID)
		}
	}
	c.text(field+"/Code", r.Code, MaxText, false)
	if !r.PromulgationDate.IsZero() && !r.PromulgationDate.IsValid() {
		c.add(ReasonField, "%s/PromulgationDate không hợp lệ", field)
	}
}

// checkMessage checks m's required fields and bounds (QCVN 102:2016/BTTTT),
// returning every problem found.
func checkMessage(m *Message) []*apperr.Error {
	c := &checker{}
	c.org("From", m.From, true)
	if len(m.To) == 0 {
		c.add(ReasonField, "thiếu nơi nhận (To)")
	}
	if len(m.To) > MaxTo {
		c.add(ReasonTooLarge, "quá %d nơi nhận", MaxTo)
	}
	seen := map[string]bool{}
	for _, t := range m.To {
		c.org("To", t, true)
		if seen[t.OrganID] {
			c.add(ReasonDuplicateTo, "nơi nhận %s có hai lần trong To", t.OrganID)
		}
		seen[t.OrganID] = true
	}
	if !ValidDocumentID(m.DocumentID) {
		c.add(ReasonField, "DocumentId %q không đúng dạng <mã cơ quan>,<năm>,<số>", m.DocumentID)
	}
	c.text("Code/CodeNumber", m.CodeNumber, MaxText, false)
	c.text("Code/CodeNotation", m.CodeNotation, MaxText, false)
	c.text("PromulgationInfo/Place", m.Place, MaxPlace, false)
	if !m.PromulgationDate.IsValid() {
		c.add(ReasonField, "thiếu hoặc sai ngày ban hành (PromulgationInfo/PromulgationDate)")
	}
	if m.TypeCode < 0 {
		c.add(ReasonField, "DocumentType/Type không hợp lệ")
	}
	c.text("DocumentType/TypeName", m.TypeName, MaxText, false)
	c.text("Subject", m.Subject, MaxSubject, true)
	c.text("Content", m.Content, MaxContent, false)
	c.text("SignerInfo/Competence", m.Signer.Competence, MaxText, false)
	c.text("SignerInfo/Position", m.Signer.Position, MaxText, false)
	c.text("SignerInfo/FullName", m.Signer.FullName, MaxText, false)
	if !m.DueDate.IsZero() && !m.DueDate.IsValid() {
		c.add(ReasonField, "DueDate không hợp lệ")
	}
	for _, p := range m.ToPlaces {
		c.text("ToPlaces/Place", p, MaxPlace, true)
	}
	c.text("OtherInfo/SphereOfPromulgation", m.Other.SphereOfPromulgation, MaxText, false)
	c.text("OtherInfo/TyperNotation", m.Other.TyperNotation, MaxText, false)
	for _, a := range m.Other.Appendixes {
		c.text("OtherInfo/Appendixes/Appendix", a, MaxAppendix, true)
	}
	for _, r := range m.ResponseFor {
		c.resp("ResponseFor", r, true)
	}
	for _, t := range m.Trace {
		if !ValidOrganID(t.OrganID) {
			c.add(ReasonField, "mã định danh cơ quan TraceHeader/OrganId %q không hợp lệ", t.OrganID)
		}
		if t.Timestamp.IsZero() {
			c.add(ReasonField, "thiếu TraceHeader/Timestamp")
		}
	}
	b := m.Business
	c.text("Bussiness/BussinessDocReason", b.Reason, MaxText, b.Type != BusinessNew)
	c.staff("Bussiness/StaffInfo", b.Staff)
	if b.Paper != 0 && b.Paper != 1 {
		c.add(ReasonField, "Bussiness/Paper phải là 0 hoặc 1")
	}
	switch b.Type {
	case BusinessNew:
	case BusinessRevoke, BusinessUpdate, BusinessReplace:
		if !ValidDocumentID(b.DocumentID) {
			c.add(ReasonField, "Bussiness/DocumentId %q (văn bản bị %s) không đúng dạng <mã cơ quan>,<năm>,<số>", b.DocumentID, b.Type.Text())
		}
	default:
		c.add(ReasonField, "Bussiness/BussinessDocType %d không hợp lệ (0 mới, 1 thu hồi, 2 cập nhật, 3 thay thế)", int(b.Type))
	}
	if b.Type == BusinessUpdate && b.Update == nil {
		c.add(ReasonField, "văn bản cập nhật thiếu Bussiness/BussinessDocumentInfo")
	}
	if b.Update != nil {
		for _, r := range b.Update.Receivers {
			if !ValidOrganID(r.OrganID) {
				c.add(ReasonField, "mã định danh cơ quan ReceiverList/Receiver/OrganId %q không hợp lệ", r.OrganID)
			}
		}
	}
	if b.Type == BusinessReplace && len(b.Replacement) == 0 {
		c.add(ReasonField, "văn bản thay thế thiếu Bussiness/ReplacementInfoList")
	}
	for _, r := range b.Replacement {
		if !ValidDocumentID(r.DocumentID) {
			c.add(ReasonField, "ReplacementInfo/DocumentId %q không đúng dạng <mã cơ quan>,<năm>,<số>", r.DocumentID)
		}
		for _, o := range r.OrganIDs {
			if !ValidOrganID(o) {
				c.add(ReasonField, "mã định danh cơ quan ReplacementInfo/OrganIdList/OrganId %q không hợp lệ", o)
			}
		}
	}
	for i, a := range m.Attachments {
		c.text("Manifest/Reference/AttachmentName", a.Name, MaxText, true)
		c.text("Manifest/Reference/Description", a.Description, MaxText, false)
		if a.MediaType == "" {
			c.add(ReasonAttachment, "tệp đính kèm %d thiếu kiểu (xlink:type)", i+1)
		}
	}
	return c.probs
}

// checkStatus checks a status package's fields.
func checkStatus(s *Status) []*apperr.Error {
	c := &checker{}
	c.resp("ResponseFor", s.ResponseFor, true)
	c.org("From", s.From, true)
	if validStatus[s.Code] == "" {
		c.add(ReasonField, "StatusCode %q không hợp lệ", string(s.Code))
	}
	c.text("Description", s.Description, MaxText, s.Code == StatusRefused)
	if s.Timestamp.IsZero() {
		c.add(ReasonField, "thiếu Timestamp")
	}
	c.staff("StaffInfo", s.Staff)
	return c.probs
}
