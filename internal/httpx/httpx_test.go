package httpx

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestErrorCodesMapToOneStatusEach(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{apperr.New(apperr.Invalid, "x"), 400},
		{apperr.New(apperr.Unauthorized, "x"), 401},
		{apperr.New(apperr.Forbidden, "x"), 403},
		{apperr.New(apperr.NotFound, "x"), 404},
		{apperr.New(apperr.Conflict, "x"), 409},
		{apperr.New(apperr.TooMany, "x"), 429},
		{apperr.New(apperr.Internal, "x"), 500},
		{apperr.New(apperr.Unavailable, "x"), 503},
		{errors.New("plain"), 500},
		{apperr.Wrap(errors.New("cause"), apperr.Conflict, "y"), 409},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestErrorBodyHidesTheCause(t *testing.T) {
	rec := httptest.NewRecorder()
	err := apperr.Wrap(errors.New("pq: password authentication failed for user x"), apperr.Unavailable, "Cơ sở dữ liệu không trả lời")
	Error(rec, httptest.NewRequest("GET", "/", nil), err)
	body := rec.Body.String()
	if rec.Code != 503 || !strings.Contains(body, `"code":"EUNAVAILABLE"`) || !strings.Contains(body, "Cơ sở dữ liệu không trả lời") {
		t.Fatalf("%d %s", rec.Code, body)
	}
	if strings.Contains(body, "password") {
		t.Fatalf("cause leaked to the client: %s", body)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := SecurityHeaders(ServedOverHTTPS(true, nil))(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	for name, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "same-origin",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
}

// HSTS goes on responses that travel over HTTPS and never on plain HTTP
// (RFC 6797 §7.2): HTTPS is a TLS connection, a trusted proxy's
// X-Forwarded-Proto, or else an https base URL (TLS ended by a proxy).
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::1/128")}
	tests := []struct {
		name      string
		baseHTTPS bool
		peer      string
		tls       bool
		forwarded []string
		want      bool
	}{
		{"https base URL", true, "192.0.2.7:4000", false, nil, true},
		{"http base URL", false, "192.0.2.7:4000", false, nil, false},
		{"TLS connection", false, "192.0.2.7:4000", true, nil, true},
		{"trusted proxy says https", false, "10.1.2.3:4000", false, []string{"https"}, true},
		{"trusted IPv6 proxy says HTTPS", false, "[2001:db8::1]:4000", false, []string{"HTTPS"}, true},
		{"trusted proxy says http", true, "10.1.2.3:4000", false, []string{"http"}, false},
		{"trusted proxy's own value is the last", false, "10.1.2.3:4000", false, []string{"http, https"}, true},
		{"client's forged value before the proxy's", false, "10.1.2.3:4000", false, []string{"https", "http"}, false},
		{"untrusted peer says https", false, "192.0.2.7:4000", false, []string{"https"}, false},
		{"untrusted peer says http", true, "192.0.2.7:4000", false, []string{"http"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := SecurityHeaders(ServedOverHTTPS(tt.baseHTTPS, proxies))(http.NotFoundHandler())
			req := httptest.NewRequest("GET", "/x", nil)
			req.RemoteAddr = tt.peer
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for _, v := range tt.forwarded {
				req.Header.Add("X-Forwarded-Proto", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("Strict-Transport-Security")
			if tt.want && got != "max-age=63072000; includeSubDomains" || !tt.want && got != "" {
				t.Fatalf("Strict-Transport-Security = %q, want it: %v", got, tt.want)
			}
		})
	}
}

func TestGzipCompressesLargeTextOnly(t *testing.T) {
	big := strings.Repeat("Cộng hòa xã hội chủ nghĩa Việt Nam. ", 200)
	tests := []struct {
		name, ctype, body, accept string
		wantGzip                  bool
	}{
		{"large html", "text/html; charset=utf-8", big, "gzip, deflate", true},
		{"large json", "application/json", big, "br, gzip", true},
		{"small html", "text/html", "<p>ok</p>", "gzip", false},
		{"pdf stays as is", "application/pdf", big, "gzip", false},
		{"client refuses gzip", "text/html", big, "gzip;q=0", false},
		{"gzip at a lower weight", "text/html", big, "gzip;q=0.5", true},
		{"no accept-encoding", "text/html", big, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(201)
				for i := 0; i < len(tt.body); i += 100 {
					io.WriteString(w, tt.body[i:min(i+100, len(tt.body))])
				}
			}))
			req := httptest.NewRequest("GET", "/", nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Encoding", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 201 {
				t.Fatalf("status %d", rec.Code)
			}
			got := rec.Body.Bytes()
			if tt.wantGzip {
				if rec.Header().Get("Content-Encoding") != "gzip" {
					t.Fatal("not compressed")
				}
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					t.Fatal(err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			} else if rec.Header().Get("Content-Encoding") != "" {
				t.Fatal("compressed unexpectedly")
			}
			if string(got) != tt.body {
				t.Fatalf("body changed: %d bytes, want %d", len(got), len(tt.body))
			}
		})
	}
}

func TestAcceptsGzipReadsWeights(t *testing.T) {
	tests := []struct {
		field string
		want  bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"gzip;q=0.5", true},
		{"gzip; q=0.5", true},
		{"gzip;Q=0.001", true},
		{"gzip;q=1.000", true},
		{"br, gzip;q=0.1", true},
		{"deflate, gzip;q=0.5, br;q=1", true},
		{"*", true},
		{"br, *;q=0.2", true},
		{"gzip;q=0", false},
		{"gzip;q=0.000", false},
		{"gzip;q=0, *", false},
		{"*;q=0", false},
		{"br, *;q=0", false},
		{"identity", false},
		{"deflate, br", false},
		{"gzip;q=0.5, identity", false},
		{"gzip;q=0.5, identity;q=0.4", true},
		{"gzip, identity;q=0", true},
		{"gzip;q=1.5", false},
		{"gzip;q=.5", false},
		{"gzip;q=0.5000", false},
		{"gzip;q=high", false},
		{"gzipped", false},
		{"", false},
		{" , ,", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.field); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.field, got, tt.want)
		}
	}
}

func TestMetricsCountByRoutePatternNotByPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /units/{code}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	h := Chain(mux, m.Observe, SecurityHeaders(nil), m.Route)
	for _, p := range []string{"/units/15", "/units/01", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	got := counterValue(t, m.requests.WithLabelValues("GET /units/{code}", "GET", "200"))
	if got != 2 {
		t.Fatalf("GET /units/{code} counted %v times, want 2", got)
	}
	if n := counterValue(t, m.requests.WithLabelValues("unmatched", "GET", "404")); n != 1 {
		t.Fatalf("unmatched 404 counted %v times", n)
	}
}

func TestPanicsBecome500(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), m.Observe)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
}
