package calendar

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The supported range of years, for solar dates and for the lunar calendar.
const (
	MinYear = 1900
	MaxYear = 2199
)

// Date is a civil date in the proleptic Gregorian calendar, without a time
// of day or a time zone. Use it for anything that is a whole day (a holiday,
// a due date, a birth date) so that a day never shifts across time zones.
// The zero value is not a valid date: it means "not set" (an open-ended
// validity, "today" in an as-of query), prints as "" and is stored as NULL.
// Date values are comparable with ==. It is the one civil-date type of the
// platform: org's validity periods use it too.
type Date struct {
	Year  int        // four-digit year
	Month time.Month // 1..12
	Day   int        // 1..31
}

// NewDate returns the date y-m-d, or an EINVALID error if it does not exist
// or its year is outside MinYear..MaxYear.
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < MinYear || y > MaxYear {
		return Date{}, apperr.New(apperr.Invalid, "Năm %d nằm ngoài khoảng được hỗ trợ (%d–%d).", y, MinYear, MaxYear)
	}
	if m < 1 || m > 12 {
		return Date{}, apperr.New(apperr.Invalid, "Tháng %d không hợp lệ: tháng phải từ 1 đến 12.", int(m))
	}
	if d < 1 || d > daysIn(y, m) {
		return Date{}, apperr.New(apperr.Invalid, "Ngày %d/%d/%d không tồn tại.", d, int(m), y)
	}
	return Date{y, m, d}, nil
}

// DateOf returns the civil date of t in Vietnam time (locale.VN).
func DateOf(t time.Time) Date {
	y, m, d := t.In(locale.VN).Date()
	return Date{y, m, d}
}

// Today returns the current date in Vietnam time, using the injected clock.
func Today(now func() time.Time) Date { return DateOf(now()) }

// IsValid reports whether d exists and its year is within MinYear..MaxYear.
func (d Date) IsValid() bool {
	return d.Year >= MinYear && d.Year <= MaxYear && d.Month >= 1 && d.Month <= 12 &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// IsZero reports whether d is the zero Date ("not set").
func (d Date) IsZero() bool { return d == Date{} }

// String returns the ISO 8601 form, e.g. "2026-04-26", or "" for the zero
// Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// VN returns the Vietnamese form dd/mm/yyyy, e.g. "26/04/2026"
// (locale.DateLayout), or "" for the zero Date.
func (d Date) VN() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// MarshalText implements encoding.TextMarshaler with the ISO form; the zero
// Date encodes as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.IsValid() {
		return nil, apperr.New(apperr.Invalid, "Ngày %d/%d/%d không hợp lệ.", d.Day, int(d.Month), d.Year)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseISO; ""
// decodes to the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseISO(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as TEXT 'YYYY-MM-DD' (portable and ordered the same on
// SQLite and PostgreSQL), and the zero Date as NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads TEXT 'YYYY-MM-DD' or NULL (the zero Date).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	case time.Time: // a driver that parses DATE-looking text itself
		y, m, dd := v.Date()
		*d = Date{y, m, dd}
		return nil
	}
	return fmt.Errorf("calendar.Date: cannot scan %T", src)
}

// Time returns the start of d (00:00) in Vietnam time.
func (d Date) Time() time.Time { return d.At(0) }

// At returns the moment tod on d in Vietnam time.
func (d Date) At(tod TimeOfDay) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(tod)/60, int(tod)%60, 0, 0, locale.VN)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// JDN 0 was a Monday; (jdn+1) mod 7 gives Sunday = 0.
	return time.Weekday(floorMod(d.jdn()+1, 7))
}

// AddDays returns the date n days after d (before it if n < 0).
func (d Date) AddDays(n int) Date { return dateFromJDN(d.jdn() + n) }

// Sub returns the number of days from e to d (d − e).
func (d Date) Sub(e Date) int { return d.jdn() - e.jdn() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch a, b := d.jdn(), e.jdn(); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.jdn() < e.jdn() }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.jdn() > e.jdn() }

// JulianDay returns the Julian day number of d (the day count used by
// astronomers; 2000-01-01 is 2451545).
func (d Date) JulianDay() int { return d.jdn() }

// DateFromJulianDay is the inverse of Date.JulianDay.
func DateFromJulianDay(jdn int) Date { return dateFromJDN(jdn) }

// ParseISO parses a date written yyyy-mm-dd, e.g. "2026-04-26". Month and
// day need two digits, the year four. A date that does not exist (2026-02-31)
// or a year outside MinYear..MaxYear is an EINVALID error with a Vietnamese
// message.
func ParseISO(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, badFormat(s, "yyyy-mm-dd (ví dụ 2026-04-26)")
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, badFormat(s, "yyyy-mm-dd (ví dụ 2026-04-26)")
	}
	return NewDate(y, time.Month(m), d)
}

// ParseVN parses a date written the Vietnamese way, d/m/yyyy, with or without
// leading zeros: "26/4/2026", "06/04/2026". The year needs four digits. A date
// that does not exist (31/2/2026, 0/1/2026) or a year outside MinYear..MaxYear
// is an EINVALID error with a Vietnamese message.
func ParseVN(s string) (Date, error) {
	const want = "ngày/tháng/năm (ví dụ 26/4/2026)"
	var parts [3]string
	rest := s
	for i := 0; i < 2; i++ {
		j := indexByte(rest, '/')
		if j < 0 {
			return Date{}, badFormat(s, want)
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	parts[2] = rest
	if len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 {
		return Date{}, badFormat(s, want)
	}
	d, ok1 := atoiDigits(parts[0])
	m, ok2 := atoiDigits(parts[1])
	y, ok3 := atoiDigits(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, badFormat(s, want)
	}
	return NewDate(y, time.Month(m), d)
}

func badFormat(s, want string) error {
	const maxShown = 40 // do not echo arbitrary long input back to people
	if len(s) > maxShown {
		s = s[:maxShown] + "…"
	}
	return apperr.New(apperr.Invalid, "Ngày %q không đúng định dạng %s.", s, want)
}

// atoiDigits parses a non-empty string of ASCII digits (no sign, no spaces).
func atoiDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func isLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeapYear(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// jdn returns the Julian day number of d in the proleptic Gregorian calendar
// (Fliegel–Van Flandern, with floor division so it also holds for negative
// intermediate values).
func (d Date) jdn() int {
	a := floorDiv(14-int(d.Month), 12)
	y := d.Year + 4800 - a
	m := int(d.Month) + 12*a - 3
	return d.Day + floorDiv(153*m+2, 5) + 365*y + floorDiv(y, 4) - floorDiv(y, 100) + floorDiv(y, 400) - 32045
}

// dateFromJDN is the inverse of Date.jdn (proleptic Gregorian).
func dateFromJDN(jd int) Date {
	a := jd + 32044
	b := floorDiv(4*a+3, 146097)
	c := a - floorDiv(146097*b, 4)
	d := floorDiv(4*c+3, 1461)
	e := c - floorDiv(1461*d, 4)
	m := floorDiv(5*e+2, 153)
	day := e - floorDiv(153*m+2, 5) + 1
	month := m + 3 - 12*floorDiv(m, 10)
	year := 100*b + d - 4800 + floorDiv(m, 10)
	return Date{year, time.Month(month), day}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - b*floorDiv(a, b) }
