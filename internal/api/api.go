// Package api serves the JSON REST API under /api/v1, described by the
// OpenAPI document served at /api/v1/openapi.json. Handlers are thin: parse
// and validate the request, call a domain service, write JSON. Errors use
// httpx's one code → status table, so every error body has a stable code and
// a Vietnamese message.
package api

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditview"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/signing"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

//go:embed openapi.json
var openapiDoc []byte

// Deps are the services the API calls.
type Deps struct {
	Org      *org.Service
	Identity *identity.Service
	Now      func() time.Time   // the clock that decides "today" for as_of
	Calendar *calstore.Service  // the working calendar
	Signing  *signing.Service   // PDF signature validation; nil answers EUNAVAILABLE
	Audit    *auditview.Service // audit proofs and checkpoints; nil answers EUNAVAILABLE
	Uploads  *blob.Service      // file uploads; nil answers EUNAVAILABLE
	// Documents registers and reads official documents; nil answers EUNAVAILABLE.
	Documents *documents.Service
	// Tasks keeps directions and direction tasks; nil answers EUNAVAILABLE.
	Tasks *tasks.Service
	// Search finds documents for who may read them; nil answers EUNAVAILABLE.
	Search *search.Service
	// Catalogue is the one-stop procedure catalogue; nil answers EUNAVAILABLE.
	Catalogue *onestop.Catalogue
	// Dossiers keeps one-stop dossiers; nil answers EUNAVAILABLE.
	Dossiers *onestop.DossierService
	// Outreach keeps bulletins to residents; nil answers EUNAVAILABLE.
	Outreach *outreach.Service
	// Exchange carries documents to and from peer nodes; nil answers
	// EUNAVAILABLE.
	Exchange *docex.Service
	// ExchangeNode is this node of the exchange (statistics rolled up
	// from child nodes); nil answers EUNAVAILABLE.
	ExchangeNode *exchange.Service
}

// API holds the services and the route table.
type API struct {
	deps   Deps
	routes []route
}

// route is one endpoint. The route table is the single list from which the
// mux is built and against which the OpenAPI document is checked in tests.
type route struct {
	method, path string // path in ServeMux syntax, e.g. /api/v1/units/provinces/{code}/communes
	handler      http.HandlerFunc
}

// New builds the API.
func New(deps Deps) *API {
	if deps.Now == nil {
		deps.Now = clock.Now
	}
	a := &API{deps: deps}
	auth := &Auth{id: deps.Identity}
	a.routes = []route{
		{"POST", "/api/v1/auth/login", auth.login},
		{"POST", "/api/v1/auth/logout", auth.logout},
		{"GET", "/api/v1/me", auth.me},
		{"GET", "/api/v1/auth/tokens", auth.tokens},
		{"POST", "/api/v1/auth/tokens", auth.createToken},
		{"DELETE", "/api/v1/auth/tokens/{id}", auth.revokeToken},
		{"GET", "/api/v1/openapi.json", a.openapi},
		{"GET", "/api/v1/units/provinces", a.listProvinces},
		{"GET", "/api/v1/units/provinces/{code}/communes", a.listCommunes},
		{"GET", "/api/v1/agencies", a.listAgencies},
		{"POST", "/api/v1/pdf/verify", a.verifyPDF},
		{"POST", "/api/v1/uploads", a.upload},
		{"GET", "/api/v1/uploads/{id}", a.download},
	}
	a.routes = append(a.routes, a.calendarRoutes()...)
	a.routes = append(a.routes, a.auditRoutes()...)
	a.routes = append(a.routes, a.documentRoutes()...)
	a.routes = append(a.routes, a.taskRoutes()...)
	a.routes = append(a.routes, a.outgoingRoutes()...)
	a.routes = append(a.routes, a.exchangeRoutes()...)
	a.routes = append(a.routes, a.exchangeStatsRoutes()...)
	a.routes = append(a.routes, a.searchRoutes()...)
	a.routes = append(a.routes, a.deskRoutes()...)
	a.routes = append(a.routes, a.dossierRoutes()...)
	a.routes = append(a.routes, a.procedureRoutes()...)
	a.routes = append(a.routes, a.outreachRoutes()...)
	return a
}

// OpenAPI returns the OpenAPI document served at /api/v1/openapi.json.
func OpenAPI() []byte { return openapiDoc }

// Routes lists every served operation as "METHOD /path/{template}".
func (a *API) Routes() []string {
	out := make([]string, len(a.routes))
	for i, r := range a.routes {
		out[i] = r.method + " " + r.path
	}
	return out
}

// Register mounts every route on mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, r := range a.routes {
		mux.HandleFunc(r.method+" "+r.path, r.handler)
	}
	mux.HandleFunc("/api/", a.notFound)
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
}

// decodeJSON reads one JSON value of at most limit bytes from body into v,
// refusing unknown fields; example shows the expected shape in the
// Vietnamese message.
func decodeJSON(body io.Reader, v any, limit int64, example string) error {
	dec := json.NewDecoder(io.LimitReader(body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Nội dung phải là JSON dạng %s (tối đa %d KB)", example, limit>>10)
	}
	return nil
}
