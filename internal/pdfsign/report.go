package pdfsign

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Indication is the main validation status of ETSI EN 319 102-1.
type Indication string

// The indications.
const (
	TotalPassed   Indication = "TOTAL-PASSED"
	TotalFailed   Indication = "TOTAL-FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication explains a TOTAL-FAILED or INDETERMINATE result, with the
// names of ETSI EN 319 102-1 §5.1.3.
type SubIndication string

// The sub-indications used by Verify.
const (
	FormatFailure             SubIndication = "FORMAT_FAILURE"
	HashFailure               SubIndication = "HASH_FAILURE"
	SigCryptoFailure          SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                   SubIndication = "REVOKED"
	RevokedNoPOE              SubIndication = "REVOKED_NO_POE"
	NoCertificateChainFound   SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	NoSigningCertificateFound SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	OutOfBoundsNoPOE          SubIndication = "OUT_OF_BOUNDS_NO_POE"
	NotYetValid               SubIndication = "NOT_YET_VALID"
	TryLater                  SubIndication = "TRY_LATER"
	ChainConstraintsFailure   SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	SigConstraintsFailure     SubIndication = "SIG_CONSTRAINTS_FAILURE"
)

// Report is the result of Verify. Field names (JSON tags) are stable: the
// web page and the API render this struct.
type Report struct {
	ValidationTime time.Time         `json:"validation_time"`
	DocumentSHA256 string            `json:"document_sha256"`
	DocumentSize   int64             `json:"document_size"`
	Revisions      int               `json:"revisions"` // incremental revisions (cross-reference sections)
	Indication     Indication        `json:"indication,omitempty"`
	Signatures     []SignatureReport `json:"signatures"`
}

// SignatureReport is the validation of one signature or document
// time-stamp, in signing order.
type SignatureReport struct {
	Index         int           `json:"index"` // 1-based, in signing order
	FieldName     string        `json:"field_name"`
	Type          string        `json:"type"` // "signature" or "document-timestamp"
	SubFilter     string        `json:"sub_filter"`
	Level         string        `json:"level,omitempty"` // PAdES baseline level reached: B-B, B-T, B-LT, B-LTA
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`

	Signer             *CertInfo  `json:"signer,omitempty"`
	Chain              []CertInfo `json:"chain,omitempty"` // signer → trust anchor
	ClaimedSigningTime *time.Time `json:"claimed_signing_time,omitempty"`
	BestSignatureTime  time.Time  `json:"best_signature_time"`
	DigestAlgorithm    string     `json:"digest_algorithm,omitempty"`

	ByteRange               [4]int64 `json:"byte_range"`
	IntegrityValid          bool     `json:"integrity_valid"`
	SigningCertificateMatch bool     `json:"signing_certificate_match"`
	CoversWholeDocument     bool     `json:"covers_whole_document"`
	SignedRevision          int      `json:"signed_revision"` // 1-based revision the signature covers
	LaterChanges            []Change `json:"later_changes,omitempty"`

	Timestamps []TimestampReport  `json:"timestamps,omitempty"`
	Revocation []RevocationReport `json:"revocation,omitempty"`

	Errors   []string `json:"errors,omitempty"`   // Vietnamese
	Warnings []string `json:"warnings,omitempty"` // Vietnamese
}

// Change is one object changed by an incremental update made after a
// signature.
type Change struct {
	Revision    int    `json:"revision"` // 1-based revision that made the change
	Object      int    `json:"object"`
	Kind        string `json:"kind"` // dss, document-timestamp, signature, annotation, form-field, metadata, page-content, catalog, other
	Allowed     bool   `json:"allowed"`
	Description string `json:"description"` // Vietnamese
}

// CertInfo identifies a certificate.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
}

// TimestampReport is a time-stamp token found for a signature.
type TimestampReport struct {
	Type  string    `json:"type"` // "signature-time-stamp" or "document-timestamp"
	Time  time.Time `json:"time"`
	TSA   string    `json:"tsa"`
	Valid bool      `json:"valid"`
	Error string    `json:"error,omitempty"` // Vietnamese
}

// RevocationReport is the revocation status of one certificate of the
// chain at the best signature time.
type RevocationReport struct {
	Certificate string     `json:"certificate"`
	Status      string     `json:"status"` // GOOD, REVOKED, UNKNOWN, NOT_FOUND, NOT_APPLICABLE
	Source      string     `json:"source,omitempty"`
	Origin      string     `json:"origin,omitempty"` // dss, cms, fetched
	IssuedAt    *time.Time `json:"issued_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

func certInfo(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	return CertInfo{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: c.SerialNumber.Text(16),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, SHA256: hex.EncodeToString(sum[:]),
	}
}

var indicationVI = map[Indication]string{
	TotalPassed:   "HỢP LỆ",
	TotalFailed:   "KHÔNG HỢP LỆ",
	Indeterminate: "CHƯA XÁC ĐỊNH ĐƯỢC",
}

var subIndicationVI = map[SubIndication]string{
	FormatFailure:             "cấu trúc chữ ký không đúng định dạng",
	HashFailure:               "nội dung đã bị thay đổi sau khi ký (sai giá trị băm)",
	SigCryptoFailure:          "giá trị chữ ký không khớp với khóa công khai",
	Revoked:                   "chứng thư số đã bị thu hồi trước thời điểm ký",
	RevokedNoPOE:              "chứng thư số đã bị thu hồi và không có bằng chứng chữ ký có trước thời điểm thu hồi",
	NoCertificateChainFound:   "không xây dựng được chuỗi chứng thư tới tổ chức chứng thực tin cậy",
	NoSigningCertificateFound: "không xác định được chứng thư số của người ký",
	OutOfBoundsNoPOE:          "chứng thư số đã hết hạn và không có dấu thời gian chứng minh chữ ký có trước đó",
	NotYetValid:               "chứng thư số chưa có hiệu lực tại thời điểm ký",
	TryLater:                  "chưa có thông tin thu hồi chứng thư (OCSP/CRL); hãy kiểm tra lại sau",
	ChainConstraintsFailure:   "chuỗi chứng thư không thỏa ràng buộc",
	SigConstraintsFailure:     "chữ ký không thỏa ràng buộc kiểm tra",
}

func fmtTime(t time.Time) string { return t.In(locale.VN).Format("2006-01-02T15:04:05-07:00") }

// Text renders the report in Vietnamese for the command line.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ\n")
	fmt.Fprintf(&b, "Thời điểm kiểm tra: %s\n", fmtTime(r.ValidationTime))
	fmt.Fprintf(&b, "Tài liệu: %d byte, SHA-256 %s, %d phiên bản\n", r.DocumentSize, r.DocumentSHA256, r.Revisions)
	if len(r.Signatures) == 0 {
		b.WriteString("Tài liệu không có chữ ký số.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "Số chữ ký: %d. Kết luận chung: %s (%s)\n", len(r.Signatures), indicationVI[r.Indication], r.Indication)
	for _, s := range r.Signatures {
		b.WriteString("\n")
		kind := "Chữ ký"
		if s.Type == "document-timestamp" {
			kind = "Dấu thời gian tài liệu"
		}
		fmt.Fprintf(&b, "%s %d: trường %q", kind, s.Index, s.FieldName)
		if s.Level != "" {
			fmt.Fprintf(&b, " (PAdES %s)", s.Level)
		} else {
			fmt.Fprintf(&b, " (%s)", s.SubFilter)
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "  Kết quả: %s (%s", indicationVI[s.Indication], s.Indication)
		if s.SubIndication != "" {
			fmt.Fprintf(&b, " / %s", s.SubIndication)
		}
		b.WriteString(")\n")
		if s.SubIndication != "" {
			fmt.Fprintf(&b, "  Lý do: %s\n", subIndicationVI[s.SubIndication])
		}
		if s.Signer != nil {
			fmt.Fprintf(&b, "  Người ký: %s\n", s.Signer.Subject)
			fmt.Fprintf(&b, "  Tổ chức cấp chứng thư: %s\n", s.Signer.Issuer)
			fmt.Fprintf(&b, "  Hiệu lực chứng thư: %s đến %s\n", fmtTime(s.Signer.NotBefore), fmtTime(s.Signer.NotAfter))
		}
		if s.ClaimedSigningTime != nil {
			fmt.Fprintf(&b, "  Thời điểm ký (khai báo): %s\n", fmtTime(*s.ClaimedSigningTime))
		}
		fmt.Fprintf(&b, "  Thời điểm ký được chứng minh: %s\n", fmtTime(s.BestSignatureTime))
		for _, ts := range s.Timestamps {
			st := "hợp lệ"
			if !ts.Valid {
				st = "KHÔNG hợp lệ: " + ts.Error
			}
			name := "Dấu thời gian chữ ký"
			if ts.Type == "document-timestamp" {
				name = "Dấu thời gian tài liệu"
			}
			fmt.Fprintf(&b, "  %s: %s, %s (%s)\n", name, fmtTime(ts.Time), ts.TSA, st)
		}
		fmt.Fprintf(&b, "  Toàn vẹn nội dung: %s\n", yesNo(s.IntegrityValid, "đúng", "SAI"))
		if s.Type == "signature" {
			fmt.Fprintf(&b, "  Chứng thư khớp thuộc tính signing-certificate-v2: %s\n", yesNo(s.SigningCertificateMatch, "có", "KHÔNG"))
		}
		if s.CoversWholeDocument {
			b.WriteString("  Phạm vi: chữ ký bao trùm toàn bộ tài liệu\n")
		} else {
			fmt.Fprintf(&b, "  Phạm vi: chữ ký bao trùm phiên bản %d; các thay đổi sau khi ký:\n", s.SignedRevision)
			for _, c := range s.LaterChanges {
				fmt.Fprintf(&b, "    - phiên bản %d, đối tượng %d: %s [%s]\n", c.Revision, c.Object, c.Description, yesNo(c.Allowed, "được phép", "KHÔNG được phép"))
			}
		}
		for _, rv := range s.Revocation {
			line := fmt.Sprintf("  Tình trạng thu hồi của %s: %s", rv.Certificate, rv.Status)
			if rv.Source != "" {
				line += fmt.Sprintf(" (%s, %s", rv.Source, rv.Origin)
				if rv.IssuedAt != nil {
					line += ", phát hành " + fmtTime(*rv.IssuedAt)
				}
				line += ")"
			}
			if rv.RevokedAt != nil {
				line += ", thu hồi lúc " + fmtTime(*rv.RevokedAt)
			}
			b.WriteString(line + "\n")
		}
		for _, e := range s.Errors {
			fmt.Fprintf(&b, "  Lỗi: %s\n", e)
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "  Cảnh báo: %s\n", w)
		}
	}
	return b.String()
}

func yesNo(v bool, y, n string) string {
	if v {
		return y
	}
	return n
}
