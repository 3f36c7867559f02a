package calendar

import (
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// TimeOfDay is a wall-clock time in Vietnam, in minutes after midnight
// (0..1439). It is what office hours and cut-offs are made of.
type TimeOfDay int

// HM returns the time of day h:m. It does not check its arguments; use
// Config.Validate or ParseTimeOfDay for outside input.
func HM(h, m int) TimeOfDay { return TimeOfDay(h*60 + m) }

// Hour returns the hour, 0..23.
func (t TimeOfDay) Hour() int { return int(t) / 60 }

// Minute returns the minute, 0..59.
func (t TimeOfDay) Minute() int { return int(t) % 60 }

// IsValid reports whether t is within 00:00..23:59.
func (t TimeOfDay) IsValid() bool { return t >= 0 && t < 24*60 }

// String returns t as hh:mm, e.g. "07:30".
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

// MarshalText implements encoding.TextMarshaler (hh:mm).
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseTimeOfDay.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseTimeOfDay parses h:mm or hh:mm (24-hour clock), e.g. "7:30", "15:00".
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	i := indexByte(s, ':')
	if i < 1 || i > 2 || len(s)-i-1 != 2 {
		return 0, apperr.New(apperr.Invalid, "Giờ %q không đúng định dạng giờ:phút (ví dụ 07:30).", s)
	}
	h, ok1 := atoiDigits(s[:i])
	m, ok2 := atoiDigits(s[i+1:])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, apperr.New(apperr.Invalid, "Giờ %q không hợp lệ (ví dụ 07:30).", s)
	}
	return HM(h, m), nil
}
