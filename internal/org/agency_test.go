package org_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func TestValidAgencyCode(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"H21", true},
		{"H21.17", true},
		{"H21.217", true},
		{"G12.18.112.001", true},
		{"G06.01", true},
		{"DEMO.H15.02647.01", true},
		{"000.00.01.H22", true}, // opaque: the 2016 style is neither required nor refused
		{strings.Repeat("A", 32), true},
		{strings.Repeat("A", 33), false},
		{"", false},
		{"H21 17", false},
		{"H21-17", false}, // '-' separates dossier-code parts
		{"H21_17", false}, // '_' separates digitised-document code parts
		{".H21", false},
		{"H21.", false},
		{"Hà21", false},
		{"H21/17", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := org.ValidAgencyCode(tt.code)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidAgencyCode(%q) = %v, want ok=%v", tt.code, err, tt.ok)
			}
			if err != nil {
				wantCode(t, err, apperr.Invalid)
			}
		})
	}
}

// tree creates UBND tỉnh Lào Cai and two departments on 2025-07-01.
func tree(t *testing.T, s *org.Service) (ubnd, snv, sdttg *org.Agency) {
	t.Helper()
	ctx := context.Background()
	mk := func(n org.NewAgency) *org.Agency {
		g, err := s.CreateAgency(ctx, admin, n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Name, err)
		}
		return g
	}
	day := date("2025-07-01")
	ubnd = mk(org.NewAgency{Name: "Ủy ban nhân dân tỉnh Lào Cai", ShortName: "UBND tỉnh Lào Cai", Code: "T.H15", Abbreviation: "UBND",
		Kind: org.KindProvinceCommittee, AdminUnitCode: "15", ValidFrom: day})
	snv = mk(org.NewAgency{Name: "Sở Nội vụ tỉnh Lào Cai", ShortName: "Sở Nội vụ", Code: "T.H15.10", Abbreviation: "SNV",
		Kind: org.KindDepartment, ParentID: ubnd.ID, AdminUnitCode: "15", ValidFrom: day})
	sdttg = mk(org.NewAgency{Name: "Sở Dân tộc và Tôn giáo tỉnh Lào Cai", ShortName: "Sở Dân tộc và Tôn giáo", Code: "T.H15.14", Abbreviation: "SDTTG",
		Kind: org.KindDepartment, ParentID: ubnd.ID, AdminUnitCode: "15", ValidFrom: day})
	return ubnd, snv, sdttg
}

func TestAgencyRenameAndMergeKeepHistory(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ubnd, snv, sdttg := tree(t, s)
		vp, err := s.CreateUnit(ctx, admin, org.NewUnit{AgencyID: sdttg.ID, Name: "Văn phòng Sở", Abbreviation: "VP", Kind: org.UnitOffice, ValidFrom: date("2025-07-01")})
		if err != nil {
			t.Fatal(err)
		}
		person, err := s.CreateOfficial(ctx, admin, org.NewOfficial{FullName: "Lò Văn Thử", AgencyID: sdttg.ID, UnitID: vp.ID,
			PositionCodes: []string{org.PosSpecialist}, ActiveFrom: date("2025-07-01")})
		if err != nil {
			t.Fatal(err)
		}

		// From 2026-03-01 (a fictional decision): Sở Nội vụ is renamed and
		// absorbs Sở Dân tộc và Tôn giáo with its staff.
		renamed, err := s.RenameAgency(ctx, admin, snv.ID, org.AgencyNames{Name: "Sở Nội vụ và Dân tộc tỉnh Lào Cai", Code: "T.H15.20", Abbreviation: "SNVDT"}, date("2026-03-01"))
		if err != nil {
			t.Fatal(err)
		}
		if renamed.ID != snv.ID || renamed.ShortName != "Sở Nội vụ và Dân tộc tỉnh Lào Cai" {
			t.Fatalf("renamed = %+v", renamed)
		}
		merged, err := s.MergeAgencies(ctx, admin, org.Merge{From: []int64{sdttg.ID}, Into: snv.ID, Effective: date("2026-03-01"), TransferOfficials: true})
		if err != nil {
			t.Fatal(err)
		}
		if merged.ID != snv.ID || len(merged.Predecessors) != 1 || merged.Predecessors[0] != (org.AgencyLink{AgencyID: sdttg.ID, Kind: org.LinkMerge, Effective: date("2026-03-01")}) {
			t.Fatalf("merged = %+v", merged)
		}

		type view struct {
			children     []string // names of UBND's children
			snvName      string
			snvByOldCode bool
			sdttg        bool
			subtree      int
			sdttgInside  bool
			sdttgUnits   int
			staffOfSDTTG int
			staffOfSNV   int
		}
		look := func(day string) view {
			on := date(day)
			var v view
			children, err := s.Agencies(ctx, org.AgencyFilter{ParentID: ubnd.ID, AsOf: on})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range children {
				v.children = append(v.children, c.Name)
			}
			g, err := s.Agency(ctx, snv.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			v.snvName = g.Name
			_, err = s.AgencyByCode(ctx, "T.H15.10", on)
			v.snvByOldCode = err == nil
			_, err = s.Agency(ctx, sdttg.ID, on)
			v.sdttg = err == nil
			ids, err := s.Subtree(ctx, ubnd.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			v.subtree = len(ids)
			if v.sdttgInside, err = s.InSubtree(ctx, ubnd.ID, sdttg.ID, on); err != nil {
				t.Fatal(err)
			}
			units, err := s.Units(ctx, sdttg.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			v.sdttgUnits = len(units)
			for _, c := range []struct {
				id  int64
				dst *int
			}{{sdttg.ID, &v.staffOfSDTTG}, {snv.ID, &v.staffOfSNV}} {
				staff, err := s.Officials(ctx, org.OfficialFilter{AgencyID: c.id, AsOf: on})
				if err != nil {
					t.Fatal(err)
				}
				*c.dst = len(staff)
			}
			return v
		}
		tests := []struct {
			day  string
			want view
		}{
			{"2026-02-28", view{children: []string{"Sở Dân tộc và Tôn giáo tỉnh Lào Cai", "Sở Nội vụ tỉnh Lào Cai"}, snvName: "Sở Nội vụ tỉnh Lào Cai",
				snvByOldCode: true, sdttg: true, subtree: 3, sdttgInside: true, sdttgUnits: 1, staffOfSDTTG: 1, staffOfSNV: 0}},
			{"2026-03-01", view{children: []string{"Sở Nội vụ và Dân tộc tỉnh Lào Cai"}, snvName: "Sở Nội vụ và Dân tộc tỉnh Lào Cai",
				snvByOldCode: false, sdttg: false, subtree: 2, sdttgInside: false, sdttgUnits: 0, staffOfSDTTG: 0, staffOfSNV: 1}},
		}
		for _, tt := range tests {
			t.Run(tt.day, func(t *testing.T) {
				got := look(tt.day)
				if !slices.Equal(got.children, tt.want.children) {
					t.Fatalf("children = %q, want %q", got.children, tt.want.children)
				}
				got.children, tt.want.children = nil, nil
				if got.snvName != tt.want.snvName || got.snvByOldCode != tt.want.snvByOldCode || got.sdttg != tt.want.sdttg ||
					got.subtree != tt.want.subtree || got.sdttgInside != tt.want.sdttgInside || got.sdttgUnits != tt.want.sdttgUnits ||
					got.staffOfSDTTG != tt.want.staffOfSDTTG || got.staffOfSNV != tt.want.staffOfSNV {
					t.Fatalf("as of %s:\n got %+v\nwant %+v", tt.day, got, tt.want)
				}
			})
		}

		old, err := s.Agency(ctx, sdttg.ID, date("2026-02-28"))
		if err != nil || old.ValidTo != date("2026-02-28") || len(old.Successors) != 1 || old.Successors[0].AgencyID != snv.ID {
			t.Fatalf("ended agency = %+v, %v", old, err)
		}
		hist, err := s.AgencyHistory(ctx, snv.ID)
		if err != nil || len(hist) != 2 || hist[0].Abbreviation != "SNV" || hist[1].Abbreviation != "SNVDT" || hist[0].ValidTo != date("2026-02-28") {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		p, err := s.Official(ctx, person.ID, org.Date{})
		if err != nil || p.AgencyID != snv.ID || p.UnitID != 0 || len(p.Assignments) != 1 || p.Assignments[0].AgencyID != snv.ID {
			t.Fatalf("transferred official = %+v, %v", p, err)
		}
		p, err = s.Official(ctx, person.ID, date("2026-01-15"))
		if err != nil || len(p.Assignments) != 1 || p.Assignments[0].AgencyID != sdttg.ID || p.Assignments[0].UnitID != vp.ID {
			t.Fatalf("official before the merger = %+v, %v", p, err)
		}

		// Changes that must be refused.
		refused := []struct {
			name string
			do   func() error
			code apperr.Code
		}{
			{"rename dated on the current version's start", func() error {
				_, err := s.RenameAgency(ctx, admin, snv.ID, org.AgencyNames{Name: "Khác"}, date("2026-03-01"))
				return err
			}, apperr.Invalid},
			{"rename with nothing new", func() error {
				_, err := s.RenameAgency(ctx, admin, snv.ID, org.AgencyNames{Abbreviation: "SNVDT"}, date("2026-05-01"))
				return err
			}, apperr.Invalid},
			{"rename an ended agency", func() error {
				_, err := s.RenameAgency(ctx, admin, sdttg.ID, org.AgencyNames{Name: "Khác"}, date("2026-05-01"))
				return err
			}, apperr.Conflict},
			{"rename an unknown agency", func() error {
				_, err := s.RenameAgency(ctx, admin, 999999, org.AgencyNames{Name: "Khác"}, date("2026-05-01"))
				return err
			}, apperr.NotFound},
			{"take another agency's code", func() error {
				_, err := s.RenameAgency(ctx, admin, snv.ID, org.AgencyNames{Code: "T.H15"}, date("2026-05-01"))
				return err
			}, apperr.Conflict},
			{"retire an agency with children and no successor", func() error {
				return s.RetireAgency(ctx, admin, ubnd.ID, org.Retirement{Effective: date("2026-05-01")})
			}, apperr.Conflict},
			{"move an agency under its own child", func() error {
				_, err := s.MoveAgency(ctx, admin, ubnd.ID, snv.ID, date("2026-05-01"))
				return err
			}, apperr.Invalid},
			{"merge an agency into itself", func() error {
				_, err := s.MergeAgencies(ctx, admin, org.Merge{From: []int64{snv.ID}, Into: snv.ID, Effective: date("2026-05-01")})
				return err
			}, apperr.Invalid},
			{"change without an actor", func() error {
				_, err := s.RenameAgency(ctx, nil, snv.ID, org.AgencyNames{Name: "Khác"}, date("2026-05-01"))
				return err
			}, apperr.Unauthorized},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.do(), tt.code) })
		}
		if n := count(t, d, "SELECT count(*) FROM org_agency_versions"); n != 4 {
			t.Fatalf("versions after refused changes = %d, want 4 (UBND, SNV ×2, SDTTG)", n)
		}
		for action, want := range map[string]int{"org.agency.create": 3, "org.agency.rename": 1, "org.agency.merge": 1} {
			if n := auditCount(t, d, action); n != want {
				t.Errorf("audit %s = %d, want %d", action, n, want)
			}
		}
	})
}

// TestAgencyMergeIntoNewSplitRetire: hợp nhất into a new agency that reuses
// a predecessor's code, children following; a split; a replacement.
func TestAgencyMergeIntoNewSplitRetire(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ubnd, snv, sdttg := tree(t, s)
		child, err := s.CreateAgency(ctx, admin, org.NewAgency{Name: "Chi cục Văn thư - Lưu trữ", Abbreviation: "CCVTLT", Kind: org.KindOther,
			ParentID: snv.ID, AdminUnitCode: "15", ValidFrom: date("2025-07-01")})
		if err != nil {
			t.Fatal(err)
		}
		eff := date("2026-06-01")
		merged, err := s.MergeAgencies(ctx, admin, org.Merge{From: []int64{snv.ID, sdttg.ID}, Effective: eff,
			New: org.NewAgency{Name: "Sở Nội vụ tỉnh Lào Cai", Code: "T.H15.10", Abbreviation: "SNV", Kind: org.KindDepartment,
				ParentID: ubnd.ID, AdminUnitCode: "15"}})
		if err != nil {
			t.Fatal(err)
		}
		if merged.ID == snv.ID || merged.ValidFrom != eff || len(merged.Predecessors) != 2 {
			t.Fatalf("merged = %+v", merged)
		}
		for _, tt := range []struct {
			day    string
			parent int64
			byCode int64
		}{
			{"2026-05-31", snv.ID, snv.ID},
			{"2026-06-01", merged.ID, merged.ID},
		} {
			c, err := s.Agency(ctx, child.ID, date(tt.day))
			if err != nil || c.ParentID != tt.parent {
				t.Fatalf("child on %s: %+v, %v; want parent %d", tt.day, c, err, tt.parent)
			}
			g, err := s.AgencyByCode(ctx, "T.H15.10", date(tt.day))
			if err != nil || g.ID != tt.byCode {
				t.Fatalf("T.H15.10 on %s = %+v, %v; want %d", tt.day, g, err, tt.byCode)
			}
		}
		in, err := s.InSubtree(ctx, merged.ID, child.ID, eff)
		if err != nil || !in {
			t.Fatalf("child inside the merged agency: %v, %v", in, err)
		}

		// Split the child into two, then replace one part by the other.
		parts, err := s.SplitAgency(ctx, admin, child.ID, []org.NewAgency{
			{Name: "Trung tâm Lưu trữ lịch sử", Abbreviation: "TTLT", Kind: org.KindOther, ParentID: merged.ID, AdminUnitCode: "15"},
			{Name: "Phòng Văn thư", Abbreviation: "PVT", Kind: org.KindOther, ParentID: merged.ID, AdminUnitCode: "15"},
		}, date("2026-09-01"))
		if err != nil || len(parts) != 2 {
			t.Fatalf("split = %+v, %v", parts, err)
		}
		old, err := s.Agency(ctx, child.ID, date("2026-08-31"))
		if err != nil || len(old.Successors) != 2 || old.Successors[0].Kind != org.LinkSplit {
			t.Fatalf("split agency = %+v, %v", old, err)
		}
		if err := s.RetireAgency(ctx, admin, parts[1].ID, org.Retirement{Effective: date("2026-10-01"), SuccessorID: parts[0].ID}); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Subtree(ctx, merged.ID, date("2026-10-01"))
		if err != nil || !slices.Equal(ids, []int64{merged.ID, parts[0].ID}) {
			t.Fatalf("subtree on 2026-10-01 = %v, %v", ids, err)
		}
		ids, err = s.Subtree(ctx, merged.ID, date("2026-09-15"))
		if err != nil || len(ids) != 3 {
			t.Fatalf("subtree on 2026-09-15 = %v, %v", ids, err)
		}
		_, err = s.Subtree(ctx, snv.ID, date("2026-10-01"))
		wantCode(t, err, apperr.NotFound)
	})
}

func TestCreateAgencyValidation(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ubnd, _, _ := tree(t, s)
		day := date("2025-07-01")
		ok := org.NewAgency{Name: "Sở Y tế tỉnh Lào Cai", Abbreviation: "SYT", Kind: org.KindDepartment, ParentID: ubnd.ID, AdminUnitCode: "15", ValidFrom: day}
		tests := []struct {
			name  string
			edit  func(*org.NewAgency)
			code  apperr.Code
			field string
		}{
			{"empty name", func(n *org.NewAgency) { n.Name = "  " }, apperr.Invalid, "name"},
			{"bad code", func(n *org.NewAgency) { n.Code = "H15 11" }, apperr.Invalid, "code"},
			{"abbreviation with a dash", func(n *org.NewAgency) { n.Abbreviation = "S-YT" }, apperr.Invalid, "abbreviation"},
			{"unknown kind", func(n *org.NewAgency) { n.Kind = "district_committee" }, apperr.Invalid, "kind"},
			{"department without a province", func(n *org.NewAgency) { n.AdminUnitCode = "" }, apperr.Invalid, "admin_unit_code"},
			{"department on a commune", func(n *org.NewAgency) { n.AdminUnitCode = "02647" }, apperr.Invalid, "admin_unit_code"},
			{"ministry on a province", func(n *org.NewAgency) { n.Kind = org.KindMinistry; n.ParentID = 0 }, apperr.Invalid, "admin_unit_code"},
			{"unit that does not exist that day", func(n *org.NewAgency) { n.ValidFrom = date("2025-06-30") }, apperr.Invalid, "admin_unit_code"},
			{"parent that does not exist", func(n *org.NewAgency) { n.ParentID = 424242 }, apperr.Invalid, "parent_id"},
			{"code already used", func(n *org.NewAgency) { n.Code = "T.H15.10" }, apperr.Conflict, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := ok
				tt.edit(&n)
				_, err := s.CreateAgency(ctx, admin, n)
				wantCode(t, err, tt.code)
				var e *apperr.Error
				if tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field) {
					t.Fatalf("field of %v, want %s", err, tt.field)
				}
			})
		}
		g, err := s.CreateAgency(ctx, admin, ok)
		if err != nil || g.ShortName != g.Name {
			t.Fatalf("valid agency: %+v, %v", g, err)
		}
	})
}

func TestOfficialsSortTheVietnameseWay(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ubnd, _, _ := tree(t, s)
		names := []string{"Phạm Văn Đạt", "Hoàng Dung", "Lê Thị Ánh", "Trần Đức Bình", "Nguyễn Văn An", "Vũ Thị Ánh"}
		for _, n := range names {
			if _, err := s.CreateOfficial(ctx, admin, org.NewOfficial{FullName: n, AgencyID: ubnd.ID,
				PositionCodes: []string{org.PosSpecialist}, ActiveFrom: date("2025-07-01")}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.Officials(ctx, org.OfficialFilter{AgencyID: ubnd.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range list {
			got = append(got, o.FullName)
		}
		want := []string{"Nguyễn Văn An", "Lê Thị Ánh", "Vũ Thị Ánh", "Trần Đức Bình", "Hoàng Dung", "Phạm Văn Đạt"}
		if !slices.Equal(got, want) {
			t.Fatalf("order = %q, want %q", got, want)
		}
	})
}

func TestByParentGroupsAndKeepsOrder(t *testing.T) {
	list := []org.Agency{{ID: 1}, {ID: 2, ParentID: 1}, {ID: 9}, {ID: 3, ParentID: 1}, {ID: 4, ParentID: 3}}
	g := org.ByParent(list)
	ids := func(as []org.Agency) (out []int64) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(g[0]); !slices.Equal(got, []int64{1, 9}) {
		t.Fatalf("top level %v", got)
	}
	if got := ids(g[1]); !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("under 1: %v", got)
	}
	if got := ids(g[3]); !slices.Equal(got, []int64{4}) || len(g[2]) != 0 {
		t.Fatalf("under 3: %v, under 2: %v", got, g[2])
	}
}
