package forms

import (
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// StopTitle is form 05's title.
const StopTitle = "Thông báo dừng giải quyết hồ sơ"

// StopData is form 05, the stop notice (Thông báo dừng giải quyết hồ sơ)
// the desk issues when the applicant asks to stop a dossier on which no
// decision or result has been issued yet (Decree 118/2025 Art. 21;
// Circular 03/2025/TT-VPCP Art. 7). The form's own fields were not found
// in a published text: this layout carries what the rule names (the
// dossier, the request to stop and when, from when it stops) in the
// manner of the other forms.
type StopData struct {
	Header
	Applicant Person
	// Code is the dossier code; required.
	Code    string
	Request string
	// ReceivedAt is when the dossier was received (optional), AskedAt when
	// the applicant asked to stop, StoppedAt from when it stops (required).
	ReceivedAt, AskedAt, StoppedAt time.Time
	// Reason the applicant gave (optional).
	Reason string
	// SignerTitle defaults to "Người tiếp nhận hồ sơ"; Signer is the name.
	SignerTitle, Signer string
}

// Stop prints form 05.
func Stop(d StopData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	agency := locale.NFC(d.Agency)
	asked := "Ngày " + Date(d.AskedAt)
	if d.AskedAt.IsZero() {
		asked = "Ngày " + Date(d.StoppedAt)
	}
	b := []pdfgen.Block{
		header(d.Header),
		title(StopTitle),
		pdfgen.Para{Text: "Kính gửi: Ông/bà/tổ chức " + locale.NFC(d.Applicant.Name), Align: pdfgen.AlignCenter, SpaceBefore: 8},
		pdfgen.Para{Text: asked + ", " + agency + " nhận được yêu cầu dừng giải quyết hồ sơ của Ông/bà/tổ chức:", SpaceBefore: 12},
		line("Số định danh cá nhân/mã số doanh nghiệp: " + or(d.Applicant.ID)),
		line("Mã hồ sơ: " + locale.NFC(d.Code)),
		line("Nội dung yêu cầu giải quyết: " + locale.NFC(d.Request)),
	}
	if !d.ReceivedAt.IsZero() {
		b = append(b, line("Thời gian nhận hồ sơ: "+DateTime(d.ReceivedAt)))
	}
	if r := strings.TrimSpace(d.Reason); r != "" {
		b = append(b, line("Lý do: "+locale.NFC(r)))
	}
	signer := d.SignerTitle
	if strings.TrimSpace(signer) == "" {
		signer = defaultRefusalSigner
	}
	b = append(b,
		line("Hồ sơ chưa có quyết định hoặc thông báo kết quả giải quyết. "+agency+
			" thông báo dừng giải quyết hồ sơ nêu trên kể từ "+DateTime(d.StoppedAt)+"."),
		line("Xin thông báo để Ông/bà/tổ chức được biết."),
		signatures(nil, signature(signer, "(Ký và ghi rõ họ tên)", d.Signer)),
	)
	return render(StopTitle+" "+d.Code, b)
}

// Validate checks form 05's fields.
func (d *StopData) Validate() error {
	if err := checkDossier(d.Header, d.Applicant, d.Code, d.Request, true); err != nil {
		return err
	}
	switch {
	case d.StoppedAt.IsZero():
		return apperr.FieldError("stopped_at", "Thiếu thời điểm dừng giải quyết hồ sơ.")
	}
	if err := d.Applicant.check("applicant", "Thông tin người nộp"); err != nil {
		return err
	}
	return checkText("reason", "Nội dung thông báo", d.Code, d.Request, d.Reason, d.SignerTitle, d.Signer)
}
