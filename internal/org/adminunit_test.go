package org_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func TestSeedLoadsTheShippedListOnce(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		again, err := s.Seed(ctx)
		if err != nil || again {
			t.Fatalf("second Seed = %v, %v; want false, nil", again, err)
		}
		if n := count(t, d, "SELECT count(*) FROM org_admin_units"); n != 34+3321 {
			t.Fatalf("unit rows = %d, want %d", n, 34+3321)
		}
		if n := auditCount(t, d, "org.units.seed"); n != 1 {
			t.Fatalf("seed audit entries = %d, want 1", n)
		}
		positions, err := s.Positions(ctx)
		if err != nil || len(positions) < 10 {
			t.Fatalf("positions = %d, %v", len(positions), err)
		}
	})
}

func TestTheTreeOf2025(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		day := date("2025-07-01")

		provinces, err := s.Provinces(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rowsOf(provinces), shipped(t, "provinces-2025-07-01.csv"); !slices.Equal(got, want) {
			t.Fatalf("provinces differ from the CSV: %d rows vs %d", len(got), len(want))
		}
		if len(provinces) != 34 || !uniqueCodes(provinces) {
			t.Fatalf("provinces: %d, unique %v", len(provinces), uniqueCodes(provinces))
		}
		communes, err := s.Communes(ctx, "", day)
		if err != nil {
			t.Fatal(err)
		}
		all := shipped(t, "communes-2025-07-01.csv")
		if len(communes) != 3321 || !uniqueCodes(communes) || !slices.Equal(rowsOf(communes), all) {
			t.Fatalf("communes: %d, unique %v, equal to CSV %v", len(communes), uniqueCodes(communes), slices.Equal(rowsOf(communes), all))
		}
		types := map[org.UnitType]int{}
		for _, c := range communes {
			types[c.Type]++
		}
		if types[org.TypeCommune] != 2621 || types[org.TypeWard] != 687 || types[org.TypeSpecialZone] != 13 {
			t.Fatalf("commune types = %v", types)
		}

		tests := []struct {
			name, province string
			want           int
		}{
			{"Lào Cai", "15", 99},
			{"Hà Nội", "01", 126},
			{"Thành phố Hồ Chí Minh", "79", 168},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var fromCSV []org.AdminUnit
				for _, r := range all {
					if r.Province == tt.province {
						fromCSV = append(fromCSV, org.AdminUnit{Code: r.Code, Name: r.Name, Type: org.UnitType(r.Type), ProvinceCode: r.Province})
					}
				}
				got, err := s.Communes(ctx, tt.province, day)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != tt.want || len(fromCSV) != tt.want || !slices.Equal(rowsOf(got), rowsOf(fromCSV)) {
					t.Fatalf("communes of %s: %d (CSV %d), want %d", tt.province, len(got), len(fromCSV), tt.want)
				}
			})
		}

		// Today (zero date) is the same list; the day before it starts, nothing.
		today, err := s.Communes(ctx, "15", org.Date{})
		if err != nil || len(today) != 99 {
			t.Fatalf("communes of 15 today = %d, %v", len(today), err)
		}
		before, err := s.Provinces(ctx, date("2025-06-30"))
		if err != nil || len(before) != 0 {
			t.Fatalf("provinces on 2025-06-30 = %d, %v", len(before), err)
		}
		_, err = s.Communes(ctx, "99", day)
		wantCode(t, err, apperr.NotFound)
		u, err := s.AdminUnit(ctx, "02701", day)
		if err != nil || u.Name != "Xã Y Tý" || u.Level != org.LevelCommune || u.ProvinceCode != "15" || !u.Current() {
			t.Fatalf("AdminUnit(02701) = %+v, %v", u, err)
		}
		_, err = s.AdminUnit(ctx, "02701", date("2025-06-30"))
		wantCode(t, err, apperr.NotFound)
	})
}

func uniqueCodes(units []org.AdminUnit) bool {
	seen := map[string]bool{}
	for _, u := range units {
		if seen[u.Code] {
			return false
		}
		seen[u.Code] = true
	}
	return true
}

// TestSeedIsSafeForReplicas: several replicas starting at once load the list
// exactly once.
func TestSeedIsSafeForReplicas(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		l, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		const replicas = 4
		results := make(chan error, replicas)
		seeded := make(chan bool, replicas)
		for range replicas {
			go func() {
				s, err := org.New(d, org.Options{Audit: l})
				if err != nil {
					results <- err
					return
				}
				ok, err := s.Seed(context.Background())
				seeded <- ok
				results <- err
			}()
		}
		loads := 0
		for range replicas {
			if err := <-results; err != nil {
				t.Fatal(err)
			}
		}
		close(seeded)
		for ok := range seeded {
			if ok {
				loads++
			}
		}
		if loads != 1 || count(t, d, "SELECT count(*) FROM org_admin_units") != 3355 || auditCount(t, d, "org.units.seed") != 1 {
			t.Fatalf("loads = %d", loads)
		}
	})
}
