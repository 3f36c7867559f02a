package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Bounds on what is indexed and what a query may ask. A body past MaxBody
// bytes (the text of a very long PDF) is indexed up to there.
const (
	MaxTitle    = 4 << 10
	MaxBody     = 256 << 10
	MaxQuery    = 256 // bytes of query text
	MaxTerms    = 16  // words and phrases of a query
	maxWordLen  = 64  // longer "words" are indexed cut here
	snippetSide = 80  // runes of context each side of the first match
)

// word is one word of a text: its byte span in the original and its
// folded form.
type word struct {
	start, end int
	folded     string
}

// isWordRune says what a word is made of: letters, digits and marks, as
// FTS5's unicode61 tokenizer and PostgreSQL's parser both keep together;
// everything else separates words. The engines never see anything but
// folded words joined by spaces, so both split them the same way.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r)
}

// words splits s into words and folds each with locale.Fold ("Đà" → "da"),
// calling fn for each until it returns false.
func words(s string, fn func(w word) bool) {
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if !emit(s, start, i, fn) {
				return
			}
			start = -1
		}
	}
	if start >= 0 {
		emit(s, start, len(s), fn)
	}
}

func emit(s string, start, end int, fn func(w word) bool) bool {
	f := fold(s[start:end])
	if f == "" { // marks alone
		return true
	}
	return fn(word{start: start, end: end, folded: f})
}

// fold is locale.Fold with a fast path for ASCII words, where folding is
// lower-casing.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var f string
	if ascii {
		f = strings.ToLower(w)
	} else {
		f = locale.Fold(w)
		// Folding only drops marks and lower-cases, but a word never
		// carries a separator into the index.
		f = strings.Map(func(r rune) rune {
			if isWordRune(r) {
				return r
			}
			return -1
		}, f)
	}
	if len(f) > maxWordLen {
		f = f[:maxWordLen]
		for !utf8.ValidString(f) {
			f = f[:len(f)-1]
		}
	}
	return f
}

// foldedText is what the full-text index holds for s: its folded words
// joined by single spaces, at most limit bytes of s read.
func foldedText(s string, limit int) string {
	s = clip(s, limit)
	var b strings.Builder
	words(s, func(w word) bool {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.folded)
		return true
	})
	return b.String()
}

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// term is what a query asks for: one word, or a phrase of words that must
// follow each other (typed between double quotes).
type term []string

// parseQuery turns what a person typed into terms, every one of which a
// result must contain. Nothing in it is an operator: quotes delimit
// phrases (an unclosed one runs to the end), and every other character
// that is not part of a word (*, (, :, -, ^, +) separates words, so no
// engine query syntax can come from the text; "OR", "NEAR" and "AND" are
// words like any other.
func parseQuery(text string) ([]term, error) {
	if !utf8.ValidString(text) {
		return nil, apperr.FieldError("q", "Từ khóa tìm kiếm không phải văn bản UTF-8 hợp lệ")
	}
	if len(text) > MaxQuery {
		return nil, apperr.FieldError("q", "Từ khóa tìm kiếm quá dài (tối đa %d byte)", MaxQuery)
	}
	text = locale.NFC(text)
	var terms []term
	seen := map[string]bool{}
	add := func(part string, phrase bool) {
		var ws []string
		words(part, func(w word) bool { ws = append(ws, w.folded); return true })
		if len(ws) == 0 {
			return
		}
		add1 := func(t term) {
			k := strings.Join(t, " ")
			if !seen[k] {
				seen[k] = true
				terms = append(terms, t)
			}
		}
		if phrase {
			add1(term(ws))
			return
		}
		for _, w := range ws {
			add1(term{w})
		}
	}
	for i := 0; text != ""; i++ {
		before, after, found := strings.Cut(text, `"`)
		add(before, i%2 == 1)
		if !found {
			break
		}
		text = after
	}
	if len(terms) > MaxTerms {
		return nil, apperr.FieldError("q", "Từ khóa tìm kiếm có quá nhiều từ (tối đa %d)", MaxTerms)
	}
	return terms, nil
}

// Span marks a match in a Fragment: Text[Start:End], byte offsets.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Fragment is a piece of original text with the words a query matched.
// It is text, never markup: a page escapes it and wraps the spans itself
// (Parts).
type Fragment struct {
	Text  string `json:"text"`
	Marks []Span `json:"marks,omitempty"`
	// Cut says text was left out before or after the fragment.
	CutBefore bool `json:"cut_before,omitempty"`
	CutAfter  bool `json:"cut_after,omitempty"`
}

// Part is a run of a Fragment's text, matched or not.
type Part struct {
	Text string
	Mark bool
}

// Parts splits the fragment into matched and unmatched runs, in order, for
// a template to print with html/template's escaping and a <mark> around
// the matched ones.
func (f Fragment) Parts() []Part {
	var out []Part
	at := 0
	for _, m := range f.Marks {
		if m.Start < at || m.End > len(f.Text) || m.Start >= m.End {
			continue
		}
		if m.Start > at {
			out = append(out, Part{Text: f.Text[at:m.Start]})
		}
		out = append(out, Part{Text: f.Text[m.Start:m.End], Mark: true})
		at = m.End
	}
	if at < len(f.Text) {
		out = append(out, Part{Text: f.Text[at:]})
	}
	return out
}

// matcher finds the words of a text that a query's terms match, comparing
// folded words, so a highlight agrees with what either engine matched.
type matcher struct {
	terms []term
}

// marks lists the spans of s matched by a term: every occurrence of a
// single word, and every run of words forming a phrase.
func (m matcher) marks(s string) []Span {
	var ws []word
	words(s, func(w word) bool { ws = append(ws, w); return true })
	return m.match(ws)
}

func (m matcher) match(ws []word) []Span {
	var out []Span
	for i := 0; i < len(ws); {
		n := 0
		for _, t := range m.terms {
			if len(t) > n && i+len(t) <= len(ws) && sameWords(ws[i:i+len(t)], t) {
				n = len(t)
			}
		}
		if n == 0 {
			i++
			continue
		}
		out = append(out, Span{Start: ws[i].start, End: ws[i+n-1].end})
		i += n
	}
	return out
}

func sameWords(ws []word, t term) bool {
	for i := range t {
		if ws[i].folded != t[i] {
			return false
		}
	}
	return true
}

// highlight returns the whole of a short text with its matches marked.
func (m matcher) highlight(s string) Fragment {
	return Fragment{Text: s, Marks: m.marks(s)}
}

// snippet returns about snippetSide characters each side of the first
// match in s (or its beginning when nothing matches), cut at word
// boundaries, with the matches inside marked.
func (m matcher) snippet(s string) Fragment {
	s = clip(s, MaxBody)
	var ws []word
	words(s, func(w word) bool { ws = append(ws, w); return true })
	spans := m.match(ws)
	center := 0
	if len(spans) > 0 {
		center = spans[0].Start
	}
	from := back(s, center, snippetSide)
	to := forward(s, center, 2*snippetSide-utf8.RuneCountInString(s[from:center]))
	// Never cut inside a word.
	for _, w := range ws {
		if w.start < from && w.end > from {
			from = w.end
		}
		if w.start < to && w.end > to {
			to = w.start
		}
	}
	if to < from {
		to = from
	}
	f := Fragment{Text: strings.TrimSpace(s[from:to]), CutBefore: from > 0, CutAfter: to < len(s)}
	lead := from + strings.Index(s[from:to], f.Text)
	for _, sp := range spans {
		if sp.Start >= lead && sp.End <= lead+len(f.Text) {
			f.Marks = append(f.Marks, Span{Start: sp.Start - lead, End: sp.End - lead})
		}
	}
	return f
}

// back steps n characters back from byte offset i.
func back(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forward steps n characters forward from byte offset i.
func forward(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
