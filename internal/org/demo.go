package org

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// The demo province is Lào Cai (code 15 since 2025-07-01, merged with Yên
// Bái). Everything it creates is valid from DemoDate.
//
// ELECTRONIC CODES IN THE DEMO ARE NOT OFFICIAL. The real identifiers of
// these agencies under Decision 20/2020/QĐ-TTg as amended by 09/2025/QĐ-TTg
// were not available to us, so the demo uses codes in the same left-to-right
// style under a "DEMO." prefix (DEMO.H15, DEMO.H15.10 …) that no real code
// can have. Replace them with the codes the province was assigned.
//
// The officials are fictional people: names chosen to sound like Lào Cai
// staff (Kinh, Thái, Hmông, Tày, Giáy families), staff codes DEMO-nn.
const (
	DemoProvinceCode = "15"
	demoCodePrefix   = "DEMO."
)

// DemoDate is the first day of the demo's agencies and officials.
var DemoDate = ShippedListDate

// Demo roles: one official per role, for the identity module to create one
// login account each. The first eight are the access module's official role
// names (access.Leader, access.Clerk …) so the mapping is the identity; the
// last five are extra people for scenarios across levels (the commune's
// clerk receives and registers what the province sends to Xã Bắc Hà).
const (
	DemoLeader          = "leader"           // Chủ tịch UBND tỉnh
	DemoAgencyAdmin     = "agency_admin"     // Chánh Văn phòng UBND tỉnh
	DemoClerk           = "clerk"            // Văn thư, Văn phòng UBND tỉnh
	DemoSpecialist      = "specialist"       // Chuyên viên, Sở Nội vụ
	DemoOneStop         = "onestop_officer"  // công chức một cửa, Trung tâm PVHCC tỉnh
	DemoSystemAdmin     = "system_admin"     // quản trị hệ thống, Sở KH&CN
	DemoSecurityOfficer = "security_officer" // cán bộ an toàn thông tin, Sở KH&CN
	DemoAuditor         = "auditor"          // thanh tra viên, Thanh tra tỉnh

	DemoDeputyLeader       = "deputy_leader"           // Phó Chủ tịch UBND tỉnh
	DemoCommuneLeader      = "commune_leader"          // Chủ tịch UBND xã Bắc Hà
	DemoCommuneOneStop     = "commune_onestop_officer" // công chức một cửa, Trung tâm PVHCC xã Bắc Hà
	DemoMinistrySpecialist = "ministry_specialist"     // Chuyên viên, Vụ Tổ chức cán bộ, Bộ DTTG
	DemoCommuneClerk       = "commune_clerk"           // Văn thư, Văn phòng HĐND và UBND xã Bắc Hà
	DemoCommuneSpecialist  = "commune_specialist"      // công chức Tư pháp - hộ tịch, UBND xã Bắc Hà
)

// Demo holds the ids LoadDemo created or found.
type Demo struct {
	Province          AdminUnit        // Tỉnh Lào Cai
	CommuneCount      int              // communes of the province on DemoDate
	ProvinceCommittee int64            // UBND tỉnh Lào Cai
	ProvinceOffice    int64            // Văn phòng UBND tỉnh
	ServiceCentre     int64            // Trung tâm Phục vụ hành chính công tỉnh
	Departments       map[string]int64 // by abbreviation: SNV, STC, SKHCN, STP, SDTTG, TTr
	Communes          []DemoCommune    // three real communes of Lào Cai
	Ministry          int64            // Bộ Dân tộc và Tôn giáo
	// Units maps "<agency key>/<unit abbreviation>" to unit ids, the agency
	// key being the agency's demo code without the prefix, e.g.
	// "H15.01/HCTC" (Phòng Hành chính - Tổ chức, Văn phòng UBND tỉnh),
	// "G18/TCCB" (Vụ Tổ chức cán bộ of the ministry).
	Units     map[string]int64
	Officials []DemoOfficial
	Created   int // objects created by this call (0 when the demo was already there)
}

// DemoCommune is one demo commune with its agencies.
type DemoCommune struct {
	Code          string // official commune code
	Name          string // official name
	Committee     int64  // UBND xã / phường
	ServiceCentre int64  // its Trung tâm Phục vụ hành chính công
}

// DemoOfficial is one demo person and the role their login account plays.
type DemoOfficial struct {
	Role        string // DemoLeader, DemoClerk …
	ID          int64  // official id (identity links the account to it)
	FullName    string
	StaffCode   string // DEMO-nn
	AgencyID    int64
	UnitID      int64    // 0 if none
	Positions   []string // position codes
	PositionIDs []int64  // the same positions' ids
}

// Official returns the demo official with a role.
func (d *Demo) Official(role string) (DemoOfficial, bool) {
	for _, o := range d.Officials {
		if o.Role == role {
			return o, true
		}
	}
	return DemoOfficial{}, false
}

type demoAgency struct {
	key               string // demo code without prefix
	parent            string // parent's key, "" for top level
	kind              AgencyKind
	name, short, abbr string
	unit              string // admin unit code
	units             []demoUnit
}

type demoUnit struct {
	abbr, name string
	kind       UnitKind
}

type demoPerson struct {
	role, staff, name string
	agency, unit      string // agency key, unit abbreviation
	positions         []string
}

// demoCommunes are real communes of Lào Cai in the 2025-07-01 list.
var demoCommunes = []string{"02647", "03006", "02839"} // Phường Lào Cai, Phường Sa Pa, Xã Bắc Hà

func demoAgencies(communes []AdminUnit) []demoAgency {
	sv := func() []demoUnit { return []demoUnit{{"VP", "Văn phòng Sở", UnitOffice}} }
	list := []demoAgency{
		{key: "H15", kind: KindProvinceCommittee, name: "Ủy ban nhân dân tỉnh Lào Cai", short: "UBND tỉnh Lào Cai", abbr: "UBND", unit: "15"},
		{key: "H15.01", parent: "H15", kind: KindProvinceOffice, name: "Văn phòng Ủy ban nhân dân tỉnh Lào Cai", short: "Văn phòng UBND tỉnh", abbr: "VPUBND", unit: "15",
			units: []demoUnit{{"TH", "Phòng Tổng hợp", UnitDivision}, {"HCTC", "Phòng Hành chính - Tổ chức", UnitDivision}, {"KT", "Phòng Kinh tế", UnitDivision}}},
		{key: "H15.01.01", parent: "H15.01", kind: KindProvinceServiceCentre, name: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai", short: "Trung tâm PVHCC tỉnh", abbr: "TTPVHCC", unit: "15"},
		{key: "H15.10", parent: "H15", kind: KindDepartment, name: "Sở Nội vụ tỉnh Lào Cai", short: "Sở Nội vụ", abbr: "SNV", unit: "15",
			units: append(sv(), demoUnit{"CCVC", "Phòng Công chức, viên chức", UnitDivision})},
		{key: "H15.11", parent: "H15", kind: KindDepartment, name: "Sở Tài chính tỉnh Lào Cai", short: "Sở Tài chính", abbr: "STC", unit: "15", units: sv()},
		{key: "H15.12", parent: "H15", kind: KindDepartment, name: "Sở Khoa học và Công nghệ tỉnh Lào Cai", short: "Sở Khoa học và Công nghệ", abbr: "SKHCN", unit: "15",
			units: append(sv(), demoUnit{"CNTT", "Phòng Công nghệ thông tin và Chuyển đổi số", UnitDivision})},
		{key: "H15.13", parent: "H15", kind: KindDepartment, name: "Sở Tư pháp tỉnh Lào Cai", short: "Sở Tư pháp", abbr: "STP", unit: "15", units: sv()},
		{key: "H15.14", parent: "H15", kind: KindDepartment, name: "Sở Dân tộc và Tôn giáo tỉnh Lào Cai", short: "Sở Dân tộc và Tôn giáo", abbr: "SDTTG", unit: "15", units: sv()},
		{key: "H15.15", parent: "H15", kind: KindDepartment, name: "Thanh tra tỉnh Lào Cai", short: "Thanh tra tỉnh", abbr: "TTr", unit: "15"},
		{key: "G18", kind: KindMinistry, name: "Bộ Dân tộc và Tôn giáo", short: "Bộ Dân tộc và Tôn giáo", abbr: "BDTTG",
			units: []demoUnit{{"VP", "Văn phòng Bộ", UnitOffice}, {"TCCB", "Vụ Tổ chức cán bộ", UnitVu}}},
	}
	for _, c := range communes {
		// Post-2025 commune structure: Văn phòng HĐND và UBND, an economic
		// division (with infrastructure and urban affairs in a ward) and a
		// culture and society division.
		kt := demoUnit{"KT", "Phòng Kinh tế", UnitDivision}
		if c.Type == TypeWard {
			kt = demoUnit{"KTHTĐT", "Phòng Kinh tế, Hạ tầng và Đô thị", UnitDivision}
		}
		key := "H15." + c.Code
		list = append(list,
			demoAgency{key: key, parent: "H15", kind: KindCommuneCommittee, name: "Ủy ban nhân dân " + lowerType(c), short: "UBND " + lowerType(c),
				abbr: "UBND", unit: c.Code,
				units: []demoUnit{{"VP", "Văn phòng HĐND và UBND", UnitOffice}, kt, {"VHXH", "Phòng Văn hóa - Xã hội", UnitDivision}}},
			demoAgency{key: key + ".01", parent: key, kind: KindCommuneServiceCentre, name: "Trung tâm Phục vụ hành chính công " + lowerType(c),
				short: "Trung tâm PVHCC " + lowerType(c), abbr: "TTPVHCC", unit: c.Code},
		)
	}
	return list
}

// lowerType writes "Xã Bắc Hà" as "xã Bắc Hà" inside an agency name.
func lowerType(c AdminUnit) string { return lowerFirst(c.Name) }

var demoPeople = []demoPerson{
	{DemoLeader, "DEMO-01", "Hoàng Quốc Khánh", "H15", "", []string{PosChair}},
	{DemoDeputyLeader, "DEMO-02", "Giàng Thị Dung", "H15", "", []string{PosViceChair}},
	{DemoAgencyAdmin, "DEMO-03", "Phạm Minh Tuấn", "H15.01", "", []string{PosChiefOfOffice}},
	{DemoClerk, "DEMO-04", "Lò Thị Mai", "H15.01", "HCTC", []string{PosClerk}},
	{DemoSpecialist, "DEMO-05", "Trần Thu Hà", "H15.10", "CCVC", []string{PosSpecialist}},
	{DemoOneStop, "DEMO-06", "Vàng A Chinh", "H15.01.01", "", []string{PosOneStopOfficer}},
	{DemoSystemAdmin, "DEMO-07", "Đặng Quang Huy", "H15.12", "CNTT", []string{PosSystemAdmin}},
	{DemoSecurityOfficer, "DEMO-08", "Bùi Thị Thanh Hương", "H15.12", "CNTT", []string{PosSecurityOfficer}},
	{DemoAuditor, "DEMO-09", "Nông Văn Quyết", "H15.15", "", []string{PosInspector}},
	{DemoCommuneLeader, "DEMO-10", "Lù Văn Chiến", "H15.02839", "", []string{PosChair}},
	{DemoCommuneOneStop, "DEMO-11", "Sần Thị Yến", "H15.02839.01", "", []string{PosOneStopOfficer}},
	{DemoMinistrySpecialist, "DEMO-12", "Đỗ Minh Châu", "G18", "TCCB", []string{PosSpecialist}},
	{DemoCommuneClerk, "DEMO-13", "Hảng Thị Say", "H15.02839", "VP", []string{PosClerk}},
	// Who examines the commune's civil status and certification dossiers
	// (the specialist step of its one-stop procedures).
	{DemoCommuneSpecialist, "DEMO-14", "Vàng Thị Hoa", "H15.02839", "VP", []string{PosSpecialist}},
}

// LoadDemo creates, idempotently, the demo organisation used on the first
// start of `chinhquyen serve`: Lào Cai with all its communes, UBND tỉnh and
// its office, six departments, the provincial service centre, three real
// communes' People's Committees with their service centres, the Ministry of
// Ethnic and Religious Affairs with two units, units inside agencies, and
// thirteen fictional officials, one per demo role. Existing pieces (found by
// demo code, unit abbreviation, staff code) are reused, so a second call
// creates nothing. a may be nil (the system). One transaction, one audit
// entry.
func (s *Service) LoadDemo(ctx context.Context, a *actor.Actor) (*Demo, error) {
	if a == nil {
		a = actor.SystemActor("org.demo")
	}
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "demo", DemoProvinceCode); err != nil {
		return nil, err
	}
	if _, err := s.Seed(ctx); err != nil {
		return nil, err
	}
	d := &Demo{Departments: map[string]int64{}, Units: map[string]int64{}}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockAgencies); err != nil {
			return err
		}
		prov, err := findAdminUnit(ctx, tx, DemoProvinceCode, DemoDate)
		if err != nil {
			return err
		}
		d.Province = *prov
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM org_admin_units WHERE province_code = $2 AND "+validOn("", 1),
			DemoDate, DemoProvinceCode).Scan(&d.CommuneCount); err != nil {
			return err
		}
		var communes []AdminUnit
		for _, code := range demoCommunes {
			c, err := findAdminUnit(ctx, tx, code, DemoDate)
			if err != nil {
				return fmt.Errorf("demo commune: %w", err)
			}
			communes = append(communes, *c)
		}
		ids := map[string]int64{}
		for _, g := range demoAgencies(communes) {
			id, err := s.ensureDemoAgency(ctx, tx, g, ids[g.parent], &d.Created)
			if err != nil {
				return fmt.Errorf("demo agency %s: %w", g.short, err)
			}
			ids[g.key] = id
			for _, u := range g.units {
				uid, err := s.ensureDemoUnit(ctx, tx, id, u, &d.Created)
				if err != nil {
					return fmt.Errorf("demo unit %s of %s: %w", u.name, g.short, err)
				}
				d.Units[g.key+"/"+u.abbr] = uid
			}
			if g.kind == KindDepartment {
				d.Departments[g.abbr] = id
			}
		}
		d.ProvinceCommittee, d.ProvinceOffice, d.ServiceCentre, d.Ministry = ids["H15"], ids["H15.01"], ids["H15.01.01"], ids["G18"]
		for _, c := range communes {
			d.Communes = append(d.Communes, DemoCommune{Code: c.Code, Name: c.Name,
				Committee: ids["H15."+c.Code], ServiceCentre: ids["H15."+c.Code+".01"]})
		}
		for _, p := range demoPeople {
			o := DemoOfficial{Role: p.role, FullName: p.name, StaffCode: p.staff, AgencyID: ids[p.agency], Positions: p.positions}
			if p.unit != "" {
				o.UnitID = d.Units[p.agency+"/"+p.unit]
			}
			for _, code := range p.positions {
				var pid int64
				if err := tx.QueryRowContext(ctx, "SELECT id FROM org_positions WHERE code = $1", code).Scan(&pid); err != nil {
					return fmt.Errorf("demo position %s: %w", code, err)
				}
				o.PositionIDs = append(o.PositionIDs, pid)
			}
			err := tx.QueryRowContext(ctx, "SELECT id FROM org_officials WHERE staff_code = $1", p.staff).Scan(&o.ID)
			if err == sql.ErrNoRows {
				created, cerr := s.createOfficial(ctx, tx, NewOfficial{FullName: p.name, StaffCode: p.staff, AgencyID: o.AgencyID,
					UnitID: o.UnitID, PositionCodes: p.positions, ActiveFrom: DemoDate})
				if cerr != nil {
					return fmt.Errorf("demo official %s: %w", p.name, cerr)
				}
				o.ID = created.ID
				d.Created++
			} else if err != nil {
				return err
			}
			d.Officials = append(d.Officials, o)
		}
		if d.Created == 0 {
			return nil
		}
		return s.record(ctx, tx, a, "org.demo.load", "demo", DemoProvinceCode, nil, d,
			map[string]any{"created": d.Created, "province": DemoProvinceCode})
	})
	if err != nil {
		return nil, fmt.Errorf("load demo organisation: %w", err)
	}
	return d, nil
}

func (s *Service) ensureDemoAgency(ctx context.Context, tx *sql.Tx, g demoAgency, parent int64, created *int) (int64, error) {
	code := demoCodePrefix + g.key
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT agency_id FROM org_agency_versions WHERE code = $1 AND valid_to IS NULL", code).Scan(&id)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return 0, err
	}
	ag, err := s.createAgency(ctx, tx, NewAgency{Name: g.name, ShortName: g.short, Code: code, Abbreviation: g.abbr,
		Kind: g.kind, ParentID: parent, AdminUnitCode: g.unit, ValidFrom: DemoDate})
	if err != nil {
		return 0, err
	}
	*created++
	return ag.ID, nil
}

func (s *Service) ensureDemoUnit(ctx context.Context, tx *sql.Tx, agency int64, u demoUnit, created *int) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM org_units WHERE agency_id = $1 AND abbreviation = $2 AND valid_to IS NULL", agency, u.abbr).Scan(&id)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return 0, err
	}
	nu, err := s.createUnit(ctx, tx, NewUnit{AgencyID: agency, Name: u.name, Abbreviation: u.abbr, Kind: u.kind, ValidFrom: DemoDate})
	if err != nil {
		return 0, err
	}
	*created++
	return nu.ID, nil
}
