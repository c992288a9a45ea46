package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The incident-report JSON API. Who may read, write, submit, review or
// export is decided in the store; a report the caller may not see answers
// "not found" exactly like one that does not exist. These handlers decode,
// call the service and encode.

// incidentRequest is the body of POST /api/v1/incidents: the fields a
// client may set. Server-owned fields (id, number, status, version, …) are
// unknown fields here, so sending them is a 400.
type incidentRequest struct {
	ReportedAt          *time.Time           `json:"reported_at"`
	OccurredAt          *time.Time           `json:"occurred_at"`
	Location            haven.Location       `json:"location"`
	Domestic            bool                 `json:"domestic"`
	Parties             []haven.Party        `json:"parties"`
	Offenses            []haven.Offense      `json:"offenses"`
	Injuries            []haven.Injury       `json:"injuries"`
	Arrests             []haven.Arrest       `json:"arrests"`
	Statements          []haven.Statement    `json:"statements"`
	Strangulation       *haven.Strangulation `json:"strangulation"`
	Weapons             []string             `json:"weapons"`
	FirearmsPresent     bool                 `json:"firearms_present"`
	SubstanceUse        []string             `json:"substance_use"`
	ChildrenPresent     bool                 `json:"children_present"`
	ChildrenWitnessed   bool                 `json:"children_witnessed"`
	PriorIncidentsKnown bool                 `json:"prior_incidents_known"`
	Narrative           string               `json:"narrative"`
}

func (q incidentRequest) incident() *haven.Incident {
	in := &haven.Incident{OccurredAt: q.OccurredAt, Location: q.Location, Domestic: q.Domestic,
		Parties: q.Parties, Offenses: q.Offenses, Injuries: q.Injuries, Arrests: q.Arrests, Statements: q.Statements,
		Strangulation: q.Strangulation, Weapons: q.Weapons, FirearmsPresent: q.FirearmsPresent, SubstanceUse: q.SubstanceUse,
		ChildrenPresent: q.ChildrenPresent, ChildrenWitnessed: q.ChildrenWitnessed, PriorIncidentsKnown: q.PriorIncidentsKnown,
		Narrative: q.Narrative}
	if q.ReportedAt != nil {
		in.ReportedAt = *q.ReportedAt
	}
	clearPartyNames(in)
	return in
}

// clearPartyNames drops names a client sent with parties: the store fills
// them in on reads for those who may see the person; they are not data.
func clearPartyNames(in *haven.Incident) {
	for i := range in.Parties {
		in.Parties[i].Name = ""
	}
}

// incidentPatch is the body of PATCH /api/v1/incidents/{id}: any of the
// editable fields, and the version the client last read. Fields left out
// keep their stored values; a field sent replaces the stored one whole.
type incidentPatch struct {
	ReportedAt          *time.Time           `json:"reported_at"`
	OccurredAt          *time.Time           `json:"occurred_at"`
	Location            *haven.Location      `json:"location"`
	Domestic            *bool                `json:"domestic"`
	Parties             *[]haven.Party       `json:"parties"`
	Offenses            *[]haven.Offense     `json:"offenses"`
	Injuries            *[]haven.Injury      `json:"injuries"`
	Arrests             *[]haven.Arrest      `json:"arrests"`
	Statements          *[]haven.Statement   `json:"statements"`
	Strangulation       *haven.Strangulation `json:"strangulation"`
	Weapons             *[]string            `json:"weapons"`
	FirearmsPresent     *bool                `json:"firearms_present"`
	SubstanceUse        *[]string            `json:"substance_use"`
	ChildrenPresent     *bool                `json:"children_present"`
	ChildrenWitnessed   *bool                `json:"children_witnessed"`
	PriorIncidentsKnown *bool                `json:"prior_incidents_known"`
	Narrative           *string              `json:"narrative"`
	Version             *int                 `json:"version"`
}

// apply writes the fields sent onto in.
func (p incidentPatch) apply(in *haven.Incident) {
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	if p.ReportedAt != nil {
		in.ReportedAt = *p.ReportedAt
	}
	if p.OccurredAt != nil {
		in.OccurredAt = p.OccurredAt
	}
	if p.Location != nil {
		in.Location = *p.Location
	}
	if p.Parties != nil {
		in.Parties = *p.Parties
	}
	if p.Offenses != nil {
		in.Offenses = *p.Offenses
	}
	if p.Injuries != nil {
		in.Injuries = *p.Injuries
	}
	if p.Arrests != nil {
		in.Arrests = *p.Arrests
	}
	if p.Statements != nil {
		in.Statements = *p.Statements
	}
	if p.Strangulation != nil {
		in.Strangulation = p.Strangulation
	}
	if p.Weapons != nil {
		in.Weapons = *p.Weapons
	}
	if p.SubstanceUse != nil {
		in.SubstanceUse = *p.SubstanceUse
	}
	if p.Narrative != nil {
		in.Narrative = *p.Narrative
	}
	set(&in.Domestic, p.Domestic)
	set(&in.FirearmsPresent, p.FirearmsPresent)
	set(&in.ChildrenPresent, p.ChildrenPresent)
	set(&in.ChildrenWitnessed, p.ChildrenWitnessed)
	set(&in.PriorIncidentsKnown, p.PriorIncidentsKnown)
	clearPartyNames(in)
}

// decodeIncidentJSON is decodeJSON for bodies with times in them: a time
// that does not parse is named by its field ("arrests[0].at"), which
// encoding/json does not do.
func decodeIncidentJSON(r *http.Request, v any) error {
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	if err := decodeJSONBytes(body, v); err != nil {
		if field := badTimeField(body); field != "" {
			return haven.FieldErrorf(haven.EBADREQUEST, field, "%s must be an RFC 3339 time such as 2026-03-01T21:30:00-06:00", field)
		}
		return err
	}
	return nil
}

// timeKeys are the incident API's time fields, at any depth.
var timeKeys = map[string]bool{"reported_at": true, "occurred_at": true, "at": true, "taken_at": true, "assessed_at": true}

// badTimeField finds the first time field in body that is not an RFC 3339
// time, as a path such as "statements[1].taken_at"; "" when there is none.
func badTimeField(body []byte) string {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return ""
	}
	var walk func(v any, path string) string
	walk = func(v any, path string) string {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if timeKeys[k] {
					if x == nil {
						continue
					}
					s, ok := x.(string)
					if !ok {
						return p
					}
					if _, err := time.Parse(time.RFC3339, s); err != nil {
						return p
					}
					continue
				}
				if f := walk(x, p); f != "" {
					return f
				}
			}
		case []any:
			for i, x := range v {
				if f := walk(x, fmt.Sprintf("%s[%d]", path, i)); f != "" {
					return f
				}
			}
		}
		return ""
	}
	return walk(doc, "")
}

func incidentLocation(id string) string { return "/api/v1/incidents/" + url.PathEscape(id) }

func (s *Server) apiCreateIncident(w http.ResponseWriter, r *http.Request) {
	var req incidentRequest
	if err := decodeIncidentJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	in := req.incident()
	if err := s.svc.Incidents.CreateIncident(r.Context(), in); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", incidentLocation(in.ID))
	writeJSON(w, http.StatusCreated, in)
}

func (s *Server) apiGetIncident(w http.ResponseWriter, r *http.Request) {
	in, err := s.svc.Incidents.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (s *Server) apiUpdateIncident(w http.ResponseWriter, r *http.Request) {
	var patch incidentPatch
	if err := decodeIncidentJSON(r, &patch); err != nil {
		s.apiErr(w, r, err)
		return
	}
	if patch.Version == nil {
		s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "version", "version is required: send the version of the report you last read"))
		return
	}
	id := r.PathValue("id")
	in, err := s.svc.Incidents.Incident(r.Context(), id)
	if err == nil {
		patch.apply(in)
		in, err = s.svc.Incidents.UpdateIncident(r.Context(), id, in, *patch.Version)
	}
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// maxIncidentPage bounds one page of the incident list.
const maxIncidentPage = 500

// incidentFilter reads status, domestic, from, to, district, officer,
// person, limit and offset from a query string. Dates are days in loc (the
// agency's time zone) or RFC 3339 times.
func incidentFilter(v url.Values, loc *time.Location) (haven.IncidentFilter, error) {
	f := haven.IncidentFilter{District: strings.TrimSpace(v.Get("district")), Officer: strings.TrimSpace(v.Get("officer")),
		PersonID: strings.TrimSpace(v.Get("person")), Limit: 50}
	if st := strings.TrimSpace(v.Get("status")); st != "" {
		if !validStatus(st) {
			return f, haven.FieldErrorf(haven.EINVALID, "status", "status must be one of draft, submitted, returned, approved, closed")
		}
		f.Status = haven.IncidentStatus(st)
	}
	if d := strings.TrimSpace(v.Get("domestic")); d != "" {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return f, haven.FieldErrorf(haven.EINVALID, "domestic", "domestic must be true or false")
		}
		f.Domestic = &b
	}
	for _, k := range []string{"from", "to"} {
		if s := strings.TrimSpace(v.Get(k)); s != "" {
			t, err := parseAuditDay(k, s, loc, true)
			if err != nil {
				return f, err
			}
			if k == "from" {
				f.From = t
			} else {
				f.To = t
			}
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, haven.FieldErrorf(haven.EINVALID, "to", "to must be after from")
	}
	if len(f.District) > 50 {
		return f, haven.FieldErrorf(haven.EINVALID, "district", "district must be at most 50 characters")
	}
	if l := strings.TrimSpace(v.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxIncidentPage {
			return f, haven.FieldErrorf(haven.EINVALID, "limit", "limit must be a whole number from 1 to %d", maxIncidentPage)
		}
		f.Limit = n
	}
	if o := strings.TrimSpace(v.Get("offset")); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 || n > 1_000_000 {
			return f, haven.FieldErrorf(haven.EINVALID, "offset", "offset must be a whole number from 0 to 1000000")
		}
		f.Offset = n
	}
	return f, nil
}

// callerLocation is the caller's agency's time zone, for reading dates.
func (s *Server) callerLocation(r *http.Request) (*time.Location, error) {
	me, err := s.svc.Users.UserByID(r.Context(), haven.ActorFromContext(r.Context()).UserID)
	if err != nil {
		return nil, err
	}
	return me.Agency.Location(), nil
}

func (s *Server) apiFindIncidents(w http.ResponseWriter, r *http.Request) {
	loc, err := s.callerLocation(r)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	f, err := incidentFilter(r.URL.Query(), loc)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	ins, err := s.svc.Incidents.FindIncidents(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ins))
}

func (s *Server) apiSubmitIncident(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Incidents.SubmitIncident(r.Context(), r.PathValue("id")); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type incidentReviewRequest struct {
	Approve *bool  `json:"approve"`
	Comment string `json:"comment"`
}

func (s *Server) apiReviewIncident(w http.ResponseWriter, r *http.Request) {
	var req incidentReviewRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	if req.Approve == nil {
		s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "approve", "approve is required: true approves the report, false returns it with the comment"))
		return
	}
	if err := s.svc.Incidents.ReviewIncident(r.Context(), r.PathValue("id"), *req.Approve, req.Comment); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiCloseIncident(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Incidents.CloseIncident(r.Context(), r.PathValue("id")); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type supplementRequest struct {
	Text string `json:"text"`
}

func (s *Server) apiAddSupplement(w http.ResponseWriter, r *http.Request) {
	var req supplementRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	sup, err := s.svc.Incidents.AddSupplement(r.Context(), r.PathValue("id"), req.Text)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sup)
}

func (s *Server) apiSupplements(w http.ResponseWriter, r *http.Request) {
	sups, err := s.svc.Incidents.Supplements(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(sups))
}

func (s *Server) apiIncidentHistory(w http.ResponseWriter, r *http.Request) {
	changes, err := s.svc.Incidents.IncidentHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(changes))
}

func (s *Server) apiProtocol(w http.ResponseWriter, r *http.Request) {
	steps, err := s.svc.Incidents.Protocol(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(steps))
}

type protocolStepRequest struct {
	Skipped bool   `json:"skipped"`
	Reason  string `json:"reason"`
	Note    string `json:"note"`
}

// apiCompleteStep marks a step done (or skipped with a reason) and answers
// with the whole checklist, so that a client sees the next step at once.
func (s *Server) apiCompleteStep(w http.ResponseWriter, r *http.Request) {
	var req protocolStepRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := s.svc.Incidents.CompleteStep(r.Context(), id, r.PathValue("step"), req.Skipped, req.Reason, req.Note); err != nil {
		s.apiErr(w, r, err)
		return
	}
	steps, err := s.svc.Incidents.Protocol(r.Context(), id)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(steps))
}

// priorIncident is one earlier incident in "history at the moment of
// entry": what an officer on scene needs to see repeat victimisation and
// escalation, and nothing sealed (no narrative, address or statements).
type priorIncident struct {
	ID            string               `json:"id"`
	Number        string               `json:"number"`
	Status        haven.IncidentStatus `json:"status"`
	ReportedAt    time.Time            `json:"reported_at"`
	OccurredAt    *time.Time           `json:"occurred_at,omitempty"`
	Domestic      bool                 `json:"domestic"`
	Offenses      []string             `json:"offenses"`
	Weapons       []string             `json:"weapons"`
	Strangulation bool                 `json:"strangulation"`
	Firearms      bool                 `json:"firearms_present"`
	Injuries      int                  `json:"injuries"`
	Arrests       int                  `json:"arrests"`
	// Roles is what the person (and the other person, when asked for) was
	// in that incident: victim, suspect, …
	Roles []string `json:"roles"`
}

func priorOf(in *haven.Incident, personIDs ...string) priorIncident {
	p := priorIncident{ID: in.ID, Number: in.Number, Status: in.Status, ReportedAt: in.ReportedAt, OccurredAt: in.OccurredAt,
		Domestic: in.Domestic, Offenses: []string{}, Weapons: []string{}, Roles: []string{},
		Strangulation: in.Strangulation != nil && in.Strangulation.Occurred, Firearms: in.FirearmsPresent,
		Injuries: len(in.Injuries), Arrests: len(in.Arrests)}
	for _, o := range in.Offenses {
		p.Offenses = append(p.Offenses, o.Code)
	}
	p.Weapons = append(p.Weapons, in.Weapons...)
	for _, id := range personIDs {
		for _, pt := range in.Parties {
			if id != "" && pt.PersonID == id {
				p.Roles = append(p.Roles, string(pt.Role))
			}
		}
	}
	return p
}

func (s *Server) apiPriorIncidents(w http.ResponseWriter, r *http.Request) {
	personID, other := r.PathValue("id"), strings.TrimSpace(r.URL.Query().Get("with"))
	ins, err := s.svc.Incidents.PriorIncidents(r.Context(), personID, other)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := make([]priorIncident, 0, len(ins))
	for _, in := range ins {
		out = append(out, priorOf(in, personID, other))
	}
	writeJSON(w, http.StatusOK, list(out))
}
