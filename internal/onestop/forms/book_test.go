package forms

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func bookData(n int) BookData {
	d := BookData{Agency: "Ủy ban nhân dân xã Bắc Hà", Field: "Hộ tịch", From: at("01/12/2026 00:00"), To: at("31/12/2026 00:00")}
	for i := 1; i <= n; i++ {
		r := BookRow{
			Code: fmt.Sprintf("H15.20.01-261207-%04d", i), Procedure: "Đăng ký khai sinh", Applicant: "Nguyễn Thị Hoa",
			Contact: "Thôn Na Hối, xã Bắc Hà; 0912345678", LeadAgency: "Ủy ban nhân dân xã Bắc Hà",
			ReceivedAt: at("07/12/2026 09:30"), DueAt: at("07/12/2026 16:00"), Delivery: "Trực tiếp",
		}
		if i%2 == 0 {
			r.ReturnedAt = at("07/12/2026 15:00")
		}
		d.Rows = append(d.Rows, r)
	}
	return d
}

// TestBook prints form 07: landscape A4, the title block with the field
// and period, the 11 columns on every page, every dossier once, the
// return date only where returned.
func TestBook(t *testing.T) {
	out, err := Book(bookData(3))
	if err != nil {
		t.Fatal(err)
	}
	texts, _, boxes := pageBoxText(t, out)
	if len(texts) != 1 || boxes[0][2] < boxes[0][3] {
		t.Fatalf("%d pages, box %v: want one landscape page", len(texts), boxes)
	}
	joined := strings.Join(texts[0], "\n")
	for _, w := range []string{"SỔ THEO DÕI HỒ SƠ", "Ủy ban nhân dân xã Bắc Hà", "Lĩnh vực: Hộ tịch", "Từ ngày 01/12/2026 đến ngày 31/12/2026",
		"STT", "Mã hồ sơ", "Phương thức nhận kết quả", "Ký nhận", "H15.20.01-261207-0003", "Trực tiếp", "Trang 1/1"} {
		if !strings.Contains(strings.Join(texts[0], " "), w) {
			t.Errorf("the book lacks %q", w)
		}
	}
	if n := strings.Count(joined, "07/12/2026"); n != 3*2+1 {
		t.Errorf("dates shown %d times, want 7 (received and due of 3, returned of 1)", n)
	}
	goldenFile(t, "book.golden.txt", []byte(joined+"\n"))

	out, err = Book(bookData(60))
	if err != nil {
		t.Fatal(err)
	}
	texts, _ = pageText(t, out)
	if len(texts) < 2 {
		t.Fatalf("%d pages for 60 dossiers", len(texts))
	}
	all := ""
	for _, p := range texts {
		all += strings.Join(p, "\n")
		if !strings.Contains(strings.Join(p, " "), "Cơ quan chủ trì giải quyết") {
			t.Error("a page lacks the header row")
		}
	}
	for i := 1; i <= 60; i++ {
		if n := strings.Count(all, fmt.Sprintf("-%04d", i)); n != 1 {
			t.Errorf("dossier %d shown %d times", i, n)
		}
	}
}

func TestBookValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		d     BookData
		field string
	}{
		{"no agency", BookData{}, "agency"},
		{"bad row", BookData{Agency: "A", Rows: []BookRow{{Code: "\xff"}}}, "rows"},
		{"too many rows", BookData{Agency: "A", Rows: make([]BookRow, MaxBookRows+1)}, "rows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Book(tt.d)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("got %v", err)
			}
			if e, ok := err.(*apperr.Error); !ok || e.Field != tt.field {
				t.Fatalf("got %v, want field %s", err, tt.field)
			}
		})
	}
}
