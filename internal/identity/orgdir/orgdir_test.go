package orgdir_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/orgdir"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

var modules = []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}

const pw = "Sông Hồng chảy về biển 2026"

type fixture struct {
	ctx  context.Context
	org  *org.Service
	demo *org.Demo
	id   *identity.Service
}

// newFixture wires org, access and identity as the application does, on
// the demo province, with one login per demo role.
func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	log, err := audit.New(d, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.New(d, org.Options{Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log, Tree: o}))
	demo, err := o.LoadDemo(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.New(d, identity.Options{Audit: log, Directory: orgdir.New(o), SecretKey: make([]byte, identity.SecretKeyLen),
		Argon2: identity.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.SeedDemo(ctx, orgdir.DemoOfficials(demo)); err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, org: o, demo: demo, id: id}
}

func (f *fixture) signIn(t *testing.T, login string) *actor.Actor {
	t.Helper()
	res, err := f.id.Login(f.ctx, identity.LoginRequest{Login: login, Password: "Demo@2026-chinhquyen", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	a, _, err := f.id.Authenticate(f.ctx, res.Token, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) position(t *testing.T, code string) int64 {
	t.Helper()
	list, err := f.org.Positions(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Code == code {
			return p.ID
		}
	}
	t.Fatalf("no position %s", code)
	return 0
}

func TestAccountsAndGrantsAreCheckedAgainstOrg(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sys := actor.SystemActor("test")
		office := f.demo.ProvinceOffice // the demo agency administrator's agency (with its subtree)
		centre := f.demo.ServiceCentre  // below the office
		snv := f.demo.Departments["SNV"]
		hctc := f.demo.Units["H15.01/HCTC"]
		snvOffice := f.demo.Units["H15.10/VP"]
		clerkPos := f.position(t, org.PosClerk)
		specialist, _ := f.demo.Official(org.DemoSpecialist) // works at Sở Nội vụ
		admin := f.signIn(t, "demo.agency_admin")

		// A unit retired at the start of 2026 and an agency that starts on
		// the first of January after today (by the test's clock).
		kt := f.demo.Units["H15.01/KT"]
		if err := f.org.RetireUnit(f.ctx, sys, kt, org.MustDate("2026-01-01")); err != nil {
			t.Fatal(err)
		}
		future, err := f.org.CreateAgency(f.ctx, sys, org.NewAgency{Name: "Sở Mới tỉnh Lào Cai", Abbreviation: "SM", Kind: org.KindDepartment,
			ParentID: f.demo.ProvinceCommittee, AdminUnitCode: "15", ValidFrom: org.MustDate(fmt.Sprintf("%d-01-01", clock.Now().In(locale.VN).Year()+1))})
		if err != nil {
			t.Fatal(err)
		}
		newcomer, err := f.org.CreateOfficial(f.ctx, sys, org.NewOfficial{FullName: "Hà Văn Mới", AgencyID: office, UnitID: hctc, PositionCodes: []string{org.PosClerk}})
		if err != nil {
			t.Fatal(err)
		}

		n := 0
		official := func(agency, unit, person int64, positions ...int64) identity.NewOfficial {
			n++
			return identity.NewOfficial{Username: "canbo.moi" + strings.Repeat("x", n), Name: "Cán Bộ Mới", Password: pw,
				AgencyID: agency, UnitID: unit, OfficialID: person, Positions: positions}
		}
		tests := []struct {
			name  string
			by    *actor.Actor
			in    identity.NewOfficial
			code  apperr.Code
			field string
			msg   string
		}{
			{"own agency, its unit and a position", admin, official(office, hctc, 0, clerkPos), "", "", ""},
			{"agency below in the org tree", admin, official(centre, 0, 0, clerkPos), "", "", ""},
			{"the person's own record", admin, official(office, hctc, newcomer.ID, clerkPos), "", "", ""},
			{"agency outside the administrator's scope", admin, official(snv, 0, 0, clerkPos), apperr.Forbidden, "", "không có quyền"},
			{"unit of another agency", admin, official(office, snvOffice, 0, clerkPos), apperr.Invalid, "unit", "không thuộc Văn phòng Ủy ban nhân dân tỉnh Lào Cai"},
			{"unknown unit", admin, official(office, 987654, 0, clerkPos), apperr.Invalid, "unit", "Không có đơn vị mã số 987654"},
			{"retired unit", admin, official(office, kt, 0, clerkPos), apperr.Invalid, "unit", "đã thôi hoạt động từ sau ngày 31/12/2025"},
			{"unknown position", admin, official(office, 0, 0, 987654), apperr.Invalid, "positions", "Chức vụ mã số 987654 không có trong danh mục"},
			{"record of an official elsewhere", admin, official(office, 0, specialist.ID, clerkPos), apperr.Invalid, "official", "Trần Thu Hà không công tác tại"},
			{"unknown official record", admin, official(office, 0, 987654, clerkPos), apperr.Invalid, "official", "Không có hồ sơ cán bộ mã số 987654"},
			{"agency not yet existing (platform-wide administrator)", sys, official(future.ID, 0, 0, clerkPos), apperr.Invalid, "agency", "Không có cơ quan mã số"},
			{"unknown agency (platform-wide administrator)", sys, official(987654, 0, 0, clerkPos), apperr.Invalid, "agency", "Không có cơ quan mã số 987654"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.id.CreateOfficial(f.ctx, tt.by, tt.in)
				if apperr.CodeOf(err) != tt.code {
					t.Fatalf("code = %q (%v), want %q", apperr.CodeOf(err), err, tt.code)
				}
				var ae *apperr.Error
				if err != nil && (!errors.As(err, &ae) || ae.Field != tt.field || !strings.Contains(ae.Message, tt.msg)) {
					t.Fatalf("err = %#v, want field %q and %q", err, tt.field, tt.msg)
				}
			})
		}

		// Grants: the agency must exist today, and the account must be in the
		// grantor's scope as well as the agency of the role.
		clerk, err := f.id.CreateOfficial(f.ctx, admin, official(office, hctc, 0, clerkPos))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.id.GrantRole(f.ctx, admin, clerk.ID, actor.RoleGrant{Role: "clerk", AgencyID: centre}); err != nil {
			t.Fatalf("grant in an agency below: %v", err)
		}
		if err := f.id.GrantRole(f.ctx, sys, clerk.ID, actor.RoleGrant{Role: "clerk", AgencyID: future.ID}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("grant in an agency that does not exist yet: %v", err)
		}
		var specialistAccount int64
		list, err := f.id.Officials(f.ctx, sys, snv)
		if err != nil || len(list) == 0 {
			t.Fatalf("officials of SNV: %d %v", len(list), err)
		}
		specialistAccount = list[0].ID
		if err := f.id.GrantRole(f.ctx, admin, specialistAccount, actor.RoleGrant{Role: "clerk", AgencyID: office}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("grant to an official of another agency: %v", err)
		}
		if err := f.id.RevokeRole(f.ctx, admin, clerk.ID, actor.RoleGrant{Role: "clerk", AgencyID: centre}); err != nil {
			t.Fatalf("revoke: %v", err)
		}
	})
}

func TestDemoLoginsBelongToTheirOfficialsAgencies(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	f := newFixture(t, d)
	sysadmin := f.signIn(t, "demo.system_admin")
	want, _ := f.demo.Official(org.DemoSystemAdmin)
	if sysadmin.AgencyID != want.AgencyID || !sysadmin.HasRole("system_admin") || sysadmin.Roles[0].AgencyID != 0 {
		t.Fatalf("system administrator: agency %d (want %d), roles %+v", sysadmin.AgencyID, want.AgencyID, sysadmin.Roles)
	}
	if got := orgdir.New(f.org).AgencyName(f.ctx, want.AgencyID); got != "Sở Khoa học và Công nghệ tỉnh Lào Cai" {
		t.Fatalf("AgencyName = %q", got)
	}
}
