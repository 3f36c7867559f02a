package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
)

// OutreachPublic serves a commune's bulletins to everyone: the page
// /communes/{code}/bulletins, made for feature phones (no script, no image,
// no style sheet to fetch, a few kilobytes), its Atom feed
// /communes/{code}/bulletins.atom, and the unsubscribe page a message's
// signed link opens.
type OutreachPublic struct {
	svc *outreach.Service
	org OutreachOrg
}

// OutreachOrg names a commune; *org.Service implements it.
type OutreachOrg interface {
	AdminUnit(ctx context.Context, code string, asOf org.Date) (*org.AdminUnit, error)
}

// NewOutreachPublic returns the public bulletin pages.
func NewOutreachPublic(svc *outreach.Service, o OutreachOrg) *OutreachPublic {
	return &OutreachPublic{svc: svc, org: o}
}

// Register mounts the pages.
func (p *OutreachPublic) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /communes/{code}/bulletins", p.page)
	mux.HandleFunc("GET /communes/{code}/bulletins.atom", p.feed)
	mux.HandleFunc("GET /outreach/unsubscribe", p.unsubscribeForm)
	mux.HandleFunc("POST /outreach/unsubscribe", p.unsubscribe)
}

// MaxPublicPageBytes is the weight the commune page stays under on the
// wire (uncompressed, so a phone without gzip gets it too).
const MaxPublicPageBytes = 20 << 10

// publicShown bounds the bulletins on the page: the newest, texts cut.
const (
	publicShown     = 10
	publicTextBytes = 1200
)

var publicTmpl = template.Must(template.New("p").Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Bản tin {{.Name}}</title>
<link rel="alternate" type="application/atom+xml" href="/communes/{{.Code}}/bulletins.atom" title="Bản tin {{.Name}}">
</head><body>
<h1>Bản tin {{.Name}}</h1>
{{range .Items}}<article>
<h2>{{if .Emergency}}[KHẨN] {{end}}{{.Title}}</h2>
<p><small>{{.Date}}{{with .Valid}} · hiệu lực {{.}}{{end}}</small></p>
<p>{{.Body}}</p>
{{range .Translations}}<details><summary>{{.Lang}}</summary><p>{{.Body}}</p></details>
{{end}}{{range .Audio}}<p><a href="/api/v1/bulletins/{{$.ID .}}/audio?lang={{.Lang}}">Nghe ({{.Name}})</a></p>
{{end}}</article>
{{else}}<p>Chưa có bản tin.</p>
{{end}}<p><a href="/communes/{{.Code}}/bulletins.atom">Theo dõi (Atom)</a></p>
</body></html>
`))

type publicAudio struct {
	Bulletin   int64
	Lang, Name string
}

type publicItem struct {
	Title, Body, Date, Valid string
	Emergency                bool
	Translations             []outreach.Translation
	Audio                    []publicAudio
}

type publicData struct {
	Code, Name string
	Items      []publicItem
}

// ID is the bulletin id of an audio link (templates cannot reach the
// parent).
func (publicData) ID(a publicAudio) int64 { return a.Bulletin }

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func (p *OutreachPublic) load(r *http.Request) (string, string, []*outreach.Bulletin, error) {
	code := r.PathValue("code")
	list, err := p.svc.PublicBulletins(r.Context(), code, publicShown)
	if err != nil {
		return "", "", nil, err
	}
	name := "mã " + code
	if u, err := p.org.AdminUnit(r.Context(), code, org.Date{}); err == nil {
		name = u.Name
	}
	return code, name, list, nil
}

func (p *OutreachPublic) page(w http.ResponseWriter, r *http.Request) {
	code, name, list, err := p.load(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	langs := map[string]string{}
	for _, l := range p.svc.Languages() {
		langs[l.Code] = l.Name
	}
	d := publicData{Code: code, Name: name}
	for _, b := range list {
		it := publicItem{Title: b.Title, Body: cut(b.Body, publicTextBytes), Date: locale.FormatDate(b.SentAt), Emergency: b.Priority == outreach.PriorityEmergency}
		if !b.ValidTo.IsZero() {
			it.Valid = "đến " + locale.FormatDate(b.ValidTo)
		}
		for _, t := range b.Translations {
			it.Translations = append(it.Translations, outreach.Translation{Lang: langs[t.Lang], Body: cut(t.Body, publicTextBytes/2)})
		}
		for _, l := range b.AudioLangs {
			it.Audio = append(it.Audio, publicAudio{Bulletin: b.ID, Lang: l, Name: langs[l]})
		}
		d.Items = append(d.Items, it)
	}
	var buf bytes.Buffer
	if err := publicTmpl.Execute(&buf, d); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(buf.Bytes())
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  string   `xml:"author>name"`
	Content atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func (p *OutreachPublic) feed(w http.ResponseWriter, r *http.Request) {
	code, name, list, err := p.load(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f := atomFeed{ID: "urn:chinhquyen:communes:" + code + ":bulletins", Title: "Bản tin " + name, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Link: []atomLink{{Rel: "self", Href: "/communes/" + code + "/bulletins.atom", Type: "application/atom+xml"}, {Rel: "alternate", Href: "/communes/" + code + "/bulletins"}}}
	for i, b := range list {
		up := b.SentAt.UTC().Format(time.RFC3339)
		if i == 0 {
			f.Updated = up
		}
		f.Entries = append(f.Entries, atomEntry{ID: "urn:chinhquyen:bulletin:" + itoa(b.ID), Title: b.Title, Updated: up, Author: name,
			Content: atomText{Type: "text", Text: b.Body}})
	}
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

var unsubTmpl = template.Must(template.New("u").Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Huỷ nhận bản tin</title></head><body>
<h1>Huỷ nhận bản tin</h1>
{{if .Done}}<p role="status">Đã huỷ. Bạn sẽ không nhận bản tin qua tin nhắn, Zalo và thư điện tử nữa.</p>
{{else}}{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<form method="post" action="/outreach/unsubscribe"><input type="hidden" name="t" value="{{.Token}}">
<p>Bạn muốn rút lại sự đồng ý nhận bản tin của chính quyền xã?</p>
<button type="submit">Huỷ nhận bản tin</button></form>{{end}}
</body></html>
`))

func (p *OutreachPublic) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = unsubTmpl.Execute(w, map[string]any{"Token": cut(r.URL.Query().Get("t"), 100)})
}

func (p *OutreachPublic) unsubscribe(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimSpace(r.PostFormValue("t"))
	err := p.svc.Unsubscribe(r.Context(), tok)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err != nil {
		w.WriteHeader(httpx.Status(err))
		_ = unsubTmpl.Execute(w, map[string]any{"Token": cut(tok, 100), "Error": apperr.MessageOf(err)})
		return
	}
	_ = unsubTmpl.Execute(w, map[string]any{"Done": true})
}
