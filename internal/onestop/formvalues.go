package onestop

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// MaxValueBytes bounds one value of an online form.
const MaxValueBytes = 2000

// CommuneSet tells whether a commune code is a current commune (xã,
// phường, đặc khu). The Catalogue attaches one read from org to the
// procedures it returns, so address fields are checked against the list
// of today.
type CommuneSet interface {
	HasCommune(code string) bool
}

// WithCommunes returns a copy of p whose address fields are checked
// against set.
func (p Procedure) WithCommunes(set CommuneSet) *Procedure {
	p.communes = set
	return &p
}

// ValidateForm checks the values of the procedure's online form and returns
// them cleaned (NFC, trimmed, phone numbers as 0xxxxxxxxx, CCCD and tax
// codes without spaces); a value for a field the form does not have is
// refused. The first fault is an EINVALID error naming the field
// (Field is the field's name) with a Vietnamese message: a required field
// left empty, a number, a date dd/mm/yyyy that is no calendar day, an
// option not in the list, a CCCD, tax code or phone number that cannot be
// one, an address whose commune is not a current one.
//
// An address value is "commune_code|street text"; without a commune list
// attached (a procedure not read from the Catalogue) only the code's form
// (five digits) is checked.
func (p *Procedure) ValidateForm(values map[string]string) (map[string]string, error) {
	known := make(map[string]bool, len(p.Fields))
	for _, f := range p.Fields {
		known[f.Name] = true
	}
	for name := range values {
		if !known[name] {
			return nil, apperr.FieldError(clip(name, 40), "Tờ khai của thủ tục này không có trường %q", clip(name, 40))
		}
	}
	out := make(map[string]string, len(p.Fields))
	for _, f := range p.Fields {
		raw, ok := values[f.Name]
		if !ok || strings.TrimSpace(raw) == "" {
			if f.Required {
				return nil, apperr.FieldError(f.Name, "Chưa nhập %s", lowerFirst(f.Label))
			}
			continue
		}
		if !utf8.ValidString(raw) {
			return nil, apperr.FieldError(f.Name, "%s chứa ký tự không hợp lệ", f.Label)
		}
		v := locale.NFC(raw)
		if len(v) > MaxValueBytes {
			return nil, apperr.FieldError(f.Name, "%s quá dài (tối đa %d byte)", f.Label, MaxValueBytes)
		}
		if err := text(f.Name, f.Label, v, MaxValueBytes, false); err != nil {
			return nil, err
		}
		clean, err := p.cleanValue(f, v)
		if err != nil {
			return nil, err
		}
		out[f.Name] = clean
	}
	return out, nil
}

func (p *Procedure) cleanValue(f Field, v string) (string, error) {
	switch f.Type {
	case FieldText:
		return v, nil
	case FieldNumber:
		return cleanNumber(f, v)
	case FieldDate:
		d, err := ParseFormDate(v)
		if err != nil {
			return "", apperr.FieldError(f.Name, "%s: %s", f.Label, apperr.MessageOf(err))
		}
		return d, nil
	case FieldSelect:
		for _, o := range f.Options {
			if o == v {
				return v, nil
			}
		}
		return "", apperr.FieldError(f.Name, "%s: %q không có trong danh sách lựa chọn", f.Label, clip(v, 40))
	case FieldCCCD:
		c := stripSpaces(v)
		if err := CheckCCCD(c); err != nil {
			return "", apperr.FieldError(f.Name, "%s: %s", f.Label, apperr.MessageOf(err))
		}
		return c, nil
	case FieldTaxCode:
		c := stripSpaces(v)
		if err := CheckTaxCode(c); err != nil {
			return "", apperr.FieldError(f.Name, "%s: %s", f.Label, apperr.MessageOf(err))
		}
		return c, nil
	case FieldPhone:
		c, err := NormalizePhone(v)
		if err != nil {
			return "", apperr.FieldError(f.Name, "%s: %s", f.Label, apperr.MessageOf(err))
		}
		return c, nil
	case FieldAddress:
		code, street, err := ParseAddress(v)
		if err != nil {
			return "", apperr.FieldError(f.Name, "%s: %s", f.Label, apperr.MessageOf(err))
		}
		if p.communes != nil && !p.communes.HasCommune(code) {
			return "", apperr.FieldError(f.Name, "%s: mã xã, phường %q không có trong danh mục đơn vị hành chính hiện hành", f.Label, code)
		}
		return code + "|" + street, nil
	}
	return "", apperr.FieldError(f.Name, "Kiểu của trường %q không hợp lệ", f.Name)
}

func cleanNumber(f Field, v string) (string, error) {
	s := v
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	// Vietnamese writes 1.500.000 and 2,5: dots group thousands, a comma
	// marks the decimals.
	s = strings.ReplaceAll(s, ".", "")
	intPart, frac, hasFrac := strings.Cut(s, ",")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) || len(s) > 30 {
		return "", apperr.FieldError(f.Name, "%s phải là một số (ví dụ 1.500.000 hoặc 2,5)", f.Label)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasFrac {
		out += "," + frac
	}
	if neg && strings.Trim(out, "0,") != "" {
		out = "-" + out
	}
	return out, nil
}

// ParseFormDate checks a date written dd/mm/yyyy (d/m/yyyy accepted) and
// returns it as dd/mm/yyyy; the day must exist in the calendar and the
// year lie between 1900 and 2200.
func ParseFormDate(v string) (string, error) {
	parts := strings.Split(v, "/")
	if len(parts) != 3 || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 ||
		!allDigits(parts[0]) || !allDigits(parts[1]) || !allDigits(parts[2]) {
		return "", apperr.New(apperr.Invalid, "ngày phải ghi theo dạng dd/mm/yyyy, ví dụ 07/12/2026")
	}
	d, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	y, _ := strconv.Atoi(parts[2])
	if y < 1900 || y > 2200 {
		return "", apperr.New(apperr.Invalid, "năm %d không hợp lệ", y)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d || t.Month() != time.Month(m) {
		return "", apperr.New(apperr.Invalid, "ngày %s không có trong lịch", v)
	}
	return fmt.Sprintf("%02d/%02d/%04d", d, m, y), nil
}

// cccdProvinces are the place-of-registration codes of the 12-digit
// personal identification number (Circular 59/2021/TT-BCA, Appendix I):
// the 63 provinces before 2025 under their statistical codes, 001 Hà Nội
// to 096 Cà Mau. Numbers issued before the 2025 mergers keep them.
var cccdProvinces = map[string]bool{}

func init() {
	for _, c := range []int{1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38,
		40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87,
		89, 91, 92, 93, 94, 95, 96} {
		cccdProvinces[fmt.Sprintf("%03d", c)] = true
	}
}

// CheckCCCD checks a 12-digit personal identification number (số định
// danh cá nhân, on the CCCD card): 12 digits, the first three a
// province's code of Circular 59/2021/TT-BCA, the fourth the gender and
// century (0–9), the next two the year of birth, then six random digits.
func CheckCCCD(s string) error {
	if len(s) != 12 || !allDigits(s) {
		return apperr.New(apperr.Invalid, "số định danh cá nhân phải gồm đúng 12 chữ số")
	}
	if !cccdProvinces[s[:3]] {
		return apperr.New(apperr.Invalid, "ba chữ số đầu %q không phải mã tỉnh nơi đăng ký khai sinh (001–096)", s[:3])
	}
	return nil
}

// taxWeights are the weights of the check digit of a Vietnamese tax code
// (mã số thuế): the tenth digit is 10 − (Σ dᵢ·wᵢ mod 11) over the first
// nine; a remainder of 0 gives no valid code.
var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// CheckTaxCode checks a tax code: ten digits whose tenth is the check
// digit, optionally followed by "-ddd" for a branch or dependent unit.
func CheckTaxCode(s string) error {
	main, branch, hasBranch := strings.Cut(s, "-")
	if len(main) != 10 || !allDigits(main) {
		return apperr.New(apperr.Invalid, "mã số thuế phải gồm 10 chữ số, có thể thêm -ddd cho chi nhánh (ví dụ 0100109106 hoặc 0100109106-001)")
	}
	if hasBranch && (len(branch) != 3 || !allDigits(branch) || branch == "000") {
		return apperr.New(apperr.Invalid, "mã chi nhánh sau dấu gạch phải gồm 3 chữ số từ 001 đến 999")
	}
	sum := 0
	for i, w := range taxWeights {
		sum += int(main[i]-'0') * w
	}
	check := 10 - sum%11
	if check == 10 || int(main[9]-'0') != check {
		return apperr.New(apperr.Invalid, "mã số thuế %s sai chữ số kiểm tra", main)
	}
	return nil
}

// mobilePrefixes are the three-digit prefixes of Vietnamese mobile numbers
// since the 2018 renumbering: 03x, 05x, 07x, 08x and 09x networks.
var mobilePrefixes = map[string]bool{}

func init() {
	for _, p := range []string{"032", "033", "034", "035", "036", "037", "038", "039",
		"052", "055", "056", "058", "059",
		"070", "076", "077", "078", "079",
		"081", "082", "083", "084", "085", "086", "087", "088", "089",
		"090", "091", "092", "093", "094", "096", "097", "098", "099"} {
		mobilePrefixes[p] = true
	}
}

// NormalizePhone checks a Vietnamese mobile number written 0xxxxxxxxx or
// +84xxxxxxxxx (spaces, dots, dashes and brackets allowed) and returns it
// as 0xxxxxxxxx.
func NormalizePhone(v string) (string, error) {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", apperr.New(apperr.Invalid, "số điện thoại chỉ gồm chữ số (có thể bắt đầu bằng +84)")
		}
	}
	s := b.String()
	switch {
	case strings.HasPrefix(s, "+84"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "84") && len(s) == 11:
		s = "0" + s[2:]
	}
	if len(s) != 10 || s[0] != '0' || !allDigits(s) {
		return "", apperr.New(apperr.Invalid, "số điện thoại di động gồm 10 chữ số bắt đầu bằng 0 (hoặc +84 và 9 chữ số)")
	}
	if !mobilePrefixes[s[:3]] {
		return "", apperr.New(apperr.Invalid, "đầu số %s không phải đầu số di động Việt Nam (03x, 05x, 07x, 08x, 09x)", s[:3])
	}
	return s, nil
}

// ParseAddress splits an address value "commune_code|street text": the
// commune's five-digit official code and the street, house number or
// village, which must not be empty.
func ParseAddress(v string) (code, street string, err error) {
	code, street, ok := strings.Cut(v, "|")
	code, street = strings.TrimSpace(code), collapse(street)
	if !ok || len(code) != 5 || !allDigits(code) {
		return "", "", apperr.New(apperr.Invalid, "chọn xã, phường trong danh sách và ghi số nhà, đường, thôn, tổ dân phố")
	}
	if street == "" {
		return "", "", apperr.New(apperr.Invalid, "chưa ghi số nhà, đường, thôn, tổ dân phố")
	}
	return code, street, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func stripSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, s)
}
