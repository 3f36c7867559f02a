package pdfgen

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// outgoingRegister is the outgoing register of Decree 30/2020 Appendix IV
// (its ten columns, widths in millimetres) with n rows.
func outgoingRegister(n int) TableDoc {
	t := TableDoc{
		Title: []string{"SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Ủy ban nhân dân tỉnh Đồng Tháp", "Năm 2026 – Sổ văn bản thường"},
		Columns: []Column{
			{Title: "Số, ký hiệu văn bản", Width: 32, Align: AlignCenter},
			{Title: "Ngày tháng văn bản", Width: 26, Align: AlignCenter},
			{Title: "Tên loại và trích yếu nội dung văn bản", Width: 70},
			{Title: "Người ký", Width: 30},
			{Title: "Nơi nhận văn bản", Width: 40},
			{Title: "Đơn vị, người nhận bản lưu", Width: 28},
			{Title: "Số lượng bản", Width: 14, Align: AlignCenter},
			{Title: "Ngày chuyển", Width: 26, Align: AlignCenter},
			{Title: "Ký nhận", Width: 14},
			{Title: "Ghi chú", Width: 14},
		},
		Landscape: true,
	}
	summaries := []string{
		"Quyết định về việc phê duyệt kế hoạch phòng, chống thiên tai năm 2026 trên địa bàn tỉnh Đồng Tháp",
		"Công văn về việc đôn đốc triển khai chuyển đổi số trong các cơ quan hành chính nhà nước",
		"Thông báo kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp giao ban tháng",
	}
	for i := 1; i <= n; i++ {
		t.Rows = append(t.Rows, []string{
			fmt.Sprintf("%02d/QĐ-UBND", i), fmt.Sprintf("%02d/03/2026", 1+i%28), summaries[i%len(summaries)],
			"Trần Văn Đức", "Sở Nội vụ; Sở Tài chính;\nUBND các xã, phường", "VT, NC", "3", "05/03/2026", "", "",
		})
	}
	return t
}

func render(t *testing.T, td TableDoc) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Table(&buf, td); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pageText decodes what each page shows, one string per text operator,
// through the ToUnicode map the document carries: the check that needs
// no outside tool.
func pageText(t *testing.T, data []byte) (boxes [][4]float64, texts [][]string) {
	t.Helper()
	r, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := r.Pages()
	if err != nil {
		t.Fatal(err)
	}
	tj := regexp.MustCompile(`<([0-9A-F]*)> Tj`)
	bf := regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]+)>`)
	for _, p := range pages {
		box, err := r.PageBox(p)
		if err != nil {
			t.Fatal(err)
		}
		boxes = append(boxes, box)
		pd, _ := r.Dict(p)
		res, _ := r.Dict(pd["Resources"])
		fonts, _ := r.Dict(res["Font"])
		font, _ := r.Dict(fonts["F1"])
		if st, _ := font["Subtype"].(pdf.Name); st != "Type0" {
			t.Fatalf("font %v", font)
		}
		desc, _ := r.Resolve(font["DescendantFonts"]).(pdf.Array)
		cid, _ := r.Dict(desc[0])
		fd, _ := r.Dict(cid["FontDescriptor"])
		if _, ok := r.Resolve(fd["FontFile2"]).(*pdf.Stream); !ok {
			t.Fatal("the font is not embedded")
		}
		cmap := map[string]string{}
		tu, _ := r.Resolve(font["ToUnicode"]).(*pdf.Stream)
		cm, err := r.DecodeStream(tu)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bf.FindAllStringSubmatch(string(cm), -1) {
			var u []uint16
			for i := 0; i+4 <= len(m[2]); i += 4 {
				v, _ := strconv.ParseUint(m[2][i:i+4], 16, 16)
				u = append(u, uint16(v))
			}
			cmap[m[1]] = string(utf16Decode(u))
		}
		cs, _ := r.Resolve(pd["Contents"]).(*pdf.Stream)
		content, err := r.DecodeStream(cs)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, m := range tj.FindAllStringSubmatch(string(content), -1) {
			var s strings.Builder
			for i := 0; i+4 <= len(m[1]); i += 4 {
				c, ok := cmap[m[1][i:i+4]]
				if !ok {
					t.Fatalf("glyph %s has no ToUnicode entry", m[1][i:i+4])
				}
				s.WriteString(c)
			}
			page = append(page, s.String())
		}
		texts = append(texts, page)
	}
	return boxes, texts
}

func utf16Decode(u []uint16) []rune {
	var out []rune
	for i := 0; i < len(u); i++ {
		if u[i] >= 0xD800 && u[i] < 0xDC00 && i+1 < len(u) {
			out = append(out, rune(u[i]-0xD800)<<10+rune(u[i+1]-0xDC00)+0x10000)
			i++
			continue
		}
		out = append(out, rune(u[i]))
	}
	return out
}

// TestTableStructure checks a two-page register without outside tools:
// landscape A4 pages, the embedded font, the title on page 1 only, the
// header on both pages, every row once, "Trang i/2", and the whole text
// against a golden file (go test -update rewrites it).
func TestTableStructure(t *testing.T) {
	td := outgoingRegister(10)
	out := render(t, td)
	if !bytes.Equal(out, render(t, td)) {
		t.Fatal("the same table gave different bytes")
	}
	boxes, texts := pageText(t, out)
	if len(texts) != 2 {
		t.Fatalf("%d pages, want 2", len(texts))
	}
	var golden strings.Builder
	for i, page := range texts {
		if boxes[i] != [4]float64{0, 0, a4Long, a4Short} {
			t.Errorf("page %d box %v, want landscape A4", i+1, boxes[i])
		}
		joined := strings.Join(page, "\n")
		if got := strings.Contains(joined, "SỔ ĐĂNG KÝ VĂN BẢN ĐI"); got != (i == 0) {
			t.Errorf("page %d shows the title: %v", i+1, got)
		}
		for _, h := range []string{"Số, ký hiệu văn bản", "Tên loại và trích yếu nội dung văn bản", "Ghi chú"} {
			if !strings.Contains(strings.Join(page, " "), h) {
				t.Errorf("page %d lacks the header %q", i+1, h)
			}
		}
		if want := fmt.Sprintf("Trang %d/2", i+1); page[len(page)-1] != want {
			t.Errorf("page %d ends with %q, want %q", i+1, page[len(page)-1], want)
		}
		fmt.Fprintf(&golden, "== page %d\n%s\n", i+1, joined)
	}
	all := golden.String()
	for i := 1; i <= 10; i++ {
		if n := strings.Count(all, fmt.Sprintf("%02d/QĐ-UBND", i)); n != 1 {
			t.Errorf("row %d shown %d times", i, n)
		}
	}
	goldenFile(t, "table.golden.txt", []byte(all))
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// TestTableTools has qpdf check the file and pdftotext give back the
// Vietnamese text and the page numbers.
func TestTableTools(t *testing.T) {
	testenv.NeedTool(t, "qpdf", "qpdf")
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "register.pdf")
	if err := os.WriteFile(path, render(t, outgoingRegister(10)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-raw", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Ủy ban nhân dân tỉnh Đồng Tháp", "Trần Văn Đức",
		"10/QĐ-UBND", "Trang 1/2", "Trang 2/2", "thiên tai", "chuyển đổi số",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if pages := strings.Count(text, "\f"); pages != 2 {
		t.Errorf("pdftotext gives %d pages", pages)
	}
}

// TestTableCutsTallRow: a cell longer than a page is cut on one page with
// the marker; the next row goes on the next page; nothing loops.
func TestTableCutsTallRow(t *testing.T) {
	td := outgoingRegister(0)
	long := strings.Repeat("Nội dung rất dài của một ô không vừa một trang giấy. ", 2000)
	td.Rows = [][]string{{"01/QĐ-UBND", "02/01/2026", long}, {"02/QĐ-UBND", "03/01/2026", "Ngắn"}}
	_, texts := pageText(t, render(t, td))
	if len(texts) != 3 {
		t.Fatalf("%d pages, want 3 (title, the cut row, the next row)", len(texts))
	}
	p2 := strings.Join(texts[1], "\n")
	if !strings.Contains(p2, "01/QĐ-UBND") || !strings.HasSuffix(strings.TrimSuffix(p2, "\nTrang 2/3"), CutMarker) {
		t.Errorf("page 2 does not hold the cut row ending with the marker:\n%s", p2)
	}
	if !strings.Contains(strings.Join(texts[2], "\n"), "02/QĐ-UBND") {
		t.Error("the next row is not on page 3")
	}

	// Without a title the tall row starts on page 1.
	td.Title = nil
	_, texts = pageText(t, render(t, td))
	if len(texts) != 2 {
		t.Fatalf("%d pages without a title, want 2", len(texts))
	}
}

func TestTableEmptyAndShortRows(t *testing.T) {
	td := TableDoc{Columns: []Column{{Title: "Số đến"}, {Title: "Trích yếu", Width: 3}}}
	_, texts := pageText(t, render(t, td))
	if len(texts) != 1 || strings.Join(texts[0], "|") != "Số đến|Trích yếu|Trang 1/1" {
		t.Fatalf("empty table: %q", texts)
	}
	td.Rows = [][]string{{"1"}, {}, {"2", "Đảng ủy\r\nxã\tMỹ An\x00"}}
	_, texts = pageText(t, render(t, td))
	if got := strings.Join(texts[0], "|"); got != "Số đến|Trích yếu|1|2|Đảng ủy|xã Mỹ An|Trang 1/1" {
		t.Fatalf("short rows: %q", got)
	}
}

func TestTableValidate(t *testing.T) {
	col := []Column{{Title: "A"}}
	tests := []struct {
		name  string
		td    TableDoc
		field string
	}{
		{"no columns", TableDoc{}, "columns"},
		{"too many columns", TableDoc{Columns: make([]Column, MaxColumns+1)}, "columns"},
		{"negative width", TableDoc{Columns: []Column{{Width: -1}}}, "columns"},
		{"row wider than header", TableDoc{Columns: col, Rows: [][]string{{"a", "b"}}}, "rows"},
		{"too many title lines", TableDoc{Columns: col, Title: make([]string, MaxTitleLines+1)}, "title"},
		{"tiny font", TableDoc{Columns: col, FontSize: 2}, "font_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Table(&bytes.Buffer{}, tt.td)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tt.field {
				t.Fatalf("got %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	font, err := pdffont.Serif()
	if err != nil {
		t.Fatal(err)
	}
	w := font.Width("Ủy ban nhân dân", 11) + 1
	tests := []struct {
		name     string
		in       string
		maxLines int
		want     []string
		cut      bool
	}{
		{"fits", "Ủy ban", 5, []string{"Ủy ban"}, false},
		{"at spaces", "Ủy ban nhân dân tỉnh Đồng Tháp", 5, []string{"Ủy ban nhân dân", "tỉnh Đồng Tháp"}, false},
		{"decomposed input is NFC", "U\u031Bu\u0309y ban", 5, []string{"Ưủy ban"}, false},
		{"line breaks kept", "a\n\nb\n\n", 5, []string{"a", "", "b"}, false},
		{"long word broken", strings.Repeat("Đ", 40), 5, nil, false},
		{"cut", "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai mười ba", 2, nil, true},
		{"blank", " \t\n ", 5, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := wrap(font, tt.in, w, 11, tt.maxLines)
			if cut != tt.cut || len(got) > tt.maxLines {
				t.Fatalf("cut %v, %d lines: %q", cut, len(got), got)
			}
			for _, l := range got {
				if font.Width(l, 11) > w {
					t.Errorf("line %q is wider than the cell", l)
				}
			}
			if tt.want != nil && strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.name == "long word broken" && strings.Join(got, "") != strings.Repeat("Đ", 40) {
				t.Errorf("letters lost: %q", got)
			}
		})
	}
}

// FuzzWrap: whatever the text, lines fit the width (unless one letter is
// wider than it), there are at most maxLines of them, and without a cut
// no letter is lost.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"", "Ủy ban nhân dân tỉnh Đồng Tháp", "a\r\nb\tc", strings.Repeat("Đ", 200), "\u2028x\ufeff", "a  b   c"} {
		f.Add(s, 60.0, 3)
	}
	font, err := pdffont.Serif()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, width float64, maxLines int) {
		if !(width >= 1 && width <= 2000) || maxLines < 1 || maxLines > 100 || len(s) > 4000 {
			return
		}
		lines, cut := wrap(font, s, width, 11, maxLines)
		if len(lines) > maxLines {
			t.Fatalf("%d lines > %d", len(lines), maxLines)
		}
		for _, l := range lines {
			if font.Width(l, 11) > width+1e-9 && len([]rune(l)) > 1 {
				t.Fatalf("line %q wider than %v", l, width)
			}
		}
		if !cut {
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if strip(strings.Join(lines, "")) != strip(clean(s)) {
				t.Fatalf("text lost: %q → %q", s, lines)
			}
		}
	})
}

// BenchmarkTable prints a register of 1,000 rows (about 143 pages).
func BenchmarkTable(b *testing.B) {
	td := outgoingRegister(1000)
	for b.Loop() {
		var buf bytes.Buffer
		if err := Table(&buf, td); err != nil {
			b.Fatal(err)
		}
	}
}
