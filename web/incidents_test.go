package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// createIncident posts body as user and returns the created report.
func (e *env) createIncident(user, body string) haven.Incident {
	e.t.Helper()
	resp, b := e.do("POST", "/api/v1/incidents", user, body)
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("create incident = %d: %s", resp.StatusCode, b)
	}
	in := decode[haven.Incident](e.t.(*testing.T), b)
	if in.ID == "" || resp.Header.Get("Location") != "/api/v1/incidents/"+in.ID {
		e.t.Fatalf("created incident: id %q, Location %q", in.ID, resp.Header.Get("Location"))
	}
	return in
}

// wantError checks an error answer's status, code and field.
func wantError(t *testing.T, e *env, status int, field, method, path, user, body string) {
	t.Helper()
	resp, b := e.do(method, path, user, body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s as %s = %d, want %d: %s", method, path, user, resp.StatusCode, status, b)
	}
	if _, f := errorField(t, b); f != field {
		t.Fatalf("%s %s: error field %q, want %q: %s", method, path, f, field, b)
	}
}

func TestIncidentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		victim := e.createPerson("officer", `{"given_name":"Vera","family_name":"Okafor"}`)
		suspect := e.createPerson("officer", `{"given_name":"Sam","family_name":"Rourke"}`)

		in := e.createIncident("officer", fmt.Sprintf(`{"occurred_at":"2026-01-10T21:30:00-06:00","domestic":true,
			"location":{"address":"1 Elm St","beat":"0421","district":"004","location_type":"APARTMENT","latitude":41.75123,"longitude":-87.55456},
			"offenses":[{"code":"13a","circumstances":["06"]}],"weapons":["85"],"strangulation":{"occurred":true,"signs":["petechiae"]},
			"parties":[{"person_id":%q,"role":"suspect"},{"person_id":%q,"role":"victim","relationship_to_suspect":"SE","name":"ignored"}],
			"narrative":"He held her against the wall."}`, suspect.ID, victim.ID))
		if in.Status != haven.StatusDraft || !regexp.MustCompile(`^PD-\d{4}-\d{6}$`).MatchString(in.Number) || in.Version != 1 {
			t.Fatalf("created: status %s number %q version %d", in.Status, in.Number, in.Version)
		}
		got := decode[haven.Incident](t, e.must(200, "GET", "/api/v1/incidents/"+in.ID, "officer", ""))
		if got.Narrative != "He held her against the wall." || got.Location.Address != "1 Elm St" || got.Offenses[0].Code != "13A" {
			t.Fatalf("read back: %+v", got)
		}
		if v := got.Parties[1]; v.SuspectPersonID != suspect.ID || v.Name != "Vera Okafor" {
			t.Fatalf("victim party: %+v", v)
		}

		// PATCH: fields sent replace, others stay; the version must match.
		wantError(t, e, 422, "version", "PATCH", "/api/v1/incidents/"+in.ID, "officer", `{"narrative":"x"}`)
		p := decode[haven.Incident](t, e.must(200, "PATCH", "/api/v1/incidents/"+in.ID, "officer", `{"narrative":"Changed.","children_present":true,"version":1}`))
		if p.Narrative != "Changed." || !p.ChildrenPresent || p.Version != 2 || p.Location.Address != "1 Elm St" || len(p.Parties) != 2 {
			t.Fatalf("patched: %+v", p)
		}
		wantError(t, e, 409, "version", "PATCH", "/api/v1/incidents/"+in.ID, "supervisor", `{"narrative":"stale","version":1}`)

		// Validation errors name the field.
		for _, c := range []struct {
			status       int
			field, body  string
			method, path string
		}{
			{422, "offenses[0].code", `{"offenses":[{"code":"99X"}]}`, "POST", "/api/v1/incidents"},
			{422, "weapons[0]", `{"weapons":["knife"]}`, "POST", "/api/v1/incidents"},
			{422, "parties[0].role", `{"parties":[{"person_id":"` + victim.ID + `","role":"bystander"}]}`, "POST", "/api/v1/incidents"},
			{422, "parties[0].person_id", `{"parties":[{"person_id":"` + missingID + `","role":"victim"}]}`, "POST", "/api/v1/incidents"},
			{422, "location.latitude", `{"location":{"latitude":41.7}}`, "POST", "/api/v1/incidents"},
			{400, "occurred_at", `{"occurred_at":"yesterday"}`, "POST", "/api/v1/incidents"},
			{400, "statements[0].taken_at", `{"statements":[{"kind":"witness","taken_at":"soon","how_taken":"verbal","text":"x"}]}`, "POST", "/api/v1/incidents"},
			{400, "status", `{"status":"approved"}`, "POST", "/api/v1/incidents"},
			{400, "domestic", `{"domestic":"yes"}`, "POST", "/api/v1/incidents"},
			{422, "statements[0].text", `{"statements":[{"kind":"witness","taken_at":"2026-01-10T22:00:00Z","how_taken":"verbal","text":" "}],"version":2}`, "PATCH", "/api/v1/incidents/" + in.ID},
			{422, "status", "", "GET", "/api/v1/incidents?status=open"},
			{422, "from", "", "GET", "/api/v1/incidents?from=last+week"},
			{422, "limit", "", "GET", "/api/v1/incidents?limit=0"},
		} {
			wantError(t, e, c.status, c.field, c.method, c.path, "officer", c.body)
		}

		// Not found for other agencies and roles without reports.
		wantError(t, e, 404, "", "GET", "/api/v1/incidents/"+in.ID, "shelter", "")
		wantError(t, e, 404, "", "GET", "/api/v1/incidents/"+missingID, "officer", "")

		// Filters and paging.
		e.createIncident("supervisor", `{"domestic":false,"location":{"district":"011"}}`)
		list := func(q string) []haven.Incident {
			return decode[struct{ Items []haven.Incident }](t, e.must(200, "GET", "/api/v1/incidents"+q, "officer", "")).Items
		}
		if n := len(list("")); n != 2 {
			t.Errorf("all: %d", n)
		}
		if l := list("?domestic=true"); len(l) != 1 || l[0].ID != in.ID {
			t.Errorf("domestic=true: %v", l)
		}
		if l := list("?district=011"); len(l) != 1 || l[0].Domestic {
			t.Errorf("district=011: %v", l)
		}
		if l := list("?from=2026-01-10&to=2026-01-10"); len(l) != 1 || l[0].ID != in.ID {
			t.Errorf("from/to the day it occurred: %d", len(l))
		}
		if l := list("?limit=1&offset=1"); len(l) != 1 {
			t.Errorf("paging: %d", len(l))
		}
		if l := list("?status=submitted"); len(l) != 0 {
			t.Errorf("status=submitted: %d", len(l))
		}
	})
}

func TestIncidentWorkflowAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.createIncident("officer", `{"domestic":true,"offenses":[{"code":"13B"}]}`)
		path := "/api/v1/incidents/" + in.ID

		// Supplements are for submitted reports; reviewing needs a submitted one.
		wantError(t, e, 409, "", "POST", path+"/supplements", "officer", `{"text":"more"}`)
		wantError(t, e, 409, "", "POST", path+"/review", "supervisor", `{"approve":true}`)
		wantError(t, e, 409, "", "POST", path+"/close", "supervisor", "")

		e.must(204, "POST", path+"/submit", "officer", "")
		wantError(t, e, 409, "", "POST", path+"/submit", "officer", "")
		wantError(t, e, 409, "", "PATCH", path, "officer", `{"narrative":"quietly changed","version":1}`)
		wantError(t, e, 403, "", "POST", path+"/review", "officer", `{"approve":true}`)
		wantError(t, e, 422, "approve", "POST", path+"/review", "supervisor", `{"comment":"?"}`)
		wantError(t, e, 422, "comment", "POST", path+"/review", "supervisor", `{"approve":false}`)

		// Returned with a comment, fixed, submitted again, approved, closed.
		e.must(204, "POST", path+"/review", "supervisor", `{"approve":false,"comment":"Add the victim's statement."}`)
		got := decode[haven.Incident](t, e.must(200, "GET", path, "officer", ""))
		if got.Status != haven.StatusReturned || got.ReviewComment != "Add the victim's statement." {
			t.Fatalf("returned: %s %q", got.Status, got.ReviewComment)
		}
		e.must(200, "PATCH", path, "officer", fmt.Sprintf(`{"narrative":"Fixed.","version":%d}`, got.Version))
		e.must(204, "POST", path+"/submit", "officer", "")
		e.must(204, "POST", path+"/review", "supervisor", `{"approve":true,"comment":"Good."}`)
		sup := decode[haven.Supplement](t, e.must(201, "POST", path+"/supplements", "officer", `{"text":"Victim called back next day."}`))
		if sup.ID == "" || sup.Text != "Victim called back next day." {
			t.Fatalf("supplement: %+v", sup)
		}
		wantError(t, e, 403, "", "POST", path+"/close", "officer", "")
		e.must(204, "POST", path+"/close", "supervisor", "")
		if st := decode[haven.Incident](t, e.must(200, "GET", path, "officer", "")).Status; st != haven.StatusClosed {
			t.Fatalf("status = %s", st)
		}
		sups := decode[struct{ Items []haven.Supplement }](t, e.must(200, "GET", path+"/supplements", "supervisor", "")).Items
		if len(sups) != 1 {
			t.Fatalf("supplements: %v", sups)
		}
		var actions []string
		for _, c := range decode[struct{ Items []haven.IncidentChange }](t, e.must(200, "GET", path+"/history", "officer", "")).Items {
			actions = append(actions, c.Action)
		}
		for _, want := range []string{"created", "submitted", "returned", "updated", "approved", "supplement", "closed"} {
			if !slices.Contains(actions, want) {
				t.Errorf("history lacks %q: %v", want, actions)
			}
		}
	})
}

func TestIncidentProtocolAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.createIncident("officer", `{"domestic":true}`)
		path := "/api/v1/incidents/" + in.ID + "/protocol"
		steps := decode[struct{ Items []haven.ProtocolStep }](t, e.must(200, "GET", path, "officer", "")).Items
		if len(steps) != len(haven.ProtocolSteps) || steps[0].Key != "scene_secured" || steps[0].Done {
			t.Fatalf("protocol: %+v", steps)
		}
		// In order: the second step before the first is a conflict.
		wantError(t, e, 409, "", "POST", path+"/medical_aid", "officer", "")
		wantError(t, e, 422, "key", "POST", path+"/no_such_step", "officer", "")
		wantError(t, e, 422, "reason", "POST", path+"/scene_secured", "officer", `{"skipped":true}`)
		after := decode[struct{ Items []haven.ProtocolStep }](t, e.must(200, "POST", path+"/scene_secured", "officer", "")).Items
		if !after[0].Done || after[0].CompletedAt == nil || after[0].CompletedBy != e.users["officer"].ID {
			t.Fatalf("first step: %+v", after[0])
		}
		wantError(t, e, 409, "", "POST", path+"/scene_secured", "officer", "")
		after = decode[struct{ Items []haven.ProtocolStep }](t, e.must(200, "POST", path+"/medical_aid", "officer", `{"skipped":true,"reason":"no injuries, declined"}`)).Items
		if !after[1].Skipped || after[1].SkipReason != "no injuries, declined" {
			t.Fatalf("skipped step: %+v", after[1])
		}
		e.must(200, "POST", path+"/parties_separated", "officer", `{"note":"two units"}`)
		e.must(204, "POST", "/api/v1/incidents/"+in.ID+"/submit", "officer", "")
		wantError(t, e, 409, "", "POST", path+"/victim_interviewed_privately", "officer", "")
	})
}

// TestIncidentExports checks that exports carry codes and places but
// nothing that names or locates a person, for every role that may export.
func TestIncidentExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.addUser(e.agency("metro-pd"), "analyst", haven.RoleAnalyst)
		victim := e.createPerson("officer", `{"given_name":"Zephyrine","family_name":"Quillfeather"}`)
		suspect := e.createPerson("officer", `{"given_name":"Bartholomew","family_name":"Xanthopoulos"}`)
		const (
			narrative = "Narrative-Marker-7731: he threatened her"
			address   = "4417 Unmistakable Boulevard"
			statement = "Statement-Marker-9042"
			desc      = "Description-Marker-5510"
		)
		e.createIncident("officer", fmt.Sprintf(`{"occurred_at":"2026-02-01T23:10:00Z","domestic":true,
			"location":{"address":%q,"beat":"0421","district":"=HYPERLINK(\"http://x\")","location_type":"RESIDENCE","latitude":41.751239,"longitude":-87.554561},
			"offenses":[{"code":"13A","circumstances":["06"]},{"code":"90Z","description":%q}],"weapons":["85","40"],
			"strangulation":{"occurred":true,"signs":["petechiae"]},"firearms_present":true,
			"parties":[{"person_id":%q,"role":"victim","relationship_to_suspect":"XS"},{"person_id":%q,"role":"suspect"}],
			"injuries":[{"person_id":%q,"type":"M","body_location":"neck","treatment_offered":true}],
			"arrests":[{"person_id":%q,"at":"2026-02-01T23:40:00Z","charges":["domestic battery"]}],
			"statements":[{"kind":"victim","person_id":%q,"taken_at":"2026-02-01T23:30:00Z","how_taken":"verbal","text":%q}],
			"narrative":%q}`, address, desc, victim.ID, suspect.ID, victim.ID, suspect.ID, victim.ID, statement, narrative))
		e.createIncident("officer", `{"domestic":false,"location":{"beat":"1111"}}`) // no coordinates

		forbidden := []string{narrative, address, statement, desc, "Zephyrine", "Quillfeather", "Bartholomew", "Xanthopoulos",
			victim.ID, suspect.ID, "Unmistakable", "neck", "domestic battery", "41.751239", "-87.554561"}
		for _, user := range []string{"officer", "supervisor", "analyst"} {
			t.Run(user, func(t *testing.T) {
				resp, body := e.do("GET", "/api/v1/incidents/export.csv", user, "")
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
					!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("CSV = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
				rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil || len(rows) != 3 {
					t.Fatalf("CSV rows %d, %v:\n%s", len(rows), err, body)
				}
				head := rows[0]
				col := func(row []string, name string) string { return row[slices.Index(head, name)] }
				var dv []string
				for _, r := range rows[1:] {
					if col(r, "domestic") == "true" {
						dv = r
					}
				}
				if dv == nil {
					t.Fatalf("no domestic row: %v", rows)
				}
				for name, want := range map[string]string{"beat": "0421", "offense_codes": "13A;90Z", "circumstance_codes": "06",
					"weapon_codes": "85;40", "strangulation": "true", "latitude": "41.751", "longitude": "-87.555",
					"district": `'=HYPERLINK("http://x")`, "occurred_at": "2026-02-01T23:10:00Z", "injuries": "1", "arrests": "1"} {
					if got := col(dv, name); got != want {
						t.Errorf("CSV %s = %q, want %q", name, got, want)
					}
				}
				for _, bad := range forbidden {
					if strings.Contains(body, bad) {
						t.Errorf("CSV export contains %q", bad)
					}
				}

				resp, body = e.do("GET", "/api/v1/incidents/export.geojson?domestic=true", user, "")
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
					t.Fatalf("GeoJSON = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
				for _, bad := range forbidden {
					if strings.Contains(body, bad) {
						t.Errorf("GeoJSON export contains %q", bad)
					}
				}
				var fc struct {
					Type     string
					Features []struct {
						Type     string
						ID       string
						Geometry struct {
							Type        string
							Coordinates []float64
						}
						Properties map[string]any
					}
				}
				if err := json.Unmarshal([]byte(body), &fc); err != nil {
					t.Fatalf("GeoJSON does not parse: %v: %s", err, body)
				}
				if fc.Type != "FeatureCollection" || len(fc.Features) != 1 {
					t.Fatalf("GeoJSON: type %q, %d features: %s", fc.Type, len(fc.Features), body)
				}
				f := fc.Features[0]
				if f.Type != "Feature" || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 {
					t.Fatalf("feature: %+v", f)
				}
				if lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]; lon != -87.555 || lat != 41.751 {
					t.Errorf("coordinates = [%v, %v], want [lon -87.555, lat 41.751]", lon, lat)
				}
				for _, k := range []string{"number", "status", "occurred_at", "domestic", "beat", "district", "location_type", "offense_codes"} {
					if _, ok := f.Properties[k]; !ok {
						t.Errorf("properties lack %s: %v", k, f.Properties)
					}
				}
				var raw map[string]any
				json.Unmarshal([]byte(body), &raw)
				for k := range raw {
					if k != "type" && k != "features" {
						t.Errorf("FeatureCollection has member %q", k)
					}
				}
			})
		}
		wantError(t, e, 403, "", "GET", "/api/v1/incidents/export.csv", "shelter", "")
		wantError(t, e, 422, "status", "GET", "/api/v1/incidents/export.geojson?status=whatever", "analyst", "")
	})
}

func TestPriorIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		v := e.createPerson("officer", `{"given_name":"Ada","family_name":"Prior"}`)
		s := e.createPerson("officer", `{"given_name":"Ben","family_name":"Prior"}`)
		other := e.createPerson("officer", `{"given_name":"Cy","family_name":"Other"}`)
		parties := func(ids ...string) string {
			roles := []string{"victim", "suspect"}
			var ps []string
			for i, id := range ids {
				ps = append(ps, fmt.Sprintf(`{"person_id":%q,"role":%q}`, id, roles[i]))
			}
			return `{"domestic":true,"offenses":[{"code":"13B"}],"parties":[` + strings.Join(ps, ",") + `]}`
		}
		pair1 := e.createIncident("officer", parties(v.ID, s.ID))
		e.createIncident("officer", parties(v.ID, other.ID))
		pair2 := e.createIncident("supervisor", parties(v.ID, s.ID))

		type prior struct {
			ID       string
			Number   string
			Roles    []string
			Offenses []string
		}
		get := func(q string) []prior {
			return decode[struct{ Items []prior }](t, e.must(200, "GET", "/api/v1/persons/"+v.ID+"/prior-incidents"+q, "officer", "")).Items
		}
		if n := len(get("")); n != 3 {
			t.Errorf("victim's incidents: %d, want 3", n)
		}
		pair := get("?with=" + url.QueryEscape(s.ID))
		if len(pair) != 2 {
			t.Fatalf("pair's incidents: %d, want 2", len(pair))
		}
		for _, p := range pair {
			if p.ID != pair1.ID && p.ID != pair2.ID {
				t.Errorf("pair lists %s", p.Number)
			}
			if !slices.Equal(p.Roles, []string{"victim", "suspect"}) || !slices.Equal(p.Offenses, []string{"13B"}) {
				t.Errorf("prior: %+v", p)
			}
		}
		_, body := e.do("GET", "/api/v1/persons/"+v.ID+"/prior-incidents", "officer", "")
		if strings.Contains(body, "narrative") || strings.Contains(body, "Ada") {
			t.Errorf("prior incidents carry more than a summary: %s", body)
		}
		wantError(t, e, 403, "", "GET", "/api/v1/persons/"+v.ID+"/prior-incidents", "shelter", "")
	})
}

// TestIncidentPages drives the pages over plain HTTP: the create form with
// its errors, a party added on the spot, the protocol, a statement with a
// mistake kept in the form, submission and review.
func TestIncidentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := browserClient()
		csrf := login(t, e, c, "officer", storetest.Password)
		resp, body := get(t, c, e.srv.URL+"/incidents/new")
		if resp.StatusCode != 200 || !strings.Contains(body, `name="offense" type="checkbox" value="13A"`) {
			t.Fatalf("new form = %d", resp.StatusCode)
		}
		form := url.Values{"csrf_token": {csrf}, "occurred_date": {"2026-01-10"}, "address": {"9 Oak Ave"}, "domestic": {"1"},
			"offense": {"13A", "90Z-PO"}, "circumstance_dv": {"1"}, "strangulation": {"yes"}, "sign": {"petechiae", "neck marks"},
			"weapon": {"85"}, "narrative": {"Pages narrative"}}
		resp, body = post(t, c, e.srv.URL+"/incidents", form)
		if resp.StatusCode != 422 || !strings.Contains(body, `id="occurred_time" name="occurred_time" type="time" value="" aria-invalid="true"`) ||
			!strings.Contains(body, "Pages narrative") {
			t.Fatalf("date without time = %d: %s", resp.StatusCode, body)
		}
		form.Set("occurred_time", "21:30")
		resp, _ = post(t, c, e.srv.URL+"/incidents", form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/incidents/") {
			t.Fatalf("create = %d → %s", resp.StatusCode, loc)
		}
		page := strings.TrimSuffix(strings.SplitN(loc, "?", 2)[0], "/")
		id := strings.TrimPrefix(page, "/incidents/")
		in := decode[haven.Incident](t, e.must(200, "GET", "/api/v1/incidents/"+id, "officer", ""))
		if in.OccurredAt == nil || len(in.Offenses) != 2 || in.Offenses[1].Description != "protective-order violation" ||
			!slices.Equal(in.Offenses[0].Circumstances, []string{"06"}) || in.Strangulation == nil || len(in.Strangulation.Signs) != 2 {
			t.Fatalf("created from the form: %+v", in)
		}

		// A person added on the spot, as the suspect; then history at entry.
		resp, _ = post(t, c, e.srv.URL+page+"/parties", url.Values{"csrf_token": {csrf}, "version": {"1"}, "via": {"new"},
			"given_name": {"Sid"}, "family_name": {"Page"}, "role": {"suspect"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "party=") {
			t.Fatalf("add party = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = get(t, c, e.srv.URL+resp.Header.Get("Location"))
		if resp.StatusCode != 200 || !strings.Contains(body, "History at the moment of entry") || !strings.Contains(body, "Sid Page") {
			t.Fatalf("report after adding = %d", resp.StatusCode)
		}
		// Picking nobody from the results shows them again, marked.
		resp, body = post(t, c, e.srv.URL+page+"/parties", url.Values{"csrf_token": {csrf}, "version": {"2"}, "via": {"pick"},
			"find": {"Sid Page"}, "role": {"witness"}})
		if resp.StatusCode != 422 || !regexp.MustCompile(`id="pick-person_id" name="person_id" type="radio" value="[^"]+" aria-invalid="true"`).MatchString(body) {
			t.Fatalf("pick without a person = %d: %s", resp.StatusCode, body)
		}
		// A stale form (version 1 again) is refused, not applied.
		resp, body = post(t, c, e.srv.URL+page+"/parties", url.Values{"csrf_token": {csrf}, "version": {"1"}, "via": {"new"},
			"given_name": {"Stale"}, "family_name": {"Form"}, "role": {"witness"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "changed by someone else") {
			t.Fatalf("stale party form = %d", resp.StatusCode)
		}

		// Protocol: done, then a skip without a reason is refused.
		resp, _ = post(t, c, e.srv.URL+page+"/protocol/scene_secured", url.Values{"csrf_token": {csrf}, "action": {"done"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("step done = %d", resp.StatusCode)
		}
		resp, body = post(t, c, e.srv.URL+page+"/protocol/medical_aid", url.Values{"csrf_token": {csrf}, "action": {"skip"}})
		if resp.StatusCode != 422 || !strings.Contains(body, `id="reason-medical_aid"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("skip without reason = %d", resp.StatusCode)
		}

		// A statement without text comes back with what was typed.
		in = decode[haven.Incident](t, e.must(200, "GET", "/api/v1/incidents/"+id, "officer", ""))
		st := url.Values{"csrf_token": {csrf}, "version": {fmt.Sprint(in.Version)}, "kind": {"witness"}, "taken_at": {"2026-01-10T22:05"},
			"how_taken": {"written"}, "text": {"   "}}
		resp, body = post(t, c, e.srv.URL+page+"/statements", st)
		if resp.StatusCode != 422 || !strings.Contains(body, `<option value="written" selected>`) || !strings.Contains(body, `id="statement-text"`) {
			t.Fatalf("empty statement = %d", resp.StatusCode)
		}
		st.Set("text", "I heard shouting next door.")
		if resp, _ = post(t, c, e.srv.URL+page+"/statements", st); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("statement = %d", resp.StatusCode)
		}
		if resp, _ = post(t, c, e.srv.URL+page+"/submit", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit = %d", resp.StatusCode)
		}
		resp, body = get(t, c, e.srv.URL+page)
		if resp.StatusCode != 200 || !strings.Contains(body, "I heard shouting next door.") || strings.Contains(body, `action="`+page+`/statements"`) {
			t.Fatalf("submitted report page = %d", resp.StatusCode)
		}
		if resp, _ := get(t, c, e.srv.URL+"/review/incidents"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("officer opened the review list: %d", resp.StatusCode)
		}

		// The supervisor sees it to review, with its protocol completion.
		sc := browserClient()
		scsrf := login(t, e, sc, "supervisor", storetest.Password)
		resp, body = get(t, sc, e.srv.URL+"/review/incidents")
		if resp.StatusCode != 200 || !strings.Contains(body, in.Number) || !strings.Contains(body, "1 done") || !strings.Contains(body, "8 missing") {
			t.Fatalf("review list = %d: %s", resp.StatusCode, body)
		}
		resp, body = post(t, sc, e.srv.URL+page+"/review", url.Values{"csrf_token": {scsrf}, "decision": {"return"}})
		if resp.StatusCode != 422 || !strings.Contains(body, `id="review-comment"`) {
			t.Fatalf("return without comment = %d", resp.StatusCode)
		}
		resp, _ = post(t, sc, e.srv.URL+page+"/review", url.Values{"csrf_token": {scsrf}, "decision": {"approve"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve = %d", resp.StatusCode)
		}
		_, body = get(t, sc, e.srv.URL+page)
		if !strings.Contains(body, `id="incident-status">Approved<`) {
			t.Fatalf("status after approval not shown")
		}
	})
}
