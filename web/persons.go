package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The person registry and break-glass handlers. Every decision about who
// may see or change what is the store's: a refused read and a missing
// record both come back as "not found", and these handlers answer both the
// same way, byte for byte, so that no page or API answer is an oracle for
// whether a record exists.

// ---------------------------------------------------------------- JSON API

// personRequest is the body of POST /api/v1/persons: the fields a client
// may set. Server-owned fields (id, agency_id, version, …) are unknown
// fields here, so sending them is a 400 rather than silently ignored.
type personRequest struct {
	GivenName   string             `json:"given_name"`
	FamilyName  string             `json:"family_name"`
	Aliases     []string           `json:"aliases"`
	DateOfBirth string             `json:"date_of_birth"`
	Sex         string             `json:"sex"`
	Gender      string             `json:"gender"`
	Languages   []string           `json:"languages"`
	Phones      []haven.Phone      `json:"phones"`
	Emails      []string           `json:"emails"`
	Addresses   []haven.Address    `json:"addresses"`
	SafeContact *haven.SafeContact `json:"safe_contact"`
}

func (q personRequest) person() *haven.Person {
	return &haven.Person{GivenName: q.GivenName, FamilyName: q.FamilyName, Aliases: q.Aliases, DateOfBirth: q.DateOfBirth,
		Sex: q.Sex, Gender: q.Gender, Languages: q.Languages, Phones: q.Phones, Emails: q.Emails, Addresses: q.Addresses,
		SafeContact: q.SafeContact}
}

// personCreated is the answer to POST /api/v1/persons: the created person,
// with its id, and the possible duplicates already in the agency.
type personCreated struct {
	*haven.Person
	PossibleDuplicates []haven.PersonMatch `json:"possible_duplicates"`
}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	var req personRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	p := req.person()
	dups, err := s.svc.Persons.CreatePerson(r.Context(), p)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	if dups == nil {
		dups = []haven.PersonMatch{}
	}
	w.Header().Set("Location", "/api/v1/persons/"+url.PathEscape(p.ID))
	writeJSON(w, http.StatusCreated, personCreated{Person: p, PossibleDuplicates: dups})
}

func (s *Server) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Persons.Person(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiUpdatePerson(w http.ResponseWriter, r *http.Request) {
	var patch haven.PersonPatch
	if err := decodeJSON(r, &patch); err != nil {
		s.apiErr(w, r, err)
		return
	}
	p, err := s.svc.Persons.UpdatePerson(r.Context(), r.PathValue("id"), patch)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// personQuery reads name, dob and limit from a query string.
func personQuery(v url.Values) (haven.PersonQuery, error) {
	q := haven.PersonQuery{Name: v.Get("name"), DateOfBirth: v.Get("dob")}
	if l := strings.TrimSpace(v.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return q, haven.FieldErrorf(haven.EINVALID, "limit", "limit must be a whole number from 1 to 100")
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Server) apiSearchPersons(w http.ResponseWriter, r *http.Request) {
	q, err := personQuery(r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	matches, err := s.svc.Persons.SearchPersons(r.Context(), q)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(matches))
}

type breakGlassRequest struct {
	RecordType string `json:"record_type"`
	RecordID   string `json:"record_id"`
	Reason     string `json:"reason"`
}

func (s *Server) apiOpenBreakGlass(w http.ResponseWriter, r *http.Request) {
	var req breakGlassRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	bg, err := s.svc.BreakGlass.OpenBreakGlass(r.Context(), req.RecordType, req.RecordID, req.Reason)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, bg)
}

func (s *Server) apiPendingBreakGlass(w http.ResponseWriter, r *http.Request) {
	pending, err := s.svc.BreakGlass.PendingBreakGlass(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(pending))
}

type reviewRequest struct {
	Note string `json:"note"`
}

func (s *Server) apiReviewBreakGlass(w http.ResponseWriter, r *http.Request) {
	var req reviewRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	if err := s.svc.BreakGlass.ReviewBreakGlass(r.Context(), r.PathValue("id"), req.Note); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---------------------------------------------------------------- pages

// personNotices are the fixed messages the person pages' redirects name.
var personNotices = map[string]string{
	"person-created":      "Person added.",
	"person-updated":      "Changes saved.",
	"breakglass-reviewed": "Review recorded; the emergency access is off your list.",
}

func personNotice(r *http.Request) string { return personNotices[r.URL.Query().Get("done")] }

// worksWithPeople says whether to offer a role the person pages' links and
// the emergency-access form. It is a display hint only: whether an action
// is allowed is decided by the store, which refuses the others anyway.
func worksWithPeople(r haven.Role) bool {
	switch r {
	case haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff:
		return true
	}
	return false
}

// personLine is one person in a list: search results, possible duplicates.
type personLine struct {
	ID, Name, DateOfBirth, Match string
}

func displayName(p *haven.Person) string {
	if n := strings.TrimSpace(p.GivenName + " " + p.FamilyName); n != "" {
		return n
	}
	return "(no name)"
}

func matchLabel(m string) string {
	switch m {
	case "exact":
		return "Exact"
	case "sounds_like":
		return "Sounds like"
	}
	return strings.ReplaceAll(m, "_", " ")
}

func personLines(ms []haven.PersonMatch) []personLine {
	out := make([]personLine, 0, len(ms))
	for _, m := range ms {
		if m.Person == nil {
			continue
		}
		out = append(out, personLine{ID: m.Person.ID, Name: displayName(m.Person), DateOfBirth: m.Person.DateOfBirth, Match: matchLabel(m.Match)})
	}
	return out
}

type searchForm struct{ Name, DOB string }

// handlePersonsPage is the search page. Searching is a GET, so a result
// can be reloaded and linked; the request log records the route pattern,
// never the query, and answers are not cached.
func (s *Server) handlePersonsPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	v := r.URL.Query()
	f := searchForm{Name: v.Get("name"), DOB: v.Get("dob")}
	p := &page{Title: "People", Me: me, Notice: personNotice(r)}
	data := map[string]any{"Form": f, "Searched": false, "Results": []personLine{}}
	p.Data = data
	status := http.StatusOK
	if v.Has("name") || v.Has("dob") {
		q, err := personQuery(v)
		var ms []haven.PersonMatch
		if err == nil {
			ms, err = s.svc.Persons.SearchPersons(r.Context(), q)
		}
		if err != nil {
			s.logIfInternal(r, err)
			field := haven.ErrorField(err)
			status, p.Error, p.Field = ErrorStatus(err), formMessage(haven.ErrorMessage(err), field, field), field
		} else {
			data["Searched"], data["Results"] = true, personLines(ms)
		}
	}
	s.render(w, r, status, "persons", p)
}

// maxFormRows bounds how many phone, e-mail and address rows a form post
// is read for; the store allows 20 of each and says so past that.
const maxFormRows = 25

// personForm is the create and edit form as the user filled it in, row for
// row, so that it can be shown again with the field at fault marked. The
// idx slices map a position in what was sent to the store (empty rows
// left out) back to the form row it came from.
type personForm struct {
	GivenName, FamilyName, Aliases, DateOfBirth, Sex, Gender, Languages string
	Phones                                                              []haven.Phone
	Emails                                                              []string
	Addresses                                                           []haven.Address
	Safe                                                                haven.SafeContact
	Version                                                             string

	phoneIdx, emailIdx, addrIdx []int
}

// sexes are the choices of the sex field, as the store accepts them.
var personSexes = []struct{ Value, Label string }{{"", "Not recorded"}, {"female", "Female"}, {"male", "Male"},
	{"intersex", "Intersex"}, {"unknown", "Unknown"}}

var phoneKinds = []string{"mobile", "home", "work", "other"}
var addressKinds = []string{"home", "work", "mailing", "other"}

func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// readPersonForm reads the posted form.
func readPersonForm(r *http.Request) *personForm {
	_ = r.ParseForm()
	pf := r.PostForm
	f := &personForm{
		GivenName: pf.Get("given_name"), FamilyName: pf.Get("family_name"), Aliases: pf.Get("aliases"),
		DateOfBirth: pf.Get("date_of_birth"), Sex: pf.Get("sex"), Gender: pf.Get("gender"), Languages: pf.Get("languages"),
		Version: pf.Get("version"),
		Safe: haven.SafeContact{SafePhone: pf.Get("safe_contact.safe_phone"), SafeTimes: pf.Get("safe_contact.safe_times"),
			NoVoicemail: pf.Get("safe_contact.no_voicemail") != "", NoLetters: pf.Get("safe_contact.no_letters") != "",
			Notes: pf.Get("safe_contact.notes")},
	}
	has := func(prefix string, names ...string) bool {
		for _, n := range names {
			if _, ok := pf[prefix+n]; ok {
				return true
			}
		}
		return false
	}
	for i := 0; i < maxFormRows; i++ {
		k := fmt.Sprintf("phones[%d].", i)
		if !has(k, "number", "kind", "note") {
			break
		}
		f.Phones = append(f.Phones, haven.Phone{Number: pf.Get(k + "number"), Kind: pf.Get(k + "kind"), Note: pf.Get(k + "note")})
	}
	for i := 0; i < maxFormRows; i++ {
		k := fmt.Sprintf("emails[%d]", i)
		if !has(k, "") {
			break
		}
		f.Emails = append(f.Emails, pf.Get(k))
	}
	for i := 0; i < maxFormRows; i++ {
		k := fmt.Sprintf("addresses[%d].", i)
		if !has(k, "line1", "line2", "city", "region", "postal_code", "country", "kind", "confidential") {
			break
		}
		f.Addresses = append(f.Addresses, haven.Address{Line1: pf.Get(k + "line1"), Line2: pf.Get(k + "line2"), City: pf.Get(k + "city"),
			Region: pf.Get(k + "region"), PostalCode: pf.Get(k + "postal_code"), Country: pf.Get(k + "country"),
			Kind: pf.Get(k + "kind"), Confidential: pf.Get(k+"confidential") != ""})
	}
	return f
}

func blank(ss ...string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// values turns the form into the values the store takes, leaving out rows
// the user left empty and remembering where each kept row came from.
func (f *personForm) values() (phones []haven.Phone, emails []string, addrs []haven.Address, safe *haven.SafeContact) {
	phones, emails, addrs = []haven.Phone{}, []string{}, []haven.Address{}
	f.phoneIdx, f.emailIdx, f.addrIdx = nil, nil, nil
	for i, ph := range f.Phones {
		if blank(ph.Number, ph.Note) {
			continue
		}
		phones = append(phones, ph)
		f.phoneIdx = append(f.phoneIdx, i)
	}
	for i, e := range f.Emails {
		if blank(e) {
			continue
		}
		emails = append(emails, e)
		f.emailIdx = append(f.emailIdx, i)
	}
	for i, a := range f.Addresses {
		if blank(a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country) {
			continue
		}
		addrs = append(addrs, a)
		f.addrIdx = append(f.addrIdx, i)
	}
	sc := f.Safe
	safe = &sc
	return phones, emails, addrs, safe
}

func (f *personForm) person() *haven.Person {
	phones, emails, addrs, safe := f.values()
	if *safe == (haven.SafeContact{}) {
		safe = nil
	}
	return &haven.Person{GivenName: f.GivenName, FamilyName: f.FamilyName, Aliases: splitList(f.Aliases),
		DateOfBirth: f.DateOfBirth, Sex: f.Sex, Gender: f.Gender, Languages: splitList(f.Languages),
		Phones: phones, Emails: emails, Addresses: addrs, SafeContact: safe}
}

// patch is the whole form as a change: the edit form shows every field, so
// it sends every field.
func (f *personForm) patch() (haven.PersonPatch, error) {
	phones, emails, addrs, safe := f.values()
	aliases, langs := splitList(f.Aliases), splitList(f.Languages)
	q := haven.PersonPatch{GivenName: &f.GivenName, FamilyName: &f.FamilyName, Aliases: &aliases, DateOfBirth: &f.DateOfBirth,
		Sex: &f.Sex, Gender: &f.Gender, Languages: &langs, Phones: &phones, Emails: &emails, Addresses: &addrs, SafeContact: safe}
	if v := strings.TrimSpace(f.Version); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return q, haven.FieldErrorf(haven.EINVALID, "version", "the form is damaged; reload the record and try again")
		}
		q.Version = &n
	}
	return q, nil
}

var rowFieldRE = regexp.MustCompile(`^(phones|emails|addresses|aliases|languages)\[(\d+)\](.*)$`)

// inputFor names the form input that holds the field the store complained
// about ("phones[0].number" in what was sent may be the form's second row).
func (f *personForm) inputFor(field string) string {
	m := rowFieldRE.FindStringSubmatch(field)
	if m == nil {
		switch field {
		case "phones":
			return "phones[0].number"
		case "emails":
			return "emails[0]"
		case "addresses":
			return "addresses[0].line1"
		}
		return field
	}
	i, _ := strconv.Atoi(m[2])
	var idx []int
	switch m[1] {
	case "aliases", "languages":
		return m[1] // one comma-separated input
	case "phones":
		idx = f.phoneIdx
	case "emails":
		idx = f.emailIdx
	case "addresses":
		idx = f.addrIdx
	}
	if i < len(idx) {
		i = idx[i]
	}
	return fmt.Sprintf("%s[%d]%s", m[1], i, m[3])
}

var inputLabels = map[string]string{
	"given_name": "Given name", "family_name": "Family name", "aliases": "Other names", "date_of_birth": "Date of birth",
	"sex": "Sex", "gender": "Gender", "languages": "Languages", "safe_contact.safe_phone": "Safe phone",
	"safe_contact.safe_times": "Safe times", "safe_contact.notes": "Notes on contact", "name": "Name", "dob": "Date of birth",
	"line1": "street", "line2": "street, second line", "city": "city", "region": "state or region", "postal_code": "postal code",
	"country": "country", "number": "", "note": "note",
}

var rowLabels = map[string]string{"phones": "Phone", "emails": "E-mail", "addresses": "Address"}

// inputLabel is how the form labels an input ("phones[1].number" is
// "Phone 2"); "" when it has no label of its own.
func inputLabel(input string) string {
	m := rowFieldRE.FindStringSubmatch(input)
	if m == nil {
		return inputLabels[input]
	}
	if m[1] == "aliases" || m[1] == "languages" {
		return inputLabels[m[1]]
	}
	i, _ := strconv.Atoi(m[2])
	row := fmt.Sprintf("%s %d", rowLabels[m[1]], i+1)
	if sub := inputLabels[strings.TrimPrefix(m[3], ".")]; sub != "" {
		return row + ": " + sub
	}
	return row
}

// formMessage words the store's message for the form: a message that
// starts with the field it names ("phones[0].number must have…", counted
// in what was sent) starts with the label the user sees instead
// ("Phone 2 must have…").
func formMessage(msg, field, input string) string {
	if field != "" {
		if label := inputLabel(input); label != "" && strings.HasPrefix(msg, field+" ") {
			msg = label + strings.TrimPrefix(msg, field)
		} else if row, _, ok := strings.Cut(field, "."); ok && strings.HasPrefix(msg, row+" ") {
			inRow, _, _ := strings.Cut(input, ".")
			if label := inputLabel(inRow); label != "" {
				msg = label + strings.TrimPrefix(msg, row)
			}
		}
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// failPage is the page state for a refused form: the message in the
// form's words and the input to mark.
func (f *personForm) failPage(me *haven.User, err error) *page {
	field := haven.ErrorField(err)
	input := f.inputFor(field)
	return &page{Me: me, Error: formMessage(haven.ErrorMessage(err), field, input), Field: input}
}

// withBlankRows adds empty rows so the form always offers at least two
// phones, one e-mail and one address, and one more of each than there are.
func (f *personForm) withBlankRows() *personForm {
	f.Phones = append(f.Phones, haven.Phone{Kind: "mobile"})
	if len(f.Phones) < 2 {
		f.Phones = append(f.Phones, haven.Phone{Kind: "mobile"})
	}
	f.Emails = append(f.Emails, "")
	f.Addresses = append(f.Addresses, haven.Address{Kind: "home"})
	return f
}

func formOf(p *haven.Person) *personForm {
	f := &personForm{GivenName: p.GivenName, FamilyName: p.FamilyName, Aliases: strings.Join(p.Aliases, ", "),
		DateOfBirth: p.DateOfBirth, Sex: p.Sex, Gender: p.Gender, Languages: strings.Join(p.Languages, ", "),
		Phones: append([]haven.Phone{}, p.Phones...), Emails: append([]string{}, p.Emails...),
		Addresses: append([]haven.Address{}, p.Addresses...), Version: strconv.Itoa(p.Version)}
	if p.SafeContact != nil {
		f.Safe = *p.SafeContact
	}
	return f
}

// formPage renders the create (id == "") or edit form.
func (s *Server) formPage(w http.ResponseWriter, r *http.Request, status int, p *page, id string, f *personForm) {
	title, action := "New person", "/persons"
	if id != "" {
		title, action = "Edit person", "/persons/"+id
	}
	p.Title = title
	p.Data = map[string]any{"Form": f, "Action": action, "ID": id, "Sexes": personSexes, "PhoneKinds": phoneKinds,
		"AddressKinds": addressKinds, "Phones": f.phoneRows(), "Emails": f.emailRows(), "Addresses": f.addressRows()}
	s.render(w, r, status, "persons_form", p)
}

// The form's rows as the template shows them: input names carry the row's
// position ("phones[1].number"), labels count from one.
type (
	phoneRow struct {
		Num                                                int
		Number, Kind, Note, NumberName, KindName, NoteName string
	}
	emailRow struct {
		Num         int
		Value, Name string
	}
	addressRow struct {
		Num                  int
		Fields               []addressField
		Kind, KindName       string
		Confidential         bool
		ConfidentialName, ID string
	}
	addressField struct{ Label, Name, Value, ID string }
)

func (f *personForm) phoneRows() []phoneRow {
	out := make([]phoneRow, len(f.Phones))
	for i, ph := range f.Phones {
		k := fmt.Sprintf("phones[%d].", i)
		out[i] = phoneRow{Num: i + 1, Number: ph.Number, Kind: ph.Kind, Note: ph.Note, NumberName: k + "number", KindName: k + "kind", NoteName: k + "note"}
	}
	return out
}

func (f *personForm) emailRows() []emailRow {
	out := make([]emailRow, len(f.Emails))
	for i, e := range f.Emails {
		out[i] = emailRow{Num: i + 1, Value: e, Name: fmt.Sprintf("emails[%d]", i)}
	}
	return out
}

func (f *personForm) addressRows() []addressRow {
	out := make([]addressRow, len(f.Addresses))
	for i, a := range f.Addresses {
		k := fmt.Sprintf("addresses[%d].", i)
		id := fmt.Sprintf("address-%d-", i)
		row := addressRow{Num: i + 1, Kind: a.Kind, KindName: k + "kind", Confidential: a.Confidential, ConfidentialName: k + "confidential", ID: id}
		for _, fl := range []struct{ label, name, value string }{{"Street", "line1", a.Line1}, {"Street, second line", "line2", a.Line2},
			{"City", "city", a.City}, {"State or region", "region", a.Region}, {"Postal code", "postal_code", a.PostalCode}, {"Country", "country", a.Country}} {
			row.Fields = append(row.Fields, addressField{Label: fl.label, Name: k + fl.name, Value: fl.value, ID: id + fl.name})
		}
		out[i] = row
	}
	return out
}

func (s *Server) handleNewPersonPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	s.formPage(w, r, http.StatusOK, &page{Me: me}, "", (&personForm{}).withBlankRows())
}

// handleCreatePersonPage stores the person and sends the browser to the
// new record (post, redirect, get: reloading cannot create a second one).
// The possible duplicates the store found travel in the query string as
// record ids only; the person page reads each through the store, so it
// shows only what the policy lets the user see, and the reads are audited.
func (s *Server) handleCreatePersonPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	f := readPersonForm(r)
	p := f.person()
	dups, err := s.svc.Persons.CreatePerson(r.Context(), p)
	if err != nil {
		s.logIfInternal(r, err)
		s.formPage(w, r, ErrorStatus(err), f.failPage(me, err), "", f)
		return
	}
	q := url.Values{"done": {"person-created"}}
	for i, d := range dups {
		if i == maxDuplicates {
			break
		}
		if d.Person != nil {
			q.Add("dup", d.Person.ID)
		}
	}
	http.Redirect(w, r, "/persons/"+url.PathEscape(p.ID)+"?"+q.Encode(), http.StatusSeeOther)
}

// maxDuplicates bounds the duplicates a person page reads from its query.
const maxDuplicates = 5

type personView struct {
	P           *haven.Person
	Name        string
	Loc         *time.Location
	AccessNote  string
	Emergency   bool
	Withheld    []string
	Own         bool
	HasSafe     bool
	Duplicates  []personLine
	DupsChecked bool
	Risk        *personRisk // nil when the caller's basis does not cover risk results

	// Advocacy: filled by each feature's hook below; nil when the caller
	// may not see that part.
	Consents  any // personConsents
	Cases     any // personCases
	Plan      any // personPlan
	Referrals any // personReferrals
}

// accessSentence says on what basis the user sees the record.
func accessSentence(a *haven.AccessNote, loc *time.Location) string {
	if a == nil {
		return ""
	}
	until := ""
	if a.ExpiresAt != nil {
		exp, layout := a.ExpiresAt.In(loc), "15:04 MST"
		if exp.Format("2006-01-02") != time.Now().In(loc).Format("2006-01-02") {
			layout = "2 Jan 15:04 MST"
		}
		until = " until " + exp.Format(layout)
	}
	switch a.Basis {
	case "own_agency", "system":
		return "This record belongs to your agency."
	case "break_glass":
		return "You are seeing this record under emergency access" + until + "; your supervisor will review it."
	}
	return "This record belongs to another agency. You see it on the basis of " + strings.ReplaceAll(a.Basis, "_", " ") + until + "."
}

func (s *Server) handlePersonPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	p, err := s.svc.Persons.Person(r.Context(), id)
	if err != nil {
		s.personError(w, r, me, id, err)
		return
	}
	loc := me.Agency.Location()
	v := personView{P: p, Loc: loc, AccessNote: accessSentence(p.Access, loc)}
	if p.Access != nil {
		v.Emergency = p.Access.Basis == "break_glass"
		v.Withheld = p.Access.Withheld
		v.Own = p.Access.Basis == "own_agency"
	}
	v.HasSafe = p.SafeContact != nil && *p.SafeContact != (haven.SafeContact{})
	q := r.URL.Query()
	if q.Get("done") == "person-created" {
		v.DupsChecked = true
		for i, dupID := range q["dup"] {
			if i == maxDuplicates {
				break
			}
			if dupID == id {
				continue
			}
			d, err := s.svc.Persons.Person(r.Context(), dupID)
			if err != nil {
				s.logIfInternal(r, err)
				continue // not visible (or gone): leave it out, saying nothing
			}
			v.Duplicates = append(v.Duplicates, personLine{ID: d.ID, Name: displayName(d), DateOfBirth: d.DateOfBirth})
		}
	}
	// The name is the heading, not the title: titles end up in browser
	// history, which on a shared device others may read.
	v.Name = displayName(p)
	v.Risk = s.personRiskView(r, id, loc)
	v.Consents = s.personConsents(r, p, me)
	v.Cases = s.personCases(r, p, me)
	v.Plan = s.personPlan(r, p, me)
	v.Referrals = s.personReferrals(r, p, me)
	s.render(w, r, http.StatusOK, "persons_view", &page{Title: "Person", Me: me, Notice: personNotice(r), Data: v})
}

// personError answers a failed read or change of one person. "Not found"
// (which is also the store's answer to a refusal) gets the one page that
// offers emergency access, identical whether or not the record exists.
func (s *Server) personError(w http.ResponseWriter, r *http.Request, me *haven.User, id string, err error) {
	if haven.ErrorCode(err) != haven.ENOTFOUND {
		s.errorPage(w, r, err)
		return
	}
	s.breakGlassPage(w, r, http.StatusNotFound, &page{Me: me}, id, "")
}

// breakGlassPage is the not-found page with the emergency-access form.
func (s *Server) breakGlassPage(w http.ResponseWriter, r *http.Request, status int, p *page, id, reason string) {
	p.Title = "Not found"
	p.Data = map[string]any{"ID": id, "Reason": reason, "Offer": worksWithPeople(haven.ActorFromContext(r.Context()).Role),
		"RequestID": requestID(r.Context())}
	s.render(w, r, status, "breakglass_open", p)
}

func (s *Server) handleBreakGlassPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id, reason := r.PathValue("id"), r.PostFormValue("reason")
	if _, err := s.svc.BreakGlass.OpenBreakGlass(r.Context(), "person", id, reason); err != nil {
		s.logIfInternal(r, err)
		s.breakGlassPage(w, r, ErrorStatus(err), &page{Me: me, Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}, id, reason)
		return
	}
	http.Redirect(w, r, "/persons/"+url.PathEscape(id), http.StatusSeeOther)
}

func (s *Server) handleEditPersonPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	p, err := s.svc.Persons.Person(r.Context(), id)
	if err != nil {
		s.personError(w, r, me, id, err)
		return
	}
	pg := &page{Me: me}
	if p.Access != nil && len(p.Access.Withheld) > 0 {
		pg.Error = "Some of this record is withheld from you; only its own agency can change it."
	}
	s.formPage(w, r, http.StatusOK, pg, id, formOf(p).withBlankRows())
}

func (s *Server) handleUpdatePersonPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	f := readPersonForm(r)
	patch, err := f.patch()
	if err == nil {
		_, err = s.svc.Persons.UpdatePerson(r.Context(), id, patch)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/persons/"+url.PathEscape(id)+"?done=person-updated", http.StatusSeeOther)
	case haven.ErrorCode(err) == haven.ENOTFOUND:
		s.personError(w, r, me, id, err)
	default:
		s.logIfInternal(r, err)
		pg := f.failPage(me, err)
		if haven.ErrorCode(err) == haven.ECONFLICT {
			pg.Field = "" // the version: the user reloads the record
		}
		s.formPage(w, r, ErrorStatus(err), pg, id, f)
	}
}

// breakGlassLine is one pending opening on the review page.
type breakGlassLine struct {
	*haven.BreakGlass
	Expired bool
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	pending, err := s.svc.BreakGlass.PendingBreakGlass(r.Context())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	now := time.Now()
	lines := make([]breakGlassLine, 0, len(pending))
	for _, b := range pending {
		lines = append(lines, breakGlassLine{BreakGlass: b, Expired: now.After(b.ExpiresAt)})
	}
	p.Title, p.Me = "Emergency access to review", me
	p.Data = map[string]any{"Pending": lines, "Loc": me.Agency.Location()}
	s.render(w, r, status, "breakglass_review", p)
}

func (s *Server) handleReviewListPage(w http.ResponseWriter, r *http.Request) {
	s.reviewPage(w, r, http.StatusOK, &page{Notice: personNotice(r)})
}

func (s *Server) handleReviewPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	if err := s.svc.BreakGlass.ReviewBreakGlass(r.Context(), r.PathValue("id"), r.PostFormValue("note")); err != nil {
		s.logIfInternal(r, err)
		if haven.ErrorCode(err) == haven.ENOTFOUND || haven.ErrorCode(err) == haven.EINTERNAL {
			s.errorPage(w, r, err)
			return
		}
		pg := &page{Error: haven.ErrorMessage(err)}
		if haven.ErrorField(err) == "note" {
			pg.Field = "note-" + r.PathValue("id") // the one row's note
		}
		s.reviewPage(w, r, ErrorStatus(err), pg)
		return
	}
	http.Redirect(w, r, "/review/break-glass?done=breakglass-reviewed", http.StatusSeeOther)
}
