package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditview"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkihttp"
	"github.com/chinhquyen/chinhquyen/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler builds the public HTTP stack: routes plus the middleware chain
// that every request passes (docs/ARCHITECTURE.md, "How a request flows").
// Its metrics are not served on it (see Handlers).
func (a *App) Handler() (http.Handler, error) {
	h, _, err := a.Handlers()
	return h, err
}

// Handlers builds the public HTTP stack and the Prometheus /metrics handler
// that reports on it. /metrics names every route, counts requests and
// failures and describes the process, which is no business of the public:
// Listen serves it on its own address (--metrics-addr) only.
func (a *App) Handlers() (public, metricsHandler http.Handler, err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpx.NewMetrics(reg)
	metricsMux := http.NewServeMux()
	metricsMux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.ready)

	auditViewer := auditview.New(a.DB, a.Audit)
	api.New(api.Deps{Org: a.Org, Identity: a.Identity, Now: a.Now, Calendar: a.Calendar, Signing: a.Signing, Audit: auditViewer, Uploads: a.Blob, Documents: a.Documents, Search: a.Search, Tasks: a.Tasks, Dossiers: a.Dossiers, Catalogue: a.Catalogue, Outreach: a.Outreach, Exchange: a.Docex, ExchangeNode: a.Exchange}).Register(mux)
	pages, err := web.New(web.Deps{Catalog: a.Catalog, Org: a.Org, Now: a.Now, Calendar: a.Calendar})
	if err != nil {
		return nil, nil, err
	}
	pages.Register(mux)
	secure := strings.HasPrefix(a.Config.BaseURL, "https://")
	pages.Accounts(web.AccountsDeps{Identity: a.Identity, Secure: secure, AgencyName: func(r *http.Request, id int64) string {
		if g, err := a.Org.Agency(r.Context(), id, org.Date{}); err == nil {
			return g.Name
		}
		return ""
	}}).Register(mux)
	pages.Signatures(web.SignaturesDeps{PKI: a.PKI, Signing: a.Signing, Identity: a.Identity, Org: a.Org}).Register(mux)
	pages.Audit(web.AuditDeps{Audit: auditViewer, Identity: a.Identity}).Register(mux)
	pages.Jobs(a.Jobs).Register(mux)
	pages.Webhooks(a.Notify).Register(mux)
	pages.Exchange(a.Exchange).Register(mux)
	pages.Tasks(web.TasksDeps{Tasks: a.Tasks, Documents: a.Documents, Choices: a.taskChoices}).Register(mux)
	pages.Office(web.OfficeDeps{Documents: a.Documents, Uploads: a.Blob, Org: a.Org, Tasks: a.Tasks, Search: a.Search, Exchange: a.Docex}).Register(mux)
	pages.Search(a.Search, a.Org).Register(mux)
	pages.Procedures(a.Catalogue).Register(mux)
	pages.Portal(web.PortalDeps{Dossiers: a.Dossiers, Procedures: a.Catalogue, Uploads: a.Blob, Org: a.Org, Applicant: a.portalApplicant}).Register(mux)
	pages.Onestop(web.OnestopDeps{Dossiers: a.Dossiers, Catalogue: a.Catalogue, Uploads: a.Blob, Calendar: a.Calendar, Holders: dossierHolders{a.Identity}}).Register(mux)
	pages.Drafts(web.DraftsDeps{Documents: a.Documents, Uploads: a.Blob, People: a.docPeople, Exchange: a.Docex}).Register(mux)
	// Dossiers delivered by the national portal (dvcqg.go), with its token.
	a.registerDVCQG(mux)
	// Bulletins: the communes' public pages and feeds, the gateways' callbacks (outreach.go).
	a.registerOutreach(mux)
	pages.Outreach(a.Outreach).Register(mux)
	// The CA's public protocol endpoints: OCSP, TSA, CRLs, CA certificates.
	pkihttp.New(a.PKI, a.Log).Register(mux)
	// Sessions: the cookie or bearer token becomes the request's actor, and
	// the access guard goes into every request's context.
	proxies, err := identityhttp.ParseTrustedProxies(a.Config.Identity.TrustedProxies)
	if err != nil {
		return nil, nil, err
	}
	sessions := identityhttp.New(a.Identity, a.Guard, identityhttp.Options{Secure: secure, TrustedProxies: proxies})

	// CSRF: net/http's Sec-Fetch-Site/Origin check on every state-changing
	// request (Go 1.25's http.CrossOriginProtection: browsers send
	// Sec-Fetch-Site on every request, so no tokens are needed in forms).
	csrf := http.NewCrossOriginProtection()
	public = httpx.Chain(mux,
		httpx.WithRequestID,
		metrics.Observe,
		httpx.Gzip,
		httpx.SecurityHeaders(httpx.ServedOverHTTPS(secure, proxies)),
		csrf.Handler,
		limitBody(1<<20, a.Blob.MaxSize()+1<<20), // PDF uploads get signing.MaxPDFSize and more (pki.go), file uploads --upload-max and 1 MB
		gateUploads(newUploadGate()),
		sessions.Handler,
		web.RememberLanguage,
		metrics.Route,
	)
	return public, metricsMux, nil
}

// ready answers 200 only when the database answers.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		httpx.LogError(r, http.StatusServiceUnavailable, err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
