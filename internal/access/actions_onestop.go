package access

// The actions of the one-stop service (Decree 118/2025/NĐ-CP). A dossier
// belongs to its receiving agency (Resource.AgencyID) and to its applicant
// (Resource.OwnerID is the citizen's or business's account); it carries
// personal data, so officials read it only in their agency (or a liên
// thông agency named on one of its steps, passed as Resource.Agencies).
const (
	// OnestopProcedureRead reads the public procedure catalogue.
	OnestopProcedureRead Action = "onestop.procedure.read"
	// OnestopProcedureManage creates, edits, imports and exports procedures.
	OnestopProcedureManage Action = "onestop.procedure.manage"
	// OnestopDossierSubmit submits a dossier: online by its applicant, or at
	// the desk (walk-in, postal) by a one-stop officer.
	OnestopDossierSubmit Action = "onestop.dossier.submit"
	// OnestopDossierRead shows a dossier with its personal data.
	OnestopDossierRead Action = "onestop.dossier.read"
	// OnestopDossierApplicant is what the applicant does to their own
	// dossier: answer a supplement request, withdraw, rate.
	OnestopDossierApplicant Action = "onestop.dossier.applicant"
	// OnestopDossierReceive accepts, refuses or asks for a supplement at
	// the one-stop desk.
	OnestopDossierReceive Action = "onestop.dossier.receive"
	// OnestopDossierProcess completes a processing step.
	OnestopDossierProcess Action = "onestop.dossier.process"
	// OnestopDossierDecide approves or refuses the result (leader).
	OnestopDossierDecide Action = "onestop.dossier.decide"
	// OnestopDossierApologize issues the apology slip with a new date.
	OnestopDossierApologize Action = "onestop.dossier.apologize"
	// OnestopDossierReturn returns the result to the applicant.
	OnestopDossierReturn Action = "onestop.dossier.return"
	// OnestopStatsRead reads the statistics of the one-stop service.
	OnestopStatsRead Action = "onestop.stats.read"
)

func init() {
	officers := map[Role]Scope{OneStopOfficer: ScopeAgency, Specialist: ScopeAgency, Leader: ScopeAgency}
	register(
		ActionDef{Name: OnestopProcedureRead, Summary: "Xem danh mục thủ tục hành chính", Anyone: AnyonePublic},
		ActionDef{Name: OnestopProcedureManage, Summary: "Quản lý danh mục thủ tục hành chính", Write: true,
			Roles: map[Role]Scope{AgencyAdmin: ScopeAgency, SystemAdmin: ScopeAgency}},
		ActionDef{Name: OnestopDossierSubmit, Summary: "Nộp hồ sơ thủ tục hành chính", Write: true,
			Roles: map[Role]Scope{CitizenRole: ScopeOwn, BusinessRole: ScopeOwn, OneStopOfficer: ScopeAgency}},
		ActionDef{Name: OnestopDossierRead, Summary: "Xem hồ sơ thủ tục hành chính",
			Roles: map[Role]Scope{CitizenRole: ScopeOwn, BusinessRole: ScopeOwn, OneStopOfficer: ScopeAgency, Specialist: ScopeAgency, Leader: ScopeAgency}},
		ActionDef{Name: OnestopDossierApplicant, Summary: "Bổ sung, rút, đánh giá hồ sơ của mình", Write: true,
			Roles: map[Role]Scope{CitizenRole: ScopeOwn, BusinessRole: ScopeOwn}},
		ActionDef{Name: OnestopDossierReceive, Summary: "Tiếp nhận, từ chối, yêu cầu bổ sung hồ sơ", Write: true,
			Roles: map[Role]Scope{OneStopOfficer: ScopeAgency}},
		ActionDef{Name: OnestopDossierProcess, Summary: "Xử lý hồ sơ (bước được giao)", Write: true, Roles: officers},
		ActionDef{Name: OnestopDossierDecide, Summary: "Phê duyệt kết quả giải quyết hồ sơ", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: OnestopDossierApologize, Summary: "Ban hành phiếu xin lỗi và hẹn lại ngày trả kết quả", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: OnestopDossierReturn, Summary: "Trả kết quả giải quyết hồ sơ", Write: true,
			Roles: map[Role]Scope{OneStopOfficer: ScopeAgency}},
		ActionDef{Name: OnestopStatsRead, Summary: "Xem thống kê giải quyết thủ tục hành chính",
			Roles: map[Role]Scope{Leader: ScopeAgency, OneStopOfficer: ScopeAgency, AgencyAdmin: ScopeAgency}},
	)
}
