// Package shelter holds shelter availability (issue 7 item 4) and the
// service search over the directory: the types the store returns and the
// web layer serves, the validation of an update, and the in-memory search
// index. It is pure: no I/O, no clock (the caller passes the time).
//
// Availability is shaped like the HSDS 3.1 draft's service_capacity and
// unit objects (unit: id, name; capacity: available, maximum, updated), so
// it can be exported when 3.1 lands.
package shelter

import (
	"fmt"
	"time"

	"github.com/haven-dv/haven"
)

// Category is a kind of bed a shelter counts.
type Category string

const (
	SingleWomen Category = "single_women"
	SingleMen   Category = "single_men"
	Families    Category = "families"
	Accessible  Category = "accessible"
	PetsAllowed Category = "pets_allowed"
)

// Categories in display order.
var Categories = []Category{SingleWomen, SingleMen, Families, Accessible, PetsAllowed}

// MaxBeds bounds a category's total.
const MaxBeds = 10000

// DefaultStaleAfter is how old an entry may be before it shows as stale,
// when the store's Config.ShelterStaleAfter is zero.
const DefaultStaleAfter = 12 * time.Hour

// Unit is the HSDS 3.1 draft's unit object: what a capacity counts. The
// ids are fixed, one per category, and never change.
type Unit struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

var units = map[Category]Unit{
	SingleWomen: {"5d0a3c52-6f51-4c8e-9a0e-3f0c2b7a1001", "Beds for single women"},
	SingleMen:   {"5d0a3c52-6f51-4c8e-9a0e-3f0c2b7a1002", "Beds for single men"},
	Families:    {"5d0a3c52-6f51-4c8e-9a0e-3f0c2b7a1003", "Family rooms"},
	Accessible:  {"5d0a3c52-6f51-4c8e-9a0e-3f0c2b7a1004", "Accessible beds"},
	PetsAllowed: {"5d0a3c52-6f51-4c8e-9a0e-3f0c2b7a1005", "Beds where pets are allowed"},
}

// UnitOf returns the unit of a category; ok is false for an unknown one.
func UnitOf(c Category) (Unit, bool) { u, ok := units[c]; return u, ok }

// Label is the short English label of a category, for pages.
func (c Category) Label() string {
	switch c {
	case SingleWomen:
		return "Single women"
	case SingleMen:
		return "Single men"
	case Families:
		return "Families"
	case Accessible:
		return "Accessible"
	case PetsAllowed:
		return "Pets allowed"
	}
	return string(c)
}

// Update is one category's new counts, as a caller sends them.
type Update struct {
	Category  Category `json:"category"`
	Total     int      `json:"total"`
	Available int      `json:"available"`
}

// Validate checks an update: at least one unit, each category known and
// given once, 0 ≤ available ≤ total ≤ MaxBeds. Errors name the field
// (units[2].available).
func Validate(us []Update) error {
	if len(us) == 0 {
		return haven.FieldErrorf(haven.EINVALID, "units", "units: give at least one category")
	}
	if len(us) > len(Categories) {
		return haven.FieldErrorf(haven.EINVALID, "units", "units: at most %d categories", len(Categories))
	}
	seen := map[Category]bool{}
	for i, u := range us {
		f := fmt.Sprintf("units[%d].", i)
		if _, ok := units[u.Category]; !ok {
			return haven.FieldErrorf(haven.EINVALID, f+"category", "%scategory must be one of single_women, single_men, families, accessible, pets_allowed", f)
		}
		if seen[u.Category] {
			return haven.FieldErrorf(haven.EINVALID, f+"category", "%scategory %s is given twice", f, u.Category)
		}
		seen[u.Category] = true
		if u.Total < 0 || u.Total > MaxBeds {
			return haven.FieldErrorf(haven.EINVALID, f+"total", "%stotal must be a whole number from 0 to %d", f, MaxBeds)
		}
		if u.Available < 0 || u.Available > u.Total {
			return haven.FieldErrorf(haven.EINVALID, f+"available", "%savailable must be a whole number from 0 to total (%d)", f, u.Total)
		}
	}
	return nil
}

// Capacity is the HSDS 3.1 draft's service_capacity object for one
// category at one location: the latest entry. Stale is Haven's.
type Capacity struct {
	ID         string    `json:"id"` // the row of the latest entry
	LocationID string    `json:"location_id"`
	Category   Category  `json:"category"`
	Unit       Unit      `json:"unit"`
	Available  int       `json:"available"`
	Maximum    int       `json:"maximum"`
	Updated    time.Time `json:"updated"`
	UpdatedBy  string    `json:"updated_by,omitempty"` // a username; only for the owning agency
	Stale      bool      `json:"stale"`
}

// Availability is one shelter location's current counts. For another
// agency's location, Name is the area label stand-in when the location is
// confidential, and nothing else about where it is appears.
type Availability struct {
	LocationID   string     `json:"location_id"`
	Own          bool       `json:"own"` // of the caller's agency
	Name         string     `json:"name"`
	AreaLabel    string     `json:"area_label"`
	Confidential bool       `json:"confidential"`
	IntakePhone  string     `json:"intake_phone,omitempty"`
	Capacities   []Capacity `json:"service_capacity"`
	Updated      *time.Time `json:"updated,omitempty"` // the latest entry of any category
	Stale        bool       `json:"stale"`             // no entry, or the latest older than the limit
	Beds         int        `json:"beds_available"`    // sum of available
}

// Finish sorts the capacities by category, sets stale flags and the sums,
// judged at now with the limit staleAfter.
func (a *Availability) Finish(now time.Time, staleAfter time.Duration) {
	order := map[Category]int{}
	for i, c := range Categories {
		order[c] = i
	}
	cs := a.Capacities
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && order[cs[j].Category] < order[cs[j-1].Category]; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	a.Beds, a.Updated, a.Stale = 0, nil, true
	for i := range cs {
		cs[i].Stale = IsStale(cs[i].Updated, now, staleAfter)
		a.Beds += cs[i].Available
		if a.Updated == nil || cs[i].Updated.After(*a.Updated) {
			t := cs[i].Updated
			a.Updated = &t
		}
	}
	if a.Updated != nil {
		a.Stale = IsStale(*a.Updated, now, staleAfter)
	}
}

// IsStale reports whether an entry made at updated is stale at now.
func IsStale(updated, now time.Time, staleAfter time.Duration) bool {
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	return now.Sub(updated) > staleAfter
}
