package app

import (
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// newUploadGate sizes the gate of the upload routes to the machine: two
// uploads per core at once (validation is CPU-bound, an upload mostly I/O),
// eight per core waiting at most 15 s. With the 20 MB cap that bounds what
// anonymous uploads can hold to about (2+8) × cores × 20 MB.
func newUploadGate() *httpx.Gate {
	n := 2 * runtime.GOMAXPROCS(0)
	return httpx.NewGate(n, 4*n, 15*time.Second)
}

// gateUploads lets upload routes (uploadRoutes, POST) through the gate
// before their body is read; everything else passes untouched. A refusal is
// 503 with Retry-After: JSON on the API, a short page elsewhere.
func gateUploads(g *httpx.Gate) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !isUploadRoute(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			release, err := g.Acquire(r.Context())
			if err != nil {
				w.Header().Set("Retry-After", "15")
				if isAPI(r) {
					httpx.Error(w, r, err)
					return
				}
				httpx.LogError(r, http.StatusServiceUnavailable, err)
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`<!doctype html><html lang="vi"><meta charset="utf-8"><title>Hệ thống đang bận</title><p>` +
					httpx.ErrBusy.Message + `</p><p><a href="` + r.URL.Path + `">Quay lại</a></p></html>`))
				return
			}
			defer release()
			next.ServeHTTP(w, r)
		})
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
