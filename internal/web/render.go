package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

//go:embed templates
var templateFS embed.FS

// renderer holds every page parsed once at start-up: a missing or broken
// template stops the program before it serves anyone.
type renderer struct {
	pages  map[string]*template.Template
	cat    *locale.Catalog
	assets *assets
}

func newRenderer(cat *locale.Catalog, a *assets) (*renderer, error) {
	rd := &renderer{pages: map[string]*template.Template{}, cat: cat, assets: a}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		files := append([]string{"templates/layout.html"}, partials...)
		files = append(files, p)
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/pages/"), ".html")
		rd.pages[name] = t
	}
	return rd, nil
}

var funcs = template.FuncMap{
	"date":     locale.FormatDate,
	"datetime": locale.FormatDateTime,
	// until: the end of a sign-in lock, as the sign-in answer shows it.
	"until": identity.FormatUntil,
	// money: an amount in đồng, as the bulletin pages show costs.
	"money": func(v int64) string { return strconv.FormatInt(v, 10) + " đ" },
}

// View is what every template receives: the page data plus the request's
// language, actor and helpers.
type View struct {
	Lang   locale.Lang
	Path   string
	Actor  *actor.Actor
	Title  string // catalog key of the page title
	Data   any
	rd     *renderer
	status int
}

// T translates a catalog key into the page's language.
func (v *View) T(key string, args ...any) string { return v.rd.cat.T(v.Lang, key, args...) }

// Static returns the content-hash URL of an embedded static file.
func (v *View) Static(name string) string { return v.rd.assets.URL(name) }

// OtherLang is the language the switch link offers.
func (v *View) OtherLang() locale.Lang {
	if v.Lang == locale.EN {
		return locale.VI
	}
	return locale.EN
}

// Now is the rendering time in Vietnam.
func (v *View) Now() time.Time { return clock.Now().In(locale.VN) }

// render writes page with data, buffering first so a template error becomes
// a clean 500 instead of half a page.
func (rd *renderer) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := rd.pages[page]
	if !ok {
		panic("web: unknown page " + page)
	}
	v := &View{Lang: locale.FromRequest(r), Path: r.URL.Path, Actor: actor.From(r.Context()), Title: title, Data: data, rd: rd, status: status}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		slog.ErrorContext(r.Context(), "render page", "page", page, "err", err)
		http.Error(w, "Lỗi hiển thị trang / Page rendering error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", string(v.Lang))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage renders err for people: its safe Vietnamese message and status.
func (rd *renderer) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.Status(err)
	httpx.LogError(r, status, err)
	rd.render(w, r, status, "error", "error.title", errorData{Status: status, Message: apperr.MessageOf(err), Code: string(apperr.CodeOf(err))})
}

type errorData struct {
	Status  int
	Code    string
	Message string
}
