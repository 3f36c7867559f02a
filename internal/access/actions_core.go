package access

// The actions of the platform's core modules. A module that needs a new
// action adds it to its own actions_<module>.go file here and extends the
// expected table in matrix_test.go (the test fails until it does).

// Identity actions.
const (
	IdentityUserCreate      Action = "identity.user.create"      // create an official's account
	IdentityUserRead        Action = "identity.user.read"        // list and view officials' accounts
	IdentityUserDisable     Action = "identity.user.disable"     // disable or re-enable an account
	IdentityRoleGrant       Action = "identity.role.grant"       // grant a role (Resource.Role)
	IdentityRoleRevoke      Action = "identity.role.revoke"      // revoke a role (Resource.Role)
	IdentityClearanceSet    Action = "identity.clearance.set"    // set an official's clearance
	IdentityAccountRead     Action = "identity.account.read"     // read one's own account (GET /api/v1/me)
	IdentityAccountSelf     Action = "identity.account.self"     // own password, TOTP, sessions, tokens
	IdentityProfileRead     Action = "identity.profile.read"     // a citizen's or business's profile (personal data)
	IdentityDemoDelete      Action = "identity.demo.delete"      // delete the demo accounts
	IdentityAccessRead      Action = "identity.access.read"      // view the role × action policy
	AuditRead               Action = "audit.read"                // read the audit log
	AuditVerify             Action = "audit.verify"              // verify the audit log's integrity
	OrgUnitImport           Action = "org.unit.import"           // import the national list of administrative units
	OrgAgencyEdit           Action = "org.agency.edit"           // create, rename, move, merge agencies and units
	OrgOfficialEdit         Action = "org.official.edit"         // officials' records and positions
	OrgRead                 Action = "org.read"                  // the public directory of agencies and units
	PKICertIssue            Action = "pki.cert.issue"            // issue a certificate
	PKICertRevoke           Action = "pki.cert.revoke"           // revoke a certificate
	PKITrustStoreEdit       Action = "pki.truststore.edit"       // change the trusted roots
	PDFSignOwn              Action = "pdf.sign.own"              // sign with one's own personal key
	PDFSignSeal             Action = "pdf.sign.seal"             // stamp the agency's digital seal
	CalendarOverrideEdit    Action = "calendar.override.edit"    // add or change holidays and compensatory days
	CalendarRead            Action = "calendar.read"             // read working days and holidays
	AccessClassificationSet Action = "access.classification.set" // set a record's classification
)

func init() {
	register(
		ActionDef{Name: IdentityUserCreate, Summary: "Tạo tài khoản cán bộ", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency}},
		ActionDef{Name: IdentityUserRead, Summary: "Xem tài khoản cán bộ",
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency, Auditor: ScopeAgency}},
		ActionDef{Name: IdentityUserDisable, Summary: "Khoá hoặc mở khoá tài khoản", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: IdentityRoleGrant, Summary: "Cấp vai trò", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: IdentityRoleRevoke, Summary: "Thu hồi vai trò", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: IdentityClearanceSet, Summary: "Đặt mức được tiếp cận thông tin mật", Write: true,
			Roles: map[Role]Scope{SecurityOfficer: ScopeAgency}},
		ActionDef{Name: IdentityAccountRead, Summary: "Xem tài khoản của chính mình", Anyone: AnyoneSelf},
		ActionDef{Name: IdentityAccountSelf, Summary: "Quản lý tài khoản của chính mình", Write: true, Anyone: AnyoneSelf},
		ActionDef{Name: IdentityProfileRead, Summary: "Xem hồ sơ người dân, doanh nghiệp (dữ liệu cá nhân)",
			Roles: map[Role]Scope{CitizenRole: ScopeOwn, BusinessRole: ScopeOwn, OneStopOfficer: ScopeAgency, Specialist: ScopeAgency}},
		ActionDef{Name: IdentityDemoDelete, Summary: "Xoá các tài khoản trình diễn", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: IdentityAccessRead, Summary: "Xem bảng phân quyền",
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency, Auditor: ScopeAgency}},
		ActionDef{Name: AuditRead, Summary: "Xem nhật ký hệ thống",
			Roles: map[Role]Scope{Auditor: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: AuditVerify, Summary: "Kiểm tra tính toàn vẹn của nhật ký",
			Roles: map[Role]Scope{Auditor: ScopeAgency, SecurityOfficer: ScopeAgency, SystemAdmin: ScopePlatform}},
		ActionDef{Name: OrgUnitImport, Summary: "Nhập danh mục đơn vị hành chính", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: OrgAgencyEdit, Summary: "Sửa cơ quan, đơn vị trực thuộc", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency}},
		ActionDef{Name: OrgOfficialEdit, Summary: "Sửa hồ sơ cán bộ, chức vụ", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency}},
		ActionDef{Name: OrgRead, Summary: "Xem danh bạ cơ quan, đơn vị", Anyone: AnyonePublic},
		ActionDef{Name: PKICertIssue, Summary: "Cấp chứng thư số", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: PKICertRevoke, Summary: "Thu hồi chứng thư số", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: PKITrustStoreEdit, Summary: "Sửa danh sách chứng thư gốc tin cậy", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform, SecurityOfficer: ScopePlatform}},
		ActionDef{Name: PDFSignOwn, Summary: "Ký số cá nhân", Write: true,
			Roles: map[Role]Scope{Leader: ScopeOwn, Clerk: ScopeOwn, Specialist: ScopeOwn, OneStopOfficer: ScopeOwn}},
		ActionDef{Name: PDFSignSeal, Summary: "Đóng dấu số của cơ quan", Write: true,
			Roles: map[Role]Scope{Clerk: ScopeAgency}},
		ActionDef{Name: CalendarOverrideEdit, Summary: "Sửa lịch nghỉ lễ, ngày làm bù", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform}},
		ActionDef{Name: CalendarRead, Summary: "Xem lịch làm việc", Anyone: AnyonePublic},
		ActionDef{Name: AccessClassificationSet, Summary: "Đặt độ mật của văn bản, hồ sơ", Write: true,
			Roles: map[Role]Scope{SecurityOfficer: ScopeAgency, Leader: ScopeAgency}},
	)
}
