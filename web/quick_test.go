package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// quickLegalPhone is the legal clinic's phone added to the fixture.
const quickLegalPhone = "0800 000 9999"

// quickEnv is a demo-like directory: harbor-house's fixture (a hotline,
// the confidential shelter, a legal clinic), with the clinic tagged as
// legal advocacy and given a phone; metro-pd's hotline set; and the
// shelter's beds updated by its staff.
func quickEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := newEnv(t, db)
	ctx := storetest.System()
	var m map[string]any
	if err := json.Unmarshal([]byte(hsdstest.FixtureWithTaxonomy()), &m); err != nil {
		t.Fatal(err)
	}
	m["attribute"] = append(m["attribute"].([]any), map[string]any{"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0f01",
		"link_id": hsdstest.LegalID, "link_entity": "service", "taxonomy_term_id": "a5858866-285e-4221-94b7-d4275cfb385c"})
	m["phone"] = append(m["phone"].([]any), map[string]any{"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0f02",
		"service_id": hsdstest.LegalID, "number": quickLegalPhone, "type": "voice"})
	b, _ := json.Marshal(m)
	doc, err := hsds.DecodeJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	hh, err := db.AgencyBySlug(ctx, "harbor-house")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportDirectory(ctx, hh.ID, doc); err != nil {
		t.Fatal(err)
	}
	pd, err := db.AgencyBySlug(ctx, "metro-pd")
	if err != nil {
		t.Fatal(err)
	}
	name, phone := "Metro DV Hotline", "+1 555 0100"
	if _, err := db.UpdateAgencySettings(ctx, pd.ID, haven.AgencySettings{HotlineName: &name, HotlinePhone: &phone}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do("PUT", "/api/v1/shelters/"+hsdstest.ShelterLocID+"/availability", "shelter",
		`{"units":[{"category":"families","total":6,"available":2}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT availability = %d %s", resp.StatusCode, body)
	}
	return e
}

// TestQuickList: the officer's one screen — the hotline, the shelter with
// beds (area label, never where), legal help, each a tel: link; with a
// position, distances; a bad position is the page with an error (422);
// the position never reaches the log.
func TestQuickList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := quickEnv(t, db)
		c := browserClient()
		login(t, e, c, "officer", storetest.Password)

		resp, body := get(t, c, e.srv.URL+"/quick")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /quick = %d %s", resp.StatusCode, body)
		}
		for _, want := range []string{
			`href="tel:&#43;1%20555%200100"`, "Metro DV Hotline",
			hsdstest.ShelterArea, "2 beds free", `href="tel:0800%20000%205678"`,
			"Legal advice clinic", `href="tel:0800%20000%209999"`,
			`<script src="/static/quick-list.js" defer></script>`, `id="quick-locate"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/quick lacks %q", want)
			}
		}
		if strings.Contains(body, " km") {
			t.Errorf("/quick without a position shows a distance")
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		noShelterSecrets(t, "/quick", body)
		if strings.Contains(body, hsdstest.OfficeStreet) {
			t.Errorf("/quick shows an address")
		}

		resp, body = get(t, c, e.srv.URL+"/quick?lat=51.4912&lon=-0.1934")
		if resp.StatusCode != 200 || !strings.Contains(body, " km") || !strings.Contains(body, "Nearest first") || strings.Contains(body, `id="quick-locate"`) {
			t.Errorf("GET /quick with a position = %d %s", resp.StatusCode, body)
		}
		noShelterSecrets(t, "/quick with a position", body)
		if resp, body = get(t, c, e.srv.URL+"/quick?lat="+hsdstest.ShelterLat+"&lon="+hsdstest.ShelterLon); resp.StatusCode != 200 {
			t.Errorf("GET /quick at the shelter = %d", resp.StatusCode)
		}
		if i := strings.Index(body, `<main`); i >= 0 {
			noShelterSecrets(t, "/quick at the shelter", body[i:])
		}

		for _, q := range []string{"lat=91&lon=0", "lat=abc&lon=0", "lat=50", "lon=1", "lat=NaN&lon=NaN", "lat=1&lon=181"} {
			resp, body := get(t, c, e.srv.URL+"/quick?"+q)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "Metro DV Hotline") {
				t.Errorf("GET /quick?%s = %d %s", q, resp.StatusCode, body)
			}
		}
		if logs := e.logs.String(); strings.Contains(logs, "51.4912") || strings.Contains(logs, "lat=") {
			t.Errorf("the log holds the position: %s", logs)
		}

		// Analysts and administrators are refused by the search.
		pc := browserClient()
		login(t, e, pc, "pdadmin", storetest.Password)
		if resp, _ := get(t, pc, e.srv.URL+"/quick"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("pdadmin GET /quick = %d", resp.StatusCode)
		}
		// The officer's home links the quick list.
		if _, body := get(t, c, e.srv.URL+"/home"); !strings.Contains(body, `href="/quick"`) {
			t.Errorf("home lacks the quick list link")
		}
	})
}
