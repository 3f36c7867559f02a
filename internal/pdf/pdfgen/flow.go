package pdfgen

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
)

// FlowDoc is a portrait A4 document whose blocks are laid out top to
// bottom, page after page, between the margins of Decree 30/2020
// Appendix I: the printed forms of an administrative service (a receipt,
// a slip, a notice). Paragraphs break between lines and grids between
// rows (the grid's header repeated); a Row or a Matrix is never split.
// When the document takes more than one page, "Trang i/n" is printed at
// the bottom of every page.
type FlowDoc struct {
	// Title is the document's title in its properties (not printed).
	Title string
	// FontSize of paragraphs and grids that do not set theirs (default 13,
	// the body size of Decree 30).
	FontSize float64
	Blocks   []Block
}

// Block is one element of a FlowDoc: Para, Row, Grid, Matrix or Space.
type Block interface{ flowBlock() }

// Para is a paragraph: wrapped between the margins (or inside its Row
// cell), each line placed by Align; a line break in Text starts a new line.
type Para struct {
	Text string
	// Size in points; 0 is the document's FontSize.
	Size   float64
	Bold   bool
	Italic bool
	Align  Align
	// Indent moves every line right, in points.
	Indent float64
	// Rule draws a line under the paragraph, centred under its widest line
	// and that long times Rule (1 = as long; Decree 30 puts one under the
	// motto and a shorter one, about 1/3, under the agency's name); 0 draws
	// none.
	Rule float64
	// SpaceBefore, in points, above the first line (not at the top of a
	// page).
	SpaceBefore float64
}

// Row places cells side by side (the agency and motto block at the top of
// a form, the signature blocks at its end). Cells hold Para, Matrix and
// Space blocks. A row stays on one page.
type Row struct {
	// Widths are relative, as Column.Width; zero counts as 1.
	Widths      []float64
	Cells       [][]Block
	SpaceBefore float64
}

// Grid is a table inside the flow, as wide as the text: a header row (grey,
// bold, centred, repeated on the next page) and body rows.
type Grid struct {
	Columns     []Column
	Rows        [][]string
	Size        float64
	SpaceBefore float64
}

// Matrix draws a two-dimensional code, such as a QR code, as vector
// squares: Modules[y][x] is true for a dark module. Side is the width of
// the modules in points (the quiet zone around it is left blank by the
// caller's layout, QuietModules modules wide on each side).
type Matrix struct {
	Modules      [][]bool
	Side         float64
	QuietModules int
	Align        Align
	SpaceBefore  float64
}

// Space is vertical space in points (dropped at the top of a page).
type Space float64

func (Para) flowBlock()   {}
func (Row) flowBlock()    {}
func (Grid) flowBlock()   {}
func (Matrix) flowBlock() {}
func (Space) flowBlock()  {}

// Limits of a flowing document.
const (
	MaxBlocks     = 5_000
	MaxMatrixSide = 177 // the largest QR code (version 40)
	maxParaLines  = 2_000
)

// lineFactor is the line height of flowing text per point of size.
const lineFactor = 1.2

// italicSkew slants the regular face for italic text (one face embedded).
const italicSkew = 0.21

// Flow writes d as a PDF. Errors: EINVALID for a document past the limits,
// a grid row wider than its header, a row without cells or a block a Row
// cell cannot hold.
func Flow(w io.Writer, d FlowDoc) error {
	if err := d.Validate(); err != nil {
		return err
	}
	font, err := pdffont.Serif()
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "Không nạp được phông chữ để in biểu mẫu.")
	}
	l := &flowLayout{font: font, use: pdffont.NewUse(font), size: d.FontSize}
	if l.size == 0 {
		l.size = 13
	}
	l.newPage()
	for _, b := range d.Blocks {
		l.block(b)
	}
	return l.render(w, d.Title)
}

// Validate checks the document before anything is laid out.
func (d *FlowDoc) Validate() error {
	if len(d.Blocks) > MaxBlocks {
		return apperr.FieldError("blocks", "Tài liệu có quá nhiều phần (tối đa %d).", MaxBlocks)
	}
	if !validSize(d.FontSize) {
		return apperr.FieldError("font_size", "Cỡ chữ phải từ 6 đến 30.")
	}
	for i, b := range d.Blocks {
		if err := validBlock(b, false); err != nil {
			field := "blocks"
			if ae, ok := err.(*apperr.Error); ok && ae.Field != "" {
				field = ae.Field
			}
			return apperr.FieldError(field, "Phần %d của tài liệu: %s", i+1, apperr.MessageOf(err))
		}
	}
	return nil
}

func validSize(s float64) bool { return s == 0 || within(s, 6, 30) }

// within reports lo <= v <= hi (false for NaN).
func within(v, lo, hi float64) bool { return v >= lo && v <= hi }

func validBlock(b Block, inCell bool) error {
	switch b := b.(type) {
	case Para:
		if !validSize(b.Size) || !within(b.Indent, 0, 300) || !within(b.Rule, 0, 1) || !within(b.SpaceBefore, 0, 300) {
			return apperr.FieldError("blocks", "Đoạn văn có cỡ chữ, lề hoặc khoảng cách không hợp lệ.")
		}
	case Space:
		if !within(float64(b), 0, 800) {
			return apperr.FieldError("blocks", "Khoảng trống không hợp lệ.")
		}
	case Matrix:
		n := len(b.Modules)
		if n == 0 || n > MaxMatrixSide || !within(b.Side, 1, 400) || b.QuietModules < 0 || b.QuietModules > 10 || !within(b.SpaceBefore, 0, 300) {
			return apperr.FieldError("blocks", "Mã hai chiều không hợp lệ.")
		}
		for _, r := range b.Modules {
			if len(r) != n {
				return apperr.FieldError("blocks", "Mã hai chiều phải vuông.")
			}
		}
	case Row:
		if inCell {
			return apperr.FieldError("blocks", "Một ô không chứa được hàng hoặc bảng.")
		}
		if len(b.Cells) == 0 || len(b.Cells) > 12 || len(b.Widths) > len(b.Cells) || !within(b.SpaceBefore, 0, 300) {
			return apperr.FieldError("blocks", "Hàng cần từ 1 đến 12 ô.")
		}
		for _, w := range b.Widths {
			if !within(w, 0, 1e6) {
				return apperr.FieldError("blocks", "Độ rộng ô không hợp lệ.")
			}
		}
		for _, c := range b.Cells {
			for _, cb := range c {
				if err := validBlock(cb, true); err != nil {
					return err
				}
			}
		}
	case Grid:
		if inCell {
			return apperr.FieldError("blocks", "Một ô không chứa được hàng hoặc bảng.")
		}
		t := TableDoc{Columns: b.Columns, Rows: b.Rows, FontSize: b.Size}
		if err := t.Validate(); err != nil {
			return err
		}
		if !within(b.SpaceBefore, 0, 300) {
			return apperr.FieldError("blocks", "Khoảng cách trước bảng không hợp lệ.")
		}
	case nil:
		return apperr.FieldError("blocks", "Phần trống.")
	default:
		return apperr.FieldError("blocks", "Loại phần không được hỗ trợ.")
	}
	return nil
}

// flowLayout lays blocks out page by page, writing each page's content
// stream as it goes.
type flowLayout struct {
	font  *pdffont.Font
	use   *pdffont.Use
	size  float64
	pages []*bytes.Buffer
	y     float64 // top of the free space on the current page
}

const (
	flowTop    = a4Long - marginTop
	flowBottom = marginBottom
	flowWidth  = a4Short - marginLeft - marginRight
)

func (l *flowLayout) cs() *bytes.Buffer { return l.pages[len(l.pages)-1] }

func (l *flowLayout) newPage() {
	var b bytes.Buffer
	b.WriteString("q 0 0 0 RG 0 0 0 rg 0.5 w\n")
	l.pages = append(l.pages, &b)
	l.y = flowTop
}

// atTop reports whether nothing was placed on the current page yet.
func (l *flowLayout) atTop() bool { return l.y >= flowTop }

// gap moves down by space unless at the top of a page.
func (l *flowLayout) gap(space float64) {
	if !l.atTop() {
		l.y -= space
	}
}

// ensure starts a new page when h does not fit below y (unless the page
// is still empty: then it is placed anyway and runs over the margin).
func (l *flowLayout) ensure(h float64) {
	if l.y-h < flowBottom-0.01 && !l.atTop() {
		l.newPage()
	}
}

func (l *flowLayout) block(b Block) {
	switch b := b.(type) {
	case Space:
		l.gap(float64(b))
		if l.y < flowBottom {
			l.newPage()
		}
	case Para:
		l.gap(b.SpaceBefore)
		size := l.sizeOf(b.Size)
		lines, _ := wrap(l.font, b.Text, flowWidth-b.Indent, size, maxParaLines)
		lh := size * lineFactor
		for i, s := range lines {
			l.ensure(lh)
			l.line(b, s, marginLeft, flowWidth, l.y, size)
			l.y -= lh
			if i == len(lines)-1 {
				l.rule(b, lines, marginLeft, flowWidth, l.y, size)
			}
		}
	case Matrix:
		l.gap(b.SpaceBefore)
		h := b.Side * float64(len(b.Modules)+2*b.QuietModules) / float64(len(b.Modules))
		l.ensure(h)
		l.matrix(b, marginLeft, flowWidth, l.y)
		l.y -= h
	case Row:
		l.gap(b.SpaceBefore)
		l.row(b)
	case Grid:
		l.gap(b.SpaceBefore)
		l.grid(b)
	}
}

func (l *flowLayout) sizeOf(s float64) float64 {
	if s == 0 {
		return l.size
	}
	return s
}

// line shows one line of a paragraph whose line box starts at top.
func (l *flowLayout) line(p Para, s string, x, width, top, size float64) {
	if s == "" {
		return
	}
	x += p.Indent
	width -= p.Indent
	switch p.Align {
	case AlignCenter:
		x += (width - l.font.Width(s, size)) / 2
	case AlignRight:
		x += width - l.font.Width(s, size)
	}
	showText(l.cs(), l.use, s, x, top-size*ascent, size, p.Bold, p.Italic)
}

// rule draws the paragraph's rule just below the line box ending at bottom.
func (l *flowLayout) rule(p Para, lines []string, x, width, bottom, size float64) {
	if p.Rule == 0 || len(lines) == 0 {
		return
	}
	widest := 0.0
	for _, s := range lines {
		widest = max(widest, l.font.Width(s, size))
	}
	x += p.Indent
	width -= p.Indent
	rw := widest * p.Rule
	var rx float64
	switch p.Align {
	case AlignCenter:
		rx = x + (width-rw)/2
	case AlignRight:
		rx = x + width - widest + (widest-rw)/2
	default:
		rx = x + (widest-rw)/2
	}
	y := bottom - size*0.1 // below the descenders and the dots under letters
	fmt.Fprintf(l.cs(), "%s %s m %s %s l S\n", f(rx), f(y), f(rx+rw), f(y))
}

// matrix draws m's dark modules in a box of width at top: one rectangle
// per horizontal run, in a coordinate system of one unit per module
// (origin at the code's top-left corner, y down), so the drawing is small
// and the modules can be read back exactly.
func (l *flowLayout) matrix(m Matrix, x, width, top float64) {
	n := len(m.Modules)
	unit := m.Side / float64(n)
	full := m.Side + 2*float64(m.QuietModules)*unit
	switch m.Align {
	case AlignCenter:
		x += (width - full) / 2
	case AlignRight:
		x += width - full
	}
	ox := x + float64(m.QuietModules)*unit
	oy := top - float64(m.QuietModules)*unit
	cs := l.cs()
	fmt.Fprintf(cs, "q %s 0 0 %s %s %s cm\n", f(unit), f(-unit), f(ox), f(oy))
	for y, r := range m.Modules {
		for xx := 0; xx < n; {
			if !r[xx] {
				xx++
				continue
			}
			start := xx
			for xx < n && r[xx] {
				xx++
			}
			fmt.Fprintf(cs, "%d %d %d 1 re\n", start, y, xx-start)
		}
	}
	cs.WriteString("f Q\n")
}

// cellHeight measures blocks laid out in a cell of width w.
func (l *flowLayout) cellHeight(blocks []Block, w float64) float64 {
	h := 0.0
	for i, b := range blocks {
		switch b := b.(type) {
		case Space:
			h += float64(b)
		case Para:
			if i > 0 {
				h += b.SpaceBefore
			}
			size := l.sizeOf(b.Size)
			lines, _ := wrap(l.font, b.Text, w-b.Indent, size, maxParaLines)
			h += float64(len(lines)) * size * lineFactor
		case Matrix:
			if i > 0 {
				h += b.SpaceBefore
			}
			h += b.Side * float64(len(b.Modules)+2*b.QuietModules) / float64(len(b.Modules))
		}
	}
	return h
}

// row places the cells of r side by side at y, on a new page if needed.
func (l *flowLayout) row(r Row) {
	total := 0.0
	widths := make([]float64, len(r.Cells))
	for i := range r.Cells {
		widths[i] = 1
		if i < len(r.Widths) && r.Widths[i] > 0 {
			widths[i] = r.Widths[i]
		}
		total += widths[i]
	}
	h := 0.0
	for i, c := range r.Cells {
		widths[i] = flowWidth * widths[i] / total
		h = max(h, l.cellHeight(c, widths[i]))
	}
	l.ensure(h)
	x := marginLeft
	for i, c := range r.Cells {
		w := widths[i]
		top := l.y
		for j, b := range c {
			switch b := b.(type) {
			case Space:
				top -= float64(b)
			case Para:
				if j > 0 {
					top -= b.SpaceBefore
				}
				size := l.sizeOf(b.Size)
				lines, _ := wrap(l.font, b.Text, w-b.Indent, size, maxParaLines)
				for _, s := range lines {
					l.line(b, s, x, w, top, size)
					top -= size * lineFactor
				}
				l.rule(b, lines, x, w, top, size)
			case Matrix:
				if j > 0 {
					top -= b.SpaceBefore
				}
				l.matrix(b, x, w, top)
				top -= b.Side * float64(len(b.Modules)+2*b.QuietModules) / float64(len(b.Modules))
			}
		}
		x += w
	}
	l.y -= h
}

// grid draws g row by row; a row that does not fit goes to the next page
// under a repeated header, and one taller than a page is cut with
// CutMarker as Table cuts it.
func (l *flowLayout) grid(g Grid) {
	size := l.sizeOf(g.Size)
	lh := size * lineFactor
	total := 0.0
	for _, c := range g.Columns {
		total += colShare(c)
	}
	colX := make([]float64, len(g.Columns))
	colW := make([]float64, len(g.Columns))
	x := marginLeft
	for i, c := range g.Columns {
		colX[i], colW[i] = x, flowWidth*colShare(c)/total
		x += colW[i]
	}
	header := make([][]string, len(g.Columns))
	n := 1
	for i, c := range g.Columns {
		header[i], _ = wrap(l.font, c.Title, colW[i]-2*cellPad, size, 6)
		n = max(n, len(header[i]))
	}
	headerH := float64(n)*lh + 2*cellPad
	maxLines := max(1, int((flowTop-flowBottom-headerH-2*cellPad)/lh))
	drawHeader := func() {
		cs := l.cs()
		fmt.Fprintf(cs, "0.9 g %s %s %s %s re f 0 g\n", f(marginLeft), f(l.y-headerH), f(flowWidth), f(headerH))
		for i := range g.Columns {
			l.gridCell(header[i], colX[i], colW[i], l.y, headerH, size, AlignCenter, true)
		}
		l.y -= headerH
	}
	first := true
	for _, r := range g.Rows {
		cells := make([][]string, len(g.Columns))
		n := 1
		for i := range g.Columns {
			if i < len(r) {
				lines, cut := wrap(l.font, r[i], colW[i]-2*cellPad, size, maxLines)
				if cut {
					lines = markCut(l.font, lines, colW[i]-2*cellPad, size)
				}
				cells[i] = lines
				n = max(n, len(lines))
			}
		}
		h := float64(n)*lh + 2*cellPad
		if first {
			l.ensure(headerH + h)
			drawHeader()
			first = false
		} else if l.y-h < flowBottom-0.01 {
			l.newPage()
			drawHeader()
		}
		for i := range g.Columns {
			l.gridCell(cells[i], colX[i], colW[i], l.y, h, size, g.Columns[i].Align, false)
		}
		l.y -= h
	}
	if first {
		l.ensure(headerH)
		drawHeader()
	}
}

func (l *flowLayout) gridCell(lines []string, x, w, top, h, size float64, align Align, bold bool) {
	cs := l.cs()
	fmt.Fprintf(cs, "%s %s %s %s re S\n", f(x), f(top-h), f(w), f(h))
	for i, s := range lines {
		if s == "" {
			continue
		}
		tx := x + cellPad
		switch align {
		case AlignCenter:
			tx = x + (w-l.font.Width(s, size))/2
		case AlignRight:
			tx = x + w - cellPad - l.font.Width(s, size)
		}
		showText(cs, l.use, s, tx, top-cellPad-float64(i)*size*lineFactor-size*ascent, size, bold, false)
	}
}

// showText shows s with its baseline at (x, y): bold by also stroking the
// outlines, italic by slanting the text matrix (one embedded face keeps
// documents small).
func showText(cs *bytes.Buffer, use *pdffont.Use, s string, x, y, size float64, bold, italic bool) {
	mode := "0 Tr"
	if bold {
		mode = fmt.Sprintf("2 Tr %s w", f(size*0.03))
	}
	skew := "0"
	if italic {
		skew = f(italicSkew)
	}
	fmt.Fprintf(cs, "BT /F1 %s Tf %s 1 0 %s 1 %s %s Tm %s Tj ET\n", f(size), mode, skew, f(x), f(y), use.Encode(s))
	if bold {
		cs.WriteString("0.5 w\n")
	}
}

// render writes the laid-out pages, with "Trang i/n" when there are
// several.
func (l *flowLayout) render(w io.Writer, title string) error {
	if len(l.pages) > 1 {
		for i, cs := range l.pages {
			footer := fmt.Sprintf("Trang %d/%d", i+1, len(l.pages))
			showText(cs, l.use, footer, (a4Short-l.font.Width(footer, footerSize))/2, marginBottom/2, footerSize, false, false)
		}
	}
	d := &document{}
	pagesRef := d.reserve()
	var kids pdf.Array
	var contents []pdf.Ref
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	for _, cs := range l.pages {
		cs.WriteString("Q\n")
		zbuf.Reset()
		zw.Reset(&zbuf)
		zw.Write(cs.Bytes())
		if err := zw.Close(); err != nil {
			return err
		}
		contents = append(contents, d.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: bytes.Clone(zbuf.Bytes())}))
	}
	fontRef := l.use.Embed(d)
	res := d.Add(pdf.Dict{"Font": pdf.Dict{"F1": fontRef}, "ProcSet": pdf.Array{pdf.Name("PDF"), pdf.Name("Text")}})
	for _, c := range contents {
		kids = append(kids, d.Add(pdf.Dict{
			"Type": pdf.Name("Page"), "Parent": pagesRef,
			"MediaBox":  pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(a4Short), pdf.Real(a4Long)},
			"Resources": res, "Contents": c,
		}))
	}
	d.set(pagesRef, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": kids, "Count": pdf.Integer(len(kids))})
	catalog := d.Add(pdf.Dict{
		"Type": pdf.Name("Catalog"), "Pages": pagesRef, "Lang": pdf.String("vi-VN"),
		"ViewerPreferences": pdf.Dict{"DisplayDocTitle": pdf.Bool(true)},
	})
	info := d.Add(pdf.Dict{"Title": textString(clean(title)), "Producer": pdf.String("chinhquyen")})
	return d.write(w, catalog, info)
}
