package documents

import (
	"io"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// registerWidths are the relative widths of the printed columns, in the
// order of RegisterColumns.
var registerWidths = map[Direction][]float64{
	Incoming: {20, 14, 34, 28, 20, 70, 30, 18, 18, 30},
	Outgoing: {28, 20, 70, 34, 40, 28, 14, 18, 18, 30},
}

// WriteRegisterPDF prints a register as Decree 30/2020/NĐ-CP Appendix IV
// lays it out: A4 landscape, the agency and the register's title on the
// first page, the columns' heading on every page, one line per number
// (withdrawn ones marked), the Vietnamese font embedded, and "Trang i/n"
// at the foot of every page.
func WriteRegisterPDF(w io.Writer, t RegisterTitle, rows []RegisterRow) error {
	cols := RegisterColumns(t.Register.Direction)
	widths := registerWidths[t.Register.Direction]
	doc := pdfgen.TableDoc{Title: []string{t.Heading(), t.Agency, "Lập ngày " + t.Generated}, Landscape: true, FontSize: 9}
	for i, c := range cols {
		col := pdfgen.Column{Title: c, Width: widths[i]}
		if t.Register.Direction == Incoming && (i == 0 || i == 1 || i == 4) || t.Register.Direction == Outgoing && (i == 0 || i == 1) {
			col.Align = pdfgen.AlignCenter
		}
		doc.Columns = append(doc.Columns, col)
	}
	doc.Rows = make([][]string, len(rows))
	for i, r := range rows {
		doc.Rows[i] = RegisterCells(t.Register.Direction, r)
	}
	return pdfgen.Table(w, doc)
}
