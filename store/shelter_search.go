package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/shelter"
)

// The service search (issue 7 item 4) runs over an in-memory index
// (package shelter) built from the directory. An availability update
// through this DB patches the index at once; a directory import is picked
// up when the index is older than shelterIndexMaxAge (the index is rebuilt
// on the next search), so a search never waits on the database for more
// than that rebuild.
const shelterIndexMaxAge = 5 * time.Second

type shelterIndexHolder struct {
	mu    sync.Mutex
	x     *shelter.Index
	built time.Time // wall clock, not Config.Now: a fake clock must not freeze the index
}

var shelterIndexes sync.Map // *DB → *shelterIndexHolder

func (db *DB) shelterHolder() *shelterIndexHolder {
	h, _ := shelterIndexes.LoadOrStore(db, &shelterIndexHolder{})
	return h.(*shelterIndexHolder)
}

// shelterIndexUpdate patches the index with a location's new counts.
func (db *DB) shelterIndexUpdate(locationID string, caps []shelter.Capacity) {
	h := db.shelterHolder()
	h.mu.Lock()
	x := h.x
	h.mu.Unlock()
	if x != nil {
		x.SetAvailability(locationID, caps)
	}
}

// RefreshShelterIndex rebuilds the search index now (after an import, for
// callers that want the change seen at once).
func (db *DB) RefreshShelterIndex(ctx context.Context) error {
	h := db.shelterHolder()
	h.mu.Lock()
	defer h.mu.Unlock()
	return db.rebuildShelterIndex(ctx, h)
}

func (db *DB) shelterIndex(ctx context.Context) (*shelter.Index, error) {
	h := db.shelterHolder()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.x == nil || time.Since(h.built) > shelterIndexMaxAge {
		if err := db.rebuildShelterIndex(ctx, h); err != nil {
			return nil, err
		}
	}
	return h.x, nil
}

func (db *DB) rebuildShelterIndex(ctx context.Context, h *shelterIndexHolder) error {
	start := time.Now()
	var x *shelter.Index
	err := db.inTx(ctx, false, func(t *tx) error {
		doc, _, err := loadDirectory(ctx, t, "")
		if err != nil {
			return err
		}
		locs, err := directoryLocationMeta(ctx, t)
		if err != nil {
			return err
		}
		zones := map[string]*time.Location{}
		zrows, err := t.query(ctx, `SELECT id, time_zone FROM agencies`)
		if err != nil {
			return err
		}
		for zrows.Next() {
			var id, tz string
			if err := zrows.Scan(&id, &tz); err != nil {
				zrows.Close()
				return err
			}
			if z, err := time.LoadLocation(tz); err == nil {
				zones[id] = z
			}
		}
		zrows.Close()
		if err := zrows.Err(); err != nil {
			return err
		}
		caps, err := currentCapacities(ctx, t, nil)
		if err != nil {
			return err
		}
		x = shelter.NewIndex(searchEntries(doc, locs, zones), caps)
		return nil
	})
	if err != nil {
		return dbErr(err)
	}
	h.x, h.built = x, start
	return nil
}

// directoryLocationMeta reads every directory location's owner,
// confidentiality and area label, by location id.
func directoryLocationMeta(ctx context.Context, t *tx) (map[string]shelterLocation, error) {
	type row struct {
		id string
		l  shelterLocation
	}
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.l.agencyID, &r.l.confidential, &r.l.label)
	}, `SELECT id, agency_id, confidential, area_label FROM directory_locations`)
	if err != nil {
		return nil, err
	}
	locs := make(map[string]shelterLocation, len(rows))
	for _, r := range rows {
		locs[r.id] = r.l
	}
	return locs, nil
}

// searchEntries turns the (unredacted) directory into index entries: one
// per service at location, and one per service without a location. A
// confidential location's entry carries its area label stand-in and no
// address; its coordinates stay inside the index for distances.
func searchEntries(doc *hsds.Document, locs map[string]shelterLocation, zones map[string]*time.Location) []shelter.Entry {
	codes := map[string]string{}
	for _, t := range doc.TaxonomyTerms {
		codes[t.ID] = t.Code
	}
	terms := map[string][]string{}
	for _, a := range doc.Attributes {
		if a.TaxonomyTermID == "" {
			continue
		}
		terms[a.LinkID] = append(terms[a.LinkID], strings.ToLower(a.TaxonomyTermID))
		if c := codes[a.TaxonomyTermID]; c != "" {
			terms[a.LinkID] = append(terms[a.LinkID], strings.ToLower(c))
		}
	}
	phones := map[string][]string{}
	for _, p := range doc.Phones {
		for _, k := range []string{p.ServiceID, p.LocationID, p.ServiceAtLocationID} {
			if k != "" {
				phones[k] = append(phones[k], p.Number)
			}
		}
	}
	langs := map[string][]string{}
	for _, l := range doc.Languages {
		for _, k := range []string{l.ServiceID, l.LocationID} {
			if k == "" {
				continue
			}
			if l.Code != "" {
				langs[k] = append(langs[k], strings.ToLower(l.Code))
			}
			if l.Name != "" {
				langs[k] = append(langs[k], strings.ToLower(l.Name))
			}
		}
	}
	hours := map[string][]shelter.Hours{}
	for _, s := range doc.Schedules {
		h, ok := shelter.ParseSchedule(scheduleOf(s))
		if !ok {
			continue
		}
		switch {
		case s.ServiceAtLocationID != "":
			hours["sal/"+s.ServiceAtLocationID] = append(hours["sal/"+s.ServiceAtLocationID], h)
		case s.ServiceID != "":
			hours["svc/"+s.ServiceID] = append(hours["svc/"+s.ServiceID], h)
		case s.LocationID != "":
			hours["loc/"+s.LocationID] = append(hours["loc/"+s.LocationID], h)
		}
	}
	address := map[string]string{}
	for _, a := range doc.Addresses {
		if _, ok := address[a.LocationID]; ok && a.AddressType != "physical" {
			continue
		}
		address[a.LocationID] = strings.Join(nonEmpty(a.Address1, a.City, a.PostalCode), ", ")
	}
	locations := map[string]hsds.Location{}
	for _, l := range doc.Locations {
		locations[l.ID] = l
	}
	// A service the directory says is inactive or defunct is not listed
	// (as the finder does): nobody should be sent to it.
	services := map[string]hsds.Service{}
	for _, s := range doc.Services {
		if s.Status != hsds.StatusInactive && s.Status != hsds.StatusDefunct {
			services[s.ID] = s
		}
	}
	located := map[string]bool{}
	var out []shelter.Entry
	for _, sal := range doc.ServiceAtLocations {
		sv, ok1 := services[sal.ServiceID]
		l, ok2 := locations[sal.LocationID]
		if !ok1 || !ok2 {
			continue
		}
		located[sv.ID] = true
		meta := locs[l.ID]
		e := shelter.Entry{ServiceID: sv.ID, ServiceName: sv.Name, LocationID: l.ID, LocationName: l.Name,
			Confidential: meta.confidential, AreaLabel: meta.label, Address: address[l.ID], Zone: zones[meta.agencyID]}
		if meta.confidential {
			e.LocationName, e.Address = meta.label+ConfidentialSuffix, ""
		}
		e.Phones = append(append(append([]string{}, phones[sal.ID]...), phones[sv.ID]...), phones[l.ID]...)
		e.Terms = append(append(append([]string{}, terms[sv.ID]...), terms[l.ID]...), terms[sal.ID]...)
		e.Languages = append(append([]string{}, langs[sv.ID]...), langs[l.ID]...)
		if l.Latitude != nil && l.Longitude != nil {
			e.Lat, e.Lon, e.HasCoords = *l.Latitude, *l.Longitude, true
		}
		e.Hours = hours["sal/"+sal.ID]
		if len(e.Hours) == 0 {
			e.Hours = hours["svc/"+sv.ID]
		}
		if len(e.Hours) == 0 {
			e.Hours = hours["loc/"+l.ID]
		}
		out = append(out, e)
	}
	for _, sv := range doc.Services {
		if _, listed := services[sv.ID]; !listed || located[sv.ID] {
			continue
		}
		out = append(out, shelter.Entry{ServiceID: sv.ID, ServiceName: sv.Name, Phones: phones[sv.ID], Terms: terms[sv.ID],
			Languages: langs[sv.ID], Hours: hours["svc/"+sv.ID]})
	}
	return out
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// SearchServices searches the directory for staff who work with people:
// nearest first, distances rounded, a confidential location's address and
// coordinates never in a result. q.Now and q.StaleAfter are set here.
func (db *DB) SearchServices(ctx context.Context, q shelter.Query) ([]shelter.Result, error) {
	actor := haven.ActorFromContext(ctx)
	if d := access.Decide(actor, access.ServiceSearch, access.Target{AgencyID: actor.AgencyID, Now: db.now()}); !d.Allow {
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	x, err := db.shelterIndex(ctx)
	if err != nil {
		return nil, err
	}
	q.Now, q.StaleAfter = db.now(), db.staleAfter()
	return x.Search(q), nil
}

// scheduleOf is the part of an HSDS schedule that opening hours are read from.
func scheduleOf(s hsds.Schedule) shelter.Schedule {
	out := shelter.Schedule{Freq: s.Freq, ByDay: s.ByDay, ByMonthDay: s.ByMonthDay, ByWeekNo: s.ByWeekNo, ByYearDay: s.ByYearDay,
		OpensAt: s.OpensAt, ClosesAt: s.ClosesAt, ValidFrom: s.ValidFrom, ValidTo: s.ValidTo, Until: s.Until, DTStart: s.DTStart,
		HasCount: s.Count != nil}
	if s.Interval != nil {
		out.Interval = int(*s.Interval)
	}
	return out
}
