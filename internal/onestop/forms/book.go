package forms

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// BookTitle is form 07's title.
const BookTitle = "Sổ theo dõi hồ sơ"

// MaxBookRows bounds one printed book.
const MaxBookRows = 100_000

// BookRow is one dossier of the tracking book.
type BookRow struct {
	Code      string
	Procedure string
	Applicant string
	// Contact is the applicant's address and phone as printed.
	Contact    string
	LeadAgency string
	// ReceivedAt, DueAt and ReturnedAt print as dd/mm/yyyy (the zero time
	// prints nothing: not returned yet).
	ReceivedAt, DueAt, ReturnedAt time.Time
	// Delivery is how the result is delivered (trực tiếp, bưu chính công
	// ích, trực tuyến).
	Delivery string
}

// BookData is form 07, the tracking book (Sổ theo dõi hồ sơ): one book
// per field or group of procedures, printed landscape with its 11
// columns. The electronic book needs no print-out; this is for whoever
// wants the paper.
type BookData struct {
	Agency string
	// Field is the field or group of procedures the book covers.
	Field string
	// From and To are the period, printed under the title when set.
	From, To time.Time
	Rows     []BookRow
}

// Book prints form 07 as a register: the title block on the first page,
// the header row on every page, "Trang i/n".
func Book(d BookData) ([]byte, error) {
	if strings.TrimSpace(d.Agency) == "" {
		return nil, apperr.FieldError("agency", "Thiếu tên cơ quan của sổ theo dõi hồ sơ.")
	}
	if len(d.Rows) > MaxBookRows {
		return nil, apperr.FieldError("rows", "Sổ có quá nhiều hồ sơ để in một lần (tối đa %d).", MaxBookRows)
	}
	if err := checkText("agency", "Tên cơ quan", d.Agency, d.Field); err != nil {
		return nil, err
	}
	title := []string{strings.ToUpper(BookTitle), locale.NFC(d.Agency)}
	if f := strings.TrimSpace(d.Field); f != "" {
		title = append(title, "Lĩnh vực: "+locale.NFC(f))
	}
	if !d.From.IsZero() || !d.To.IsZero() {
		title = append(title, "Từ ngày "+Date(d.From)+" đến ngày "+Date(d.To))
	}
	t := pdfgen.TableDoc{
		Title: title,
		Columns: []pdfgen.Column{
			{Title: "STT", Width: 11, Align: pdfgen.AlignCenter},
			{Title: "Mã hồ sơ", Width: 42, Align: pdfgen.AlignCenter},
			{Title: "Tên thủ tục hành chính", Width: 36},
			{Title: "Tên cá nhân, tổ chức", Width: 24},
			{Title: "Địa chỉ, số điện thoại", Width: 28},
			{Title: "Cơ quan chủ trì giải quyết", Width: 24},
			{Title: "Ngày nhận hồ sơ", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Ngày hẹn trả kết quả", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Ngày trả kết quả", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Phương thức nhận kết quả", Width: 20, Align: pdfgen.AlignCenter},
			{Title: "Ký nhận", Width: 14},
		},
		Landscape: true,
		FontSize:  10,
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return Date(t)
	}
	for i, r := range d.Rows {
		if err := checkText("rows", fmt.Sprintf("Dòng %d của sổ", i+1), r.Code, r.Procedure, r.Applicant, r.Contact, r.LeadAgency, r.Delivery); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, []string{
			fmt.Sprint(i + 1), r.Code, r.Procedure, r.Applicant, r.Contact, r.LeadAgency,
			date(r.ReceivedAt), date(r.DueAt), date(r.ReturnedAt), r.Delivery, "",
		})
	}
	var buf bytes.Buffer
	if err := pdfgen.Table(&buf, t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
