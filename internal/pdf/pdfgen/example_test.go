package pdfgen_test

import (
	"bytes"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdfgen"
)

// An incoming register (Decree 30/2020 Appendix IV), widths in millimetres.
func ExampleTable() {
	var buf bytes.Buffer
	err := pdfgen.Table(&buf, pdfgen.TableDoc{
		Title: []string{"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Sở Nội vụ tỉnh Đồng Tháp – Năm 2026"},
		Columns: []pdfgen.Column{
			{Title: "Ngày đến", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Số đến", Width: 14, Align: pdfgen.AlignCenter},
			{Title: "Tác giả", Width: 35},
			{Title: "Số, ký hiệu văn bản", Width: 30},
			{Title: "Ngày tháng văn bản", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Tên loại và trích yếu nội dung văn bản", Width: 70},
			{Title: "Đơn vị hoặc người nhận", Width: 35},
			{Title: "Ngày chuyển", Width: 22, Align: pdfgen.AlignCenter},
			{Title: "Ký nhận", Width: 18},
			{Title: "Ghi chú", Width: 18},
		},
		Rows: [][]string{
			{"05/01/2026", "1", "UBND tỉnh Đồng Tháp", "12/UBND-VX", "02/01/2026", "Công văn về việc tổ chức Tết Nguyên đán", "Phòng Tổ chức", "05/01/2026"},
		},
		Landscape: true,
	})
	fmt.Println(err, bytes.HasPrefix(buf.Bytes(), []byte("%PDF-1.7")))
	// Output: <nil> true
}
