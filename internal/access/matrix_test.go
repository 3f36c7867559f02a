package access

import (
	"context"
	"sort"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// expected is the role × action policy, written independently of the
// registry: when a module registers an action, add its row here (the test
// fails until then). Each cell is the pattern of decisions the role gets:
//
//	"-"        never
//	"agency"   on objects of the agency where the role is held, not elsewhere
//	"platform" only with a platform-wide grant, on platform objects
//	"own"      only on objects the actor owns
//
// and a row-wide pattern for actions open to anyone:
//
//	"public"   everybody, also anonymous
//	"self"     every signed-in actor on their own account only
var expected = map[Action]map[Role]string{
	IdentityUserCreate:      {SystemAdmin: "agency", AgencyAdmin: "agency"},
	IdentityUserRead:        {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency", Auditor: "agency"},
	IdentityUserDisable:     {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	IdentityRoleGrant:       {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	IdentityRoleRevoke:      {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	IdentityClearanceSet:    {SecurityOfficer: "agency"},
	IdentityAccountRead:     {"*": "self"},
	IdentityAccountSelf:     {"*": "self"},
	IdentityProfileRead:     {CitizenRole: "own", BusinessRole: "own", OneStopOfficer: "agency", Specialist: "agency"},
	IdentityDemoDelete:      {SystemAdmin: "platform"},
	IdentityAccessRead:      {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency", Auditor: "agency"},
	AuditRead:               {Auditor: "agency", SecurityOfficer: "agency"},
	AuditVerify:             {Auditor: "agency", SecurityOfficer: "agency", SystemAdmin: "platform"},
	AuditExport:             {Auditor: "agency", SecurityOfficer: "agency"},
	OrgUnitImport:           {SystemAdmin: "platform"},
	OrgAgencyEdit:           {SystemAdmin: "agency", AgencyAdmin: "agency"},
	OrgOfficialEdit:         {SystemAdmin: "agency", AgencyAdmin: "agency"},
	OrgRead:                 {"*": "public"},
	PKICertIssue:            {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	PKICertRevoke:           {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	PKITrustStoreEdit:       {SystemAdmin: "platform", SecurityOfficer: "platform"},
	PDFSignOwn:              {Leader: "own", Clerk: "own", Specialist: "own", OneStopOfficer: "own"},
	PDFSignSeal:             {Clerk: "agency"},
	CalendarOverrideEdit:    {SystemAdmin: "platform"},
	CalendarRead:            {"*": "public"},
	AccessClassificationSet: {SecurityOfficer: "agency", Leader: "agency"},
	PKICAInit:               {SystemAdmin: "platform", SecurityOfficer: "platform"},
	PKICARead:               {"*": "public"},
	PKICertRenew:            {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency"},
	PKICertRead: {SystemAdmin: "agency", AgencyAdmin: "agency", SecurityOfficer: "agency", Auditor: "agency",
		Leader: "own", Clerk: "own", Specialist: "own", OneStopOfficer: "own"},
	PKITrustStoreRead:         {"*": "public"},
	PDFVerify:                 {"*": "public"},
	BlobUpload:                {"*": "self"},
	BlobRead:                  {"*": "self"},
	NotifyWebhookView:         {SystemAdmin: "platform"},
	NotifyWebhookManage:       {SystemAdmin: "platform"},
	ExchangePeerView:          {SystemAdmin: "platform"},
	ExchangePeerManage:        {SystemAdmin: "platform"},
	JobsView:                  {SystemAdmin: "platform"},
	JobsRetry:                 {SystemAdmin: "platform"},
	DocumentsIncomingRegister: {Clerk: "agency"},
	DocumentsRead:             {Leader: "agency", Clerk: "agency", Specialist: "agency"},
	DocumentsNumberWithdraw:   {Clerk: "agency"},
	TasksDirect:               {Leader: "agency"},
	TasksCreate:               {Leader: "agency"},
	TasksRead:                 {Leader: "agency", Clerk: "agency", Specialist: "agency"},
	TasksReport:               {Leader: "own", Clerk: "own", Specialist: "own", OneStopOfficer: "own"},
	TasksManage:               {Leader: "agency"},
	TasksBoard:                {Leader: "agency"},
	OutreachDraft:             {OutreachOfficer: "agency", Leader: "agency"},
	OutreachRead:              {OutreachOfficer: "agency", Leader: "agency"},
	OutreachApprove:           {Leader: "agency"},
	OutreachSend:              {OutreachOfficer: "agency", Leader: "agency"},
	OutreachEmergency:         {Leader: "agency"},
	OutreachResidents:         {OutreachOfficer: "agency"},
	OutreachStats:             {OutreachOfficer: "agency", Leader: "agency"},
	DocumentsDraftCreate:      {Specialist: "agency", Leader: "agency", Clerk: "agency"},
	DocumentsDraftEdit:        {Specialist: "own", Leader: "own", Clerk: "own"},
	DocumentsDraftReview:      {Specialist: "agency", Leader: "agency", Clerk: "agency"},
	DocumentsDraftSign:        {Leader: "agency"},
	DocumentsOutgoingIssue:    {Clerk: "agency"},
	DocumentsDeliveryReceive:  {Clerk: "agency"},
	OnestopProcedureRead:      {"*": "public"},
	OnestopProcedureManage:    {AgencyAdmin: "agency", SystemAdmin: "agency"},
	OnestopDossierSubmit:      {CitizenRole: "own", BusinessRole: "own", OneStopOfficer: "agency"},
	OnestopDossierRead:        {CitizenRole: "own", BusinessRole: "own", OneStopOfficer: "agency", Specialist: "agency", Leader: "agency"},
	OnestopDossierApplicant:   {CitizenRole: "own", BusinessRole: "own"},
	OnestopDossierReceive:     {OneStopOfficer: "agency"},
	OnestopDossierProcess:     {OneStopOfficer: "agency", Specialist: "agency", Leader: "agency"},
	OnestopDossierDecide:      {Leader: "agency"},
	OnestopDossierApologize:   {Leader: "agency"},
	OnestopDossierReturn:      {OneStopOfficer: "agency"},
	OnestopStatsRead:          {Leader: "agency", OneStopOfficer: "agency", AgencyAdmin: "agency"},
}

const (
	home    int64 = 10 // the actor's agency
	other   int64 = 20 // another agency
	me      int64 = 100
	someone int64 = 999
)

func actorWith(role Role, agency int64) *actor.Actor {
	a := &actor.Actor{AccountID: me, Kind: actor.Official, AgencyID: home, Clearance: "noi_bo", MFA: true,
		Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
	switch role {
	case CitizenRole:
		a.Kind, a.AgencyID, a.Clearance = actor.Citizen, 0, "cong_khai"
	case BusinessRole:
		a.Kind, a.AgencyID, a.Clearance = actor.Business, 0, "cong_khai"
	}
	return a
}

func TestMatrixCoversEveryRegisteredAction(t *testing.T) {
	var missing []string
	for _, d := range Actions() {
		if _, ok := expected[d.Name]; !ok {
			missing = append(missing, string(d.Name))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("registered actions without a row in matrix_test.go's expected table (add one per role): %v", missing)
	}
	for a := range expected {
		if _, ok := Lookup(a); !ok {
			t.Errorf("expected table names %q, which is not registered", a)
		}
	}
}

func TestMatrixEveryActionTimesEveryRole(t *testing.T) {
	ctx := context.Background()
	for _, def := range Actions() {
		row := expected[def.Name]
		for _, role := range Roles() {
			pattern := row[role]
			if p, ok := row["*"]; ok {
				pattern = p
			}
			if pattern == "" {
				pattern = "-"
			}
			t.Run(string(def.Name)+"/"+string(role), func(t *testing.T) {
				grantAgency := home
				if !role.OfficialRole() {
					grantAgency = 0
				}
				a := actorWith(role, grantAgency)
				// Grant and revoke probes name a role the tested role may
				// hand out (TestGrantScenarios covers the others).
				agencyRole, platformRole := Specialist, Auditor
				switch role {
				case SecurityOfficer:
					agencyRole = Auditor
				case SystemAdmin:
					platformRole = SystemAdmin
				}
				probes := map[string]Resource{
					"home":     {Type: "t", ID: "1", AgencyID: home, OwnerID: someone, Role: agencyRole},
					"other":    {Type: "t", ID: "2", AgencyID: other, OwnerID: someone, Role: agencyRole},
					"own":      {Type: "t", ID: "3", AgencyID: home, OwnerID: me, Role: agencyRole},
					"platform": {Type: "t", ID: "4", AgencyID: 0, OwnerID: someone, Role: platformRole},
				}
				want := map[string]bool{}
				switch pattern {
				case "-", "platform":
				case "agency":
					want["home"] = true
					// One's own object in one's agency, except one's own
					// privileges (TestEscalation).
					want["own"] = def.Name != IdentityClearanceSet && def.Name != IdentityUserDisable
				case "own", "self":
					want["own"] = true
				case "public":
					want = map[string]bool{"home": true, "other": true, "own": true, "platform": true}
				default:
					t.Fatalf("unknown pattern %q", pattern)
				}
				for name, res := range probes {
					if name == "own" && (def.Name == IdentityRoleGrant || def.Name == IdentityRoleRevoke) {
						continue // refused as self-escalation; see TestEscalation
					}
					got := decide(ctx, nil, a, def.Name, res)
					if got.Allowed != want[name] {
						t.Errorf("%s on %s object: allowed=%v (rule %s: %s), want %v", role, name, got.Allowed, got.Rule, got.Reason, want[name])
					}
					if !got.Allowed && (got.Reason == "" || got.Code == "") {
						t.Errorf("%s on %s object: refusal without reason or code: %+v", role, name, got)
					}
				}
				// Named on a restricted object of another agency (a handler
				// of a direction): an "agency" cell reads it, never writes;
				// citizens and businesses are not cleared for it.
				namedRes := Resource{Type: "t", ID: "5", AgencyID: other, OwnerID: someone, Level: Restricted, People: []int64{me}, Role: agencyRole}
				wantNamed := ((pattern == "agency" && !def.Write) || pattern == "public") && role.OfficialRole()
				if got := decide(ctx, nil, a, def.Name, namedRes); got.Allowed != wantNamed {
					t.Errorf("%s named on another agency's restricted object: allowed=%v (rule %s: %s), want %v", role, got.Allowed, got.Rule, got.Reason, wantNamed)
				}
				// A platform-wide grant of an official role: "platform" and
				// "agency" cells allow platform objects.
				if role.OfficialRole() {
					pa := actorWith(role, 0)
					got := decide(ctx, nil, pa, def.Name, probes["platform"])
					wantPlatform := pattern == "platform" || pattern == "agency" || pattern == "public"
					if (def.Name == IdentityRoleGrant || def.Name == IdentityRoleRevoke) && role == AgencyAdmin {
						wantPlatform = false // platform roles are handed out by platform roles only
					}
					if got.Allowed != wantPlatform {
						t.Errorf("%s held platform-wide on platform object: allowed=%v (rule %s: %s), want %v", role, got.Allowed, got.Rule, got.Reason, wantPlatform)
					}
				}
				// Anonymous callers get only public actions.
				got := decide(ctx, nil, nil, def.Name, probes["home"])
				if got.Allowed != (pattern == "public") {
					t.Errorf("anonymous: allowed=%v, want %v", got.Allowed, pattern == "public")
				}
			})
		}
	}
}
