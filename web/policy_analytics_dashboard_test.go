package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

// The dashboards: the store decides. The page, its CSV downloads and the
// JSON API are for analysts, supervisors and the agency's administrator
// (aggregates of their own agency); officers, advocates, shelter staff,
// trainers and the system administrator are refused; nobody signed out
// gets in.

var dashboardReaders = []haven.Role{haven.RoleAnalyst, haven.RoleSupervisor, haven.RoleAgencyAdmin}

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /analytics":                  {Want: anon(303).roles(200, dashboardReaders...).rest(403)},
		"GET /analytics/{file}":           {Path: "/analytics/weeks.csv?from=2024-01-01&to=2024-12-31", Want: anon(303).roles(200, dashboardReaders...).rest(403)},
		"GET /api/v1/analytics/dashboard": {Path: "/api/v1/analytics/dashboard?from=2024-01-01", Want: anon(401).roles(200, dashboardReaders...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}

// TestDashboardAnalystSeesNoPersonData: "Analyst role sees dashboards and
// map but no person data". The analyst reads the dashboard, every CSV and
// the API over incidents with named victims and suspects at addresses —
// and finds none of them there, while the person and incident records
// themselves stay closed to the analyst.
func TestDashboardAnalystSeesNoPersonData(t *testing.T) {
	c := newAnalystClient(t)
	db, pd, get := c.db, c.pd, c.get
	sys := storetest.System()
	victim := &haven.Person{AgencyID: pd.ID, GivenName: "Ottoline", FamilyName: "Featherstonehaugh", DateOfBirth: "1979-02-03"}
	suspect := &haven.Person{AgencyID: pd.ID, GivenName: "Peregrine", FamilyName: "Cholmondeley", DateOfBirth: "1977-04-05"}
	for _, p := range []*haven.Person{victim, suspect} {
		if _, err := db.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
	}
	lat, lon := 41.812345, -87.654321
	var batch []*haven.Incident
	for i := range 8 {
		at := time.Now().UTC().AddDate(0, -1-i, 0).Truncate(time.Hour)
		batch = append(batch, &haven.Incident{Source: "t", SourceID: fmt.Sprint("p", i), Domestic: true, ReportedAt: at, OccurredAt: &at,
			Offenses: []haven.Offense{{Code: "13B"}}, Parties: []haven.Party{{PersonID: victim.ID, Role: haven.PartyVictim}, {PersonID: suspect.ID, Role: haven.PartySuspect}},
			Location: haven.Location{Address: fmt.Sprintf("%d Wisteria Hollow Crescent", 10+i), Latitude: &lat, Longitude: &lon, District: "004", Beat: "0412"}})
	}
	if _, err := db.ImportIncidents(sys, pd.ID, batch); err != nil {
		t.Fatal(err)
	}
	sup := storetest.MustUser(t, db, pd, "sup", haven.RoleSupervisor)
	incs, err := db.FindIncidents(storetest.As(sup), haven.IncidentFilter{})
	if err != nil || len(incs) != 8 {
		t.Fatalf("incidents: %v %d", err, len(incs))
	}
	secrets := []string{victim.GivenName, victim.FamilyName, suspect.GivenName, suspect.FamilyName, "Wisteria Hollow", "1979-02-03",
		"41.812345", "-87.654321", victim.ID, suspect.ID}
	for _, inc := range incs {
		secrets = append(secrets, inc.ID, inc.Number)
	}
	cases := []struct {
		path   string
		api    bool
		status int
	}{
		{"/analytics", false, 200},
		{"/analytics?from=&to=", false, 200},
		{"/api/v1/analytics/dashboard", true, 200},
		{"/persons/" + victim.ID, false, 404},
		{"/api/v1/persons/" + suspect.ID, true, 404},
		{"/api/v1/persons?name=Featherstonehaugh", true, 403},
		{"/incidents/" + incs[0].ID, false, 404},
		{"/api/v1/incidents/" + incs[1].ID, true, 404},
	}
	for _, name := range dashboardCharts {
		cases = append(cases, struct {
			path   string
			api    bool
			status int
		}{"/analytics/" + name + ".csv", false, 200})
	}
	for _, c := range cases {
		status, body := get(c.path, c.api)
		if status != c.status {
			t.Errorf("analyst GET %s = %d, want %d", c.path, status, c.status)
		}
		if c.status == 200 && c.path == "/analytics" && !strings.Contains(body, "<dd>8</dd>") {
			t.Errorf("the dashboard does not count the 8 incidents")
		}
		for _, secret := range secrets {
			if secret != "" && strings.Contains(body, secret) {
				t.Errorf("analyst GET %s shows %q", c.path, secret)
			}
		}
	}
}
