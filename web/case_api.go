package web

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The survivor-case JSON API. Handlers decode, call the store and encode.

func caseLocation(id string) string { return "/api/v1/cases/" + url.PathEscape(id) }

func (s *Server) apiCreateCase(w http.ResponseWriter, r *http.Request) {
	var in haven.CaseInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiErr(w, r, err)
		return
	}
	c, err := s.svc.Cases.CreateCase(r.Context(), in)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", caseLocation(c.ID))
	writeJSON(w, http.StatusCreated, c)
}

// caseFilter reads ?lead=&status=&person=&limit=.
func caseFilter(q url.Values) (haven.CaseFilter, error) {
	f := haven.CaseFilter{Lead: q.Get("lead"), Status: q.Get("status"), PersonID: q.Get("person")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, haven.FieldErrorf(haven.EINVALID, "limit", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) apiFindCases(w http.ResponseWriter, r *http.Request) {
	f, err := caseFilter(r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	cs, err := s.svc.Cases.FindCases(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(cs))
}

func (s *Server) apiCaseloads(w http.ResponseWriter, r *http.Request) {
	rows, err := s.svc.Cases.Caseloads(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(rows))
}

func (s *Server) apiMyTasks(w http.ResponseWriter, r *http.Request) {
	ks, err := s.svc.Cases.Tasks(r.Context(), "")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ks))
}

func (s *Server) apiReminders(w http.ResponseWriter, r *http.Request) {
	ks, err := s.svc.Cases.Reminders(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ks))
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Cases.Case(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiUpdateCase(w http.ResponseWriter, r *http.Request) {
	var p haven.CasePatch
	if err := decodeJSON(r, &p); err != nil {
		s.apiErr(w, r, err)
		return
	}
	c, err := s.svc.Cases.UpdateCase(r.Context(), r.PathValue("id"), p)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Cases.Services(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(out))
}

// caseServiceRequest is the body of POST /api/v1/cases/{id}/services.
type caseServiceRequest struct {
	Type    string `json:"type"`
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
	By      string `json:"by"`
	Note    string `json:"note"`
}

func (s *Server) apiAddService(w http.ResponseWriter, r *http.Request) {
	var q caseServiceRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	sd, err := s.svc.Cases.AddService(r.Context(), r.PathValue("id"), haven.ServiceDelivered{Type: q.Type, Date: q.Date, Minutes: q.Minutes, By: q.By, Note: q.Note})
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sd)
}

func (s *Server) apiNotes(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Cases.Notes(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(out))
}

// caseNoteRequest is the body of POST /api/v1/cases/{id}/notes.
type caseNoteRequest struct {
	Text string `json:"text"`
}

func (s *Server) apiAddNote(w http.ResponseWriter, r *http.Request) {
	var q caseNoteRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	n, err := s.svc.Cases.AddNote(r.Context(), r.PathValue("id"), q.Text)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) apiCaseTasks(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if strings.TrimSpace(id) == "" {
		s.apiErr(w, r, haven.Errorf(haven.ENOTFOUND, "case not found"))
		return
	}
	out, err := s.svc.Cases.Tasks(r.Context(), id)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(out))
}

// caseTaskRequest is the body of POST /api/v1/cases/{id}/tasks.
type caseTaskRequest struct {
	Title      string     `json:"title"`
	DueAt      *time.Time `json:"due_at"`
	RemindAt   *time.Time `json:"remind_at"`
	AssignedTo string     `json:"assigned_to"`
}

func (s *Server) apiAddTask(w http.ResponseWriter, r *http.Request) {
	var q caseTaskRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	k := haven.CaseTask{Title: q.Title, RemindAt: q.RemindAt, AssignedTo: q.AssignedTo}
	if q.DueAt != nil {
		k.DueAt = *q.DueAt
	}
	out, err := s.svc.Cases.AddTask(r.Context(), r.PathValue("id"), k)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiCompleteTask(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Cases.CompleteTask(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCourtDates(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Cases.CourtDates(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(out))
}

// caseCourtRequest is the body of POST /api/v1/cases/{id}/court-dates.
type caseCourtRequest struct {
	At            *time.Time `json:"at"`
	Court         string     `json:"court"`
	Purpose       string     `json:"purpose"`
	Accompaniment bool       `json:"accompaniment"`
	Accompanier   string     `json:"accompanier"`
	Outcome       string     `json:"outcome"`
}

func (s *Server) apiAddCourtDate(w http.ResponseWriter, r *http.Request) {
	var q caseCourtRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	c := haven.CourtDate{Court: q.Court, Purpose: q.Purpose, Accompaniment: q.Accompaniment, Accompanier: q.Accompanier, Outcome: q.Outcome}
	if q.At != nil {
		c.At = *q.At
	}
	out, err := s.svc.Cases.AddCourtDate(r.Context(), r.PathValue("id"), c)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// caseOutcomeRequest is the body of POST /api/v1/cases/court-dates/{id}/outcome.
type caseOutcomeRequest struct {
	Outcome string `json:"outcome"`
}

func (s *Server) apiCourtOutcome(w http.ResponseWriter, r *http.Request) {
	var q caseOutcomeRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	x, err := s.caseExtras()
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out, err := x.SetCourtOutcome(r.Context(), r.PathValue("id"), q.Outcome)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDocuments(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Cases.Documents(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(out))
}

func (s *Server) apiAddDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.receiveCaseDocument(w, r, r.PathValue("id"), nil)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/documents/"+url.PathEscape(d.ID)+"/file")
	writeJSON(w, http.StatusCreated, d)
}

// writeCaseDocument sends a document's bytes as an attachment, never to be
// shown inline or sniffed.
func writeCaseDocument(w http.ResponseWriter, d *haven.CaseDocument, body []byte) {
	ct := d.ContentType
	if ct == "text/plain" {
		ct += "; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": d.Name})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (s *Server) apiDocumentFile(w http.ResponseWriter, r *http.Request) {
	d, body, err := s.svc.Cases.Document(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeCaseDocument(w, d, body)
}

func (s *Server) apiOpenCaseFromTask(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Cases.OpenCaseFromRiskTask(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", caseLocation(c.ID))
	writeJSON(w, http.StatusOK, c)
}
