package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
)

// The referral JSON API: decode, call the store, encode.

func referralLocation(id string) string { return "/api/v1/referrals/" + url.PathEscape(id) }

func (s *Server) apiCreateReferral(w http.ResponseWriter, r *http.Request) {
	var in haven.ReferralInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiErr(w, r, err)
		return
	}
	ref, err := s.svc.Referrals.CreateReferral(r.Context(), in)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", referralLocation(ref.ID))
	writeJSON(w, http.StatusCreated, ref)
}

// referralFilter reads GET /api/v1/referrals?direction=&status=&overdue=&person=&limit=
// (and the list page's query). The store checks the values it filters by.
func referralFilter(q url.Values) (haven.ReferralFilter, error) {
	f := haven.ReferralFilter{Direction: strings.TrimSpace(q.Get("direction")), Status: strings.TrimSpace(q.Get("status")),
		PersonID: strings.TrimSpace(q.Get("person"))}
	if v := strings.TrimSpace(q.Get("overdue")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, haven.FieldErrorf(haven.EINVALID, "overdue", "overdue must be true or false")
		}
		f.Overdue = b
	}
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, haven.FieldErrorf(haven.EINVALID, "limit", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) apiFindReferrals(w http.ResponseWriter, r *http.Request) {
	f, err := referralFilter(r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	rs, err := s.svc.Referrals.FindReferrals(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(rs))
}

func (s *Server) apiReferral(w http.ResponseWriter, r *http.Request) {
	ref, err := s.svc.Referrals.Referral(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ref)
}

// referralStep is the body of POST /api/v1/referrals/{id}/{action}: a
// reason, required to decline or close; the body may be left out.
type referralStep struct {
	Reason string `json:"reason"`
}

func (s *Server) apiActOnReferral(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req referralStep
		if err := decodeOptionalJSON(r, &req); err != nil {
			s.apiErr(w, r, err)
			return
		}
		ref, err := s.svc.Referrals.ActOnReferral(r.Context(), r.PathValue("id"), action, req.Reason)
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ref)
	}
}

func (s *Server) apiCaseFromReferral(w http.ResponseWriter, r *http.Request) {
	var none struct{}
	if err := decodeOptionalJSON(r, &none); err != nil {
		s.apiErr(w, r, err)
		return
	}
	c, err := s.svc.Referrals.CaseFromReferral(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+url.PathEscape(c.ID))
	writeJSON(w, http.StatusCreated, c)
}
