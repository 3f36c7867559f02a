// Package web serves the HTML pages: server-rendered, Vietnamese first,
// usable without JavaScript. Handlers are thin: parse the request, call a
// domain service, render a template. One file per page or action.
package web

import (
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Deps are the services the pages call.
type Deps struct {
	Catalog *locale.Catalog
	Org     *org.Service
	Now     func() time.Time
	// Calendar serves the working calendar pages; without it they are not
	// mounted.
	Calendar *calstore.Service
}

// Handler holds the parsed templates, static files and services.
type Handler struct {
	deps   Deps
	rd     *renderer
	assets *assets
}

// New parses every template and loads static files; it fails on any error so
// a broken page stops start-up.
func New(deps Deps) (*Handler, error) {
	if deps.Now == nil {
		deps.Now = clock.Now
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	rd, err := newRenderer(deps.Catalog, a)
	if err != nil {
		return nil, err
	}
	return &Handler{deps: deps, rd: rd, assets: a}, nil
}

// Register mounts the pages on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{hash}/{name...}", h.assets.serve)
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /units", h.units)
	mux.HandleFunc("GET /units/find", h.unitRedirect)
	mux.HandleFunc("GET /units/{code}", h.unitCommunes)
	mux.HandleFunc("GET /agencies", h.agencies)
	mux.HandleFunc("GET /portal", h.portal)
	if h.deps.Calendar != nil {
		mux.HandleFunc("GET /calendar", h.calendarMonth)
		mux.HandleFunc("GET /calendar/overrides", h.calendarOverrides)
		mux.HandleFunc("POST /calendar/overrides", h.calendarOverrideAdd)
		mux.HandleFunc("POST /calendar/overrides/{id}/delete", h.calendarOverrideDelete)
	}
	mux.HandleFunc("/", h.notFound)
}

// RememberLanguage stores a ?lang= choice in a cookie so the next pages keep
// it. It is not a state change of data, so a GET may do it.
func RememberLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("lang"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(locale.ParseLang(v)), Path: "/",
				MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		}
		next.ServeHTTP(w, r)
	})
}
