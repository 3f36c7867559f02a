package org

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Date is a civil date without time or zone, as used by validity periods
// (valid_from, valid_to) and "as of" queries. The zero Date means "not set":
// as an as-of date it means today in Vietnam, as a ValidTo it means "still
// valid". It is stored as TEXT 'YYYY-MM-DD'.
type Date struct {
	t time.Time // midnight UTC of the day; zero for the zero Date
}

// NewDate returns the date y-m-d; out-of-range values are normalised like
// time.Date (2026-02-30 becomes 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the civil date of t in Vietnam (UTC+7).
func DateOf(t time.Time) Date {
	y, m, d := t.In(locale.VN).Date()
	return NewDate(y, m, d)
}

// ParseDate parses 'YYYY-MM-DD' strictly (EINVALID otherwise).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != 10 {
		return Date{}, apperr.FieldError("date", "Ngày %q không hợp lệ: cần dạng YYYY-MM-DD, ví dụ 2025-07-01", s)
	}
	return Date{t: t}, nil
}

// MustDate is ParseDate for constants in code and tests; it panics on error.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns 'YYYY-MM-DD', or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// VN returns the Vietnamese form dd/mm/yyyy, or "" for the zero Date.
func (d Date) VN() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(locale.DateLayout)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int { return d.t.Compare(o.t) }

// Start returns the first instant of d in Vietnam time.
func (d Date) Start() time.Time {
	y, m, dd := d.t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, locale.VN)
}

// MarshalText encodes d as 'YYYY-MM-DD' ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes 'YYYY-MM-DD'; "" gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as TEXT, and the zero Date as NULL.
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
	case time.Time: // a driver that parses DATE-looking text
		*d = NewDate(v.Date())
		return nil
	}
	return fmt.Errorf("org.Date: cannot scan %T", src)
}
