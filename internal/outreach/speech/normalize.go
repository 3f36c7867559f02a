package speech

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxText bounds what Normalize reads (bytes); the rest is dropped.
const MaxText = 64 << 10

var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// readBelowThousand reads 0 < n < 1000; full says a higher group came
// before, so hundreds are read even when zero ("không trăm linh năm").
func readBelowThousand(n int, full bool) string {
	h, t, u := n/100, n/10%10, n%10
	var w []string
	if h > 0 || full {
		w = append(w, digitWords[h], "trăm")
	}
	switch {
	case t == 0 && u == 0:
	case t == 0:
		if len(w) > 0 {
			w = append(w, "linh")
		}
		w = append(w, digitWords[u])
	case t == 1:
		w = append(w, "mười")
		switch u {
		case 0:
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	default:
		w = append(w, digitWords[t], "mươi")
		switch u {
		case 0:
		case 1:
			w = append(w, "mốt")
		case 4:
			w = append(w, "tư")
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	}
	return strings.Join(w, " ")
}

// Number reads a non-negative integer in Vietnamese words: 21 "hai mươi
// mốt", 105 "một trăm linh năm", 1.005 "một nghìn không trăm linh năm",
// 10^12 "một nghìn tỷ".
func Number(n uint64) string {
	if n == 0 {
		return "không"
	}
	return readNumber(n, false)
}

func readNumber(n uint64, full bool) string {
	const billion = 1_000_000_000
	if n >= billion {
		s := readNumber(n/billion, full) + " tỷ"
		if r := n % billion; r > 0 {
			s += " " + readNumber(r, true)
		}
		return s
	}
	groups := []struct {
		div  uint64
		name string
	}{{1_000_000, "triệu"}, {1000, "nghìn"}, {1, ""}}
	var w []string
	for _, g := range groups {
		v := int(n / g.div % 1000)
		if v == 0 {
			continue
		}
		w = append(w, readBelowThousand(v, full || len(w) > 0))
		if g.name != "" {
			w = append(w, g.name)
		}
	}
	return strings.Join(w, " ")
}

// Digits reads s digit by digit ("113" → "một một ba").
func Digits(s string) string {
	var w []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			w = append(w, digitWords[r-'0'])
		case r == '+':
			w = append(w, "cộng")
		}
	}
	return strings.Join(w, " ")
}

// readDigitsNumber reads a run of digits as a number, or digit by digit
// when it has a leading zero or is too long to be a quantity.
func readDigitsNumber(s string) string {
	if len(s) > 1 && s[0] == '0' || len(s) > 15 {
		return Digits(s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Digits(s)
	}
	return Number(n)
}

// readDecimal reads "1.234.567,5" (thousands dots, decimal comma).
func readDecimal(s string) string {
	whole, frac, hasFrac := strings.Cut(s, ",")
	out := readDigitsNumber(strings.ReplaceAll(whole, ".", ""))
	if hasFrac {
		if len(frac) > 1 && frac[0] == '0' {
			out += " phẩy " + Digits(frac)
		} else {
			out += " phẩy " + readDigitsNumber(frac)
		}
	}
	return out
}

const num = `\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?`

var numberRE = regexp.MustCompile(
	`(?P<phone>\+84\d{9,10}|\b84\d{9}\b|\b0\d{2,3}[ .]\d{3}[ .]\d{3,4}\b|\b0\d{9,10}\b|\b1[89]00[ .]?\d{3,4}(?:[ .]?\d{2,3})?\b)` +
		`|(?P<ordinal>((?i:thứ)\s+)(\d{1,3}|[IVXLC]{1,7})\b)` +
		`|(?P<roman>((?i:quý|khóa|khoá|kỳ|lần|chương|phần|mục|đại hội|kỳ họp)\s+)([IVXLC]{1,7})\b)` +
		`|(?P<hotline>((?i:gọi|số|tổng đài|đường dây nóng|hotline)\s+)(11[1-6])\b)` +
		`|(?P<date>(?:(?i:ngày)\s+)?\b(\d{1,2})/(\d{1,2})/(\d{4})\b)` +
		`|(?P<sdate>((?i:ngày|từ|đến|tới|trước|sau|hạn|hôm)\s+)(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b)` +
		`|(?P<time>\b([01]?\d|2[0-4])\s?(?:h|giờ|g)(?:\s?([0-5]\d))?(?:'|\s?phút|p)?|\b([01]?\d|2[0-3]):([0-5]\d)\b)` +
		`|(?P<money>(` + num + `)\s?(đồng|đ|VNĐ|VND|vnđ|vnd))` +
		`|(?P<pct>(` + num + `)\s?%)` +
		`|(?P<unit>(` + num + `)\s?(km/h|km²|km2|km|kg|mm|cm|m²|m2|m³|m3|ha|°C|độ C|tấn|mét|m))` +
		`|(?P<slash>\b(\d+)/(\d+)\b)` +
		`|(?P<num>` + num + `)`)

var units = map[string]string{
	"km/h": "ki lô mét trên giờ", "km²": "ki lô mét vuông", "km2": "ki lô mét vuông", "km": "ki lô mét",
	"kg": "ki lô gam", "mm": "mi li mét", "cm": "xăng ti mét", "m²": "mét vuông", "m2": "mét vuông",
	"m³": "mét khối", "m3": "mét khối", "ha": "héc ta", "°C": "độ C", "độ C": "độ C", "tấn": "tấn",
	"mét": "mét", "m": "mét",
}

func month(m int) string {
	if m == 4 {
		return "tư"
	}
	return Number(uint64(m))
}

func readTime(h, m string) string {
	hh, _ := strconv.Atoi(h)
	s := Number(uint64(hh)) + " giờ"
	if mm, _ := strconv.Atoi(m); mm > 0 {
		s += " " + Number(uint64(mm)) + " phút"
	}
	return s
}

func readNumbers(text string) string {
	names := numberRE.SubexpNames()
	text = rangeRE.ReplaceAllString(text, "$1 đến $2")
	return replaceAllSubmatch(numberRE, text, func(g []string, next rune) string {
		var kind string
		for i, name := range names {
			if name != "" && g[i] != "" {
				kind = name
				break
			}
		}
		at := func(i int) string { return g[numberRE.SubexpIndex(kind)+i] }
		// A suffix glued to a word is not a suffix: "5 mẫu" is not 5 m + "ẫu",
		// "14hôm" no time. Read the number and keep the rest as it was.
		if unicode.IsLetter(next) {
			switch kind {
			case "money", "unit":
				return readDecimal(at(1)) + readNumbers(g[0][len(at(1)):])
			case "time":
				rest := strings.TrimLeft(g[0], "0123456789")
				return readDigitsNumber(g[0][:len(g[0])-len(rest)]) + " " + readNumbers(rest)
			}
		}
		switch kind {
		case "phone":
			return Digits(g[0])
		case "ordinal", "roman":
			n, ok := roman(at(2))
			if !ok {
				v, err := strconv.Atoi(at(2))
				if err != nil {
					return g[0]
				}
				n = v
			}
			if kind == "ordinal" {
				// thứ nhất, thứ tư (the first, the fourth; Wednesday)
				switch n {
				case 1:
					return at(1) + "nhất"
				case 4:
					return at(1) + "tư"
				}
			}
			return at(1) + Number(uint64(n))
		case "hotline":
			// The emergency numbers (113 police, 114 fire, 115 ambulance …)
			// are said digit by digit after the word that calls them.
			return at(1) + Digits(at(2))
		case "sdate":
			// A date after a word that announces one; dd/mm without a year
			// only there.
			d, _ := strconv.Atoi(at(2))
			m, _ := strconv.Atoi(at(3))
			if d < 1 || d > 31 || m < 1 || m > 12 {
				return at(1) + readNumbers(strings.NewReplacer("/", " xuyệt ").Replace(g[0][len(at(1)):]))
			}
			s := Number(uint64(d)) + " tháng " + month(m)
			if at(4) != "" {
				y, _ := strconv.Atoi(at(4))
				s += " năm " + Number(uint64(y))
			}
			if p := strings.TrimSpace(at(1)); strings.EqualFold(p, "ngày") {
				return p + " " + s
			}
			return at(1) + "ngày " + s
		case "date":
			d, _ := strconv.Atoi(at(1))
			m, _ := strconv.Atoi(at(2))
			if d < 1 || d > 31 || m < 1 || m > 12 {
				break
			}
			day := "ngày"
			if strings.HasPrefix(g[0], "Ngày") || strings.HasPrefix(g[0], "NGÀY") {
				day = "Ngày"
			}
			y, _ := strconv.Atoi(at(3))
			return day + " " + Number(uint64(d)) + " tháng " + month(m) + " năm " + Number(uint64(y))
		case "time":
			if at(1) != "" {
				return readTime(at(1), at(2))
			}
			return readTime(at(3), at(4))
		case "money":
			return readDecimal(at(1)) + " đồng"
		case "pct":
			return readDecimal(at(1)) + " phần trăm"
		case "unit":
			return readDecimal(at(1)) + " " + units[at(2)]
		case "slash":
			return readDigitsNumber(at(1)) + " xuyệt " + readDigitsNumber(at(2))
		case "num":
			return readDecimal(g[0])
		}
		// Not what it looked like (31/13/2026): read its numbers one by one.
		return readNumbers(strings.NewReplacer("/", " xuyệt ").Replace(g[0]))
	})
}

// roman reads a Roman numeral (I to CCCXCIX) written the usual way.
func roman(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	val := map[byte]int{'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100}
	n := 0
	for i := 0; i < len(s); i++ {
		v, ok := val[s[i]]
		if !ok {
			return 0, false
		}
		if i+1 < len(s) && val[s[i+1]] > v {
			n -= v
		} else {
			n += v
		}
	}
	// Only the canonical spelling: "IIII" or "VX" are not numerals here,
	// nor C or L alone, which name sections (phần A, B, C) more often.
	if n <= 0 || toRoman(n) != s || s == "C" || s == "L" {
		return 0, false
	}
	return n, true
}

func toRoman(n int) string {
	var b strings.Builder
	for _, p := range []struct {
		v int
		s string
	}{{100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for n >= p.v {
			b.WriteString(p.s)
			n -= p.v
		}
	}
	return b.String()
}

// rangeRE finds ranges of numbers, "100-200mm", "7-10 ngày".
var rangeRE = regexp.MustCompile(`(\d)\s?[-–]\s?(\d)`)

// replaceAllSubmatch is ReplaceAllStringFunc with the submatches and the
// rune after the match (0 at the end).
func replaceAllSubmatch(re *regexp.Regexp, s string, f func(g []string, next rune) string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		g := make([]string, len(m)/2)
		for i := range g {
			if m[2*i] >= 0 {
				g[i] = s[m[2*i]:m[2*i+1]]
			}
		}
		next, _ := utf8.DecodeRuneInString(s[m[1]:])
		if m[1] == len(s) {
			next = 0
		}
		b.WriteString(f(g, next))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// abbreviations are read as words. A key ending in "." matches only with
// its dot; keys are matched as whole words, case-sensitive.
var abbreviations = map[string]string{
	"UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
	"MTTQ": "Mặt trận Tổ quốc", "CCCD": "căn cước công dân", "CMND": "chứng minh nhân dân",
	"BHYT": "bảo hiểm y tế", "BHXH": "bảo hiểm xã hội", "THPT": "trung học phổ thông",
	"THCS": "trung học cơ sở", "TTYT": "trung tâm y tế", "CSGT": "cảnh sát giao thông",
	"PCCC": "phòng cháy chữa cháy", "PCTT": "phòng chống thiên tai", "TKCN": "tìm kiếm cứu nạn",
	"TDP": "tổ dân phố", "KDC": "khu dân cư", "HTX": "hợp tác xã", "SĐT": "số điện thoại",
	"ĐT": "điện thoại", "HCM": "Hồ Chí Minh", "VN": "Việt Nam", "CSND": "cảnh sát nhân dân",
	// Not TT, CT, KH, TB, TH: each stands for several words (thông tư or
	// trung tâm, chỉ thị or công ty …) and is left for the reader to spell.
	"QĐ": "quyết định", "NĐ": "nghị định", "BCH": "Ban chỉ huy", "CA": "công an",
	"NVQS": "nghĩa vụ quân sự", "ATGT": "an toàn giao thông", "ATTP": "an toàn thực phẩm",
	"GPMB": "giải phóng mặt bằng", "VSMT": "vệ sinh môi trường", "KT-XH": "kinh tế - xã hội",
	"TP.": "thành phố", "TX.": "thị xã", "TT.": "thị trấn", "Q.": "quận", "P.": "phường",
	"H.": "huyện", "X.": "xã", "Tp.": "thành phố", "v.v.": "vân vân", "&": " và ",
}

// wordRE finds words (with an optional trailing dot) and a few symbols.
var wordRE = regexp.MustCompile(`v\.v\.|[\p{L}\p{N}]+(?:-[\p{L}]+)?\.?|&`)

func expandAbbreviations(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range wordRE.FindAllStringIndex(text, -1) {
		w := text[m[0]:m[1]]
		b.WriteString(text[last:m[0]])
		last = m[1]
		rest := strings.TrimLeft(text[m[1]:], " ")
		next, _ := utf8.DecodeRuneInString(rest)
		r, ok := abbreviations[w]
		switch {
		case w == "v.v." || ok && !strings.HasSuffix(w, "."):
		case ok:
			// A one-letter place abbreviation ("Q. 1", "P. Bến Nghé") only
			// before a name or a number: "Nguyễn Văn P." stays.
			if len(w) == 2 && !unicode.IsUpper(next) && !unicode.IsDigit(next) {
				r = w
			} else {
				r += " "
			}
		case strings.HasSuffix(w, "."):
			if x, ok2 := abbreviations[strings.TrimSuffix(w, ".")]; ok2 {
				r = x + "."
			} else {
				r = w
			}
		default:
			r = w
		}
		if w == "v.v." {
			r = abbreviations[w]
		}
		b.WriteString(r)
	}
	b.WriteString(text[last:])
	return b.String()
}

var spaces = regexp.MustCompile(`[ \t]+`)

// Normalize returns text as a loudspeaker reads it aloud: NFC, the usual
// abbreviations as words (UBND, HĐND, CCCD, TP., …), dates dd/mm/yyyy as
// "ngày … tháng … năm …", times 14h30 and 14:30, money (20.000đ, 20.000
// đồng, VNĐ), percentages, measures, phone numbers digit by digit and
// every other number in Vietnamese words (mốt, lăm, linh, mươi; nghìn,
// triệu, tỷ). Text beyond MaxText is dropped.
func Normalize(text string) string {
	if len(text) > MaxText {
		text = text[:MaxText]
		for len(text) > 0 && !utf8.RuneStart(text[len(text)-1]) {
			text = text[:len(text)-1]
		}
	}
	text = strings.ToValidUTF8(norm.NFC.String(text), "")
	text = strings.Map(func(r rune) rune {
		if r == '\u00a0' || r == '\r' {
			return ' '
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, text)
	text = expandAbbreviations(text)
	text = readNumbers(text)
	text = spaces.ReplaceAllString(text, " ")
	return strings.TrimSpace(text)
}
