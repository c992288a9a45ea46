package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The consent pages: the person page's part (the grants, a revoke form
// and the "Record consent" form), one grant with its revoke form, the
// plain-language printout for the survivor, "Shared with us" and the
// consent view of a shared report. Handlers stay thin: the store
// validates, decides and audits.

// consentScopeLabels say in plain language what each scope shares: the
// words the survivor hears and reads on the printout.
var consentScopeLabels = map[string]string{
	haven.ScopeContact:    "How to reach you: phone numbers, e-mail, addresses (never a confidential address) and when it is safe to contact you",
	haven.ScopeIncident:   "Police reports of incidents you were part of, with your own statement (not other people's statements)",
	haven.ScopeRisk:       "Risk assessments made with you, and their results",
	haven.ScopeSafetyPlan: "Your safety plan",
	haven.ScopeCaseNotes:  "Notes from your advocacy case",
	haven.ScopeDocuments:  "Documents kept on your advocacy case",
}

// consentScopeShort are the scopes' short names for lists.
var consentScopeShort = map[string]string{
	haven.ScopeContact: "contact details", haven.ScopeIncident: "police reports", haven.ScopeRisk: "risk assessments",
	haven.ScopeSafetyPlan: "safety plan", haven.ScopeCaseNotes: "case notes", haven.ScopeDocuments: "case documents",
}

var consentMethodLabels = []choice{
	{Value: haven.ConsentWritten, Label: "In writing, signed"},
	{Value: haven.ConsentVerbal, Label: "Spoken, with a witness"},
	{Value: haven.ConsentElectronic, Label: "Electronically (e-signature or portal)"},
}

// choice is one checkbox or radio button of a form.
type choice struct {
	Value, Label string
	Checked      bool
}

// consentForm is the "Record consent" form, empty or as posted.
type consentForm struct {
	PersonID   string
	CSRF       string
	Recipients []choice
	Scopes     []choice
	Methods    []choice
	Purpose    string
	Witness    string
	ExpiresOn  string // YYYY-MM-DD, in the agency's time zone
	Field      string // the field at fault, as the store names it
	NoOthers   bool   // no other agency to share with
}

// newConsentForm lays the form out: every other agency to share with, the
// scopes, the methods, and the posted values (nil for an empty form, whose
// expiry is today plus the agency's default).
func (s *Server) newConsentForm(r *http.Request, me *haven.User, personID string, posted url.Values) *consentForm {
	f := &consentForm{PersonID: personID}
	if sess := sessionFrom(r.Context()); sess != nil {
		f.CSRF = sess.CSRFToken
	}
	days := me.Agency.ConsentDays
	if days < 1 || days > haven.MaxConsentDays {
		days = haven.DefaultConsentDays
	}
	f.ExpiresOn = time.Now().In(me.Agency.Location()).AddDate(0, 0, days).Format("2006-01-02")
	f.Methods = slices.Clone(consentMethodLabels)
	if posted != nil {
		f.Purpose, f.Witness, f.ExpiresOn = posted.Get("purpose"), posted.Get("witness"), posted.Get("expires_on")
	}
	agencies, err := s.svc.Agencies.FindAgencies(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
	}
	for _, a := range agencies {
		if a.ID != me.AgencyID {
			f.Recipients = append(f.Recipients, choice{Value: a.Slug, Label: a.Name + " (" + humanKind(a.Kind) + ")",
				Checked: slices.Contains(posted["recipient_agencies"], a.Slug)})
		}
	}
	f.NoOthers = len(f.Recipients) == 0
	for _, sc := range haven.ConsentScopes {
		f.Scopes = append(f.Scopes, choice{Value: sc, Label: consentScopeLabels[sc], Checked: slices.Contains(posted["scopes"], sc)})
	}
	for i := range f.Methods {
		f.Methods[i].Checked = posted.Get("method") == f.Methods[i].Value
	}
	return f
}

func humanKind(k haven.AgencyKind) string { return strings.ReplaceAll(string(k), "_", " ") }

// consentFormInput reads the posted form. The expiry date is the last day
// the consent holds: it ends at midnight after that day in the agency's
// time zone, or MaxConsentDays after now when that comes first on that
// very day (an agency default of the maximum, pre-filled).
func consentFormInput(form url.Values, loc *time.Location, now time.Time) (haven.ConsentInput, error) {
	in := haven.ConsentInput{PersonID: form.Get("person_id"), RecipientAgencies: form["recipient_agencies"], Scopes: form["scopes"],
		Purpose: form.Get("purpose"), Method: form.Get("method"), Witness: form.Get("witness")}
	exp, err := parseExpiryDate(strings.TrimSpace(form.Get("expires_on")), loc, now)
	if err != nil {
		return in, err
	}
	in.ExpiresAt = exp
	return in, nil
}

// parseExpiryDate reads a form's expiry date (YYYY-MM-DD); "" is no date,
// which the store refuses by name.
func parseExpiryDate(s string, loc *time.Location, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil || len(s) != 10 {
		return nil, haven.FieldErrorf(haven.EINVALID, "expires_at", "the expiry date must be a date such as 2026-06-01")
	}
	end := d.AddDate(0, 0, 1) // midnight after the last day
	max := now.Add(time.Duration(haven.MaxConsentDays) * 24 * time.Hour)
	if end.After(max) && !d.After(max.In(loc)) {
		end = max
	}
	return &end, nil
}

// consentLine is one grant as a list shows it.
type consentLine struct {
	*haven.Consent
	ScopesText     string // "contact details, police reports"
	RecipientsText string // "safe-harbor, county-shelter"
	Own            bool   // the caller's agency recorded it
	Open           bool   // active or pending: it can still be revoked
	Reports        bool   // it shares police reports
}

func scopesText(scopes []string) string {
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = consentScopeShort[sc]
	}
	return strings.Join(names, ", ")
}

func consentLines(cs []*haven.Consent, myAgency string) []consentLine {
	out := make([]consentLine, len(cs))
	for i, c := range cs {
		out[i] = consentLine{Consent: c, Own: c.AgencyID == myAgency, ScopesText: scopesText(c.Scopes),
			RecipientsText: strings.Join(c.RecipientAgencies, ", "), Open: c.Status == "active" || c.Status == "pending",
			Reports: slices.Contains(c.Scopes, haven.ScopeIncident)}
	}
	return out
}

// personConsentsView is the person page's part.
type personConsentsView struct {
	Own      bool
	PersonID string
	CSRF     string
	Notice   string
	Loc      *time.Location
	Consents []consentLine // the recording agency's list
	Form     *consentForm
	Shared   *consentLine // the grant a recipient sees the person under
}

var consentNotices = map[string]string{
	"consent-recorded": "Consent recorded. Give the survivor the printout.",
	"consent-revoked":  "Consent revoked: nothing more is shared under it from now on.",
}

// personConsents is the person page's part: for the agency that holds the
// record, the person's grants and the form; for another agency seeing the
// person under a grant, that grant. nil (no section) otherwise.
func (s *Server) personConsents(r *http.Request, p *haven.Person, me *haven.User) any {
	if p.Access == nil || me == nil {
		return nil
	}
	v := &personConsentsView{PersonID: p.ID, Loc: me.Agency.Location(), Notice: consentNotices[r.URL.Query().Get("done")]}
	if sess := sessionFrom(r.Context()); sess != nil {
		v.CSRF = sess.CSRFToken
	}
	switch p.Access.Basis {
	case "own_agency":
		cs, err := s.svc.Consents.PersonConsents(r.Context(), p.ID)
		if err != nil {
			s.logIfInternal(r, err)
			return nil
		}
		v.Own, v.Consents, v.Form = true, consentLines(cs, me.AgencyID), s.newConsentForm(r, me, p.ID, nil)
	case "consent":
		c, err := s.svc.Consents.Consent(r.Context(), p.Access.BasisID)
		if err != nil {
			s.logIfInternal(r, err)
			return nil
		}
		line := consentLines([]*haven.Consent{c}, me.AgencyID)[0]
		v.Shared = &line
	default:
		return nil
	}
	return v
}

// consentError answers a failed consent page: "not found" says no more
// than that.
func (s *Server) consentError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such record, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

// formError is a refusal the form can show beside its field.
func formError(err error) bool {
	c := haven.ErrorCode(err)
	return (c == haven.EINVALID || c == haven.ECONFLICT) && haven.ErrorField(err) != "person_id"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *Server) handleRecordConsentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	in, err := consentFormInput(r.PostForm, me.Agency.Location(), time.Now())
	var c *haven.Consent
	if err == nil {
		c, err = s.svc.Consents.RecordConsent(r.Context(), in)
	}
	if err != nil {
		if !formError(err) {
			s.consentError(w, r, err)
			return
		}
		f := s.newConsentForm(r, me, strings.TrimSpace(in.PersonID), r.PostForm)
		f.Field = haven.ErrorField(err)
		s.render(w, r, ErrorStatus(err), "consent_form", &page{Title: "Record consent", Me: me, Data: f,
			Error: capitalize(haven.ErrorMessage(err)), Field: f.Field})
		return
	}
	http.Redirect(w, r, "/persons/"+url.PathEscape(c.PersonID)+"?done=consent-recorded#consents", http.StatusSeeOther)
}

// consentView is one grant's page and its printout.
type consentView struct {
	C          consentLine
	Loc        *time.Location
	CSRF       string
	Agency     string   // the recording agency's name
	Recipients []string // the recipients' names
	Scopes     []string // what is shared, in plain language
	Method     string
	PersonName string // on the printout
	Incidents  []*haven.Incident
	Reason     string // a refused revocation's reason, to show again
	Printed    time.Time
}

// consentPage reads a grant and what its page shows.
func (s *Server) consentPage(r *http.Request, me *haven.User, id string) (*consentView, error) {
	c, err := s.svc.Consents.Consent(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &consentView{C: consentLines([]*haven.Consent{c}, me.AgencyID)[0], Loc: me.Agency.Location(), Printed: time.Now()}
	if sess := sessionFrom(r.Context()); sess != nil {
		v.CSRF = sess.CSRFToken
	}
	agencies, err := s.svc.Agencies.FindAgencies(r.Context())
	if err != nil {
		return nil, err
	}
	bySlug := map[string]*haven.Agency{}
	for _, a := range agencies {
		bySlug[a.Slug] = a
		if a.ID == c.AgencyID {
			v.Agency = a.Name
		}
	}
	for _, slug := range c.RecipientAgencies {
		name := slug
		if a := bySlug[slug]; a != nil {
			name = a.Name
		}
		v.Recipients = append(v.Recipients, name)
	}
	for _, sc := range c.Scopes {
		v.Scopes = append(v.Scopes, consentScopeLabels[sc])
	}
	for _, m := range consentMethodLabels {
		if m.Value == c.Method {
			v.Method = m.Label
		}
	}
	return v, nil
}

func (s *Server) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	v, err := s.consentPage(r, me, r.PathValue("id"))
	if err == nil && !v.C.Own && slices.Contains(v.C.Scopes, haven.ScopeIncident) {
		v.Incidents, err = s.consentIncidents(r.Context(), v.C.ID)
	}
	if err != nil {
		s.consentError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "consent_view", &page{Title: "Consent", Me: me, Data: v})
}

func (s *Server) handleConsentPrintPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	v, err := s.consentPage(r, me, r.PathValue("id"))
	if err == nil {
		var p *haven.Person
		if p, err = s.svc.Persons.Person(r.Context(), v.C.PersonID); err == nil {
			v.PersonName = displayName(p)
		}
	}
	if err != nil {
		s.consentError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "consent_print", &page{Title: "Your consent to share information", Me: me, Data: v})
}

func (s *Server) handleRevokeConsentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id, reason := r.PathValue("id"), r.PostFormValue("reason")
	c, err := s.svc.Consents.RevokeConsent(r.Context(), id, reason)
	if err == nil {
		to := "/persons/" + url.PathEscape(c.PersonID) + "?done=consent-revoked#consents"
		if c.AgencyID != me.AgencyID {
			to = "/shared?done=consent-revoked" // a recipient sees nothing of the record any more
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if !formError(err) {
		s.consentError(w, r, err)
		return
	}
	v, verr := s.consentPage(r, me, id)
	if verr != nil {
		s.consentError(w, r, verr)
		return
	}
	v.Reason = reason
	s.render(w, r, ErrorStatus(err), "consent_view", &page{Title: "Consent", Me: me, Data: v,
		Error: capitalize(haven.ErrorMessage(err)), Field: haven.ErrorField(err)})
}

// sharedView is the "Shared with us" page.
type sharedView struct {
	Loc    *time.Location
	Shared []sharedLine
}

type sharedLine struct {
	*haven.SharedPerson
	ScopesText string
}

func (s *Server) handleSharedPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	shared, err := s.svc.Consents.SharedWithMe(r.Context())
	if err != nil {
		s.consentError(w, r, err)
		return
	}
	v := &sharedView{Loc: me.Agency.Location()}
	for _, sp := range shared {
		v.Shared = append(v.Shared, sharedLine{SharedPerson: sp, ScopesText: scopesText(sp.Consent.Scopes)})
	}
	s.render(w, r, http.StatusOK, "consent_shared", &page{Title: "Shared with us", Me: me, Data: v,
		Notice: consentNotices[r.URL.Query().Get("done")]})
}

// sharedIncidentView is a report as another agency sees it under consent.
type sharedIncidentView struct {
	In  *haven.Incident
	Loc *time.Location
}

// handleSharedIncidentPage shows the consent view of a report (the
// report's own agency goes to the report's page).
func (s *Server) handleSharedIncidentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	in, err := s.svc.Incidents.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consentError(w, r, err)
		return
	}
	if in.AgencyID == me.AgencyID {
		http.Redirect(w, r, "/incidents/"+url.PathEscape(in.ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "consent_incident", &page{Title: "Shared report", Me: me, Data: &sharedIncidentView{In: in, Loc: me.Agency.Location()}})
}
