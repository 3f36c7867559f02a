package documents

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Limits of a number and symbol. Decree 30 sets no maximum; these bound
// what another agency's register can plausibly hold, so outside input stays
// small.
const (
	MaxSymbolBytes = 80
	maxNumber      = 9_999_999
	maxGroups      = 6
	maxGroupRunes  = 20
)

// FormatNumber writes a register number the way Decree 30 Appendix I
// wants it: numbers below 10 get a leading zero (05, 12, 125).
func FormatNumber(n int) string { return fmt.Sprintf("%02d", n) }

// SymbolParts are what an outgoing symbol is made of.
type SymbolParts struct {
	Number int
	// Year is written between number and symbol only for legal normative
	// documents (Law on Promulgation of Legal Documents: 12/2025/QĐ-UBND).
	Year int
	// Type is the document type; for Công văn its empty abbreviation is
	// replaced by Unit after the agency (125/UBND-VP).
	Type   Type
	Agency string // the issuing agency's abbreviation, e.g. UBND, SNV
	Unit   string // the drafting unit (or the field handled, 12/UBND-VX); Công văn only
}

// FormatSymbol writes "number/symbol": 05/QĐ-UBND, 125/UBND-VP, 07/SY-VP,
// 12/2025/QĐ-UBND (Decree 30, Appendix I and III).
func FormatSymbol(p SymbolParts) (string, error) {
	if p.Number < 1 || p.Number > maxNumber {
		return "", apperr.FieldError("number", "Số văn bản phải từ 1 đến %d", maxNumber)
	}
	if !validGroup(p.Agency) {
		return "", apperr.FieldError("agency", "Chữ viết tắt tên cơ quan %q không hợp lệ", clipText(p.Agency, 40))
	}
	groups := []string{p.Type.Abbrev, p.Agency}
	if p.Type.Code == CongVan {
		if !validGroup(p.Unit) {
			return "", apperr.FieldError("unit", "Công văn cần chữ viết tắt của đơn vị soạn thảo hoặc lĩnh vực (ví dụ 125/UBND-VP)")
		}
		groups = []string{p.Agency, p.Unit}
	} else if p.Type.Abbrev == "" {
		return "", apperr.FieldError("type", "Loại văn bản không hợp lệ")
	}
	var b strings.Builder
	b.WriteString(FormatNumber(p.Number))
	b.WriteByte('/')
	if p.Year != 0 {
		b.WriteString(strconv.Itoa(p.Year))
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(groups, "-"))
	return b.String(), nil
}

// Symbol is a number and symbol read from a document, usually one another
// agency issued.
type Symbol struct {
	Number int
	Year   int      // 0 unless written (legal normative documents)
	Groups []string // the parts between dashes: [QĐ UBND], [UBND VP]
	// Type is the Appendix III type named by the first group, if any; a
	// Công văn and symbols of other systems leave it empty.
	Type string
}

// String writes the symbol in its canonical form: the number with its
// leading zero, groups as given.
func (s Symbol) String() string {
	var b strings.Builder
	b.WriteString(FormatNumber(s.Number))
	b.WriteByte('/')
	if s.Year != 0 {
		b.WriteString(strconv.Itoa(s.Year))
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(s.Groups, "-"))
	return b.String()
}

// Key is the form two symbols are compared in to find a duplicate
// registration: canonical and upper case, since senders write "TTr" and
// "TTR" for the same document.
func (s Symbol) Key() string { return strings.ToUpper(s.String()) }

func badSymbol(s, why string) error {
	return apperr.FieldError("symbol", "Số, ký hiệu văn bản %q không hợp lệ: %s (đúng mẫu: 05/QĐ-UBND, 125/UBND-VP, 12/2025/QĐ-UBND)", clipText(s, 40), why)
}

// ParseSymbol reads a number and symbol as printed on a document: an
// optional "Số:" label, the number, an optional four-digit year, then the
// symbol's groups joined by "-" (Decree 30, Appendix I: upper case, "/"
// after the number, "-" between groups, no spaces). The text is
// NFC-normalised first. Anything else is an EINVALID on field "symbol"
// with a Vietnamese message.
func ParseSymbol(in string) (Symbol, error) {
	if len(in) > 4*MaxSymbolBytes {
		return Symbol{}, badSymbol(in, fmt.Sprintf("dài quá %d byte", MaxSymbolBytes))
	}
	if !utf8.ValidString(in) {
		return Symbol{}, apperr.FieldError("symbol", "Số, ký hiệu văn bản không phải văn bản UTF-8 hợp lệ")
	}
	s := locale.NFC(in)
	if rest, ok := cutLabel(s); ok {
		s = rest
	}
	if s == "" {
		return Symbol{}, apperr.FieldError("symbol", "Thiếu số, ký hiệu văn bản")
	}
	if len(s) > MaxSymbolBytes {
		return Symbol{}, badSymbol(in, fmt.Sprintf("dài quá %d byte", MaxSymbolBytes))
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return Symbol{}, badSymbol(in, "không được có dấu cách")
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Symbol{}, badSymbol(in, "cần dạng số/ký hiệu")
	}
	var sym Symbol
	n, ok := digits(parts[0], 7)
	if !ok || n < 1 {
		return Symbol{}, badSymbol(in, "số văn bản phải là số nguyên dương đứng trước dấu /")
	}
	sym.Number = n
	if len(parts) == 3 {
		y, ok := digits(parts[1], 4)
		if !ok || len(parts[1]) != 4 || y < 1945 {
			return Symbol{}, badSymbol(in, "năm giữa số và ký hiệu phải có 4 chữ số")
		}
		sym.Year = y
	}
	groups := strings.Split(parts[len(parts)-1], "-")
	if len(groups) > maxGroups {
		return Symbol{}, badSymbol(in, fmt.Sprintf("ký hiệu có quá %d nhóm", maxGroups))
	}
	for _, g := range groups {
		if g == "" {
			return Symbol{}, badSymbol(in, "thiếu chữ viết tắt giữa hai dấu -")
		}
		if !validGroup(g) {
			return Symbol{}, badSymbol(in, fmt.Sprintf("nhóm %q chỉ được gồm chữ cái và chữ số, tối đa %d ký tự", clipText(g, 20), maxGroupRunes))
		}
	}
	if !hasLetter(groups) {
		return Symbol{}, badSymbol(in, "ký hiệu phải có chữ viết tắt tên loại hoặc tên cơ quan")
	}
	sym.Groups = groups
	if len(groups) > 1 {
		if t, ok := lookupAbbrev(groups[0]); ok {
			sym.Type = t.Code
		}
	}
	return sym, nil
}

// cutLabel drops a leading "Số:" or "Số" label.
func cutLabel(s string) (string, bool) {
	for _, p := range []string{"Số:", "số:", "SỐ:", "Số ", "số "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return s, false
}

func digits(s string, max int) (int, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// validGroup accepts letters (Vietnamese included: Đ) and digits, at most
// maxGroupRunes of them.
func validGroup(g string) bool {
	n := 0
	for _, r := range g {
		n++
		if n > maxGroupRunes || !(unicode.IsLetter(r) || r >= '0' && r <= '9') {
			return false
		}
	}
	return n > 0
}

func hasLetter(groups []string) bool {
	for _, g := range groups {
		if strings.ContainsFunc(g, unicode.IsLetter) {
			return true
		}
	}
	return false
}

func lookupAbbrev(g string) (Type, bool) {
	for _, t := range types {
		if t.Abbrev != "" && t.Abbrev == g {
			return t, true
		}
	}
	for _, t := range types {
		if t.Abbrev != "" && strings.EqualFold(t.Abbrev, g) {
			return t, true
		}
	}
	return Type{}, false
}
