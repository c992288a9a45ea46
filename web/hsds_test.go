package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// hsdsEnv is the env with the test fixture (a confidential shelter) in
// harbor-house's directory and, when the reference files are there, the
// standard's example CSV package in metro-pd's.
func hsdsEnv(t *testing.T, db *store.DB, withExample bool) *env {
	t.Helper()
	e := newEnv(t, db)
	ctx := storetest.System()
	hh, err := db.AgencyBySlug(ctx, "harbor-house")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportDirectory(ctx, hh.ID, hsdstest.Fixture()); err != nil {
		t.Fatal(err)
	}
	if withExample {
		dir := filepath.Join(hsdstest.Dir(t), "examples", "csv")
		doc, err := hsds.DecodePackage(os.DirFS(dir), ".")
		if err != nil {
			t.Fatal(err)
		}
		pd, err := db.AgencyBySlug(ctx, "metro-pd")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportDirectory(ctx, pd.ID, doc); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestHSDSAPIValidates fetches every /hsds/ route over both directories
// and validates each answer for real against the standard's schemas; no
// answer holds the confidential shelter's address or coordinates.
func TestHSDSAPIValidates(t *testing.T) {
	hsdstest.Schemas(t) // skips when the reference files are absent
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := hsdsEnv(t, db, true)
		check := func(path, schema, user string) string {
			t.Helper()
			resp, body := e.do("GET", path, user, "")
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			if err := hsdstest.Validate(t, schema, []byte(body)); err != nil {
				t.Errorf("GET %s does not validate against %s: %v\n%s", path, schema, err, body)
			}
			for _, s := range hsdstest.Secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s as %q shows the confidential %q", path, user, s)
				}
			}
			return body
		}
		ids := func(body string) []string {
			var p struct {
				Contents []struct {
					ID string `json:"id"`
				} `json:"contents"`
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range p.Contents {
				out = append(out, c.ID)
			}
			return out
		}
		for _, user := range []string{"", "shelter", "admin"} {
			check("/hsds/", hsdstest.Root, user)
			lists := []struct{ list, one, schema string }{
				{"/hsds/services", "/hsds/services/", hsdstest.Service},
				{"/hsds/organizations", "/hsds/organizations/", hsdstest.Organization},
				{"/hsds/service_at_locations", "/hsds/service_at_locations/", hsdstest.ServiceAtLocation},
				{"/hsds/taxonomies", "/hsds/taxonomies/", hsdstest.Taxonomy},
				{"/hsds/taxonomy_terms", "/hsds/taxonomy_terms/", hsdstest.TaxonomyTerm},
			}
			for _, l := range lists {
				body := check(l.list+"?per_page=100", strings.TrimPrefix(l.list, "/hsds"), user)
				got := ids(body)
				if len(got) == 0 {
					t.Errorf("%s is empty", l.list)
				}
				for _, id := range got {
					check(l.one+id, l.schema, user)
					if l.one == "/hsds/organizations/" {
						check(l.one+id+"?full_service=true", l.schema, user)
					}
				}
			}
		}
	})
}

func TestHSDSAPIFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := hsdsEnv(t, db, false)
		tests := []struct {
			path   string
			status int
			total  int    // total_items, for 200
			has    string // in the body
		}{
			{"/hsds/", 200, -1, `"version":"3.0"`},
			{"/hsds/services", 200, 3, `"first_page":true`},
			{"/hsds/services?search=HELPLINE", 200, 1, "24-hour helpline"},
			{"/hsds/services?search=refuge+women", 200, 1, "Emergency refuge"},
			{"/hsds/services?taxonomy_term_id=1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e", 200, 1, "Emergency refuge"},
			{"/hsds/services?taxonomy_id=9cf98de2-54d6-436d-8e13-e6f5722a4a2d", 200, 2, ""},
			{"/hsds/services?organization_id=" + hsdstest.OrgID, 200, 3, ""},
			{"/hsds/services?organization_id=nope", 200, 0, `"empty":true`},
			{"/hsds/services?modified_after=2026-02-01T00:00:00Z", 200, 2, ""},
			{"/hsds/services?modified_after=2026-03-01", 200, 1, "Legal advice"},
			{"/hsds/services?page=2&per_page=2", 200, 3, `"last_page":true`},
			{"/hsds/services?minimal=true&full=false", 200, 3, ""},
			{"/hsds/service_at_locations", 200, 2, hsdstest.ShelterArea + store.ConfidentialSuffix},
			{"/hsds/service_at_locations?postcode=WX11AA", 200, 1, "Town office"},
			{"/hsds/service_at_locations?postcode=" + strings.ReplaceAll(hsdstest.ShelterPostcode, " ", "+"), 200, 0, ""},
			{"/hsds/service_at_locations?search=northgate", 200, 1, ""},
			{"/hsds/organizations?search=refuge", 200, 1, "Northgate Refuge Trust"},
			{"/hsds/taxonomies", 200, 1, "haven-dv"},
			{"/hsds/taxonomy_terms?taxonomy_id=9cf98de2-54d6-436d-8e13-e6f5722a4a2d&top_only=true", 200, 13, ""},
			{"/hsds/taxonomy_terms?search=pet+shelter", 200, 1, "pet_shelter"},
			{"/hsds/services/" + hsdstest.ShelterID, 200, -1, hsdstest.ShelterArea + store.ConfidentialSuffix},
			{"/hsds/services/nope", 404, -1, `"not_found"`},
			{"/hsds/services?page=0", 400, -1, `"field":"page"`},
			{"/hsds/services?page=x", 400, -1, `"field":"page"`},
			{"/hsds/services?per_page=100000", 400, -1, `"field":"per_page"`},
			{"/hsds/services?modified_after=yesterday", 400, -1, `"field":"modified_after"`},
			{"/hsds/services?minimal=perhaps", 400, -1, `"field":"minimal"`},
			{"/hsds/services?format=xml", 422, -1, `"field":"format"`},
			{"/hsds/organizations/" + hsdstest.OrgID + "?full_service=maybe", 400, -1, `"field":"full_service"`},
			{"/hsds/service_at_locations?proximity=1,2,3&postcode=WX11AA", 400, -1, `"field":"proximity"`},
			{"/hsds/service_at_locations?proximity=1000", 422, -1, `"field":"proximity"`},
			{"/hsds/service_at_locations?postcode=WX1+1AA&proximity=1000", 200, 1, "Town office"},
			// The confidential shelter has neither address nor coordinates in
			// public: its postcode has no centroid, and it is never "within".
			{"/hsds/service_at_locations?proximity=100000&postcode=" + strings.ReplaceAll(hsdstest.ShelterPostcode, " ", "+"), 422, -1, `"field":"postcode"`},
			{"/hsds/taxonomy_terms?top_only=2", 400, -1, `"field":"top_only"`},
			{"/hsds/services?search=" + strings.Repeat("a", 300), 400, -1, `"field":"search"`},
		}
		for _, tt := range tests {
			t.Run(tt.path, func(t *testing.T) {
				resp, body := e.do("GET", tt.path, "", "")
				if resp.StatusCode != tt.status {
					t.Fatalf("%d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if !strings.Contains(body, tt.has) {
					t.Errorf("no %q in %s", tt.has, body)
				}
				if tt.total >= 0 {
					var p hsds.Page[json.RawMessage]
					if err := json.Unmarshal([]byte(body), &p); err != nil {
						t.Fatal(err)
					}
					if p.TotalItems != tt.total {
						t.Errorf("total_items %d, want %d", p.TotalItems, tt.total)
					}
				}
				for _, s := range hsdstest.Secrets {
					if strings.Contains(body, s) {
						t.Errorf("shows the confidential %q", s)
					}
				}
			})
		}
	})
}
