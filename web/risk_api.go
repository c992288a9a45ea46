package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The risk-assessment JSON API. These handlers decode, call the service
// and encode; scoring, access and what a result sets in motion live in the
// risk package and the store.

func (s *Server) apiInstruments(w http.ResponseWriter, r *http.Request) {
	insts, err := s.svc.Risk.Instruments(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(insts))
}

// findInstrument returns the caller's agency's instrument with id.
func (s *Server) findInstrument(r *http.Request, id string) (*haven.Instrument, error) {
	insts, err := s.svc.Risk.Instruments(r.Context())
	if err != nil {
		return nil, err
	}
	for _, in := range insts {
		if in.ID == id {
			return in, nil
		}
	}
	return nil, haven.Errorf(haven.ENOTFOUND, "no instrument %q", id)
}

func (s *Server) apiInstrument(w http.ResponseWriter, r *http.Request) {
	in, err := s.findInstrument(r, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// scoreRequest is the body of POST /api/v1/risk/score. Facts a recorded
// assessment computes from the records (police call-outs, an earlier MARAC
// referral) are given here by the caller, since nothing is looked up.
type scoreRequest struct {
	Instrument            string            `json:"instrument"`
	Answers               map[string]string `json:"answers"`
	ProfessionalJudgement bool              `json:"professional_judgement"`
	Facts                 *struct {
		PoliceCallouts12m int  `json:"police_callouts_12m"`
		MARACReferral12m  bool `json:"marac_referral_12m"`
	} `json:"facts"`
}

func (s *Server) apiScoreRisk(w http.ResponseWriter, r *http.Request) {
	var req scoreRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	f := haven.RiskFacts{ProfessionalJudgement: req.ProfessionalJudgement}
	if req.Facts != nil {
		if req.Facts.PoliceCallouts12m < 0 || req.Facts.PoliceCallouts12m > 10000 {
			s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "facts.police_callouts_12m", "facts.police_callouts_12m must be a whole number from 0 to 10000"))
			return
		}
		f.PoliceCallouts12m, f.MARACReferral12m = req.Facts.PoliceCallouts12m, req.Facts.MARACReferral12m
	}
	res, err := s.svc.Risk.ScoreRisk(r.Context(), strings.TrimSpace(req.Instrument), req.Answers, f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func assessmentLocation(id string) string { return "/api/v1/risk/assessments/" + url.PathEscape(id) }

func (s *Server) apiRecordAssessment(w http.ResponseWriter, r *http.Request) {
	var in haven.AssessmentInput
	if err := decodeIncidentJSON(r, &in); err != nil {
		s.apiErr(w, r, err)
		return
	}
	a, err := s.svc.Risk.RecordAssessment(r.Context(), in)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", assessmentLocation(a.ID))
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	a, err := s.svc.Risk.Assessment(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// hotlineRequest is the body of POST /api/v1/risk/assessments/{id}/hotline.
type hotlineRequest struct {
	Outcome            string     `json:"outcome"`
	At                 *time.Time `json:"at"`
	InformationOffered bool       `json:"information_offered"`
	Note               string     `json:"note"`
}

func (s *Server) apiRecordHotline(w http.ResponseWriter, r *http.Request) {
	var req hotlineRequest
	if err := decodeIncidentJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	h := haven.HotlineContact{Outcome: strings.TrimSpace(req.Outcome), InformationOffered: req.InformationOffered, Note: req.Note}
	if req.At != nil {
		h.At = *req.At
	}
	a, err := s.svc.Risk.RecordHotline(r.Context(), r.PathValue("id"), h)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiPersonAssessments(w http.ResponseWriter, r *http.Request) {
	as, err := s.svc.Risk.PersonAssessments(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(as))
}

func (s *Server) apiIncidentAssessments(w http.ResponseWriter, r *http.Request) {
	as, err := s.svc.Risk.IncidentAssessments(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(as))
}

func (s *Server) apiHotline(w http.ResponseWriter, r *http.Request) {
	h, err := s.svc.Risk.Hotline(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// taskStatus reads the status filter of the queue.
func taskStatus(v string) (string, error) {
	switch v = strings.TrimSpace(v); v {
	case "", haven.TaskOpen, haven.TaskAccepted, haven.TaskDeclined:
		return v, nil
	}
	return "", haven.FieldErrorf(haven.EINVALID, "status", "status must be open, accepted or declined")
}

func (s *Server) apiRiskTasks(w http.ResponseWriter, r *http.Request) {
	st, err := taskStatus(r.URL.Query().Get("status"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	ts, err := s.svc.Risk.RiskTasks(r.Context(), st)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ts))
}

func (s *Server) apiDecideTask(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptionalJSON(r, &req); err != nil {
			s.apiErr(w, r, err)
			return
		}
		t, err := s.svc.Risk.DecideRiskTask(r.Context(), r.PathValue("id"), accept, req.Reason)
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	}
}

func (s *Server) apiHighRisk(w http.ResponseWriter, r *http.Request) {
	hs, err := s.svc.Risk.HighRisk(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(hs))
}

// screeningPeriod reads from and to (days in loc, or RFC 3339 times);
// the default is the 90 days to the end of today.
func screeningPeriod(v url.Values, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	y, m, d := now.In(loc).Date()
	to = time.Date(y, m, d, 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from = to.AddDate(0, 0, -90)
	if s := strings.TrimSpace(v.Get("from")); s != "" {
		if from, err = parseAuditDay("from", s, loc, true); err != nil {
			return
		}
	}
	if s := strings.TrimSpace(v.Get("to")); s != "" {
		if to, err = parseAuditDay("to", s, loc, true); err != nil {
			return
		}
	}
	if !from.Before(to) {
		err = haven.FieldErrorf(haven.EINVALID, "to", "to must be after from")
	} else if to.Sub(from) > 5*366*24*time.Hour {
		err = haven.FieldErrorf(haven.EINVALID, "from", "the period can be at most five years")
	}
	return
}

func (s *Server) apiScreening(w http.ResponseWriter, r *http.Request) {
	loc, err := s.callerLocation(r)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	from, to, err := screeningPeriod(r.URL.Query(), loc, time.Now())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	st, err := s.svc.Risk.Screening(r.Context(), from, to)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiAgencySettings(w http.ResponseWriter, r *http.Request) {
	var req haven.AgencySettings
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	ag, err := s.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err == nil {
		ag, err = s.svc.Agencies.UpdateAgencySettings(r.Context(), ag.ID, req)
	}
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ag)
}
