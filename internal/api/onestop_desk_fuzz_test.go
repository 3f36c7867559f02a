package api_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The queue's and the statistics' query strings and the apology's date
// come from outside: any input gives a filter or an EINVALID field error,
// never a panic.
func FuzzDeskQueryParsers(f *testing.F) {
	for _, s := range []string{"status=1,2&due=overdue&page=2", "due=soon", "due=31/12/2026", "due=2026-12-31&page_size=200",
		"status=0", "page=-1", "from=01/12/2026&to=31/12/2026", "agency_id=x", "to=30/02/2026", "%zz", "status=1%2C%2C10"} {
		f.Add(s, "15/12/2026 16:30")
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN)
	f.Fuzz(func(t *testing.T, query, date string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if qf, err := api.QueueFilter(q, now, nil); err != nil {
			if !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
				t.Fatalf("QueueFilter(%q): %v", query, err)
			}
		} else if qf.Page < 1 || qf.PageSize < 1 || qf.PageSize > 200 {
			t.Fatalf("QueueFilter(%q) paging %d/%d", query, qf.Page, qf.PageSize)
		}
		if sf, err := api.StatsFilterOf(q); err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("StatsFilterOf(%q): %v", query, err)
			}
		} else if !sf.From.IsZero() && !sf.To.IsZero() && !sf.From.Before(sf.To) {
			t.Fatalf("StatsFilterOf(%q): empty range accepted", query)
		}
		if at, err := api.ParseAppointment(date); err != nil && !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("ParseAppointment(%q): %v", date, err)
		} else if err == nil && at.IsZero() {
			t.Fatalf("ParseAppointment(%q) gave a zero time", date)
		}
	})
}

func TestParseAppointment(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"15/12/2026", "15/12/2026 17:00"},
		{"15/12/2026 09:30", "15/12/2026 09:30"},
		{"2026-12-15", "15/12/2026 17:00"},
		{"2026-12-15T02:30:00Z", "15/12/2026 09:30"},
		{"31/02/2026", ""},
		{"mai", ""},
		{"", ""},
	} {
		at, err := api.ParseAppointment(tc.in)
		got := ""
		if err == nil {
			got = at.In(locale.VN).Format("02/01/2006 15:04")
		} else if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q: %v", tc.in, err)
		}
		if got != tc.want {
			t.Errorf("ParseAppointment(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
