package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery: whatever is typed, the parser returns words made only of
// letters, digits and marks (nothing an engine could read as syntax), at
// most MaxTerms of them, or a clean error; and the highlight spans it
// leads to lie on the text's character boundaries.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`"a" OR b*`, `NEAR(`, `đà nẵng`, `"le loi`, `a'b`, `title:x -y ^z`, "\xff", `""""`} {
		f.Add(s, "Đà Nẵng: đường Lê Lợi, a OR b")
	}
	f.Fuzz(func(t *testing.T, q, text string) {
		terms, err := parseQuery(q)
		if err != nil {
			return
		}
		if len(terms) > MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, tm := range terms {
			for _, w := range tm {
				if w == "" || strings.IndexFunc(w, func(r rune) bool { return !isWordRune(r) }) >= 0 || !utf8.ValidString(w) {
					t.Fatalf("word %q of %q", w, q)
				}
			}
		}
		if !utf8.ValidString(text) {
			return
		}
		m := matcher{terms: terms}
		for _, fr := range []Fragment{m.highlight(text), m.snippet(text)} {
			for _, sp := range fr.Marks {
				if sp.Start < 0 || sp.End > len(fr.Text) || sp.Start >= sp.End || !utf8.ValidString(fr.Text[sp.Start:sp.End]) {
					t.Fatalf("span %+v of %q", sp, fr.Text)
				}
			}
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add("czEuNXw0Mg", true)
	f.Add("ZDIwMjYtMDEtMDF8Mw", false)
	f.Fuzz(func(t *testing.T, s string, ranked bool) {
		c, err := parseCursor(s, ranked)
		if err == nil && s != "" && c == nil {
			t.Fatal("nil cursor without error")
		}
	})
}
