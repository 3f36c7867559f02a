package pdfgen

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

func renderFlow(t *testing.T, d FlowDoc) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Flow(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// notice is a one-page form: a header row, a title, paragraphs, a grid,
// a signature row and a small code.
func notice() FlowDoc {
	return FlowDoc{
		Title: "Thông báo thử",
		Blocks: []Block{
			Row{Widths: []float64{45, 55}, Cells: [][]Block{
				{Para{Text: "ỦY BAN NHÂN DÂN XÃ BẮC HÀ", Size: 12, Bold: true, Align: AlignCenter, Rule: 0.35}},
				{
					Para{Text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Size: 12, Bold: true, Align: AlignCenter},
					Para{Text: "Độc lập - Tự do - Hạnh phúc", Bold: true, Align: AlignCenter, Rule: 1},
					Para{Text: "Bắc Hà, ngày 07 tháng 12 năm 2026", Italic: true, Align: AlignCenter, SpaceBefore: 6},
				},
			}},
			Para{Text: "THÔNG BÁO", Size: 14, Bold: true, Align: AlignCenter, SpaceBefore: 18},
			Para{Text: "Ủy ban nhân dân xã thông báo lịch tiếp công dân tháng 12 năm 2026.\nDòng thứ hai.", SpaceBefore: 12},
			Para{Text: "Mục thụt lề", Indent: 18},
			Grid{Columns: []Column{{Title: "STT", Width: 10, Align: AlignCenter}, {Title: "Nội dung", Width: 80}, {Title: "Số tiền", Width: 20, Align: AlignRight}},
				Rows: [][]string{{"1", "Lệ phí", "50.000"}, {"2"}}, Size: 12, SpaceBefore: 6},
			Space(10),
			Row{Cells: [][]Block{
				{Matrix{Modules: [][]bool{{true, false, true}, {false, true, false}, {true, true, true}}, Side: 30, QuietModules: 1}},
				nil,
				{Para{Text: "CHỦ TỊCH", Bold: true, Align: AlignCenter}, Space(40), Para{Text: "Hoàng Văn Bình", Bold: true, Align: AlignCenter}},
			}},
		},
	}
}

// TestFlowStructure: portrait A4, every text once in reading order, the
// same bytes twice, no page number on a one-page document, the rules
// and the matrix drawn, the text against a golden file.
func TestFlowStructure(t *testing.T) {
	out := renderFlow(t, notice())
	if !bytes.Equal(out, renderFlow(t, notice())) {
		t.Fatal("the same document gave different bytes")
	}
	boxes, texts := pageText(t, out)
	if len(texts) != 1 || boxes[0] != [4]float64{0, 0, a4Short, a4Long} {
		t.Fatalf("%d pages, box %v", len(texts), boxes)
	}
	joined := strings.Join(texts[0], "\n")
	want := "ỦY BAN NHÂN DÂN XÃ BẮC HÀ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n" +
		"Bắc Hà, ngày 07 tháng 12 năm 2026\nTHÔNG BÁO\n"
	if !strings.HasPrefix(joined, want) {
		t.Errorf("text begins:\n%s", joined)
	}
	if strings.Contains(joined, "Trang") {
		t.Error("a one-page document is numbered")
	}
	content := pageContent(t, out, 0)
	// Two rules (under the agency and under the motto), the italic skew,
	// the bold stroke, and the matrix's five runs in module units.
	if n := strings.Count(content, " l S\n"); n != 2 {
		t.Errorf("%d rules, want 2", n)
	}
	if !strings.Contains(content, " 1 0 0.21 1 ") || !strings.Contains(content, "2 Tr") {
		t.Error("no italic or bold text")
	}
	runs := regexp.MustCompile(`(?s) cm\n(.*?)f Q`).FindStringSubmatch(content)
	if runs == nil || runs[1] != "0 0 1 1 re\n2 0 1 1 re\n1 1 1 1 re\n0 2 3 1 re\n" {
		t.Errorf("matrix drawn as %q", runs)
	}
	goldenFile(t, "flow.golden.txt", []byte(joined+"\n"))
}

func pageContent(t *testing.T, data []byte, i int) string {
	t.Helper()
	r, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := r.Pages()
	if err != nil {
		t.Fatal(err)
	}
	pd, _ := r.Dict(pages[i])
	cs, _ := r.Resolve(pd["Contents"]).(*pdf.Stream)
	b, err := r.DecodeStream(cs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFlowPagination: a long paragraph and a long grid run over pages;
// the grid's header is repeated, every row is shown once, pages are
// numbered, and nothing is drawn below the bottom margin but the number.
func TestFlowPagination(t *testing.T) {
	var rows [][]string
	for i := 1; i <= 80; i++ {
		rows = append(rows, []string{strconv.Itoa(i), fmt.Sprintf("Hồ sơ số %03d của công dân", i)})
	}
	d := FlowDoc{Blocks: []Block{
		Para{Text: strings.Repeat("Nội dung một đoạn văn dài trải qua nhiều dòng. ", 120)},
		Grid{Columns: []Column{{Title: "STT", Width: 10}, {Title: "Tên hồ sơ", Width: 60}}, Rows: rows},
		Row{Cells: [][]Block{{Para{Text: "NGƯỜI KÝ", Bold: true}, Space(60), Para{Text: "Tên người ký"}}}},
	}}
	out := renderFlow(t, d)
	_, texts := pageText(t, out)
	n := len(texts)
	if n < 3 {
		t.Fatalf("%d pages", n)
	}
	all := ""
	for i, p := range texts {
		if want := fmt.Sprintf("Trang %d/%d", i+1, n); p[len(p)-1] != want {
			t.Errorf("page %d ends with %q, want %q", i+1, p[len(p)-1], want)
		}
		all += strings.Join(p, "\n") + "\n"
	}
	for i := 1; i <= 80; i++ {
		if c := strings.Count(all, fmt.Sprintf("Hồ sơ số %03d ", i)); c != 1 {
			t.Errorf("row %d shown %d times", i, c)
		}
	}
	headers := strings.Count(all, "Tên hồ sơ\n")
	if headers < 2 {
		t.Errorf("grid header shown %d times, want it on each page the grid spans", headers)
	}
	// Every baseline but the page number's sits above the bottom margin.
	tm := regexp.MustCompile(`1 0 \S+ 1 \S+ (\S+) Tm`)
	for i := range n {
		for _, m := range tm.FindAllStringSubmatch(pageContent(t, out, i), -1) {
			y, _ := strconv.ParseFloat(m[1], 64)
			if y < marginBottom && f(y) != f(marginBottom/2) {
				t.Errorf("page %d: text at y=%v below the margin", i+1, y)
			}
		}
	}
	if !strings.HasSuffix(strings.TrimSuffix(all, fmt.Sprintf("Trang %d/%d\n", n, n)), "NGƯỜI KÝ\nTên người ký\n") {
		t.Error("the signature row is not last")
	}
}

// TestFlowTools has qpdf check a flowing document and pdftotext give its
// text back.
func TestFlowTools(t *testing.T) {
	testenv.NeedTool(t, "qpdf", "qpdf")
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "notice.pdf")
	if err := os.WriteFile(path, renderFlow(t, notice()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-raw", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	for _, w := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Bắc Hà, ngày 07 tháng 12 năm 2026", "Lệ phí", "Hoàng Văn Bình"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("pdftotext lacks %q:\n%s", w, out)
		}
	}
}

func TestFlowValidate(t *testing.T) {
	tests := []struct {
		name  string
		d     FlowDoc
		field string
	}{
		{"font size", FlowDoc{FontSize: 3}, "font_size"},
		{"nil block", FlowDoc{Blocks: []Block{nil}}, "blocks"},
		{"para size", FlowDoc{Blocks: []Block{Para{Size: 100}}}, "blocks"},
		{"negative space", FlowDoc{Blocks: []Block{Space(-1)}}, "blocks"},
		{"NaN rule", FlowDoc{Blocks: []Block{Para{Rule: math.NaN()}}}, "blocks"},
		{"NaN width", FlowDoc{Blocks: []Block{Row{Widths: []float64{math.NaN()}, Cells: [][]Block{nil}}}}, "blocks"},
		{"empty row", FlowDoc{Blocks: []Block{Row{}}}, "blocks"},
		{"row in a row", FlowDoc{Blocks: []Block{Row{Cells: [][]Block{{Row{Cells: [][]Block{nil}}}}}}}, "blocks"},
		{"grid in a row", FlowDoc{Blocks: []Block{Row{Cells: [][]Block{{Grid{Columns: []Column{{}}}}}}}}, "blocks"},
		{"grid row too wide", FlowDoc{Blocks: []Block{Grid{Columns: []Column{{}}, Rows: [][]string{{"a", "b"}}}}}, "rows"},
		{"grid without columns", FlowDoc{Blocks: []Block{Grid{}}}, "columns"},
		{"matrix not square", FlowDoc{Blocks: []Block{Matrix{Modules: [][]bool{{true}, {true, false}}, Side: 10}}}, "blocks"},
		{"matrix without side", FlowDoc{Blocks: []Block{Matrix{Modules: [][]bool{{true}}}}}, "blocks"},
		{"too many blocks", FlowDoc{Blocks: make([]Block, MaxBlocks+1)}, "blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Flow(&bytes.Buffer{}, tt.d)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tt.field {
				t.Fatalf("got %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}

// TestFlowEmpty: an empty document is one blank page.
func TestFlowEmpty(t *testing.T) {
	_, texts := pageText(t, renderFlow(t, FlowDoc{}))
	if len(texts) != 1 || len(texts[0]) != 0 {
		t.Fatalf("empty document: %q", texts)
	}
}

// FuzzFlow: whatever the text, a flowing document of paragraphs, a row
// and a grid is written and opens.
func FuzzFlow(f *testing.F) {
	f.Add("Ủy ban nhân dân", "a\r\nb\tc", 13.0, 0.5)
	f.Add(strings.Repeat("Đ", 500), "\x00\ufeff", 6.0, 1.0)
	f.Fuzz(func(t *testing.T, a, b string, size, rule float64) {
		if len(a)+len(b) > 6000 {
			return
		}
		d := FlowDoc{Blocks: []Block{
			Para{Text: a, Size: size, Rule: rule, Bold: true},
			Row{Cells: [][]Block{{Para{Text: b, Italic: true}}, {Para{Text: a, Align: AlignRight}}}},
			Grid{Columns: []Column{{Title: a}, {Title: b}}, Rows: [][]string{{b, a}}},
		}}
		var buf bytes.Buffer
		if err := Flow(&buf, d); err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v", err)
			}
			return
		}
		if _, err := pdf.Open(buf.Bytes()); err != nil {
			t.Fatalf("does not open: %v", err)
		}
	})
}
