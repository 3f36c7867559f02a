// Package pkihttp serves the certificate authority's public protocol
// endpoints over plain net/http: CRLs, the OCSP responder (RFC 6960, GET and
// POST), the RFC 3161 time-stamping authority and the CA certificates. The
// web engineer mounts Handler.Register on the public mux; none of these
// endpoints needs a session.
package pkihttp

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// Handler serves the endpoints.
type Handler struct {
	mux *http.ServeMux
	svc *pki.Service
	log *slog.Logger
	now func() time.Time
}

// New returns the handlers for svc.
func New(svc *pki.Service, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{svc: svc, log: log, now: clock.Now}
	h.mux = http.NewServeMux()
	h.Register(h.mux)
	return h
}

// maxBody bounds OCSP and TSA request bodies.
const maxBody = 16 << 10

// Register mounts the endpoints on mux:
//
//	GET  /pki/crl/{ca}.crl    DER CRL (application/pkix-crl)
//	POST /pki/ocsp            OCSP request body (application/ocsp-request)
//	GET  /pki/ocsp/{req...}   base64 (URL-escaped) OCSP request, RFC 5019 §5
//	POST /pki/tsa             RFC 3161 (application/timestamp-query → timestamp-reply)
//	GET  /pki/ca/{name}.crt   DER certificate (application/pkix-cert); .pem for PEM
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /pki/crl/{file}", h.CRL)
	mux.HandleFunc("POST /pki/ocsp", h.OCSP)
	mux.HandleFunc("GET /pki/ocsp/{req...}", h.OCSP)
	mux.HandleFunc("POST /pki/tsa", h.TSA)
	mux.HandleFunc("GET /pki/ca/{file}", h.CACert)
}

// ServeHTTP serves the endpoints on their own mux (tests, bench/).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Mux returns the mux with only these endpoints.
func (h *Handler) Mux() *http.ServeMux { return h.mux }

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, false
	}
	return body, true
}

// OCSP answers GET and POST OCSP requests. Every answer is 200 with an
// OCSPResponse (errors are in-band: malformedRequest, unauthorized…), as
// RFC 6960 Appendix A asks.
func (h *Handler) OCSP(w http.ResponseWriter, r *http.Request) {
	var req []byte
	if r.Method == http.MethodPost {
		body, ok := readBody(w, r)
		if !ok {
			writeOCSP(w, []byte{0x30, 0x03, 0x0a, 0x01, 0x01}, pki.OCSPAnswer{Status: -1}, false, time.Time{})
			return
		}
		req = body
	} else {
		// The path value is base64 that may itself contain '/', '+' and
		// '=' escaped or not: undo the URL escaping of the raw path.
		raw := strings.TrimPrefix(r.URL.EscapedPath(), "/pki/ocsp/")
		s, err := url.PathUnescape(raw)
		if err == nil {
			s = strings.ReplaceAll(s, " ", "+")
			req, err = base64.StdEncoding.DecodeString(s)
			if err != nil {
				req, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			}
		}
		if err != nil || len(req) > maxBody {
			req = nil
		}
	}
	resp, ans := h.svc.RespondOCSP(r.Context(), req)
	writeOCSP(w, resp, ans, r.Method == http.MethodGet, h.now())
}

func writeOCSP(w http.ResponseWriter, resp []byte, ans pki.OCSPAnswer, get bool, now time.Time) {
	hd := w.Header()
	hd.Set("Content-Type", "application/ocsp-response")
	hd.Set("Content-Length", strconv.Itoa(len(resp)))
	if get && !ans.Nonce && ans.Status >= 0 && !ans.NextUpdate.IsZero() {
		// RFC 5019 §6.2: let caches keep the answer until nextUpdate.
		maxAge := int(ans.NextUpdate.Sub(now) / time.Second)
		if maxAge > 0 {
			hd.Set("Cache-Control", fmt.Sprintf("max-age=%d, public, no-transform, must-revalidate", maxAge))
			hd.Set("Last-Modified", ans.ThisUpdate.UTC().Format(http.TimeFormat))
			hd.Set("Expires", ans.NextUpdate.UTC().Format(http.TimeFormat))
		}
	} else {
		hd.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

// TSA answers RFC 3161 requests. A bad request gets a TimeStampResp with
// status rejection and a failure bit, never a 500.
func (h *Handler) TSA(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/timestamp-query") && !strings.HasPrefix(ct, "application/octet-stream") {
		http.Error(w, "Content-Type phải là application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		body = nil
	}
	resp, ans := h.svc.RespondTSA(r.Context(), body)
	if !ans.Granted {
		h.log.Info("pki: time-stamp request rejected", "fail_info", ans.FailInfo, "reason", ans.Message, "remote", r.RemoteAddr)
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

// CRL serves /pki/crl/{ca}.crl.
func (h *Handler) CRL(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".crl")
	if !ok {
		http.NotFound(w, r)
		return
	}
	der, next, err := h.svc.CRL(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Content-Length", strconv.Itoa(len(der)))
	if maxAge := int(next.Sub(h.now()) / time.Second / 2); maxAge > 0 {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", min(maxAge, 3600)))
	}
	_, _ = w.Write(der)
}

// CACert serves /pki/ca/{name}.crt (DER) and /pki/ca/{name}.pem.
func (h *Handler) CACert(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, isDER := strings.CutSuffix(file, ".crt")
	if !isDER {
		var isPEM bool
		if name, isPEM = strings.CutSuffix(file, ".pem"); !isPEM {
			http.NotFound(w, r)
			return
		}
	}
	c, err := h.svc.CACertificate(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if isDER {
		w.Header().Set("Content-Type", "application/pkix-cert")
		_, _ = w.Write(c.Raw)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		status = http.StatusNotFound
	case apperr.Invalid:
		status = http.StatusBadRequest
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
	}
	if status >= 500 {
		h.log.Error("pki: endpoint failed", "path", r.URL.Path, "err", err)
	}
	http.Error(w, apperr.MessageOf(err), status)
}
