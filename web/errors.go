package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	haven.EBADREQUEST:   http.StatusBadRequest,
	haven.EINVALID:      http.StatusUnprocessableEntity,
	haven.EUNAUTHORIZED: http.StatusUnauthorized,
	haven.EFORBIDDEN:    http.StatusForbidden,
	haven.ENOTFOUND:     http.StatusNotFound,
	haven.ECONFLICT:     http.StatusConflict,
	haven.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	haven.EMETHOD:       http.StatusMethodNotAllowed,
	haven.ERATELIMIT:    http.StatusTooManyRequests,
	haven.EUNAVAILABLE:  http.StatusServiceUnavailable,
	haven.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if s, ok := statusOf[haven.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError is the body of every API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// logIfInternal logs errors whose detail must not reach the client.
func (s *Server) logIfInternal(r *http.Request, err error) {
	if code := haven.ErrorCode(err); code == haven.EINTERNAL || code == haven.EUNAVAILABLE {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "code", code, "err", err.Error())
	}
}

// apiErr writes err as the API's JSON error.
func (s *Server) apiErr(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status := ErrorStatus(err)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, status, apiError{apiErrorBody{Code: haven.ErrorCode(err), Message: haven.ErrorMessage(err), Field: haven.ErrorField(err)}})
}
