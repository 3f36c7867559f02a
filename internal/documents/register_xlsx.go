package documents

import (
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// RegisterTitle is the heading of a printed or exported register (its
// cover, Decree 30/2020/NĐ-CP Appendix IV): the agency and the register.
type RegisterTitle struct {
	Agency    string // the agency keeping the register
	Register  Register
	Generated string // dd/mm/yyyy hh:mm, Vietnam time
}

// Heading is the register's title line, e.g. "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN – NĂM 2026".
func (t RegisterTitle) Heading() string {
	h := "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
	if t.Register.Direction == Incoming {
		h = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
	}
	switch t.Register.Series {
	case Confidential:
		h += " MẬT"
	case Legal:
		h += " (VĂN BẢN QUY PHẠM PHÁP LUẬT)"
	case Copies:
		h += " (BẢN SAO)"
	}
	return h + " – NĂM " + strconv.Itoa(t.Register.Year)
}

// RegisterColumns are the columns of a register, in the order of Decree
// 30/2020/NĐ-CP Appendix IV (the minimum set), for direction d.
func RegisterColumns(d Direction) []string {
	if d == Incoming {
		return []string{"Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu văn bản", "Ngày tháng văn bản",
			"Tên loại và trích yếu nội dung văn bản", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"}
	}
	return []string{"Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
		"Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"}
}

// HiddenText stands in a register line for a document the reader may not read.
const HiddenText = "(văn bản hạn chế hoặc mật: không hiển thị)"

// RegisterCells are the cells of one line, as RegisterColumns orders them.
// Dates are dd/mm/yyyy; "Ký nhận" (and, for outgoing documents, the copies
// and "Ngày chuyển") are left for the printed register to be filled by
// hand, as the paper register is.
func RegisterCells(d Direction, r RegisterRow) []string {
	note := r.Note
	if r.Withdrawn {
		note = "Đã thu hồi số"
		if r.Note != "" {
			note += ": " + r.Note
		}
	}
	summary, sender, symbol, issued := r.TypeAndSummary(), r.Sender, r.Symbol, ""
	if !r.IssuedOn.IsZero() {
		issued = r.IssuedOn.VN()
	}
	if r.Hidden {
		summary = HiddenText
	}
	if d == Incoming {
		transferred := ""
		if !r.Transferred.IsZero() {
			transferred = locale.FormatDate(r.Transferred)
		}
		return []string{locale.FormatDate(r.ReceivedAt), FormatNumber(r.Number), sender, symbol, issued, summary, r.Handler, transferred, "", note}
	}
	if symbol == "" {
		symbol = FormatNumber(r.Number)
	}
	return []string{symbol, issued, summary, r.Signer, r.Recipients, "", "", "", "", note}
}

// WriteRegisterXLSX writes a register as an xlsx workbook of one sheet
// (title, column headings, one line per number) with excelize's streaming
// writer, so a register of any size takes little memory.
func WriteRegisterXLSX(w io.Writer, t RegisterTitle, rows []RegisterRow) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sổ đăng ký"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
		Border: []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}, {Type: "top", Style: 1}, {Type: "bottom", Style: 1}}})
	if err != nil {
		return err
	}
	cell, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border: []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}, {Type: "top", Style: 1}, {Type: "bottom", Style: 1}}})
	if err != nil {
		return err
	}
	widths := []float64{12, 10, 28, 18, 12, 50, 22, 12, 12, 24}
	if t.Register.Direction == Outgoing {
		widths = []float64{18, 12, 50, 24, 30, 20, 10, 12, 12, 24}
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	line := 1
	put := func(values []string, style int) error {
		row := make([]any, len(values))
		for i, v := range values {
			row[i] = excelize.Cell{StyleID: style, Value: v}
		}
		ref, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		line++
		return sw.SetRow(ref, row)
	}
	if err := put([]string{t.Agency}, 0); err != nil {
		return err
	}
	if err := put([]string{t.Heading()}, 0); err != nil {
		return err
	}
	if err := put([]string{"Lập ngày " + t.Generated}, 0); err != nil {
		return err
	}
	if err := put(RegisterColumns(t.Register.Direction), bold); err != nil {
		return err
	}
	for _, r := range rows {
		if err := put(RegisterCells(t.Register.Direction, r), cell); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
