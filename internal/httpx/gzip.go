package httpx

import (
	"compress/gzip"
	"net/http"
	"strconv"
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
		if !acceptsGzip(strings.Join(r.Header.Values("Accept-Encoding"), ",")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// acceptsGzip reads Accept-Encoding as RFC 9110 §12.5.3 defines it:
// codings are case-insensitive, each may carry a weight q from 0 to 1
// (q=0: "not acceptable"), "*" stands for every coding not listed, and
// "identity" (no compression) may be weighted like the others. gzip is used
// when its weight (or that of "*") is above 0 and not below identity's, so a
// client preferring the plain body gets it. "x-gzip" is gzip (§8.4.1.3). A
// missing or empty field is read as identity only: some clients send none
// and cannot decompress.
func acceptsGzip(field string) bool {
	gzipQ, anyQ, identityQ := -1.0, -1.0, -1.0
	for _, elem := range strings.Split(field, ",") {
		coding, params, _ := strings.Cut(elem, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q, ok := weight(params)
		if !ok {
			continue // a malformed weight grants nothing
		}
		switch coding {
		case "gzip", "x-gzip":
			gzipQ = max(gzipQ, q)
		case "*":
			anyQ = max(anyQ, q)
		case "identity":
			identityQ = max(identityQ, q)
		}
	}
	if gzipQ < 0 {
		gzipQ = anyQ
	}
	return gzipQ > 0 && gzipQ >= identityQ
}

// weight returns the q parameter of one Accept-Encoding element (1 when it
// has none); ok is false when q is not a qvalue: "0" or "1" with at most
// three decimals, at most 1 (RFC 9110 §12.4.2).
func weight(params string) (q float64, ok bool) {
	q = 1
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		whole, frac, _ := strings.Cut(value, ".")
		if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" {
			return 0, false
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v > 1 {
			return 0, false
		}
		q = v
	}
	return q, true
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
