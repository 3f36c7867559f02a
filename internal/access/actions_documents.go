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

// The outgoing flow (Decree 30/2020/NĐ-CP Arts. 10–16). Whose turn it is
// (the drafter, the reviewer at the chain's current step, the named
// signer) the documents service checks after Can has admitted the role.
const (
	// DocumentsDraftCreate starts an outgoing draft in the agency.
	DocumentsDraftCreate Action = "documents.draft.create"
	// DocumentsDraftEdit adds a version to one's own draft and sends it
	// for review (Resource.OwnerID is the drafter).
	DocumentsDraftEdit Action = "documents.draft.edit"
	// DocumentsDraftReview approves or returns a draft, or comments on a
	// version, as a reviewer of its chain.
	DocumentsDraftReview Action = "documents.draft.review"
	// DocumentsDraftSign signs the approved PDF with one's own certificate:
	// the leader named as signer.
	DocumentsDraftSign Action = "documents.draft.sign"
	// DocumentsOutgoingIssue numbers, stamps, seals and releases a signed
	// document: the clerk's duty (Art. 15–16).
	DocumentsOutgoingIssue Action = "documents.outgoing.issue"
	// DocumentsDeliveryReceive opens the agency's queue of documents
	// delivered on the platform and registers or returns them.
	DocumentsDeliveryReceive Action = "documents.delivery.receive"
)

func init() {
	register(
		ActionDef{Name: DocumentsDraftCreate, Summary: "Soạn thảo văn bản đi", Write: true,
			Roles: map[Role]Scope{Specialist: ScopeAgency, Leader: ScopeAgency, Clerk: ScopeAgency}},
		ActionDef{Name: DocumentsDraftEdit, Summary: "Sửa và trình dự thảo của mình", Write: true,
			Roles: map[Role]Scope{Specialist: ScopeOwn, Leader: ScopeOwn, Clerk: ScopeOwn}},
		ActionDef{Name: DocumentsDraftReview, Summary: "Cho ý kiến, duyệt hoặc trả lại dự thảo", Write: true,
			Roles: map[Role]Scope{Specialist: ScopeAgency, Leader: ScopeAgency, Clerk: ScopeAgency}},
		ActionDef{Name: DocumentsDraftSign, Summary: "Ký số văn bản đi", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: DocumentsOutgoingIssue, Summary: "Cấp số, đóng dấu và phát hành văn bản đi", Write: true,
			Roles: map[Role]Scope{Clerk: ScopeAgency}},
		ActionDef{Name: DocumentsDeliveryReceive, Summary: "Tiếp nhận văn bản điện tử gửi đến cơ quan", Write: true,
			Roles: map[Role]Scope{Clerk: ScopeAgency}},
	)
}
