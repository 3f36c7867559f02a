// Package httpx holds what every HTTP handler shares: the one table mapping
// error codes to statuses, JSON responses, and the middleware chain (request
// id, logging, recovery, security headers, metrics, body limits). Status codes
// and headers are decided here, in one place, and tested here.
package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// statusOf is the one table from error class to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:      http.StatusBadRequest,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.TooMany:      http.StatusTooManyRequests,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Internal:     http.StatusInternalServerError,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if s, ok := statusOf[apperr.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries the stable code, the Vietnamese message and, for
// validation errors, the field at fault.
type ErrorDetail struct {
	Code      apperr.Code `json:"code"`
	Message   string      `json:"message"`
	Field     string      `json:"field,omitempty"`
	RequestID string      `json:"request_id,omitempty"`
}

// JSON writes v with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Error logs err (with its cause, for operators) and writes the JSON error
// body (without the cause, for clients).
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	LogError(r, status, err)
	detail := ErrorDetail{Code: apperr.CodeOf(err), Message: apperr.MessageOf(err), RequestID: RequestID(r.Context())}
	var e *apperr.Error
	if ok := asAppErr(err, &e); ok {
		detail.Field = e.Field
	}
	JSON(w, status, ErrorBody{Error: detail})
}

// LogError logs a failed request at a level matching its status.
func LogError(r *http.Request, status int, err error) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	slog.Log(r.Context(), level, "request failed", "status", status, "code", apperr.CodeOf(err),
		"method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()), "err", err)
}
