package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// Boundaries (issue 8): named boundary sets per agency — police districts,
// beats, wards — drawn on the analytics map under the hotspot cells. A set
// is one agency's boundaries of one kind. They are public geography, not
// personal data: writes are access-checked and audited, reads are
// access-checked (a refused read is audited) but an allowed read is not,
// as for the directory.

// Boundary is one named area of a set.
type Boundary struct {
	ID        string          `json:"id"`
	AgencyID  string          `json:"agency_id"`
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Geometry  json.RawMessage `json:"geometry"` // GeoJSON Polygon or MultiPolygon, WGS84
	UpdatedAt time.Time       `json:"updated_at"`
}

// Limits of a boundary set.
const (
	maxBoundaryName     = 100
	maxBoundariesPerSet = 10000
	maxBoundaryGeometry = 8 << 20 // bytes of one geometry's JSON
)

// The boundary actions (decided by access.decideBoundary).
const (
	actionBoundaryPut  = string(access.BoundaryPut)
	actionBoundaryRead = string(access.BoundaryRead)
)

// decideBoundary asks access whether actor may replace (put) or read the
// agency's boundary sets.
func (db *DB) decideBoundary(a haven.Actor, put bool, agencyID string) (bool, string) {
	action := access.BoundaryRead
	if put {
		action = access.BoundaryPut
	}
	d := access.Decide(a, action, access.Target{AgencyID: agencyID, Now: db.now()})
	return d.Allow, d.Reason
}

// validBoundaryKind: a short lower-case word ("district", "beat", "ward").
func validBoundaryKind(kind string) error {
	if kind == "" || len(kind) > 40 {
		return haven.FieldErrorf(haven.EINVALID, "kind", "kind must be 1 to 40 characters")
	}
	for _, r := range kind {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return haven.FieldErrorf(haven.EINVALID, "kind", "kind may hold only a-z, 0-9, _ and -")
		}
	}
	return nil
}

// ValidateBoundaryGeometry checks a GeoJSON geometry: a Polygon or
// MultiPolygon whose rings have at least four positions, are closed, and
// whose positions are finite [longitude, latitude] pairs in range. It
// returns the geometry re-encoded compactly.
func ValidateBoundaryGeometry(raw []byte) (json.RawMessage, error) {
	if len(raw) > maxBoundaryGeometry {
		return nil, fmt.Errorf("geometry is larger than %d bytes", maxBoundaryGeometry)
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("geometry is not a GeoJSON object: %v", err)
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("Polygon coordinates must be an array of rings of [lon, lat] positions")
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates must be an array of polygons of rings of [lon, lat] positions")
		}
	case "":
		return nil, fmt.Errorf("geometry has no type")
	default:
		return nil, fmt.Errorf("geometry type %q is not allowed: only Polygon and MultiPolygon", g.Type)
	}
	if len(polys) == 0 {
		return nil, fmt.Errorf("geometry has no polygon")
	}
	for pi, p := range polys {
		if len(p) == 0 {
			return nil, fmt.Errorf("polygon %d has no ring", pi)
		}
		for ri, ring := range p {
			if len(ring) < 4 {
				return nil, fmt.Errorf("polygon %d ring %d has %d positions; a ring needs at least 4", pi, ri, len(ring))
			}
			for k, pos := range ring {
				if len(pos) < 2 || len(pos) > 3 {
					return nil, fmt.Errorf("polygon %d ring %d position %d must be [lon, lat]", pi, ri, k)
				}
				lon, lat := pos[0], pos[1]
				if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
					return nil, fmt.Errorf("polygon %d ring %d position %d is out of range (longitude −180..180, latitude −90..90)", pi, ri, k)
				}
			}
			a, b := ring[0], ring[len(ring)-1]
			if a[0] != b[0] || a[1] != b[1] {
				return nil, fmt.Errorf("polygon %d ring %d is not closed (its last position must equal its first)", pi, ri)
			}
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseBoundaries reads a GeoJSON FeatureCollection of boundaries of one
// kind, naming each by the feature property nameProperty (a string or a
// number). Errors name the feature by its index and the property at fault.
func ParseBoundaries(data []byte, kind, nameProperty string) ([]Boundary, error) {
	if err := validBoundaryKind(kind); err != nil {
		return nil, err
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Geometry   json.RawMessage            `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, haven.Errorf(haven.EINVALID, "not a GeoJSON FeatureCollection: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, haven.Errorf(haven.EINVALID, "not a GeoJSON FeatureCollection: type is %q", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, haven.Errorf(haven.EINVALID, "the FeatureCollection has no features")
	}
	if len(fc.Features) > maxBoundariesPerSet {
		return nil, haven.Errorf(haven.EINVALID, "the FeatureCollection has %d features; at most %d", len(fc.Features), maxBoundariesPerSet)
	}
	seen := map[string]int{}
	out := make([]Boundary, 0, len(fc.Features))
	for i, f := range fc.Features {
		if f.Type != "Feature" {
			return nil, haven.Errorf(haven.EINVALID, "feature %d: type is %q, not Feature", i, f.Type)
		}
		raw, ok := f.Properties[nameProperty]
		if !ok {
			return nil, haven.FieldErrorf(haven.EINVALID, nameProperty, "feature %d: no property %q", i, nameProperty)
		}
		name, err := propertyText(raw)
		if err != nil {
			return nil, haven.FieldErrorf(haven.EINVALID, nameProperty, "feature %d: property %q %v", i, nameProperty, err)
		}
		if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			return nil, haven.FieldErrorf(haven.EINVALID, "geometry", "feature %d (%s): no geometry", i, name)
		}
		g, err := ValidateBoundaryGeometry(f.Geometry)
		if err != nil {
			return nil, haven.FieldErrorf(haven.EINVALID, "geometry", "feature %d (%s): %v", i, name, err)
		}
		if j, dup := seen[name]; dup {
			// Real files split one area into several features (Chicago's
			// district 31 is three): they become one MultiPolygon.
			merged, err := mergeGeometries(out[j].Geometry, g)
			if err != nil {
				return nil, haven.FieldErrorf(haven.EINVALID, "geometry", "feature %d (%s): %v", i, name, err)
			}
			out[j].Geometry = merged
			continue
		}
		seen[name] = len(out)
		out = append(out, Boundary{Kind: kind, Name: name, Geometry: g})
	}
	return out, nil
}

// mergeGeometries joins two valid Polygon or MultiPolygon geometries into
// one MultiPolygon.
func mergeGeometries(a, b json.RawMessage) (json.RawMessage, error) {
	var polys []json.RawMessage
	for _, g := range []json.RawMessage{a, b} {
		var v struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		}
		if err := json.Unmarshal(g, &v); err != nil {
			return nil, err
		}
		switch v.Type {
		case "Polygon":
			polys = append(polys, v.Coordinates)
		case "MultiPolygon":
			var ps []json.RawMessage
			if err := json.Unmarshal(v.Coordinates, &ps); err != nil {
				return nil, err
			}
			polys = append(polys, ps...)
		default:
			return nil, fmt.Errorf("cannot merge a %s", v.Type)
		}
	}
	return json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": polys})
}

// propertyText reads a property's value as a name: a string, or a number
// written as in the file.
func propertyText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&n) != nil {
			return "", fmt.Errorf("must be a string or a number")
		}
		if _, err := strconv.ParseFloat(n.String(), 64); err != nil {
			return "", fmt.Errorf("must be a string or a number")
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("is empty")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", fmt.Errorf("has characters that are not text")
	case len(s) > maxBoundaryName:
		return "", fmt.Errorf("is longer than %d characters", maxBoundaryName)
	}
	return s, nil
}

// PutBoundaries replaces the agency's set of boundaries of kind with bs
// (an empty bs removes the set), in one transaction with one audit entry.
// Each boundary's geometry is validated; names must be unique in the set.
// It returns the number of boundaries stored.
func (db *DB) PutBoundaries(ctx context.Context, agencyID, kind string, bs []Boundary) (int, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return 0, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if err := validBoundaryKind(kind); err != nil {
		return 0, err
	}
	if len(bs) > maxBoundariesPerSet {
		return 0, haven.Errorf(haven.EINVALID, "at most %d boundaries in a set", maxBoundariesPerSet)
	}
	seen := map[string]bool{}
	clean := make([]Boundary, len(bs))
	for i, b := range bs {
		b.Name = strings.TrimSpace(b.Name)
		if b.Name == "" {
			return 0, haven.FieldErrorf(haven.EINVALID, "name", "boundary %d has no name", i)
		}
		if err := checkText("name", b.Name, maxBoundaryName); err != nil {
			return 0, err
		}
		if seen[b.Name] {
			return 0, haven.FieldErrorf(haven.EINVALID, "name", "boundary %d: the name %q appears twice", i, b.Name)
		}
		seen[b.Name] = true
		g, err := ValidateBoundaryGeometry(b.Geometry)
		if err != nil {
			return 0, haven.FieldErrorf(haven.EINVALID, "geometry", "boundary %d (%s): %v", i, b.Name, err)
		}
		clean[i] = Boundary{Kind: kind, Name: b.Name, Geometry: g}
	}
	if ok, reason := db.decideBoundary(actor, true, agencyID); !ok {
		e := auditEntry(ctx, actionBoundaryPut, audit.Denied, "boundary_set", kind, agencyID, "", map[string]string{"policy": reason})
		if err := db.auditNow(ctx, e); err != nil {
			return 0, err
		}
		return 0, haven.Errorf(haven.EFORBIDDEN, "%s", reason)
	}
	now := utcMicro(db.now())
	by := actorLabel(actor)
	err := db.inTx(ctx, true, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE id = ?`, agencyID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return haven.Errorf(haven.ENOTFOUND, "no such agency")
		}
		res, err := t.exec(ctx, `DELETE FROM boundaries WHERE agency_id = ? AND kind = ?`, agencyID, kind)
		if err != nil {
			return err
		}
		removed, _ := res.RowsAffected()
		for _, b := range clean {
			if _, err := t.exec(ctx, `INSERT INTO boundaries (id, agency_id, kind, name, geometry, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, newID(), agencyID, kind, b.Name, string(b.Geometry), now, by); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, actionBoundaryPut, audit.Allowed, "boundary_set", kind, agencyID, "",
			map[string]string{"kind": kind, "stored": strconv.Itoa(len(clean)), "replaced": strconv.FormatInt(removed, 10)}))
	})
	if err != nil {
		return 0, err
	}
	return len(clean), nil
}

// Boundaries lists the actor's agency's boundaries of kind, by name.
func (db *DB) Boundaries(ctx context.Context, kind string) ([]Boundary, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if err := validBoundaryKind(kind); err != nil {
		return nil, err
	}
	if ok, reason := db.decideBoundary(actor, false, actor.AgencyID); !ok {
		e := auditEntry(ctx, actionBoundaryRead, audit.Denied, "boundary_set", kind, actor.AgencyID, "", map[string]string{"policy": reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", reason)
	}
	var out []Boundary
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		out, err = queryAll(ctx, t, func(r interface{ Scan(...any) error }) (Boundary, error) {
			var b Boundary
			var g string
			var at nullTime
			if err := r.Scan(&b.ID, &b.AgencyID, &b.Kind, &b.Name, &g, &at); err != nil {
				return b, err
			}
			b.Geometry = json.RawMessage(g)
			b.UpdatedAt = at.Time
			return b, nil
		}, `SELECT id, agency_id, kind, name, geometry, updated_at FROM boundaries WHERE agency_id = ? AND kind = ? ORDER BY name`,
			actor.AgencyID, kind)
		return err
	})
	return out, err
}

// BoundaryCollection is Boundaries as a GeoJSON FeatureCollection: each
// feature's properties are kind and name.
func (db *DB) BoundaryCollection(ctx context.Context, kind string) ([]byte, error) {
	bs, err := db.Boundaries(ctx, kind)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, b := range bs {
		if i > 0 {
			buf.WriteByte(',')
		}
		props, _ := json.Marshal(map[string]string{"kind": b.Kind, "name": b.Name})
		buf.WriteString(`{"type":"Feature","properties":`)
		buf.Write(props)
		buf.WriteString(`,"geometry":`)
		buf.Write(b.Geometry)
		buf.WriteByte('}')
	}
	buf.WriteString("]}")
	return buf.Bytes(), nil
}

// CountBoundaries counts an agency's boundaries of kind, for loaders that
// add a set only once; for system processes only.
func (db *DB) CountBoundaries(ctx context.Context, agencyID, kind string) (int, error) {
	if haven.ActorFromContext(ctx).System == "" {
		return 0, haven.Errorf(haven.EFORBIDDEN, "for system processes only")
	}
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM boundaries WHERE agency_id = ? AND kind = ?`, agencyID, kind).Scan(&n)
	return n, dbErr(err)
}
