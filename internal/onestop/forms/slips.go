package forms

import (
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// The titles of forms 02, 03 and 06, and the two titles of form 04: the
// 2018 one this platform uses by default (the slip names the new date) and
// the name the forms of Circular 03/2025/TT-VPCP give it as reproduced by
// ministries (Decision 3621/QĐ-BYT), which some provinces use.
const (
	SupplementTitle        = "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"
	RefusalTitle           = "Phiếu từ chối tiếp nhận, giải quyết hồ sơ"
	ApologyTitle           = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
	ApologyExtensionTitle  = "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết"
	ControlSlipTitle       = "Phiếu kiểm soát quá trình giải quyết hồ sơ"
	defaultRefusalSigner   = "Người tiếp nhận hồ sơ"
	defaultApologySigner   = "Thủ trưởng cơ quan, đơn vị"
	defaultSupplementGuide = "Người hướng dẫn"
)

// SupplementData is form 02, the request to supplement and complete a
// dossier (given once, in full, in writing).
type SupplementData struct {
	Header
	// Code is the dossier code (optional at the desk before reception).
	Code      string
	Applicant Person
	// Request is the procedure's name; required.
	Request string
	// Items to supplement or complete, numbered in order; at least one.
	Items []string
	// Reason why the dossier is incomplete; required.
	Reason string
	// ContactName and ContactPhone: whom to ask during the completion.
	ContactName, ContactPhone string
	// Guide is the officer who signs as "Người hướng dẫn".
	Guide string
}

// Supplement prints form 02.
func Supplement(d SupplementData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	b := []pdfgen.Block{header(d.Header), title(SupplementTitle)}
	if strings.TrimSpace(d.Code) != "" {
		b = append(b, pdfgen.Para{Text: "Mã hồ sơ: " + locale.NFC(d.Code), Bold: true, Align: pdfgen.AlignCenter, SpaceBefore: 2})
	}
	b = append(b,
		pdfgen.Para{Text: "Hồ sơ của: " + locale.NFC(d.Applicant.Name), SpaceBefore: 12},
		line("Nội dung yêu cầu giải quyết: "+locale.NFC(d.Request)),
	)
	b = append(b, contacts(d.Applicant)...)
	b = append(b, line("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:"))
	b = append(b, numbered(d.Items)...)
	b = append(b,
		line("Lý do: "+locale.NFC(d.Reason)),
		line("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ với "+or(d.ContactName)+
			", số điện thoại "+or(d.ContactPhone)+" để được hướng dẫn."),
		signatures(nil, signature(defaultSupplementGuide, "(Ký và ghi rõ họ tên)", d.Guide)),
	)
	return render(SupplementTitle+" "+d.Code, b)
}

// Validate checks form 02's fields.
func (d *SupplementData) Validate() error {
	if err := checkDossier(d.Header, d.Applicant, d.Code, d.Request, false); err != nil {
		return err
	}
	switch {
	case nonBlank(d.Items) == 0:
		return apperr.FieldError("items", "Phiếu yêu cầu bổ sung cần ít nhất một nội dung cần hoàn thiện.")
	case strings.TrimSpace(d.Reason) == "":
		return apperr.FieldError("reason", "Thiếu lý do yêu cầu bổ sung, hoàn thiện hồ sơ.")
	}
	if err := checkList("items", "Danh sách nội dung cần bổ sung", d.Items); err != nil {
		return err
	}
	if err := d.Applicant.check("applicant", "Thông tin người nộp"); err != nil {
		return err
	}
	return checkText("reason", "Nội dung phiếu", d.Code, d.Request, d.Reason, d.ContactName, d.ContactPhone, d.Guide)
}

// RefusalData is form 03, the refusal to receive or resolve a dossier,
// with its specific reasons.
type RefusalData struct {
	Header
	// Unit is the unit that refuses, named in the body; blank uses
	// Header.Agency.
	Unit      string
	Applicant Person
	// Code is the dossier code, if it has one.
	Code    string
	Request string
	// Reasons, at least one, numbered when there are several.
	Reasons []string
	// SignerTitle defaults to "Người tiếp nhận hồ sơ"; Signer is the name.
	SignerTitle, Signer string
}

// Refusal prints form 03.
func Refusal(d RefusalData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	unit := d.Unit
	if strings.TrimSpace(unit) == "" {
		unit = d.Agency
	}
	unit = locale.NFC(unit)
	b := []pdfgen.Block{
		header(d.Header),
		title(RefusalTitle),
		pdfgen.Para{Text: unit + " tiếp nhận hồ sơ của:", SpaceBefore: 12},
		line("Ông/bà/tổ chức: " + locale.NFC(d.Applicant.Name)),
		line("Số định danh cá nhân/mã số doanh nghiệp: " + or(d.Applicant.ID)),
	}
	b = append(b, contacts(d.Applicant)...)
	code := "không có"
	if strings.TrimSpace(d.Code) != "" {
		code = locale.NFC(d.Code)
	}
	b = append(b,
		line("Mã hồ sơ (nếu có): "+code),
		line("Nội dung yêu cầu giải quyết: "+locale.NFC(d.Request)),
		line("Qua xem xét, "+unit+" thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"),
	)
	if nonBlank(d.Reasons) == 1 {
		for _, r := range d.Reasons {
			if strings.TrimSpace(r) != "" {
				b = append(b, indented("- "+locale.NFC(r)))
			}
		}
	} else {
		b = append(b, numbered(d.Reasons)...)
	}
	signer := d.SignerTitle
	if strings.TrimSpace(signer) == "" {
		signer = defaultRefusalSigner
	}
	b = append(b,
		line("Xin thông báo để ông/bà/tổ chức được biết và thực hiện."),
		signatures(nil, signature(signer, "(Ký và ghi rõ họ tên)", d.Signer)),
	)
	return render(RefusalTitle+" "+d.Code, b)
}

// Validate checks form 03's fields.
func (d *RefusalData) Validate() error {
	if err := checkDossier(d.Header, d.Applicant, d.Code, d.Request, false); err != nil {
		return err
	}
	switch {
	case nonBlank(d.Reasons) == 0:
		return apperr.FieldError("reasons", "Phiếu từ chối phải nêu rõ lý do.")
	}
	if err := checkList("reasons", "Danh sách lý do", d.Reasons); err != nil {
		return err
	}
	if err := d.Applicant.check("applicant", "Thông tin người nộp"); err != nil {
		return err
	}
	return checkText("request", "Nội dung phiếu", d.Unit, d.Code, d.Request, d.SignerTitle, d.Signer)
}

// ApologyData is form 04, the apology with a new appointment, signed by
// the head of the agency responsible for the delay.
type ApologyData struct {
	Header
	// Title defaults to ApologyTitle; ApologyExtensionTitle is the other
	// name in use.
	Title     string
	Applicant Person
	// Code is the dossier code; required.
	Code    string
	Request string
	// ReceivedAt is when the dossier was received, DueAt the appointment
	// missed, NewDueAt the new one (after DueAt); all required.
	ReceivedAt, DueAt, NewDueAt time.Time
	// Reason for the delay; required.
	Reason string
	// SignerTitle defaults to "Thủ trưởng cơ quan, đơn vị" (e.g. "Giám
	// đốc"); Signer is the head's name.
	SignerTitle, Signer string
}

// Apology prints form 04.
func Apology(d ApologyData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	t := d.Title
	if strings.TrimSpace(t) == "" {
		t = ApologyTitle
	}
	agency := locale.NFC(d.Agency)
	name := locale.NFC(d.Applicant.Name)
	signer := d.SignerTitle
	if strings.TrimSpace(signer) == "" {
		signer = defaultApologySigner
	}
	b := []pdfgen.Block{
		header(d.Header),
		title(t),
		pdfgen.Para{Text: "Kính gửi: Ông/bà/tổ chức " + name, Align: pdfgen.AlignCenter, SpaceBefore: 8},
		pdfgen.Para{Text: "Ngày " + Date(d.ReceivedAt) + ", " + agency + " tiếp nhận giải quyết hồ sơ đề nghị " +
			locale.NFC(d.Request) + " của Ông/bà/tổ chức.", SpaceBefore: 12},
		line("Số định danh cá nhân/mã số doanh nghiệp: " + or(d.Applicant.ID)),
		line("Mã hồ sơ: " + locale.NFC(d.Code)),
		line("Thời hạn trả kết quả giải quyết hồ sơ: " + DateTime(d.DueAt)),
		line("Tuy nhiên đến nay, " + agency + " chưa trả kết quả giải quyết hồ sơ cho Ông/bà/tổ chức đúng thời hạn " +
			"ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả. Lý do: " + locale.NFC(d.Reason)),
		line("Sự chậm trễ này đã gây phiền hà cho Ông/bà/tổ chức. " + agency +
			" xin lỗi Ông/bà/tổ chức và hẹn trả kết quả vào lúc " + DateTime(d.NewDueAt) + "."),
		line("Xin trân trọng cảm ơn sự hợp tác của Ông/bà/tổ chức."),
		signatures(nil, signature(signer, "(Ký, ghi rõ họ tên và đóng dấu)", d.Signer)),
	}
	return render(t+" "+d.Code, b)
}

// Validate checks form 04's fields.
func (d *ApologyData) Validate() error {
	if err := checkDossier(d.Header, d.Applicant, d.Code, d.Request, true); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(d.Reason) == "":
		return apperr.FieldError("reason", "Phiếu xin lỗi phải nêu lý do chậm trả kết quả.")
	case d.ReceivedAt.IsZero() || d.DueAt.IsZero():
		return apperr.FieldError("due_at", "Thiếu thời gian nhận hồ sơ hoặc thời hạn trả kết quả.")
	case d.NewDueAt.IsZero():
		return apperr.FieldError("new_due_at", "Thiếu ngày hẹn trả kết quả mới.")
	case !d.NewDueAt.After(d.DueAt):
		return apperr.FieldError("new_due_at", "Ngày hẹn trả kết quả mới phải sau thời hạn đã hẹn (%s).", DateTime(d.DueAt))
	}
	if err := d.Applicant.check("applicant", "Thông tin người nộp"); err != nil {
		return err
	}
	return checkText("reason", "Nội dung phiếu", d.Title, d.Code, d.Request, d.Reason, d.SignerTitle, d.Signer)
}

// ControlRow is one hand-over of the control slip: who gave the dossier
// to whom and when, and how the giver's share of the time ended.
type ControlRow struct {
	// FromUnit/FromPerson give (giao), ToUnit/ToPerson receive (nhận).
	FromUnit, FromPerson string
	ToUnit, ToPerson     string
	// At is the hand-over moment; the zero time prints the placeholder.
	At time.Time
	// Result is early, on time or late (0 while not known); recorded by
	// the receiver.
	Result calendar.Timeliness
	Note   string
}

// ControlSlipData is form 06, the control slip that follows the dossier.
type ControlSlipData struct {
	Header
	// Code is the dossier code; required.
	Code      string
	Request   string
	Applicant string
	// LeadUnit handles the dossier; CoUnits co-operate (liên thông).
	LeadUnit string
	CoUnits  []string
	// ReceivedAt and DueAt of the dossier.
	ReceivedAt, DueAt time.Time
	Rows              []ControlRow
}

// ControlSlip prints form 06.
func ControlSlip(d ControlSlipData) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	co := Placeholder
	if nonBlank(d.CoUnits) > 0 {
		var names []string
		for _, u := range d.CoUnits {
			if strings.TrimSpace(u) != "" {
				names = append(names, locale.NFC(u))
			}
		}
		co = strings.Join(names, "; ")
	}
	b := []pdfgen.Block{
		header(d.Header),
		title(ControlSlipTitle),
		pdfgen.Para{Text: "Mã hồ sơ: " + locale.NFC(d.Code), Bold: true, Align: pdfgen.AlignCenter, SpaceBefore: 2},
		pdfgen.Para{Text: "(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)", Italic: true, Align: pdfgen.AlignCenter},
		pdfgen.Para{Text: "Tên thủ tục: " + or(d.Request), SpaceBefore: 10},
		line("Người nộp hồ sơ: " + or(d.Applicant)),
		line("Cơ quan, đơn vị chủ trì giải quyết: " + or(d.LeadUnit)),
		line("Cơ quan, đơn vị phối hợp giải quyết: " + co),
		line("Thời gian nhận hồ sơ: " + DateTime(d.ReceivedAt)),
		line("Thời gian hẹn trả kết quả: " + DateTime(d.DueAt)),
	}
	grid := pdfgen.Grid{
		Columns: []pdfgen.Column{
			{Title: "TÊN CƠ QUAN, ĐƠN VỊ", Width: 70},
			{Title: "THỜI GIAN GIAO, NHẬN HỒ SƠ", Width: 34, Align: pdfgen.AlignCenter},
			{Title: "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", Width: 36, Align: pdfgen.AlignCenter},
			{Title: "GHI CHÚ", Width: 26},
		},
		Size:        11,
		SpaceBefore: 8,
	}
	for i, r := range d.Rows {
		grid.Rows = append(grid.Rows, []string{
			fmt.Sprintf("%d. Giao: %s\nNhận: %s", i+1, unitPerson(r.FromUnit, r.FromPerson), unitPerson(r.ToUnit, r.ToPerson)),
			DateTime(r.At),
			timeliness(r.Result),
			locale.NFC(r.Note),
		})
	}
	b = append(b, grid,
		pdfgen.Para{Text: "Ghi chú: kết quả giải quyết hồ sơ do bên nhận ghi; quá trình giao, nhận được hệ thống thông tin giải quyết thủ tục hành chính ghi tự động.",
			Size: 11, Italic: true, SpaceBefore: 6},
	)
	return render(ControlSlipTitle+" "+d.Code, b)
}

func unitPerson(unit, person string) string {
	s := or(unit)
	if p := strings.TrimSpace(person); p != "" {
		s += " (" + locale.NFC(p) + ")"
	}
	return s
}

// timeliness names a result as the slip prints it, capitalised.
func timeliness(t calendar.Timeliness) string {
	switch t {
	case calendar.Early:
		return "Trước hạn"
	case calendar.OnTime:
		return "Đúng hạn"
	case calendar.Late:
		return "Quá hạn"
	}
	return ""
}

// Validate checks form 06's fields.
func (d *ControlSlipData) Validate() error {
	if err := d.Header.check(); err != nil {
		return err
	}
	if strings.TrimSpace(d.Code) == "" {
		return apperr.FieldError("code", "Thiếu mã hồ sơ.")
	}
	if len(d.Rows) > maxItems {
		return apperr.FieldError("rows", "Phiếu kiểm soát có quá nhiều lượt giao, nhận (tối đa %d).", maxItems)
	}
	if err := checkList("co_units", "Danh sách đơn vị phối hợp", d.CoUnits); err != nil {
		return err
	}
	for _, r := range d.Rows {
		if err := checkText("rows", "Dòng phiếu kiểm soát", r.FromUnit, r.FromPerson, r.ToUnit, r.ToPerson, r.Note); err != nil {
			return err
		}
	}
	return checkText("code", "Nội dung phiếu", d.Code, d.Request, d.Applicant, d.LeadUnit)
}
