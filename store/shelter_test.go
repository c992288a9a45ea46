package store_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/shelter"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// fakeClock is a settable Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// shelterWorld is harbor-house with the fixture directory (a confidential
// shelter) and its staff, and metro-pd with an officer.
type shelterWorld struct {
	db                                     *store.DB
	clock                                  *fakeClock
	staff, supervisor, admin, analyst, off *haven.User
	otherStaff                             *haven.User
}

func eachShelterWorld(t *testing.T, staleAfter time.Duration, fn func(t *testing.T, w *shelterWorld)) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
			cfg := storetest.Config()
			cfg.Now, cfg.ShelterStaleAfter = clock.now, staleAfter
			db := storetest.Open(t, d, cfg)
			hh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
			pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
			other := storetest.MustAgency(t, db, "other-refuge", haven.KindShelter)
			if _, err := db.ImportDirectory(storetest.System(), hh.ID, hsdstest.Fixture()); err != nil {
				t.Fatal(err)
			}
			w := &shelterWorld{db: db, clock: clock,
				staff:      storetest.MustUser(t, db, hh, "staff", haven.RoleShelterStaff),
				supervisor: storetest.MustUser(t, db, hh, "super", haven.RoleSupervisor),
				admin:      storetest.MustUser(t, db, hh, "hhadmin", haven.RoleAgencyAdmin),
				analyst:    storetest.MustUser(t, db, hh, "analyst", haven.RoleAnalyst),
				off:        storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer),
				otherStaff: storetest.MustUser(t, db, other, "otherstaff", haven.RoleShelterStaff),
			}
			for _, u := range []*haven.User{w.staff, w.supervisor, w.admin, w.analyst, w.off, w.otherStaff} {
				if u.Agency == nil {
					for _, a := range []*haven.Agency{hh, pd, other} {
						if a.ID == u.AgencyID {
							u.Agency = a
						}
					}
				}
			}
			fn(t, w)
		})
	}
}

func noSecrets(t *testing.T, what string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	for _, s := range hsdstest.Secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("%s shows the confidential %q: %s", what, s, b)
		}
	}
}

func TestShelterAvailabilityUpdatesAndHistory(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		loc := hsdstest.ShelterLocID
		ctx := storetest.As(w.staff)
		a, err := w.db.UpdateShelterAvailability(ctx, loc, []shelter.Update{{Category: shelter.Families, Total: 6, Available: 2}, {Category: shelter.SingleWomen, Total: 4, Available: 4}})
		if err != nil {
			t.Fatal(err)
		}
		if a.Beds != 6 || len(a.Capacities) != 2 || a.Stale || !a.Own || a.Name != "Wrenfield House" {
			t.Fatalf("after first update: %+v", a)
		}
		c := a.Capacities[0] // single_women first, in category order
		if c.Category != shelter.SingleWomen || c.Unit.Name == "" || c.Maximum != 4 || c.UpdatedBy != "staff" {
			t.Errorf("capacity %+v", c)
		}
		w.clock.advance(time.Hour)
		if a, err = w.db.UpdateShelterAvailability(storetest.As(w.supervisor), loc, []shelter.Update{{Category: shelter.Families, Total: 6, Available: 1}}); err != nil {
			t.Fatal(err)
		}
		if a.Beds != 5 {
			t.Errorf("beds after second update = %d, want 5", a.Beds)
		}
		hist, err := w.db.ShelterHistory(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 3 || hist[2].Available != 1 || hist[2].UpdatedBy != "super" || !hist[2].Updated.After(hist[0].Updated) {
			t.Errorf("history %+v", hist)
		}
		if _, err := w.db.ShelterHistory(storetest.As(w.off), loc); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Errorf("officer reads history: %v", err)
		}
	})
}

func TestShelterAvailabilityValidation(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		ctx := storetest.As(w.staff)
		for _, c := range []struct {
			us    []shelter.Update
			field string
		}{
			{nil, "units"},
			{[]shelter.Update{{Category: "dorm", Total: 1}}, "units[0].category"},
			{[]shelter.Update{{Category: shelter.Families, Total: 10001}}, "units[0].total"},
			{[]shelter.Update{{Category: shelter.Families, Total: 1}, {Category: shelter.Accessible, Total: 1, Available: 2}}, "units[1].available"},
		} {
			_, err := w.db.UpdateShelterAvailability(ctx, hsdstest.ShelterLocID, c.us)
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != c.field {
				t.Errorf("%+v: %v (field %q), want invalid %s", c.us, err, haven.ErrorField(err), c.field)
			}
		}
		if _, err := w.db.UpdateShelterAvailability(ctx, "no-such-location", []shelter.Update{{Category: shelter.Families, Total: 1}}); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Errorf("unknown location: %v", err)
		}
		if _, err := w.db.UpdateShelterAvailability(ctx, "x\x00y", []shelter.Update{{Category: shelter.Families, Total: 1}}); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Errorf("NUL id: %v", err)
		}
	})
}

func TestShelterAvailabilityStale(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		ctx := storetest.As(w.staff)
		if _, err := w.db.UpdateShelterAvailability(ctx, hsdstest.ShelterLocID, []shelter.Update{{Category: shelter.Families, Total: 2, Available: 1}}); err != nil {
			t.Fatal(err)
		}
		w.clock.advance(12 * time.Hour)
		a, err := w.db.ShelterAvailability(ctx, hsdstest.ShelterLocID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Stale {
			t.Error("stale at exactly 12 h")
		}
		w.clock.advance(time.Minute)
		if a, _ = w.db.ShelterAvailability(ctx, hsdstest.ShelterLocID); !a.Stale || !a.Capacities[0].Stale {
			t.Errorf("not stale after 12 h 1 min: %+v", a)
		}
		rs, err := w.db.SearchServices(storetest.As(w.off), shelter.Query{Need: "emergency_shelter"})
		if err != nil || len(rs) != 1 || !rs[0].Stale {
			t.Errorf("search does not flag stale: %v %+v", err, rs)
		}
		// A location of the agency with no entry yet is stale.
		if a, _ = w.db.ShelterAvailability(ctx, hsdstest.OfficeLocID); !a.Stale || a.Updated != nil {
			t.Errorf("no entry: %+v", a)
		}
	})
}

func TestShelterStaleAfterConfig(t *testing.T) {
	eachShelterWorld(t, time.Hour, func(t *testing.T, w *shelterWorld) {
		ctx := storetest.As(w.staff)
		if _, err := w.db.UpdateShelterAvailability(ctx, hsdstest.ShelterLocID, []shelter.Update{{Category: shelter.Families, Total: 2, Available: 1}}); err != nil {
			t.Fatal(err)
		}
		w.clock.advance(61 * time.Minute)
		if a, _ := w.db.ShelterAvailability(ctx, hsdstest.ShelterLocID); !a.Stale {
			t.Error("ShelterStaleAfter of 1 h not applied")
		}
	})
}

func TestShelterAccess(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		loc := hsdstest.ShelterLocID
		up := []shelter.Update{{Category: shelter.Families, Total: 2, Available: 1}}
		for _, c := range []struct {
			who  *haven.User
			code string
		}{{w.off, haven.EFORBIDDEN}, {w.admin, haven.EFORBIDDEN}, {w.otherStaff, haven.EFORBIDDEN}, {w.analyst, haven.EFORBIDDEN}} {
			if _, err := w.db.UpdateShelterAvailability(storetest.As(c.who), loc, up); haven.ErrorCode(err) != c.code {
				t.Errorf("%s updates: %v, want %s", c.who.Username, err, c.code)
			}
		}
		if _, err := w.db.UpdateShelterAvailability(storetest.As(w.staff), loc, up); err != nil {
			t.Fatal(err)
		}
		// The officer reads the counts, never where the shelter is.
		a, err := w.db.ShelterAvailability(storetest.As(w.off), loc)
		if err != nil {
			t.Fatal(err)
		}
		if a.Own || a.Name != hsdstest.ShelterArea+store.ConfidentialSuffix || a.AreaLabel != hsdstest.ShelterArea || a.IntakePhone != "0800 000 5678" || a.Capacities[0].UpdatedBy != "" {
			t.Errorf("officer's view %+v", a)
		}
		noSecrets(t, "ShelterAvailability as officer", a)
		list, err := w.db.Shelters(storetest.As(w.off))
		if err != nil || len(list) != 1 || list[0].LocationID != loc {
			t.Fatalf("officer's list: %v %+v", err, list)
		}
		noSecrets(t, "Shelters as officer", list)
		if list, err = w.db.Shelters(storetest.As(w.staff)); err != nil || len(list) != 2 || !list[0].Own {
			t.Errorf("staff's list (both locations): %v %+v", err, list)
		}
		if _, err := w.db.Shelters(storetest.As(w.analyst)); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Errorf("analyst lists: %v", err)
		}
		if _, err := w.db.SearchServices(storetest.As(w.admin), shelter.Query{}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Errorf("administrator searches: %v", err)
		}
	})
}

func TestServiceSearchSeesUpdateAtOnce(t *testing.T) {
	eachShelterWorld(t, 0, func(t *testing.T, w *shelterWorld) {
		off := storetest.As(w.off)
		q := shelter.Query{Need: "emergency_shelter", Lat: 51.49, Lon: -0.19, HasPoint: true, Beds: true}
		rs, err := w.db.SearchServices(off, q)
		if err != nil || len(rs) != 0 {
			t.Fatalf("before any update: %v %+v", err, rs)
		}
		if _, err := w.db.UpdateShelterAvailability(storetest.As(w.staff), hsdstest.ShelterLocID, []shelter.Update{{Category: shelter.Families, Total: 3, Available: 2}}); err != nil {
			t.Fatal(err)
		}
		if rs, err = w.db.SearchServices(off, q); err != nil || len(rs) != 1 {
			t.Fatalf("after the update: %v %+v", err, rs)
		}
		r := rs[0]
		if r.ServiceID != hsdstest.ShelterID || r.BedsAvailable == nil || *r.BedsAvailable != 2 || r.DistanceKM == nil || r.Address != "" || r.AreaLabel != hsdstest.ShelterArea {
			t.Errorf("result %+v", r)
		}
		// A confidential shelter's distance is rounded to the coarser step.
		if d := *r.DistanceKM; d != shelter.RoundConfidential(d) || d < shelter.RoundConfidentialKM {
			t.Errorf("distance %v not rounded to %v km", d, shelter.RoundConfidentialKM)
		}
		noSecrets(t, "search result", rs)
		// By code or id; the public office is found with its address.
		rs, err = w.db.SearchServices(off, shelter.Query{Need: "a5858866-285e-4221-94b7-d4275cfb385c"})
		if err != nil {
			t.Fatal(err)
		}
		all, _ := w.db.SearchServices(off, shelter.Query{Lat: 51.5, Lon: -0.12, HasPoint: true})
		if len(all) < 3 || all[0].LocationID != hsdstest.OfficeLocID || all[0].Address == "" {
			t.Errorf("nearest first: %+v", all)
		}
		noSecrets(t, "search, everything", all)
		_ = rs
	})
}
