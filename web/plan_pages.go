package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/safetyplan"
)

// The safety-plan pages: the plan with its history, the phone-first form
// (with items suggested from the person's risk factors), and two
// printouts: the plain one and the discreet one, which says nothing about
// what it is. Handlers stay thin; the store decides and validates.

// planError answers a failed read or save of a plan. "Not found" is also
// the store's answer to a refusal; it says so without saying which.
func (s *Server) planError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such record, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

func planPath(personID string) string { return "/persons/" + url.PathEscape(personID) + "/safety-plan" }

// ---- the plan and its versions ----

// planLine is one version in the history list.
type planLine struct {
	Version int
	By      string
	At      time.Time
	Current bool // the one shown
}

// planView is the plan page: the latest version (or one version), or the
// empty state.
type planView struct {
	PersonID, PersonName string
	Plan                 *haven.SafetyPlan // nil: no plan yet
	Versions             []planLine
	Latest               int  // the latest version number
	Own                  bool // the caller's agency holds the record (a display hint; the store decides)
	AccessNote           string
	Loc                  *time.Location
}

// FactorLabel is a factor in words, for the templates.
func (planView) FactorLabel(f string) string { return safetyplan.FactorLabel(f) }

func (s *Server) handlePlanPage(w http.ResponseWriter, r *http.Request) {
	s.planPage(w, r, 0)
}

func (s *Server) handlePlanVersionPage(w http.ResponseWriter, r *http.Request) {
	v, err := planVersionOf(r)
	if err != nil {
		if _, ok := s.me(w, r); ok {
			s.planError(w, r, err)
		}
		return
	}
	s.planPage(w, r, v)
}

// planPage shows version (0: the latest) of the person's plan.
func (s *Server) planPage(w http.ResponseWriter, r *http.Request, version int) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	p, err := s.svc.Persons.Person(ctx, id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	vs, err := s.svc.Plans.SafetyPlanVersions(ctx, id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	loc := me.Agency.Location()
	v := planView{PersonID: p.ID, PersonName: displayName(p), Loc: loc, Own: p.Access != nil && p.Access.Basis == "own_agency"}
	if !v.Own {
		v.AccessNote = accessSentence(p.Access, loc)
	}
	if len(vs) > 0 || version > 0 {
		if v.Plan, err = s.svc.Plans.SafetyPlan(ctx, id, version); err != nil {
			s.planError(w, r, err)
			return
		}
	}
	if len(vs) > 0 {
		v.Latest = vs[0].Version
	}
	for _, pv := range vs {
		v.Versions = append(v.Versions, planLine{Version: pv.Version, By: pv.CreatedByName, At: pv.CreatedAt,
			Current: v.Plan != nil && pv.Version == v.Plan.Version})
	}
	notice := ""
	if r.URL.Query().Get("done") == "plan-saved" && version == 0 {
		notice = "Safety plan saved."
	}
	s.render(w, r, http.StatusOK, "plan_view", &page{Title: "Safety plan", Me: me, Notice: notice, Data: v})
}

// ---- the form ----

// planEditView is the form.
type planEditView struct {
	PersonID, PersonName string
	Version              int    // the version the form was opened on
	Newer                int    // after a conflict: the version someone else saved
	CaseID               string // kept as it was
	Sections             []editSection
	Contacts             []editContact
	CodeWord             string
	SafePlaces           string // one per line
	DocumentsReady       string
	Bad                  string // the id of the input at fault
	Limits               map[string]int
}

type editSection struct {
	Key, Title  string
	Items       []editItem
	Suggestions []editSuggestion
	Notes       string
}

type editItem struct {
	Row, Num            int // Num counts from 1, for people
	Text                string
	Done                bool
	Factor, FactorLabel string
	Blank               bool // a row to add an item
}

type editSuggestion struct {
	ID, Value, Text, FactorLabel string
}

type editContact struct {
	Row, Num                  int
	Name, Phone, Relationship string
}

// Blank rows the form offers for new entries.
const (
	blankItemRows    = 3
	blankContactRows = 2
)

// planEditForm lays out the form for plan (nil: a new plan) with the
// suggestions not already in it.
func planEditForm(personID, name string, plan *haven.SafetyPlan, suggestions []haven.PlanSection, version int) *planEditView {
	v := &planEditView{PersonID: personID, PersonName: name, Version: version,
		Limits: map[string]int{"item": safetyplan.MaxItemText, "notes": safetyplan.MaxNotes, "name": safetyplan.MaxContactName,
			"phone": safetyplan.MaxContactPhone, "relationship": safetyplan.MaxRelationship, "code": safetyplan.MaxCodeWord}}
	if plan == nil {
		plan = &haven.SafetyPlan{}
	}
	v.CaseID = plan.CaseID
	byKey := map[string]haven.PlanSection{}
	for _, s := range plan.Sections {
		byKey[s.Key] = s
	}
	sugByKey := map[string][]haven.PlanItem{}
	for _, s := range safetyplan.Without(suggestions, plan) {
		sugByKey[s.Key] = s.Items
	}
	for _, sec := range haven.SafetyPlanSections {
		s := byKey[sec.Key]
		es := editSection{Key: sec.Key, Title: sec.Title, Notes: s.Notes}
		for i, it := range s.Items {
			es.Items = append(es.Items, editItem{Row: i, Num: i + 1, Text: it.Text, Done: it.Done, Factor: it.Suggested, FactorLabel: factorWords(it.Suggested)})
		}
		for i := 0; i < blankItemRows && len(es.Items) < safetyplan.MaxItems; i++ {
			es.Items = append(es.Items, editItem{Row: len(es.Items), Num: len(es.Items) + 1, Blank: true})
		}
		for i, it := range sugByKey[sec.Key] {
			es.Suggestions = append(es.Suggestions, editSuggestion{ID: fmt.Sprintf("add-%s-%d", sec.Key, i), Value: it.Suggested + "|" + it.Text,
				Text: it.Text, FactorLabel: safetyplan.FactorLabel(it.Suggested)})
		}
		v.Sections = append(v.Sections, es)
	}
	for i, c := range plan.EmergencyContacts {
		v.Contacts = append(v.Contacts, editContact{Row: i, Num: i + 1, Name: c.Name, Phone: c.Phone, Relationship: c.Relationship})
	}
	for i := 0; i < blankContactRows && len(v.Contacts) < safetyplan.MaxContacts; i++ {
		v.Contacts = append(v.Contacts, editContact{Row: len(v.Contacts), Num: len(v.Contacts) + 1})
	}
	v.CodeWord = plan.CodeWord
	v.SafePlaces = strings.Join(plan.SafePlaces, "\n")
	v.DocumentsReady = strings.Join(plan.DocumentsReady, "\n")
	return v
}

// factorWords is a factor in words, "" for none.
func factorWords(f string) string {
	if f == "" {
		return ""
	}
	return safetyplan.FactorLabel(f)
}

func (s *Server) handlePlanEditPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	// Suggestions are for the agency that writes the plan, as the form is:
	// their refusal is the form's.
	sug, err := s.svc.Plans.SuggestPlanItems(ctx, id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	p, err := s.svc.Persons.Person(ctx, id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	var plan *haven.SafetyPlan
	version := 0
	switch got, err := s.svc.Plans.SafetyPlan(ctx, id, 0); {
	case err == nil:
		plan, version = got, got.Version
	case haven.ErrorCode(err) != haven.ENOTFOUND: // not found: no plan yet
		s.planError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "plan_edit", &page{Title: "Safety plan", Me: me, Data: planEditForm(p.ID, displayName(p), plan, sug, version)})
}

func (s *Server) handleSavePlanPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	_ = r.ParseForm()
	f, err := readPlanForm(id, r.PostForm)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	saved, err := s.svc.Plans.SaveSafetyPlan(ctx, f.Plan, f.Version)
	if err == nil {
		http.Redirect(w, r, planPath(saved.PersonID)+"?done=plan-saved", http.StatusSeeOther)
		return
	}
	if c := haven.ErrorCode(err); c != haven.EINVALID && c != haven.ECONFLICT {
		s.planError(w, r, err)
		return
	}
	// Show the form again with what was sent, the input at fault marked.
	p, perr := s.svc.Persons.Person(ctx, id)
	if perr != nil {
		s.planError(w, r, perr)
		return
	}
	sug, _ := s.svc.Plans.SuggestPlanItems(ctx, id)
	v := planEditForm(p.ID, displayName(p), f.Plan, sug, f.Version)
	v.Bad = planInputID(haven.ErrorField(err))
	if haven.ErrorCode(err) == haven.ECONFLICT {
		// Saving again replaces what they saved: say so, and show it.
		if vs, verr := s.svc.Plans.SafetyPlanVersions(ctx, id); verr == nil && len(vs) > 0 {
			v.Version, v.Newer = vs[0].Version, vs[0].Version
		}
	}
	msg := haven.ErrorMessage(err)
	s.render(w, r, ErrorStatus(err), "plan_edit", &page{Title: "Safety plan", Me: me, Data: v,
		Error: strings.ToUpper(msg[:1]) + msg[1:], Field: haven.ErrorField(err)})
}

// ---- printouts ----

// discreetTitles are the discreet printout's section headings: ordinary
// words that do not say what the list is for.
var discreetTitles = map[string]string{
	"during_incident":    "If things get difficult",
	"preparing_to_leave": "Getting ready to move",
	"after_leaving":      "After the move",
	"work_school":        "Work and school",
	"children":           "The kids",
	"technology":         "Phone and apps",
	"emotional_health":   "Looking after yourself",
	"protective_order":   "Court papers",
}

// printView is a printout. Everything it shows is in these fields; the
// discreet one fills them with neutral words and leaves out the person's
// name, the agency and the dates.
type printView struct {
	Discreet                     bool
	Title, Heading, Subheading   string
	Sections                     []printSection
	ContactsTitle, CodeWordTitle string
	PlacesTitle, DocumentsTitle  string
	Contacts                     []haven.PlanContact
	CodeWord                     string
	SafePlaces, DocumentsReady   []string
	BackHref                     string // screen only; none on the discreet one
	PrintHint                    string // screen only
	Empty                        bool   // nothing written yet
}

type printSection struct {
	Title string
	Items []printItem
	Notes string
}

type printItem struct{ Box, Text string }

// printPlan lays out plan for printing. Sections with nothing in them are
// left out.
func printPlan(plan *haven.SafetyPlan, discreet bool, name string, loc *time.Location) *printView {
	v := &printView{Discreet: discreet, Contacts: plan.EmergencyContacts, CodeWord: plan.CodeWord,
		SafePlaces: plan.SafePlaces, DocumentsReady: plan.DocumentsReady}
	if discreet {
		v.Title, v.Heading = "Notes", "Notes"
		v.ContactsTitle, v.CodeWordTitle, v.PlacesTitle, v.DocumentsTitle = "Phone numbers", "Our word", "Places I can go", "Things to keep handy"
		v.PrintHint = "Before printing, turn off headers and footers in the print settings, so that the page address is not printed."
	} else {
		v.Title, v.Heading = "Safety plan", "Safety plan"
		v.Subheading = fmt.Sprintf("%s · version %d, %s", name, plan.Version, plan.CreatedAt.In(loc).Format("2 Jan 2006"))
		v.ContactsTitle, v.CodeWordTitle, v.PlacesTitle, v.DocumentsTitle = "Emergency contacts", "Code word", "Safe places", "Documents to keep ready"
		v.BackHref = planPath(plan.PersonID)
		v.PrintHint = "Use your browser's Print command. Only the plan is printed."
	}
	for _, s := range plan.Sections {
		if len(s.Items) == 0 && s.Notes == "" {
			continue
		}
		ps := printSection{Title: s.Title, Notes: s.Notes}
		if discreet {
			ps.Title = discreetTitles[s.Key]
		}
		for _, it := range s.Items {
			box := "☐"
			if it.Done {
				box = "☑"
			}
			ps.Items = append(ps.Items, printItem{Box: box, Text: it.Text})
		}
		v.Sections = append(v.Sections, ps)
	}
	v.Empty = len(v.Sections) == 0 && len(v.Contacts) == 0 && v.CodeWord == "" && len(v.SafePlaces) == 0 && len(v.DocumentsReady) == 0
	return v
}

func (s *Server) handlePlanPrintPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	q := r.URL.Query()
	discreet := q.Get("discreet") != "" && q.Get("discreet") != "0"
	plan, err := s.svc.Plans.SafetyPlan(ctx, id, 0)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	name := ""
	if !discreet {
		p, err := s.svc.Persons.Person(ctx, id)
		if err != nil {
			s.planError(w, r, err)
			return
		}
		name = displayName(p)
	}
	s.renderStandalone(w, r, "plan_print", "plan-print", printPlan(plan, discreet, name, me.Agency.Location()))
}

// renderStandalone renders a page that is a whole document of its own
// (template def of file name), without the layout: no header, navigation,
// footer or "Haven" in the title. The printouts use it.
func (s *Server) renderStandalone(w http.ResponseWriter, r *http.Request, name, def string, data any) {
	t, ok := s.tmpl[name]
	if !ok {
		s.errorPage(w, r, haven.Internal(fmt.Errorf("no template %q", name)))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, def, data); err != nil {
		s.log.ErrorContext(r.Context(), "template failed", "request_id", requestID(r.Context()), "template", name, "err", err.Error())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "internal error; request id", requestID(r.Context()))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// handlePrintCSS serves the stylesheet (the print rules included) under a
// neutral name: the printouts link it, so that nothing in a discreet
// printout's source names Haven.
func (s *Server) handlePrintCSS(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/haven.css")
	if err != nil {
		s.errorPage(w, r, haven.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
