package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

// The incident routes' expectations. Reports are the police's: officers
// and supervisors of the owning agency work with them; analysts list and
// export them in aggregate; everyone else is refused, and a report they may
// not see is "not found". An officer may read a report but not review or
// close it: they are told so (403), since the report is no secret to them.
//
// TestRoutePolicy's world has no incidents, so there the routes of one
// report are called with an id that is no report (the caller's person's),
// which is "not found" for everyone. TestIncidentRoutePolicy below runs the
// same routes against real reports in each state: {draft} (with the
// caller's person as the victim), {submitted} and {approved}, each made by
// the world's officer for every caller separately.

var (
	incidentRoles = []haven.Role{haven.RoleOfficer, haven.RoleSupervisor}
	incidentLists = []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAnalyst}
)

// incidentCases are the real expectations of the routes of one report.
var incidentCases = map[string]policyCase{
	"GET /incidents/{id}":                         {Path: "/incidents/{draft}", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"GET /incidents/{id}/edit":                    {Path: "/incidents/{draft}/edit", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"POST /incidents/{id}":                        {Path: "/incidents/{draft}", Body: "occurred_date=2024-05-01&occurred_time=21:30&domestic=1&offense=13B&narrative=changed", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/parties":                {Path: "/incidents/{draft}/parties", Body: "via=new&given_name=Wit&family_name=Ness&role=witness", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/parties/remove":         {Path: "/incidents/{draft}/parties/remove", Body: "index=0&person_id={person}", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/injuries":               {Path: "/incidents/{draft}/injuries", Body: "person_id={person}&type=M&body_location=arm&treatment_offered=1", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/statements":             {Path: "/incidents/{draft}/statements", Body: "kind=victim&person_id={person}&taken_at=2024-05-01T22:00&how_taken=verbal&text=He+pushed+me", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/arrests":                {Path: "/incidents/{draft}/arrests", Body: "person_id={person}&at=2024-05-01T22:30&charges=battery", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/protocol/{step}":        {Path: "/incidents/{draft}/protocol/scene_secured", Body: "action=done", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/submit":                 {Path: "/incidents/{draft}/submit", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /incidents/{id}/review":                 {Path: "/incidents/{submitted}/review", Body: "decision=approve", Want: anon(401).roles(303, haven.RoleSupervisor).roles(403, haven.RoleOfficer).rest(404)},
	"POST /incidents/{id}/close":                  {Path: "/incidents/{approved}/close", Want: anon(401).roles(303, haven.RoleSupervisor).roles(403, haven.RoleOfficer).rest(404)},
	"POST /incidents/{id}/supplements":            {Path: "/incidents/{submitted}/supplements", Body: "text=Called+back+next+day", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"GET /api/v1/incidents/{id}":                  {Path: "/api/v1/incidents/{draft}", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"PATCH /api/v1/incidents/{id}":                {Path: "/api/v1/incidents/{draft}", Body: `{"narrative":"changed","version":1}`, Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"POST /api/v1/incidents/{id}/submit":          {Path: "/api/v1/incidents/{draft}/submit", Want: anon(401).roles(204, incidentRoles...).rest(404)},
	"POST /api/v1/incidents/{id}/review":          {Path: "/api/v1/incidents/{submitted}/review", Body: `{"approve":true}`, Want: anon(401).roles(204, haven.RoleSupervisor).roles(403, haven.RoleOfficer).rest(404)},
	"POST /api/v1/incidents/{id}/close":           {Path: "/api/v1/incidents/{approved}/close", Want: anon(401).roles(204, haven.RoleSupervisor).roles(403, haven.RoleOfficer).rest(404)},
	"POST /api/v1/incidents/{id}/supplements":     {Path: "/api/v1/incidents/{submitted}/supplements", Body: `{"text":"called back"}`, Want: anon(401).roles(201, incidentRoles...).rest(404)},
	"GET /api/v1/incidents/{id}/supplements":      {Path: "/api/v1/incidents/{submitted}/supplements", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/incidents/{id}/history":          {Path: "/api/v1/incidents/{draft}/history", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/incidents/{id}/protocol":         {Path: "/api/v1/incidents/{draft}/protocol", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"POST /api/v1/incidents/{id}/protocol/{step}": {Path: "/api/v1/incidents/{draft}/protocol/scene_secured", Body: `{"note":"two units"}`, Want: anon(401).roles(200, incidentRoles...).rest(404)},
}

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /incidents":     {Path: "/incidents?status=draft", Want: anon(303).roles(200, incidentLists...).rest(403)},
		"GET /incidents/new": {Want: anon(303).rest(200)}, // an empty form; creating is what the store refuses
		"POST /incidents": {Body: "occurred_date=2024-05-01&occurred_time=21:30&domestic=1&offense=13A&circumstance_dv=1&strangulation=yes&sign=petechiae&weapon=85",
			Want: anon(401).roles(303, incidentRoles...).rest(403)},
		"GET /review/incidents":                    {Want: anon(303).roles(200, haven.RoleSupervisor).rest(403)},
		"POST /api/v1/incidents":                   {Body: `{"domestic":true,"offenses":[{"code":"13B"}],"parties":[{"person_id":"{person}","role":"victim"}]}`, Want: anon(401).roles(201, incidentRoles...).rest(403)},
		"GET /api/v1/incidents":                    {Path: "/api/v1/incidents?domestic=true&from=2020-01-01&limit=10", Want: anon(401).roles(200, incidentLists...).rest(403)},
		"GET /api/v1/incidents/export.csv":         {Path: "/api/v1/incidents/export.csv?status=approved", Want: anon(401).roles(200, incidentLists...).rest(403)},
		"GET /api/v1/incidents/export.geojson":     {Path: "/api/v1/incidents/export.geojson?domestic=true", Want: anon(401).roles(200, incidentLists...).rest(403)},
		"GET /api/v1/persons/{id}/prior-incidents": {Path: "/api/v1/persons/{person}/prior-incidents", Want: anon(401).roles(200, incidentRoles...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
	// In TestRoutePolicy's world there is no report: the id is a person's.
	for pattern, c := range incidentCases {
		path := strings.NewReplacer("{draft}", "{person}", "{submitted}", "{person}", "{approved}", "{person}").Replace(c.Path)
		w := anon(401)
		if strings.HasPrefix(pattern, "GET /incidents") {
			w = anon(303)
		}
		policyExpectations[pattern] = policyCase{Path: path, Body: c.Body, Want: w.rest(404)}
	}
}

// incidentWorld makes, for every caller, the reports a case names, as the
// world's officer (and its supervisor, for approval), through the API.
func incidentWorld(t *testing.T, h http.Handler, world map[string]*policyFixture, c policyCase) map[string]*strings.Replacer {
	t.Helper()
	call := func(as, method, path, body string, want int) string {
		t.Helper()
		req := httptest.NewRequest(method, "http://haven.test"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+world[as].token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("setup: %s %s as %s = %d, want %d: %s", method, path, as, rec.Code, want, rec.Body.String())
		}
		var out struct{ ID string }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return out.ID
	}
	need := c.Path + c.Body
	out := map[string]*strings.Replacer{}
	for _, who := range callers {
		f := world[who]
		create := func() string {
			return call("officer", "POST", "/api/v1/incidents",
				`{"domestic":true,"offenses":[{"code":"13B"}],"parties":[{"person_id":"`+f.person+`","role":"victim"}]}`, 201)
		}
		var pairs []string
		if strings.Contains(need, "{draft}") {
			pairs = append(pairs, "{draft}", create())
		}
		if strings.Contains(need, "{submitted}") || strings.Contains(need, "{approved}") {
			id := create()
			call("officer", "POST", "/api/v1/incidents/"+id+"/submit", "", 204)
			key := "{submitted}"
			if strings.Contains(need, "{approved}") {
				call("supervisor", "POST", "/api/v1/incidents/"+id+"/review", `{"approve":true}`, 204)
				key = "{approved}"
			}
			pairs = append(pairs, key, id)
		}
		out[who] = strings.NewReplacer(pairs...)
	}
	return out
}

func TestIncidentRoutePolicy(t *testing.T) {
	patterns := make([]string, 0, len(incidentCases))
	for p := range incidentCases {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, pattern := range patterns {
		c := incidentCases[pattern]
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			h, world := newPolicyWorld(t)
			ids := incidentWorld(t, h, world, c)
			for _, who := range callers {
				cc := c
				cc.Path, cc.Body = ids[who].Replace(c.Path), ids[who].Replace(c.Body)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, policyRequest(pattern, cc, world[who]))
				if got, want := rec.Code, c.Want[who]; got != want {
					t.Errorf("%s as %s = %d, want %d: %.300s", pattern, who, got, want, strings.TrimSpace(rec.Body.String()))
				}
			}
		})
	}
}
