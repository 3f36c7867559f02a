package access

// The official documents' actions (Decree 30/2020/NĐ-CP). A document
// belongs to the agency whose register holds it (Resource.AgencyID); its
// classification (Resource.Level) and, for a restricted one, its named
// units and people decide who among that agency's officials reads it.
const (
	// DocumentsIncomingRegister records an incoming document in the
	// agency's register: the clerk's duty (Art. 22).
	DocumentsIncomingRegister Action = "documents.incoming.register"
	// DocumentsRead opens a document's metadata and attachments.
	DocumentsRead Action = "documents.document.read"
	// DocumentsNumberWithdraw marks a register number withdrawn (never
	// given again).
	DocumentsNumberWithdraw Action = "documents.number.withdraw"
)

func init() {
	register(
		ActionDef{Name: DocumentsIncomingRegister, Summary: "Đăng ký văn bản đến", Write: true,
			Roles: map[Role]Scope{Clerk: ScopeAgency}},
		ActionDef{Name: DocumentsRead, Summary: "Xem văn bản",
			Roles: map[Role]Scope{Leader: ScopeAgency, Clerk: ScopeAgency, Specialist: ScopeAgency}},
		ActionDef{Name: DocumentsNumberWithdraw, Summary: "Thu hồi số văn bản trong sổ đăng ký", Write: true,
			Roles: map[Role]Scope{Clerk: ScopeAgency}},
	)
}
