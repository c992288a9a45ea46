package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/web"
)

// dashSecrets are what no dashboard answer may contain: the seeded
// people's names and the incidents' addresses.
var dashSecrets = []string{"Zephyrine", "Oakhurst", "Balthazar", "Quimby", "Secret Orchard", "41.8812", "-87.6234"}

// dashIncidents imports metro-pd's dashboard fixture, as a system process,
// all at noon UTC (morning in Chicago, the same day):
//
//   - 2023, district 007: 3 DV simple assaults (10 Feb, 10 Mar, 10 Apr);
//     the first two with the same victim and suspect, the second with an
//     arrest;
//   - 2023, district 011: 12 DV aggravated assaults (the 15th of each
//     month) and 6 vandalisms not flagged domestic (the 20th, Jan–Jun);
//   - 2022, district 011: 2 DV aggravated assaults in March (last year).
//
// So over 2023: 21 incidents, 15 domestic, 1 DV arrest; March 2023 has 2
// DV incidents and March 2022 2.
func dashIncidents(t testing.TB, db *store.DB, agencyID string) {
	t.Helper()
	sys := storetest.System()
	victim := &haven.Person{AgencyID: agencyID, GivenName: "Zephyrine", FamilyName: "Oakhurst", DateOfBirth: "1985-05-05"}
	suspect := &haven.Person{AgencyID: agencyID, GivenName: "Balthazar", FamilyName: "Quimby", DateOfBirth: "1983-03-03"}
	for _, p := range []*haven.Person{victim, suspect} {
		if _, err := db.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
	}
	lat, lon := 41.881234, -87.623456
	n := 0
	add := func(batch []*haven.Incident, day time.Time, district, code string, dv bool) []*haven.Incident {
		at := day.Add(12 * time.Hour)
		n++
		return append(batch, &haven.Incident{Source: "dashtest", SourceID: fmt.Sprint("d-", n), Domestic: dv, ReportedAt: at, OccurredAt: &at,
			Offenses: []haven.Offense{{Code: code}},
			Location: haven.Location{Address: fmt.Sprintf("%d Secret Orchard Road", n), Latitude: &lat, Longitude: &lon, District: district, Beat: district + "1"}})
	}
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	var batch []*haven.Incident
	for _, m := range []int{2, 3, 4} {
		batch = add(batch, d(2023, m, 10), "007", "13B", true)
	}
	parties := []haven.Party{{PersonID: victim.ID, Role: haven.PartyVictim}, {PersonID: suspect.ID, Role: haven.PartySuspect}}
	batch[0].Parties, batch[1].Parties = parties, parties
	batch[1].Arrests = []haven.Arrest{{PersonID: suspect.ID, At: *batch[1].OccurredAt, Charges: []string{"13B"}}}
	for m := 1; m <= 12; m++ {
		batch = add(batch, d(2023, m, 15), "011", "13A", true)
	}
	for m := 1; m <= 6; m++ {
		batch = add(batch, d(2023, m, 20), "011", "290", false)
	}
	batch = add(batch, d(2022, 3, 15), "011", "13A", true)
	batch = add(batch, d(2022, 3, 16), "011", "13A", true)
	if _, err := db.ImportIncidents(sys, agencyID, batch); err != nil {
		t.Fatal(err)
	}
}

// csvRows parses a CSV answer.
func csvRows(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rows
}

func rowOf(rows [][]string, first string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == first {
			return r
		}
	}
	return nil
}

func TestDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pd := e.agency("metro-pd")
		e.addUser(pd, "analyst", haven.RoleAnalyst)
		dashIncidents(t, db, pd.ID)
		c := browserClient()
		login(t, e, c, "analyst", storetest.Password)
		const year = "from=2023-01-01&to=2023-12-31"

		// The page: exact counts for the agency's own staff.
		resp, body := get(t, c, e.srv.URL+"/analytics?"+year)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /analytics = %d: %.500s", resp.StatusCode, body)
		}
		for _, want := range []string{
			`<dd>21</dd>`, `<dd>15 (71.4 %)</dd>`, `<dd>1 (6.7 %)</dd>`, // headline
			`<th scope="row">007</th><td>3</td><td>3</td>`, // district table: exact 3
			`<th scope="row">011</th><td>12</td><td>18</td>`,
			`<th scope="row">2023-03</th><td>2023-03-01</td><td>2</td><td>2</td>`, // month and last year
			`role="img"`, `<title id="chart-weeks-title">`, `href="/analytics/districts.csv?`, `<a href="/analytics" aria-current="page">Dashboard</a>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		for _, secret := range dashSecrets {
			if strings.Contains(body, secret) {
				t.Errorf("page shows %q", secret)
			}
		}
		if strings.Contains(body, "style=") || strings.Contains(body, "<script") {
			t.Error("inline style or script on the page")
		}

		// The offence filter narrows the DV series.
		_, body = get(t, c, e.srv.URL+"/analytics?"+year+"&offense=13A")
		if !strings.Contains(body, `<dd>12</dd>`) || strings.Contains(body, `<th scope="row">007</th>`) {
			t.Error("offense=13A does not narrow the counts")
		}
		// The district filter too.
		_, body = get(t, c, e.srv.URL+"/analytics?"+year+"&district=007")
		if !strings.Contains(body, `<dd>3</dd>`) {
			t.Error("district=007 does not narrow the counts")
		}

		// No dates: the last 12 months hold nothing, so the page shows the
		// 12 months up to the latest incident (December 2023).
		_, body = get(t, c, e.srv.URL+"/analytics")
		if !strings.Contains(body, "2023-01-01 to 2023-12-31") || !strings.Contains(body, `<dd>21</dd>`) {
			t.Errorf("default range: %.2000s", body[strings.Index(body, "<main"):])
		}
		// Empty dates: all time (23 incidents).
		_, body = get(t, c, e.srv.URL+"/analytics?from=&to=")
		if !strings.Contains(body, "all time") || !strings.Contains(body, `<dd>23</dd>`) {
			t.Error("from=&to= is not all time")
		}
		// A bad parameter: the page says which, with a 422.
		resp, body = get(t, c, e.srv.URL+"/analytics?from=yesterday")
		if resp.StatusCode != 422 || !strings.Contains(body, `aria-invalid="true"`) ||
			!strings.Contains(body, `name="from" type="date" value="2023-01-01" aria-invalid="true"`) {
			t.Errorf("bad from: %d", resp.StatusCode)
		}

		// CSV: an export, small counts suppressed.
		csvGet := func(name, query string) [][]string {
			t.Helper()
			resp, body := get(t, c, e.srv.URL+"/analytics/"+name+".csv?"+query)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="dashboard-`+name+`.csv"`) {
				t.Fatalf("%s.csv = %d %v: %.300s", name, resp.StatusCode, resp.Header, body)
			}
			for _, secret := range dashSecrets {
				if strings.Contains(body, secret) {
					t.Errorf("%s.csv shows %q", name, secret)
				}
			}
			return csvRows(t, body)
		}
		rows := csvGet("districts", year)
		if strings.Join(rows[0], ",") != "district,domestic,all" {
			t.Errorf("header %v", rows[0])
		}
		if got := strings.Join(rowOf(rows, "007"), ","); got != "007,<5,<5" {
			t.Errorf("district 007 exported as %q, want 007,<5,<5", got)
		}
		if got := strings.Join(rowOf(rows, "011"), ","); got != "011,12,18" {
			t.Errorf("district 011 exported as %q", got)
		}
		rows = csvGet("totals", year)
		// 1 arrest → "<5", and the arrest rate (1 of 15) withheld.
		if got := strings.Join(rows[1], ","); got != "21,15,71.4,<5," {
			t.Errorf("totals exported as %q, want 21,15,71.4,<5,", got)
		}
		rows = csvGet("months", year)
		if got := strings.Join(rowOf(rows, "2023-03"), ","); got != "2023-03,2023-03-01,<5,<5" {
			t.Errorf("March exported as %q", got)
		}
		if got := strings.Join(rowOf(rows, "2023-05"), ","); got != "2023-05,2023-05-01,<5,0" {
			t.Errorf("May exported as %q (0 must stay 0)", got)
		}
		rows = csvGet("repeat", year)
		if len(rows) != 2 || rows[1][2] != "" || rows[1][5] != "" {
			t.Errorf("repeat shares of suppressed counts exported: %v", rows)
		}
		rows = csvGet("heat", year)
		if len(rows) != 8 || len(rows[0]) != 25 || rows[1][0] != "Sun" {
			t.Errorf("heat grid CSV %d×%d", len(rows), len(rows[0]))
		}
		for _, name := range []string{"weeks", "beats", "lethality", "referrals", "occupancy"} {
			csvGet(name, year)
		}
		if resp, _ := get(t, c, e.srv.URL+"/analytics/nope.csv"); resp.StatusCode != 404 {
			t.Errorf("unknown CSV = %d", resp.StatusCode)
		}
		if resp, _ := get(t, c, e.srv.URL+"/analytics/weeks.csv?to=2020-01-01&from=2021-01-01"); resp.StatusCode != 422 {
			t.Errorf("CSV with to before from = %d", resp.StatusCode)
		}

		// The API: an export too.
		resp, body = e.do("GET", "/api/v1/analytics/dashboard?"+year, "analyst", "")
		if resp.StatusCode != 200 {
			t.Fatalf("API = %d: %s", resp.StatusCode, body)
		}
		var doc struct {
			SuppressionThreshold int            `json:"suppression_threshold"`
			Totals               map[string]any `json:"totals"`
			Districts            []map[string]any
			HeatGrid             [7][24]any `json:"heat_grid"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.SuppressionThreshold != 5 || doc.Totals["incidents"] != 21.0 || doc.Totals["arrests"] != "<5" || doc.Totals["arrest_rate"] != nil {
			t.Errorf("API totals %v (threshold %d)", doc.Totals, doc.SuppressionThreshold)
		}
		found := false
		for _, a := range doc.Districts {
			if a["key"] == "007" {
				found = true
				if a["domestic"] != "<5" || a["all"] != "<5" {
					t.Errorf("API district 007: %v", a)
				}
			}
		}
		if !found {
			t.Error("API: no district 007")
		}
		for _, secret := range dashSecrets {
			if strings.Contains(body, secret) {
				t.Errorf("API shows %q", secret)
			}
		}
		for _, bad := range []struct{ query, field string }{
			{"from=2023-13-01", "from"}, {"to=tomorrow", "to"}, {"from=2023-06-01&to=2023-01-01", "to"},
			{"district=" + strings.Repeat("1", 11), "district"}, {"district=0%3B1", "district"}, {"offense=13B%21", "offense"},
			{"offense=" + strings.Repeat("A", 6), "offense"},
		} {
			resp, body := e.do("GET", "/api/v1/analytics/dashboard?"+bad.query, "analyst", "")
			if resp.StatusCode != 422 || !strings.Contains(body, `"field":"`+bad.field+`"`) {
				t.Errorf("API ?%s = %d %s, want 422 naming %s", bad.query, resp.StatusCode, body, bad.field)
			}
		}
		// Others are refused by the store.
		if resp, _ := e.do("GET", "/api/v1/analytics/dashboard", "officer", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("officer API = %d", resp.StatusCode)
		}
	})
}

// TestDashboardThreshold: the threshold is the server's configuration.
func TestDashboardThreshold(t *testing.T) {
	db := storetest.Open(t, "sqlite", storetest.Config())
	s, err := web.New(web.Config{SuppressThreshold: 13}, web.ServicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	analyst := storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)
	tok, _, err := db.CreateToken(storetest.System(), analyst.ID, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	dashIncidents(t, db, pd.ID)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/analytics/dashboard?from=2023-01-01&to=2023-12-31", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		SuppressionThreshold int `json:"suppression_threshold"`
		Districts            []map[string]any
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	// 011: 12 DV of 18 → "<13" and 18.
	if doc.SuppressionThreshold != 13 || len(doc.Districts) == 0 || doc.Districts[0]["domestic"] != "<13" || doc.Districts[0]["all"] != 18.0 {
		t.Errorf("threshold 13: %+v", doc)
	}
}

// TestDashboardDemoDefaultsToAllTime: the demo's real data (the Chicago
// sample) is years old, so its dashboard opens on all time.
func TestDashboardDemoDefaultsToAllTime(t *testing.T) {
	db := storetest.Open(t, "sqlite", storetest.Config())
	s, err := web.New(web.Config{Demo: true}, web.ServicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	analyst := storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)
	sess, _, err := db.Login(context.Background(), analyst.Username, storetest.Password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	dashIncidents(t, db, pd.ID)
	req := httptest.NewRequest("GET", "/analytics", nil)
	req.AddCookie(&http.Cookie{Name: "haven_session", Value: sess})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "all time (a demo") {
		t.Fatalf("demo dashboard: %d %.300s", rec.Code, rec.Body.String())
	}
}
