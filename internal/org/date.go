package org

import (
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Date is a civil date without time or zone, as used by validity periods
// (valid_from, valid_to) and "as of" queries: the platform's one civil-date
// type, calendar.Date. The zero Date means "not set": as an as-of date it
// means today in Vietnam, as a ValidTo it means "still valid". It is stored
// as TEXT 'YYYY-MM-DD' (NULL for the zero Date).
type Date = calendar.Date

// NewDate returns the date y-m-d; out-of-range values are normalised like
// time.Date (2026-02-30 becomes 2026-03-02). For constants in code.
func NewDate(y int, m time.Month, d int) Date {
	return calendar.DateOf(time.Date(y, m, d, 12, 0, 0, 0, locale.VN))
}

// DateOf returns the civil date of t in Vietnam (UTC+7).
func DateOf(t time.Time) Date { return calendar.DateOf(t) }

// ParseDate parses 'YYYY-MM-DD' strictly (EINVALID otherwise).
func ParseDate(s string) (Date, error) {
	d, err := calendar.ParseISO(s)
	if err != nil {
		return Date{}, apperr.FieldError("date", "Ngày %q không hợp lệ: cần dạng YYYY-MM-DD, ví dụ 2025-07-01", s)
	}
	return d, nil
}

// MustDate is ParseDate for constants in code and tests; it panics on error.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
