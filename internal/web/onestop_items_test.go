package web

import (
	"reflect"
	"strings"
	"testing"
)

func TestSupplementItems(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"1. Ký giấy đề nghị\n2) Bản sao CCCD\r\n\n  Ảnh 4x6  ", []string{"Ký giấy đề nghị", "Bản sao CCCD", "Ảnh 4x6"}},
		{"2026 là năm", []string{"2026 là năm"}},
		{"1.5 bản sao", []string{"1.5 bản sao"}},
		{"12.", nil},
		{" \n \n", nil},
	} {
		if got := supplementItems(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("supplementItems(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The supplement request's items are typed by an officer: any text gives
// trimmed, non-empty items and never a panic.
func FuzzSupplementItems(f *testing.F) {
	for _, s := range []string{"1. A\n2) B", "", "9.", "1.\n2.", "\n\n x \n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, it := range supplementItems(s) {
			if it == "" || strings.TrimSpace(it) != it || strings.Contains(it, "\n") {
				t.Fatalf("supplementItems(%q) gave %q", s, it)
			}
		}
	})
}
