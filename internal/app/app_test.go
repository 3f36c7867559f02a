package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// install returns a configuration for a fresh installation on the engine.
func install(t *testing.T, engine db.Dialect) Config {
	// A few hundred demo documents: the pages and flows tested here need
	// some of every kind, not the demo's year (documents' own tests seed
	// the full count).
	cfg := Config{DataDir: t.TempDir(), SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error", DemoDocuments: 400}
	if engine == db.Postgres {
		cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
	}
	return cfg
}

func open(t *testing.T, cfg Config) (*App, *httptest.Server, []DemoLogin) {
	t.Helper()
	ctx := context.Background()
	a, err := Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	logins, err := a.FirstStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return a, srv, logins
}

func get(t *testing.T, srv *httptest.Server, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestFreshInstallServesTheDemoOnBothEngines(t *testing.T) {
	for _, engine := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			cfg := install(t, engine)
			_, srv, logins := open(t, cfg)
			roles := map[string]bool{}
			for _, l := range logins {
				roles[l.Role] = true
			}
			for _, r := range []string{"leader", "clerk", "specialist", "onestop_officer", "system_admin", "security_officer", "auditor", "agency_admin", "citizen", "business"} {
				if !roles[r] {
					t.Errorf("no demo login for role %s", r)
				}
			}

			pages := []struct{ path, want string }{
				{"/", `lang="vi"`},
				{"/units", "Tỉnh Lào Cai"},
				{"/units/15", "Phường Sa Pa"},
				{"/units/01", "Phường Ba Đình"},
				{"/agencies", "Ủy ban nhân dân tỉnh Lào Cai"},
				{"/agencies?parent=1", "Sở Nội vụ"},
				{"/agencies?parent=1", `<a href="/units/15?as_of=`},
				{"/portal", "Trung tâm Phục vụ hành chính công"},
				{"/login", "<form"},
				{"/healthz", "ok"},
				{"/readyz", "ok"},
			}
			for _, p := range pages {
				// Aim: under 50 KB per page on the wire (slow 3G links).
				if code, _, zipped := get(t, srv, p.path, "Accept-Encoding", "gzip"); code != 200 || len(zipped) > 50<<10 {
					t.Errorf("GET %s: %d, %d bytes on the wire", p.path, code, len(zipped))
				}
				code, h, body := get(t, srv, p.path)
				if code != 200 || !strings.Contains(body, p.want) {
					t.Errorf("GET %s = %d, want 200 with %q", p.path, code, p.want)
				}
				if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("GET %s: CSP %q", p.path, csp)
				}
			}
			if code, h, _ := get(t, srv, "/metrics"); code != 404 || h.Get("Strict-Transport-Security") != "" {
				t.Errorf("/metrics on the public handler = %d, want 404; HSTS on plain http: %q", code, h.Get("Strict-Transport-Security"))
			}
			if code, h, _ := get(t, srv, "/units/15", "Accept-Encoding", "gzip"); code != 200 || h.Get("Content-Encoding") != "gzip" {
				t.Errorf("pages are not compressed: %d %q", code, h.Get("Content-Encoding"))
			}

			// An API client signs in as the demo citizen and reads itself.
			var citizen DemoLogin
			for _, l := range logins {
				if l.Role == "citizen" {
					citizen = l
				}
			}
			body := `{"login":"` + citizen.Username + `","password":"` + citizen.Password + `"}`
			resp, err := srv.Client().Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("API login = %d %s", resp.StatusCode, raw)
			}
			if err := apitest.Check("POST", "/api/v1/auth/login", 200, raw); err != nil {
				t.Fatal(err)
			}
			var session struct{ Token string }
			if err := json.Unmarshal(raw, &session); err != nil || session.Token == "" {
				t.Fatalf("login answer %s", raw)
			}
			code, _, me := get(t, srv, "/api/v1/me", "Authorization", "Bearer "+session.Token)
			if code != 200 || !strings.Contains(me, `"kind":"citizen"`) {
				t.Fatalf("/api/v1/me = %d %s", code, me)
			}
			if err := apitest.Check("GET", "/api/v1/me", 200, []byte(me)); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := get(t, srv, "/api/v1/me", "Authorization", "Bearer forged"); code != 401 {
				t.Fatalf("forged token: %d", code)
			}

			// A cross-site form post is refused before any handler runs.
			req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader("login=demo.clerk&password=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err = srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
			}
		})
	}
}

// The demo is loaded once per installation: a second start, or a start
// without --no-demo after a first start with it, adds nothing.
func TestDemoIsLoadedOnlyOnTheFirstStart(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			cfg := install(t, engine)
			cfg.NoDemo = true
			a, srv, logins := open(t, cfg)
			if len(logins) != 0 {
				t.Fatalf("--no-demo printed %d logins", len(logins))
			}
			_, _, body := get(t, srv, "/api/v1/agencies")
			if !strings.Contains(body, `"count":0`) {
				t.Fatalf("--no-demo has agencies: %s", body)
			}
			if _, _, body := get(t, srv, "/api/v1/units/provinces"); !strings.Contains(body, `"count":34`) {
				t.Fatalf("the unit list is not seeded without the demo: %.200s", body)
			}
			srv.Close()
			a.Close()

			cfg.NoDemo = false
			_, srv2, logins := open(t, cfg)
			if len(logins) != 0 {
				t.Fatal("a later start loaded the demo into an installation started with --no-demo")
			}
			if _, _, body := get(t, srv2, "/api/v1/agencies"); !strings.Contains(body, `"count":0`) {
				t.Fatalf("demo agencies appeared on the second start: %s", body)
			}
		})
	}
}

// /metrics is served on --metrics-addr alone, never on the public address,
// which keeps /healthz and /readyz; an https base URL brings HSTS.
func TestMetricsOnTheirOwnAddressOnly(t *testing.T) {
	cfg := install(t, db.SQLite)
	cfg.NoDemo = true
	cfg.Addr, cfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.BaseURL = "https://dichvucong.example.gov.vn"
	ctx := context.Background()
	a, err := Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv, err := a.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if srv.MetricsURL == "" || srv.MetricsURL == srv.URL {
		t.Fatalf("metrics at %q, public at %q", srv.MetricsURL, srv.URL)
	}
	fetch := func(url string) (int, http.Header, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, h, _ := fetch(srv.URL + path); code != 200 || h.Get("Strict-Transport-Security") != "max-age=63072000; includeSubDomains" {
			t.Fatalf("GET %s = %d, HSTS %q", path, code, h.Get("Strict-Transport-Security"))
		}
	}
	if code, _, body := fetch(srv.URL + "/metrics"); code != 404 || strings.Contains(body, "chinhquyen_http_requests_total") {
		t.Fatalf("public /metrics = %d\n%.300s", code, body)
	}
	code, h, body := fetch(srv.MetricsURL + "/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		!strings.Contains(body, `chinhquyen_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`) ||
		!strings.Contains(body, `chinhquyen_http_requests_total{method="GET",route="/",status="404"} 1`) ||
		!strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Fatalf("metrics /metrics = %d %q\n%s", code, h.Get("Content-Type"), body)
	}
	if code, _, _ := fetch(srv.MetricsURL + "/healthz"); code != 404 {
		t.Fatalf("the metrics address serves the application: /healthz = %d", code)
	}
}
