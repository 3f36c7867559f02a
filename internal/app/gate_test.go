package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// TestUploadRoutesPassTheGate: while every turn is taken, an upload is
// refused with 503 before its handler reads the body, in JSON on the API
// and as a page elsewhere; other routes and GETs never wait.
func TestUploadRoutesPassTheGate(t *testing.T) {
	g := httpx.NewGate(1, 0, 10*time.Millisecond)
	reached := 0
	h := gateUploads(g)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusNoContent)
	}))
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader("%PDF-")))
		return w
	}
	if w := serve("POST", "/api/v1/pdf/verify"); w.Code != http.StatusNoContent {
		t.Fatalf("free gate: %d", w.Code)
	}
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	before := reached
	tests := []struct {
		name, method, path string
		status             int
		contentType        string
	}{
		{"API upload while busy", "POST", "/api/v1/pdf/verify", http.StatusServiceUnavailable, "application/json"},
		{"page upload while busy", "POST", "/verify", http.StatusServiceUnavailable, "text/html"},
		{"the page itself", "GET", "/verify", http.StatusNoContent, ""},
		{"another POST", "POST", "/login", http.StatusNoContent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.method, tt.path)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status != http.StatusServiceUnavailable {
				return
			}
			if w.Header().Get("Retry-After") == "" || !strings.HasPrefix(w.Header().Get("Content-Type"), tt.contentType) {
				t.Fatalf("headers %v", w.Header())
			}
			if !strings.Contains(w.Body.String(), "Hệ thống đang xử lý nhiều tệp") {
				t.Fatalf("body %s", w.Body)
			}
			if tt.contentType == "application/json" {
				var body httpx.ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != apperr.Unavailable {
					t.Fatalf("body %s (%v)", w.Body, err)
				}
			}
		})
	}
	if reached != before+2 {
		t.Fatalf("handlers reached %d times while busy, want only the two ungated requests", reached-before)
	}
}

// A bulletin's recording is an upload (up to 8 MB of audio): the body limit
// and the gate treat its route as one, and nothing else under /outreach.
func TestIsUploadRoute(t *testing.T) {
	for path, want := range map[string]bool{
		"/outreach/bulletins/12/audio":   true,
		"/sign":                          true,
		"/outreach/bulletins/12":         false,
		"/outreach/bulletins//audio":     false,
		"/outreach/bulletins/1/2/audio":  false,
		"/x/outreach/bulletins/12/audio": false,
		"/api/v1/uploads":                false, // its own limit (--upload-max)
	} {
		if got := isUploadRoute(path); got != want {
			t.Errorf("isUploadRoute(%q) = %v, want %v", path, got, want)
		}
	}
}
