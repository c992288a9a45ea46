package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// The analytics map: the store decides. The map page and the hotspot and
// density grids are for analysts, supervisors and the agency's
// administrator (aggregates of their own agency); the district outlines
// also for officers. Everyone else is refused; nobody signed out gets in.

var mapReaders = []haven.Role{haven.RoleAnalyst, haven.RoleSupervisor, haven.RoleAgencyAdmin}

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /analytics/map":               {Path: "/analytics/map?cell_m=250", Want: anon(303).roles(200, mapReaders...).rest(403)},
		"GET /api/v1/analytics/hotspots":   {Path: "/api/v1/analytics/hotspots?all=true", Want: anon(401).roles(200, mapReaders...).rest(403)},
		"GET /api/v1/analytics/density":    {Path: "/api/v1/analytics/density?cell_m=250", Want: anon(401).roles(200, mapReaders...).rest(403)},
		"GET /api/v1/analytics/boundaries": {Path: "/api/v1/analytics/boundaries?kind=district", Want: anon(401).roles(200, append([]haven.Role{haven.RoleOfficer}, mapReaders...)...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}

// analystClient is a server over a fresh SQLite database with metro-pd
// and its analyst, who asks for pages with a session and for the API with
// a token.
type analystClient struct {
	db  *store.DB
	pd  *haven.Agency
	get func(path string, api bool) (status int, body string)
}

func newAnalystClient(t *testing.T) *analystClient {
	t.Helper()
	db := storetest.Open(t, "sqlite", storetest.Config())
	s, err := New(Config{}, servicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	analyst := storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)
	tok, _, err := db.CreateToken(storetest.System(), analyst.ID, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := db.Login(context.Background(), analyst.Username, storetest.Password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return &analystClient{db: db, pd: pd, get: func(path string, api bool) (int, string) {
		req := httptest.NewRequest("GET", "http://haven.test"+path, nil)
		if api {
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}}
}

// TestAnalystSeesNoPersonData: the analyst opens the map and its data, but
// no person's or incident's record, and the map's answers name no one and
// no address.
func TestAnalystSeesNoPersonData(t *testing.T) {
	c := newAnalystClient(t)
	db, pd, get := c.db, c.pd, c.get
	sys := storetest.System()
	p := &haven.Person{AgencyID: pd.ID, GivenName: "Zebulon", FamilyName: "Quartermaine", DateOfBirth: "1980-01-01"}
	if _, err := db.CreatePerson(sys, p); err != nil {
		t.Fatal(err)
	}
	lat, lon := 41.881234, -87.623456
	at := p.CreatedAt
	inc := &haven.Incident{Source: "t", SourceID: "1", Domestic: true, ReportedAt: at, OccurredAt: &at,
		Offenses: []haven.Offense{{Code: "13B"}}, Parties: []haven.Party{{PersonID: p.ID, Role: haven.PartyVictim}},
		Location: haven.Location{Address: "1234 N Hidden Lane", Latitude: &lat, Longitude: &lon, District: "001"}}
	// Others around it, so that no statistic of the grid is this one's
	// position alone (see TestHotspotsHideALonePosition).
	batch := []*haven.Incident{inc}
	for i, d := range []float64{-0.011, -0.007, 0.004, 0.009, 0.013} {
		la, lo := lat+d, lon-d*1.3
		batch = append(batch, &haven.Incident{Source: "t", SourceID: fmt.Sprint("o", i), ReportedAt: at, OccurredAt: &at,
			Offenses: []haven.Offense{{Code: "13B"}}, Location: haven.Location{Address: "elsewhere", Latitude: &la, Longitude: &lo}})
	}
	if _, err := db.ImportIncidents(sys, pd.ID, batch); err != nil {
		t.Fatal(err)
	}
	sup := storetest.MustUser(t, db, pd, "sup", haven.RoleSupervisor)
	incs, err := db.FindIncidents(storetest.As(sup), haven.IncidentFilter{})
	if err != nil || len(incs) != 6 {
		t.Fatalf("incidents: %v %d", err, len(incs))
	}
	for _, c := range []struct {
		path   string
		api    bool
		status int
	}{
		{"/analytics/map", false, 200},
		{"/api/v1/analytics/hotspots?all=true", true, 200},
		{"/api/v1/analytics/density?all=true", true, 200},
		{"/persons/" + p.ID, false, 404},
		{"/api/v1/persons/" + p.ID, true, 404},
		{"/api/v1/persons?name=Quartermaine", true, 403},
		{"/incidents/" + incs[0].ID, false, 404},
		{"/api/v1/incidents/" + incs[5].ID, true, 404},
	} {
		status, body := get(c.path, c.api)
		if status != c.status {
			t.Errorf("analyst GET %s = %d, want %d", c.path, status, c.status)
		}
		for _, secret := range []string{"Zebulon", "Quartermaine", "Hidden Lane", "41.881234", "-87.623456", p.ID} {
			if strings.Contains(body, secret) {
				t.Errorf("analyst GET %s shows %q", c.path, secret)
			}
		}
	}
}

// TestHotspotsHideALonePosition: with a single incident selected, nothing
// in the hotspot or density answers gives its position more closely than
// its cell. (The grid's projection was once centred on the points'
// bounding box — with one point, the point itself — and published.)
func TestHotspotsHideALonePosition(t *testing.T) {
	c := newAnalystClient(t)
	lat, lon := 41.881234, -87.623456
	at := c.db.Now()
	inc := &haven.Incident{Source: "t", SourceID: "1", Domestic: true, ReportedAt: at, OccurredAt: &at,
		Offenses: []haven.Offense{{Code: "13B"}}, Location: haven.Location{Address: "1 Lone Way", Latitude: &lat, Longitude: &lon}}
	if _, err := c.db.ImportIncidents(storetest.System(), c.pd.ID, []*haven.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/analytics/hotspots?all=true", "/api/v1/analytics/hotspots?all=true&cell_m=100",
		"/api/v1/analytics/density?all=true", "/api/v1/analytics/hotspots?all=true&export=true"} {
		status, body := c.get(path, true)
		if status != 200 {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		// Five decimals is about a metre; cell corners are 100 m or more apart.
		for _, secret := range []string{"41.88123", "-87.62345", "Lone Way"} {
			if strings.Contains(body, secret) {
				t.Errorf("GET %s shows %q", path, secret)
			}
		}
	}
}
