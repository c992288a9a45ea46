package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The consent JSON API. These handlers decode, call the service and
// encode; validation, access and audit live in the store.

// consentRequest is the body of POST /api/v1/consents. Times arrive as
// text so that one that does not parse is named by its field.
type consentRequest struct {
	PersonID          string   `json:"person_id"`
	RecipientAgencies []string `json:"recipient_agencies"`
	Scopes            []string `json:"scopes"`
	Purpose           string   `json:"purpose"`
	Method            string   `json:"method"`
	Witness           string   `json:"witness"`
	StartsAt          *string  `json:"starts_at"`
	ExpiresAt         *string  `json:"expires_at"`
}

// parseAPITime reads an optional RFC 3339 time; nil or "" is no time.
func parseAPITime(field string, s *string) (*time.Time, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*s))
	if err != nil {
		return nil, haven.FieldErrorf(haven.EINVALID, field, "%s must be an RFC 3339 time such as 2026-06-01T00:00:00Z", field)
	}
	return &t, nil
}

// input turns the request into the service's input.
func (q consentRequest) input() (haven.ConsentInput, error) {
	in := haven.ConsentInput{PersonID: q.PersonID, RecipientAgencies: q.RecipientAgencies, Scopes: q.Scopes,
		Purpose: q.Purpose, Method: q.Method, Witness: q.Witness}
	var err error
	if in.StartsAt, err = parseAPITime("starts_at", q.StartsAt); err != nil {
		return in, err
	}
	in.ExpiresAt, err = parseAPITime("expires_at", q.ExpiresAt)
	return in, err
}

func consentLocation(id string) string { return "/api/v1/consents/" + url.PathEscape(id) }

func (s *Server) apiRecordConsent(w http.ResponseWriter, r *http.Request) {
	var req consentRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	in, err := req.input()
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	c, err := s.svc.Consents.RecordConsent(r.Context(), in)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", consentLocation(c.ID))
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiConsent(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Consents.Consent(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// revokeRequest is the body of POST /api/v1/consents/{id}/revoke.
type revokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRevokeConsent(w http.ResponseWriter, r *http.Request) {
	var req revokeRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	c, err := s.svc.Consents.RevokeConsent(r.Context(), r.PathValue("id"), req.Reason)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiPersonConsents(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Consents.PersonConsents(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(cs))
}

func (s *Server) apiSharedWithMe(w http.ResponseWriter, r *http.Request) {
	shared, err := s.svc.Consents.SharedWithMe(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(shared))
}

// consentIncidentLister is the part of the store that lists the reports a
// grant shares (not part of haven.ConsentService, which the other
// advocacy features use).
type consentIncidentLister interface {
	ConsentIncidents(ctx context.Context, consentID string) ([]*haven.Incident, error)
}

// consentIncidents lists the reports a grant shares with the caller.
func (s *Server) consentIncidents(ctx context.Context, id string) ([]*haven.Incident, error) {
	l, ok := s.svc.Consents.(consentIncidentLister)
	if !ok {
		return nil, haven.Errorf(haven.EUNAVAILABLE, "listing shared reports is not available")
	}
	return l.ConsentIncidents(ctx, id)
}

func (s *Server) apiConsentIncidents(w http.ResponseWriter, r *http.Request) {
	ins, err := s.consentIncidents(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ins))
}
