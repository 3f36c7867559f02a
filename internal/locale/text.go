package locale

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode NFC with surrounding space trimmed. Every piece of
// Vietnamese text from outside is normalised on input, so "Đắk Lắk" typed
// with combining marks equals the precomposed form in the database.
func NFC(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// strokeD folds the letters with a stroke that Unicode decomposition leaves
// alone: đ/Đ has no decomposition in Unicode, and SQLite's
// remove_diacritics does not fold it either.
var strokeD = strings.NewReplacer("đ", "d", "Đ", "D")

var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// Fold returns s without diacritics, lower-cased: "Đà Nẵng" → "da nang".
// Search indexes and queries both go through it, so results are the same on
// SQLite and PostgreSQL.
func Fold(s string) string {
	t := foldPool.Get().(transform.Transformer)
	defer foldPool.Put(t)
	out, _, err := transform.String(t, strokeD.Replace(s))
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

var collatorPool = sync.Pool{New: func() any { return collate.New(language.Vietnamese) }}

// Compare orders two strings by Vietnamese collation (a < ă < â < b … đ after
// d, tones after base letters).
func Compare(a, b string) int {
	c := collatorPool.Get().(*collate.Collator)
	defer collatorPool.Put(c)
	return c.CompareString(a, b)
}

// SortFunc sorts items by the Vietnamese collation of key(item).
func SortFunc[T any](items []T, key func(T) string) {
	c := collate.New(language.Vietnamese)
	var buf collate.Buffer
	keys := make(map[string][]byte, len(items))
	for _, it := range items {
		k := key(it)
		if _, ok := keys[k]; !ok {
			keys[k] = slices.Clone(c.KeyFromString(&buf, k))
			buf.Reset()
		}
	}
	slices.SortStableFunc(items, func(a, b T) int {
		return strings.Compare(string(keys[key(a)]), string(keys[key(b)]))
	})
}

// CleanName checks and normalises a name typed by a person — of a person,
// an agency, a unit, a position, a business: NFC, surrounding space trimmed
// and inner white space collapsed. It refuses invalid UTF-8, empty text,
// more than maxBytes bytes, control characters and the hidden characters of
// HiddenRune, with an EINVALID naming field; label starts the Vietnamese
// message ("Họ tên", "Tên cơ quan"). Every name input goes through it, so
// no name can be stored that displays differently from what it contains.
func CleanName(field, label, s string, maxBytes int) (string, error) {
	if !utf8.ValidString(s) {
		return "", apperr.FieldError(field, "%s không phải văn bản UTF-8 hợp lệ", label)
	}
	s = strings.Join(strings.Fields(NFC(s)), " ")
	if s == "" {
		return "", apperr.FieldError(field, "%s không được để trống", label)
	}
	if len(s) > maxBytes {
		return "", apperr.FieldError(field, "%s quá dài (tối đa %d byte)", label, maxBytes)
	}
	if r, ok := HiddenRune(s); ok {
		return "", apperr.FieldError(field, "%s chứa ký tự ẩn U+%04X (ký tự vô hình hoặc đảo chiều văn bản): hãy gõ lại, không dán từ nơi khác", label, r)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", apperr.FieldError(field, "%s chứa ký tự điều khiển không hợp lệ", label)
		}
	}
	return s, nil
}

// HiddenRune returns the first character of s that changes how text is
// shown without being seen itself, and true; or 0 and false. These are the
// bidirectional controls of Unicode UAX #9 (LRM, RLM, ALM, the embeddings
// and overrides U+202A–U+202E, the isolates U+2066–U+2069), which can make
// a name read backwards ("Trojan Source", CVE-2021-42574), and the
// zero-width and invisible characters (soft hyphen, ZWSP, ZWNJ, ZWJ, word
// joiner, BOM, invisible operators, Hangul fillers, the blank Braille
// pattern, variation selectors, tags, private-use and unassigned code
// points), which let two names that look the same differ, so one person or
// agency can be impersonated by another. Vietnamese names never need them.
func HiddenRune(s string) (rune, bool) {
	for _, r := range s {
		if isHidden(r) {
			return r, true
		}
	}
	return 0, false
}

func isHidden(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r == 0x180E, r == 0x3164, r == 0xFEFF, r == 0xFFA0:
		return true
	case r == 0x2800: // the blank Braille pattern: a symbol that prints nothing
		return true
	case r >= 0x180B && r <= 0x180F, // Mongolian variation selectors and vowel separator
		r >= 0x200B && r <= 0x200F,   // ZWSP, ZWNJ, ZWJ, LRM, RLM
		r >= 0x202A && r <= 0x202E,   // embeddings and overrides
		r >= 0x2060 && r <= 0x206F,   // word joiner, invisible operators, isolates, deprecated format controls
		r >= 0xFE00 && r <= 0xFE0F,   // variation selectors
		r >= 0xFFF0 && r <= 0xFFFB,   // interlinear annotation, unassigned specials
		r >= 0x1D173 && r <= 0x1D17A, // musical formatting controls
		r >= 0xE0000 && r <= 0xE0FFF: // tags, variation selectors supplement
		return true
	}
	// Any other format character (Cf) is as invisible as these, and so is
	// a private-use (Co) or unassigned code point: the reader's font shows
	// it as nothing or as a box, never as a letter of a name. Controls have
	// their own message, and spaces were collapsed.
	return !unicode.IsGraphic(r) && !unicode.IsControl(r) && !unicode.IsSpace(r)
}
