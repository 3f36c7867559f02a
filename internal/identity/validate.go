package identity

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// cccdProvinces are the 3-digit birth-registration province codes that open
// a 12-digit personal identification number (số định danh cá nhân, printed
// on the CCCD), per Circular 07/2016/TT-BCA as amended by 59/2021/TT-BCA:
// the 63 pre-2025 provinces. Numbers already issued keep their code after
// the 2025 mergers, and the merged provinces kept codes from this list.
var cccdProvinces = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027
		030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067
		068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096`) {
		cccdProvinces[c] = true
	}
}

// ParseCCCD checks a 12-digit personal identification number (CCCD / số
// định danh cá nhân): digits 1–3 the province of birth registration, digit 4
// the century and sex (0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s,
// 8/9 = 1800s, even = male), digits 5–6 the year of birth, then six random
// digits. Spaces and dots typed between groups are removed. The birth year
// may not lie after currentYear. It returns the 12 digits or EINVALID.
func ParseCCCD(s string, currentYear int) (string, error) {
	v := stripSeparators(s, " .")
	if len(v) != 12 || !allDigits(v) {
		return "", apperr.FieldError("cccd", "Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số")
	}
	if !cccdProvinces[v[:3]] {
		return "", apperr.FieldError("cccd", "Số CCCD %s không hợp lệ: ba chữ số đầu %s không phải mã tỉnh nơi đăng ký khai sinh", v, v[:3])
	}
	century := []int{1900, 1900, 2000, 2000, 2100, 2100, 2200, 2200, 1800, 1800}[v[3]-'0']
	year := century + int(v[4]-'0')*10 + int(v[5]-'0')
	if currentYear > 0 && year > currentYear {
		return "", apperr.FieldError("cccd", "Số CCCD %s không hợp lệ: năm sinh %d ở tương lai", v, year)
	}
	return v, nil
}

// taxWeights are the weights of the tax code's check digit (Circular
// 105/2020/TT-BTC, the tenth digit N10).
var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// ParseTaxCode checks an enterprise tax code (mã số thuế, Circular
// 105/2020/TT-BTC): 10 digits N1…N10 where N1N2 is the province code of
// first registration (never 00), N3…N9 a sequence (never 0000000) and N10 a
// check digit: 10 − (Σ Nᵢ·wᵢ mod 11) with weights 31 29 23 19 17 13 7 5 3
// (a code whose sum leaves remainder 0 is never issued); or 13 digits for a
// dependent unit (branch), written N1…N10-N11N12N13 with a branch number
// 001–999. It returns the normalised code ("0100109106" or
// "0100109106-001") or EINVALID. Since 01/07/2025 individuals and household
// businesses use their 12-digit personal number instead (Circular
// 86/2024/TT-BTC): they register as citizens.
func ParseTaxCode(s string) (string, error) {
	v := stripSeparators(s, " .-")
	if (len(v) != 10 && len(v) != 13) || !allDigits(v) {
		if len(v) == 12 && allDigits(v) {
			return "", apperr.FieldError("tax_code", "Mã số thuế doanh nghiệp gồm 10 chữ số (hoặc 13 chữ số cho chi nhánh); hộ kinh doanh và cá nhân dùng số định danh cá nhân 12 chữ số: hãy đăng ký với vai trò người dân")
		}
		return "", apperr.FieldError("tax_code", "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số cho đơn vị phụ thuộc (dạng 0100109106-001)")
	}
	if v[:2] == "00" || v[2:9] == "0000000" || (len(v) == 13 && v[10:] == "000") {
		return "", apperr.FieldError("tax_code", "Mã số thuế %s không hợp lệ", v)
	}
	sum := 0
	for i, w := range taxWeights {
		sum += int(v[i]-'0') * w
	}
	check := 10 - sum%11
	if check == 10 || int(v[9]-'0') != check {
		return "", apperr.FieldError("tax_code", "Mã số thuế %s không hợp lệ: sai chữ số kiểm tra, hãy kiểm tra lại từng chữ số", v[:10])
	}
	if len(v) == 13 {
		return v[:10] + "-" + v[10:], nil
	}
	return v, nil
}

// ParsePhone checks a Vietnamese mobile number and returns it in the
// national form 0XXXXXXXXX: ten digits whose second is 3, 5, 7, 8 or 9
// (the 2018 numbering plan). +84 and 84 prefixes, spaces, dots and dashes
// are accepted on input.
func ParsePhone(s string) (string, error) {
	v := stripSeparators(s, " .-()")
	switch {
	case strings.HasPrefix(v, "+84"):
		v = "0" + v[3:]
	case strings.HasPrefix(v, "84") && len(v) == 11:
		v = "0" + v[2:]
	}
	if len(v) != 10 || !allDigits(v) || v[0] != '0' || !strings.ContainsRune("35789", rune(v[1])) {
		return "", apperr.FieldError("phone", "Số điện thoại di động không hợp lệ: cần 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09")
	}
	return v, nil
}

// ParseEmail checks a plain e-mail address (no display name) and returns it
// with the domain lower-cased.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := apperr.FieldError("email", "Địa chỉ thư điện tử không hợp lệ")
	if s == "" || len(s) > 254 || !utf8.ValidString(s) {
		return "", bad
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at:], ".") {
		return "", bad
	}
	return s[:at] + strings.ToLower(s[at:]), nil
}

// ParseUsername checks an official's username: 3 to 64 characters, lower
// case ASCII letters, digits, '.', '_' and '-', starting with a letter (so it
// never looks like a CCCD or tax code). Upper case is folded.
func ParseUsername(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if len(v) < 3 || len(v) > 64 || v[0] < 'a' || v[0] > 'z' {
		return "", apperr.FieldError("username", "Tên đăng nhập cần 3–64 ký tự, bắt đầu bằng chữ cái không dấu")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", apperr.FieldError("username", "Tên đăng nhập chỉ gồm chữ cái không dấu, chữ số và các dấu . _ -")
		}
	}
	return v, nil
}

// CleanName checks a person's or organisation's name (locale.CleanName:
// NFC, white space collapsed, at most 200 bytes, no control, invisible or
// bidirectional characters).
func CleanName(s string) (string, error) {
	return locale.CleanName("name", "Họ tên", s, 200)
}

// NormalizeLogin turns what a person typed in the sign-in form into the
// stored login: a CCCD (12 digits), a tax code, or a username.
func NormalizeLogin(s string) string {
	s = strings.TrimSpace(s)
	digits := stripSeparators(s, " .-")
	if allDigits(digits) && digits != "" {
		switch len(digits) {
		case 12:
			return digits
		case 10:
			return digits
		case 13:
			return digits[:10] + "-" + digits[10:]
		}
	}
	return strings.ToLower(s)
}

func stripSeparators(s, seps string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(seps, r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
