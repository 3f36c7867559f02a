package access

import (
	"context"
	"errors"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// province 1 has departments 2 and 3; commune 4 is under 3. Agency 9 is in
// another province.
var testTree = SubtreeFunc(func(ctx context.Context, root int64) ([]int64, error) {
	switch root {
	case 1:
		return []int64{1, 2, 3, 4}, nil
	case 3:
		return []int64{3, 4}, nil
	case 666:
		return nil, errors.New("database down")
	}
	return []int64{root}, nil
})

func official(id, agency int64, clearance string, grants ...actor.RoleGrant) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, AgencyID: agency, Clearance: clearance, MFA: true, Roles: grants}
}

func grant(r Role, agency int64, subtree bool) actor.RoleGrant {
	return actor.RoleGrant{Role: string(r), AgencyID: agency, Subtree: subtree}
}

func TestCanScenarios(t *testing.T) {
	provAdmin := official(1, 1, "noi_bo", grant(AgencyAdmin, 1, true))
	communeAdmin := official(2, 4, "noi_bo", grant(AgencyAdmin, 4, false))
	deptAdminNoSubtree := official(3, 3, "noi_bo", grant(AgencyAdmin, 3, false))
	sysAdmin := official(4, 1, "noi_bo", grant(SystemAdmin, 0, false))
	specialist := official(5, 4, "noi_bo", grant(Specialist, 4, false))
	specialistUnit := official(6, 4, "noi_bo", grant(Specialist, 4, false))
	specialistUnit.UnitID = 77
	secretCleared := official(7, 4, "mat", grant(Specialist, 4, false))
	topCleared := official(8, 9, "tuyet_mat", grant(Leader, 9, false))
	// Officials of agency 9 (another province) whom a document of agency 4
	// names: a specialist by account, a leader through unit 88.
	otherNamed := official(30, 9, "noi_bo", grant(Specialist, 9, false))
	otherUnit := official(31, 9, "noi_bo", grant(Leader, 9, false))
	otherUnit.UnitID = 88
	otherCleared := official(33, 9, "mat", grant(Specialist, 9, false))
	otherUnitCleared := official(34, 9, "mat", grant(Specialist, 9, false))
	otherUnitCleared.UnitID = 88
	citizen := &actor.Actor{AccountID: 50, Kind: actor.Citizen, Clearance: "cong_khai", Roles: []actor.RoleGrant{{Role: "citizen"}}}
	token := official(5, 4, "noi_bo", grant(Specialist, 4, false))
	token.Scopes = []string{"identity:read"}
	writeToken := official(1, 1, "noi_bo", grant(AgencyAdmin, 1, true))
	writeToken.Scopes = []string{"org:write"}

	tests := []struct {
		name   string
		actor  *actor.Actor
		action Action
		res    Resource
		allow  bool
		rule   string
		code   apperr.Code
	}{
		{"subtree grant covers a commune below", provAdmin, OrgAgencyEdit, Resource{AgencyID: 4}, true, "role.agency_admin.agency", ""},
		{"subtree grant does not cover another province", provAdmin, OrgAgencyEdit, Resource{AgencyID: 9}, false, "scope.agency", apperr.Forbidden},
		{"grant without subtree covers only its agency", deptAdminNoSubtree, OrgAgencyEdit, Resource{AgencyID: 4}, false, "scope.agency", apperr.Forbidden},
		{"commune admin edits the province: refused", communeAdmin, OrgAgencyEdit, Resource{AgencyID: 1}, false, "scope.agency", apperr.Forbidden},
		{"tree failure fails closed", official(9, 666, "noi_bo", grant(AgencyAdmin, 666, true)), OrgAgencyEdit, Resource{AgencyID: 4}, false, "scope.tree", apperr.Unavailable},
		{"platform grant covers every agency", sysAdmin, OrgAgencyEdit, Resource{AgencyID: 9}, true, "role.system_admin.agency", ""},

		{"admin grants themself a role", communeAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 2, Role: Leader}, false, "escalation.self", apperr.Forbidden},
		{"admin grants a clerk in own agency", communeAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: Clerk}, true, "role.agency_admin.agency", ""},
		{"admin grants system admin", communeAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: SystemAdmin}, false, "grant.above", apperr.Forbidden},
		{"admin appoints the auditor who audits them", communeAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: Auditor}, false, "grant.above", apperr.Forbidden},
		{"admin grants in another agency", communeAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Clerk}, false, "scope.agency", apperr.Forbidden},
		{"citizen role is never granted", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: CitizenRole}, false, "grant.role", apperr.Forbidden},
		{"system admin appoints an auditor", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: Auditor}, false, "grant.above", apperr.Forbidden},
		{"security officer raises own clearance", official(10, 4, "noi_bo", grant(SecurityOfficer, 4, false)), IdentityClearanceSet, Resource{AgencyID: 4, OwnerID: 10}, false, "escalation.self", apperr.Forbidden},

		{"internal record of own agency", specialist, IdentityProfileRead, Resource{AgencyID: 4, Level: Internal}, true, "role.specialist.agency", ""},
		{"restricted: unit not named", specialist, IdentityProfileRead, Resource{AgencyID: 4, Level: Restricted, Units: []int64{77}}, false, "level.restricted", apperr.Forbidden},
		{"restricted: named unit", specialistUnit, IdentityProfileRead, Resource{AgencyID: 4, Level: Restricted, Units: []int64{77}}, true, "role.specialist.agency", ""},
		{"restricted: named person", specialist, IdentityProfileRead, Resource{AgencyID: 4, Level: Restricted, People: []int64{5}}, true, "role.specialist.agency", ""},
		{"mật without clearance", specialist, IdentityProfileRead, Resource{AgencyID: 4, Level: Secret}, false, "level.clearance", apperr.Forbidden},
		{"mật with clearance", secretCleared, IdentityProfileRead, Resource{AgencyID: 4, Level: Secret}, true, "role.specialist.agency", ""},
		{"tối mật above a mật clearance", secretCleared, IdentityProfileRead, Resource{AgencyID: 4, Level: TopSecret}, false, "level.clearance", apperr.Forbidden},
		{"tuyệt mật clearance in another agency, no need to know", topCleared, AccessClassificationSet, Resource{AgencyID: 4, Level: UltraSecret}, false, "scope.agency", apperr.Forbidden},

		// Named readers of another agency (the handlers of a direction):
		// they read, within their clearance, and nothing more.
		{"named person of another agency reads a restricted document", otherNamed, DocumentsRead, Resource{AgencyID: 4, Level: Restricted, People: []int64{30}}, true, "named.specialist", ""},
		{"named person of another agency reads an internal document", otherNamed, DocumentsRead, Resource{AgencyID: 4, Level: Internal, People: []int64{30}}, true, "named.specialist", ""},
		{"official of a named unit of another agency reads", otherUnit, DocumentsRead, Resource{AgencyID: 4, Level: Restricted, Units: []int64{88}}, true, "named.leader", ""},
		{"named person of another agency may not write", otherNamed, DocumentsNumberWithdraw, Resource{AgencyID: 4, Level: Restricted, People: []int64{30}}, false, "role", apperr.Forbidden},
		{"named leader of another agency may not direct", otherUnit, TasksDirect, Resource{AgencyID: 4, Level: Restricted, Units: []int64{88}}, false, "scope.agency", apperr.Forbidden},
		{"not named, another agency: refused", otherNamed, DocumentsRead, Resource{AgencyID: 4, Level: Internal, People: []int64{31}}, false, "scope.agency", apperr.Forbidden},
		{"not named, own agency: restricted refused", specialist, DocumentsRead, Resource{AgencyID: 4, Level: Restricted, People: []int64{30}, Units: []int64{88}}, false, "level.restricted", apperr.Forbidden},
		{"named without a reading role: refused", official(32, 9, "noi_bo", grant(AgencyAdmin, 9, false)), DocumentsRead, Resource{AgencyID: 4, Level: Internal, People: []int64{32}}, false, "role", apperr.Forbidden},
		{"named citizen: refused", &actor.Actor{AccountID: 50, Kind: actor.Citizen, Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: "citizen"}}}, DocumentsRead, Resource{AgencyID: 4, Level: Internal, People: []int64{50}}, false, "role", apperr.Forbidden},
		{"named below a state secret's level", otherNamed, DocumentsRead, Resource{AgencyID: 4, Level: Secret, People: []int64{30}}, false, "level.clearance", apperr.Forbidden},
		{"named and cleared for the state secret", otherCleared, DocumentsRead, Resource{AgencyID: 4, Level: Secret, People: []int64{33}}, true, "named.specialist", ""},
		{"named unit is not need-to-know for a state secret", otherUnitCleared, DocumentsRead, Resource{AgencyID: 4, Level: Secret, Units: []int64{88}}, false, "level.clearance", apperr.Forbidden},

		{"personal data: official not handling it", specialist, IdentityProfileRead, Resource{AgencyID: 4, OwnerID: 50, PersonalData: true}, false, "personal.handler", apperr.Forbidden},
		{"personal data: the handler", specialist, IdentityProfileRead, Resource{AgencyID: 4, OwnerID: 50, PersonalData: true, Handlers: []int64{5}}, true, "role.specialist.agency", ""},
		{"personal data: the data subject", citizen, IdentityProfileRead, Resource{OwnerID: 50, PersonalData: true, Level: Internal}, true, "role.citizen.own", ""},
		{"citizen guesses another citizen's id", citizen, IdentityProfileRead, Resource{OwnerID: 51, PersonalData: true}, false, "scope.owner", apperr.NotFound},
		{"citizen asks for an official action", citizen, OrgAgencyEdit, Resource{AgencyID: 4}, false, "role", apperr.Forbidden},
		{"citizen reads internal data of an agency", citizen, CalendarRead, Resource{AgencyID: 4, Level: Internal}, false, "level.noi_bo", apperr.NotFound},

		{"token with read scope reads", token, IdentityUserRead, Resource{AgencyID: 4}, false, "role", apperr.Forbidden},
		{"token read scope cannot write", token, IdentityAccountSelf, Resource{OwnerID: 5}, false, "token.scope", apperr.Forbidden},
		{"token with module write", writeToken, OrgAgencyEdit, Resource{AgencyID: 4}, true, "role.agency_admin.agency", ""},
		{"token outside its module", writeToken, IdentityUserCreate, Resource{AgencyID: 4}, false, "token.scope", apperr.Forbidden},

		{"unknown action", sysAdmin, "org.agency.explode", Resource{}, false, "action.unknown", apperr.Forbidden},
		{"anonymous on a public action", nil, CalendarRead, Resource{}, true, "public", ""},
		{"anonymous on internal data", nil, CalendarRead, Resource{Level: Internal}, false, "signin", apperr.Unauthorized},
		{"system actor", actor.SystemActor("cli"), OrgUnitImport, Resource{}, true, "system", ""},
		{"self service on own account", citizen, IdentityAccountSelf, Resource{OwnerID: 50}, true, "self", ""},
		{"self service on another account", citizen, IdentityAccountSelf, Resource{OwnerID: 51}, false, "scope.owner", apperr.NotFound},
	}
	ctx := WithGuard(context.Background(), NewGuard(Options{Tree: testTree}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Can(ctx, tt.actor, tt.action, tt.res)
			if d.Allowed != tt.allow || d.Rule != tt.rule || d.Code != tt.code {
				t.Fatalf("Can = %+v, want allowed=%v rule=%q code=%q", d, tt.allow, tt.rule, tt.code)
			}
			if err := d.Err(); (err == nil) != tt.allow || (err != nil && apperr.CodeOf(err) != tt.code) {
				t.Fatalf("Err() = %v", err)
			}
		})
	}
}

// TestGrantScenarios: the privilege actions on an account. A grantor hands
// out no more scope than they hold; platform roles and their holders are
// managed by platform roles only; system administrators do not appoint the
// security officers and auditors who oversee them; clearances go no higher
// than the setter's own.
func TestGrantScenarios(t *testing.T) {
	deptAdmin := official(3, 3, "noi_bo", grant(AgencyAdmin, 3, false))
	deptAdminSubtree := official(11, 3, "noi_bo", grant(AgencyAdmin, 3, true))
	provAdmin := official(1, 1, "noi_bo", grant(AgencyAdmin, 1, true))
	sysAdmin := official(4, 1, "noi_bo", grant(SystemAdmin, 0, false))
	provSecurity := official(12, 1, "mat", grant(SecurityOfficer, 1, true))
	platformSecurity := official(13, 1, "toi_mat", grant(SecurityOfficer, 0, false))
	// Agency administrator and auditor at once: the auditor grant must not
	// lend its platform standing to the administrator's.
	adminAuditor := official(14, 3, "noi_bo", grant(AgencyAdmin, 3, true), grant(Auditor, 0, false))

	holdsSysAdmin := []actor.RoleGrant{grant(SystemAdmin, 0, false)}
	holdsSecurityHere := []actor.RoleGrant{grant(SecurityOfficer, 3, false)}
	holdsAuditorProvince := []actor.RoleGrant{grant(Auditor, 1, true)}
	holdsClerk := []actor.RoleGrant{grant(Clerk, 3, false)}

	tests := []struct {
		name   string
		actor  *actor.Actor
		action Action
		res    Resource
		allow  bool
		rule   string
	}{
		// 1. Scope: a grant at an agency without its subtree cannot make a subtree grant.
		{"admin without subtree grants a subtree grant", deptAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: AgencyAdmin, Subtree: true}, false, "grant.scope"},
		{"admin without subtree revokes a subtree grant", deptAdmin, IdentityRoleRevoke, Resource{AgencyID: 3, OwnerID: 5, Role: Clerk, Subtree: true}, false, "grant.scope"},
		{"admin without subtree grants in the agency", deptAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: AgencyAdmin}, true, "role.agency_admin.agency"},
		{"admin with subtree grants a subtree grant", deptAdminSubtree, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: AgencyAdmin, Subtree: true}, true, "role.agency_admin.agency"},
		{"admin with subtree grants a subtree grant below", deptAdminSubtree, IdentityRoleGrant, Resource{AgencyID: 4, OwnerID: 5, Role: Clerk, Subtree: true}, true, "role.agency_admin.agency"},
		{"admin with subtree grants above their agency", deptAdminSubtree, IdentityRoleGrant, Resource{AgencyID: 1, OwnerID: 5, Role: Clerk}, false, "scope.agency"},
		{"platform administrator grants a subtree grant", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: AgencyAdmin, Subtree: true}, true, "role.system_admin.agency"},

		// 2. Platform roles and their holders.
		{"agency admin disables the system administrator of their agency", provAdmin, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSysAdmin}, false, "holder.platform"},
		{"agency admin disables a security officer", provAdmin, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSecurityHere}, false, "holder.platform"},
		{"agency admin gives an auditor a role", provAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Clerk, Holds: holdsAuditorProvince}, false, "holder.platform"},
		{"agency admin revokes a security officer's other role", provAdmin, IdentityRoleRevoke, Resource{AgencyID: 3, OwnerID: 5, Role: Clerk, Holds: holdsSecurityHere}, false, "holder.platform"},
		{"agency admin and auditor disables a security officer", adminAuditor, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSecurityHere}, false, "holder.platform"},
		{"agency admin disables a clerk", provAdmin, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsClerk}, true, "role.agency_admin.agency"},
		{"provincial security officer disables the platform's administrator", provSecurity, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSysAdmin}, false, "holder.platform"},
		{"provincial security officer disables a security officer below", provSecurity, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSecurityHere}, true, "role.security_officer.agency"},
		{"platform security officer disables the system administrator", platformSecurity, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsSysAdmin}, true, "role.security_officer.agency"},
		{"system administrator disables an auditor", sysAdmin, IdentityUserDisable, Resource{AgencyID: 3, OwnerID: 5, Holds: holdsAuditorProvince}, true, "role.system_admin.agency"},
		{"security officer sets the clearance of an auditor of the province", provSecurity, IdentityClearanceSet, Resource{AgencyID: 1, OwnerID: 5, Clearance: Internal, Holds: holdsAuditorProvince}, true, "role.security_officer.agency"},
		{"security officer below sets the clearance of the province's auditor", official(15, 3, "mat", grant(SecurityOfficer, 3, true)), IdentityClearanceSet, Resource{AgencyID: 3, OwnerID: 5, Clearance: Internal, Holds: holdsAuditorProvince}, false, "holder.platform"},

		// 3. Separation of duties.
		{"system administrator appoints a security officer", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 0, OwnerID: 5, Role: SecurityOfficer}, false, "grant.above"},
		{"system administrator appoints an auditor", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Auditor}, false, "grant.above"},
		{"system administrator revokes an auditor", sysAdmin, IdentityRoleRevoke, Resource{AgencyID: 3, OwnerID: 5, Role: Auditor, Holds: holdsAuditorProvince}, false, "grant.above"},
		{"system administrator appoints a system administrator", sysAdmin, IdentityRoleGrant, Resource{AgencyID: 0, OwnerID: 5, Role: SystemAdmin}, true, "role.system_admin.agency"},
		{"security officer appoints an auditor", provSecurity, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Auditor}, true, "role.security_officer.agency"},
		{"security officer appoints a platform auditor", provSecurity, IdentityRoleGrant, Resource{AgencyID: 0, OwnerID: 5, Role: Auditor}, false, "scope.agency"},
		{"security officer appoints a system administrator", platformSecurity, IdentityRoleGrant, Resource{AgencyID: 0, OwnerID: 5, Role: SystemAdmin}, false, "grant.above"},
		{"security officer grants a clerk", provSecurity, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Clerk}, false, "grant.above"},

		// 4. Clearance no higher than one's own.
		{"clearance up to one's own", provSecurity, IdentityClearanceSet, Resource{AgencyID: 3, OwnerID: 5, Clearance: Secret}, true, "role.security_officer.agency"},
		{"clearance above one's own", provSecurity, IdentityClearanceSet, Resource{AgencyID: 3, OwnerID: 5, Clearance: TopSecret}, false, "clearance.above"},
		{"security officer role to someone cleared higher", provSecurity, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: SecurityOfficer, Clearance: UltraSecret}, false, "clearance.above"},
		{"security officer role to someone cleared lower", provSecurity, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: SecurityOfficer, Clearance: Internal}, true, "role.security_officer.agency"},
		{"auditor role to someone cleared higher", provSecurity, IdentityRoleGrant, Resource{AgencyID: 3, OwnerID: 5, Role: Auditor, Clearance: UltraSecret}, true, "role.security_officer.agency"},
		{"system actor sets any clearance", actor.SystemActor("cli"), IdentityClearanceSet, Resource{AgencyID: 3, OwnerID: 5, Clearance: UltraSecret}, true, "system"},
	}
	ctx := WithGuard(context.Background(), NewGuard(Options{Tree: testTree}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Can(ctx, tt.actor, tt.action, tt.res)
			if d.Allowed != tt.allow || d.Rule != tt.rule {
				t.Fatalf("Can = %+v, want allowed=%v rule=%q", d, tt.allow, tt.rule)
			}
			if !d.Allowed && (d.Code != apperr.Forbidden || d.Reason == "") {
				t.Fatalf("refusal = %+v, want EFORBIDDEN with a reason", d)
			}
		})
	}
}

func TestWithoutSecondFactor(t *testing.T) {
	grants := []actor.RoleGrant{grant(Specialist, 3, false), grant(Leader, 3, false), grant(SecurityOfficer, 0, false), grant(OneStopOfficer, 4, false)}
	kept, clearance := WithoutSecondFactor(grants, "tuyet_mat")
	if len(kept) != 2 || kept[0].Role != string(Specialist) || kept[1].Role != string(OneStopOfficer) || clearance != "noi_bo" {
		t.Fatalf("WithoutSecondFactor = %+v, %q", kept, clearance)
	}
	if MFARequired(kept, clearance) {
		t.Fatal("what is left still requires a second factor")
	}
	if _, c := WithoutSecondFactor(nil, "cong_khai"); c != "cong_khai" {
		t.Fatalf("public clearance became %q", c)
	}
}

func TestDenialsAreAuditedInTheirOwnTransaction(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		log, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithGuard(context.Background(), NewGuard(Options{DB: d, Audit: log, Tree: testTree}))
		intruder := official(2, 4, "noi_bo", grant(AgencyAdmin, 4, false))
		if Can(ctx, intruder, OrgAgencyEdit, Resource{Type: "agency", ID: "1", AgencyID: 1}).Allowed {
			t.Fatal("commune admin may edit the province")
		}
		citizen := &actor.Actor{AccountID: 50, Kind: actor.Citizen, Roles: []actor.RoleGrant{{Role: "citizen"}}}
		if d := Can(ctx, citizen, IdentityProfileRead, Resource{Type: "account", ID: "51", OwnerID: 51, PersonalData: true}); d.Code != apperr.NotFound {
			t.Fatalf("probe = %+v", d)
		}
		if !Can(ctx, intruder, OrgAgencyEdit, Resource{Type: "agency", ID: "4", AgencyID: 4}).Allowed {
			t.Fatal("commune admin may not edit their commune")
		}
		// Anonymous refusals are not recorded (every visitor would fill the log).
		Can(ctx, nil, OrgAgencyEdit, Resource{AgencyID: 4})

		rows, err := d.Reader().QueryContext(ctx, "SELECT action, object_type, object_id, outcome, actor_account, reason FROM audit_entries ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		type row struct {
			action, otype, oid, outcome string
			account                     int64
			reason                      string
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.action, &r.otype, &r.oid, &r.outcome, &r.account, &r.reason); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if len(got) != 2 {
			t.Fatalf("recorded %d entries, want 2: %+v", len(got), got)
		}
		if got[0].action != "org.agency.edit" || got[0].oid != "1" || got[0].outcome != "denied" || got[0].account != 2 || got[0].reason[:12] != "scope.agency" {
			t.Errorf("first = %+v", got[0])
		}
		if got[1].action != "identity.profile.read" || got[1].oid != "51" || got[1].outcome != "denied" || got[1].account != 50 {
			t.Errorf("second = %+v", got[1])
		}
	})
}

func TestAllowContentRefusesStateSecrets(t *testing.T) {
	for _, l := range Levels() {
		err := AllowContent(l)
		if l.StateSecret() != (err != nil) {
			t.Errorf("AllowContent(%s) = %v", l, err)
		}
		if err != nil && apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("AllowContent(%s) code = %s", l, apperr.CodeOf(err))
		}
	}
	if AllowContent(Level(42)) == nil {
		t.Error("an invalid level must be refused")
	}
}

func TestParseLevelAndClearance(t *testing.T) {
	tests := []struct {
		in        string
		level     Level
		ok, clear bool
	}{
		{"noi_bo", Internal, true, true},
		{"Tối mật", TopSecret, true, true},
		{"TUYỆT MẬT", UltraSecret, true, true},
		{"han_che", Restricted, true, false},
		{"secret", 0, false, false},
		{"", 0, false, false},
	}
	for _, tt := range tests {
		l, err := ParseLevel(tt.in)
		if (err == nil) != tt.ok || (tt.ok && l != tt.level) {
			t.Errorf("ParseLevel(%q) = %v, %v", tt.in, l, err)
		}
		_, err = ParseClearance(tt.in)
		if (err == nil) != tt.clear {
			t.Errorf("ParseClearance(%q) err = %v", tt.in, err)
		}
	}
}

func TestMFARequired(t *testing.T) {
	tests := []struct {
		name      string
		roles     []Role
		clearance string
		want      bool
	}{
		{"specialist", []Role{Specialist}, "noi_bo", false},
		{"one-stop officer", []Role{OneStopOfficer}, "noi_bo", false},
		{"leader", []Role{Leader}, "noi_bo", true},
		{"clerk", []Role{Clerk}, "noi_bo", true},
		{"agency admin", []Role{AgencyAdmin}, "noi_bo", true},
		{"cleared specialist", []Role{Specialist}, "mat", true},
		{"citizen", []Role{CitizenRole}, "cong_khai", false},
	}
	for _, tt := range tests {
		var g []actor.RoleGrant
		for _, r := range tt.roles {
			g = append(g, actor.RoleGrant{Role: string(r), AgencyID: 1})
		}
		if got := MFARequired(g, tt.clearance); got != tt.want {
			t.Errorf("%s: MFARequired = %v", tt.name, got)
		}
	}
}
