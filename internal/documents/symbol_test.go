package documents

import (
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func TestFormatSymbol(t *testing.T) {
	qd, _ := LookupType("QĐ")
	cv, _ := LookupType("CV")
	sy, _ := LookupType("SY")
	for _, c := range []struct {
		p    SymbolParts
		want string
	}{
		{SymbolParts{Number: 5, Type: qd, Agency: "UBND"}, "05/QĐ-UBND"},
		{SymbolParts{Number: 10, Type: qd, Agency: "UBND"}, "10/QĐ-UBND"},
		{SymbolParts{Number: 125, Type: cv, Agency: "UBND", Unit: "VP"}, "125/UBND-VP"},
		{SymbolParts{Number: 7, Type: sy, Agency: "VP"}, "07/SY-VP"},
		{SymbolParts{Number: 12, Year: 2025, Type: qd, Agency: "UBND"}, "12/2025/QĐ-UBND"},
	} {
		got, err := FormatSymbol(c.p)
		if err != nil || got != c.want {
			t.Errorf("FormatSymbol(%+v) = %q %v, want %q", c.p, got, err, c.want)
		}
	}
	for _, bad := range []SymbolParts{
		{Number: 0, Type: qd, Agency: "UBND"},
		{Number: 1, Type: cv, Agency: "UBND"},
		{Number: 1, Type: qd, Agency: "UB ND"},
		{Number: 1, Type: qd, Agency: ""},
	} {
		if got, err := FormatSymbol(bad); err == nil {
			t.Errorf("FormatSymbol(%+v) = %q, want an error", bad, got)
		}
	}
}

func TestParseSymbol(t *testing.T) {
	for _, c := range []struct {
		in, canon, typ string
		year           int
	}{
		{"05/QĐ-UBND", "05/QĐ-UBND", "QĐ", 0},
		{"5/QĐ-UBND", "05/QĐ-UBND", "QĐ", 0},
		{"Số: 125/UBND-VP", "125/UBND-VP", "", 0},
		{"  12/2025/QĐ-UBND ", "12/2025/QĐ-UBND", "QĐ", 2025},
		{"07/SY-VP", "07/SY-VP", "SY", 0},
		{"34/TTr-STC", "34/TTr-STC", "TTr", 0},
		{"1234/BTNMT-TCMT", "1234/BTNMT-TCMT", "", 0},
		{"12/UBND-VX", "12/UBND-VX", "", 0},
		// Decomposed Vietnamese (NFD) is normalised to NFC.
		{"05/TB-SO\u031b\u0309", "05/TB-SỞ", "TB", 0},
		{"05/Q\u0110-UBND", "05/QĐ-UBND", "QĐ", 0},
	} {
		s, err := ParseSymbol(c.in)
		if err != nil {
			t.Errorf("ParseSymbol(%q): %v", c.in, err)
			continue
		}
		if s.String() != c.canon || s.Type != c.typ || s.Year != c.year {
			t.Errorf("ParseSymbol(%q) = %q type %q year %d, want %q %q %d", c.in, s.String(), s.Type, s.Year, c.canon, c.typ, c.year)
		}
	}
	if a, b := mustParse(t, "34/TTr-STC").Key(), mustParse(t, "34/TTR-STC").Key(); a != b {
		t.Errorf("keys differ by case: %q %q", a, b)
	}
	for _, bad := range []string{
		"", "Số:", "QĐ-UBND", "05", "05/", "/QĐ-UBND", "0/QĐ-UBND", "-5/QĐ-UBND", "05 /QĐ-UBND", "05/QĐ - UBND",
		"05/QĐ--UBND", "05/-UBND", "05/QĐ-", "05/25/QĐ-UBND", "05/2025/2025/QĐ-UBND", "05/QĐ_UBND", "05/QĐ.UBND",
		"12345678/QĐ-UBND", "05/123", "05/A-B-C-D-E-F-G", "05/" + strings.Repeat("A", 21), "05/QĐ-UBND\u200b",
		"05/QĐ-UBND\x00", "\xff\xfe", "05/QD\u0309-UBND", strings.Repeat("1", 500),
	} {
		_, err := ParseSymbol(bad)
		if err == nil {
			t.Errorf("ParseSymbol(%q) accepted", bad)
			continue
		}
		var e *apperr.Error
		if apperr.CodeOf(err) != apperr.Invalid || !errorsAs(err, &e) || e.Field != "symbol" || !strings.Contains(e.Message, "ký hiệu") {
			t.Errorf("ParseSymbol(%q) = %v, want EINVALID on symbol with a Vietnamese message", bad, err)
		}
	}
}

func mustParse(t *testing.T, s string) Symbol {
	t.Helper()
	sym, err := ParseSymbol(s)
	if err != nil {
		t.Fatal(err)
	}
	return sym
}

// FuzzParseSymbol: symbols come from other agencies. The parser never
// panics, refuses with EINVALID only, and what it accepts is bounded and
// reads back to itself.
func FuzzParseSymbol(f *testing.F) {
	for _, s := range []string{"05/QĐ-UBND", "125/UBND-VP", "12/2025/QĐ-UBND", "Số: 07/SY-VP", "05/QD\u0309-UBND", "1/a", "//", "9999999/Đ-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSymbol(in)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("ParseSymbol(%q): code %s", in, apperr.CodeOf(err))
			}
			return
		}
		if s.Number < 1 || s.Number > maxNumber || len(s.Groups) == 0 || len(s.Groups) > maxGroups {
			t.Fatalf("ParseSymbol(%q) = %+v out of bounds", in, s)
		}
		again, err := ParseSymbol(s.String())
		if err != nil || again.String() != s.String() || again.Key() != s.Key() {
			t.Fatalf("ParseSymbol(%q) = %q, which reads back as %q %v", in, s.String(), again.String(), err)
		}
	})
}

func errorsAs(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}
