package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/shelter"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// The confidential-location crawl (issue 7): the policy world also holds a
// confidential shelter of another agency (harbor-house), with beds
// recorded, so every route the policy test calls, as every role of
// metro-pd and as the public, is checked for the shelter's street,
// postcode and coordinates (noLeak, in TestRoutePolicy). TestLeakCrawl adds
// the requests that are most likely to surface the shelter: the searches,
// the directory, the finder and the shelter's own pages.

// leakWorld imports the fixture directory (a confidential shelter, a
// hotline, a legal clinic) as harbor-house's and records beds there.
func leakWorld(t *testing.T, db *store.DB) {
	t.Helper()
	sys := storetest.System()
	hh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
	if _, err := db.ImportDirectory(sys, hh.ID, hsdstest.Fixture()); err != nil {
		t.Fatal(err)
	}
	staff := storetest.MustUser(t, db, hh, "harbor-staff", haven.RoleShelterStaff)
	if _, err := db.UpdateShelterAvailability(storetest.As(staff), hsdstest.ShelterLocID,
		[]shelter.Update{{Category: shelter.Families, Total: 6, Available: 2}}); err != nil {
		t.Fatal(err)
	}
}

// noLeak fails when an answer carries any of the confidential shelter's
// secrets. Nobody in the policy world belongs to the owning agency.
func noLeak(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.String() + strings.Join(rec.Header().Values("Location"), " ")
	for _, secret := range hsdstest.Secrets {
		if strings.Contains(body, secret) {
			t.Errorf("%s: the answer contains the confidential shelter's %q", what, secret)
		}
	}
}

func TestLeakCrawl(t *testing.T) {
	h, world := newPolicyWorld(t)
	paths := []string{
		"/find", "/find?need=shelter", "/find?need=shelter&lang=es",
		"/hsds/services", "/hsds/services/" + hsdstest.ShelterID, "/hsds/service_at_locations",
		"/hsds/service_at_locations/" + hsdstest.ShelterSALID, "/hsds/organizations", "/hsds/organizations/" + hsdstest.OrgID + "?full_service=true",
		"/hsds/services?search=Wrenfield", "/hsds/services?postcode=WX9",
		"/api/v1/services/search?need=emergency_shelter", "/api/v1/services/search?need=emergency_shelter&lat=51.48&lon=-0.19&beds=true",
		"/api/v1/shelters", "/api/v1/shelters/" + hsdstest.ShelterLocID + "/availability",
		"/shelters", "/shelters/" + hsdstest.ShelterLocID,
	}
	for _, who := range callers {
		for _, path := range paths {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, policyRequest("GET "+path, policyCase{Path: path}, world[who]))
			if rec.Code >= 500 {
				t.Errorf("GET %s as %s = %d", path, who, rec.Code)
			}
			noLeak(t, "GET "+path+" as "+who, rec)
		}
	}
	// The crawl sees the shelter at all: the public finder lists it by area.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, policyRequest("GET /find", policyCase{Path: "/find?need=shelter"}, world[anonymous]))
	if !strings.Contains(rec.Body.String(), hsdstest.ShelterArea) {
		t.Fatalf("the finder does not show the shelter's area: the crawl would prove nothing: %.500s", rec.Body.String())
	}
}
