package org_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Quảng Ninh's demo has the same shape as Lào Cai's under its own codes,
// names and communes, and no ministry.
func TestDemoProvinceQuangNinh(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		demo, err := s.LoadDemoProvince(ctx, nil, "22")
		if err != nil {
			t.Fatal(err)
		}
		if demo.Province.Code != "22" || demo.Province.Name != "Tỉnh Quảng Ninh" || demo.CommuneCount != 54 {
			t.Fatalf("province = %+v, %d communes", demo.Province, demo.CommuneCount)
		}
		if demo.Ministry != 0 {
			t.Fatalf("ministry %d: Quảng Ninh's demo has none", demo.Ministry)
		}
		top, err := s.Agencies(ctx, org.AgencyFilter{TopLevel: true})
		if err != nil || len(top) != 1 || top[0].ID != demo.ProvinceCommittee {
			t.Fatalf("top level = %+v, %v", top, err)
		}
		committee := mustAgency(t, s, demo.ProvinceCommittee)
		if committee.Code != "DEMO.H22" || committee.Name != "Ủy ban nhân dân tỉnh Quảng Ninh" || committee.AdminUnitCode != "22" {
			t.Fatalf("committee = %+v", committee)
		}
		sub, err := s.Subtree(ctx, demo.ProvinceCommittee, org.Date{})
		if err != nil || len(sub) != 1+1+1+6+3*2 {
			t.Fatalf("province subtree = %d, %v", len(sub), err)
		}
		for _, id := range sub {
			g := mustAgency(t, s, id)
			if !strings.HasPrefix(g.Code, "DEMO.H22") || strings.Contains(g.Name, "Lào Cai") {
				t.Errorf("agency %s has code %q", g.Name, g.Code)
			}
		}
		names := map[string]bool{}
		for _, c := range demo.Communes {
			names[c.Name] = true
		}
		if !names["Phường Hạ Long"] || !names["Phường Móng Cái 1"] || !names["Xã Tiên Yên"] || demo.Spec.OnestopCommune() != "06862" {
			t.Fatalf("communes %+v", demo.Communes)
		}
		if len(demo.Officials) != 14 {
			t.Fatalf("%d officials, want 14 (no ministry specialist)", len(demo.Officials))
		}
		if _, ok := demo.Official(org.DemoMinistrySpecialist); ok {
			t.Fatal("a ministry specialist without a ministry")
		}
		clerk, _ := demo.Official(org.DemoCommuneClerk)
		tienYen := mustAgency(t, s, clerk.AgencyID)
		if tienYen.Code != "DEMO.H22.06862" || clerk.FullName != "Vi Thị Hoa" || clerk.UnitID != demo.Units["H22.06862/VP"] {
			t.Fatalf("commune clerk %+v at %+v", clerk, tienYen)
		}
		// Loading it again creates nothing.
		again, err := s.LoadDemoProvince(ctx, admin, "22")
		if err != nil || again.Created != 0 {
			t.Fatalf("second load created %d, %v", again.Created, err)
		}
	})
}

func TestDemoProvinceUnknownRefused(t *testing.T) {
	for _, code := range []string{"01", "99", "H15", "1 5"} {
		_, err := org.LookupDemoProvince(code)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != "demo_province" || !strings.Contains(ae.Message, "15 Lào Cai, 22 Quảng Ninh") {
			t.Errorf("%q: %v", code, err)
		}
	}
	for code, want := range map[string]string{"": "Lào Cai", "15": "Lào Cai", "22": "Quảng Ninh"} {
		if p, err := org.LookupDemoProvince(code); err != nil || p.Name != want {
			t.Errorf("%q = %+v, %v", code, p, err)
		}
	}
}
