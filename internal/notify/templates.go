package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	texttemplate "text/template"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

//go:embed templates/vi/*.txt templates/vi/*.html templates/en/*.txt templates/en/*.html
var templateFS embed.FS

// A message template is two files per language: NAME.txt defines
// "subject" and "body" (text/template, the plain-text part), NAME.html
// defines "body" (html/template, which escapes every value). Each is
// rendered inside that language's layout.
type mailTemplate struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates maps language → name → template; parsed once at start-up, so
// a broken template fails the first test or start, never a delivery.
var templates = mustParseTemplates()

func mustParseTemplates() map[locale.Lang]map[string]mailTemplate {
	t, err := parseTemplates(templateFS)
	if err != nil {
		panic("notify: " + err.Error())
	}
	return t
}

func parseTemplates(fsys fs.FS) (map[locale.Lang]map[string]mailTemplate, error) {
	out := map[locale.Lang]map[string]mailTemplate{}
	for _, lang := range locale.Langs {
		dir := path.Join("templates", string(lang))
		names, err := fs.Glob(fsys, dir+"/*.txt")
		if err != nil {
			return nil, err
		}
		out[lang] = map[string]mailTemplate{}
		for _, file := range names {
			name := strings.TrimSuffix(path.Base(file), ".txt")
			if name == "layout" {
				continue
			}
			text, err := texttemplate.New(name).Option("missingkey=error").ParseFS(fsys, dir+"/layout.txt", file)
			if err != nil {
				return nil, fmt.Errorf("template %s/%s.txt: %w", lang, name, err)
			}
			html, err := htmltemplate.New(name).Option("missingkey=error").ParseFS(fsys, dir+"/layout.html", dir+"/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("template %s/%s.html: %w", lang, name, err)
			}
			out[lang][name] = mailTemplate{text: text, html: html}
		}
	}
	// Like the UI catalogs: a template missing in one language is a
	// start-up error, not an English recipient getting nothing.
	want := templateNames(out[locale.VI])
	for _, lang := range locale.Langs {
		if got := templateNames(out[lang]); strings.Join(got, ",") != strings.Join(want, ",") {
			return nil, fmt.Errorf("templates of %s (%v) differ from vi (%v)", lang, got, want)
		}
	}
	return out, nil
}

func templateNames(m map[string]mailTemplate) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Templates lists the message templates, sorted.
func Templates() []string { return templateNames(templates[locale.VI]) }

// Rendered is a message ready to send.
type Rendered struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// render renders template name in lang (Vietnamese when lang is not a
// supported one) with data. The subject is one line: a value carrying a
// line break cannot add a header.
func render(lang locale.Lang, name string, data map[string]string) (Rendered, error) {
	if lang != locale.EN {
		lang = locale.VI
	}
	t, ok := templates[lang][name]
	if !ok {
		return Rendered{}, fmt.Errorf("notify: no message template %q", name)
	}
	vals := make(map[string]string, len(data)+1)
	for k, v := range data {
		vals[k] = v
	}
	var subject bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", vals); err != nil {
		return Rendered{}, fmt.Errorf("render %s subject: %w", name, err)
	}
	vals["Subject"] = strings.Join(strings.Fields(subject.String()), " ")
	var text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&text, "layout", vals); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout", vals); err != nil {
		return Rendered{}, fmt.Errorf("render %s html: %w", name, err)
	}
	return Rendered{Subject: vals["Subject"], Text: text.String(), HTML: html.String()}, nil
}
