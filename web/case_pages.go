package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The survivor-case pages: the caseload with what is due, the team view,
// opening a case, and one case with its forms. Handlers stay thin: the
// store validates, decides and audits.

var caseNotices = map[string]string{
	"case-opened":       "Case opened.",
	"case-updated":      "Case updated.",
	"services-added":    "Service recorded.",
	"notes-added":       "Note added.",
	"tasks-added":       "Task added.",
	"court-dates-added": "Court date added.",
	"document-added":    "Document kept.",
	"task-done":         "Task done.",
	"outcome-recorded":  "Outcome recorded.",
}

func caseNotice(r *http.Request) string { return caseNotices[r.URL.Query().Get("done")] }

// caseStatusList are the statuses in their order, for forms and filters.
var caseStatusList = []string{haven.CaseOpen, haven.CaseActive, haven.CaseInactive, haven.CaseClosed}

// caseErrorPage answers a failed read: "not found" is also the store's
// answer to a refusal.
func (s *Server) caseErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such case, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

// caseSentence makes an error message a caseSentence for a page.
func caseSentence(err error) string {
	msg := haven.ErrorMessage(err)
	if msg == "" {
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// casesView is the caseload page.
type casesView struct {
	Loc        *time.Location
	Cases      []*haven.Case
	Tasks      []haven.CaseTask
	Reminders  []haven.CaseTask
	Mine       bool   // the caller's own caseload
	All        bool   // a supervisor's view of the whole agency
	LeadName   string // whose caseload, when not the caller's
	Lead       string
	Status     string
	Statuses   []string
	Supervisor bool
}

func (s *Server) handleCasesPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	v := &casesView{Loc: me.Agency.Location(), Lead: strings.TrimSpace(q.Get("lead")), Status: strings.TrimSpace(q.Get("status")),
		Statuses: caseStatusList, Supervisor: me.Role == haven.RoleSupervisor}
	f := haven.CaseFilter{Lead: v.Lead, Status: v.Status}
	switch v.Lead {
	case "", me.ID:
		f.Lead, v.Lead, v.Mine = me.ID, "", true
	case "all":
		f.Lead, v.All = "", true
	}
	cs, err := s.svc.Cases.FindCases(r.Context(), f)
	if err != nil {
		s.caseErrorPage(w, r, err)
		return
	}
	v.Cases = cs
	if v.Mine {
		if v.Tasks, err = s.svc.Cases.Tasks(r.Context(), ""); err != nil {
			s.caseErrorPage(w, r, err)
			return
		}
		if v.Reminders, err = s.svc.Cases.Reminders(r.Context()); err != nil {
			s.caseErrorPage(w, r, err)
			return
		}
	} else if !v.All {
		v.LeadName = "another advocate"
		if x, err := s.caseExtras(); err == nil {
			if staff, err := x.CaseStaff(r.Context()); err == nil {
				for _, u := range staff {
					if u.ID == v.Lead {
						v.LeadName = u.DisplayName
					}
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "cases", &page{Title: "Cases", Me: me, Notice: caseNotice(r), Data: v})
}

func (s *Server) handleCaseTeamPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	rows, err := s.svc.Cases.Caseloads(r.Context())
	if err != nil {
		s.caseErrorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases_team", &page{Title: "Team caseloads", Me: me, Data: rows})
}

// caseChoice is one option of a checkbox group or a select.
type caseChoice struct {
	Value, Label string
	Checked      bool
}

func needChoices(have []string) []caseChoice {
	out := make([]caseChoice, len(haven.CaseNeeds))
	for i, n := range haven.CaseNeeds {
		out[i] = caseChoice{Value: n, Label: n, Checked: caseHas(have, n)}
	}
	return out
}

func caseHas(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// caseStaff returns the staff who work cases and those of them who can
// lead one; an error leaves both empty (the forms then take the caller).
func (s *Server) caseStaff(r *http.Request) (staff, leads []haven.User) {
	x, err := s.caseExtras()
	if err != nil {
		return nil, nil
	}
	staff, err = x.CaseStaff(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
		return nil, nil
	}
	for _, u := range staff {
		if u.Role == haven.RoleAdvocate || u.Role == haven.RoleSupervisor {
			leads = append(leads, u)
		}
	}
	return staff, leads
}

// newCaseView is the form that opens a case.
type newCaseView struct {
	PersonID, PersonName string
	Leads                []haven.User
	Lead                 string
	Needs                []caseChoice
}

func (s *Server) newCaseForm(w http.ResponseWriter, r *http.Request, me *haven.User, status int, personID, lead string, needs []string, pg *page) {
	if !caseWorker(me.Role) {
		s.errorPage(w, r, haven.Errorf(haven.EFORBIDDEN, "your role does not work survivor cases"))
		return
	}
	if strings.TrimSpace(personID) == "" {
		s.errorPage(w, r, haven.FieldErrorf(haven.EINVALID, "person", "open a case from the person's page"))
		return
	}
	p, err := s.svc.Persons.Person(r.Context(), personID)
	if err != nil {
		s.caseErrorPage(w, r, err)
		return
	}
	if p.Access == nil || p.Access.Basis != "own_agency" {
		s.errorPage(w, r, haven.Errorf(haven.ECONFLICT, "a case is opened for a person record of your own agency"))
		return
	}
	if lead == "" {
		lead = me.ID
	}
	_, leads := s.caseStaff(r)
	pg.Title, pg.Me = "Open a case", me
	pg.Data = &newCaseView{PersonID: p.ID, PersonName: displayName(p), Leads: leads, Lead: lead, Needs: needChoices(needs)}
	s.render(w, r, status, "case_new", pg)
}

func (s *Server) handleNewCasePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	s.newCaseForm(w, r, me, http.StatusOK, r.URL.Query().Get("person"), "", nil, &page{})
}

func (s *Server) handleCreateCasePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	in := haven.CaseInput{PersonID: r.PostForm.Get("person_id"), LeadAdvocate: r.PostForm.Get("lead_advocate"), Needs: r.PostForm["needs"]}
	c, err := s.svc.Cases.CreateCase(r.Context(), in)
	if err != nil {
		if c := haven.ErrorCode(err); c == haven.ENOTFOUND || c == haven.EFORBIDDEN {
			s.caseErrorPage(w, r, err)
			return
		}
		s.logIfInternal(r, err)
		s.newCaseForm(w, r, me, ErrorStatus(err), in.PersonID, in.LeadAdvocate, in.Needs, &page{Error: caseSentence(err), Field: haven.ErrorField(err)})
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.ID)+"?done=case-opened", http.StatusSeeOther)
}

// caseView is one case's page.
type caseView struct {
	C            *haven.Case
	Loc          *time.Location
	Services     []haven.ServiceDelivered
	Notes        []haven.CaseNote
	Tasks        []haven.CaseTask
	Courts       []haven.CourtDate
	Documents    []haven.CaseDocument
	Staff, Leads []haven.User
	Needs        []caseChoice
	Statuses     []string
	ServiceTypes []string
	Today        string
	MeID         string
	TotalMinutes int
}

func (s *Server) handleCasePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	s.casePage(w, r, me, r.PathValue("id"), http.StatusOK, &page{Notice: caseNotice(r)})
}

// casePage loads everything a case shows and renders it with pg's notice
// or error.
func (s *Server) casePage(w http.ResponseWriter, r *http.Request, me *haven.User, id string, status int, pg *page) {
	ctx := r.Context()
	c, err := s.svc.Cases.Case(ctx, id)
	if err != nil {
		s.caseErrorPage(w, r, err)
		return
	}
	loc := me.Agency.Location()
	v := &caseView{C: c, Loc: loc, Needs: needChoices(c.Needs), Statuses: caseStatusList, ServiceTypes: haven.ServiceTypes,
		Today: time.Now().In(loc).Format("2006-01-02"), MeID: me.ID}
	steps := []func() error{
		func() (err error) { v.Services, err = s.svc.Cases.Services(ctx, id); return },
		func() (err error) { v.Notes, err = s.svc.Cases.Notes(ctx, id); return },
		func() (err error) { v.Tasks, err = s.svc.Cases.Tasks(ctx, id); return },
		func() (err error) { v.Courts, err = s.svc.Cases.CourtDates(ctx, id); return },
		func() (err error) { v.Documents, err = s.svc.Cases.Documents(ctx, id); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			s.caseErrorPage(w, r, err)
			return
		}
	}
	for _, sd := range v.Services {
		v.TotalMinutes += sd.Minutes
	}
	v.Staff, v.Leads = s.caseStaff(r)
	pg.Title, pg.Me, pg.Data = "Case "+c.Number, me, v
	s.render(w, r, status, "case_view", pg)
}

// caseFailed shows the case again with the error of a form, or the error
// page when the case itself is not there (or not the caller's to see).
func (s *Server) caseFailed(w http.ResponseWriter, r *http.Request, me *haven.User, id string, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		s.caseErrorPage(w, r, err)
		return
	}
	s.logIfInternal(r, err)
	s.casePage(w, r, me, id, ErrorStatus(err), &page{Error: caseSentence(err), Field: haven.ErrorField(err)})
}

func (s *Server) handleUpdateCasePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	_ = r.ParseForm()
	f := r.PostForm
	var p haven.CasePatch
	if v := f.Get("status"); v != "" {
		p.Status = &v
	}
	if v := strings.TrimSpace(f.Get("closed_reason")); v != "" {
		p.ClosedReason = &v
	}
	if v := f.Get("lead_advocate"); v != "" {
		p.LeadAdvocate = &v
	}
	if f.Get("needs_form") != "" {
		needs := f["needs"]
		if needs == nil {
			needs = []string{}
		}
		p.Needs = &needs
	}
	if v := f.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.caseFailed(w, r, me, id, haven.FieldErrorf(haven.EINVALID, "version", "reload the case and try again"))
			return
		}
		p.Version = &n
	}
	if _, err := s.svc.Cases.UpdateCase(r.Context(), id, p); err != nil {
		s.caseFailed(w, r, me, id, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"?done=case-updated", http.StatusSeeOther)
}

// handleCasePartPage adds a service, a note, a task or a court date from
// the case page's forms.
func (s *Server) handleCasePartPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, ok := s.me(w, r)
		if !ok {
			return
		}
		id := r.PathValue("id")
		_ = r.ParseForm()
		f := r.PostForm
		loc := me.Agency.Location()
		ctx := r.Context()
		var err error
		switch kind {
		case "services":
			var minutes int
			if minutes, err = parseCaseMinutes(f.Get("minutes")); err == nil {
				_, err = s.svc.Cases.AddService(ctx, id, haven.ServiceDelivered{Type: f.Get("type"), Date: f.Get("date"), Minutes: minutes,
					By: f.Get("by"), Note: f.Get("note")})
			}
		case "notes":
			_, err = s.svc.Cases.AddNote(ctx, id, f.Get("text"))
		case "tasks":
			k := haven.CaseTask{Title: f.Get("title"), AssignedTo: f.Get("assigned_to")}
			if k.DueAt, err = parseCaseTime("due_at", f.Get("due_at"), loc); err == nil {
				var remind time.Time
				if remind, err = parseCaseTime("remind_at", f.Get("remind_at"), loc); err == nil {
					if !remind.IsZero() {
						k.RemindAt = &remind
					}
					_, err = s.svc.Cases.AddTask(ctx, id, k)
				}
			}
		case "court-dates":
			c := haven.CourtDate{Court: f.Get("court"), Purpose: f.Get("purpose"), Accompaniment: f.Get("accompaniment") != "",
				Accompanier: f.Get("accompanier")}
			if c.At, err = parseCaseTime("at", f.Get("at"), loc); err == nil {
				_, err = s.svc.Cases.AddCourtDate(ctx, id, c)
			}
		}
		if err != nil {
			s.caseFailed(w, r, me, id, err)
			return
		}
		http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"?done="+kind+"-added#"+kind, http.StatusSeeOther)
	}
}

func (s *Server) handleCaseDocumentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if _, err := s.receiveCaseDocument(w, r, id, nil); err != nil {
		if haven.ErrorCode(err) == haven.EFORBIDDEN || haven.ErrorCode(err) == haven.EBADREQUEST {
			s.errorPage(w, r, err)
			return
		}
		s.caseFailed(w, r, me, id, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"?done=document-added#documents", http.StatusSeeOther)
}

func (s *Server) handleCaseDocumentFile(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	d, body, err := s.svc.Cases.Document(r.Context(), r.PathValue("id"))
	if err != nil {
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			err = haven.Errorf(haven.ENOTFOUND, "No such document, or not one you may see.")
		}
		s.errorPage(w, r, err)
		return
	}
	writeCaseDocument(w, d, body)
}

// caseBackTo is where a form that can be sent from several pages returns:
// the caseload, or the case.
func caseBackTo(r *http.Request, caseID, done, anchor string) string {
	if r.PostForm.Get("back") == "cases" {
		return "/cases?done=" + done
	}
	return "/cases/" + url.PathEscape(caseID) + "?done=" + done + anchor
}

func (s *Server) handleCompleteTaskPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	_ = r.ParseForm()
	k, err := s.svc.Cases.CompleteTask(r.Context(), r.PathValue("id"))
	if err != nil {
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			err = haven.Errorf(haven.ENOTFOUND, "No such task, or not one you may see.")
		}
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, caseBackTo(r, k.CaseID, "task-done", "#tasks"), http.StatusSeeOther)
}

func (s *Server) handleCourtOutcomePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	x, err := s.caseExtras()
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	c, err := x.SetCourtOutcome(r.Context(), r.PathValue("id"), r.PostForm.Get("outcome"))
	if err != nil {
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "No such court date, or not one you may see."))
			return
		}
		if caseID := r.PostForm.Get("case_id"); caseID != "" {
			s.caseFailed(w, r, me, caseID, err)
			return
		}
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.CaseID)+"?done=outcome-recorded#court-dates", http.StatusSeeOther)
}

// handleOpenCaseFromTaskPage accepts a queue task and opens (or updates)
// the case; when the survivor's consent is still needed, the queue shows
// why and the task stays open.
func (s *Server) handleOpenCaseFromTaskPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	c, err := s.svc.Cases.OpenCaseFromRiskTask(r.Context(), r.PathValue("id"))
	if err != nil {
		if code := haven.ErrorCode(err); code != haven.ECONFLICT && code != haven.EINVALID {
			if code == haven.ENOTFOUND {
				err = haven.Errorf(haven.ENOTFOUND, "No such task, or not one you may see.")
			}
			s.errorPage(w, r, err)
			return
		}
		tasks, lerr := s.svc.Risk.RiskTasks(r.Context(), haven.TaskOpen)
		if lerr != nil {
			s.errorPage(w, r, lerr)
			return
		}
		s.render(w, r, ErrorStatus(err), "risk_queue", &page{Title: "Queue", Me: me, Error: caseSentence(err),
			Data: map[string]any{"Tasks": tasks, "Status": haven.TaskOpen, "Loc": me.Agency.Location()}})
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.ID)+"?done=case-opened", http.StatusSeeOther)
}
