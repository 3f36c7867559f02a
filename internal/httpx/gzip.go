package httpx

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// Pages must stay small on a slow 3G link (aim: under 50 KB on the wire), so
// text responses are gzip-compressed when the client accepts it. Binary
// types (PDF, images, DER) are left alone: they are compressed already or
// must reach the client byte for byte.

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

// minGzip is the size under which compression is not worth its header.
const minGzip = 1024

// Gzip compresses text/*, JSON, JavaScript and SVG responses.
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") {
			return true
		}
	}
	return false
}

func compressible(ctype string) bool {
	ctype, _, _ = strings.Cut(ctype, ";")
	switch {
	case strings.HasPrefix(ctype, "text/"),
		ctype == "application/json", ctype == "application/javascript",
		ctype == "image/svg+xml", ctype == "application/xml":
		return true
	}
	return false
}

// gzipWriter decides at the first write whether to compress: only for a
// compressible type, without an existing encoding, and large enough.
type gzipWriter struct {
	http.ResponseWriter
	status  int
	decided bool
	buf     []byte
	gz      *gzip.Writer
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.status == 0 {
		g.status = code
	}
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	if g.decided {
		return g.ResponseWriter.Write(b)
	}
	g.buf = append(g.buf, b...)
	if len(g.buf) >= minGzip {
		g.decide()
	}
	return len(b), nil
}

func (g *gzipWriter) decide() {
	if g.decided {
		return
	}
	g.decided = true
	h := g.ResponseWriter.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", http.DetectContentType(g.buf))
	}
	if len(g.buf) >= minGzip && h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) &&
		g.status != http.StatusNoContent && g.status != http.StatusNotModified {
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		g.ResponseWriter.WriteHeader(g.status)
		g.gz = gzipPool.Get().(*gzip.Writer)
		g.gz.Reset(g.ResponseWriter)
		_, _ = g.gz.Write(g.buf)
	} else {
		g.ResponseWriter.WriteHeader(g.status)
		_, _ = g.ResponseWriter.Write(g.buf)
	}
	g.buf = nil
}

// Flush sends what is buffered (for streaming exports).
func (g *gzipWriter) Flush() {
	if !g.decided && g.status != 0 {
		g.decided = true
		g.ResponseWriter.WriteHeader(g.status)
		_, _ = g.ResponseWriter.Write(g.buf)
		g.buf = nil
	}
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.status == 0 {
		return // nothing written: the server writes its own empty 200
	}
	g.decide()
	if g.gz != nil {
		_ = g.gz.Close()
		g.gz.Reset(nil)
		gzipPool.Put(g.gz)
		g.gz = nil
	}
}
