package org_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Every kind of org change asks access.Can: an official without the right
// over the agencies it touches is refused with EFORBIDDEN before anything
// is written, and the refusal is in the audit log (outcome denied) like
// every module's; the system and a rightful administrator pass.
func TestChangesAskAccessAndAuditRefusals(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		clock := func() time.Time { return now }
		l, err := audit.New(d, audit.Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: l, Tree: s}))
		demo, err := s.LoadDemo(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		snv, stc, office := demo.Departments["SNV"], demo.Departments["STC"], demo.ProvinceOffice
		clerk, _ := demo.Official(org.DemoClerk)
		commune := demo.Communes[0].Committee
		// The administrator of a commune's People's Committee: a right to
		// edit, but over another agency; and an official with no role.
		communeAdmin := &actor.Actor{AccountID: 50, Kind: actor.Official, Name: "Quản trị xã", AgencyID: commune,
			Roles: []actor.RoleGrant{{Role: string(access.AgencyAdmin), AgencyID: commune}}}
		nobody := &actor.Actor{AccountID: 51, Kind: actor.Official, Name: "Chuyên viên", AgencyID: snv,
			Roles: []actor.RoleGrant{{Role: string(access.Specialist), AgencyID: snv}}}
		unit := demo.Units["H15.01/HCTC"]
		eff := date("2026-12-01")
		changes := []struct {
			name   string
			action access.Action
			change func(a *actor.Actor) error
		}{
			{"create agency", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.CreateAgency(ctx, a, org.NewAgency{Name: "Sở Mới tỉnh Lào Cai", Abbreviation: "SM", Kind: org.KindDepartment,
					ParentID: demo.ProvinceCommittee, AdminUnitCode: demo.Province.Code})
				return err
			}},
			{"rename agency", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.RenameAgency(ctx, a, snv, org.AgencyNames{Name: "Sở Nội vụ mới tỉnh Lào Cai"}, eff)
				return err
			}},
			{"move agency", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.MoveAgency(ctx, a, snv, commune, eff)
				return err
			}},
			{"merge agencies", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.MergeAgencies(ctx, a, org.Merge{From: []int64{stc}, Into: snv, Effective: eff})
				return err
			}},
			{"split agency", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.SplitAgency(ctx, a, stc, []org.NewAgency{
					{Name: "Sở A tỉnh Lào Cai", Abbreviation: "SA", Kind: org.KindDepartment, ParentID: demo.ProvinceCommittee, AdminUnitCode: demo.Province.Code},
					{Name: "Sở B tỉnh Lào Cai", Abbreviation: "SB", Kind: org.KindDepartment, ParentID: demo.ProvinceCommittee, AdminUnitCode: demo.Province.Code},
				}, eff)
				return err
			}},
			{"retire agency", access.OrgAgencyEdit, func(a *actor.Actor) error {
				return s.RetireAgency(ctx, a, stc, org.Retirement{Effective: eff, SuccessorID: snv})
			}},
			{"create unit", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.CreateUnit(ctx, a, org.NewUnit{AgencyID: office, Name: "Phòng Mới", Abbreviation: "PM", Kind: org.UnitDivision})
				return err
			}},
			{"retire unit", access.OrgAgencyEdit, func(a *actor.Actor) error { return s.RetireUnit(ctx, a, unit, eff) }},
			{"create position", access.OrgOfficialEdit, func(a *actor.Actor) error {
				_, err := s.CreatePosition(ctx, a, org.Position{Code: "tong_thu_ky", Name: "Tổng Thư ký", Rank: 50})
				return err
			}},
			{"create official", access.OrgOfficialEdit, func(a *actor.Actor) error {
				_, err := s.CreateOfficial(ctx, a, org.NewOfficial{FullName: "Người Mới", AgencyID: office, PositionCodes: []string{org.PosSpecialist}})
				return err
			}},
			{"reassign official", access.OrgOfficialEdit, func(a *actor.Actor) error {
				_, err := s.ReassignOfficial(ctx, a, clerk.ID, org.Reassignment{AgencyID: commune, PositionCodes: []string{org.PosClerk}, Effective: eff})
				return err
			}},
			{"end service", access.OrgOfficialEdit, func(a *actor.Actor) error { return s.EndService(ctx, a, clerk.ID, eff) }},
			{"import units", access.OrgUnitImport, func(a *actor.Actor) error {
				_, err := s.ImportUnits(ctx, a, strings.NewReader(""), eff)
				return err
			}},
			{"load the demo", access.OrgAgencyEdit, func(a *actor.Actor) error {
				_, err := s.LoadDemo(ctx, a)
				return err
			}},
		}
		written := func() int {
			return count(t, d, "SELECT (SELECT count(*) FROM org_agency_versions) + (SELECT count(*) FROM org_units) + (SELECT count(*) FROM org_officials)"+
				" + (SELECT count(*) FROM org_positions) + (SELECT count(*) FROM org_official_positions) + (SELECT count(*) FROM org_admin_unit_lists)")
		}
		before := written()
		for _, who := range []*actor.Actor{communeAdmin, nobody} {
			for _, c := range changes {
				denied := count(t, d, "SELECT count(*) FROM audit_entries WHERE outcome = 'denied' AND action = '"+string(c.action)+"'")
				err := c.change(who)
				if apperr.CodeOf(err) != apperr.Forbidden {
					t.Errorf("%s by %s: %v, want EFORBIDDEN", c.name, who.Name, err)
				}
				if n := count(t, d, "SELECT count(*) FROM audit_entries WHERE outcome = 'denied' AND action = '"+string(c.action)+"'"); n != denied+1 {
					t.Errorf("%s by %s: %d refusals audited, want 1", c.name, who.Name, n-denied)
				}
			}
		}
		if after := written(); after != before {
			t.Fatalf("refused changes wrote %d rows", after-before)
		}
		if err := changes[1].change(nil); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("anonymous change: %v", err)
		}

		// The commune's administrator edits their own committee.
		if _, err := s.CreateUnit(ctx, communeAdmin, org.NewUnit{AgencyID: commune, Name: "Phòng Kinh tế", Abbreviation: "PKT", Kind: org.UnitDivision}); err != nil {
			t.Fatalf("an agency administrator cannot add a unit to their agency: %v", err)
		}
		// The system (start-up, the command line) passes.
		if _, err := s.RenameAgency(ctx, actor.SystemActor("cli"), snv, org.AgencyNames{Name: "Sở Nội vụ mới tỉnh Lào Cai"}, eff); err != nil {
			t.Fatalf("the system was refused: %v", err)
		}
	})
}
