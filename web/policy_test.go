package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

// The route × role policy test: every route the server serves, called by
// every role and by nobody, with a fresh valid request, must answer the
// status written down for it here. A route with no expectation fails the
// suite, so no route ships without someone deciding who may use it.
//
// Each feature adds its routes' expectations from its own test file:
//
//	func init() {
//		policyExpectations["GET /admin/audit"] = policyCase{
//			Want: anon(303).roles(200, haven.RoleAgencyAdmin, haven.RoleSystemAdmin).rest(403),
//		}
//	}
//
// Requests to /api/ paths carry the caller's API token; all others carry
// the caller's browser session (cookie, and the session's csrf_token in
// the form of an unsafe request).

// policyCase is one route's request and expected answers.
type policyCase struct {
	// Path is the request path, query included; empty means the route's
	// own path, which then must have no {wildcards}. Placeholders, filled
	// in per caller (see policyFixture.expand): {person} a person of the
	// caller's agency; {user} a user (officer) of the caller's agency;
	// {token} an API token of that user; {breakglass} an unreviewed
	// break-glass opening by that user on {person}; {slug} the caller's
	// agency's slug; {who} the caller's name ("agency-admin"); {username}
	// the caller's username ("nobody" for anonymous); {password} the
	// caller's password.
	Path string
	// Body is a JSON body for /api/ paths, url-encoded form fields for
	// pages (csrf_token is added); the same placeholders.
	Body string
	// Want is the status each caller must get: the eight roles and
	// "anonymous". Build it with anon(…).roles(…).rest(…).
	Want want
}

// want maps a caller (a haven.Role or "anonymous") to the status it gets.
type want map[string]int

const anonymous = "anonymous"

// callers are everyone the policy test calls every route as.
var callers = append(rolesAsStrings(haven.Roles), anonymous)

func rolesAsStrings(rs []haven.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// anon starts an expectation with the anonymous caller's status.
func anon(status int) want { return want{anonymous: status} }

// roles sets the status for the roles named.
func (w want) roles(status int, rs ...haven.Role) want {
	for _, r := range rs {
		w[string(r)] = status
	}
	return w
}

// rest sets the status of every role not set yet.
func (w want) rest(status int) want {
	for _, r := range haven.Roles {
		if _, ok := w[string(r)]; !ok {
			w[string(r)] = status
		}
	}
	return w
}

// everyone is the same status for every role, signed in or not.
func everyone(status int) want { return anon(status).rest(status) }

var (
	peopleRoles = []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}
	reviewers   = []haven.Role{haven.RoleSupervisor, haven.RoleAgencyAdmin}
	userAdmins  = []haven.Role{haven.RoleAgencyAdmin, haven.RoleSystemAdmin}
	userReaders = []haven.Role{haven.RoleSupervisor, haven.RoleAgencyAdmin, haven.RoleSystemAdmin}
)

// policyExpectations holds every route's case, keyed by its pattern.
var policyExpectations = map[string]policyCase{
	// Public.
	"GET /static/":             {Path: "/static/haven.css", Want: everyone(200)},
	"GET /healthz":             {Want: everyone(200)},
	"GET /readyz":              {Want: everyone(200)},
	"GET /metrics":             {Want: everyone(200)},
	"GET /{$}":                 {Path: "/", Want: everyone(303)},
	"GET /login":               {Want: anon(200).rest(303)},
	"POST /login":              {Body: "username={username}&password={password}&next=/home", Want: anon(401).rest(303)},
	"GET /api/v1/openapi.json": {Want: everyone(200)},

	// Pages of every signed-in user.
	"POST /logout":                          {Want: anon(401).rest(303)},
	"GET /home":                             {Want: anon(303).rest(200)},
	"GET /account":                          {Want: anon(303).rest(200)},
	"POST /account/password":                {Body: "current_password={password}&new_password=an-entirely-new-password", Want: anon(401).rest(303)},
	"POST /account/tokens":                  {Body: "name=policy&expires_days=1", Want: anon(401).rest(201)},
	"POST /account/tokens/{id}/revoke":      {Path: "/account/tokens/{token}/revoke", Want: anon(401).roles(303, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"GET /admin/agencies":                   {Want: anon(303).rest(200)},
	"POST /admin/agencies":                  {Body: "name=New&slug=new-{who}&kind=court&time_zone=UTC", Want: anon(401).roles(303, haven.RoleSystemAdmin).rest(403)},
	"GET /admin/users":                      {Want: anon(303).roles(200, userReaders...).rest(403)},
	"POST /admin/users":                     {Body: "username=new-{who}&role=officer", Want: anon(401).roles(201, userAdmins...).rest(403)},
	"POST /admin/users/{id}/disable":        {Path: "/admin/users/{user}/disable", Want: anon(401).roles(303, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"POST /admin/users/{id}/enable":         {Path: "/admin/users/{user}/enable", Want: anon(401).roles(303, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"POST /admin/users/{id}/reset-password": {Path: "/admin/users/{user}/reset-password", Want: anon(401).roles(200, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},

	// Foundation API.
	"GET /api/v1/me":                         {Want: anon(401).rest(200)},
	"GET /api/v1/agencies":                   {Want: anon(401).rest(200)},
	"POST /api/v1/agencies":                  {Body: `{"slug":"new-{who}","name":"New","kind":"court","time_zone":"UTC"}`, Want: anon(401).roles(201, haven.RoleSystemAdmin).rest(403)},
	"GET /api/v1/agencies/{slug}":            {Path: "/api/v1/agencies/{slug}", Want: anon(401).rest(200)},
	"GET /api/v1/users":                      {Want: anon(401).roles(200, userReaders...).rest(403)},
	"POST /api/v1/users":                     {Body: `{"username":"new-{who}","role":"officer"}`, Want: anon(401).roles(201, userAdmins...).rest(403)},
	"GET /api/v1/users/{id}":                 {Path: "/api/v1/users/{user}", Want: anon(401).roles(200, userReaders...).rest(404)},
	"POST /api/v1/users/{id}/disable":        {Path: "/api/v1/users/{user}/disable", Want: anon(401).roles(200, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"POST /api/v1/users/{id}/enable":         {Path: "/api/v1/users/{user}/enable", Want: anon(401).roles(200, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"POST /api/v1/users/{id}/reset-password": {Path: "/api/v1/users/{user}/reset-password", Want: anon(401).roles(200, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
	"GET /api/v1/tokens":                     {Want: anon(401).rest(200)},
	"POST /api/v1/tokens":                    {Body: `{"name":"policy"}`, Want: anon(401).rest(201)},
	"POST /api/v1/tokens/{id}/revoke":        {Path: "/api/v1/tokens/{token}/revoke", Want: anon(401).roles(204, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},

	// Persons and break-glass: staff who work with people, in their own
	// agency; a record they may not see is "not found", never "forbidden".
	"GET /persons":                         {Path: "/persons?name=Policy+Person", Want: anon(303).roles(200, peopleRoles...).rest(403)},
	"GET /persons/new":                     {Want: anon(303).rest(200)}, // an empty form; creating is what the store refuses
	"POST /persons":                        {Body: "given_name=New&family_name=Person", Want: anon(401).roles(303, peopleRoles...).rest(403)},
	"GET /persons/{id}":                    {Path: "/persons/{person}", Want: anon(303).roles(200, peopleRoles...).rest(404)},
	"GET /persons/{id}/edit":               {Path: "/persons/{person}/edit", Want: anon(303).roles(200, peopleRoles...).rest(404)},
	"POST /persons/{id}":                   {Path: "/persons/{person}", Body: "given_name=Changed&family_name=Person", Want: anon(401).roles(303, peopleRoles...).rest(404)},
	"POST /persons/{id}/break-glass":       {Path: "/persons/{person}/break-glass", Body: "reason=caller+reports+an+emergency+now", Want: anon(401).roles(303, peopleRoles...).rest(403)},
	"GET /review/break-glass":              {Want: anon(303).roles(200, reviewers...).rest(403)},
	"POST /review/break-glass/{id}":        {Path: "/review/break-glass/{breakglass}", Body: "note=checked", Want: anon(401).roles(303, reviewers...).rest(404)},
	"POST /api/v1/persons":                 {Body: `{"given_name":"New","family_name":"Person"}`, Want: anon(401).roles(201, peopleRoles...).rest(403)},
	"GET /api/v1/persons":                  {Path: "/api/v1/persons?name=Policy+Person", Want: anon(401).roles(200, peopleRoles...).rest(403)},
	"GET /api/v1/persons/{id}":             {Path: "/api/v1/persons/{person}", Want: anon(401).roles(200, peopleRoles...).rest(404)},
	"PATCH /api/v1/persons/{id}":           {Path: "/api/v1/persons/{person}", Body: `{"gender":"changed","version":1}`, Want: anon(401).roles(200, peopleRoles...).rest(404)},
	"POST /api/v1/break-glass":             {Body: `{"record_type":"person","record_id":"{person}","reason":"caller reports an emergency now"}`, Want: anon(401).roles(201, peopleRoles...).rest(403)},
	"GET /api/v1/break-glass/pending":      {Want: anon(401).roles(200, reviewers...).rest(403)},
	"POST /api/v1/break-glass/{id}/review": {Path: "/api/v1/break-glass/{breakglass}/review", Body: `{"note":"checked"}`, Want: anon(401).roles(204, reviewers...).rest(404)},
}

// policyFixture is one caller's world: a fresh database per route, so that
// no request's effect (a revoked token, a changed password) leaks into
// another route's answers.
type policyFixture struct {
	who, username, password       string
	token, session, csrf          string
	person, user, userToken, slug string
	breakGlass                    string
}

func (f *policyFixture) expand(s string) string {
	return strings.NewReplacer("{person}", f.person, "{user}", f.user, "{token}", f.userToken, "{breakglass}", f.breakGlass,
		"{slug}", f.slug, "{who}", f.who, "{username}", f.username, "{password}", f.password).Replace(s)
}

// newPolicyWorld opens a database with one agency (second factor not
// required), and for every role a user with a token and a session, plus
// the records the placeholders name.
func newPolicyWorld(t *testing.T) (http.Handler, map[string]*policyFixture) {
	t.Helper()
	db := storetest.Open(t, "sqlite", storetest.Config())
	s, err := New(Config{}, servicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	sys := storetest.System()
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	if pd.RequireMFA {
		t.Fatal("the policy test's agency requires a second factor")
	}
	leakWorld(t, db)
	out := map[string]*policyFixture{}
	for _, who := range callers {
		name := strings.ReplaceAll(who, "_", "-")
		f := &policyFixture{who: name, username: "nobody", password: "not-anyones-password", slug: pd.Slug}
		out[who] = f
		// The records the caller's requests point at: a person of the
		// agency; a colleague with a token, who opened the person in an
		// emergency (so there is something to review).
		p := &haven.Person{AgencyID: pd.ID, GivenName: "Policy", FamilyName: "Person " + name, DateOfBirth: "1980-01-01"}
		if _, err := db.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
		colleague := storetest.MustUser(t, db, pd, "colleague-"+name, haven.RoleOfficer)
		_, tok, err := db.CreateToken(sys, colleague.ID, "colleague", nil)
		if err != nil {
			t.Fatal(err)
		}
		asColleague := haven.NewContextWithActor(context.Background(), haven.Actor{UserID: colleague.ID, Username: colleague.Username,
			AgencyID: pd.ID, AgencySlug: pd.Slug, Role: colleague.Role, Via: "token"})
		bg, err := db.OpenBreakGlass(asColleague, "person", p.ID, "policy test: an emergency opening to review")
		if err != nil {
			t.Fatal(err)
		}
		f.person, f.user, f.userToken, f.breakGlass = p.ID, colleague.ID, tok.ID, bg.ID
		if who == anonymous {
			f.csrf = strings.Repeat("a", 43) // also the sign-in form's double-submit value
			continue
		}
		u := storetest.MustUser(t, db, pd, name, haven.Role(who))
		f.username, f.password = u.Username, storetest.Password
		if f.token, _, err = db.CreateToken(sys, u.ID, "policy", nil); err != nil {
			t.Fatal(err)
		}
		var sess *haven.Session
		if f.session, sess, err = db.Login(context.Background(), u.Username, storetest.Password, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		f.csrf = sess.CSRFToken
	}
	return s.Handler(), out
}

// policyRequest builds the request a caller sends for a case.
func policyRequest(pattern string, c policyCase, f *policyFixture) *http.Request {
	method, path, _ := strings.Cut(pattern, " ")
	if c.Path != "" {
		path = c.Path
	}
	path = f.expand(path)
	body := f.expand(c.Body)
	api := strings.HasPrefix(path, "/api/")
	if !api && unsafeMethod(method) {
		form, _ := url.ParseQuery(body)
		form.Set("csrf_token", f.csrf)
		body = form.Encode()
	}
	req := httptest.NewRequest(method, "http://haven.test"+path, strings.NewReader(body))
	switch {
	case api:
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if f.token != "" {
			req.Header.Set("Authorization", "Bearer "+f.token)
		}
	default:
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if f.session != "" {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.session})
		}
		req.AddCookie(&http.Cookie{Name: loginCSRFCookie, Value: f.csrf})
	}
	return req
}

func TestRoutePolicy(t *testing.T) {
	s := &Server{}
	served := map[string]bool{}
	var missing []string
	for _, rt := range s.routeTable() {
		served[rt.pattern] = true
		if _, ok := policyExpectations[rt.pattern]; !ok {
			missing = append(missing, rt.pattern)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("route %s has no policy expectation: add one to policyExpectations (see policy_test.go)", p)
	}
	var stale []string
	for p, c := range policyExpectations {
		if !served[p] {
			stale = append(stale, p)
		}
		for _, who := range callers {
			if _, ok := c.Want[who]; !ok {
				t.Errorf("route %s: no expected status for %s", p, who)
			}
		}
		if len(c.Want) != len(callers) {
			t.Errorf("route %s: expectations for unknown callers: %v", p, c.Want)
		}
		if c.Path == "" && strings.Contains(p, "{") && !strings.HasSuffix(p, "{$}") {
			t.Errorf("route %s has wildcards: give the case a Path", p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		t.Errorf("policy expectation for %s, which is not a route", p)
	}

	// The routes that have a case run even when others lack one, so that
	// each failure above comes with every answer that is still right or wrong.
	patterns := make([]string, 0, len(served))
	for p := range served {
		if _, ok := policyExpectations[p]; ok {
			patterns = append(patterns, p)
		}
	}
	sort.Strings(patterns)
	for _, pattern := range patterns {
		c := policyExpectations[pattern]
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			h, world := newPolicyWorld(t)
			for _, who := range callers {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, policyRequest(pattern, c, world[who]))
				if got, want := rec.Code, c.Want[who]; got != want {
					t.Errorf("%s as %s = %d, want %d: %.300s", pattern, who, got, want, strings.TrimSpace(rec.Body.String()))
				}
				noLeak(t, pattern+" as "+who, rec)
			}
		})
	}
}
