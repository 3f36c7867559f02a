package pdfgen

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
	"golang.org/x/text/unicode/norm"
)

// Align is the horizontal alignment of a column's cells.
type Align int

// The alignments.
const (
	AlignLeft   Align = iota // text (the default)
	AlignCenter              // numbers and symbols, dates
	AlignRight               // amounts
)

// Column is one column of a table.
type Column struct {
	// Title is the header cell, wrapped like the others and repeated at
	// the top of every page.
	Title string
	// Width is relative: the columns share the width between the margins
	// in proportion to it (millimetres, percentages or any unit alike).
	// Zero counts as 1.
	Width float64
	// Align places the text of the column's body cells (the header is
	// always centred).
	Align Align
}

// TableDoc is a table to print, such as a register of Decree 30/2020
// Appendix IV.
type TableDoc struct {
	// Title lines are centred above the table on the first page; the
	// first is bold and larger (e.g. "SỔ ĐĂNG KÝ VĂN BẢN ĐI", then the
	// agency and "Năm 2026").
	Title []string
	// Columns, left to right.
	Columns []Column
	// Rows of cell text; a row may have fewer cells than there are
	// columns (the rest are empty), not more. A line break in a cell
	// starts a new line; long text wraps inside the cell.
	Rows [][]string
	// Landscape turns the A4 page sideways (the registers are printed so).
	Landscape bool
	// FontSize of the cells in points (default 11; the header uses it too).
	FontSize float64
}

// Limits of a table, so that a mistaken call fails instead of writing a
// document nobody can print.
const (
	MaxColumns    = 30
	MaxRows       = 200_000
	MaxTitleLines = 12
	// maxCellRunes bounds the text wrapped per cell: more than a page
	// holds, and the rest would be cut anyway.
	maxCellRunes = 20_000
)

// CutMarker ends the last line of a cell whose text did not fit on one
// page: such a row is cut rather than split across pages.
const CutMarker = "[…]"

// A4 in points, and the margins of Decree 30/2020 Appendix I (top and
// bottom 20 mm, left 30 mm, right 15 mm).
const (
	a4Short      = 595.28
	a4Long       = 841.89
	mm           = 72 / 25.4
	marginTop    = 20 * mm
	marginBottom = 20 * mm
	marginLeft   = 30 * mm
	marginRight  = 15 * mm
	cellPad      = 3.0
	titleGap     = 10.0
	footerSize   = 10.0
	// ascent places the first baseline below the top of a line box.
	ascent = 0.95
)

// Table writes t as a PDF: A4 (landscape if asked), the title block on
// the first page, the header row at the top of every page, cells wrapped
// in their column, grid lines, and "Trang i/n" centred at the bottom of
// every page. Errors: EINVALID for a table without columns, past the
// limits, or with a row wider than the header.
func Table(w io.Writer, t TableDoc) error {
	if err := t.Validate(); err != nil {
		return err
	}
	font, err := pdffont.Serif()
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "Không nạp được phông chữ để in bảng.")
	}
	l := newTableLayout(font, t)
	pages := l.paginate(t)
	return l.render(w, t, pages)
}

// Validate checks the table before anything is laid out.
func (t *TableDoc) Validate() error {
	if len(t.Columns) == 0 {
		return apperr.FieldError("columns", "Bảng cần ít nhất một cột.")
	}
	if len(t.Columns) > MaxColumns {
		return apperr.FieldError("columns", "Bảng có quá nhiều cột (tối đa %d).", MaxColumns)
	}
	for i, c := range t.Columns {
		if c.Width < 0 || c.Width != c.Width || c.Width > 1e6 {
			return apperr.FieldError("columns", "Độ rộng cột %d không hợp lệ.", i+1)
		}
	}
	if len(t.Rows) > MaxRows {
		return apperr.FieldError("rows", "Bảng có quá nhiều dòng (tối đa %d).", MaxRows)
	}
	for i, r := range t.Rows {
		if len(r) > len(t.Columns) {
			return apperr.FieldError("rows", "Dòng %d có %d ô nhưng bảng chỉ có %d cột.", i+1, len(r), len(t.Columns))
		}
	}
	if len(t.Title) > MaxTitleLines {
		return apperr.FieldError("title", "Tiêu đề bảng quá dài (tối đa %d dòng).", MaxTitleLines)
	}
	if t.FontSize != 0 && !(t.FontSize >= 6 && t.FontSize <= 30) {
		return apperr.FieldError("font_size", "Cỡ chữ của bảng phải từ 6 đến 30.")
	}
	return nil
}

// tableLayout holds the geometry shared by every page.
type tableLayout struct {
	font           *pdffont.Font
	size, lineH    float64
	pageW, pageH   float64
	colX, colW     []float64
	header         [][]string // wrapped header cells
	headerH        float64
	title          []titleLine
	titleH         float64
	maxLines       int // lines a body cell may have (one full page)
	firstBodyTop   float64
	otherBodyTop   float64
	bodyBottom     float64
	titleSize      float64
	titleFirstSize float64
}

type titleLine struct {
	text string
	size float64
	bold bool
}

// placedRow is a body row laid out on a page.
type placedRow struct {
	cells [][]string
	top   float64
	h     float64
}

func newTableLayout(font *pdffont.Font, t TableDoc) *tableLayout {
	l := &tableLayout{font: font, size: t.FontSize, titleSize: 12, titleFirstSize: 14}
	if l.size == 0 {
		l.size = 11
	}
	l.lineH = l.size * 1.2
	l.pageW, l.pageH = a4Short, a4Long
	if t.Landscape {
		l.pageW, l.pageH = a4Long, a4Short
	}
	textW := l.pageW - marginLeft - marginRight
	total := 0.0
	for _, c := range t.Columns {
		total += colShare(c)
	}
	x := marginLeft
	for _, c := range t.Columns {
		cw := textW * colShare(c) / total
		l.colX = append(l.colX, x)
		l.colW = append(l.colW, cw)
		x += cw
	}
	for i, tl := range t.Title {
		size, bold := l.titleSize, false
		if i == 0 {
			size, bold = l.titleFirstSize, true
		}
		lines, _ := wrap(font, tl, textW, size, MaxTitleLines)
		for _, s := range lines {
			if len(l.title) < MaxTitleLines {
				l.title = append(l.title, titleLine{text: s, size: size, bold: bold})
				l.titleH += size * 1.25
			}
		}
	}
	headerLines := 0
	for i, c := range t.Columns {
		lines, _ := wrap(font, c.Title, l.colW[i]-2*cellPad, l.size, 6)
		l.header = append(l.header, lines)
		headerLines = max(headerLines, len(lines))
	}
	l.headerH = float64(max(headerLines, 1))*l.lineH + 2*cellPad
	l.otherBodyTop = l.pageH - marginTop - l.headerH
	l.firstBodyTop = l.otherBodyTop
	if l.titleH > 0 {
		l.firstBodyTop -= l.titleH + titleGap
	}
	l.bodyBottom = marginBottom
	l.maxLines = max(1, int((l.otherBodyTop-l.bodyBottom-2*cellPad)/l.lineH))
	return l
}

func colShare(c Column) float64 {
	if c.Width <= 0 {
		return 1
	}
	return c.Width
}

// paginate wraps every row and places it on a page. A row that does not
// fit below the previous one starts a new page; a row taller than a whole
// page was already cut to maxLines by wrap, so each row is placed once.
func (l *tableLayout) paginate(t TableDoc) [][]placedRow {
	pages := [][]placedRow{nil}
	top := l.firstBodyTop
	for _, r := range t.Rows {
		cells := make([][]string, len(t.Columns))
		n := 1
		for i := range t.Columns {
			if i < len(r) {
				lines, cut := wrap(l.font, r[i], l.colW[i]-2*cellPad, l.size, l.maxLines)
				if cut {
					lines = markCut(l.font, lines, l.colW[i]-2*cellPad, l.size)
				}
				cells[i] = lines
				n = max(n, len(lines))
			}
		}
		h := float64(n)*l.lineH + 2*cellPad
		if top-h < l.bodyBottom-0.01 && (len(pages[len(pages)-1]) > 0 || len(pages) == 1) {
			pages = append(pages, nil)
			top = l.otherBodyTop
		}
		pages[len(pages)-1] = append(pages[len(pages)-1], placedRow{cells: cells, top: top, h: h})
		top -= h
	}
	return pages
}

// render writes the pages laid out by paginate.
func (l *tableLayout) render(w io.Writer, t TableDoc, pages [][]placedRow) error {
	d := &document{}
	use := pdffont.NewUse(l.font)
	pagesRef := d.reserve()
	contents := make([][]byte, len(pages))
	for i, rows := range pages {
		var cs bytes.Buffer
		cs.WriteString("q 0 0 0 RG 0 0 0 rg 0.5 w\n")
		if i == 0 {
			y := l.pageH - marginTop
			for _, tl := range l.title {
				y -= tl.size * 1.25
				x := (l.pageW - l.font.Width(tl.text, tl.size)) / 2
				l.text(&cs, use, tl.text, x, y+tl.size*0.25, tl.size, tl.bold)
			}
		}
		headerTop := l.otherBodyTop + l.headerH
		if i == 0 {
			headerTop = l.firstBodyTop + l.headerH
		}
		// Header: grey fill, grid, bold centred titles.
		fmt.Fprintf(&cs, "0.9 g %s %s %s %s re f 0 g\n", f(marginLeft), f(headerTop-l.headerH), f(l.colX[len(l.colX)-1]+l.colW[len(l.colW)-1]-marginLeft), f(l.headerH))
		for c := range l.colX {
			l.cell(&cs, use, l.header[c], c, headerTop, l.headerH, AlignCenter, true)
		}
		for _, r := range rows {
			for c := range l.colX {
				l.cell(&cs, use, r.cells[c], c, r.top, r.h, t.Columns[c].Align, false)
			}
		}
		footer := fmt.Sprintf("Trang %d/%d", i+1, len(pages))
		l.text(&cs, use, footer, (l.pageW-l.font.Width(footer, footerSize))/2, marginBottom/2, footerSize, false)
		cs.WriteString("Q\n")
		contents[i] = cs.Bytes()
	}
	fontRef := use.Embed(d)
	res := d.Add(pdf.Dict{"Font": pdf.Dict{"F1": fontRef}, "ProcSet": pdf.Array{pdf.Name("PDF"), pdf.Name("Text")}})
	var kids pdf.Array
	// One compressor for every page: a new one per page allocates its
	// tables again, which was most of the time for a long register.
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	for _, c := range contents {
		zbuf.Reset()
		zw.Reset(&zbuf)
		zw.Write(c)
		if err := zw.Close(); err != nil {
			return err
		}
		data := bytes.Clone(zbuf.Bytes())
		content := d.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: data})
		kids = append(kids, d.Add(pdf.Dict{
			"Type": pdf.Name("Page"), "Parent": pagesRef,
			"MediaBox":  pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(l.pageW), pdf.Real(l.pageH)},
			"Resources": res, "Contents": content,
		}))
	}
	d.set(pagesRef, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": kids, "Count": pdf.Integer(len(kids))})
	catalog := d.Add(pdf.Dict{
		"Type": pdf.Name("Catalog"), "Pages": pagesRef, "Lang": pdf.String("vi-VN"),
		"ViewerPreferences": pdf.Dict{"DisplayDocTitle": pdf.Bool(true)},
	})
	info := d.Add(pdf.Dict{"Title": textString(strings.Join(t.Title, " – ")), "Producer": pdf.String("chinhquyen")})
	return d.write(w, catalog, info)
}

// cell draws the frame of column c's cell whose top edge is at top and
// its lines inside it.
func (l *tableLayout) cell(cs *bytes.Buffer, use *pdffont.Use, lines []string, c int, top, h float64, align Align, bold bool) {
	x, cw := l.colX[c], l.colW[c]
	fmt.Fprintf(cs, "%s %s %s %s re S\n", f(x), f(top-h), f(cw), f(h))
	for i, s := range lines {
		if s == "" {
			continue
		}
		tx := x + cellPad
		switch align {
		case AlignCenter:
			tx = x + (cw-l.font.Width(s, l.size))/2
		case AlignRight:
			tx = x + cw - cellPad - l.font.Width(s, l.size)
		}
		y := top - cellPad - float64(i)*l.lineH - l.size*ascent
		l.text(cs, use, s, tx, y, l.size, bold)
	}
}

// text shows s with its baseline at (x, y). Bold is drawn by also
// stroking the outlines (one embedded face keeps documents small).
func (l *tableLayout) text(cs *bytes.Buffer, use *pdffont.Use, s string, x, y, size float64, bold bool) {
	mode := "0 Tr"
	if bold {
		mode = fmt.Sprintf("2 Tr %s w", f(size*0.03))
	}
	fmt.Fprintf(cs, "BT /F1 %s Tf %s 1 0 0 1 %s %s Tm %s Tj ET\n", f(size), mode, f(x), f(y), use.Encode(s))
	if bold {
		cs.WriteString("0.5 w\n")
	}
}

func f(v float64) string { return pdf.FormatReal(v) }

// clean normalises cell text: NFC, CR LF and CR as line breaks, tabs and
// other spaces as a space, other control characters dropped; at most
// maxCellRunes runes are kept.
func clean(s string) string {
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxCellRunes {
			break
		}
		n++
		switch {
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\ufeff':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrap breaks s into lines no wider than width at size points: at spaces,
// and inside a word only when the word alone is wider than the line. It
// stops after maxLines lines and reports whether text was left over.
func wrap(font *pdffont.Font, s string, width, size float64, maxLines int) (lines []string, cut bool) {
	s = clean(s)
	if strings.TrimSpace(s) == "" {
		return nil, false
	}
	space := font.Width(" ", size)
	emit := func(line string) bool {
		if len(lines) == maxLines {
			cut = true
			return false
		}
		lines = append(lines, line)
		return true
	}
	for _, para := range strings.Split(s, "\n") {
		line, lineW := "", 0.0
		for _, word := range strings.Fields(para) {
			ww := font.Width(word, size)
			if line != "" && lineW+space+ww <= width {
				line, lineW = line+" "+word, lineW+space+ww
				continue
			}
			if line != "" {
				if !emit(line) {
					return lines, cut
				}
				line, lineW = "", 0
			}
			// A word wider than the line is broken between letters.
			for ww > width {
				var part []rune
				pw := 0.0
				rest := []rune(word)
				for len(rest) > 0 {
					rw := font.Width(string(rest[0]), size)
					if len(part) > 0 && pw+rw > width {
						break
					}
					part, pw, rest = append(part, rest[0]), pw+rw, rest[1:]
				}
				if !emit(string(part)) {
					return lines, cut
				}
				word = string(rest)
				ww = font.Width(word, size)
			}
			line, lineW = word, ww
		}
		if line != "" || strings.TrimSpace(para) == "" {
			if !emit(line) {
				return lines, cut
			}
		}
	}
	// Trailing blank lines add height and show nothing.
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines, cut
}

// markCut ends the last line with CutMarker, shortening it until both fit.
func markCut(font *pdffont.Font, lines []string, width, size float64) []string {
	if len(lines) == 0 {
		return []string{CutMarker}
	}
	last := []rune(lines[len(lines)-1])
	for len(last) > 0 && font.Width(string(last)+" "+CutMarker, size) > width {
		last = last[:len(last)-1]
	}
	s := strings.TrimRight(string(last), " ")
	if s == "" {
		s = CutMarker
	} else {
		s += " " + CutMarker
	}
	lines[len(lines)-1] = s
	return lines
}
