package smstext

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

const bulletin = "UBND xã Tân Phú thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30."

func TestBulletin(t *testing.T) {
	if n := utf8.RuneCountInString(bulletin); n != 106 {
		t.Fatalf("bulletin has %d characters, want 106", n)
	}
	if got, want := Measure(bulletin), (Count{UCS2, 2, 106}); got != want {
		t.Errorf("Measure(bulletin) = %+v, want %+v", got, want)
	}
	plain := Plain(bulletin)
	if want := "UBND xa Tan Phu thong bao: ngay 10/12/2026 tiem vac xin soi cho tre duoi 5 tuoi tai tram y te xa, tu 7h30."; plain != want {
		t.Errorf("Plain = %q, want %q", plain, want)
	}
	if got, want := Measure(plain), (Count{GSM7, 1, 106}); got != want {
		t.Errorf("Measure(plain) = %+v, want %+v", got, want)
	}
}

func TestMeasure(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	u := func(n int) string { return strings.Repeat("ư", n) }
	tests := []struct {
		name string
		text string
		want Count
	}{
		{"empty", "", Count{GSM7, 1, 0}},
		{"gsm 160", a(160), Count{GSM7, 1, 160}},
		{"gsm 161", a(161), Count{GSM7, 2, 161}},
		{"gsm 306", a(306), Count{GSM7, 2, 306}},
		{"gsm 307", a(307), Count{GSM7, 3, 307}},
		{"ucs2 70", u(70), Count{UCS2, 1, 70}},
		{"ucs2 71", u(71), Count{UCS2, 2, 71}},
		{"ucs2 134", u(134), Count{UCS2, 2, 134}},
		{"ucs2 135", u(135), Count{UCS2, 3, 135}},
		{"extension counts 2", "{}[]~|^\\€\f", Count{GSM7, 1, 20}},
		{"80 euros are 160 units", strings.Repeat("€", 80), Count{GSM7, 1, 160}},
		{"81 euros", strings.Repeat("€", 81), Count{GSM7, 2, 162}},
		// 152 basic then an extension character: it does not fit the 153rd
		// unit of the first part and moves to the second whole.
		{"escape not split", a(152) + "€" + a(152), Count{GSM7, 3, 306}},
		{"gsm greek and accents", "ΔΦΓΛΩΠΨΣΘΞ èéùìòÇ Ä Ö Ñ Ü ß", Count{GSM7, 1, 27}},
		{"vietnamese letter forces ucs2", a(100) + "ă", Count{UCS2, 2, 101}},
		{"emoji is a surrogate pair", "😀", Count{UCS2, 1, 2}},
		{"35 emoji fill one part", strings.Repeat("😀", 35), Count{UCS2, 1, 70}},
		// 66 units then a pair: the pair does not fit the 67th unit.
		{"surrogate not split", u(66) + "😀" + u(66), Count{UCS2, 3, 134}},
		{"curly quote is ucs2", "“a”", Count{UCS2, 1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Measure(tc.text); got != tc.want {
				t.Errorf("Measure = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	tests := map[string]string{
		"Đắk Lắk":                       "Dak Lak",
		"đường Nguyễn Huệ":              "duong Nguyen Hue",
		"Thừa Thiên Huế":                "Thua Thien Hue",
		"“Khẩn” – mưa lớn…":             "\"Khan\" - mua lon...",
		"Ủy ban\u00a0nhân dân":          "Uy ban nhan dan",
		"Hoa\u0300 Bi\u0300nh (NFD in)": "Hoa Binh (NFD in)",
		"  giữ khoảng trắng  ":          "  giu khoang trang  ",
	}
	// Another script's vowel signs are letters of its words, not diacritics.
	if khmer := "ភាសាខ្មែរ"; Plain(khmer) != khmer {
		t.Errorf("Plain(%q) = %q", khmer, Plain(khmer))
	}
	for in, want := range tests {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
		if !IsGSM(Plain(in)) {
			t.Errorf("Plain(%q) is not GSM", in)
		}
	}
}

func FuzzMeasure(f *testing.F) {
	for _, s := range []string{"", bulletin, Plain(bulletin), strings.Repeat("€", 81), "😀a", "\xff\xfe", strings.Repeat("ư", 135)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Measure(s)
		single, multi := 160, 153
		if c.Encoding == UCS2 {
			single, multi = 70, 67
		} else if !IsGSM(s) {
			t.Fatalf("GSM7 chosen for %q", s)
		}
		if c.Characters < 0 || c.Segments < 1 {
			t.Fatalf("Measure(%q) = %+v", s, c)
		}
		if c.Characters <= single && c.Segments != 1 {
			t.Fatalf("Measure(%q) = %+v: fits one part", s, c)
		}
		if c.Characters > single {
			lo := (c.Characters + multi - 1) / multi
			// Never split pairs can waste at most one unit per part.
			if c.Segments < lo || c.Segments > (c.Characters+multi-2)/(multi-1) {
				t.Fatalf("Measure(%q) = %+v: segments outside [%d, …]", s, c, lo)
			}
		}
		if c.Encoding == UCS2 && c.Characters != len(utf16.Encode([]rune(s))) {
			t.Fatalf("Measure(%q) = %+v: UTF-16 length %d", s, c, len(utf16.Encode([]rune(s))))
		}
		if p := Plain(s); !utf8.ValidString(p) {
			t.Fatalf("Plain(%q) = %q not UTF-8", s, p)
		}
	})
}
