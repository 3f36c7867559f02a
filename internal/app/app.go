// Package app wires the platform together: it opens the database, runs every
// module's migrations, builds the domain services and the HTTP handler, and
// runs the server with graceful shutdown. cmd/chinhquyen is a thin CLI over
// it, and e2e tests start the real program through it (WTF Dial's Main).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/orgdir"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/kannel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/zns"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/signing"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// Modules lists every module's migrations in dependency order.
func Modules() []db.Migrations {
	return []db.Migrations{platformMigrations, audit.Migrations, jobs.Migrations, blob.Migrations, notify.Migrations, org.Migrations, identity.Migrations, calstore.Migrations, pki.Migrations, documents.Migrations, tasks.Migrations, search.Migrations, onestop.Migrations, outreach.Migrations, exchange.Migrations, docex.Migrations}
}

// App is an opened platform: database migrated, services built.
type App struct {
	Config  Config
	Log     *slog.Logger
	DB      *db.DB
	Catalog *locale.Catalog
	Now     func() time.Time

	Audit *audit.Log
	Org   *org.Service
	// Guard carries the agency tree and the audit log to access.Can; every
	// request's context and every CLI command's context get it.
	Guard    *access.Guard
	Identity *identity.Service
	Calendar *calstore.Service
	// PKI is the certificate authority (keys, certificates, OCSP, CRL,
	// TSA, trust store); Signing signs and validates PDF documents.
	PKI       *pki.Service
	Signing   *signing.Service
	closeKeys func() error
	// Jobs runs the platform's background work; services register their
	// handlers on it while the App is built, and RunBackground starts it.
	Jobs *jobs.Runner
	// Blob keeps uploaded files (store, metadata, encryption at rest).
	Blob *blob.Service
	// Notify sends e-mail and webhooks, delivered by Jobs.
	Notify *notify.Service
	// Documents keeps official documents and their registers.
	Documents *documents.Service
	// Search is the full-text index documents (and later dossiers) are
	// indexed into in their own transactions.
	Search *search.Service
	// Tasks keeps the direction of documents and direction tasks.
	Tasks *tasks.Service
	// Docex carries documents to and from agencies hosted on peer nodes
	// (nil until ConnectExchange).
	Docex *docex.Service
	// Exchange connects this node to other nodes (peers): their pinned
	// certificates and agency codes, packages sent and received.
	Exchange *exchange.Service
	// Outreach keeps bulletins to residents (SMS, Zalo ZNS, loudspeakers,
	// e-mail, the commune pages) and their subscribers.
	Outreach       *outreach.Service
	outreachKannel *kannel.Sender
	outreachZNS    *zns.Sender
	// Catalogue is the one-stop procedure catalogue.
	Catalogue *onestop.Catalogue
	// DVCQG pushes dossiers' statuses to the National Public Service
	// Portal (off without --dvcqg-url).
	DVCQG *dvcqg.Service
	// Dossiers keeps the one-stop dossiers: submission, reception, the
	// legal clock, processing across agencies, return and statistics.
	Dossiers *onestop.DossierService
}

// Open opens the database named by cfg, migrates it and builds the services.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cat, err := locale.LoadCatalog()
	if err != nil {
		return nil, fmt.Errorf("load message catalog: %w", err)
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, SQLiteSync: cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Catalog: cat, Now: clock.Now}
	if err := d.Migrate(ctx, log, Modules()...); err != nil {
		d.Close()
		return nil, err
	}
	if err := a.buildServices(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// buildServices creates the domain services on the opened database.
func (a *App) buildServices(ctx context.Context) error {
	var err error
	a.Audit, err = audit.New(a.DB, audit.Options{Now: a.Now, Logger: a.Log, DataDir: a.Config.DataDir, SignerKey: a.Config.AuditSignerKey})
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	a.Jobs = jobs.NewRunner(a.DB, jobs.Options{Now: a.Now, Logger: a.Log, Audit: a.Audit})
	a.Org, err = org.New(a.DB, org.Options{Audit: a.Audit, Now: a.Now})
	if err != nil {
		return fmt.Errorf("org service: %w", err)
	}
	// access.Can resolves subtree grants in today's org tree.
	a.Guard = access.NewGuard(access.Options{DB: a.DB, Audit: a.Audit, Logger: a.Log, Tree: a.Org})
	key, err := a.loadSecretKey(ctx)
	if err != nil {
		return err
	}
	if err := a.buildNotify(key); err != nil {
		return fmt.Errorf("notify service: %w", err)
	}
	if err := a.buildBlob(ctx, key); err != nil {
		return err
	}
	opts := a.identityOptions(key)
	opts.Directory = orgdir.New(a.Org)
	if a.Notify.EmailEnabled() {
		opts.Notifier = accountNotifier{n: a.Notify, baseURL: a.Config.PublicURL(a.Config.Addr), log: a.Log}
	}
	a.Identity, err = identity.New(a.DB, opts)
	if err != nil {
		return fmt.Errorf("identity service: %w", err)
	}
	if n, err := a.Identity.SealTOTPSecrets(ctx); err != nil {
		return fmt.Errorf("encrypt stored TOTP secrets: %w", err)
	} else if n > 0 {
		a.Log.Info("encrypted TOTP secrets stored in plain text by an earlier version", "accounts", n)
	}
	a.Calendar, err = calstore.New(a.DB, calstore.Options{Audit: a.Audit, Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("calendar service: %w", err)
	}
	if err := a.buildPKI(context.Background()); err != nil {
		return err
	}
	a.Documents, err = documents.New(a.DB, documents.Options{Audit: a.Audit, Uploads: a.Blob, Verifier: a.Signing, Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("documents service: %w", err)
	}
	a.Documents.SetOutgoing(docDirectory{a}, a.Signing)
	a.Documents.SetSubtree(func(ctx context.Context, root int64) ([]int64, error) { return a.Org.Subtree(ctx, root, org.Date{}) })
	if err := a.buildSearch(ctx); err != nil {
		return err
	}
	if err := a.buildTasks(); err != nil {
		return err
	}
	if err := a.buildCatalogue(); err != nil {
		return err
	}
	if err := a.buildDossiers(); err != nil {
		return err
	}
	if err := a.buildDVCQG(); err != nil {
		return fmt.Errorf("national portal adapter: %w", err)
	}
	if err := a.buildExchange(); err != nil {
		return fmt.Errorf("document exchange: %w", err)
	}
	if err := a.ConnectExchange(a.Exchange); err != nil {
		return fmt.Errorf("document exchange: %w", err)
	}
	if err := a.buildOutreach(key); err != nil {
		return fmt.Errorf("outreach service: %w", err)
	}
	a.schedulePlatformJobs()
	return nil
}

// RunBackground starts the platform's background work until ctx ends: the
// job runner (periodic jobs such as identity's purge of expired sessions and
// the CA's OCSP answers and CRLs, and every job enqueued by the services),
// and the audit log's integrator and checkpoint signer. Every replica may
// run it: a periodic job runs once per period across replicas, a job is
// claimed by one runner, and the audit integrator serialises itself in the
// database. The integrator stays its own loop rather than a periodic job:
// it follows the log's tail every second, and a job row per second per
// replica would be writes for nothing.
func (a *App) RunBackground(ctx context.Context) {
	go func() {
		if err := a.Jobs.Run(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("job runner stopped", "err", err)
		}
	}()
	go func() {
		if err := a.Audit.Run(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("audit integrator stopped", "err", err)
		}
	}()
}

// Close releases the key store and the database.
func (a *App) Close() error {
	a.closePKI()
	return a.DB.Close()
}

// Server is a running HTTP server, with its metrics server when
// Config.MetricsAddr is set.
type Server struct {
	URL        string // e.g. http://127.0.0.1:8080
	MetricsURL string // e.g. http://127.0.0.1:9464 (serving /metrics); empty when not served
	// ExchangeURL is the exchange listener's address (mutual TLS); empty
	// when not served.
	ExchangeURL string
	srv         *http.Server
	metrics     *http.Server
	exchange    *http.Server
	done        chan error
	shutdown    time.Duration
}

// Listen starts serving on cfg.Addr ("127.0.0.1:0" picks a free port), and
// /metrics on cfg.MetricsAddr when set, and returns at once; the servers run
// until Shutdown.
func (a *App) Listen(ctx context.Context) (*Server, error) {
	h, mh, err := a.Handlers()
	if err != nil {
		return nil, err
	}
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       2 * time.Minute,
			WriteTimeout:      2 * time.Minute,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), srv: newServer(h), done: make(chan error, 3), shutdown: a.Config.ShutdownTimeout}
	var mln net.Listener
	if a.Config.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", a.Config.MetricsAddr); err != nil {
			ln.Close()
			return nil, fmt.Errorf("listen on %s (--metrics-addr): %w", a.Config.MetricsAddr, err)
		}
		s.MetricsURL = "http://" + mln.Addr().String()
		s.metrics = newServer(mh)
	}
	serve := func(srv *http.Server, ln net.Listener) {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}
	xsrv, xln, err := a.listenExchange(newServer)
	if err != nil {
		ln.Close()
		if mln != nil {
			mln.Close()
		}
		return nil, err
	}
	go serve(s.srv, ln)
	if s.metrics != nil {
		go serve(s.metrics, mln)
	}
	if xsrv != nil {
		s.exchange, s.ExchangeURL = xsrv, "https://"+xln.Addr().String()
		go serve(xsrv, xln)
	}
	return s, nil
}

// Done receives when a server stops on its own.
func (s *Server) Done() <-chan error { return s.done }

// Shutdown stops accepting connections and waits for in-flight requests.
func (s *Server) Shutdown() error {
	timeout := s.shutdown
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if s.metrics != nil {
		err = errors.Join(err, s.metrics.Shutdown(ctx))
	}
	if s.exchange != nil {
		err = errors.Join(err, s.exchange.Shutdown(ctx))
	}
	return err
}
