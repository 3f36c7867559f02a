package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// calendarAPI is the real API with a seeded calendar store on d.
func calendarAPI(t *testing.T, d *db.DB) http.Handler {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	al, err := audit.New(d, audit.Options{Now: fixedNow, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := calstore.New(d, calstore.Options{Audit: al, Now: fixedNow, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.New(api.Deps{Calendar: svc, Now: fixedNow}).Register(mux)
	return mux
}

func TestCalendarAPI(t *testing.T) {
	days := func(b map[string]any, key string) []string {
		var out []string
		for _, x := range b[key].([]any) {
			d := x.(map[string]any)
			out = append(out, d["date"].(string)+" "+d["reason"].(string))
		}
		return out
	}
	scenarios := []scenario{
		{Name: "holidays of 2026", Method: "GET", URL: "/api/v1/calendar/holidays?year=2026", Route: "/api/v1/calendar/holidays", ExpectedStatus: 200,
			ExpectedContent: []string{`"year":2026`, `"name_vi":"Tết Âm lịch"`, `"text":"1/1/2026"`, `"year":"Bính Ngọ"`, `"compensates_for":"2026-04-26"`},
			Check: func(t *testing.T, b map[string]any) {
				got := strings.Join(days(b, "holidays"), ",")
				want := "2026-01-01 holiday,2026-02-16 holiday,2026-02-17 holiday,2026-02-18 holiday,2026-02-19 holiday,2026-02-20 holiday," +
					"2026-04-27 compensatory,2026-04-30 holiday,2026-05-01 holiday,2026-08-31 day_off,2026-09-01 holiday,2026-09-02 holiday"
				if got != want {
					t.Fatalf("holidays:\n%s\nwant\n%s", got, want)
				}
				if mk := strings.Join(days(b, "make_up_days"), ","); mk != "2026-08-22 make_up_workday" {
					t.Fatalf("make-up days: %s", mk)
				}
			}},
		{Name: "holidays of this year by default", Method: "GET", URL: "/api/v1/calendar/holidays", Route: "/api/v1/calendar/holidays", ExpectedStatus: 200,
			ExpectedContent: []string{`"year":2026`}},
		{Name: "holidays: bad year", Method: "GET", URL: "/api/v1/calendar/holidays?year=26", Route: "/api/v1/calendar/holidays", ExpectedStatus: 400,
			ExpectedContent: []string{`"code":"EINVALID"`, `"field":"year"`}},
		{Name: "holidays: year out of range", Method: "GET", URL: "/api/v1/calendar/holidays?year=2200", Route: "/api/v1/calendar/holidays", ExpectedStatus: 400},
		{Name: "lunar: Hùng Kings 2026", Method: "GET", URL: "/api/v1/calendar/lunar?date=2026-04-26", Route: "/api/v1/calendar/lunar", ExpectedStatus: 200,
			ExpectedContent: []string{`"text":"10/3/2026"`, `"day":10`, `"month":3`, `"leap":false`, `"year":"Bính Ngọ"`, `"weekday":7`,
				`"reason":"holiday"`, `"name_vi":"Giỗ Tổ Hùng Vương"`, `"rule_key":"hung_kings"`}},
		{Name: "lunar: a leap month", Method: "GET", URL: "/api/v1/calendar/lunar?date=2025-08-08", Route: "/api/v1/calendar/lunar", ExpectedStatus: 200,
			ExpectedContent: []string{`"text":"15/6 nhuận/2025"`, `"leap":true`, `"working":true`}},
		{Name: "lunar: today by default", Method: "GET", URL: "/api/v1/calendar/lunar", Route: "/api/v1/calendar/lunar", ExpectedStatus: 200,
			ExpectedContent: []string{`"date":"2026-11-25"`}},
		{Name: "lunar: bad date", Method: "GET", URL: "/api/v1/calendar/lunar?date=2026-02-30", Route: "/api/v1/calendar/lunar", ExpectedStatus: 400,
			ExpectedContent: []string{`"field":"date"`, "không tồn tại"}},
		{Name: "add: over the 2/9/2026 break", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-28T09:00:00%2B07:00&days=1", Route: "/api/v1/calendar/add", ExpectedStatus: 200,
			ExpectedContent: []string{`"receipt_day":"2026-08-28"`, `"due":"2026-09-03T17:00:00+07:00"`, `"due_date":"2026-09-03"`, `"cut_off":"15:00"`}},
		{Name: "add: an unescaped + arrives as a space", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-21T10:00:00+07:00&days=1", Route: "/api/v1/calendar/add", ExpectedStatus: 200,
			ExpectedContent: []string{`"due_date":"2026-08-22"`}},
		{Name: "add: received after the cut-off", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-27T15:30:00Z&days=1", Route: "/api/v1/calendar/add", ExpectedStatus: 200,
			ExpectedContent: []string{`"from":"2026-08-27T22:30:00+07:00"`, `"receipt_day":"2026-08-28"`, `"due_date":"2026-09-03"`}},
		{Name: "add: a date, Tết 2025 placement", Method: "GET", URL: "/api/v1/calendar/add?from=2025-01-24&days=1", Route: "/api/v1/calendar/add", ExpectedStatus: 200,
			ExpectedContent: []string{`"from":"2025-01-24T07:30:00+07:00"`, `"due":"2025-02-03T17:00:00+07:00"`}},
		{Name: "add: the procedure's own cut-off", Method: "GET", URL: "/api/v1/calendar/add?from=2026-11-25T11:00:00%2B07:00&days=0&cut_off=10:00", Route: "/api/v1/calendar/add", ExpectedStatus: 200,
			ExpectedContent: []string{`"cut_off":"10:00"`, `"receipt_day":"2026-11-26"`, `"due_date":"2026-11-26"`}},
		{Name: "add: missing from", Method: "GET", URL: "/api/v1/calendar/add?days=3", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"from"`}},
		{Name: "add: bad from", Method: "GET", URL: "/api/v1/calendar/add?from=28/08/2026&days=3", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"from"`}},
		{Name: "add: bad days", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-28&days=ba", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"days"`}},
		{Name: "add: too many days", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-28&days=3001", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"days"`}},
		{Name: "add: bad cut-off", Method: "GET", URL: "/api/v1/calendar/add?from=2026-08-28&days=1&cut_off=06:00", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"cut_off"`}},
		{Name: "add: past the supported years", Method: "GET", URL: "/api/v1/calendar/add?from=2199-12-30&days=10", Route: "/api/v1/calendar/add", ExpectedStatus: 400, ExpectedContent: []string{`"field":"days"`}},
	}
	dbtest.Each(t, []db.Migrations{audit.Migrations, calstore.Migrations}, func(t *testing.T, d *db.DB) {
		runScenarios(t, calendarAPI(t, d), scenarios)
	})
}
