package forms

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// ReceiptTitle is form 01's title.
const ReceiptTitle = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"

// DocumentItem is one document received (a line of the receipt's list).
type DocumentItem struct {
	Name string
	// Kind says in what form it was received: "Bản chính", "Bản sao",
	// "Bản điện tử"…; optional.
	Kind string
	// Copies received; 0 prints 1.
	Copies int
}

// ReceiptData is form 01, the receipt and appointment (Giấy tiếp nhận hồ
// sơ và hẹn trả kết quả). The header's Number is the receipt's number
// (…/TTPVHCC or the desk's symbol), its Date normally the reception day.
type ReceiptData struct {
	Header
	// Code is the dossier code (mã hồ sơ); required.
	Code string
	// Centre is the receiving centre or desk named in the body; blank uses
	// Header.Agency.
	Centre    string
	Applicant Person
	// Authoriser is who authorised the applicant to file (optional), with
	// the authorisation paper (giấy ủy quyền: number, date).
	Authoriser         *Person
	AuthorisationPaper string
	// Request is what is asked: the procedure's name; required.
	Request   string
	Documents []DocumentItem
	// Sets is the number of sets of the dossier (0 prints 1).
	Sets int
	// Days is the statutory time in working days; 0 is a same-day
	// procedure ("trong ngày").
	Days int
	// ReceivedAt and DueAt (the appointment) are required; printed
	// "hh:mm ngày dd/mm/yyyy" in Vietnam time.
	ReceivedAt time.Time
	DueAt      time.Time
	// ResultPlace is where the result is collected (a desk, by post, online).
	ResultPlace string
	// BookVolume and BookSeq place it in the tracking book (optional).
	BookVolume, BookSeq string
	// Receiver is the officer who received it (signs on the right).
	Receiver string
	// TrackURL is the public tracking page of the dossier (printed as a QR
	// code and as text); optional, http or https.
	TrackURL string
}

// Receipt prints form 01. Errors: EINVALID naming the missing or wrong
// field.
func Receipt(d ReceiptData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	centre := d.Centre
	if strings.TrimSpace(centre) == "" {
		centre = d.Agency
	}
	b := []pdfgen.Block{
		header(d.Header),
		title(ReceiptTitle),
		pdfgen.Para{Text: "Mã hồ sơ: " + locale.NFC(d.Code), Bold: true, Align: pdfgen.AlignCenter, SpaceBefore: 2},
		pdfgen.Para{Text: locale.NFC(centre) + " tiếp nhận hồ sơ của:", SpaceBefore: 12},
		line("Ông/bà/tổ chức: " + or(d.Applicant.Name)),
		line("Số định danh cá nhân/mã số doanh nghiệp: " + or(d.Applicant.ID)),
	}
	b = append(b, contacts(d.Applicant)...)
	if a := d.Authoriser; a != nil {
		b = append(b,
			line("Được ủy quyền bởi: "+or(a.Name)+"; số định danh: "+or(a.ID)),
			indented("Địa chỉ: "+or(a.Address)),
			indented("Số điện thoại: "+or(a.Phone)+"; Thư điện tử: "+or(a.Email)),
			indented("Giấy ủy quyền: "+or(d.AuthorisationPaper)),
		)
	}
	b = append(b,
		line("Nội dung yêu cầu giải quyết: "+locale.NFC(d.Request)),
		line("1. Thành phần hồ sơ nộp gồm:"),
	)
	grid := pdfgen.Grid{
		Columns: []pdfgen.Column{
			{Title: "STT", Width: 10, Align: pdfgen.AlignCenter},
			{Title: "Tên giấy tờ", Width: 80},
			{Title: "Hình thức", Width: 28, Align: pdfgen.AlignCenter},
			{Title: "Số lượng", Width: 18, Align: pdfgen.AlignCenter},
		},
		Size:        12,
		SpaceBefore: 3,
	}
	for i, doc := range d.Documents {
		grid.Rows = append(grid.Rows, []string{fmt.Sprint(i + 1), locale.NFC(doc.Name), locale.NFC(doc.Kind), fmt.Sprintf("%02d", max(doc.Copies, 1))})
	}
	b = append(b, grid,
		pdfgen.Para{Text: fmt.Sprintf("2. Số lượng hồ sơ: %02d (bộ)", max(d.Sets, 1)), SpaceBefore: 6},
		line("3. Thời gian giải quyết hồ sơ theo quy định là: "+daysText(d.Days)),
		line("4. Thời gian nhận hồ sơ: "+DateTime(d.ReceivedAt)),
		line("5. Thời gian trả kết quả giải quyết hồ sơ: "+DateTime(d.DueAt)),
		line("6. Đăng ký nhận kết quả tại: "+or(d.ResultPlace)),
	)
	if strings.TrimSpace(d.BookVolume+d.BookSeq) != "" {
		b = append(b, line("Vào Sổ theo dõi hồ sơ, Quyển số: "+or(d.BookVolume)+", Số thứ tự: "+or(d.BookSeq)))
	}
	sigs := [][]pdfgen.Block{
		signature("Người nộp hồ sơ", "(Ký và ghi rõ họ tên)", d.Applicant.Name),
		signature("Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", d.Receiver),
	}
	widths := []float64{50, 50}
	if d.TrackURL != "" {
		b = append(b, line("Tra cứu tình trạng hồ sơ: "+d.TrackURL+" hoặc quét mã QR trên giấy này."))
		m, err := QRMatrix(d.TrackURL)
		if err != nil {
			return nil, err
		}
		// The QR code at the bottom left, beside the signatures.
		sigs = append([][]pdfgen.Block{{
			pdfgen.Matrix{Modules: m, Side: qrSide, QuietModules: 4, Align: pdfgen.AlignCenter},
			pdfgen.Para{Text: "Quét mã để tra cứu hồ sơ", Size: 10, Italic: true, Align: pdfgen.AlignCenter},
		}}, sigs...)
		widths = []float64{24, 38, 38}
	}
	b = append(b, pdfgen.Row{Widths: widths, Cells: sigs, SpaceBefore: 18})
	return render(ReceiptTitle+" "+d.Code, b)
}

// qrSide is the printed width of the QR code's modules: 25 mm.
const qrSide = 25 * 72 / 25.4

func daysText(days int) string {
	if days <= 0 {
		return "trong ngày làm việc"
	}
	return fmt.Sprintf("%02d ngày làm việc", days)
}

// Validate checks the receipt's fields.
func (d *ReceiptData) Validate() error {
	if err := checkDossier(d.Header, d.Applicant, d.Code, d.Request, true); err != nil {
		return err
	}
	switch {
	case d.ReceivedAt.IsZero():
		return apperr.FieldError("received_at", "Thiếu thời gian nhận hồ sơ.")
	case d.DueAt.IsZero():
		return apperr.FieldError("due_at", "Thiếu thời gian hẹn trả kết quả.")
	case d.DueAt.Before(d.ReceivedAt):
		return apperr.FieldError("due_at", "Thời gian hẹn trả kết quả trước thời gian nhận hồ sơ.")
	case len(d.Documents) > maxItems:
		return apperr.FieldError("documents", "Danh sách giấy tờ quá dài (tối đa %d).", maxItems)
	case d.Sets < 0 || d.Sets > 99 || d.Days < 0 || d.Days > 999:
		return apperr.FieldError("sets", "Số lượng hồ sơ hoặc số ngày giải quyết không hợp lệ.")
	}
	if err := checkText("code", "Mã hồ sơ", d.Code, d.Centre, d.Request, d.ResultPlace, d.BookVolume, d.BookSeq, d.Receiver, d.AuthorisationPaper); err != nil {
		return err
	}
	if err := d.Applicant.check("applicant", "Thông tin người nộp"); err != nil {
		return err
	}
	if d.Authoriser != nil {
		if err := d.Authoriser.check("authoriser", "Thông tin người ủy quyền"); err != nil {
			return err
		}
	}
	for _, doc := range d.Documents {
		if err := checkText("documents", "Tên giấy tờ", doc.Name, doc.Kind); err != nil {
			return err
		}
		if doc.Copies < 0 || doc.Copies > 999 {
			return apperr.FieldError("documents", "Số lượng bản của giấy tờ %q không hợp lệ.", doc.Name)
		}
	}
	if d.TrackURL != "" {
		u, err := url.Parse(d.TrackURL)
		if err != nil || len(d.TrackURL) > maxURL || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apperr.FieldError("track_url", "Địa chỉ tra cứu hồ sơ không hợp lệ.")
		}
	}
	return nil
}

// QRMatrix encodes content as a QR code (error correction level M, the
// smallest mode that holds it) and returns its modules, [y][x], true for
// dark, without the quiet zone.
func QRMatrix(content string) ([][]bool, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		e := apperr.Wrap(err, apperr.Invalid, "Không tạo được mã QR của địa chỉ tra cứu.")
		e.Field = "track_url"
		return nil, e
	}
	bounds := code.Bounds()
	m := make([][]bool, bounds.Dy())
	for y := range m {
		m[y] = make([]bool, bounds.Dx())
		for x := range m[y] {
			r, _, _, _ := code.At(bounds.Min.X+x, bounds.Min.Y+y).RGBA()
			m[y][x] = r < 0x8000
		}
	}
	return m, nil
}
