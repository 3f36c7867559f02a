package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// fixedNow is the clock of the API fixture: 25/11/2026 in Vietnam.
func fixedNow() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }

// newFixture builds the real API on d with the shipped unit list and the
// demo province loaded.
func newFixture(t *testing.T, d *db.DB) http.Handler {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	al, err := audit.New(d, audit.Options{Now: fixedNow, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.New(d, org.Options{Audit: al, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.LoadDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.New(api.Deps{Org: o, Now: fixedNow}).Register(mux)
	return mux
}

type scenario struct {
	Name            string
	Method, URL     string
	Route           string // the documented path template
	ExpectedStatus  int
	ExpectedContent []string // substrings of the body
	Check           func(t *testing.T, body map[string]any)
}

func TestAPIScenariosOnBothEngines(t *testing.T) {
	scenarios := []scenario{
		{
			Name: "34 provinces today", Method: "GET", URL: "/api/v1/units/provinces", Route: "/api/v1/units/provinces",
			ExpectedStatus: 200, ExpectedContent: []string{`"as_of":"2026-11-25"`, `"name":"Thành phố Hà Nội"`, `"name":"Tỉnh Lào Cai"`},
			Check: func(t *testing.T, b map[string]any) { wantCount(t, b, 34) },
		},
		{
			Name: "provinces before the 2025 reform do not exist in the shipped list", Method: "GET",
			URL: "/api/v1/units/provinces?as_of=2025-06-30", Route: "/api/v1/units/provinces",
			ExpectedStatus: 200, Check: func(t *testing.T, b map[string]any) { wantCount(t, b, 0) },
		},
		{
			Name: "communes of Lào Cai", Method: "GET", URL: "/api/v1/units/provinces/15/communes?as_of=2025-07-01",
			Route: "/api/v1/units/provinces/{code}/communes", ExpectedStatus: 200,
			ExpectedContent: []string{`"province":{"code":"15","name":"Tỉnh Lào Cai"`, `"province_code":"15"`},
			Check:           func(t *testing.T, b map[string]any) { wantCount(t, b, 99) },
		},
		{
			Name: "communes of Hà Nội", Method: "GET", URL: "/api/v1/units/provinces/01/communes",
			Route: "/api/v1/units/provinces/{code}/communes", ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"Phường Ba Đình"`},
			Check:           func(t *testing.T, b map[string]any) { wantCount(t, b, 126) },
		},
		{
			Name: "unknown province", Method: "GET", URL: "/api/v1/units/provinces/99/communes",
			Route: "/api/v1/units/provinces/{code}/communes", ExpectedStatus: 404, ExpectedContent: []string{`"code":"ENOTFOUND"`},
		},
		{
			Name: "a commune code is not a province", Method: "GET", URL: "/api/v1/units/provinces/00004/communes",
			Route: "/api/v1/units/provinces/{code}/communes", ExpectedStatus: 404, ExpectedContent: []string{`"code":"ENOTFOUND"`},
		},
		{
			Name: "top-level agencies: the province and the ministry", Method: "GET", URL: "/api/v1/agencies",
			Route: "/api/v1/agencies", ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"Ủy ban nhân dân tỉnh Lào Cai"`, `"name":"Bộ Dân tộc và Tôn giáo"`, `"parent_id":null`},
			Check:           func(t *testing.T, b map[string]any) { wantCount(t, b, 2) },
		},
		{
			Name: "agencies under the provincial committee, by id", Method: "GET", URL: "/api/v1/agencies?parent=1",
			Route: "/api/v1/agencies", ExpectedStatus: 200,
			ExpectedContent: []string{`"parent":{"id":1`, `"abbreviation":"SNV"`, `"abbreviation":"STC"`, `"name":"Văn phòng Ủy ban nhân dân tỉnh Lào Cai"`},
		},
		{
			Name: "agencies under the provincial committee, by electronic code", Method: "GET", URL: "/api/v1/agencies?parent=DEMO.H15",
			Route: "/api/v1/agencies", ExpectedStatus: 200, ExpectedContent: []string{`"abbreviation":"SNV"`},
		},
		{
			Name: "no agencies existed before the demo's validity", Method: "GET", URL: "/api/v1/agencies?as_of=2025-06-30",
			Route: "/api/v1/agencies", ExpectedStatus: 200, Check: func(t *testing.T, b map[string]any) { wantCount(t, b, 0) },
		},
		{
			Name: "unknown parent", Method: "GET", URL: "/api/v1/agencies?parent=999999", Route: "/api/v1/agencies",
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"ENOTFOUND"`},
		},
		{
			Name: "bad as_of", Method: "GET", URL: "/api/v1/units/provinces?as_of=01/07/2025", Route: "/api/v1/units/provinces",
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"EINVALID"`, `"field":"as_of"`},
		},
	}
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations}, func(t *testing.T, d *db.DB) {
		runScenarios(t, newFixture(t, d), scenarios)
	})
}

func wantCount(t *testing.T, b map[string]any, n int) {
	t.Helper()
	items, _ := b["items"].([]any)
	if b["count"] != float64(n) || len(items) != n {
		t.Fatalf("count = %v, items = %d, want %d", b["count"], len(items), n)
	}
}

// runScenarios plays each scenario against h: status, JSON content type,
// expected substrings, the documented schema (apitest), then its Check.
func runScenarios(t *testing.T, h http.Handler, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(sc.Method, sc.URL, nil))
			body := rec.Body.String()
			if rec.Code != sc.ExpectedStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, sc.ExpectedStatus, body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type = %q", ct)
			}
			for _, want := range sc.ExpectedContent {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %s\n%.800s", want, body)
				}
			}
			var parsed map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &parsed); err != nil {
				t.Fatal(err)
			}
			if err := apitest.Check(sc.Method, sc.Route, sc.ExpectedStatus, rec.Body.Bytes()); err != nil {
				t.Fatalf("response does not match openapi.json: %v", err)
			}
			if sc.Check != nil {
				sc.Check(t, parsed)
			}
		})
	}
}
