package locale

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
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

func TestCleanNameRefusesHiddenAndBidiCharacters(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means refused
	}{
		{"plain", "Nguyễn Văn An", "Nguyễn Văn An"},
		{"combining marks composed", "Nguye\u0302\u0303n  Thị\tBình ", "Nguyễn Thị Bình"},
		{"agency", "Ủy ban nhân dân tỉnh Lào Cai", "Ủy ban nhân dân tỉnh Lào Cai"},
		{"Khmer minority name", "Thạch Thị Sa Rươne", "Thạch Thị Sa Rươne"},
		{"right-to-left override", "Nguyễn \u202Ethị Mai", ""},
		{"left-to-right override", "\u202DUBND", ""},
		{"embedding", "A\u202Ab", ""},
		{"pop directional", "A\u202Cb", ""},
		{"isolate", "Lê\u2066Văn\u2069", ""},
		{"first strong isolate", "Lê\u2068Văn", ""},
		{"left-to-right mark", "Lê\u200EVăn", ""},
		{"right-to-left mark", "Lê\u200FVăn", ""},
		{"Arabic letter mark", "Lê\u061CVăn", ""},
		{"zero-width space", "Trần\u200BVăn", ""},
		{"zero-width non-joiner", "Trần\u200CVăn", ""},
		{"zero-width joiner", "Trần\u200DVăn", ""},
		{"word joiner", "Trần\u2060Văn", ""},
		{"byte order mark", "\uFEFFTrần Văn", ""},
		{"soft hyphen", "Trần Văn\u00ADĐức", ""},
		{"combining grapheme joiner", "Trần\u034FVăn", ""},
		{"Hangul filler", "Trần\u3164Văn", ""},
		{"variation selector", "Trần\uFE0FVăn", ""},
		{"tag character", "Trần\U000E0041Văn", ""},
		{"invisible times", "Trần\u2062Văn", ""},
		{"blank Braille pattern", "Trần\u2800Văn", ""},
		{"private use", "Trần\uE000Văn", ""},
		{"unassigned", "Trần\U0003FFFDVăn", ""},
		{"control", "Trần\x07Văn", ""},
		{"empty", " \u00A0 ", ""},
		{"invalid UTF-8", "Tr\xffần", ""},
		{"too long", strings.Repeat("a", 41), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanName("name", "Họ tên", tt.in, 40)
			if tt.want == "" {
				if apperr.CodeOf(err) != apperr.Invalid || !strings.HasPrefix(apperr.MessageOf(err), "Họ tên") {
					t.Fatalf("CleanName(%q) = %q, %v; want EINVALID about Họ tên", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CleanName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzCleanName: whatever CleanName accepts is NFC, trimmed, within its
// length, and free of hidden, bidirectional and control characters, and
// cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "A\u202Eb", "\u200B", "Lê\u2066Văn\u2069", "Đa\u0306\u0301k", "\uFEFF", "x\u00ADy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CleanName("name", "Tên", s, 200)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("CleanName(%q): %v", s, err)
			}
			return
		}
		if got == "" || len(got) > 200 || !norm.NFC.IsNormalString(got) || got != strings.TrimSpace(got) {
			t.Fatalf("CleanName(%q) = %q", s, got)
		}
		for _, r := range got {
			if isHidden(r) || unicode.IsControl(r) {
				t.Fatalf("CleanName(%q) = %q keeps U+%04X", s, got, r)
			}
		}
		if again, err := CleanName("name", "Tên", got, 200); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}
