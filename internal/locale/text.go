package locale

import (
	"slices"
	"strings"
	"sync"
	"unicode"

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
