package locale

import (
	"slices"
	"testing"
)

func TestFoldRemovesDiacriticsIncludingStrokeD(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"city", "Đà Nẵng", "da nang"},
		{"person", "Nguyễn Văn Đức", "nguyen van duc"},
		{"upper", "ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"},
		{"horn letters", "Thừa Thiên Huế, Ơn", "thua thien hue, on"},
		{"combining marks", "Nguye\u0302\u0303n", "nguyen"},
		{"ascii", "UBND-VP 05/QĐ", "ubnd-vp 05/qd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Fatalf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNFCComposesDecomposedInput(t *testing.T) {
	decomposed := "Đa\u0306\u0301k La\u0306\u0301k " // Đắk Lắk with combining marks
	if got := NFC(decomposed); got != "Đắk Lắk" {
		t.Fatalf("NFC = %q (% x)", got, got)
	}
}

func TestVietnameseCollationOrder(t *testing.T) {
	names := []string{"Đồng Tháp", "Điện Biên", "Cà Mau", "An Giang", "Dak", "Ăn", "Bắc Ninh", "Âu"}
	SortFunc(names, func(s string) string { return s })
	want := []string{"An Giang", "Ăn", "Âu", "Bắc Ninh", "Cà Mau", "Dak", "Điện Biên", "Đồng Tháp"}
	if !slices.Equal(names, want) {
		t.Fatalf("sorted = %q, want %q", names, want)
	}
	if Compare("Đà Lạt", "Dương") <= 0 {
		t.Fatal("đ must sort after d")
	}
}
