package calendar

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseISO(s)
	if err != nil {
		t.Fatalf("ParseISO(%q): %v", s, err)
	}
	return d
}

// TestTetGolden checks Tết and the leap month of every lunar year 1900–2100
// against testdata/tet.csv, which was produced by an independent
// implementation and cross-checked (see testdata/README.md). There is on
// purpose no -update flag: the file must never be regenerated from this
// package's own output.
func TestTetGolden(t *testing.T) {
	f, err := os.Open("testdata/tet.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 1+2100-1900+1; got != want {
		t.Fatalf("tet.csv has %d rows, want %d (header + 1900..2100)", got, want)
	}
	for i, row := range rows[1:] {
		year, _ := strconv.Atoi(row[0])
		if year != 1900+i {
			t.Fatalf("row %d: year %d, want %d", i+2, year, 1900+i)
		}
		tet := mustDate(t, row[1])
		leap, _ := strconv.Atoi(row[2])

		got, err := LunarToSolar(LunarDate{Day: 1, Month: 1, Year: year})
		if err != nil || got != tet {
			t.Errorf("Tết %d = %v, %v; want %v", year, got, err, tet)
		}
		l, err := SolarToLunar(tet)
		if err != nil || l != (LunarDate{Day: 1, Month: 1, Year: year}) {
			t.Errorf("SolarToLunar(%v) = %v, %v; want 1/1/%d", tet, l, err, year)
		}
		if lm, err := LeapMonth(year); err != nil || lm != leap {
			t.Errorf("LeapMonth(%d) = %d, %v; want %d", year, lm, err, leap)
		}
	}
}

func TestKnownLunarDates(t *testing.T) {
	tests := []struct {
		name  string
		solar string
		lunar LunarDate
	}{
		{"Tết 2024", "2024-02-10", LunarDate{1, 1, 2024, false}},
		{"Tết 2025", "2025-01-29", LunarDate{1, 1, 2025, false}},
		{"Tết 2026", "2026-02-17", LunarDate{1, 1, 2026, false}},
		{"Tết 2027", "2027-02-06", LunarDate{1, 1, 2027, false}},
		{"Hùng Kings 2025 (10/3 lunar)", "2025-04-07", LunarDate{10, 3, 2025, false}},
		{"Hùng Kings 2026 (10/3 lunar)", "2026-04-26", LunarDate{10, 3, 2026, false}},
		{"last day of 2025 is 29 Chạp", "2026-02-16", LunarDate{29, 12, 2025, false}},
		{"27 Chạp 2025 starts the Tết 2026 break", "2026-02-14", LunarDate{27, 12, 2025, false}},
		// Vietnam (UTC+7) vs China (UTC+8).
		{"Tết 1985 in Vietnam is 21/01", "1985-01-21", LunarDate{1, 1, 1985, false}},
		{"Chinese New Year 1985 (20/02) is 1/2 in Vietnam", "1985-02-20", LunarDate{1, 2, 1985, false}},
		{"Tết 2007 in Vietnam is 17/02", "2007-02-17", LunarDate{1, 1, 2007, false}},
		{"Chinese New Year 2007 (18/02) is mùng 2 in Vietnam", "2007-02-18", LunarDate{2, 1, 2007, false}},
		{"Tết Mậu Thân 1968 in the North (UTC+7)", "1968-01-29", LunarDate{1, 1, 1968, false}},
		{"Tết 2030 a day before China", "2030-02-02", LunarDate{1, 1, 2030, false}},
		{"Tết 2053 a day before China", "2053-02-18", LunarDate{1, 1, 2053, false}},
		// Leap months.
		{"leap 4 of 2020 starts", "2020-05-23", LunarDate{1, 4, 2020, true}},
		{"15 leap 4 of 2020", "2020-06-06", LunarDate{15, 4, 2020, true}},
		{"leap 6 of 2025 starts", "2025-07-25", LunarDate{1, 6, 2025, true}},
		// Range ends.
		{"first supported day", "1900-01-01", LunarDate{1, 12, 1899, false}},
		{"last supported day", "2199-12-31", LunarDate{14, 11, 2199, false}},
		// The two days where the reference JavaScript returns day 0.
		{"2054-05-07 is the last day of month 3", "2054-05-07", LunarDate{30, 3, 2054, false}},
		{"2062-04-09 is the last day of month 2", "2062-04-09", LunarDate{30, 2, 2062, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDate(t, tt.solar)
			got, err := SolarToLunar(d)
			if err != nil || got != tt.lunar {
				t.Errorf("SolarToLunar(%s) = %v, %v; want %v", tt.solar, got, err, tt.lunar)
			}
			back, err := LunarToSolar(tt.lunar)
			if err != nil || back != d {
				t.Errorf("LunarToSolar(%v) = %v, %v; want %s", tt.lunar, back, err, tt.solar)
			}
		})
	}
}

func TestLeapMonth(t *testing.T) {
	tests := []struct {
		name string
		year int
		want int
	}{
		{"2020 has leap 4", 2020, 4},
		{"2023 has leap 2", 2023, 2},
		{"2025 has leap 6", 2025, 6},
		{"2028 has leap 5", 2028, 5},
		{"2033 has leap 11", 2033, 11},
		{"2024 has none", 2024, 0},
		{"2026 has none", 2026, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := LeapMonth(tt.year); err != nil || got != tt.want {
				t.Errorf("LeapMonth(%d) = %d, %v; want %d", tt.year, got, err, tt.want)
			}
		})
	}
	if _, err := LeapMonth(MaxYear + 1); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("LeapMonth(%d): err = %v, want EINVALID", MaxYear+1, err)
	}
}

func TestLunarToSolarErrors(t *testing.T) {
	tests := []struct {
		name  string
		lunar LunarDate
	}{
		{"leap month the year does not have", LunarDate{1, 1, 2026, true}},
		{"leap 5 in a year with leap 6", LunarDate{1, 5, 2025, true}},
		{"day 30 of a 29-day month (Chạp 2025)", LunarDate{30, 12, 2025, false}},
		{"day 0", LunarDate{0, 1, 2026, false}},
		{"day 31", LunarDate{31, 1, 2026, false}},
		{"month 0", LunarDate{1, 0, 2026, false}},
		{"month 13", LunarDate{1, 13, 2026, false}},
		{"year before the range", LunarDate{1, 5, 1899, false}},
		{"year after the range", LunarDate{1, 1, 2200, false}},
		{"solar date after the range", LunarDate{1, 12, 2199, false}},
		{"negative year", LunarDate{1, 1, -5, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LunarToSolar(tt.lunar)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("LunarToSolar(%v) = %v, %v; want EINVALID", tt.lunar, d, err)
			}
			if apperr.MessageOf(err) == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestSolarToLunarErrors(t *testing.T) {
	for _, d := range []Date{{1899, 12, 31}, {2200, 1, 1}, {2026, 2, 29}, {}} {
		if l, err := SolarToLunar(d); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("SolarToLunar(%v) = %v, %v; want EINVALID", d, l, err)
		}
	}
}

// TestRoundTripSolar: solar → lunar → solar is the identity on every day of
// 1900–2199, and consecutive days have consecutive lunar dates.
func TestRoundTripSolar(t *testing.T) {
	first, last := (Date{MinYear, 1, 1}).jdn(), (Date{MaxYear, 12, 31}).jdn()
	var prev LunarDate
	for jd := first; jd <= last; jd++ {
		d := dateFromJDN(jd)
		l, err := SolarToLunar(d)
		if err != nil {
			t.Fatalf("SolarToLunar(%v): %v", d, err)
		}
		back, err := LunarToSolar(l)
		if err != nil || back != d {
			t.Fatalf("LunarToSolar(SolarToLunar(%v) = %v) = %v, %v", d, l, back, err)
		}
		if jd > first {
			next := l.Day == prev.Day+1 && l.Month == prev.Month && l.Year == prev.Year && l.Leap == prev.Leap
			newMonth := l.Day == 1 && (prev.Day == 29 || prev.Day == 30)
			if !next && !newMonth {
				t.Fatalf("%v: %v follows %v", d, l, prev)
			}
		}
		prev = l
	}
}

// TestRoundTripLunar: every lunar date that LunarToSolar accepts converts
// back to itself, and the accepted dates cover every solar day exactly once.
func TestRoundTripLunar(t *testing.T) {
	seen := make(map[int]bool)
	for y := MinYear - 1; y <= MaxYear; y++ {
		for m := 1; m <= 12; m++ {
			for _, leap := range []bool{false, true} {
				for day := 1; day <= 30; day++ {
					l := LunarDate{day, m, y, leap}
					d, err := LunarToSolar(l)
					if err != nil {
						continue
					}
					back, err := SolarToLunar(d)
					if err != nil || back != l {
						t.Fatalf("SolarToLunar(LunarToSolar(%v) = %v) = %v, %v", l, d, back, err)
					}
					if seen[d.jdn()] {
						t.Fatalf("%v: a second lunar date %v maps to it", d, l)
					}
					seen[d.jdn()] = true
				}
			}
		}
	}
	want := (Date{MaxYear, 12, 31}).jdn() - (Date{MinYear, 1, 1}).jdn() + 1
	if len(seen) != want {
		t.Errorf("lunar dates cover %d solar days, want %d", len(seen), want)
	}
}

// TestSpansConsistent checks the cached month tables: months are 29 or 30
// days, follow each other, and the span ends on the next span's month 11.
func TestSpansConsistent(t *testing.T) {
	for y := MinYear; y <= MaxYear+1; y++ {
		s := spanOf(y)
		if s.n != 12 && s.n != 13 {
			t.Fatalf("span %d has %d months", y, s.n)
		}
		leaps := 0
		for i := 0; i < int(s.n); i++ {
			next := s.end
			if i+1 < int(s.n) {
				next = s.months[i+1].start
			}
			if l := next - s.months[i].start; l != 29 && l != 30 {
				t.Errorf("span %d month %d: %d days", y, i, l)
			}
			if s.months[i].leap {
				leaps++
			}
		}
		if (s.n == 13) != (leaps == 1) || leaps > 1 {
			t.Errorf("span %d: %d months, %d leap", y, s.n, leaps)
		}
		if s.months[0].month != 11 || s.months[0].leap {
			t.Errorf("span %d does not start with month 11", y)
		}
		if y <= MaxYear && int(s.end) != int(spanOf(y + 1).months[0].start) {
			t.Errorf("span %d ends %d, next starts %d", y, s.end, spanOf(y + 1).months[0].start)
		}
	}
}

func TestLunarDateString(t *testing.T) {
	tests := []struct {
		name string
		l    LunarDate
		want string
	}{
		{"regular month", LunarDate{10, 3, 2026, false}, "10/3/2026"},
		{"leap month", LunarDate{15, 4, 2020, true}, "15/4 nhuận/2020"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanChi(t *testing.T) {
	years := []struct {
		name string
		year int
		want string
	}{
		{"2026", 2026, "Bính Ngọ"},
		{"2025", 2025, "Ất Tỵ"},
		{"2024", 2024, "Giáp Thìn"},
		{"2000", 2000, "Canh Thìn"},
		{"1985", 1985, "Ất Sửu"},
		{"1968", 1968, "Mậu Thân"},
		{"1984 starts a cycle", 1984, "Giáp Tý"},
	}
	for _, tt := range years {
		t.Run("year "+tt.name, func(t *testing.T) {
			if got := CanChi(tt.year); got != tt.want {
				t.Errorf("CanChi(%d) = %q, want %q", tt.year, got, tt.want)
			}
		})
	}
	// Month 1 stems by the rhyme "Giáp Kỷ → Bính Dần, Ất Canh → Mậu Dần,
	// Bính Tân → Canh Dần, Đinh Nhâm → Nhâm Dần, Mậu Quý → Giáp Dần".
	months := []struct {
		name string
		l    LunarDate
		want string
	}{
		{"month 1 of a Giáp year", LunarDate{1, 1, 2024, false}, "Bính Dần"},
		{"month 1 of an Ất year", LunarDate{1, 1, 2025, false}, "Mậu Dần"},
		{"month 1 of a Bính year", LunarDate{1, 1, 2026, false}, "Canh Dần"},
		{"month 1 of a Đinh year", LunarDate{1, 1, 2027, false}, "Nhâm Dần"},
		{"month 1 of a Mậu year", LunarDate{1, 1, 2028, false}, "Giáp Dần"},
		{"month 3 of 2026", LunarDate{10, 3, 2026, false}, "Nhâm Thìn"},
		{"month 12 of 2025", LunarDate{29, 12, 2025, false}, "Kỷ Sửu"},
		{"leap month takes the regular month's name", LunarDate{1, 6, 2025, true}, "Quý Mùi"},
	}
	for _, tt := range months {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.MonthCanChi(); got != tt.want {
				t.Errorf("%v.MonthCanChi() = %q, want %q", tt.l, got, tt.want)
			}
		})
	}
	days := []struct {
		name string
		date string
		want string
	}{
		{"2000-01-01", "2000-01-01", "Mậu Ngọ"},
		{"Tết 2026", "2026-02-17", "Nhâm Tuất"},
		{"Hùng Kings 2026", "2026-04-26", "Canh Ngọ"},
		{"Tết 2025", "2025-01-29", "Mậu Tuất"},
	}
	for _, tt := range days {
		t.Run("day "+tt.name, func(t *testing.T) {
			if got := mustDate(t, tt.date).DayCanChi(); got != tt.want {
				t.Errorf("DayCanChi(%s) = %q, want %q", tt.date, got, tt.want)
			}
		})
	}
}

func FuzzLunarToSolar(f *testing.F) {
	f.Add(1, 1, 2026, false)
	f.Add(15, 4, 2020, true)
	f.Add(30, 12, 2025, false)
	f.Add(1, 11, 2033, true)
	f.Add(0, 0, 0, false)
	f.Add(-1, -13, -2026, true)
	f.Add(1, 12, 1899, false)
	f.Add(29, 12, 2199, false)
	check := func(t *testing.T, l LunarDate) {
		d, err := LunarToSolar(l)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("LunarToSolar(%v): error %v is not EINVALID", l, err)
			}
			return
		}
		back, err := SolarToLunar(d)
		if err != nil || back != l {
			t.Fatalf("SolarToLunar(LunarToSolar(%v) = %v) = %v, %v", l, d, back, err)
		}
	}
	f.Fuzz(func(t *testing.T, day, month, year int, leap bool) {
		check(t, LunarDate{Day: day, Month: month, Year: year, Leap: leap})
		// The same input folded into the supported range, so that the
		// fuzzer mostly explores dates that exist.
		fold := func(v, n int) int { return int(uint(v) % uint(n)) }
		check(t, LunarDate{Day: 1 + fold(day, 30), Month: 1 + fold(month, 12), Year: MinYear - 1 + fold(year, MaxYear-MinYear+2), Leap: leap})
	})
}
