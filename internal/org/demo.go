package org

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// The default demo province is Lào Cai (code 15 since 2025-07-01, merged
// with Yên Bái); Quảng Ninh (code 22, unchanged by the 2025 merger) is the
// second one, so that two installations on one machine host different
// agencies and can exchange documents (`serve --demo-province 22`). Each is
// a row of demoProvinces: the same agencies, people and data, under the
// province's own codes and names. Everything the demo creates is valid
// from DemoDate.
//
// ELECTRONIC CODES IN THE DEMO ARE NOT OFFICIAL. The real identifiers of
// these agencies under Decision 20/2020/QĐ-TTg as amended by 09/2025/QĐ-TTg
// were not available to us, so the demo uses codes in the same left-to-right
// style under a "DEMO." prefix (DEMO.H15, DEMO.H15.10, DEMO.H22 …) that no
// real code can have. Replace them with the codes the province was assigned.
//
// The officials are fictional people: names chosen to sound like Lào Cai
// staff (Kinh, Thái, Hmông, Tày, Giáy families) or Quảng Ninh staff (Kinh,
// Tày, Dao, Sán Dìu families), staff codes DEMO-nn.
const (
	DemoProvinceCode = "15" // the default demo province
	demoCodePrefix   = "DEMO."
)

// DemoProvince is one demo province's table: what differs between the
// demos, everything else being the same code.
type DemoProvince struct {
	Code string // province code of the 2025-07-01 list: "15"
	Name string // place name without "Tỉnh": "Lào Cai"
	// Key is the demo code of the province's committee without the
	// prefix ("H15"); its departments are Key.10 …, a commune's committee
	// Key.<commune code>.
	Key string
	// Communes are three real communes of the province: two wards, then
	// the commune whose committee has demo officials, seals its one-stop
	// results and runs the commune procedures (OnestopCommune).
	Communes [3]string
	// CommuneNames are the same communes' names in the 2025-07-01 list.
	CommuneNames [3]string
	// Ministry: the demo also loads a ministry (Bộ Dân tộc và Tôn giáo),
	// G18, with a specialist login. Only one of two exchanging demo
	// installations should host it.
	Ministry bool
	// People are the demo officials' names by role (DemoLeader …).
	People map[string]string
	// Heads sign the agencies' demo documents where no demo official
	// does, by the agency key's suffix after Key ("" the committee,
	// ".01" its office, ".10" Sở Nội vụ …), with their position.
	Heads map[string][2]string
	// Tourism names the province's tourist places in a demo document
	// subject ("Sa Pa - Bắc Hà").
	Tourism string
}

// OnestopCommune is the commune whose officials and seal the demo's
// commune procedures run through (Xã Bắc Hà in Lào Cai).
func (p DemoProvince) OnestopCommune() string { return p.Communes[2] }

// AgencyCode is the demo electronic code of an agency of the province by
// its key's suffix: "" → DEMO.H15, ".01.01" → DEMO.H15.01.01.
func (p DemoProvince) AgencyCode(suffix string) string { return demoCodePrefix + p.Key + suffix }

// demoProvinces are the provinces a demo can load, by code.
var demoProvinces = map[string]DemoProvince{
	"15": {
		Code: "15", Name: "Lào Cai", Key: "H15", Ministry: true, Tourism: "Sa Pa - Bắc Hà",
		Communes:     [3]string{"02647", "03006", "02839"},
		CommuneNames: [3]string{"Phường Lào Cai", "Phường Sa Pa", "Xã Bắc Hà"},
		People: map[string]string{
			DemoLeader: "Hoàng Quốc Khánh", DemoDeputyLeader: "Giàng Thị Dung", DemoAgencyAdmin: "Phạm Minh Tuấn",
			DemoClerk: "Lò Thị Mai", DemoSpecialist: "Trần Thu Hà", DemoOneStop: "Vàng A Chinh",
			DemoSystemAdmin: "Đặng Quang Huy", DemoSecurityOfficer: "Bùi Thị Thanh Hương", DemoAuditor: "Nông Văn Quyết",
			DemoCommuneLeader: "Lù Văn Chiến", DemoCommuneOneStop: "Sần Thị Yến", DemoMinistrySpecialist: "Đỗ Minh Châu",
			DemoCommuneClerk: "Hảng Thị Say", DemoCommuneSpecialist: "Vàng Thị Hoa", DemoCommuneOutreach: "Thào A Sử",
		},
		Heads: map[string][2]string{
			"": {"Hoàng Quốc Khánh", "CHỦ TỊCH"}, ".01": {"Phạm Minh Tuấn", "CHÁNH VĂN PHÒNG"},
			".10": {"Lương Văn Thịnh", "GIÁM ĐỐC"}, ".11": {"Vũ Thị Ngọc Anh", "GIÁM ĐỐC"}, ".12": {"Tráng A Pao", "GIÁM ĐỐC"},
			".13": {"Hà Đức Minh", "GIÁM ĐỐC"}, ".14": {"Sùng Thị Mỷ", "GIÁM ĐỐC"}, ".15": {"Nguyễn Hữu Thọ", "CHÁNH THANH TRA"},
		},
	},
	"22": {
		Code: "22", Name: "Quảng Ninh", Key: "H22", Tourism: "Hạ Long - Vân Đồn",
		Communes:     [3]string{"06688", "06712", "06862"},
		CommuneNames: [3]string{"Phường Hạ Long", "Phường Móng Cái 1", "Xã Tiên Yên"},
		People: map[string]string{
			DemoLeader: "Nguyễn Văn Hải", DemoDeputyLeader: "Vi Thị Thu Hằng", DemoAgencyAdmin: "Đỗ Thanh Tùng",
			DemoClerk: "Phạm Thị Lan", DemoSpecialist: "Lê Thu Trang", DemoOneStop: "Triệu Thị Mai",
			DemoSystemAdmin: "Vũ Đức Anh", DemoSecurityOfficer: "Hoàng Thị Ngọc Bích", DemoAuditor: "Bùi Văn Thắng",
			DemoCommuneLeader: "Đặng Văn Phúc", DemoCommuneOneStop: "Triệu Thị Hạnh",
			DemoCommuneClerk: "Vi Thị Hoa", DemoCommuneSpecialist: "Nịnh Thị Thảo", DemoCommuneOutreach: "Chíu Văn Sáng",
		},
		Heads: map[string][2]string{
			"": {"Nguyễn Văn Hải", "CHỦ TỊCH"}, ".01": {"Đỗ Thanh Tùng", "CHÁNH VĂN PHÒNG"},
			".10": {"Ngô Văn Khải", "GIÁM ĐỐC"}, ".11": {"Trịnh Thị Hồng", "GIÁM ĐỐC"}, ".12": {"Lục Văn Đông", "GIÁM ĐỐC"},
			".13": {"Đào Minh Quân", "GIÁM ĐỐC"}, ".14": {"Hoàng Văn Lợi", "GIÁM ĐỐC"}, ".15": {"Cao Văn Sơn", "CHÁNH THANH TRA"},
		},
	},
}

// demoMinistry is the demo ministry's key and its head.
const demoMinistry = "G18"

// DemoMinistryHead signs the demo ministry's documents.
var DemoMinistryHead = [2]string{"Đinh Văn Lâm", "BỘ TRƯỞNG"}

// DemoProvinceCodes lists the provinces a demo can load.
func DemoProvinceCodes() []string {
	out := make([]string, 0, len(demoProvinces))
	for c := range demoProvinces {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// LookupDemoProvince returns a demo province's table ("" is the default,
// Lào Cai); an unknown code is refused (EINVALID, field demo_province).
func LookupDemoProvince(code string) (DemoProvince, error) {
	if code == "" {
		code = DemoProvinceCode
	}
	p, ok := demoProvinces[code]
	if !ok {
		return DemoProvince{}, apperr.FieldError("demo_province", "Không có dữ liệu mẫu cho tỉnh mã %q: chọn một trong %s (15 Lào Cai, 22 Quảng Ninh)",
			clipDemo(code), strings.Join(DemoProvinceCodes(), ", "))
	}
	return p, nil
}

func clipDemo(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

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

	DemoDeputyLeader       = "deputy_leader"            // Phó Chủ tịch UBND tỉnh
	DemoCommuneLeader      = "commune_leader"           // Chủ tịch UBND xã Bắc Hà
	DemoCommuneOneStop     = "commune_onestop_officer"  // công chức một cửa, Trung tâm PVHCC xã Bắc Hà
	DemoMinistrySpecialist = "ministry_specialist"      // Chuyên viên, Vụ Tổ chức cán bộ, Bộ DTTG
	DemoCommuneClerk       = "commune_clerk"            // Văn thư, Văn phòng HĐND và UBND xã Bắc Hà
	DemoCommuneSpecialist  = "commune_specialist"       // công chức Tư pháp - hộ tịch, UBND xã Bắc Hà
	DemoCommuneOutreach    = "commune_outreach_officer" // cán bộ thông tin cơ sở (bản tin, loa truyền thanh), UBND xã Bắc Hà
)

// Demo holds the ids LoadDemo created or found.
type Demo struct {
	Spec              DemoProvince     // the province's demo table
	Province          AdminUnit        // Tỉnh Lào Cai
	CommuneCount      int              // communes of the province on DemoDate
	ProvinceCommittee int64            // UBND tỉnh Lào Cai
	ProvinceOffice    int64            // Văn phòng UBND tỉnh
	ServiceCentre     int64            // Trung tâm Phục vụ hành chính công tỉnh
	Departments       map[string]int64 // by abbreviation: SNV, STC, SKHCN, STP, SDTTG, TTr
	Communes          []DemoCommune    // three real communes of Lào Cai
	Ministry          int64            // Bộ Dân tộc và Tôn giáo; 0 when the province's demo has none
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
	role, staff  string
	agency, unit string // agency key suffix (demoAgencyKey), unit abbreviation
	positions    []string
}

// demoAgencyKey resolves a demo person's agency: a suffix after the
// province's key ("", ".01", ".10"), "@" for the one-stop commune's
// committee (and "@.01" for its service centre), or the ministry's key.
func (p DemoProvince) demoAgencyKey(rel string) string {
	switch {
	case rel == demoMinistry:
		return rel
	case strings.HasPrefix(rel, "@"):
		return p.Key + "." + p.OnestopCommune() + rel[1:]
	}
	return p.Key + rel
}

func demoAgencies(p DemoProvince, communes []AdminUnit) []demoAgency {
	sv := func() []demoUnit { return []demoUnit{{"VP", "Văn phòng Sở", UnitOffice}} }
	k, in, pc := p.Key, " tỉnh "+p.Name, p.Code
	list := []demoAgency{
		{key: k, kind: KindProvinceCommittee, name: "Ủy ban nhân dân" + in, short: "UBND" + in, abbr: "UBND", unit: pc},
		{key: k + ".01", parent: k, kind: KindProvinceOffice, name: "Văn phòng Ủy ban nhân dân" + in, short: "Văn phòng UBND tỉnh", abbr: "VPUBND", unit: pc,
			units: []demoUnit{{"TH", "Phòng Tổng hợp", UnitDivision}, {"HCTC", "Phòng Hành chính - Tổ chức", UnitDivision}, {"KT", "Phòng Kinh tế", UnitDivision}}},
		{key: k + ".01.01", parent: k + ".01", kind: KindProvinceServiceCentre, name: "Trung tâm Phục vụ hành chính công" + in, short: "Trung tâm PVHCC tỉnh", abbr: "TTPVHCC", unit: pc},
		{key: k + ".10", parent: k, kind: KindDepartment, name: "Sở Nội vụ" + in, short: "Sở Nội vụ", abbr: "SNV", unit: pc,
			units: append(sv(), demoUnit{"CCVC", "Phòng Công chức, viên chức", UnitDivision})},
		{key: k + ".11", parent: k, kind: KindDepartment, name: "Sở Tài chính" + in, short: "Sở Tài chính", abbr: "STC", unit: pc, units: sv()},
		{key: k + ".12", parent: k, kind: KindDepartment, name: "Sở Khoa học và Công nghệ" + in, short: "Sở Khoa học và Công nghệ", abbr: "SKHCN", unit: pc,
			units: append(sv(), demoUnit{"CNTT", "Phòng Công nghệ thông tin và Chuyển đổi số", UnitDivision})},
		{key: k + ".13", parent: k, kind: KindDepartment, name: "Sở Tư pháp" + in, short: "Sở Tư pháp", abbr: "STP", unit: pc, units: sv()},
		{key: k + ".14", parent: k, kind: KindDepartment, name: "Sở Dân tộc và Tôn giáo" + in, short: "Sở Dân tộc và Tôn giáo", abbr: "SDTTG", unit: pc, units: sv()},
		{key: k + ".15", parent: k, kind: KindDepartment, name: "Thanh tra" + in, short: "Thanh tra tỉnh", abbr: "TTr", unit: pc},
	}
	if p.Ministry {
		list = append(list, demoAgency{key: demoMinistry, kind: KindMinistry, name: "Bộ Dân tộc và Tôn giáo", short: "Bộ Dân tộc và Tôn giáo", abbr: "BDTTG",
			units: []demoUnit{{"VP", "Văn phòng Bộ", UnitOffice}, {"TCCB", "Vụ Tổ chức cán bộ", UnitVu}}})
	}
	for _, c := range communes {
		// Post-2025 commune structure: Văn phòng HĐND và UBND, an economic
		// division (with infrastructure and urban affairs in a ward) and a
		// culture and society division.
		kt := demoUnit{"KT", "Phòng Kinh tế", UnitDivision}
		if c.Type == TypeWard {
			kt = demoUnit{"KTHTĐT", "Phòng Kinh tế, Hạ tầng và Đô thị", UnitDivision}
		}
		key := k + "." + c.Code
		list = append(list,
			demoAgency{key: key, parent: k, kind: KindCommuneCommittee, name: "Ủy ban nhân dân " + lowerType(c), short: "UBND " + lowerType(c),
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

// demoPeople are the demo officials by role (their names are the
// province's, DemoProvince.People); the ministry's specialist only where
// the province's demo has the ministry.
var demoPeople = []demoPerson{
	{DemoLeader, "DEMO-01", "", "", []string{PosChair}},
	{DemoDeputyLeader, "DEMO-02", "", "", []string{PosViceChair}},
	{DemoAgencyAdmin, "DEMO-03", ".01", "", []string{PosChiefOfOffice}},
	{DemoClerk, "DEMO-04", ".01", "HCTC", []string{PosClerk}},
	{DemoSpecialist, "DEMO-05", ".10", "CCVC", []string{PosSpecialist}},
	{DemoOneStop, "DEMO-06", ".01.01", "", []string{PosOneStopOfficer}},
	{DemoSystemAdmin, "DEMO-07", ".12", "CNTT", []string{PosSystemAdmin}},
	{DemoSecurityOfficer, "DEMO-08", ".12", "CNTT", []string{PosSecurityOfficer}},
	{DemoAuditor, "DEMO-09", ".15", "", []string{PosInspector}},
	{DemoCommuneLeader, "DEMO-10", "@", "", []string{PosChair}},
	{DemoCommuneOneStop, "DEMO-11", "@.01", "", []string{PosOneStopOfficer}},
	{DemoMinistrySpecialist, "DEMO-12", demoMinistry, "TCCB", []string{PosSpecialist}},
	{DemoCommuneClerk, "DEMO-13", "@", "VP", []string{PosClerk}},
	// Who examines the commune's civil status and certification dossiers
	// (the specialist step of its one-stop procedures).
	{DemoCommuneSpecialist, "DEMO-14", "@", "VP", []string{PosSpecialist}},
	// Who drafts the commune's bulletins to residents (SMS, Zalo,
	// loudspeakers) for its chair's approval.
	{DemoCommuneOutreach, "DEMO-15", "@", "VP", []string{PosSpecialist}},
}

// LoadDemo loads the default demo province, Lào Cai (LoadDemoProvince).
func (s *Service) LoadDemo(ctx context.Context, a *actor.Actor) (*Demo, error) {
	return s.LoadDemoProvince(ctx, a, DemoProvinceCode)
}

// LoadDemoProvince creates, idempotently, the demo organisation used on the
// first start of `chinhquyen serve` (code is a DemoProvinceCodes entry;
// "" is Lào Cai, anything else unknown is refused): the province with all
// its communes, UBND tỉnh and
// its office, six departments, the provincial service centre, three real
// communes' People's Committees with their service centres, for Lào Cai
// the Ministry of Ethnic and Religious Affairs with two units, units inside
// agencies, and fictional officials, one per demo role. Existing pieces (found by
// demo code, unit abbreviation, staff code) are reused, so a second call
// creates nothing. a may be nil (the system). One transaction, one audit
// entry.
func (s *Service) LoadDemoProvince(ctx context.Context, a *actor.Actor, code string) (*Demo, error) {
	spec, err := LookupDemoProvince(code)
	if err != nil {
		return nil, err
	}
	if a == nil {
		a = actor.SystemActor("org.demo")
	}
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "demo", spec.Code); err != nil {
		return nil, err
	}
	if _, err := s.Seed(ctx); err != nil {
		return nil, err
	}
	d := &Demo{Spec: spec, Departments: map[string]int64{}, Units: map[string]int64{}}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockAgencies); err != nil {
			return err
		}
		prov, err := findAdminUnit(ctx, tx, spec.Code, DemoDate)
		if err != nil {
			return err
		}
		d.Province = *prov
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM org_admin_units WHERE province_code = $2 AND "+validOn("", 1),
			DemoDate, spec.Code).Scan(&d.CommuneCount); err != nil {
			return err
		}
		var communes []AdminUnit
		for i, code := range spec.Communes {
			c, err := findAdminUnit(ctx, tx, code, DemoDate)
			if err != nil {
				return fmt.Errorf("demo commune: %w", err)
			}
			if c.Name != spec.CommuneNames[i] || c.ProvinceCode != spec.Code {
				return fmt.Errorf("demo commune %s is %s of province %s, not %s", code, c.Name, c.ProvinceCode, spec.CommuneNames[i])
			}
			communes = append(communes, *c)
		}
		ids := map[string]int64{}
		for _, g := range demoAgencies(spec, communes) {
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
		k := spec.Key
		d.ProvinceCommittee, d.ProvinceOffice, d.ServiceCentre, d.Ministry = ids[k], ids[k+".01"], ids[k+".01.01"], ids[demoMinistry]
		for _, c := range communes {
			d.Communes = append(d.Communes, DemoCommune{Code: c.Code, Name: c.Name,
				Committee: ids[k+"."+c.Code], ServiceCentre: ids[k+"."+c.Code+".01"]})
		}
		for _, p := range demoPeople {
			agency := spec.demoAgencyKey(p.agency)
			name, ok := spec.People[p.role]
			if !ok || ids[agency] == 0 {
				continue // no such person in this province's demo (the ministry's)
			}
			o := DemoOfficial{Role: p.role, FullName: name, StaffCode: p.staff, AgencyID: ids[agency], Positions: p.positions}
			if p.unit != "" {
				o.UnitID = d.Units[agency+"/"+p.unit]
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
				created, cerr := s.createOfficial(ctx, tx, NewOfficial{FullName: name, StaffCode: p.staff, AgencyID: o.AgencyID,
					UnitID: o.UnitID, PositionCodes: p.positions, ActiveFrom: DemoDate})
				if cerr != nil {
					return fmt.Errorf("demo official %s: %w", name, cerr)
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
		return s.record(ctx, tx, a, "org.demo.load", "demo", spec.Code, nil, d,
			map[string]any{"created": d.Created, "province": spec.Code})
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
