package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/shelter"
)

// Shelter availability (issue 7 item 4): beds per category at a directory
// location, every update a new row (shelter_availability), the latest per
// category current. See docs/SHELTERS.md.

// staleAfter is Config.ShelterStaleAfter, or its default.
func (db *DB) staleAfter() time.Duration {
	if db.cfg.ShelterStaleAfter > 0 {
		return db.cfg.ShelterStaleAfter
	}
	return shelter.DefaultStaleAfter
}

// shelterLocation is a location's row in directory_locations.
type shelterLocation struct {
	agencyID     string
	confidential bool
	label        string
}

// validLocationID refuses what cannot be an id before it reaches the
// database (PostgreSQL refuses a NUL in text).
func validLocationID(id string) bool {
	return id != "" && len(id) <= 100 && !strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

var errNoShelter = haven.Errorf(haven.ENOTFOUND, "no shelter location with that id")

func lookupShelterLocation(ctx context.Context, t *tx, id string) (shelterLocation, error) {
	var l shelterLocation
	if !validLocationID(id) {
		return l, errNoShelter
	}
	err := t.queryRow(ctx, `SELECT agency_id, confidential, area_label FROM directory_locations WHERE id = ?`, id).
		Scan(&l.agencyID, &l.confidential, &l.label)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return l, errNoShelter
		}
		return l, err
	}
	return l, nil
}

// currentCapacities reads the latest entry per category of the locations
// given (all when ids is nil), with the updater's username.
func currentCapacities(ctx context.Context, t *tx, ids []string) (map[string][]shelter.Capacity, error) {
	q := `SELECT a.id, a.location_id, a.category, a.total, a.available, a.updated_at, COALESCE(u.username, a.updated_by)
		FROM shelter_availability a LEFT JOIN users u ON u.id = a.updated_by
		WHERE a.updated_at = (SELECT MAX(b.updated_at) FROM shelter_availability b WHERE b.location_id = a.location_id AND b.category = a.category)`
	var args []any
	if ids != nil {
		if len(ids) == 0 {
			return map[string][]shelter.Capacity{}, nil
		}
		q += ` AND a.location_id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Two entries of one category at the same instant: the later id wins
	// (ids are time-ordered).
	latest := map[string]shelter.Capacity{}
	for rows.Next() {
		var c shelter.Capacity
		var cat string
		var at nullTime
		if err := rows.Scan(&c.ID, &c.LocationID, &cat, &c.Maximum, &c.Available, &at, &c.UpdatedBy); err != nil {
			return nil, err
		}
		c.Category, c.Updated = shelter.Category(cat), at.Time
		c.Unit, _ = shelter.UnitOf(c.Category)
		k := c.LocationID + "/" + cat
		if old, ok := latest[k]; !ok || c.ID > old.ID {
			latest[k] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string][]shelter.Capacity{}
	for _, c := range latest {
		out[c.LocationID] = append(out[c.LocationID], c)
	}
	return out, nil
}

// locationFacts are a location's name and intake phone from the directory.
type locationFacts struct {
	name, phone string
}

func locationFactsOf(doc *hsds.Document) map[string]locationFacts {
	out := map[string]locationFacts{}
	for _, l := range doc.Locations {
		out[l.ID] = locationFacts{name: l.Name}
	}
	for _, p := range doc.Phones {
		if f, ok := out[p.LocationID]; ok && f.phone == "" {
			f.phone = p.Number
			out[p.LocationID] = f
		}
	}
	return out
}

// availabilityView builds what a caller of agency viewer sees of one
// location: in full (name, who updated) for its own agency; for others,
// a confidential location's area label stand-in, never more.
func (db *DB) availabilityView(id, viewer string, l shelterLocation, f locationFacts, caps []shelter.Capacity) *shelter.Availability {
	a := &shelter.Availability{LocationID: id, Own: l.agencyID == viewer, AreaLabel: l.label, Confidential: l.confidential,
		IntakePhone: f.phone, Name: f.name, Capacities: append([]shelter.Capacity{}, caps...)}
	if !a.Own {
		if l.confidential {
			a.Name = l.label + ConfidentialSuffix
		}
		for i := range a.Capacities {
			a.Capacities[i].UpdatedBy = ""
		}
	}
	if a.Capacities == nil {
		a.Capacities = []shelter.Capacity{}
	}
	a.Finish(db.now(), db.staleAfter())
	return a
}

// UpdateShelterAvailability records new counts for some categories of a
// location of the actor's agency (shelter staff and supervisors). Each
// category given becomes a new row; the others keep their latest entry.
// Audited (shelter.update). Returns the location's current availability.
func (db *DB) UpdateShelterAvailability(ctx context.Context, locationID string, us []shelter.Update) (*shelter.Availability, error) {
	if err := shelter.Validate(us); err != nil {
		return nil, err
	}
	actor := haven.ActorFromContext(ctx)
	by := actor.UserID
	if by == "" {
		by = actor.System
	}
	var out *shelter.Availability
	err := db.inTx(ctx, true, func(t *tx) error {
		l, err := lookupShelterLocation(ctx, t, locationID)
		if err != nil {
			return err
		}
		d := access.Decide(actor, access.ShelterUpdate, access.Target{AgencyID: l.agencyID, Now: db.now()})
		if !d.Allow {
			if r := access.Decide(actor, access.ShelterRead, access.Target{AgencyID: l.agencyID, Now: db.now()}); !r.Allow && l.agencyID != actor.AgencyID {
				return errNoShelter // a caller who may not even read it learns nothing
			}
			return haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
		}
		now := db.now()
		var cats []string
		for _, u := range us {
			if _, err := t.exec(ctx, `INSERT INTO shelter_availability (id, location_id, agency_id, category, total, available, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newID(), locationID, l.agencyID, string(u.Category), u.Total, u.Available, now, by); err != nil {
				return err
			}
			cats = append(cats, fmt.Sprintf("%s=%d/%d", u.Category, u.Available, u.Total))
		}
		caps, err := currentCapacities(ctx, t, []string{locationID})
		if err != nil {
			return err
		}
		doc, _, err := loadDirectory(ctx, t, l.agencyID)
		if err != nil {
			return err
		}
		out = db.availabilityView(locationID, actor.AgencyID, l, locationFactsOf(doc)[locationID], caps[locationID])
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.ShelterUpdate), audit.Allowed, "shelter_location", locationID, l.agencyID,
			basisLabel(d), map[string]string{"units": strings.Join(cats, " ")}))
	})
	if err != nil {
		return nil, dbErr(err)
	}
	db.shelterIndexUpdate(locationID, out.Capacities)
	return out, nil
}

// ShelterAvailability reads one location's current counts.
func (db *DB) ShelterAvailability(ctx context.Context, locationID string) (*shelter.Availability, error) {
	actor := haven.ActorFromContext(ctx)
	var out *shelter.Availability
	err := db.inTx(ctx, false, func(t *tx) error {
		l, err := lookupShelterLocation(ctx, t, locationID)
		if err != nil {
			return err
		}
		if d := access.Decide(actor, access.ShelterRead, access.Target{AgencyID: l.agencyID, Now: db.now()}); !d.Allow {
			return haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
		}
		caps, err := currentCapacities(ctx, t, []string{locationID})
		if err != nil {
			return err
		}
		doc, _, err := loadDirectory(ctx, t, l.agencyID)
		if err != nil {
			return err
		}
		out = db.availabilityView(locationID, actor.AgencyID, l, locationFactsOf(doc)[locationID], caps[locationID])
		return nil
	})
	if err != nil {
		return nil, dbErr(err)
	}
	return out, nil
}

// Shelters lists what the caller sees: every location of its own agency
// (with its availability, possibly none yet), then other agencies'
// locations that have availability, with area labels for confidential
// ones. Own first, then by name.
func (db *DB) Shelters(ctx context.Context) ([]*shelter.Availability, error) {
	actor := haven.ActorFromContext(ctx)
	if d := access.Decide(actor, access.ShelterRead, access.Target{AgencyID: actor.AgencyID, Now: db.now()}); !d.Allow {
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	var out []*shelter.Availability
	err := db.inTx(ctx, false, func(t *tx) error {
		locs, err := directoryLocationMeta(ctx, t)
		if err != nil {
			return err
		}
		caps, err := currentCapacities(ctx, t, nil)
		if err != nil {
			return err
		}
		doc, _, err := loadDirectory(ctx, t, "")
		if err != nil {
			return err
		}
		facts := locationFactsOf(doc)
		for id, l := range locs {
			if l.agencyID != actor.AgencyID && len(caps[id]) == 0 {
				continue
			}
			out = append(out, db.availabilityView(id, actor.AgencyID, l, facts[id], caps[id]))
		}
		return nil
	})
	if err != nil {
		return nil, dbErr(err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Own != out[j].Own {
			return out[i].Own
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].LocationID < out[j].LocationID
	})
	if out == nil {
		out = []*shelter.Availability{}
	}
	return out, nil
}

// ShelterHistory lists every entry of a location of the caller's own
// agency, oldest first (occupancy analytics).
func (db *DB) ShelterHistory(ctx context.Context, locationID string) ([]shelter.Capacity, error) {
	actor := haven.ActorFromContext(ctx)
	var out []shelter.Capacity
	err := db.inTx(ctx, false, func(t *tx) error {
		l, err := lookupShelterLocation(ctx, t, locationID)
		if err != nil {
			return err
		}
		d := access.Decide(actor, access.ShelterRead, access.Target{AgencyID: l.agencyID, Now: db.now()})
		if !d.Allow || (actor.System == "" && l.agencyID != actor.AgencyID) {
			return haven.Errorf(haven.EFORBIDDEN, "the history is seen only by the shelter's own agency")
		}
		out, err = queryAll(ctx, t, func(s interface{ Scan(...any) error }) (shelter.Capacity, error) {
			var c shelter.Capacity
			var cat string
			var at nullTime
			err := s.Scan(&c.ID, &c.LocationID, &cat, &c.Maximum, &c.Available, &at, &c.UpdatedBy)
			c.Category, c.Updated = shelter.Category(cat), at.Time
			c.Unit, _ = shelter.UnitOf(c.Category)
			return c, err
		}, `SELECT a.id, a.location_id, a.category, a.total, a.available, a.updated_at, COALESCE(u.username, a.updated_by)
			FROM shelter_availability a LEFT JOIN users u ON u.id = a.updated_by WHERE a.location_id = ? ORDER BY a.updated_at, a.id`, locationID)
		return err
	})
	return out, dbErr(err)
}
