// Package forms prints the one-stop service's forms (Decree 118/2025/NĐ-CP,
// forms of Circular 03/2025/TT-VPCP) as PDF: 01 the receipt with the
// appointment (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) and a QR code of
// the tracking page, 02 the supplement request, 03 the refusal, 04 the
// apology with a new appointment, 05 the stop notice, 06 the control slip
// and 07 the tracking book (landscape).
//
// The package is pure: plain structs in, PDF bytes out (A4 portrait, the
// national motto block, the embedded Vietnamese font as a glyph subset),
// with no database, no clock and no HTTP. The same input gives the same
// bytes, and every date printed is one the caller passed in, shown in
// Vietnam time (dates dd/mm/yyyy, times hh:mm). The output opens with
// internal/pdf and can be sealed by pdfsign.
package forms

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// Header is the top of every form: the issuing agency on the left, the
// national motto on the right (Decree 30/2020/NĐ-CP Appendix I layout).
type Header struct {
	// ParentAgency is the governing agency printed above the agency's name
	// ("Ủy ban nhân dân tỉnh Lào Cai"); optional. Printed in capitals.
	ParentAgency string
	// Agency is the issuing agency or one-stop centre ("Trung tâm Phục vụ
	// hành chính công"); printed bold in capitals.
	Agency string
	// Number is the form's number and symbol after "Số: " (e.g.
	// "125/TTPVHCC"); blank prints a line of dots to fill in by hand.
	Number string
	// Place is the place name of the place and date line ("Lào Cai").
	Place string
	// Date is the form's date, printed "ngày 07 tháng 12 năm 2026" in
	// Vietnam time; the zero time prints dots.
	Date time.Time
}

// Person is an applicant, an authoriser or anyone named with contacts.
type Person struct {
	Name string
	// ID is the personal identification number (số định danh cá nhân,
	// 12 digits) or an organisation's enterprise or tax code.
	ID      string
	Address string
	Phone   string
	Email   string
}

// Limits keep one form on a few pages and refuse a mistaken call.
const (
	maxText  = 2_000 // runes in one field
	maxItems = 100   // documents, items, reasons, control slip rows
	maxURL   = 500
)

// Placeholder is printed for a blank field, to be filled in by hand.
const Placeholder = "……………"

// fontSize is the body size (Decree 30: 13 to 14 points).
const fontSize = 13

func or(s string) string {
	if strings.TrimSpace(s) == "" {
		return Placeholder
	}
	return locale.NFC(s)
}

// Date formats t as dd/mm/yyyy in Vietnam time; the zero time gives the
// placeholder.
func Date(t time.Time) string {
	if t.IsZero() {
		return Placeholder
	}
	return locale.FormatDate(t)
}

// DateTime formats t as "hh:mm ngày dd/mm/yyyy" in Vietnam time; the zero
// time gives the placeholder.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return Placeholder
	}
	t = t.In(locale.VN)
	return t.Format("15:04") + " ngày " + t.Format(locale.DateLayout)
}

// PlaceDate writes the place and date line of Decree 30 Appendix I in
// Vietnam time: "Lào Cai, ngày 07 tháng 12 năm 2026" (a zero before days
// below 10 and months 1 and 2).
func PlaceDate(place string, t time.Time) string {
	line := "ngày … tháng … năm …"
	if !t.IsZero() {
		t = t.In(locale.VN)
		month := fmt.Sprint(int(t.Month()))
		if t.Month() <= 2 {
			month = fmt.Sprintf("%02d", int(t.Month()))
		}
		line = fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), month, t.Year())
	}
	if place = locale.NFC(place); place == "" {
		return line
	}
	return place + ", " + line
}

// checkText refuses a field longer than maxText runes or with invalid
// UTF-8.
func checkText(field, label string, values ...string) error {
	for _, s := range values {
		if !utf8.ValidString(s) {
			return apperr.FieldError(field, "%s có ký tự không hợp lệ.", label)
		}
		if utf8.RuneCountInString(s) > maxText {
			return apperr.FieldError(field, "%s quá dài (tối đa %d ký tự).", label, maxText)
		}
	}
	return nil
}

func (h Header) check() error {
	if strings.TrimSpace(h.Agency) == "" {
		return apperr.FieldError("agency", "Thiếu tên cơ quan ban hành phiếu.")
	}
	return checkText("agency", "Tên cơ quan", h.ParentAgency, h.Agency, h.Number, h.Place)
}

// checkDossier checks what every slip about one dossier names: the agency
// issuing it, the applicant, the dossier's code (forms 02 and 03 may be
// issued before a dossier has one) and the request.
func checkDossier(h Header, applicant Person, code, request string, codeRequired bool) error {
	if err := h.check(); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(applicant.Name) == "":
		return apperr.FieldError("applicant", "Thiếu tên người nộp hồ sơ.")
	case codeRequired && strings.TrimSpace(code) == "":
		return apperr.FieldError("code", "Thiếu mã hồ sơ.")
	case strings.TrimSpace(request) == "":
		return apperr.FieldError("request", "Thiếu nội dung yêu cầu giải quyết (tên thủ tục).")
	}
	return nil
}

func (p Person) check(field, label string) error {
	return checkText(field, label, p.Name, p.ID, p.Address, p.Phone, p.Email)
}

func checkList(field, label string, items []string) error {
	if len(items) > maxItems {
		return apperr.FieldError(field, "%s có quá nhiều mục (tối đa %d).", label, maxItems)
	}
	return checkText(field, label, items...)
}

// upper capitalises an agency's name as the header prints it.
func upper(s string) string { return strings.ToUpper(locale.NFC(s)) }

// header is the agency and motto block.
func header(h Header) pdfgen.Block {
	var left []pdfgen.Block
	if p := strings.TrimSpace(h.ParentAgency); p != "" {
		left = append(left, pdfgen.Para{Text: upper(p), Size: 12, Align: pdfgen.AlignCenter})
	}
	left = append(left,
		pdfgen.Para{Text: upper(h.Agency), Size: 12, Bold: true, Align: pdfgen.AlignCenter, Rule: 0.35},
		pdfgen.Para{Text: "Số: " + orNumber(h.Number), Size: fontSize, Align: pdfgen.AlignCenter, SpaceBefore: 6},
	)
	right := []pdfgen.Block{
		pdfgen.Para{Text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Size: 12, Bold: true, Align: pdfgen.AlignCenter},
		pdfgen.Para{Text: "Độc lập - Tự do - Hạnh phúc", Size: fontSize, Bold: true, Align: pdfgen.AlignCenter, Rule: 1},
		pdfgen.Para{Text: PlaceDate(h.Place, h.Date), Size: fontSize, Italic: true, Align: pdfgen.AlignCenter, SpaceBefore: 6},
	}
	return pdfgen.Row{Widths: []float64{45, 55}, Cells: [][]pdfgen.Block{left, right}}
}

func orNumber(s string) string {
	if strings.TrimSpace(s) == "" {
		return "………/………"
	}
	return locale.NFC(s)
}

// title is the form's name, bold and centred.
func title(s string) pdfgen.Block {
	return pdfgen.Para{Text: upper(s), Size: 14, Bold: true, Align: pdfgen.AlignCenter, SpaceBefore: 18}
}

func centred(s string) pdfgen.Block {
	return pdfgen.Para{Text: s, Align: pdfgen.AlignCenter}
}

func line(s string) pdfgen.Block { return pdfgen.Para{Text: s, SpaceBefore: 3} }

func indented(s string) pdfgen.Block { return pdfgen.Para{Text: s, Indent: 18, SpaceBefore: 2} }

// signature is one signature block: the role in bold capitals, the hint
// in italics, room to sign, the name in bold.
func signature(role, hint, name string) []pdfgen.Block {
	b := []pdfgen.Block{
		pdfgen.Para{Text: upper(role), Bold: true, Align: pdfgen.AlignCenter},
		pdfgen.Para{Text: hint, Italic: true, Align: pdfgen.AlignCenter},
		pdfgen.Space(56),
	}
	if n := strings.TrimSpace(name); n != "" {
		b = append(b, pdfgen.Para{Text: locale.NFC(n), Bold: true, Align: pdfgen.AlignCenter})
	}
	return b
}

// signatures places signature blocks side by side; a nil block leaves its
// column empty (one signer signs on the right, as Decree 30 places it).
func signatures(blocks ...[]pdfgen.Block) pdfgen.Block {
	return pdfgen.Row{Cells: blocks, SpaceBefore: 18}
}

// contacts prints the address, phone and e-mail lines of p.
func contacts(p Person) []pdfgen.Block {
	return []pdfgen.Block{
		line("Địa chỉ: " + or(p.Address)),
		line("Số điện thoại: " + or(p.Phone) + "; Thư điện tử: " + or(p.Email)),
	}
}

func render(titleText string, blocks []pdfgen.Block) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdfgen.Flow(&buf, pdfgen.FlowDoc{Title: titleText, FontSize: fontSize, Blocks: blocks}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// numbered prints items as "1. …", "2. …".
func numbered(items []string) []pdfgen.Block {
	var b []pdfgen.Block
	n := 0
	for _, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		n++
		b = append(b, indented(fmt.Sprintf("%d. %s", n, locale.NFC(it))))
	}
	return b
}

func nonBlank(items []string) int {
	n := 0
	for _, it := range items {
		if strings.TrimSpace(it) != "" {
			n++
		}
	}
	return n
}
