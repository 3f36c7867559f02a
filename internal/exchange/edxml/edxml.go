// Package edxml builds, parses and verifies edXML packages, the format in
// which Vietnamese agencies exchange official documents (QCVN 102:2016/BTTTT,
// "Cấu trúc thông điệp dữ liệu công văn điện tử"): a SOAP-style envelope whose
// Header holds the MessageHeader (or a Status), the TraceHeaderList and an
// XML-DSig signature, whose Body holds a Manifest naming the attached files,
// carried as a MIME multipart/related package with the files in base64.
//
// The package is pure: no database, no clock of its own (callers pass the
// times), no network. Everything it reads is outside input and is bounded by
// Limits; every refusal is an apperr.Error (EINVALID) whose Vietnamese
// message starts with "edxml:" and whose cause carries a stable Reason the
// exchange layer can put into a status 02 Description. docs/edxml.md
// describes the format written and read.
package edxml

import (
	"crypto/x509"
	"time"

	"github.com/beevik/etree"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
)

// Namespace is the edXML namespace of QCVN 102:2016/BTTTT, written with the
// prefix "edXML".
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Organization is an agency as edXML names it (From, To, ResponseFor).
type Organization struct {
	OrganID              string // agency code, e.g. 000.00.01.H22 or DEMO.H15.01.01
	OrganizationInCharge string
	OrganName            string
	OrganAdd             string
	Email                string
	Telephone            string
	Fax                  string
	Website              string
}

// SignerInfo names who signed the document.
type SignerInfo struct {
	Competence string // thẩm quyền: TM., KT., TL., TUQ. …
	Position   string
	FullName   string
}

// OtherInfo is MessageHeader/OtherInfo.
type OtherInfo struct {
	Priority             int
	SphereOfPromulgation string
	TyperNotation        string
	PromulgationAmount   int
	PageAmount           int
	Appendixes           []string
}

// ResponseFor names the document a message or a status answers.
type ResponseFor struct {
	OrganID          string
	Code             string // number and symbol, e.g. 12/UBND-VP
	PromulgationDate calendar.Date
	DocumentID       string
}

// TraceHeader records one hop of a package: the agency and when.
type TraceHeader struct {
	OrganID   string
	Timestamp time.Time
}

// BusinessType is TraceHeaderList/Bussiness/BussinessDocType.
type BusinessType int

// The business types of QCVN 102:2016/BTTTT.
const (
	BusinessNew     BusinessType = 0 // văn bản mới
	BusinessRevoke  BusinessType = 1 // thu hồi
	BusinessUpdate  BusinessType = 2 // cập nhật
	BusinessReplace BusinessType = 3 // thay thế
)

// StaffInfo names the clerk who handles a package.
type StaffInfo struct {
	Department string
	Staff      string
	Mobile     string
	Email      string
}

// Receiver is one receiver of an updated document.
type Receiver struct {
	ReceiverType int
	OrganID      string
}

// BusinessDocumentInfo says what an update (type 2) changed.
type BusinessDocumentInfo struct {
	DocumentInfo     int // 1 when the document's information changed
	DocumentReceiver int // 1 when its receivers changed
	Receivers        []Receiver
}

// ReplacementInfo names a document a replacement (type 3) replaces and the
// agencies that had received it.
type ReplacementInfo struct {
	DocumentID string
	OrganIDs   []string
}

// Business is TraceHeaderList/Bussiness.
type Business struct {
	Type        BusinessType
	Reason      string
	DocumentID  string
	Paper       int // 1 when a paper copy follows
	Staff       StaffInfo
	Update      *BusinessDocumentInfo // type 2 only
	Replacement []ReplacementInfo     // type 3 only
}

// Attachment is one attached file. ContentID is the MIME Content-ID (without
// angle brackets) that the Manifest's xlink:href names as "cid:…"; Build
// numbers attachments that have none.
type Attachment struct {
	ContentID   string
	Name        string
	MediaType   string
	Description string
	Data        []byte
}

// Message is a document package (MessageHeader, TraceHeaderList, Manifest).
type Message struct {
	From             Organization
	To               []Organization
	DocumentID       string // <OrganId>,<year>,<seq>
	CodeNumber       string
	CodeNotation     string
	Place            string
	PromulgationDate calendar.Date
	TypeCode         int
	TypeName         string
	Subject          string
	Content          string
	Signer           SignerInfo
	DueDate          calendar.Date
	ToPlaces         []string
	Other            OtherInfo
	ResponseFor      []ResponseFor
	SteeringType     int
	Trace            []TraceHeader
	Business         Business
	Attachments      []Attachment
}

// StatusCode is a status package's StatusCode.
type StatusCode string

// The status codes of QCVN 102:2016/BTTTT.
const (
	StatusArrived        StatusCode = "01" // đã đến
	StatusRefused        StatusCode = "02" // từ chối (lý do bắt buộc)
	StatusAccepted       StatusCode = "03" // tiếp nhận
	StatusAssigned       StatusCode = "04" // phân công
	StatusInProcess      StatusCode = "05" // đang xử lý
	StatusCompleted      StatusCode = "06" // hoàn thành
	StatusTakeBack       StatusCode = "13" // bên gửi xin lấy lại
	StatusTakeBackOK     StatusCode = "15" // đồng ý cho lấy lại
	StatusTakeBackRefuse StatusCode = "16" // từ chối cho lấy lại
)

// Status is a status package: a reply about a document.
type Status struct {
	ResponseFor ResponseFor
	From        Organization
	Code        StatusCode
	Description string
	Timestamp   time.Time
	Staff       StaffInfo
}

// Package is a parsed edXML package: exactly one of Message and Status is
// set. Nothing in it is trusted until Verify passes.
type Package struct {
	Message *Message
	Status  *Status
	// Chain is the certificate chain from the signature's KeyInfo, signer
	// first; empty when the package is unsigned. Certificates read from the
	// same bytes are the same values in every package: read them, do not
	// change them.
	Chain []*x509.Certificate
	// Digest is the SHA-256 of the whole package as received.
	Digest [32]byte
	// XML is the envelope as received (the MIME root part).
	XML []byte

	root     *etree.Element    // the parsed envelope, for Verify
	sigCount int               // Signature elements found
	sig      *etree.Element    // the Signature when there is one
	refs     []manifestRef     // the Manifest as written
	parts    map[string][]byte // attachments by Content-ID, decoded
	order    []string          // Content-IDs in the order of the parts
}

// manifestRef is one Manifest/Reference as read.
type manifestRef struct {
	ContentID string
	MediaType string
	Name      string
	Digest    []byte // SHA-256 written by Build (absent from other writers)
}

// Limits bound what Parse reads.
type Limits struct {
	MaxBytes           int64 // whole package
	MaxXMLBytes        int64 // the envelope
	MaxDepth           int   // element nesting
	MaxElements        int   // elements in the envelope
	MaxAttachments     int
	MaxAttachmentBytes int64 // one attachment, decoded
}

// DefaultLimits suit documents with a few scanned attachments.
var DefaultLimits = Limits{
	MaxBytes:           200 << 20,
	MaxXMLBytes:        4 << 20,
	MaxDepth:           32,
	MaxElements:        20000,
	MaxAttachments:     100,
	MaxAttachmentBytes: 100 << 20,
}

// Report is what Verify found.
type Report struct {
	SignerSubject string
	SignedBy      *x509.Certificate
	Attachments   []AttachmentCheck
	Problems      []string // Vietnamese, one line each; empty when all passed
	Warnings      []string // what passed but deserves a look
}

// AttachmentCheck is one attachment's check.
type AttachmentCheck struct {
	ContentID string
	Name      string
	Size      int
	SHA256    [32]byte
	OK        bool
	// Unprotected: the Manifest carries no digest of the file (another
	// writer), so the signature does not cover its bytes.
	Unprotected bool
	Problem     string
}

// OK reports whether nothing failed.
func (r *Report) OK() bool { return len(r.Problems) == 0 }
