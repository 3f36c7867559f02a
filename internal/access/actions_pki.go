package access

// The certificate authority's and the PDF signature service's actions
// beyond the ones declared with the core modules (PKICertIssue,
// PKICertRevoke, PKITrustStoreEdit, PDFSignOwn, PDFSignSeal in
// actions_core.go). The CA and the trust store are platform-wide objects
// (Resource.AgencyID 0); a certificate belongs to its holder's agency (or
// the agency of a seal) and to its holder (Resource.OwnerID).
const (
	PKICAInit         Action = "pki.ca.init"         // create the platform's root and issuing CAs, TSA and OCSP responder
	PKICARead         Action = "pki.ca.read"         // list the CAs (their certificates are published anyway)
	PKICertRenew      Action = "pki.cert.renew"      // renew a certificate
	PKICertRead       Action = "pki.cert.read"       // view and list certificates: one's own, or an agency's
	PKITrustStoreRead Action = "pki.truststore.read" // list the trusted roots (public: the verification page shows them)
	PDFVerify         Action = "pdf.verify"          // validate the signatures of a PDF (public)
)

func init() {
	register(
		ActionDef{Name: PKICAInit, Summary: "Khởi tạo hệ thống chứng thực (CA)", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopePlatform, SecurityOfficer: ScopePlatform}},
		ActionDef{Name: PKICARead, Summary: "Xem danh sách tổ chức cấp chứng thư số", Anyone: AnyonePublic},
		ActionDef{Name: PKICertRenew, Summary: "Gia hạn chứng thư số", Write: true,
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency}},
		ActionDef{Name: PKICertRead, Summary: "Xem chứng thư số",
			Roles: map[Role]Scope{SystemAdmin: ScopeAgency, AgencyAdmin: ScopeAgency, SecurityOfficer: ScopeAgency, Auditor: ScopeAgency,
				Leader: ScopeOwn, Clerk: ScopeOwn, Specialist: ScopeOwn, OneStopOfficer: ScopeOwn}},
		ActionDef{Name: PKITrustStoreRead, Summary: "Xem danh sách chứng thư gốc tin cậy", Anyone: AnyonePublic},
		ActionDef{Name: PDFVerify, Summary: "Kiểm tra chữ ký số trên tệp PDF", Anyone: AnyonePublic},
	)
}
