// Package apperr is the one error type of chinhquyen: a stable machine code for
// the API, a safe Vietnamese message for people, and the wrapped cause for
// operators' logs. It follows the model of benbjohnson/wtf's errors: domain
// packages return *Error, and only the HTTP layer maps codes to statuses.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error class. API clients branch on it,
// so existing values never change meaning.
type Code string

// The error classes. Each maps to exactly one HTTP status in internal/httpx.
const (
	Invalid      Code = "EINVALID"      // input failed validation
	NotFound     Code = "ENOTFOUND"     // the object does not exist (or is not visible to the actor)
	Conflict     Code = "ECONFLICT"     // duplicate or concurrent change
	Unauthorized Code = "EUNAUTHORIZED" // not signed in, or credentials wrong
	Forbidden    Code = "EFORBIDDEN"    // signed in but not allowed
	TooMany      Code = "ETOOMANY"      // rate limit or lockout
	Unavailable  Code = "EUNAVAILABLE"  // a dependency (database, TSA…) does not answer
	Internal     Code = "EINTERNAL"     // a bug or an unexpected failure
)

// Error is a classified error. Message is shown to people and must not leak
// internals; Err carries the cause for the log.
type Error struct {
	Code    Code
	Message string // Vietnamese, safe to show
	Field   string // optional: the input field at fault
	Err     error  // optional cause, never shown to people
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with a formatted Vietnamese message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error that keeps cause for the log.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// FieldError returns an EINVALID error naming the offending input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Message: fmt.Sprintf(format, args...), Field: field}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the message safe to show to people.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Đã xảy ra lỗi nội bộ. Vui lòng thử lại sau hoặc liên hệ quản trị hệ thống."
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
