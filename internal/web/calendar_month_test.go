package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
)

var parseMonthToday = calendar.Date{Year: 2026, Month: 11, Day: 25}

func TestParseMonth(t *testing.T) {
	cases := []struct {
		in   string
		y    int
		m    time.Month
		fail bool
	}{
		{"", 2026, 11, false},
		{"2026-02", 2026, 2, false},
		{"1900-01", 1900, 1, false},
		{"2199-12", 2199, 12, false},
		{"2026-00", 0, 0, true},
		{"2026-13", 0, 0, true},
		{"2026-2", 0, 0, true},
		{"26-02", 0, 0, true},
		{"2026/02", 0, 0, true},
		{"2026-02-01", 0, 0, true},
		{"1899-12", 0, 0, true},
		{"2200-01", 0, 0, true},
		{"+026-02", 0, 0, true},
		{"２０２６-02", 0, 0, true},
	}
	for _, c := range cases {
		y, m, err := parseMonth(c.in, parseMonthToday)
		if (err != nil) != c.fail || y != c.y || m != c.m {
			t.Errorf("parseMonth(%q) = %d, %d, %v", c.in, y, m, err)
		}
		if err != nil && (apperr.CodeOf(err) != apperr.Invalid || apperr.MessageOf(err) == "") {
			t.Errorf("parseMonth(%q): error %v is not a Vietnamese EINVALID", c.in, err)
		}
	}
}

// FuzzParseMonth checks that any month parameter is refused with EINVALID
// or read back to the same text, within the supported years.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"", "2026-02", "2026-13", "1899-12", "2199-12", "0000-00", "9999-99", "2026-2", "2026-02\x00", "٢٠٢٦-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, m, err := parseMonth(s, parseMonthToday)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("parseMonth(%q): %v", s, err)
			}
			return
		}
		if y < calendar.MinYear || y > calendar.MaxYear || m < 1 || m > 12 {
			t.Fatalf("parseMonth(%q) = %d, %d: out of range", s, y, m)
		}
		if s != "" && fmt.Sprintf("%04d-%02d", y, int(m)) != s {
			t.Fatalf("parseMonth(%q) = %d, %d", s, y, m)
		}
	})
}
