package onestop

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Bounds of one procedure.
const (
	MaxCodeBytes       = 80
	MaxNameBytes       = 1000
	MaxTextBytes       = 4000 // legal basis, result type, help texts
	MaxComponents      = 60
	MaxFields          = 80
	MaxSteps           = 30
	MaxFees            = 20
	MaxOptions         = 100
	MaxDays            = 365
	DefaultCutOff      = "15:00"
	HoursPerWorkingDay = 8
)

// nationalCode is the national database's code of a procedure: one digit
// (1 = administrative procedure of a ministry's field, 2 and 3 the later
// series), a dot, six digits. A localised copy of a procedure adds the
// localising agency's code after a dot (2.000815.000.00.00.H61 in the
// national database, 2.000815.DEMO.H15.02647.01 in the demo).
var (
	nationalCode = regexp.MustCompile(`^[0-9]\.[0-9]{6}$`)
	codeSuffix   = regexp.MustCompile(`^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$`)
	fieldName    = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	componentRe  = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,40}$`)
	cutOffRe     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// ParseCode checks a procedure code and splits it into the national code
// (d.dddddd) and the optional suffix naming the localising agency. The code
// is trimmed and NFC-normalised; anything else is refused with an EINVALID
// error on the field "code".
func ParseCode(s string) (code, national, suffix string, err error) {
	s = locale.NFC(s)
	if s == "" {
		return "", "", "", apperr.FieldError("code", "Chưa nhập mã thủ tục")
	}
	if len(s) > MaxCodeBytes || !utf8.ValidString(s) {
		return "", "", "", apperr.FieldError("code", "Mã thủ tục quá dài (tối đa %d ký tự)", MaxCodeBytes)
	}
	national, suffix = s, ""
	if len(s) > 8 {
		national, suffix = s[:8], s[8:]
		if suffix[0] != '.' || !codeSuffix.MatchString(suffix[1:]) {
			return "", "", "", apperr.FieldError("code",
				"Mã thủ tục %q không hợp lệ: mã quốc gia dạng d.dddddd, có thể thêm dấu chấm và mã cơ quan (ví dụ 1.001193 hoặc 2.000815.H15.01)", clip(s, 40))
		}
		suffix = suffix[1:]
	}
	if !nationalCode.MatchString(national) {
		return "", "", "", apperr.FieldError("code",
			"Mã thủ tục %q không hợp lệ: mã quốc gia dạng d.dddddd, có thể thêm dấu chấm và mã cơ quan (ví dụ 1.001193 hoặc 2.000815.H15.01)", clip(s, 40))
	}
	return s, national, suffix, nil
}

// stepRoles are the access roles a processing step may name.
var stepRoles = map[string]string{
	string(access.OneStopOfficer): "công chức một cửa",
	string(access.Specialist):     "chuyên viên",
	string(access.Leader):         "lãnh đạo",
}

// StepRoleLabel names a step's role in Vietnamese.
func StepRoleLabel(role string) string {
	if l, ok := stepRoles[role]; ok {
		return l
	}
	return role
}

var fieldTypeLabels = map[FieldType]string{
	FieldText: "văn bản", FieldNumber: "số", FieldDate: "ngày (dd/mm/yyyy)", FieldSelect: "chọn một",
	FieldCCCD: "số định danh cá nhân", FieldTaxCode: "mã số thuế", FieldPhone: "số điện thoại", FieldAddress: "địa chỉ",
}

// Known reports whether t is a field type of the online form.
func (t FieldType) Known() bool { _, ok := fieldTypeLabels[t]; return ok }

// Label names the field type in Vietnamese.
func (t FieldType) Label() string { return fieldTypeLabels[t] }

// LevelLabel names a level in Vietnamese.
func (l Level) Label() string {
	switch l {
	case LevelProvince:
		return "Cấp tỉnh"
	case LevelCommune:
		return "Cấp xã"
	}
	return string(l)
}

// Normalize returns a copy of p with every text NFC-normalised and trimmed,
// the default cut-off filled in and nil lists made empty.
func (p Procedure) Normalize() Procedure {
	q := p
	q.Code = locale.NFC(p.Code)
	q.Name = collapse(p.Name)
	q.Field = collapse(p.Field)
	q.Level = Level(locale.NFC(string(p.Level)))
	q.AgencyCode = locale.NFC(p.AgencyCode)
	q.CutOff = locale.NFC(p.CutOff)
	if q.CutOff == "" {
		q.CutOff = DefaultCutOff
	}
	q.ResultType = locale.NFC(p.ResultType)
	q.LegalBasis = locale.NFC(p.LegalBasis)
	q.Fees = make([]Fee, len(p.Fees))
	for i, f := range p.Fees {
		q.Fees[i] = Fee{Name: collapse(f.Name), Amount: f.Amount, Note: locale.NFC(f.Note)}
	}
	q.Components = make([]Component, len(p.Components))
	for i, c := range p.Components {
		q.Components[i] = Component{Code: locale.NFC(c.Code), Name: locale.NFC(c.Name), Required: c.Required, Copies: c.Copies, Form: locale.NFC(c.Form)}
	}
	q.Fields = make([]Field, len(p.Fields))
	for i, f := range p.Fields {
		nf := Field{Name: locale.NFC(f.Name), Label: collapse(f.Label), Type: FieldType(locale.NFC(string(f.Type))), Required: f.Required, Help: locale.NFC(f.Help)}
		for _, o := range f.Options {
			nf.Options = append(nf.Options, collapse(o))
		}
		q.Fields[i] = nf
	}
	q.Steps = make([]Step, len(p.Steps))
	for i, s := range p.Steps {
		q.Steps[i] = Step{Name: collapse(s.Name), AgencyCode: locale.NFC(s.AgencyCode), Role: locale.NFC(s.Role), Hours: s.Hours}
	}
	q.communes = p.communes
	return q
}

func collapse(s string) string { return strings.Join(strings.Fields(locale.NFC(s)), " ") }

// Validate checks a normalised procedure (see Normalize) on its own: the
// code, the texts, the level, the time, the cut-off, the fees, unique
// component codes, unique form field names of known types, the options of
// select fields, the steps' roles and their hours against the time. It
// returns the first fault as an EINVALID error whose Field is the path of
// the faulty value (code, fields[2].options, steps …). Whether the agencies
// exist is checked by the Catalogue.
func (p *Procedure) Validate() error {
	if _, _, _, err := ParseCode(p.Code); err != nil {
		return err
	}
	if err := text("name", "Tên thủ tục", p.Name, MaxNameBytes, true); err != nil {
		return err
	}
	if err := text("field", "Lĩnh vực", p.Field, 200, true); err != nil {
		return err
	}
	if p.Level != LevelProvince && p.Level != LevelCommune {
		return apperr.FieldError("level", "Cấp thực hiện phải là %q (cấp tỉnh) hoặc %q (cấp xã)", LevelProvince, LevelCommune)
	}
	if p.AgencyCode == "" {
		return apperr.FieldError("agency_code", "Chưa chọn cơ quan chịu trách nhiệm tiếp nhận và giải quyết")
	}
	if len(p.AgencyCode) > MaxCodeBytes {
		return apperr.FieldError("agency_code", "Mã cơ quan quá dài")
	}
	if p.Days < 0 || p.Days > MaxDays {
		return apperr.FieldError("days", "Thời hạn giải quyết phải từ 0 (trong ngày) đến %d ngày làm việc", MaxDays)
	}
	if !cutOffRe.MatchString(p.CutOff) {
		return apperr.FieldError("cut_off", "Giờ tiếp nhận cuối ngày %q không hợp lệ: ghi theo dạng HH:MM, ví dụ 15:00", clip(p.CutOff, 10))
	}
	for _, t := range []struct{ field, label, v string }{{"result_type", "Kết quả", p.ResultType}, {"legal_basis", "Căn cứ pháp lý", p.LegalBasis}} {
		if err := text(t.field, t.label, t.v, MaxTextBytes, false); err != nil {
			return err
		}
	}
	if len(p.Fees) > MaxFees {
		return apperr.FieldError("fees", "Tối đa %d khoản phí, lệ phí", MaxFees)
	}
	for i, f := range p.Fees {
		at := fmt.Sprintf("fees[%d]", i)
		if err := text(at+".name", "Tên khoản phí", f.Name, 500, true); err != nil {
			return err
		}
		if f.Amount < 0 || f.Amount > 1_000_000_000_000 {
			return apperr.FieldError(at+".amount", "Mức phí %q phải từ 0 đồng trở lên", clip(f.Name, 40))
		}
		if err := text(at+".note", "Ghi chú phí", f.Note, MaxTextBytes, false); err != nil {
			return err
		}
	}
	if err := p.validateComponents(); err != nil {
		return err
	}
	if err := p.validateFields(); err != nil {
		return err
	}
	return p.validateSteps()
}

func (p *Procedure) validateComponents() error {
	if len(p.Components) > MaxComponents {
		return apperr.FieldError("components", "Tối đa %d thành phần hồ sơ", MaxComponents)
	}
	seen := map[string]bool{}
	for i, c := range p.Components {
		at := fmt.Sprintf("components[%d]", i)
		if !componentRe.MatchString(c.Code) {
			return apperr.FieldError(at+".code", "Mã thành phần hồ sơ %q không hợp lệ: chỉ dùng chữ không dấu, số, dấu gạch (tối đa 40 ký tự)", clip(c.Code, 40))
		}
		if seen[c.Code] {
			return apperr.FieldError(at+".code", "Mã thành phần hồ sơ %q bị trùng", c.Code)
		}
		seen[c.Code] = true
		if err := text(at+".name", "Tên thành phần hồ sơ", c.Name, MaxTextBytes, true); err != nil {
			return err
		}
		if c.Copies < 0 || c.Copies > 20 {
			return apperr.FieldError(at+".copies", "Số bản của thành phần %q phải từ 0 đến 20", c.Code)
		}
		if err := text(at+".form", "Mẫu tờ khai", c.Form, 500, false); err != nil {
			return err
		}
	}
	return nil
}

func (p *Procedure) validateFields() error {
	if len(p.Fields) > MaxFields {
		return apperr.FieldError("fields", "Tối đa %d trường trên tờ khai trực tuyến", MaxFields)
	}
	seen := map[string]bool{}
	for i, f := range p.Fields {
		at := fmt.Sprintf("fields[%d]", i)
		if !fieldName.MatchString(f.Name) {
			return apperr.FieldError(at+".name", "Tên trường %q không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch dưới (tối đa 40 ký tự)", clip(f.Name, 40))
		}
		if seen[f.Name] {
			return apperr.FieldError(at+".name", "Tên trường %q bị trùng", f.Name)
		}
		seen[f.Name] = true
		if err := text(at+".label", "Nhãn của trường "+f.Name, f.Label, 500, true); err != nil {
			return err
		}
		if !f.Type.Known() {
			return apperr.FieldError(at+".type", "Kiểu của trường %q không hợp lệ: dùng text, number, date, select, cccd, tax_code, phone hoặc address", f.Name)
		}
		if err := text(at+".help", "Hướng dẫn của trường "+f.Name, f.Help, MaxTextBytes, false); err != nil {
			return err
		}
		if f.Type != FieldSelect {
			if len(f.Options) > 0 {
				return apperr.FieldError(at+".options", "Chỉ trường kiểu chọn (select) mới có danh sách lựa chọn (trường %q)", f.Name)
			}
			continue
		}
		if len(f.Options) == 0 {
			return apperr.FieldError(at+".options", "Trường chọn %q chưa có lựa chọn nào", f.Name)
		}
		if len(f.Options) > MaxOptions {
			return apperr.FieldError(at+".options", "Trường chọn %q có quá %d lựa chọn", f.Name, MaxOptions)
		}
		opts := map[string]bool{}
		for _, o := range f.Options {
			if err := text(at+".options", "Lựa chọn của trường "+f.Name, o, 500, true); err != nil {
				return err
			}
			if opts[o] {
				return apperr.FieldError(at+".options", "Lựa chọn %q của trường %q bị trùng", clip(o, 40), f.Name)
			}
			opts[o] = true
		}
	}
	return nil
}

// validateSteps checks the processing steps: at least one, each with a
// name, a role that handles dossiers and a positive share of hours, and
// their hours adding up to the procedure's time, 8 working hours per
// working day.
//
// A same-day procedure (Days 0) has at most the one working day: a dossier
// received before the cut-off (15:00) is resolved that day, and one
// received after it counts as received the next working day and is
// resolved then (Decree 63/2024 art. 7(2)). Either way the steps share one
// working day at most, so their hours add up to 8 or less (the time left
// after reception, not a whole day, is what the officers really have).
func (p *Procedure) validateSteps() error {
	if len(p.Steps) == 0 {
		return apperr.FieldError("steps", "Chưa có bước xử lý nào: ghi ít nhất một bước (ai xử lý, bao nhiêu giờ làm việc)")
	}
	if len(p.Steps) > MaxSteps {
		return apperr.FieldError("steps", "Tối đa %d bước xử lý", MaxSteps)
	}
	total := 0
	for i, s := range p.Steps {
		at := fmt.Sprintf("steps[%d]", i)
		if err := text(at+".name", "Tên bước xử lý", s.Name, 500, true); err != nil {
			return err
		}
		if _, ok := stepRoles[s.Role]; !ok {
			return apperr.FieldError(at+".role", "Vai trò của bước %q không hợp lệ: dùng onestop_officer, specialist hoặc leader", clip(s.Name, 40))
		}
		if len(s.AgencyCode) > MaxCodeBytes {
			return apperr.FieldError(at+".agency_code", "Mã cơ quan của bước %q quá dài", clip(s.Name, 40))
		}
		if s.Hours <= 0 || s.Hours > MaxDays*HoursPerWorkingDay {
			return apperr.FieldError(at+".hours", "Số giờ của bước %q phải lớn hơn 0", clip(s.Name, 40))
		}
		total += s.Hours
	}
	if p.Days == 0 {
		if total > HoursPerWorkingDay {
			return apperr.FieldError("steps", "Thủ tục giải quyết trong ngày: tổng số giờ các bước là %d, không được quá %d giờ làm việc", total, HoursPerWorkingDay)
		}
		return nil
	}
	if want := p.Days * HoursPerWorkingDay; total != want {
		return apperr.FieldError("steps", "Tổng số giờ các bước là %d, phải bằng thời hạn giải quyết %d ngày làm việc × %d giờ = %d giờ", total, p.Days, HoursPerWorkingDay, want)
	}
	return nil
}

// text checks one text: valid UTF-8, no control or hidden characters, at
// most max bytes, present when required.
func text(field, label, s string, max int, required bool) error {
	switch {
	case s == "" && required:
		return apperr.FieldError(field, "Chưa nhập %s", lowerFirst(label))
	case !utf8.ValidString(s):
		return apperr.FieldError(field, "%s chứa ký tự không hợp lệ", label)
	case len(s) > max:
		return apperr.FieldError(field, "%s quá dài (tối đa %d byte)", label, max)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f {
			return apperr.FieldError(field, "%s chứa ký tự điều khiển", label)
		}
	}
	if r, ok := locale.HiddenRune(s); ok {
		return apperr.FieldError(field, "%s chứa ký tự ẩn U+%04X", label, r)
	}
	return nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// FeeTotal is the sum of the procedure's fees, the amount the portal shows
// as "how much" (each fee is listed beside it).
func (p *Procedure) FeeTotal() int64 {
	var t int64
	for _, f := range p.Fees {
		t += f.Amount
	}
	return t
}

// FormatVND writes an amount as Vietnamese money: 100.000 đ.
func FormatVND(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String() + " đ"
	}
	return b.String() + " đ"
}
