// Package onestop is the one-stop service of administrative procedures
// (thủ tục hành chính, "một cửa" under Decree 118/2025/NĐ-CP): the procedure
// catalogue, dossiers (hồ sơ) with the national status codes 1–10, one legal
// clock in working days across agencies, the citizen portal's submissions
// and the officers' reception and processing. Domain code only: the pages
// live in internal/web, the JSON API in internal/api.
package onestop

// Level is the administrative level a procedure is handled at.
type Level string

// The levels since the two-level local government of 1 July 2025.
const (
	LevelProvince Level = "province" // cấp tỉnh
	LevelCommune  Level = "commune"  // cấp xã
)

// FieldType is the type of one field of a procedure's online form.
type FieldType string

// The field types of an online form; each has its own validation.
const (
	FieldText    FieldType = "text"
	FieldNumber  FieldType = "number"
	FieldDate    FieldType = "date"     // dd/mm/yyyy
	FieldSelect  FieldType = "select"   // one of Options
	FieldCCCD    FieldType = "cccd"     // 12-digit citizen identity number (số định danh cá nhân)
	FieldTaxCode FieldType = "tax_code" // 10 digits, or 10-3 for a branch
	FieldPhone   FieldType = "phone"    // Vietnamese mobile or landline
	FieldAddress FieldType = "address"  // street text + a commune code from the current list
)

// Field is one field of a procedure's online form.
type Field struct {
	Name     string    `json:"name"` // machine name, [a-z0-9_]
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Options  []string  `json:"options,omitempty"` // FieldSelect only
	Help     string    `json:"help,omitempty"`
}

// Component is one document of a dossier (thành phần hồ sơ).
type Component struct {
	Code     string `json:"code"` // unique within the procedure
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Copies   int    `json:"copies,omitempty"` // number of copies asked for at the desk (0 = 1)
	Form     string `json:"form,omitempty"`   // name of the template form (tờ khai), if any
}

// Fee is one fee or charge of a procedure, in VND.
type Fee struct {
	Name   string `json:"name"`
	Amount int64  `json:"amount"` // VND; 0 = free
	Note   string `json:"note,omitempty"`
}

// Step is one step of processing: who holds the dossier and what share of
// the procedure's time budget they have. Shares are in working hours of
// the statutory time, in order; they add up to the procedure's time.
type Step struct {
	Name string `json:"name"`
	// AgencyCode is the agency that holds the step; "" means the receiving
	// agency (liên thông procedures name another agency's code).
	AgencyCode string `json:"agency_code,omitempty"`
	// Role is the access role that handles the step: onestop_officer,
	// specialist or leader.
	Role string `json:"role"`
	// Hours is the step's share of the statutory time, in working hours
	// (8 per working day).
	Hours int `json:"hours"`
}

// Procedure is one administrative procedure of the catalogue.
type Procedure struct {
	// Code is the national code of the procedure (e.g. 1.001193), optionally
	// followed by the localising agency's code (2.000815.000.00.00.H61).
	Code       string `json:"code"`
	Name       string `json:"name"`
	Field      string `json:"field"` // lĩnh vực, e.g. "Hộ tịch"
	Level      Level  `json:"level"`
	AgencyCode string `json:"agency_code"` // responsible agency (receives and is accountable)
	// Days is the statutory processing time in working days; 0 is a
	// same-day procedure (dossiers received after the cut-off count from
	// the next working day).
	Days int `json:"days"`
	// CutOff is the hour after which a dossier counts as received the next
	// working day, "15:00" by default (Decree 63/2024 art. 7(2)).
	CutOff     string      `json:"cut_off,omitempty"`
	Fees       []Fee       `json:"fees"`
	Components []Component `json:"components"`
	Fields     []Field     `json:"fields"`
	Steps      []Step      `json:"steps"`
	ResultType string      `json:"result_type"` // e.g. "Giấy khai sinh (bản chính)"
	LegalBasis string      `json:"legal_basis,omitempty"`
	Online     bool        `json:"online"` // may be submitted online (toàn trình or một phần)
	Active     bool        `json:"active"`

	// communes, when set, is the list of current communes address fields
	// are checked against (see ValidateForm, WithCommunes).
	communes CommuneSet
}
