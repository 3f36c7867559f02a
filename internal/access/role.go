package access

import (
	"slices"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Role is a named set of duties, held in an agency (actor.RoleGrant).
type Role string

// The roles. Officials hold the first eight in an agency (optionally its
// subtree); a platform-wide grant (agency 0) is for the system administrator
// and, where a province wants it, for a provincial auditor or security
// officer. Citizens and businesses hold their own role over their own data.
const (
	SystemAdmin     Role = "system_admin"     // quản trị hệ thống
	AgencyAdmin     Role = "agency_admin"     // quản trị cơ quan
	SecurityOfficer Role = "security_officer" // cán bộ an toàn thông tin
	Leader          Role = "leader"           // lãnh đạo
	Clerk           Role = "clerk"            // văn thư
	OneStopOfficer  Role = "onestop_officer"  // cán bộ một cửa
	Specialist      Role = "specialist"       // chuyên viên
	OutreachOfficer Role = "outreach_officer" // cán bộ thông tin cơ sở (bản tin, loa truyền thanh)
	Auditor         Role = "auditor"          // kiểm tra nhật ký
	CitizenRole     Role = "citizen"          // người dân
	BusinessRole    Role = "business"         // doanh nghiệp
)

// Roles lists every role in display order.
func Roles() []Role {
	return []Role{SystemAdmin, AgencyAdmin, SecurityOfficer, Leader, Clerk, OneStopOfficer, Specialist, OutreachOfficer, Auditor, CitizenRole, BusinessRole}
}

// OfficialRoles lists the roles an official may hold.
func OfficialRoles() []Role {
	return []Role{SystemAdmin, AgencyAdmin, SecurityOfficer, Leader, Clerk, OneStopOfficer, Specialist, OutreachOfficer, Auditor}
}

var roleLabels = map[Role]string{
	SystemAdmin:     "Quản trị hệ thống",
	AgencyAdmin:     "Quản trị cơ quan",
	SecurityOfficer: "Cán bộ an toàn thông tin",
	Leader:          "Lãnh đạo",
	Clerk:           "Văn thư",
	OneStopOfficer:  "Cán bộ một cửa",
	Specialist:      "Chuyên viên",
	OutreachOfficer: "Cán bộ thông tin cơ sở",
	Auditor:         "Kiểm tra nhật ký",
	CitizenRole:     "Người dân",
	BusinessRole:    "Doanh nghiệp",
}

// Label returns the Vietnamese name of r.
func (r Role) Label() string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// ParseRole returns the role named s, or EINVALID.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := roleLabels[r]; !ok {
		return "", apperr.FieldError("role", "Vai trò %q không tồn tại", s)
	}
	return r, nil
}

// OfficialRole reports whether r is a role for officials.
func (r Role) OfficialRole() bool { return slices.Contains(OfficialRoles(), r) }

// PlatformRole reports whether r may be held platform-wide (agency 0).
func (r Role) PlatformRole() bool {
	return r == SystemAdmin || r == Auditor || r == SecurityOfficer
}

// grantableBy says which roles a holder of each administering role may grant
// or revoke. Separation of duties: the people who audit administrators and
// set clearances (auditor, security officer) are appointed by a security
// officer, never by the system or agency administrator they oversee.
var grantableBy = map[Role][]Role{
	SystemAdmin:     {SystemAdmin, AgencyAdmin, Leader, Clerk, OneStopOfficer, Specialist, OutreachOfficer},
	AgencyAdmin:     {AgencyAdmin, Leader, Clerk, OneStopOfficer, Specialist, OutreachOfficer},
	SecurityOfficer: {SecurityOfficer, Auditor},
}

// mfaRoles must pass a second factor: administrators, security officers,
// auditors, leaders and clerks (they sign and seal).
var mfaRoles = []Role{SystemAdmin, AgencyAdmin, SecurityOfficer, Auditor, Leader, Clerk}

// MFARequired reports whether an account with these grants and clearance
// must use a second factor: administrators, security officers, auditors,
// leaders, clerks, and anyone cleared above Internal (nội bộ).
func MFARequired(grants []actor.RoleGrant, clearance string) bool {
	for _, g := range grants {
		if slices.Contains(mfaRoles, Role(g.Role)) {
			return true
		}
	}
	return clearanceOf(clearance) > Internal
}

// WithoutSecondFactor returns what an account may use from a session or API
// token that has not passed a second factor: its grants less the roles that
// require one, and its clearance capped at Internal. The second factor is
// otherwise checked only at sign-in, so a session or token made before such
// a role or clearance was granted would keep it.
func WithoutSecondFactor(grants []actor.RoleGrant, clearance string) ([]actor.RoleGrant, string) {
	kept := make([]actor.RoleGrant, 0, len(grants))
	for _, g := range grants {
		if !slices.Contains(mfaRoles, Role(g.Role)) {
			kept = append(kept, g)
		}
	}
	if clearanceOf(clearance) > Internal {
		clearance = Internal.String()
	}
	return kept, clearance
}
