package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/haven-dv/haven"
)

// The safety-plan JSON API. Decode, call the store, encode: versions,
// access and suggestions are decided there.

// planRequest is the body of PUT /api/v1/persons/{id}/safety-plan: the
// plan's content and the version the caller last read (0 for a new plan).
type planRequest struct {
	CaseID            string              `json:"case_id"`
	Sections          []haven.PlanSection `json:"sections"`
	EmergencyContacts []haven.PlanContact `json:"emergency_contacts"`
	CodeWord          string              `json:"code_word"`
	SafePlaces        []string            `json:"safe_places"`
	DocumentsReady    []string            `json:"documents_ready"`
	Version           *int                `json:"version"`
}

// planVersion is one line of a plan's history.
type planVersion struct {
	ID            string            `json:"id"`
	Version       int               `json:"version"`
	CaseID        string            `json:"case_id,omitempty"`
	CreatedBy     string            `json:"created_by"`
	CreatedByName string            `json:"created_by_name,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	Access        *haven.AccessNote `json:"access,omitempty"`
}

// planVersionOf parses a {version} path value: a whole number from 1. Any
// other value names no version, and is answered as one that does not exist.
func planVersionOf(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return 0, haven.Errorf(haven.ENOTFOUND, "safety plan not found")
	}
	return v, nil
}

func (s *Server) apiSafetyPlan(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Plans.SafetyPlan(r.Context(), r.PathValue("id"), 0)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiSaveSafetyPlan(w http.ResponseWriter, r *http.Request) {
	var req planRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	if req.Version == nil {
		s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "version", "version is required: the version you last read, or 0 for a new plan"))
		return
	}
	p := &haven.SafetyPlan{PersonID: r.PathValue("id"), CaseID: req.CaseID, Sections: req.Sections, EmergencyContacts: req.EmergencyContacts,
		CodeWord: req.CodeWord, SafePlaces: req.SafePlaces, DocumentsReady: req.DocumentsReady}
	saved, err := s.svc.Plans.SaveSafetyPlan(r.Context(), p, *req.Version)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

func (s *Server) apiSafetyPlanVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.svc.Plans.SafetyPlanVersions(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := make([]planVersion, len(vs))
	for i, v := range vs {
		out[i] = planVersion{ID: v.ID, Version: v.Version, CaseID: v.CaseID, CreatedBy: v.CreatedBy, CreatedByName: v.CreatedByName,
			CreatedAt: v.CreatedAt, Access: v.Access}
	}
	writeJSON(w, http.StatusOK, list(out))
}

func (s *Server) apiSafetyPlanVersion(w http.ResponseWriter, r *http.Request) {
	v, err := planVersionOf(r)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	p, err := s.svc.Plans.SafetyPlan(r.Context(), r.PathValue("id"), v)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiSafetyPlanSuggestions(w http.ResponseWriter, r *http.Request) {
	sections, err := s.svc.Plans.SuggestPlanItems(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(sections))
}
