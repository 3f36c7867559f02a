package access

// The actions of outreach: bulletins to residents by SMS, Zalo ZNS, the
// commune loudspeakers, e-mail and the web (Circular 39/2020/TT-BTTTT on
// grassroots information). A bulletin belongs to the agency whose outreach
// officer drafted it (Resource.AgencyID); a commune's leader approves it,
// or a provincial leader whose grant covers the commune's committee
// (subtree). A resident's phone number is personal data (Law 91/2025/QH15)
// seen only by the outreach officers of the commune's committee.
const (
	// OutreachDraft creates or edits a bulletin (text, translations,
	// audio, targets) and submits it for approval.
	OutreachDraft Action = "outreach.bulletin.draft"
	// OutreachRead shows bulletins, their reach, cost and deliveries.
	OutreachRead Action = "outreach.bulletin.read"
	// OutreachApprove approves (or cancels) a submitted bulletin.
	OutreachApprove Action = "outreach.bulletin.approve"
	// OutreachSend sends an approved bulletin.
	OutreachSend Action = "outreach.bulletin.send"
	// OutreachEmergency sends an emergency bulletin at once, without the
	// approval step; it is flagged for review afterwards.
	OutreachEmergency Action = "outreach.bulletin.emergency"
	// OutreachResidents lists and registers the commune's subscribed
	// residents, phone numbers included.
	OutreachResidents Action = "outreach.resident.manage"
	// OutreachStats shows reach, delivery and cost figures.
	OutreachStats Action = "outreach.stats.read"
)

func init() {
	register(
		ActionDef{Name: OutreachDraft, Summary: "Soạn bản tin thông tin cơ sở", Write: true,
			Roles: map[Role]Scope{OutreachOfficer: ScopeAgency, Leader: ScopeAgency}},
		ActionDef{Name: OutreachRead, Summary: "Xem bản tin thông tin cơ sở",
			Roles: map[Role]Scope{OutreachOfficer: ScopeAgency, Leader: ScopeAgency}},
		ActionDef{Name: OutreachApprove, Summary: "Duyệt bản tin thông tin cơ sở", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: OutreachSend, Summary: "Phát bản tin đã duyệt", Write: true,
			Roles: map[Role]Scope{OutreachOfficer: ScopeAgency, Leader: ScopeAgency}},
		ActionDef{Name: OutreachEmergency, Summary: "Phát ngay bản tin khẩn cấp", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: OutreachResidents, Summary: "Quản lý người dân đăng ký nhận tin", Write: true,
			Roles: map[Role]Scope{OutreachOfficer: ScopeAgency}},
		ActionDef{Name: OutreachStats, Summary: "Xem thống kê bản tin",
			Roles: map[Role]Scope{OutreachOfficer: ScopeAgency, Leader: ScopeAgency}},
	)
}
