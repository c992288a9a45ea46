package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// missingID looks like a real person id but names no record.
const missingID = "01900000-0000-7000-8000-000000000000"

// addUser adds a user with an API token to the env.
func (e *env) addUser(a *haven.Agency, name string, role haven.Role) *haven.User {
	e.t.Helper()
	u := storetest.MustUser(e.t, e.db, a, name, role)
	tok, _, err := e.db.CreateToken(storetest.System(), u.ID, "test", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[name], e.tokens[name] = u, tok
	return u
}

// agency returns the env's agency of that slug.
func (e *env) agency(slug string) *haven.Agency {
	e.t.Helper()
	a, err := e.db.AgencyBySlug(storetest.System(), slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// safeHarbor adds the advocacy agency of the scenario, with an
// advocate and a supervisor.
func (e *env) safeHarbor() *haven.Agency {
	e.t.Helper()
	a := storetest.MustAgency(e.t, e.db, "safe-harbor", haven.KindAdvocacy)
	e.addUser(a, "advocate", haven.RoleAdvocate)
	e.addUser(a, "sh-supervisor", haven.RoleSupervisor)
	return a
}

// must sends a request and fails unless it answers status; it returns the body.
func (e *env) must(status int, method, path, user, body string) string {
	e.t.Helper()
	resp, b := e.do(method, path, user, body)
	if resp.StatusCode != status {
		e.t.Fatalf("%s %s as %s = %d, want %d: %s", method, path, user, resp.StatusCode, status, b)
	}
	return b
}

type createdPerson struct {
	haven.Person
	PossibleDuplicates []haven.PersonMatch `json:"possible_duplicates"`
}

func (e *env) createPerson(user, body string) createdPerson {
	e.t.Helper()
	var p createdPerson
	if err := json.Unmarshal([]byte(e.must(201, "POST", "/api/v1/persons", user, body)), &p); err != nil {
		e.t.Fatal(err)
	}
	if p.ID == "" {
		e.t.Fatal("created person has no id")
	}
	return p
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, body)
	}
	return v
}

func errorField(t *testing.T, body string) (code, field string) {
	t.Helper()
	var eb struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return eb.Error.Code, eb.Error.Field
}

const fullPerson = `{"given_name":"Maria","family_name":"Lopez","aliases":["Mari"],"date_of_birth":"1985-03-14",
	"sex":"female","gender":"woman","languages":["es","en"],
	"phones":[{"number":"+1 555 0100","kind":"mobile","note":"hers"}],
	"emails":["maria@example.org"],
	"addresses":[{"line1":"12 Elm St","city":"Springfield","kind":"home","confidential":false},
	             {"line1":"Secret Shelter Rd 9","city":"Springfield","kind":"other","confidential":true}],
	"safe_contact":{"safe_phone":"+1 555 0199","safe_times":"weekdays 9-11","no_voicemail":true,"no_letters":true,"notes":"ask for Ana"}}`

func TestPersonAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		resp, body := e.do("POST", "/api/v1/persons", "officer", fullPerson)
		if resp.StatusCode != 201 {
			t.Fatalf("create = %d: %s", resp.StatusCode, body)
		}
		p := decode[createdPerson](t, body)
		if p.ID == "" || p.GivenName != "Maria" || p.Version != 1 || len(p.Addresses) != 2 || p.SafeContact == nil || !p.SafeContact.NoVoicemail {
			t.Fatalf("created person: %s", body)
		}
		if loc := resp.Header.Get("Location"); loc != "/api/v1/persons/"+p.ID {
			t.Errorf("Location = %q", loc)
		}
		if !strings.Contains(body, `"possible_duplicates":[]`) {
			t.Errorf("possible_duplicates missing or not empty: %s", body)
		}

		got := decode[haven.Person](t, e.must(200, "GET", "/api/v1/persons/"+p.ID, "officer", ""))
		if got.FamilyName != "Lopez" || got.DateOfBirth != "1985-03-14" || got.Access == nil || got.Access.Basis != "own_agency" {
			t.Fatalf("get: %+v", got)
		}
		if len(got.Addresses) != 2 {
			t.Errorf("own agency sees %d addresses, want 2 (confidential included)", len(got.Addresses))
		}
		// The supervisor of the agency sees it too.
		e.must(200, "GET", "/api/v1/persons/"+p.ID, "supervisor", "")

		upd := decode[haven.Person](t, e.must(200, "PATCH", "/api/v1/persons/"+p.ID, "officer", `{"gender":"female","version":1}`))
		if upd.Version != 2 || upd.Gender != "female" || upd.GivenName != "Maria" {
			t.Fatalf("patch: %+v", upd)
		}
		// A change without a version is applied to the current one.
		if upd := decode[haven.Person](t, e.must(200, "PATCH", "/api/v1/persons/"+p.ID, "supervisor", `{"aliases":["Mari","M. L."]}`)); upd.Version != 3 || len(upd.Aliases) != 2 {
			t.Fatalf("patch without version: %+v", upd)
		}
		body = e.must(409, "PATCH", "/api/v1/persons/"+p.ID, "officer", `{"gender":"x","version":1}`)
		if code, field := errorField(t, body); code != "conflict" || field != "version" {
			t.Errorf("stale version: %s", body)
		}

		// Duplicates: the same name and date of birth again.
		dup := e.createPerson("officer", `{"given_name":"maría","family_name":"LÓPEZ","date_of_birth":"1985-03-14"}`)
		if len(dup.PossibleDuplicates) == 0 || dup.PossibleDuplicates[0].Person.ID != p.ID {
			t.Errorf("possible duplicates = %+v, want %s", dup.PossibleDuplicates, p.ID)
		}

		for _, c := range []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"no name", "POST", "/api/v1/persons", `{"date_of_birth":"1990-01-01"}`, 422, "given_name"},
			{"bad date", "POST", "/api/v1/persons", `{"given_name":"A","date_of_birth":"14/03/1985"}`, 422, "date_of_birth"},
			{"future date", "POST", "/api/v1/persons", `{"given_name":"A","date_of_birth":"2999-01-01"}`, 422, "date_of_birth"},
			{"bad sex", "POST", "/api/v1/persons", `{"given_name":"A","sex":"x"}`, 422, "sex"},
			{"bad phone", "POST", "/api/v1/persons", `{"given_name":"A","phones":[{"number":"call me"}]}`, 422, "phones[0].number"},
			{"second phone", "POST", "/api/v1/persons", `{"given_name":"A","phones":[{"number":"555 0100"},{"number":"x"}]}`, 422, "phones[1].number"},
			{"bad email", "POST", "/api/v1/persons", `{"given_name":"A","emails":["nope"]}`, 422, "emails[0]"},
			{"empty address", "POST", "/api/v1/persons", `{"given_name":"A","addresses":[{"kind":"home"}]}`, 422, "addresses[0].line1"},
			{"malformed JSON", "POST", "/api/v1/persons", `{"given_name":`, 400, ""},
			{"server-owned field", "POST", "/api/v1/persons", `{"given_name":"A","id":"mine"}`, 400, "id"},
			{"wrong type", "POST", "/api/v1/persons", `{"aliases":"Mari"}`, 400, "aliases"},
			{"patch bad date", "PATCH", "/api/v1/persons/" + p.ID, `{"date_of_birth":"1985-02-30"}`, 422, "date_of_birth"},
			{"patch unknown field", "PATCH", "/api/v1/persons/" + p.ID, `{"agency_id":"x"}`, 400, "agency_id"},
			{"patch malformed", "PATCH", "/api/v1/persons/" + p.ID, `[`, 400, ""},
			{"get missing", "GET", "/api/v1/persons/" + missingID, "", 404, ""},
			{"patch missing", "PATCH", "/api/v1/persons/" + missingID, `{"gender":"x"}`, 404, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := e.must(c.status, c.method, c.path, "officer", c.body)
				if _, field := errorField(t, body); field != c.field {
					t.Errorf("field = %q, want %q: %s", field, c.field, body)
				}
			})
		}
		// A refused change changed nothing.
		if got := decode[haven.Person](t, e.must(200, "GET", "/api/v1/persons/"+p.ID, "officer", "")); got.Version != 3 || got.DateOfBirth != "1985-03-14" {
			t.Errorf("after refused changes: version %d, dob %s", got.Version, got.DateOfBirth)
		}
	})
}

func TestPersonSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		jose := e.createPerson("officer", `{"given_name":"José","family_name":"García","date_of_birth":"1980-05-17"}`)
		john := e.createPerson("officer", `{"given_name":"John","family_name":"Smith","date_of_birth":"1975-01-01"}`)
		jane := e.createPerson("supervisor", `{"given_name":"Jane","family_name":"Smith","date_of_birth":"1990-02-02"}`)
		// The same person in another agency: never in metro-pd's results.
		other := e.createPerson("shelter", `{"given_name":"José","family_name":"García","date_of_birth":"1980-05-17"}`)
		otherSmith := e.createPerson("shelter", `{"given_name":"John","family_name":"Smith","date_of_birth":"1975-01-01"}`)
		agencyOf := map[string]string{"officer": e.agency("metro-pd").ID, "shelter": e.agency("harbor-house").ID}
		theirs := map[string][]string{"officer": {other.ID, otherSmith.ID}, "shelter": {jose.ID, john.ID, jane.ID}}

		search := func(user, query string) []haven.PersonMatch {
			t.Helper()
			res := decode[struct{ Items []haven.PersonMatch }](t, e.must(200, "GET", "/api/v1/persons?"+query, user, ""))
			for _, m := range res.Items {
				if slices.Contains(theirs[user], m.Person.ID) || m.Person.AgencyID != agencyOf[user] {
					t.Errorf("search %q as %s shows another agency's person %s", query, user, m.Person.ID)
				}
			}
			return res.Items
		}
		ids := func(ms []haven.PersonMatch) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.Person.ID)
			}
			return out
		}
		matchOf := func(ms []haven.PersonMatch, id string) string {
			for _, m := range ms {
				if m.Person.ID == id {
					return m.Match
				}
			}
			return ""
		}

		for _, q := range []string{"name=" + url.QueryEscape("JOSÉ garcia"), "name=jose+GARCIA", "name=" + url.QueryEscape("garcía")} {
			got := search("officer", q)
			if matchOf(got, jose.ID) != "exact" {
				t.Errorf("%s: José García not found as exact: %v", q, got)
			}
		}
		got := search("officer", "name=Smyth")
		if matchOf(got, john.ID) != "sounds_like" || matchOf(got, jane.ID) != "sounds_like" {
			t.Errorf("Smyth should sound like both Smiths: %+v", got)
		}
		if got := ids(search("officer", "name=Smyth&dob=1975-01-01")); !slices.Equal(got, []string{john.ID}) {
			t.Errorf("Smyth born 1975-01-01 = %v, want only John", got)
		}
		if got := ids(search("officer", "dob=1980-05-17")); !slices.Equal(got, []string{jose.ID}) {
			t.Errorf("dob only = %v, want José", got)
		}
		if got := search("officer", "name=Nobody+Atall"); len(got) != 0 {
			t.Errorf("unknown name found %v", got)
		}
		if got := search("officer", "name=smith&limit=1"); len(got) != 1 {
			t.Errorf("limit=1 gave %d", len(got))
		}
		// The other agency finds only its own.
		if got := ids(search("shelter", "name=jose+garcia")); !slices.Equal(got, []string{other.ID}) {
			t.Errorf("shelter's search = %v, want only its own %s", got, other.ID)
		}
		for q, field := range map[string]string{"": "name", "name=": "name", "dob=17.05.1980": "dob", "name=x&limit=abc": "limit", "name=x&limit=0": "limit"} {
			body := e.must(422, "GET", "/api/v1/persons?"+q, "officer", "")
			if _, f := errorField(t, body); f != field {
				t.Errorf("search %q: field %q, want %q", q, f, field)
			}
		}
	})
}

// TestCrossAgencyBreakGlass is the "done means": a safe-harbor
// advocate asking for a metro-pd person gets the very 404 of a missing
// record, and the attempt is audited; with break-glass and a reason they
// see it (confidential address withheld), and their supervisor reviews it.
func TestCrossAgencyBreakGlass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.safeHarbor()
		p := e.createPerson("officer", fullPerson)
		path := "/api/v1/persons/" + p.ID

		denied, deniedBody := e.do("GET", path, "advocate", "")
		missing, missingBody := e.do("GET", "/api/v1/persons/"+missingID, "advocate", "")
		if denied.StatusCode != 404 || missing.StatusCode != 404 {
			t.Fatalf("denied = %d, missing = %d; want 404 both", denied.StatusCode, missing.StatusCode)
		}
		if deniedBody != missingBody {
			t.Errorf("a denied and a missing record answer differently:\n%s\n%s", deniedBody, missingBody)
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
			if denied.Header.Get(h) != missing.Header.Get(h) {
				t.Errorf("header %s differs: %q vs %q", h, denied.Header.Get(h), missing.Header.Get(h))
			}
		}
		// A change is refused the same way, and changes nothing.
		_, b1 := e.do("PATCH", path, "advocate", `{"gender":"x"}`)
		_, b2 := e.do("PATCH", "/api/v1/persons/"+missingID, "advocate", `{"gender":"x"}`)
		if b1 != b2 || !strings.Contains(b1, `"not_found"`) {
			t.Errorf("PATCH denied/missing: %s / %s", b1, b2)
		}
		// Search never reaches another agency.
		if res := e.must(200, "GET", "/api/v1/persons?name=Maria+Lopez", "advocate", ""); strings.Contains(res, p.ID) {
			t.Errorf("advocate's search found metro-pd's person: %s", res)
		}

		// The refused read is in the audit log.
		entries, err := db.FindAudit(storetest.System(), audit.Filter{RecordID: p.ID, Action: "person.read"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(en audit.Entry) bool {
			return en.Outcome == audit.Denied && en.ActorUserID == e.users["advocate"].ID
		}) {
			t.Errorf("the refused read is not in the audit log: %+v", entries)
		}

		// Break-glass: a reason is required.
		body := e.must(422, "POST", "/api/v1/break-glass", "advocate", `{"record_type":"person","record_id":"`+p.ID+`","reason":"need it"}`)
		if _, f := errorField(t, body); f != "reason" {
			t.Errorf("short reason: %s", body)
		}
		e.must(400, "POST", "/api/v1/break-glass", "advocate", `{"record_type":"person","record_id":"`+p.ID+`","why":"x"}`)
		e.must(422, "POST", "/api/v1/break-glass", "advocate", `{"record_type":"incident","record_id":"`+p.ID+`","reason":"caller reports ongoing assault at the address"}`)
		bg := decode[haven.BreakGlass](t, e.must(201, "POST", "/api/v1/break-glass", "advocate",
			`{"record_type":"person","record_id":"`+p.ID+`","reason":"caller reports ongoing assault, need safe contact"}`))
		if bg.ID == "" || bg.RecordID != p.ID || bg.Username != "advocate" || !bg.ExpiresAt.After(bg.OpenedAt) {
			t.Fatalf("break-glass: %+v", bg)
		}

		seen := e.must(200, "GET", path, "advocate", "")
		sp := decode[haven.Person](t, seen)
		if sp.Access == nil || sp.Access.Basis != "break_glass" || sp.Access.BasisID != bg.ID || sp.Access.ExpiresAt == nil {
			t.Fatalf("access note under break-glass: %+v", sp.Access)
		}
		if !slices.Contains(sp.Access.Withheld, "confidential addresses") {
			t.Errorf("withheld = %v", sp.Access.Withheld)
		}
		if len(sp.Addresses) != 1 || sp.Addresses[0].Line1 != "12 Elm St" || strings.Contains(seen, "Secret Shelter") {
			t.Errorf("the confidential address reached another agency: %s", seen)
		}
		// Break-glass opens a record for reading, not for changing.
		e.must(404, "PATCH", path, "advocate", `{"gender":"x"}`)
		entries, _ = db.FindAudit(storetest.System(), audit.Filter{RecordID: p.ID, Action: "person.read"})
		if !slices.ContainsFunc(entries, func(en audit.Entry) bool {
			return en.Outcome == audit.Allowed && en.ActorUserID == e.users["advocate"].ID && en.Basis == "break_glass:"+bg.ID
		}) {
			t.Errorf("the emergency read is not in the audit log with its basis: %+v", entries)
		}

		// Review: the advocate's own agency's supervisor, nobody else.
		pending := func(user string) []haven.BreakGlass {
			return decode[struct{ Items []haven.BreakGlass }](t, e.must(200, "GET", "/api/v1/break-glass/pending", user, "")).Items
		}
		has := func(list []haven.BreakGlass) bool {
			return slices.ContainsFunc(list, func(b haven.BreakGlass) bool { return b.ID == bg.ID })
		}
		if !has(pending("sh-supervisor")) {
			t.Fatal("the opening is not on safe-harbor's review list")
		}
		if has(pending("supervisor")) {
			t.Error("metro-pd's supervisor sees safe-harbor's review list")
		}
		e.must(403, "GET", "/api/v1/break-glass/pending", "advocate", "")
		e.must(404, "POST", "/api/v1/break-glass/"+bg.ID+"/review", "advocate", `{"note":"fine"}`)
		e.must(404, "POST", "/api/v1/break-glass/"+bg.ID+"/review", "supervisor", `{"note":"fine"}`)
		e.must(404, "POST", "/api/v1/break-glass/"+missingID+"/review", "sh-supervisor", "")
		e.must(400, "POST", "/api/v1/break-glass/"+bg.ID+"/review", "sh-supervisor", `{"notes":"typo"}`)
		resp, body := e.do("POST", "/api/v1/break-glass/"+bg.ID+"/review", "sh-supervisor", `{"note":"confirmed with the advocate"}`)
		if resp.StatusCode != 204 || body != "" {
			t.Fatalf("review = %d: %q", resp.StatusCode, body)
		}
		e.must(409, "POST", "/api/v1/break-glass/"+bg.ID+"/review", "sh-supervisor", "")
		if has(pending("sh-supervisor")) {
			t.Error("a reviewed opening is still pending")
		}
	})
}

// TestPersonRoutesRefuseOtherRoles: roles that do not work with people's
// records never get a 2xx from a person route, whatever the store's exact
// answer (403, or 404 where existence must not leak).
func TestPersonRoutesRefuseOtherRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pd := e.agency("metro-pd")
		e.addUser(pd, "analyst", haven.RoleAnalyst)
		e.addUser(pd, "trainer", haven.RoleTrainer)
		p := e.createPerson("officer", fullPerson)
		bg := decode[haven.BreakGlass](t, e.must(201, "POST", "/api/v1/break-glass", "officer",
			`{"record_type":"person","record_id":"`+p.ID+`","reason":"testing the refusals of other roles"}`))
		for _, user := range []string{"analyst", "trainer", "pdadmin", "admin"} {
			for _, rq := range []struct{ method, path, body string }{
				{"POST", "/api/v1/persons", `{"given_name":"A"}`},
				{"GET", "/api/v1/persons/" + p.ID, ""},
				{"PATCH", "/api/v1/persons/" + p.ID, `{"gender":"x"}`},
				{"GET", "/api/v1/persons?name=Maria", ""},
				{"POST", "/api/v1/break-glass", `{"record_type":"person","record_id":"` + p.ID + `","reason":"i would like to see this record"}`},
			} {
				resp, body := e.do(rq.method, rq.path, user, rq.body)
				if resp.StatusCode != 403 && resp.StatusCode != 404 {
					t.Errorf("%s %s as %s = %d, want 403 or 404: %s", rq.method, rq.path, user, resp.StatusCode, body)
				}
				if strings.Contains(body, "Maria") || strings.Contains(body, "Elm St") {
					t.Errorf("%s %s as %s leaks the person: %s", rq.method, rq.path, user, body)
				}
			}
		}
		// Only supervisors and agency administrators of the agency review.
		for _, user := range []string{"analyst", "trainer", "officer", "admin", "shelter"} {
			if resp, _ := e.do("GET", "/api/v1/break-glass/pending", user, ""); resp.StatusCode != 403 {
				t.Errorf("pending as %s = %d, want 403", user, resp.StatusCode)
			}
			if resp, _ := e.do("POST", "/api/v1/break-glass/"+bg.ID+"/review", user, ""); resp.StatusCode/100 == 2 {
				t.Errorf("review as %s = %d", user, resp.StatusCode)
			}
		}
		e.must(200, "GET", "/api/v1/break-glass/pending", "pdadmin", "")
		// Anonymous: 401 everywhere.
		for _, path := range []string{"/api/v1/persons/" + p.ID, "/api/v1/persons?name=Maria", "/api/v1/break-glass/pending"} {
			e.must(401, "GET", path, "", "")
		}
	})
}

var (
	invalidRE = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*aria-invalid="true"`)
	}
	requestIDRE   = regexp.MustCompile(`Request id <code>[^<]*</code>`)
	reviewFormRE  = regexp.MustCompile(`action="/review/break-glass/([^"]+)"`)
	personHrefRE  = regexp.MustCompile(`href="/persons/([0-9a-f-]{36})"`)
	personPathRE  = regexp.MustCompile(`^/persons/([0-9a-f-]{36})$`)
	anyInvalidRE  = regexp.MustCompile(`aria-invalid="true"`)
	emergencyText = "You are seeing this record under emergency access until"
)

// personForm is a filled-in create form: two phone rows, one e-mail and
// one address row, as the page offers them.
func personForm(csrf string, set map[string]string) url.Values {
	f := url.Values{"csrf_token": {csrf}}
	for _, k := range []string{"given_name", "family_name", "aliases", "date_of_birth", "sex", "gender", "languages",
		"phones[0].number", "phones[0].kind", "phones[0].note", "phones[1].number", "phones[1].kind", "phones[1].note", "emails[0]",
		"addresses[0].line1", "addresses[0].line2", "addresses[0].city", "addresses[0].region", "addresses[0].postal_code",
		"addresses[0].country", "addresses[0].kind",
		"safe_contact.safe_phone", "safe_contact.safe_times", "safe_contact.notes"} {
		f.Set(k, "")
	}
	f.Set("phones[0].kind", "mobile")
	f.Set("phones[1].kind", "mobile")
	f.Set("addresses[0].kind", "home")
	for k, v := range set {
		f.Set(k, v)
	}
	return f
}

func TestPersonPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.safeHarbor()
		e.addUser(e.agency("metro-pd"), "analyst", haven.RoleAnalyst)
		officer := browserClient()
		csrf := login(t, e, officer, "officer", storetest.Password)
		base := e.srv.URL

		resp, body := get(t, officer, base+"/persons")
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/persons/new"`) || !strings.Contains(body, `name="name"`) || !strings.Contains(body, `name="dob"`) {
			t.Fatalf("GET /persons = %d: %s", resp.StatusCode, body)
		}
		if !strings.Contains(body, `<a href="/persons" aria-current="page">People</a>`) {
			t.Errorf("no current People link in the navigation")
		}
		resp, body = get(t, officer, base+"/persons/new")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /persons/new = %d", resp.StatusCode)
		}
		for _, name := range []string{"csrf_token", "given_name", "family_name", "aliases", "date_of_birth", "sex", "gender", "languages",
			"phones[0].number", "phones[1].number", "emails[0]", "addresses[0].line1", "addresses[0].confidential",
			"safe_contact.safe_phone", "safe_contact.safe_times", "safe_contact.no_voicemail", "safe_contact.no_letters"} {
			if !strings.Contains(body, `name="`+name+`"`) {
				t.Errorf("the new-person form has no %s input", name)
			}
		}

		// Refused values come back with the form kept and the field marked.
		for _, c := range []struct {
			set        map[string]string
			input, msg string
		}{
			{map[string]string{"given_name": "Rosa", "date_of_birth": "1985-13-40"}, "date_of_birth", "Date of birth must be a date as YYYY-MM-DD"},
			{map[string]string{"date_of_birth": "1985-01-01"}, "given_name", "A given or a family name is required"},
			// The first phone row left empty: the store's phones[0] is the form's second row.
			{map[string]string{"given_name": "Rosa", "phones[1].number": "call me"}, "phones[1].number", "Phone 2 must have at least 3 digits"},
			{map[string]string{"given_name": "Rosa", "emails[0]": "rosa-at-example"}, "emails[0]", "E-mail 1 is not an e-mail address"},
			{map[string]string{"given_name": "Rosa", "addresses[0].line2": "Flat 2"}, "addresses[0].line1", "Address 1 needs at least a street line or a city"},
			{map[string]string{"given_name": "Rosa", "safe_contact.notes": strings.Repeat("x", 501)}, "safe_contact.notes", "Notes on contact must be at most 500 characters"},
		} {
			resp, body := post(t, officer, base+"/persons", personForm(csrf, c.set))
			if resp.StatusCode != 422 {
				t.Errorf("%v = %d, want 422", c.set, resp.StatusCode)
				continue
			}
			if !invalidRE(c.input).MatchString(body) || len(anyInvalidRE.FindAllString(body, -1)) != 1 {
				t.Errorf("%v: the page does not mark %s (and only it) invalid", c.set, c.input)
			}
			if !strings.Contains(body, `role="alert" id="form-error">`+c.msg+`</p>`) {
				t.Errorf("%v: message %q not shown", c.set, c.msg)
			}
			if c.set["given_name"] != "" && !strings.Contains(body, `value="Rosa"`) {
				t.Errorf("%v: message or kept values missing", c.set)
			}
		}
		// The session's CSRF token is required.
		if resp, _ := post(t, officer, base+"/persons", personForm("forged", map[string]string{"given_name": "Rosa"})); resp.StatusCode != 403 {
			t.Errorf("create without the CSRF token = %d", resp.StatusCode)
		}

		form := personForm(csrf, map[string]string{"given_name": "Rosa", "family_name": "Núñez", "aliases": "Rosie, R. N.",
			"date_of_birth": "1979-11-02", "sex": "female", "languages": "es, en",
			"phones[0].number": "555 0142", "emails[0]": "rosa@example.org",
			"addresses[0].line1": "7 Hidden Lane", "addresses[0].city": "Springfield",
			"safe_contact.safe_phone": "555 0199", "safe_contact.no_voicemail": "1"})
		form.Set("addresses[0].confidential", "1")
		resp, body = post(t, officer, base+"/persons", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create = %d: %s", resp.StatusCode, body)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		m := personPathRE.FindStringSubmatch(loc.Path)
		if m == nil || loc.Query().Get("done") != "person-created" || loc.Query().Has("dup") {
			t.Fatalf("create redirected to %s", loc)
		}
		id := m[1]
		resp, body = get(t, officer, base+loc.String())
		if resp.StatusCode != 200 {
			t.Fatalf("person page = %d", resp.StatusCode)
		}
		for _, want := range []string{"<h1>Rosa Núñez</h1>", "Person added.", "No possible duplicates", "Rosie, R. N.", "1979-11-02",
			"555 0142", "rosa@example.org", `<span class="tag confidential">Confidential</span>`, "7 Hidden Lane", "No voicemail",
			`href="/persons/` + id + `/edit"`, "This record belongs to your agency."} {
			if !strings.Contains(body, want) {
				t.Errorf("person page lacks %q", want)
			}
		}
		if strings.Contains(body, "<title>Rosa") {
			t.Error("the person's name is in the page title (browser history)")
		}

		// The same person again: the new record's page lists the first.
		resp, _ = post(t, officer, base+"/persons", personForm(csrf, map[string]string{"given_name": "rosa", "family_name": "nunez", "date_of_birth": "1979-11-02"}))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second create = %d", resp.StatusCode)
		}
		loc, _ = url.Parse(resp.Header.Get("Location"))
		if !slices.Contains(loc.Query()["dup"], id) {
			t.Fatalf("second create redirected to %s: no dup=%s", loc, id)
		}
		second := personPathRE.FindStringSubmatch(loc.Path)[1]
		_, body = get(t, officer, base+loc.String())
		if !strings.Contains(body, "Possible duplicates already in your agency") || !strings.Contains(body, `<a href="/persons/`+id+`">Rosa Núñez</a>`) {
			t.Errorf("duplicate warning missing: %s", body)
		}

		// Search finds both, case and accents aside.
		_, body = get(t, officer, base+"/persons?name=ROSA+NUNEZ")
		found := map[string]bool{}
		for _, m := range personHrefRE.FindAllStringSubmatch(body, -1) {
			found[m[1]] = true
		}
		if !found[id] || !found[second] || !strings.Contains(body, "Exact") {
			t.Errorf("search page: %s", body)
		}
		if resp, body := get(t, officer, base+"/persons?name=&dob=2.11.1979"); resp.StatusCode != 422 || !invalidRE("dob").MatchString(body) ||
			!strings.Contains(body, "Date of birth must be a date as YYYY-MM-DD") {
			t.Errorf("bad search = %d", resp.StatusCode)
		}

		// Edit with the version; a stale version is a conflict.
		resp, body = get(t, officer, base+"/persons/"+id+"/edit")
		if resp.StatusCode != 200 || !strings.Contains(body, `name="version" value="1"`) || !strings.Contains(body, `value="7 Hidden Lane"`) ||
			!regexp.MustCompile(`name="addresses\[0\]\.confidential"[^>]*checked`).MatchString(body) || !strings.Contains(body, `name="phones[1].number"`) {
			t.Fatalf("edit page = %d: %s", resp.StatusCode, body)
		}
		edit := personForm(csrf, map[string]string{"given_name": "Rosa", "family_name": "Núñez", "date_of_birth": "1979-11-02",
			"phones[0].number": "555 0142", "phones[1].number": "555 0143", "addresses[0].line1": "7 Hidden Lane", "version": "1"})
		edit.Set("addresses[0].confidential", "1")
		resp, _ = post(t, officer, base+"/persons/"+id, edit)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/persons/"+id+"?done=person-updated" {
			t.Fatalf("edit = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = get(t, officer, base+"/persons/"+id+"?done=person-updated")
		if !strings.Contains(body, "555 0143") || !strings.Contains(body, "Changes saved.") || !strings.Contains(body, "Version 2") {
			t.Errorf("after edit: %s", body)
		}
		resp, body = post(t, officer, base+"/persons/"+id, edit)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "changed by someone else") {
			t.Errorf("stale edit = %d", resp.StatusCode)
		}
		edit.Set("version", "2")
		edit.Set("emails[0]", "bad")
		if resp, body := post(t, officer, base+"/persons/"+id, edit); resp.StatusCode != 422 || !invalidRE("emails[0]").MatchString(body) {
			t.Errorf("invalid edit = %d", resp.StatusCode)
		}

		// Another agency: the same 404 page for this record and a missing
		// one, with the emergency-access form; then break-glass end to end.
		adv := browserClient()
		advCSRF := login(t, e, adv, "advocate", storetest.Password)
		resp, denied := get(t, adv, base+"/persons/"+id)
		if resp.StatusCode != 404 {
			t.Fatalf("advocate GET = %d", resp.StatusCode)
		}
		resp, missing := get(t, adv, base+"/persons/"+missingID)
		if resp.StatusCode != 404 {
			t.Fatalf("advocate GET missing = %d", resp.StatusCode)
		}
		norm := func(s, id string) string {
			return strings.ReplaceAll(requestIDRE.ReplaceAllString(s, ""), id, "ID")
		}
		if norm(denied, id) != norm(missing, missingID) {
			t.Errorf("the 404 pages for a denied and a missing record differ:\n%s\n---\n%s", denied, missing)
		}
		if strings.Contains(denied, "Rosa") || !strings.Contains(denied, `action="/persons/`+id+`/break-glass"`) || !strings.Contains(denied, "Emergency access: state the reason") {
			t.Fatalf("404 page: %s", denied)
		}
		resp, body = post(t, adv, base+"/persons/"+id+"/break-glass", url.Values{"csrf_token": {advCSRF}, "reason": {"urgent"}})
		if resp.StatusCode != 422 || !invalidRE("reason").MatchString(body) || !strings.Contains(body, ">urgent</textarea>") {
			t.Errorf("short reason = %d: %s", resp.StatusCode, body)
		}
		resp, _ = post(t, adv, base+"/persons/"+id+"/break-glass", url.Values{"csrf_token": {advCSRF}, "reason": {"Hotline caller in danger, need safe contact now"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/persons/"+id {
			t.Fatalf("break-glass = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = get(t, adv, base+"/persons/"+id)
		if resp.StatusCode != 200 || !strings.Contains(body, emergencyText) || !strings.Contains(body, "your supervisor will review it") ||
			!strings.Contains(body, "Not shown to you: confidential addresses") || strings.Contains(body, "Hidden Lane") ||
			strings.Contains(body, "/edit") || !strings.Contains(body, "555 0142") {
			t.Fatalf("break-glass view = %d: %s", resp.StatusCode, body)
		}

		// Safe-harbor's supervisor reviews it.
		sup := browserClient()
		login(t, e, sup, "sh-supervisor", storetest.Password)
		resp, body = get(t, sup, base+"/review/break-glass")
		if resp.StatusCode != 200 || !strings.Contains(body, "Hotline caller in danger") || !strings.Contains(body, id) || !strings.Contains(body, "advocate") {
			t.Fatalf("review page = %d: %s", resp.StatusCode, body)
		}
		m = reviewFormRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no review form")
		}
		resp, body = post(t, sup, base+"/review/break-glass/"+m[1], url.Values{"csrf_token": {csrfOf(t, body)}, "note": {strings.Repeat("n", 1001)}})
		if resp.StatusCode != 422 || !regexp.MustCompile(`id="note-`+regexp.QuoteMeta(m[1])+`"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Errorf("over-long review note = %d: %s", resp.StatusCode, body)
		}
		resp, _ = post(t, sup, base+"/review/break-glass/"+m[1], url.Values{"csrf_token": {csrfOf(t, body)}, "note": {"spoke with the advocate"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("review = %d", resp.StatusCode)
		}
		_, body = get(t, sup, base+resp.Header.Get("Location"))
		if !strings.Contains(body, "Review recorded") || !strings.Contains(body, "Nothing to review.") {
			t.Errorf("after review: %s", body)
		}
		if resp, body := post(t, sup, base+"/review/break-glass/"+m[1], url.Values{"csrf_token": {csrfOf(t, body)}}); resp.StatusCode != 409 || !strings.Contains(body, "already reviewed") {
			t.Errorf("second review = %d", resp.StatusCode)
		}

		// Roles without person data: refused, and no emergency form offered.
		an := browserClient()
		login(t, e, an, "analyst", storetest.Password)
		if resp, _ := get(t, an, base+"/persons?name=Rosa"); resp.StatusCode != 403 {
			t.Errorf("analyst search = %d", resp.StatusCode)
		}
		resp, body = get(t, an, base+"/persons/"+id)
		if resp.StatusCode != 404 || strings.Contains(body, "break-glass") || strings.Contains(body, "Rosa") {
			t.Errorf("analyst view = %d: %s", resp.StatusCode, body)
		}
		if strings.Contains(body, ">People</a></li>") {
			t.Error("analyst's navigation offers People")
		}
		if resp, _ := get(t, an, base+"/review/break-glass"); resp.StatusCode != 403 {
			t.Errorf("analyst review page = %d", resp.StatusCode)
		}
		// The pages are for browsers: a token gets 403.
		if resp, _ := e.do("GET", "/persons/"+id, "officer", ""); resp.StatusCode != 403 {
			t.Errorf("token on a page = %d", resp.StatusCode)
		}
	})
}
