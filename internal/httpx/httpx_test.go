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
)

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
