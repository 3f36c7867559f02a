package api

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
)

// FuzzParseMoment checks that any from parameter is refused with EINVALID or
// gives a moment within the supported years.
func FuzzParseMoment(f *testing.F) {
	for _, s := range []string{"", "2026-08-28", "2026-08-28T09:00:00+07:00", "2026-08-28T09:00:00 07:00", "2026-08-28T09:00:00Z",
		"2026-02-30", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "28/08/2026", "2026-08-28T25:00:00Z"} {
		f.Add(s)
	}
	opens := calendar.HM(7, 30)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMoment(s, opens)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid || apperr.MessageOf(err) == "" {
				t.Fatalf("parseMoment(%q): %v", s, err)
			}
			return
		}
		if d := calendar.DateOf(m); !d.IsValid() {
			t.Fatalf("parseMoment(%q) = %v: outside the supported years", s, m)
		}
		if len(s) == 10 && m.In(time.UTC).Hour() != 0 {
			t.Fatalf("parseMoment(%q) = %v: a date means 07:30 in Vietnam", s, m)
		}
	})
}
