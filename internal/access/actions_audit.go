package access

// The audit viewer's actions besides AuditRead and AuditVerify.
const (
	// AuditExport downloads the audit log as CSV. It is a read, but the
	// file leaves the platform, so it is itself recorded in the log.
	AuditExport Action = "audit.export"
)

func init() {
	register(
		ActionDef{Name: AuditExport, Summary: "Xuất nhật ký hệ thống ra tệp",
			Roles: map[Role]Scope{Auditor: ScopeAgency, SecurityOfficer: ScopeAgency}},
	)
}
