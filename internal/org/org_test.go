package org_test

import (
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

var update = flag.Bool("update", false, "rewrite golden files")

var modules = []db.Migrations{audit.Migrations, org.Migrations}

// now is "today" for every test: 25/11/2026, 09:00 in Vietnam.
var now = time.Date(2026, 11, 25, 9, 0, 0, 0, locale.VN)

// admin administers the platform: every org change is theirs.
var admin = &actor.Actor{AccountID: 1, Kind: actor.Official, Name: "Quản trị thử nghiệm",
	Roles: []actor.RoleGrant{{Role: "system_admin"}}}

var date = org.MustDate

// newService returns a seeded org service on d.
func newService(t *testing.T, d *db.DB) *org.Service {
	t.Helper()
	clock := func() time.Time { return now }
	l, err := audit.New(d, audit.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	s, err := org.New(d, org.Options{Audit: l, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// csvRow is one row of the shipped files.
type csvRow struct{ Code, Name, Type, Province string }

// shipped reads one of the embedded CSV files as the test's oracle.
func shipped(t *testing.T, file string) []csvRow {
	t.Helper()
	f, err := os.Open(filepath.Join("data", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []csvRow
	for _, r := range recs[1:] {
		row := csvRow{Code: r[0], Name: r[1], Type: r[2]}
		if len(r) > 3 {
			row.Province = r[3]
		}
		out = append(out, row)
	}
	// The API returns units in code order; the communes file is in province
	// order.
	slices.SortFunc(out, func(a, b csvRow) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func rowsOf(units []org.AdminUnit) []csvRow {
	out := make([]csvRow, len(units))
	for i, u := range units {
		out[i] = csvRow{u.Code, u.Name, string(u.Type), u.ProvinceCode}
	}
	return out
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if code != "" && apperr.MessageOf(err) == "" {
		t.Fatal("no Vietnamese message")
	}
}

// count returns a single integer from the database.
func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	return count(t, d, "SELECT count(*) FROM audit_entries WHERE action = $1", action)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}
