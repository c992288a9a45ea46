package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The incident pages, made for a phone at the scene: the list, the details
// form, the report with its parties, protocol checklist, injuries,
// statements and arrests, the workflow buttons, and the supervisor's review
// list. Adding a party, an injury, a statement or an arrest is an update of
// the report: load it, change it, save it with the version the form was
// drawn from, so two people editing one report cannot overwrite each other.

func init() {
	for k, v := range map[string]string{
		"incident-created":   "Report started. Add the people involved and work through the protocol.",
		"incident-updated":   "Changes saved.",
		"party-added":        "Added to the report.",
		"party-removed":      "Removed from the report.",
		"injury-added":       "Injury recorded.",
		"statement-added":    "Statement added.",
		"arrest-added":       "Arrest recorded.",
		"step-done":          "Step recorded.",
		"step-skipped":       "Step skipped; the reason is recorded.",
		"incident-submitted": "Report submitted for review.",
		"incident-approved":  "Report approved.",
		"incident-returned":  "Report returned to the officer with your comment.",
		"incident-closed":    "Report closed.",
		"supplement-added":   "Supplement added to the report.",
	} {
		personNotices[k] = v
	}
}

// reviewsReports says whether to offer a role the review buttons and the
// review list: a display hint, the store decides.
func reviewsReports(r haven.Role) bool {
	return r == haven.RoleSupervisor || r == haven.RoleAgencyAdmin
}

// editable says whether a report takes changes rather than supplements.
func editable(st haven.IncidentStatus) bool {
	return st == haven.StatusDraft || st == haven.StatusReturned
}

// incidentError answers a failed read or change of a report for a browser.
func (s *Server) incidentError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such report, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

// ---------------------------------------------------------------- list

type incidentLine struct {
	ID, Number, When string
	Status           haven.IncidentStatus
	Domestic         bool
}

func (s *Server) handleIncidentsPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	const pageSize = 25
	loc := me.Agency.Location()
	v := r.URL.Query()
	status := v.Get("status")
	f := haven.IncidentFilter{Limit: pageSize + 1}
	p := &page{Title: "Incident reports", Me: me, Notice: personNotice(r)}
	httpStatus := http.StatusOK
	if status != "" {
		if validStatus(status) {
			f.Status = haven.IncidentStatus(status)
		} else {
			status = ""
		}
	}
	offset, _ := strconv.Atoi(v.Get("offset"))
	if offset < 0 || offset > 1_000_000 {
		offset = 0
	}
	f.Offset = offset
	var lines []incidentLine
	more := false
	ins, err := s.svc.Incidents.FindIncidents(r.Context(), f)
	if err != nil {
		s.logIfInternal(r, err)
		httpStatus, p.Error = ErrorStatus(err), haven.ErrorMessage(err)
	}
	for i, in := range ins {
		if i == pageSize {
			more = true
			break
		}
		when := in.ReportedAt
		if in.OccurredAt != nil {
			when = *in.OccurredAt
		}
		lines = append(lines, incidentLine{ID: in.ID, Number: in.Number, Status: in.Status, Domestic: in.Domestic,
			When: when.In(loc).Format("2 Jan 2006 15:04")})
	}
	link := func(off int) string {
		q := url.Values{}
		if status != "" {
			q.Set("status", status)
		}
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		}
		if len(q) == 0 {
			return "/incidents"
		}
		return "/incidents?" + q.Encode()
	}
	data := map[string]any{"Lines": lines, "Status": status, "Statuses": statusOptions, "Review": reviewsReports(me.Role),
		"Links":  me.Role == haven.RoleOfficer || me.Role == haven.RoleSupervisor,
		"Export": me.Role == haven.RoleSupervisor || me.Role == haven.RoleAnalyst || me.Role == haven.RoleAgencyAdmin}
	if offset > 0 {
		data["Prev"] = link(max(0, offset-pageSize))
	}
	if more {
		data["Next"] = link(offset + pageSize)
	}
	exportQuery := ""
	if status != "" {
		exportQuery = "?status=" + url.QueryEscape(status)
	}
	data["CSV"], data["GeoJSON"] = "/api/v1/incidents/export.csv"+exportQuery, "/api/v1/incidents/export.geojson"+exportQuery
	p.Data = data
	s.render(w, r, httpStatus, "incidents", p)
}

// ---------------------------------------------------------------- details form

func (s *Server) incidentFormPage(w http.ResponseWriter, r *http.Request, status int, p *page, id string, f *incidentForm) {
	title, action := "New incident report", "/incidents"
	if id != "" {
		title, action = "Edit report details", "/incidents/"+id
	}
	p.Title = title
	locTypes := locationTypeOptions
	if f.LocationType != "" && !offered(locTypes, f.LocationType) {
		locTypes = append(slices.Clone(locTypes), codeOption{f.LocationType, f.LocationType})
	}
	p.Data = map[string]any{"Form": f, "Action": action, "ID": id, "Offenses": offenseOptions, "Weapons": weaponOptions,
		"Signs": strangulationSigns, "Substances": substanceOptions, "LocationTypes": locTypes}
	s.render(w, r, status, "incident_form", p)
}

// failForm is the page state for a refused details form.
func failForm(me *haven.User, err error) *page {
	field := haven.ErrorField(err)
	input := incidentInput(field)
	pg := &page{Me: me, Error: incidentMessage(haven.ErrorMessage(err), field, input), Field: input}
	if haven.ErrorCode(err) == haven.ECONFLICT {
		pg.Field = ""
	}
	return pg
}

func (s *Server) handleNewIncidentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	now := time.Now().In(me.Agency.Location())
	f := &incidentForm{OccurredDate: now.Format("2006-01-02"), OccurredTime: now.Format("15:04"), Domestic: true}
	s.incidentFormPage(w, r, http.StatusOK, &page{Me: me}, "", f)
}

// handleCreateIncidentPage stores a new report and sends the browser to it
// (post, redirect, get: reloading cannot create a second one).
func (s *Server) handleCreateIncidentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	f := readIncidentForm(r.PostForm)
	in := &haven.Incident{ReportedAt: time.Now()}
	err := f.apply(in, me.Agency.Location())
	if err == nil {
		err = s.svc.Incidents.CreateIncident(r.Context(), in)
	}
	if err != nil {
		s.logIfInternal(r, err)
		s.incidentFormPage(w, r, ErrorStatus(err), failForm(me, err), "", f)
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(in.ID)+"?done=incident-created", http.StatusSeeOther)
}

func (s *Server) handleEditIncidentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	in, err := s.svc.Incidents.Incident(r.Context(), id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	pg := &page{Me: me}
	if !editable(in.Status) {
		pg.Error = "This report is " + string(in.Status) + ": it is no longer edited. Add a supplement instead."
	}
	s.incidentFormPage(w, r, http.StatusOK, pg, id, formOfIncident(in, me.Agency.Location()))
}

func (s *Server) handleUpdateIncidentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	_ = r.ParseForm()
	f := readIncidentForm(r.PostForm)
	in, err := s.svc.Incidents.Incident(r.Context(), id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	version, err := formVersion(f.Version, in.Version)
	if err == nil {
		err = f.apply(in, me.Agency.Location())
	}
	if err == nil {
		_, err = s.svc.Incidents.UpdateIncident(r.Context(), id, in, version)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?done=incident-updated", http.StatusSeeOther)
	case haven.ErrorCode(err) == haven.ENOTFOUND:
		s.incidentError(w, r, err)
	default:
		s.logIfInternal(r, err)
		s.incidentFormPage(w, r, ErrorStatus(err), failForm(me, err), id, f)
	}
}

// ---------------------------------------------------------------- the report

type partyView struct {
	haven.Party
	Index        int
	Name         string
	SuspectName  string
	Relationship string
}

type stepView struct {
	haven.ProtocolStep
	Num       int
	Next      bool
	Lethality bool
	Rights    bool
	Hotline   bool
	By        string
}

type statementView struct {
	haven.Statement
	Who string
}

type arrestView struct {
	haven.Arrest
	Who string
}

type injuryView struct {
	haven.Injury
	Who string
}

type historyLine struct {
	haven.IncidentChange
	Who string
}

type supplementView struct {
	haven.Supplement
	Who string
}

type priorLine struct {
	ID, Number, When, Roles string
	Status                  haven.IncidentStatus
	Offenses                []string
	Strangulation, Firearms bool
	Weapons                 []string
}

type priorGroup struct {
	ID, Title string
	Lines     []priorLine
}

type incidentView struct {
	In                   *haven.Incident
	Loc                  *time.Location
	Editable, Submitted  bool
	CanReview, CanClose  bool
	Parties              []partyView
	Suspects             []partyView
	People               []codeOption // persons on the report, for the forms' selects
	Steps                []stepView
	StepsDone, StepsLeft int
	Statements           []statementView
	Arrests              []arrestView
	Injuries             []injuryView
	Supplements          []supplementView
	History              []historyLine
	Prior                []priorGroup
	PriorAsked           bool
	Find                 string
	Found                []personLine
	Searched             bool
	Now                  string
	Failed               string
	Posted               url.Values

	Roles, Relationships, InjuryTypes, Kinds, HowTaken []codeOption

	// Risk: the victims to screen, the assessments recorded against the
	// report, the screened-in one still waiting for its hotline call, and
	// the hotline to call.
	Victims      []partyView
	Assessments  []*haven.Assessment
	AwaitHotline *haven.Assessment
	Hotline      haven.Hotline
}

// Value returns the value the failed form sent for key, to refill it.
func (v *incidentView) Value(form, key string) string {
	if v.Failed != form || v.Posted == nil {
		return ""
	}
	return v.Posted.Get(key)
}

// userNames maps user ids to names, as far as the caller may list users;
// the caller is always "you".
func (s *Server) userNames(r *http.Request, me *haven.User) func(id string) string {
	names := map[string]string{}
	if reviewsReports(me.Role) || me.Role == haven.RoleSystemAdmin {
		if users, err := s.svc.Users.FindUsers(r.Context(), haven.UserFilter{}); err == nil {
			for _, u := range users {
				n := u.DisplayName
				if n == "" {
					n = u.Username
				}
				names[u.ID] = n
			}
		}
	}
	return func(id string) string {
		switch {
		case id == "":
			return ""
		case id == me.ID:
			return "you"
		case names[id] != "":
			return names[id]
		case strings.Contains(id, ":") || !strings.ContainsAny(id, "-"):
			return id // a system actor such as "cli" or "import"
		}
		return "a colleague"
	}
}

// incidentPage renders the report. failed names the form that was refused
// (its values come back from posted); status is the answer's status.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, status int, p *page, id, failed string, posted url.Values) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	in, err := s.svc.Incidents.Incident(ctx, id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	steps, err := s.svc.Incidents.Protocol(ctx, id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	loc := me.Agency.Location()
	who := s.userNames(r, me)
	v := &incidentView{In: in, Loc: loc, Editable: editable(in.Status), Submitted: !editable(in.Status),
		CanReview: in.Status == haven.StatusSubmitted && reviewsReports(me.Role),
		CanClose:  in.Status == haven.StatusApproved && reviewsReports(me.Role),
		Now:       time.Now().In(loc).Format("2006-01-02T15:04"), Failed: failed, Posted: posted,
		Roles: partyRoleOptions, Relationships: relationshipOptions, InjuryTypes: injuryOptions, Kinds: statementKinds, HowTaken: howTakenOptions}

	names := map[string]string{}
	for _, pt := range in.Parties {
		if pt.Name != "" {
			names[pt.PersonID] = pt.Name
		}
	}
	personName := func(id string) string {
		if id == "" {
			return ""
		}
		if n := names[id]; n != "" {
			return n
		}
		return "(not shown to you)"
	}
	for i, pt := range in.Parties {
		pv := partyView{Party: pt, Index: i, Name: personName(pt.PersonID), SuspectName: personName(pt.SuspectPersonID)}
		if pt.RelationshipToSuspect != "" {
			pv.Relationship = codeLabel(relationshipOptions, pt.RelationshipToSuspect)
		}
		v.Parties = append(v.Parties, pv)
		if pt.Role == haven.PartySuspect {
			v.Suspects = append(v.Suspects, pv)
		}
		if pt.Role == haven.PartyVictim {
			v.Victims = append(v.Victims, pv)
		}
		if !slices.ContainsFunc(v.People, func(o codeOption) bool { return o.Value == pt.PersonID }) {
			v.People = append(v.People, codeOption{pt.PersonID, pv.Name + " (" + codeLabel(partyRoleOptions, string(pt.Role)) + ")"})
		}
	}
	next := ""
	for i, st := range steps {
		sv := stepView{ProtocolStep: st, Num: i + 1, Lethality: st.Key == "lethality_screen", Rights: st.Key == "rights_explained",
			Hotline: st.Key == "hotline_call", By: who(st.CompletedBy)}
		if st.Done || st.Skipped {
			v.StepsDone++
		} else if next == "" && v.Editable {
			next, sv.Next = st.Key, true
		}
		v.Steps = append(v.Steps, sv)
	}
	v.StepsLeft = len(steps) - v.StepsDone
	if err := s.incidentRisk(r, id, v); err != nil {
		s.incidentError(w, r, err)
		return
	}
	for _, st := range in.Statements {
		v.Statements = append(v.Statements, statementView{Statement: st, Who: personName(st.PersonID)})
	}
	for _, a := range in.Arrests {
		v.Arrests = append(v.Arrests, arrestView{Arrest: a, Who: personName(a.PersonID)})
	}
	for _, j := range in.Injuries {
		v.Injuries = append(v.Injuries, injuryView{Injury: j, Who: personName(j.PersonID)})
	}
	if v.Submitted {
		sups, err := s.svc.Incidents.Supplements(ctx, id)
		if err != nil {
			s.incidentError(w, r, err)
			return
		}
		for _, sp := range sups {
			v.Supplements = append(v.Supplements, supplementView{Supplement: sp, Who: who(sp.By)})
		}
	}
	changes, err := s.svc.Incidents.IncidentHistory(ctx, id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	for _, c := range changes {
		v.History = append(v.History, historyLine{IncidentChange: c, Who: who(c.By)})
	}

	q := r.URL.Query()
	if party := q.Get("party"); party != "" && slices.ContainsFunc(in.Parties, func(p haven.Party) bool { return p.PersonID == party }) {
		v.PriorAsked = true
		v.Prior = s.priorGroups(r, in, party, personName, loc)
	}
	if v.Editable {
		find := q.Get("find")
		if failed == "pick" && posted != nil {
			find = posted.Get("find") // show the results again with the refused pick
		}
		if find = strings.TrimSpace(find); find != "" && len(find) <= 200 {
			v.Find, v.Searched = find, true
			ms, err := s.svc.Persons.SearchPersons(ctx, haven.PersonQuery{Name: find, Limit: 10})
			if err != nil {
				s.logIfInternal(r, err)
				if p.Error == "" {
					status, p.Error, p.Field = ErrorStatus(err), haven.ErrorMessage(err), "find"
				}
			}
			v.Found = personLines(ms)
		}
	}
	p.Title, p.Me, p.Data = "Incident report", me, v
	if p.Notice == "" {
		p.Notice = personNotice(r)
	}
	s.render(w, r, status, "incident_view", p)
}

// priorGroups is "history at the moment of entry" for a party just added:
// the person's earlier incidents and, for each victim–suspect pair the
// person is part of on this report, the pair's. The store shows only what
// the caller may see.
func (s *Server) priorGroups(r *http.Request, in *haven.Incident, personID string, name func(string) string, loc *time.Location) []priorGroup {
	type pair struct{ a, b string }
	var pairs []pair
	for _, pt := range in.Parties {
		if pt.Role != haven.PartyVictim {
			continue
		}
		for _, sp := range in.Parties {
			if sp.Role != haven.PartySuspect || (pt.SuspectPersonID != "" && pt.SuspectPersonID != sp.PersonID) {
				continue
			}
			if (pt.PersonID == personID || sp.PersonID == personID) && pt.PersonID != sp.PersonID &&
				!slices.Contains(pairs, pair{pt.PersonID, sp.PersonID}) && len(pairs) < 3 {
				pairs = append(pairs, pair{pt.PersonID, sp.PersonID})
			}
		}
	}
	lines := func(ins []*haven.Incident, ids ...string) []priorLine {
		out := []priorLine{}
		for _, p := range ins {
			if p.ID == in.ID {
				continue
			}
			pr := priorOf(p, ids...)
			when := p.ReportedAt
			if p.OccurredAt != nil {
				when = *p.OccurredAt
			}
			out = append(out, priorLine{ID: p.ID, Number: p.Number, Status: p.Status, When: when.In(loc).Format("2 Jan 2006"),
				Roles: strings.Join(pr.Roles, ", "), Offenses: pr.Offenses, Strangulation: pr.Strangulation, Firearms: pr.Firearms,
				Weapons: pr.Weapons})
		}
		return out
	}
	var groups []priorGroup
	add := func(gid, title string, a, b string) {
		ins, err := s.svc.Incidents.PriorIncidents(r.Context(), a, b)
		if err != nil {
			s.logIfInternal(r, err)
			return // not visible: say nothing about it
		}
		groups = append(groups, priorGroup{ID: gid, Title: title, Lines: lines(ins, a, b)})
	}
	add("prior-person", "Earlier incidents involving "+name(personID), personID, "")
	for i, pr := range pairs {
		add("prior-pair-"+strconv.Itoa(i), "Earlier incidents involving both "+name(pr.a)+" and "+name(pr.b), pr.a, pr.b)
	}
	return groups
}

func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request) {
	s.incidentPage(w, r, http.StatusOK, &page{}, r.PathValue("id"), "", nil)
}

// failSection re-renders the report with a refused section form, its
// values kept and the input at fault marked.
func (s *Server) failSection(w http.ResponseWriter, r *http.Request, id, form string, err error, input func(field string) string) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		s.incidentError(w, r, err)
		return
	}
	s.logIfInternal(r, err)
	field := haven.ErrorField(err)
	pg := &page{Error: haven.ErrorMessage(err)}
	if field != "" && input != nil && haven.ErrorCode(err) != haven.ECONFLICT {
		pg.Field = input(field)
	}
	if pg.Error != "" {
		pg.Error = strings.ToUpper(pg.Error[:1]) + pg.Error[1:]
	}
	s.incidentPage(w, r, ErrorStatus(err), pg, id, form, r.PostForm)
}

// changeIncident is the shape of every section form: load the report,
// let change modify it, save it with the form's version, and go back to
// the report at the section.
func (s *Server) changeIncident(w http.ResponseWriter, r *http.Request, form, done, anchor string, input func(string) string,
	change func(in *haven.Incident, loc *time.Location) (query string, err error)) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	_ = r.ParseForm()
	in, err := s.svc.Incidents.Incident(r.Context(), id)
	if err != nil {
		s.incidentError(w, r, err)
		return
	}
	version, err := formVersion(r.PostForm.Get("version"), in.Version)
	extra := ""
	if err == nil {
		extra, err = change(in, me.Agency.Location())
	}
	if err == nil {
		_, err = s.svc.Incidents.UpdateIncident(r.Context(), id, in, version)
	}
	if err != nil {
		s.failSection(w, r, id, form, err, input)
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?done="+done+extra+"#"+anchor, http.StatusSeeOther)
}

// sectionInput maps a store field ("parties[2].role") to the section
// form's input ids (prefix + "role").
func sectionInput(prefix string, known ...string) func(string) string {
	return func(field string) string {
		i := strings.LastIndex(field, ".")
		sub := field[i+1:]
		if slices.Contains(known, sub) {
			return prefix + sub
		}
		return prefix + known[0]
	}
}

func (s *Server) handleAddPartyPage(w http.ResponseWriter, r *http.Request) {
	// Two forms add a party: "pick" (a person found by the search) and
	// "new" (a person added on the spot); each has its own input ids.
	_ = r.ParseForm()
	form := "pick"
	if r.PostForm.Get("via") == "new" {
		form = "new"
	}
	input := func(field string) string {
		sub := field[strings.LastIndex(field, ".")+1:]
		switch sub {
		case "person_id", "role", "relationship_to_suspect", "suspect_person_id", "given_name", "family_name", "date_of_birth":
		default:
			sub = "role"
		}
		if form == "pick" && !strings.HasPrefix(field, "new.") {
			return "pick-" + sub
		}
		return "new-" + sub
	}
	s.changeIncident(w, r, form, "party-added", "history", input,
		func(in *haven.Incident, _ *time.Location) (string, error) {
			pf := r.PostForm
			role := pf.Get("role")
			if !offered(partyRoleOptions, role) {
				return "", haven.FieldErrorf(haven.EINVALID, "role", "Choose whether the person is a victim, a suspect, a witness or a child present.")
			}
			personID := strings.TrimSpace(pf.Get("person_id"))
			if form == "new" {
				if blank(pf.Get("given_name"), pf.Get("family_name")) {
					return "", haven.FieldErrorf(haven.EINVALID, "new.given_name", "Give the person's name, or as much of it as you know.")
				}
				p := &haven.Person{GivenName: strings.TrimSpace(pf.Get("given_name")), FamilyName: strings.TrimSpace(pf.Get("family_name")),
					DateOfBirth: strings.TrimSpace(pf.Get("date_of_birth"))}
				if _, err := s.svc.Persons.CreatePerson(r.Context(), p); err != nil {
					if f := haven.ErrorField(err); f != "" {
						return "", haven.FieldErrorf(haven.ErrorCode(err), "new."+f, "%s", haven.ErrorMessage(err))
					}
					return "", err
				}
				personID = p.ID
			}
			if personID == "" {
				return "", haven.FieldErrorf(haven.EINVALID, "person_id", "Pick a person from the search results, or add someone new.")
			}
			// The store relates a victim to the suspect when there is one
			// (also when the suspect is added later) and asks which when
			// there are several.
			pt := haven.Party{PersonID: personID, Role: haven.PartyRole(role)}
			if pt.Role == haven.PartyVictim {
				pt.RelationshipToSuspect, pt.SuspectPersonID = pf.Get("relationship_to_suspect"), pf.Get("suspect_person_id")
			}
			in.Parties = append(in.Parties, pt)
			return "&party=" + url.QueryEscape(personID), nil
		})
}

func (s *Server) handleRemovePartyPage(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, "remove", "party-removed", "parties", nil, func(in *haven.Incident, _ *time.Location) (string, error) {
		i, err := strconv.Atoi(r.PostForm.Get("index"))
		if err != nil || i < 0 || i >= len(in.Parties) || in.Parties[i].PersonID != r.PostForm.Get("person_id") {
			return "", haven.Errorf(haven.ECONFLICT, "The report has changed since you loaded it; reload it and try again.")
		}
		in.Parties = slices.Delete(in.Parties, i, i+1)
		return "", nil
	})
}

func (s *Server) handleAddInjuryPage(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, "injury", "injury-added", "injuries", sectionInput("injury-", "type", "person_id", "body_location"),
		func(in *haven.Incident, _ *time.Location) (string, error) {
			pf := r.PostForm
			in.Injuries = append(in.Injuries, haven.Injury{PersonID: pf.Get("person_id"), Type: pf.Get("type"),
				BodyLocation: strings.TrimSpace(pf.Get("body_location")), TreatmentOffered: pf.Get("treatment_offered") != "",
				TreatmentAccepted: pf.Get("treatment_accepted") != ""})
			return "", nil
		})
}

func (s *Server) handleAddStatementPage(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, "statement", "statement-added", "statements", sectionInput("statement-", "text", "kind", "person_id", "taken_at", "how_taken"),
		func(in *haven.Incident, loc *time.Location) (string, error) {
			pf := r.PostForm
			at, ok := parseDateTimeLocal(pf.Get("taken_at"), loc)
			if !ok {
				return "", haven.FieldErrorf(haven.EINVALID, "taken_at", "When it was taken must be a date and a time.")
			}
			in.Statements = append(in.Statements, haven.Statement{Kind: pf.Get("kind"), PersonID: pf.Get("person_id"), TakenAt: at,
				HowTaken: pf.Get("how_taken"), Text: pf.Get("text")})
			return "", nil
		})
}

func (s *Server) handleAddArrestPage(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, "arrest", "arrest-added", "arrests", sectionInput("arrest-", "person_id", "at", "charges"),
		func(in *haven.Incident, loc *time.Location) (string, error) {
			pf := r.PostForm
			at, ok := parseDateTimeLocal(pf.Get("at"), loc)
			if !ok {
				return "", haven.FieldErrorf(haven.EINVALID, "at", "When the arrest was made must be a date and a time.")
			}
			in.Arrests = append(in.Arrests, haven.Arrest{PersonID: pf.Get("person_id"), At: at, Charges: splitLines(pf.Get("charges"))})
			return "", nil
		})
}

func (s *Server) handleProtocolStepPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	id, key := r.PathValue("id"), r.PathValue("step")
	skip := r.PostFormValue("action") == "skip"
	err := s.svc.Incidents.CompleteStep(r.Context(), id, key, skip, r.PostFormValue("reason"), r.PostFormValue("note"))
	if err != nil {
		s.failSection(w, r, id, "step-"+key, err, func(field string) string {
			if field == "reason" {
				return "reason-" + key
			}
			return "note-" + key
		})
		return
	}
	done := "step-done"
	if skip {
		done = "step-skipped"
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?done="+done+"#protocol", http.StatusSeeOther)
}

// workflow is the shape of the workflow buttons: call, then back to the
// report with a notice.
func (s *Server) workflow(w http.ResponseWriter, r *http.Request, form string, call func(id string) (done string, err error)) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	id := r.PathValue("id")
	done, err := call(id)
	if err != nil {
		s.failSection(w, r, id, form, err, func(string) string { return form + "-comment" })
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

func (s *Server) handleSubmitIncidentPage(w http.ResponseWriter, r *http.Request) {
	s.workflow(w, r, "submit", func(id string) (string, error) {
		return "incident-submitted", s.svc.Incidents.SubmitIncident(r.Context(), id)
	})
}

func (s *Server) handleReviewIncidentPage(w http.ResponseWriter, r *http.Request) {
	s.workflow(w, r, "review", func(id string) (string, error) {
		var approve bool
		switch r.PostFormValue("decision") {
		case "approve":
			approve = true
		case "return":
		default:
			return "", haven.FieldErrorf(haven.EINVALID, "decision", "Choose to approve the report or to return it.")
		}
		if err := s.svc.Incidents.ReviewIncident(r.Context(), id, approve, r.PostFormValue("comment")); err != nil {
			return "", err
		}
		if approve {
			return "incident-approved", nil
		}
		return "incident-returned", nil
	})
}

func (s *Server) handleCloseIncidentPage(w http.ResponseWriter, r *http.Request) {
	s.workflow(w, r, "close", func(id string) (string, error) {
		return "incident-closed", s.svc.Incidents.CloseIncident(r.Context(), id)
	})
}

func (s *Server) handleAddSupplementPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	id := r.PathValue("id")
	if _, err := s.svc.Incidents.AddSupplement(r.Context(), id, r.PostFormValue("text")); err != nil {
		s.failSection(w, r, id, "supplement", err, func(string) string { return "supplement-text" })
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?done=supplement-added#supplements", http.StatusSeeOther)
}

// ---------------------------------------------------------------- review

type reviewLine struct {
	ID, Number, Officer, Submitted string
	Done, Skipped, Missing         int
}

type complianceLine struct {
	Officer                         string
	Reports, Done, Skipped, Missing int
	Percent                         int
}

// Bounds of the review page's work: it reads each listed report's
// protocol one by one (see handleIncidentReviewPage).
const (
	reviewListMax     = 50
	complianceDays    = 30
	complianceReports = 200
)

// handleIncidentReviewPage is the supervisor's list of submitted reports
// with each one's protocol completion, and protocol completion per
// officer over the last complianceDays days, bounded by reviewListMax and
// complianceReports; the protocols are counted in one read.
func (s *Server) handleIncidentReviewPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	// The page's purpose, not a security boundary: an officer may list the
	// agency's reports anyway (the store decides that), but reviewing and
	// comparing officers is a supervisor's work.
	if !reviewsReports(me.Role) {
		s.errorPage(w, r, haven.Errorf(haven.EFORBIDDEN, "Reviewing reports is for supervisors."))
		return
	}
	ctx := r.Context()
	loc := me.Agency.Location()
	who := s.userNames(r, me)
	pending, err := s.svc.Incidents.FindIncidents(ctx, haven.IncidentFilter{Status: haven.StatusSubmitted, Limit: reviewListMax})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	recent, err := s.svc.Incidents.FindIncidents(ctx, haven.IncidentFilter{From: time.Now().AddDate(0, 0, -complianceDays), Limit: complianceReports})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	// Every report's protocol counted in one read, not one read each.
	ids := make([]string, 0, len(pending)+len(recent))
	for _, in := range append(slices.Clone(pending), recent...) {
		ids = append(ids, in.ID)
	}
	counts, err := s.svc.Incidents.ProtocolCounts(ctx, ids)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}

	var lines []reviewLine
	for _, in := range pending {
		l := reviewLine{ID: in.ID, Number: in.Number, Officer: who(in.CreatedBy)}
		if in.SubmittedAt != nil {
			l.Submitted = in.SubmittedAt.In(loc).Format("2 Jan 15:04")
		}
		c := counts[in.ID]
		l.Done, l.Skipped, l.Missing = c.Done, c.Skipped, c.Missing
		lines = append(lines, l)
	}
	byOfficer := map[string]*complianceLine{}
	var order []string
	counted := 0
	for _, in := range recent {
		if in.Status == haven.StatusDraft || in.Source != "" {
			continue // still being written, or imported without a protocol
		}
		pc := counts[in.ID]
		c := byOfficer[in.CreatedBy]
		if c == nil {
			c = &complianceLine{Officer: who(in.CreatedBy)}
			byOfficer[in.CreatedBy] = c
			order = append(order, in.CreatedBy)
		}
		c.Reports++
		c.Done, c.Skipped, c.Missing = c.Done+pc.Done, c.Skipped+pc.Skipped, c.Missing+pc.Missing
		counted++
	}
	var compliance []complianceLine
	for _, id := range order {
		c := byOfficer[id]
		if total := c.Done + c.Skipped + c.Missing; total > 0 {
			c.Percent = (c.Done + c.Skipped) * 100 / total
		}
		compliance = append(compliance, *c)
	}
	slices.SortFunc(compliance, func(a, b complianceLine) int { return strings.Compare(a.Officer, b.Officer) })
	s.render(w, r, http.StatusOK, "incident_review", &page{Title: "Reports to review", Me: me, Notice: personNotice(r),
		Data: map[string]any{"Pending": lines, "Compliance": compliance, "Days": complianceDays, "Counted": counted,
			"Capped": len(recent) == complianceReports}})
}
