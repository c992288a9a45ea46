package haven

import (
	"errors"
	"fmt"
)

// Error codes: the contract between layers. The web layer maps each to one
// HTTP status (see web/errors.go); nothing else decides statuses.
const (
	EBADREQUEST   = "bad_request"        // the request itself is malformed (bad JSON, wrong type)
	EINVALID      = "invalid"            // well-formed but a value is not acceptable
	EUNAUTHORIZED = "unauthorized"       // not signed in, or credentials are wrong
	EFORBIDDEN    = "forbidden"          // signed in, but not allowed
	ENOTFOUND     = "not_found"          // does not exist, or the caller may not know it exists
	ECONFLICT     = "conflict"           // clashes with what is stored (duplicate slug, …)
	EMETHOD       = "method_not_allowed" // the path exists, but not for this method
	ERATELIMIT    = "rate_limited"       // too many attempts; try later
	EUNAVAILABLE  = "unavailable"        // a dependency (the database) is not reachable
	EINTERNAL     = "internal"           // a bug or an unexpected failure; details are logged, never shown
)

// Error is Haven's error: a code, a message a user can act on, and, when one
// value is at fault, the field that holds it. Messages never contain another
// person's data.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error // the underlying cause, for logs only
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("haven: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("haven: %s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error that names the field at fault.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error; its text is for logs, not users.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; foreign errors say
// only "internal error" so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
