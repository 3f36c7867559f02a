package calendar

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (Date, error)
		in    string
		want  Date // zero: an EINVALID error is expected
	}{
		{"ISO", ParseISO, "2026-04-26", Date{2026, 4, 26}},
		{"ISO leap day", ParseISO, "2024-02-29", Date{2024, 2, 29}},
		{"ISO first supported day", ParseISO, "1900-01-01", Date{1900, 1, 1}},
		{"ISO last supported day", ParseISO, "2199-12-31", Date{2199, 12, 31}},
		{"ISO 31/2", ParseISO, "2026-02-31", Date{}},
		{"ISO 29/2 of a common year", ParseISO, "2026-02-29", Date{}},
		{"ISO 1900 is not a leap year", ParseISO, "1900-02-29", Date{}},
		{"ISO day 0", ParseISO, "2026-01-00", Date{}},
		{"ISO month 13", ParseISO, "2026-13-01", Date{}},
		{"ISO year before range", ParseISO, "1899-12-31", Date{}},
		{"ISO year after range", ParseISO, "2200-01-01", Date{}},
		{"ISO without zero padding", ParseISO, "2026-4-26", Date{}},
		{"ISO with time", ParseISO, "2026-04-26T00:00", Date{}},
		{"ISO sign", ParseISO, "+026-04-26", Date{}},
		{"ISO empty", ParseISO, "", Date{}},
		{"VN", ParseVN, "26/4/2026", Date{2026, 4, 26}},
		{"VN zero padded", ParseVN, "06/04/2026", Date{2026, 4, 6}},
		{"VN mixed padding", ParseVN, "6/04/2026", Date{2026, 4, 6}},
		{"VN 31/12", ParseVN, "31/12/2199", Date{2199, 12, 31}},
		{"VN 31/2", ParseVN, "31/2/2026", Date{}},
		{"VN 0/1", ParseVN, "0/1/2026", Date{}},
		{"VN 1/0", ParseVN, "1/0/2026", Date{}},
		{"VN two-digit year", ParseVN, "26/4/26", Date{}},
		{"VN year out of range", ParseVN, "1/1/1800", Date{}},
		{"VN three-digit day", ParseVN, "026/4/2026", Date{}},
		{"VN ISO order", ParseVN, "2026/4/26", Date{}},
		{"VN dashes", ParseVN, "26-4-2026", Date{}},
		{"VN spaces", ParseVN, " 26/4/2026", Date{}},
		{"VN extra part", ParseVN, "26/4/2026/1", Date{}},
		{"VN empty parts", ParseVN, "//2026", Date{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(tt.in)
			if tt.want == (Date{}) {
				if !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
					t.Fatalf("parse(%q) = %v, %v; want EINVALID with a message", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		name    string
		d       Date
		n       int
		want    Date
		weekday time.Weekday
	}{
		{"across a month", Date{2026, 1, 31}, 1, Date{2026, 2, 1}, time.Saturday},
		{"across a leap day", Date{2024, 2, 28}, 1, Date{2024, 2, 29}, time.Wednesday},
		{"across a year", Date{2025, 12, 31}, 1, Date{2026, 1, 1}, time.Wednesday},
		{"backwards", Date{2026, 3, 1}, -1, Date{2026, 2, 28}, time.Sunday},
		{"a century", Date{1900, 1, 1}, 36524, Date{2000, 1, 1}, time.Monday},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.AddDays(tt.n)
			if got != tt.want {
				t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
			}
			if got.Sub(tt.d) != tt.n {
				t.Errorf("Sub = %d, want %d", got.Sub(tt.d), tt.n)
			}
			if w := tt.d.Weekday(); w != tt.weekday {
				t.Errorf("%v.Weekday() = %v, want %v", tt.d, w, tt.weekday)
			}
		})
	}
	if (Date{2000, 1, 1}).JulianDay() != 2451545 {
		t.Error("JulianDay(2000-01-01) != 2451545")
	}
}

// TestDateMatchesTime checks the day-number arithmetic against package time
// for every day of the supported range.
func TestDateMatchesTime(t *testing.T) {
	tm := time.Date(MinYear, 1, 1, 12, 0, 0, 0, locale.VN)
	d := Date{MinYear, 1, 1}
	for tm.Year() <= MaxYear {
		if DateOf(tm) != d || d.Weekday() != tm.Weekday() || !d.IsValid() {
			t.Fatalf("%v: DateOf = %v, Weekday = %v; want %v, %v", tm, DateOf(tm), d.Weekday(), d, tm.Weekday())
		}
		if !d.At(HM(12, 0)).Equal(tm) {
			t.Fatalf("%v.At(12:00) = %v, want %v", d, d.At(HM(12, 0)), tm)
		}
		tm = tm.AddDate(0, 0, 1)
		d = d.AddDays(1)
	}
}

func TestDateOfUsesVietnamTime(t *testing.T) {
	// 17:30 UTC on 31/12/2025 is 00:30 on 1/1/2026 in Vietnam.
	utc := time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC)
	if got := DateOf(utc); got != (Date{2026, 1, 1}) {
		t.Errorf("DateOf(%v) = %v, want 2026-01-01", utc, got)
	}
	if got := (Date{2026, 1, 1}).Time(); got.Location() != locale.VN || !got.Equal(time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestDateFormatsAndJSON(t *testing.T) {
	d := Date{2026, 4, 6}
	if d.String() != "2026-04-06" || d.VN() != "06/04/2026" {
		t.Errorf("String %q, VN %q", d.String(), d.VN())
	}
	if d.VN() != d.Time().Format(locale.DateLayout) {
		t.Errorf("VN disagrees with locale.DateLayout")
	}
	b, err := json.Marshal(struct{ D Date }{d})
	if err != nil || string(b) != `{"D":"2026-04-06"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal(b, &back); err != nil || back.D != d {
		t.Fatalf("Unmarshal = %v, %v", back.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2026-02-31"}`), &back); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("Unmarshal of 2026-02-31: %v, want EINVALID", err)
	}
	// The zero Date means "not set" (an open validity period): "" in text,
	// NULL in SQL. A non-zero impossible date is an error.
	if b, err := json.Marshal(struct{ D Date }{}); err != nil || string(b) != `{"D":""}` {
		t.Errorf("Marshal of the zero Date = %s, %v", b, err)
	}
	if _, err := json.Marshal(struct{ D Date }{Date{2026, 2, 31}}); err == nil {
		t.Error("Marshal of 31/02/2026 succeeded")
	}
	if (Date{}).String() != "" || (Date{}).VN() != "" || !(Date{}).IsZero() || d.IsZero() {
		t.Error("zero Date does not print as empty")
	}
}

func TestDateSQLValueAndScan(t *testing.T) {
	d := Date{2026, 4, 30}
	v, err := d.Value()
	if err != nil || v != "2026-04-30" {
		t.Fatalf("Value = %v, %v", v, err)
	}
	if v, err := (Date{}).Value(); err != nil || v != nil {
		t.Fatalf("zero Value = %v, %v; want NULL", v, err)
	}
	tests := []struct {
		name string
		src  any
		want Date
		ok   bool
	}{
		{"text", "2026-04-30", d, true},
		{"bytes", []byte("2026-04-30"), d, true},
		{"NULL", nil, Date{}, true},
		{"time from a driver", time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), d, true},
		{"garbage", "30/04/2026", Date{}, false},
		{"wrong type", 42, Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Date
			err := got.Scan(tt.src)
			if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
				t.Fatalf("Scan(%v) = %v, %v", tt.src, got, err)
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want TimeOfDay
		ok   bool
	}{
		{"two-digit hour", "07:30", HM(7, 30), true},
		{"one-digit hour", "7:30", HM(7, 30), true},
		{"afternoon", "15:00", HM(15, 0), true},
		{"hour 24", "24:00", 0, false},
		{"minute 60", "12:60", 0, false},
		{"no colon", "1530", 0, false},
		{"one-digit minute", "15:0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTimeOfDay(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("ParseTimeOfDay(%q) = %v, %v", tt.in, got, err)
			}
			if tt.ok && got.String() != HM(got.Hour(), got.Minute()).String() {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func fuzzParse(t *testing.T, name string, parse func(string) (Date, error), format func(Date) string, s string) {
	d, err := parse(s)
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
			t.Fatalf("%s(%q): error %v is not EINVALID with a message", name, s, err)
		}
		return
	}
	if !d.IsValid() {
		t.Fatalf("%s(%q) = %v, not valid", name, s, d)
	}
	again, err := parse(format(d))
	if err != nil || again != d {
		t.Fatalf("%s(%q) = %v; reparsing %q gives %v, %v", name, s, d, format(d), again, err)
	}
}

func FuzzParseISO(f *testing.F) {
	for _, s := range []string{"2026-04-26", "2024-02-29", "2026-02-31", "1899-12-31", "2200-01-01", "0000-00-00", "abcd-ef-gh", "2026-4-26", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { fuzzParse(t, "ParseISO", ParseISO, Date.String, s) })
}

func FuzzParseVN(f *testing.F) {
	for _, s := range []string{"26/4/2026", "06/04/2026", "31/2/2026", "0/1/2026", "29/2/2024", "1/1/1800", "//", "26/4/26", "١/٢/٢٠٢٦"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzParse(t, "ParseVN", ParseVN, Date.VN, s)
		fuzzParse(t, "ParseVN", ParseVN, func(d Date) string { return fmt.Sprintf("%d/%d/%d", d.Day, int(d.Month), d.Year) }, s)
	})
}
