package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
)

// Lang is a UI language. Vietnamese is the default; English is second.
type Lang string

// The supported languages.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{VI, EN}

// ParseLang returns the supported language named by s, or VI.
func ParseLang(s string) Lang {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "en") {
		return EN
	}
	return VI
}

//go:embed catalog/*.json
var catalogFS embed.FS

// Catalog holds the UI strings of every language. Vietnamese has no plural
// forms, so a flat key → text map with fmt verbs is enough.
type Catalog struct {
	msgs map[Lang]map[string]string
}

// LoadCatalog parses the embedded catalogs and checks that every language
// has exactly the same keys: a missing translation is a start-up error, not
// a blank on a page.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		data, err := fs.ReadFile(catalogFS, "catalog/"+string(l)+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", l, err)
		}
		c.msgs[l] = m
	}
	for _, l := range Langs[1:] {
		if missing := diffKeys(c.msgs[VI], c.msgs[l]); len(missing) > 0 {
			return nil, fmt.Errorf("catalog %s lacks %v", l, missing)
		}
		if extra := diffKeys(c.msgs[l], c.msgs[VI]); len(extra) > 0 {
			return nil, fmt.Errorf("catalog vi lacks %v (present in %s)", extra, l)
		}
	}
	return c, nil
}

func diffKeys(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[VI][key]
	return ok
}

// Keys returns every key, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs[VI]))
	for k := range c.msgs[VI] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// T returns the text of key in lang, formatted with args. An unknown key
// returns the key itself so a slip is visible, and tests catch it.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[VI][key]
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// FromRequest picks the language: the ?lang= parameter, then the "lang"
// cookie, then Vietnamese. Accept-Language is ignored on purpose: many
// officials run English-language browsers, and the platform is Vietnamese
// first; English is a choice the user makes.
func FromRequest(r *http.Request) Lang {
	if v := r.URL.Query().Get("lang"); v != "" {
		return ParseLang(v)
	}
	if c, err := r.Cookie("lang"); err == nil {
		return ParseLang(c.Value)
	}
	return VI
}
