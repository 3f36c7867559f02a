package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies mws so that the first one is the outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type requestIDKey struct{}

// RequestID returns the id given to the request by WithRequestID.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// WithRequestID gives each request an id, echoed in X-Request-Id and logs.
// A client-supplied id is kept only when it is short and plain.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status and size written.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chinhquyen_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chinhquyen_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

type routeKey struct{}

// Route must wrap the ServeMux directly (the innermost middleware): the mux
// sets the matched pattern on the request it receives, which outer
// middleware never sees because each one passes a shallow copy on. Route
// copies the pattern back to Observe.
func (m *Metrics) Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p, ok := r.Context().Value(routeKey{}).(*string); ok {
				*p = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// Observe logs each request and counts it by its route pattern (reported
// by Route), never by raw path, so ids do not explode the label space. It
// also recovers panics into a 500.
func (m *Metrics) Observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := clock.Now()
		rec := &statusRecorder{ResponseWriter: w}
		pattern := new(string)
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, pattern))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.ErrorContext(r.Context(), "panic", "panic", p, "request_id", RequestID(r.Context()), "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, "Lỗi nội bộ / Internal error", http.StatusInternalServerError)
				}
			}
			route := *pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			slog.LogAttrs(r.Context(), slog.LevelDebug, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", status), slog.Int("bytes", rec.bytes), slog.Duration("duration", elapsed),
				slog.String("request_id", RequestID(r.Context())))
		}()
		next.ServeHTTP(rec, r)
	})
}

// CSP is the Content-Security-Policy of every response: no inline script or
// style, nothing from other origins, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// HSTS is the Strict-Transport-Security value of responses sent over HTTPS:
// two years, subdomains included.
const HSTS = "max-age=63072000; includeSubDomains"

// SecurityHeaders sets the headers every response carries, and HSTS on
// those that https reports as travelling over HTTPS (see ServedOverHTTPS).
func SecurityHeaders(https func(*http.Request) bool) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", CSP)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if https != nil && https(r) {
				h.Set("Strict-Transport-Security", HSTS)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ServedOverHTTPS reports whether a request reached the platform over HTTPS.
// A trusted reverse proxy says so in X-Forwarded-Proto (its own, right-most
// value; any other peer's header is ignored); a TLS connection to the
// platform itself is HTTPS; otherwise the public base URL decides, since a
// platform published at https:// sits behind a proxy that terminates TLS.
// RFC 6797 §7.2 forbids HSTS over plain HTTP, which is what a trusted proxy
// reporting "http" means even when the base URL is https.
func ServedOverHTTPS(baseHTTPS bool, trustedProxies []netip.Prefix) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if fwd := r.Header.Values("X-Forwarded-Proto"); len(fwd) > 0 && fromTrusted(r, trustedProxies) {
			last := fwd[len(fwd)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			return strings.EqualFold(strings.TrimSpace(last), "https")
		}
		return r.TLS != nil || baseHTTPS
	}
}

// fromTrusted reports whether the TCP peer is one of the trusted proxies.
func fromTrusted(r *http.Request, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	var peer netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		peer = ap.Addr()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		peer = a
	} else {
		return false
	}
	peer = peer.Unmap()
	for _, p := range trusted {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// LimitBody caps request bodies; uploads that need more set their own limit.
func LimitBody(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}
