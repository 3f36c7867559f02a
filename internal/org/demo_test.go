package org_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func TestDemoLoadsTwiceWithoutDuplicates(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		first, err := s.LoadDemo(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tables := []string{"org_agencies", "org_agency_versions", "org_units", "org_officials", "org_official_positions", "org_admin_units"}
		counts := map[string]int{}
		for _, tbl := range tables {
			counts[tbl] = count(t, d, "SELECT count(*) FROM "+tbl)
		}
		second, err := s.LoadDemo(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if second.Created != 0 || first.Created == 0 {
			t.Fatalf("created: first %d, second %d", first.Created, second.Created)
		}
		first.Created = 0
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("second load returned other ids:\n%+v\n%+v", first, second)
		}
		for _, tbl := range tables {
			if n := count(t, d, "SELECT count(*) FROM "+tbl); n != counts[tbl] {
				t.Errorf("%s: %d rows after the second load, %d after the first", tbl, n, counts[tbl])
			}
		}
		if n := auditCount(t, d, "org.demo.load"); n != 1 {
			t.Fatalf("demo audit entries = %d, want 1", n)
		}

		// What the demo holds.
		if first.Province.Code != "15" || first.Province.Name != "Tỉnh Lào Cai" || first.CommuneCount != 99 {
			t.Fatalf("province = %+v, %d communes", first.Province, first.CommuneCount)
		}
		if len(first.Departments) != 6 || len(first.Communes) != 3 {
			t.Fatalf("departments %v, communes %v", first.Departments, first.Communes)
		}
		top, err := s.Agencies(ctx, org.AgencyFilter{TopLevel: true})
		if err != nil || len(top) != 2 || top[0].ID != first.Ministry || top[1].ID != first.ProvinceCommittee {
			t.Fatalf("top level = %+v, %v", top, err)
		}
		for _, g := range append(top, mustAgency(t, s, first.Departments["SNV"])) {
			if !strings.HasPrefix(g.Code, "DEMO.") {
				t.Errorf("%s has code %q: demo codes must be marked DEMO.", g.Name, g.Code)
			}
		}
		sub, err := s.Subtree(ctx, first.ProvinceCommittee, org.Date{})
		if err != nil || len(sub) != 1+1+1+6+3*2 {
			t.Fatalf("province subtree = %v, %v", sub, err)
		}
		for _, c := range first.Communes {
			committee := mustAgency(t, s, c.Committee)
			centre := mustAgency(t, s, c.ServiceCentre)
			if committee.AdminUnitCode != c.Code || centre.ParentID != c.Committee || centre.Kind != org.KindCommuneServiceCentre {
				t.Errorf("commune %s: committee %+v, centre %+v", c.Code, committee, centre)
			}
			if in, err := s.InSubtree(ctx, first.ProvinceCommittee, c.ServiceCentre, org.Date{}); err != nil || !in {
				t.Errorf("centre of %s not under UBND tỉnh: %v", c.Code, err)
			}
			if units, err := s.Units(ctx, c.Committee, org.Date{}); err != nil || len(units) != 3 {
				t.Errorf("units of UBND %s = %+v, %v", c.Name, units, err)
			}
		}
		ministryUnits, err := s.Units(ctx, first.Ministry, org.Date{})
		if err != nil || len(ministryUnits) != 2 {
			t.Fatalf("ministry units = %+v, %v", ministryUnits, err)
		}

		// One official per role; the access module's eight official roles
		// are all there.
		roles := map[string]bool{}
		for _, o := range first.Officials {
			if roles[o.Role] {
				t.Errorf("role %s twice", o.Role)
			}
			roles[o.Role] = true
			got, err := s.Official(ctx, o.ID, org.Date{})
			if err != nil || got.FullName != o.FullName || got.AgencyID != o.AgencyID || got.UnitID != o.UnitID ||
				len(got.Assignments) != len(o.Positions) || got.Assignments[0].Position.ID != o.PositionIDs[0] {
				t.Errorf("official %s = %+v, %v", o.Role, got, err)
			}
		}
		for _, r := range []string{org.DemoLeader, org.DemoAgencyAdmin, org.DemoClerk, org.DemoSpecialist, org.DemoOneStop,
			org.DemoSystemAdmin, org.DemoSecurityOfficer, org.DemoAuditor} {
			if _, ok := first.Official(r); !ok {
				t.Errorf("no demo official for role %s", r)
			}
		}
		leader, _ := first.Official(org.DemoLeader)
		clerk, _ := first.Official(org.DemoClerk)
		if leader.AgencyID != first.ProvinceCommittee || clerk.UnitID != first.Units["H15.01/HCTC"] || clerk.UnitID == 0 {
			t.Fatalf("leader %+v, clerk %+v", leader, clerk)
		}
		staff, err := s.Officials(ctx, org.OfficialFilter{AgencyID: first.ProvinceCommittee, Subtree: true})
		if err != nil || len(staff) != 14 { // all but the ministry's specialist
			t.Fatalf("officials under UBND tỉnh = %d, %v", len(staff), err)
		}
		unit, err := s.Unit(ctx, clerk.UnitID)
		if err != nil || org.Symbol(ptr(mustAgency(t, s, first.ProvinceOffice)), unit) != "VPUBND-HCTC" {
			t.Fatalf("clerk's unit %+v, %v", unit, err)
		}
	})
}

func mustAgency(t *testing.T, s *org.Service, id int64) org.Agency {
	t.Helper()
	g, err := s.Agency(context.Background(), id, org.Date{})
	if err != nil {
		t.Fatal(err)
	}
	return *g
}

func ptr[T any](v T) *T { return &v }
