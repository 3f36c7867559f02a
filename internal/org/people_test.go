package org_test

import (
	"context"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func TestUnitsPositionsAndOfficialsOverTime(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ubnd, snv, _ := tree(t, s)
		day := date("2025-07-01")
		vp, err := s.CreateUnit(ctx, admin, org.NewUnit{AgencyID: snv.ID, Name: "Văn phòng Sở", Abbreviation: "VP", Kind: org.UnitOffice, ValidFrom: day})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateUnit(ctx, admin, org.NewUnit{AgencyID: snv.ID, Name: "Văn phòng khác", Abbreviation: "VP", Kind: org.UnitOffice, ValidFrom: day})
		wantCode(t, err, apperr.Conflict)
		_, err = s.CreateUnit(ctx, admin, org.NewUnit{AgencyID: snv.ID, Name: "Phòng X", Abbreviation: "X", Kind: "huyen", ValidFrom: day})
		wantCode(t, err, apperr.Invalid)
		if got := org.Symbol(snv, vp); got != "SNV-VP" {
			t.Fatalf("Symbol = %q", got)
		}

		p, err := s.CreatePosition(ctx, admin, org.Position{Code: "chanh_thanh_tra_so", Name: "Chánh Thanh tra Sở", Leader: true, Rank: 35})
		if err != nil || p.ID == 0 {
			t.Fatalf("CreatePosition = %+v, %v", p, err)
		}
		_, err = s.CreatePosition(ctx, admin, org.Position{Code: "chanh_thanh_tra_so", Name: "Lặp"})
		wantCode(t, err, apperr.Conflict)
		_, err = s.CreatePosition(ctx, admin, org.Position{Code: "Chánh", Name: "Sai mã"})
		wantCode(t, err, apperr.Invalid)

		// Registration is checked field by field.
		bad := []struct {
			name string
			n    org.NewOfficial
		}{
			{"no name", org.NewOfficial{AgencyID: snv.ID, PositionCodes: []string{org.PosSpecialist}}},
			{"no position", org.NewOfficial{FullName: "Lê Văn A", AgencyID: snv.ID}},
			{"unknown position", org.NewOfficial{FullName: "Lê Văn A", AgencyID: snv.ID, PositionCodes: []string{"tong_thong"}}},
			{"unit of another agency", org.NewOfficial{FullName: "Lê Văn A", AgencyID: ubnd.ID, UnitID: vp.ID, PositionCodes: []string{org.PosSpecialist}}},
			{"bad e-mail", org.NewOfficial{FullName: "Lê Văn A", AgencyID: snv.ID, Email: "a@", PositionCodes: []string{org.PosSpecialist}}},
			{"bad phone", org.NewOfficial{FullName: "Lê Văn A", AgencyID: snv.ID, Phone: "09x", PositionCodes: []string{org.PosSpecialist}}},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.CreateOfficial(ctx, admin, tt.n)
				wantCode(t, err, apperr.Invalid)
			})
		}

		// A decomposed name is stored in NFC.
		o, err := s.CreateOfficial(ctx, admin, org.NewOfficial{FullName: "  Ly\u0301  Thi\u0323 Hoa  ", StaffCode: "LC-0001", AgencyID: snv.ID, UnitID: vp.ID,
			Email: "hoa@example.gov.vn", Phone: "+84 912 345 678", PositionCodes: []string{org.PosSpecialist, org.PosClerk}, ActiveFrom: day})
		if err != nil {
			t.Fatal(err)
		}
		if o.FullName != "Lý Thị Hoa" || len(o.Assignments) != 2 {
			t.Fatalf("official = %+v", o)
		}
		_, err = s.CreateOfficial(ctx, admin, org.NewOfficial{FullName: "Người Khác", StaffCode: "LC-0001", AgencyID: snv.ID, PositionCodes: []string{org.PosSpecialist}})
		wantCode(t, err, apperr.Conflict)

		// Promoted to UBND tỉnh on 2026-01-01, retired on 2026-10-01.
		if _, err := s.ReassignOfficial(ctx, admin, o.ID, org.Reassignment{AgencyID: ubnd.ID, PositionCodes: []string{org.PosViceChair}, Effective: date("2026-01-01")}); err != nil {
			t.Fatal(err)
		}
		if err := s.RetireUnit(ctx, admin, vp.ID, date("2026-02-01")); err != nil {
			t.Fatal(err)
		}
		if err := s.EndService(ctx, admin, o.ID, date("2026-10-01")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			day                   string
			inSNV, inUBND, leader int
			units                 int
		}{
			{"2025-12-31", 1, 0, 0, 1},
			{"2026-01-01", 0, 1, 1, 1},
			{"2026-02-01", 0, 1, 1, 0},
			{"2026-10-01", 0, 0, 0, 0},
		} {
			t.Run(tt.day, func(t *testing.T) {
				on := date(tt.day)
				n := func(f org.OfficialFilter) int {
					f.AsOf = on
					list, err := s.Officials(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					return len(list)
				}
				units, err := s.Units(ctx, snv.ID, on)
				if err != nil {
					t.Fatal(err)
				}
				got := []int{n(org.OfficialFilter{AgencyID: snv.ID}), n(org.OfficialFilter{AgencyID: ubnd.ID}), n(org.OfficialFilter{PositionCode: org.PosViceChair}), len(units)}
				want := []int{tt.inSNV, tt.inUBND, tt.leader, tt.units}
				if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
					t.Fatalf("SNV, UBND, Phó Chủ tịch, units = %v, want %v", got, want)
				}
			})
		}
		byCode, err := s.OfficialByStaffCode(ctx, "LC-0001", date("2025-08-01"))
		if err != nil || byCode.ID != o.ID || len(byCode.Assignments) != 2 || byCode.ActiveTo != date("2026-09-30") {
			t.Fatalf("OfficialByStaffCode = %+v, %v", byCode, err)
		}
		wantCode(t, s.EndService(ctx, admin, o.ID, date("2026-11-01")), apperr.Conflict)
		for action, want := range map[string]int{"org.unit.create": 1, "org.unit.retire": 1, "org.position.create": 1,
			"org.official.create": 1, "org.official.reassign": 1, "org.official.end": 1} {
			if n := auditCount(t, d, action); n != want {
				t.Errorf("audit %s = %d, want %d", action, n, want)
			}
		}
	})
}
