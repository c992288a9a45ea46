package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/shelter"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// withoutService is the fixture without one service and what hangs off it
// (its service at location, attributes, phones), and without the taxonomy
// (shared: a Replace import never touches it). It returns how many detail
// records it dropped.
func withoutService(id string) (*hsds.Document, int) {
	d := hsdstest.Fixture()
	dropped := 0
	d.Services = slices.DeleteFunc(d.Services, func(s hsds.Service) bool { return s.ID == id })
	d.ServiceAtLocations = slices.DeleteFunc(d.ServiceAtLocations, func(s hsds.ServiceAtLocation) bool {
		drop := s.ServiceID == id
		if drop {
			dropped++
		}
		return drop
	})
	d.Attributes = slices.DeleteFunc(d.Attributes, func(a hsds.Attribute) bool {
		drop := a.LinkID == id
		if drop {
			dropped++
		}
		return drop
	})
	d.Phones = slices.DeleteFunc(d.Phones, func(p hsds.Phone) bool {
		drop := p.ServiceID == id
		if drop {
			dropped++
		}
		return drop
	})
	d.Taxonomies, d.TaxonomyTerms = nil, nil
	return d, dropped
}

func serviceIDs(rs []shelter.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ServiceID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// A Replace import makes the directory what the data says: a service the
// data no longer has is retired (defunct, kept, no longer searchable), its
// details are deleted, locations, organizations and shared taxonomies are
// kept, and the shelter's location stays confidential. A plain import of
// the same data keeps everything; importing the full data again revives
// the service.
func TestDirectoryImportReplace(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		sys, off := storetest.System(), storetest.As(w.off)
		hh := w.staff.AgencyID
		search := func() []string {
			t.Helper()
			rs, err := w.db.SearchServices(off, shelter.Query{})
			if err != nil {
				t.Fatal(err)
			}
			return serviceIDs(rs)
		}
		before := search()
		if !slices.Contains(before, hsdstest.ShelterID) {
			t.Fatalf("the shelter is not found before: %v", before)
		}
		pub0, _, err := w.db.PublicDirectory(sys)
		if err != nil {
			t.Fatal(err)
		}

		d, dropped := withoutService(hsdstest.ShelterID)
		// Without Replace, nothing the data lacks is touched.
		c, err := w.db.ImportDirectory(sys, hh, d)
		if err != nil {
			t.Fatal(err)
		}
		if c.Changed() || c.Retired != 0 || c.Removed != 0 {
			t.Fatalf("plain import of less data changed %+v", c)
		}
		if got := search(); !slices.Equal(got, before) {
			t.Fatalf("after a plain import the search finds %v, want %v", got, before)
		}

		d, _ = withoutService(hsdstest.ShelterID)
		c, err = w.db.ImportDirectoryOptions(sys, hh, d, store.DirectoryImportOptions{Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Retired != 1 || c.Removed != dropped || c.Created != 0 || c.Updated != 0 {
			t.Fatalf("replace: %+v, want 1 retired, %d removed", c, dropped)
		}
		if got := search(); slices.Contains(got, hsdstest.ShelterID) || len(got) != len(before)-1 {
			t.Fatalf("after replace the search finds %v (before %v)", got, before)
		}
		pub, _, err := w.db.PublicDirectory(sys)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, s := range pub.Services {
			status[s.ID] = s.Status
		}
		if status[hsdstest.ShelterID] != hsds.StatusDefunct || status[hsdstest.HotlineID] != "active" {
			t.Errorf("statuses after replace: %v", status)
		}
		if len(pub.Locations) != len(pub0.Locations) || len(pub.Organizations) != len(pub0.Organizations) ||
			len(pub.TaxonomyTerms) != len(pub0.TaxonomyTerms) || len(pub.Taxonomies) != len(pub0.Taxonomies) {
			t.Errorf("kept records changed: %d/%d locations, %d/%d organizations, %d/%d terms, %d/%d taxonomies",
				len(pub.Locations), len(pub0.Locations), len(pub.Organizations), len(pub0.Organizations),
				len(pub.TaxonomyTerms), len(pub0.TaxonomyTerms), len(pub.Taxonomies), len(pub0.Taxonomies))
		}
		for _, sal := range pub.ServiceAtLocations {
			if sal.ID == hsdstest.ShelterSALID {
				t.Error("the retired service's service at location is still there")
			}
		}
		// The refuge's location lost its shelter service and tag on the
		// service, yet stays confidential: its address never goes public.
		if js := mustJSON(t, pub); len(leaks(js)) > 0 {
			t.Errorf("public directory leaks %v after replace", leaks(js))
		}
		locs, err := w.db.DirectoryLocations(sys, hh)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locs {
			if l.ID == hsdstest.ShelterLocID && !l.Confidential {
				t.Error("the refuge's location became public")
			}
		}

		// The same replace again changes nothing.
		d, _ = withoutService(hsdstest.ShelterID)
		if c, err = w.db.ImportDirectoryOptions(sys, hh, d, store.DirectoryImportOptions{Replace: true}); err != nil || c.Changed() {
			t.Fatalf("repeated replace: %+v, %v", c, err)
		}

		// The full data again brings the service back as it says.
		c, err = w.db.ImportDirectoryOptions(sys, hh, hsdstest.Fixture(), store.DirectoryImportOptions{Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Updated != 1 || c.Created != dropped || c.Retired != 0 || c.Removed != 0 {
			t.Fatalf("full import after replace: %+v, want 1 updated, %d created", c, dropped)
		}
		if got := search(); !slices.Equal(got, before) {
			t.Fatalf("after the full import the search finds %v, want %v", got, before)
		}
	})
}

// The service search lists no service the directory says is inactive or
// defunct, as the public finder does not.
func TestServiceSearchSkipsClosedServices(t *testing.T) {
	for _, status := range []string{hsds.StatusInactive, hsds.StatusDefunct} {
		t.Run(status, func(t *testing.T) {
			eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
				d := hsdstest.Fixture()
				for i := range d.Services {
					if d.Services[i].ID == hsdstest.ShelterID || d.Services[i].ID == hsdstest.HotlineID {
						d.Services[i].Status = status
					}
				}
				if _, err := w.db.ImportDirectory(storetest.System(), w.staff.AgencyID, d); err != nil {
					t.Fatal(err)
				}
				rs, err := w.db.SearchServices(storetest.As(w.off), shelter.Query{})
				if err != nil {
					t.Fatal(err)
				}
				got := serviceIDs(rs)
				// The shelter has a location, the hotline none: both paths.
				if slices.Contains(got, hsdstest.ShelterID) || slices.Contains(got, hsdstest.HotlineID) || !slices.Contains(got, hsdstest.LegalID) {
					t.Errorf("%s services: search finds %v", status, got)
				}
			})
		})
	}
}

// A location once confidential stays so, whatever a later import says
// about its services: its address must not become public.
func TestConfidentialLocationStaysConfidential(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		sys := storetest.System()
		d := hsdstest.Fixture()
		// The refuge's tags now point elsewhere: no shelter term links to
		// its location or its service any more.
		d.Attributes = slices.DeleteFunc(d.Attributes, func(a hsds.Attribute) bool {
			return a.LinkID == hsdstest.ShelterID || a.LinkID == hsdstest.ShelterLocID
		})
		if _, err := w.db.ImportDirectoryOptions(sys, w.staff.AgencyID, d, store.DirectoryImportOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		locs, err := w.db.DirectoryLocations(sys, w.staff.AgencyID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range locs {
			if l.ID == hsdstest.ShelterLocID {
				found = true
				if !l.Confidential {
					t.Error("the refuge's location became public")
				}
			}
		}
		if !found {
			t.Fatal("the refuge's location is gone")
		}
		pub, _, err := w.db.PublicDirectory(sys)
		if err != nil {
			t.Fatal(err)
		}
		if js := mustJSON(t, pub); len(leaks(js)) > 0 || strings.Contains(js, hsdstest.ShelterStreet) {
			t.Errorf("public directory leaks %v", leaks(js))
		}
	})
}

// PublishLocation is the one way back from confidential: the agency's
// administrator, with a reason, audited; never for a location its tags
// make a shelter's; and an import afterwards leaves it public.
func TestPublishLocation(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		sys, hh := storetest.System(), w.staff.AgencyID
		// The office marked confidential by mistake.
		if _, err := w.db.ImportDirectoryOptions(sys, hh, hsdstest.Fixture(),
			store.DirectoryImportOptions{Confidential: []string{hsdstest.OfficeLocID}}); err != nil {
			t.Fatal(err)
		}
		confidential := func() map[string]bool {
			t.Helper()
			locs, err := w.db.DirectoryLocations(sys, hh)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]bool{}
			for _, l := range locs {
				m[l.ID] = l.Confidential
			}
			return m
		}
		if c := confidential(); !c[hsdstest.OfficeLocID] || !c[hsdstest.ShelterLocID] {
			t.Fatalf("before: %v", c)
		}
		admin := storetest.As(w.admin)
		other := w.otherStaff.AgencyID
		tests := []struct {
			name             string
			ctx              context.Context
			agency, loc, why string
			code             string
		}{
			{"the refuge, tagged a shelter", admin, hh, hsdstest.ShelterLocID, "moved", haven.EINVALID},
			{"no reason", admin, hh, hsdstest.OfficeLocID, "  ", haven.EINVALID},
			{"shelter staff", storetest.As(w.staff), hh, hsdstest.OfficeLocID, "mistake", haven.EFORBIDDEN},
			{"another agency's officer", storetest.As(w.off), hh, hsdstest.OfficeLocID, "mistake", haven.EFORBIDDEN},
			{"for another agency", admin, other, hsdstest.OfficeLocID, "mistake", haven.EFORBIDDEN},
			{"the location is another agency's", sys, other, hsdstest.OfficeLocID, "mistake", haven.ENOTFOUND},
			{"no such location", admin, hh, "nope", "mistake", haven.ENOTFOUND},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := haven.ErrorCode(w.db.PublishLocation(tt.ctx, tt.agency, tt.loc, tt.why)); got != tt.code {
					t.Fatalf("code %q, want %q", got, tt.code)
				}
			})
		}
		if c := confidential(); !c[hsdstest.OfficeLocID] || !c[hsdstest.ShelterLocID] {
			t.Fatalf("after the refusals: %v", c)
		}
		if err := w.db.PublishLocation(admin, hh, hsdstest.OfficeLocID, "marked by mistake: our public office"); err != nil {
			t.Fatal(err)
		}
		if c := confidential(); c[hsdstest.OfficeLocID] || !c[hsdstest.ShelterLocID] {
			t.Fatalf("after publishing the office: %v", c)
		}
		if e := auditFor(t, w.db, "directory.publish_location", "allowed", hsdstest.OfficeLocID); e == nil || e.Details["reason"] != "marked by mistake: our public office" {
			t.Errorf("audit entry: %+v", e)
		}
		pub, _, err := w.db.PublicDirectory(sys)
		if err != nil {
			t.Fatal(err)
		}
		if js := mustJSON(t, pub); !strings.Contains(js, hsdstest.OfficeStreet) || len(leaks(js)) > 0 {
			t.Errorf("public directory: office shown %v, leaks %v", strings.Contains(js, hsdstest.OfficeStreet), leaks(js))
		}
		// A plain import afterwards leaves it public; publishing it again
		// is nothing to do.
		if _, err := w.db.ImportDirectory(sys, hh, hsdstest.Fixture()); err != nil {
			t.Fatal(err)
		}
		if c := confidential(); c[hsdstest.OfficeLocID] {
			t.Error("an import made the office confidential again")
		}
		if err := w.db.PublishLocation(admin, hh, hsdstest.OfficeLocID, "again"); err != nil {
			t.Errorf("publishing a public location: %v", err)
		}
	})
}
