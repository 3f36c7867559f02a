package httpx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
	h := SecurityHeaders(true)(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	for name, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "same-origin",
		"Strict-Transport-Security": "max-age=31536000",
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

func TestMetricsCountByRoutePatternNotByPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /units/{code}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	h := Chain(mux, m.Observe, SecurityHeaders(false), m.Route)
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
