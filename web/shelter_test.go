package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// noShelterSecrets fails when body holds the confidential shelter's
// address or coordinates.
func noShelterSecrets(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range hsdstest.Secrets {
		if strings.Contains(body, s) {
			t.Errorf("%s shows the confidential %q", what, s)
		}
	}
}

// TestShelterAPI: shelter staff update their beds through the API; an
// officer's very next search sees them; errors name their field; and no
// answer of these routes, to anyone outside the owning agency, holds the
// shelter's address or coordinates.
func TestShelterAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := hsdsEnv(t, db, false)
		loc := hsdstest.ShelterLocID
		avail := "/api/v1/shelters/" + loc + "/availability"
		search := "/api/v1/services/search?need=emergency_shelter&lat=51.49&lon=-0.19&beds=true"

		_, body := e.do("GET", search, "officer", "")
		if strings.Contains(body, hsdstest.ShelterID) {
			t.Fatalf("found with beds before any update: %s", body)
		}
		resp, body := e.do("PUT", avail, "shelter", `{"units":[{"category":"families","total":6,"available":2},{"category":"pets_allowed","total":1,"available":0}]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("PUT as shelter staff = %d %s", resp.StatusCode, body)
		}
		var a struct {
			Capacities []struct {
				Unit struct {
					ID, Name string
				} `json:"unit"`
				Available, Maximum int
				Updated            string
			} `json:"service_capacity"`
			Stale bool `json:"stale"`
		}
		if err := json.Unmarshal([]byte(body), &a); err != nil || len(a.Capacities) != 2 || a.Capacities[0].Unit.ID == "" || a.Capacities[0].Maximum != 6 || a.Capacities[0].Updated == "" || a.Stale {
			t.Errorf("HSDS 3.1 capacity shape: %v %s", err, body)
		}
		resp, body = e.do("GET", search, "officer", "")
		if resp.StatusCode != 200 || !strings.Contains(body, hsdstest.ShelterID) || !strings.Contains(body, `"beds_available":2`) || !strings.Contains(body, `"distance_km":`) {
			t.Errorf("officer's search after the update = %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct {
			method, path, user, body string
			status                   int
			field                    string
		}{
			{"PUT", avail, "shelter", `{"units":[{"category":"families","total":2,"available":3}]}`, 422, "units[0].available"},
			{"PUT", avail, "shelter", `{"units":[{"category":"dorm","total":2,"available":1}]}`, 422, "units[0].category"},
			{"PUT", avail, "shelter", `{"units":[]}`, 422, "units"},
			{"PUT", avail, "officer", `{"units":[{"category":"families","total":2,"available":1}]}`, 403, ""},
			{"PUT", "/api/v1/shelters/nope/availability", "shelter", `{"units":[{"category":"families","total":2,"available":1}]}`, 404, ""},
			{"GET", "/api/v1/services/search?lat=91&lon=0", "officer", "", 400, "lat"},
			{"GET", "/api/v1/services/search?lat=50", "officer", "", 400, "lon"},
			{"GET", "/api/v1/services/search?beds=maybe", "officer", "", 400, "beds"},
			{"GET", "/api/v1/services/search?limit=0", "officer", "", 400, "limit"},
			{"GET", "/api/v1/services/search", "pdadmin", "", 403, ""},
		} {
			resp, body := e.do(c.method, c.path, c.user, c.body)
			if resp.StatusCode != c.status {
				t.Errorf("%s %s as %s = %d, want %d: %s", c.method, c.path, c.user, resp.StatusCode, c.status, body)
				continue
			}
			assertErrorBody(t, body)
			if c.field != "" && !strings.Contains(body, `"field":"`+c.field+`"`) {
				t.Errorf("%s %s: want field %s: %s", c.method, c.path, c.field, body)
			}
		}
		// Every read of these routes, as everyone outside harbor-house.
		for _, user := range []string{"", "officer", "supervisor", "pdadmin", "admin"} {
			for _, path := range []string{"/api/v1/shelters", avail, "/api/v1/shelters/" + hsdstest.OfficeLocID + "/availability",
				"/api/v1/services/search", "/api/v1/services/search?lat=51.48&lon=-0.19", "/api/v1/services/search?need=emergency_shelter&lat=51.4812345&lon=-0.1923456",
				"/api/v1/services/search?need=hotline_24h&open_now=true&language=en"} {
				_, body := e.do("GET", path, user, "")
				noShelterSecrets(t, "GET "+path+" as "+user, body)
			}
			_, body := e.do("PUT", avail, user, `{"units":[{"category":"families","total":6,"available":3}]}`)
			noShelterSecrets(t, "PUT as "+user, body)
		}
		noShelterSecrets(t, "the server's log", e.logs.String())
	})
}

// TestShelterPhonePage: the staff's page shows each category with − and
// +; one tap saves and redirects with a notice; an officer's page shows
// the counts and the area label only.
func TestShelterPhonePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := hsdsEnv(t, db, false)
		loc := hsdstest.ShelterLocID
		c := browserClient()
		csrf := login(t, e, c, "shelter", storetest.Password)
		resp, body := get(t, c, e.srv.URL+"/shelters")
		if resp.StatusCode != 200 || !strings.Contains(body, "/shelters/"+loc) {
			t.Fatalf("GET /shelters = %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, c, e.srv.URL+"/shelters/"+loc)
		if resp.StatusCode != 200 || !strings.Contains(body, "No update yet") || !strings.Contains(body, `id="stale"`) {
			t.Fatalf("GET /shelters/{id} = %d %s", resp.StatusCode, body)
		}
		// Set the totals (the form), then one tap on "−".
		form := url.Values{"csrf_token": {csrf}, "total_families": {"4"}, "available_families": {"3"}}
		resp, body = post(t, c, e.srv.URL+"/shelters/"+loc+"/availability", form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/shelters/"+loc+"?done=saved" {
			t.Fatalf("POST = %d %s", resp.StatusCode, body)
		}
		_, body = get(t, c, e.srv.URL+"/shelters/"+loc+"?done=saved")
		if !strings.Contains(body, "Saved.") || !strings.Contains(body, `name="available_families" value="2"`) || strings.Contains(body, `id="stale"`) {
			t.Errorf("after saving: %s", body)
		}
		resp, _ = post(t, c, e.srv.URL+"/shelters/"+loc+"/availability", url.Values{"csrf_token": {csrf}, "total_families": {"4"}, "available_families": {"2"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("tap − = %d", resp.StatusCode)
		}
		if _, body = e.do("GET", "/api/v1/shelters/"+loc+"/availability", "officer", ""); !strings.Contains(body, `"beds_available":2`) {
			t.Errorf("officer after the tap: %s", body)
		}
		resp, body = post(t, c, e.srv.URL+"/shelters/"+loc+"/availability", url.Values{"csrf_token": {csrf}, "total_families": {"4"}, "available_families": {"9"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "available") {
			t.Errorf("too many = %d %s", resp.StatusCode, body)
		}
		// The officer's page: counts and area label, nothing of where.
		oc := browserClient()
		ocsrf := login(t, e, oc, "officer", storetest.Password)
		for _, p := range []string{"/shelters", "/shelters/" + loc} {
			resp, body := get(t, oc, e.srv.URL+p)
			if resp.StatusCode != 200 || !strings.Contains(body, hsdstest.ShelterArea) {
				t.Errorf("officer GET %s = %d %s", p, resp.StatusCode, body)
			}
			noShelterSecrets(t, "officer's "+p, body)
			if strings.Contains(body, "available_families") {
				t.Errorf("officer's %s offers the update buttons", p)
			}
		}
		resp, _ = post(t, oc, e.srv.URL+"/shelters/"+loc+"/availability", url.Values{"csrf_token": {ocsrf}, "total_families": {"4"}, "available_families": {"1"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("officer POST = %d", resp.StatusCode)
		}
	})
}
