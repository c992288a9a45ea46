package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

const squareA = `{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.6,41.8],[-87.6,41.9],[-87.7,41.9],[-87.7,41.8]]]}`
const squareB = `{"type":"MultiPolygon","coordinates":[[[[-87.6,41.8],[-87.5,41.8],[-87.5,41.9],[-87.6,41.9],[-87.6,41.8]]]]}`

func TestParseBoundaries(t *testing.T) {
	good := `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"dist_num":"1"},"geometry":` + squareA + `},
		{"type":"Feature","properties":{"dist_num":2},"geometry":` + squareB + `}]}`
	bs, err := store.ParseBoundaries([]byte(good), "district", "dist_num")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Name != "1" || bs[1].Name != "2" || bs[0].Kind != "district" {
		t.Fatalf("parsed %+v", bs)
	}
	// Features sharing a name (Chicago's district 31 is three) become one
	// MultiPolygon holding all their polygons.
	split := `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"dist_num":"31"},"geometry":` + squareA + `},
		{"type":"Feature","properties":{"dist_num":"2"},"geometry":` + squareA + `},
		{"type":"Feature","properties":{"dist_num":31},"geometry":` + squareB + `}]}`
	bs, err = store.ParseBoundaries([]byte(split), "district", "dist_num")
	if err != nil {
		t.Fatal(err)
	}
	var merged struct {
		Type        string          `json:"type"`
		Coordinates [][][][]float64 `json:"coordinates"`
	}
	if len(bs) != 2 || bs[0].Name != "31" || json.Unmarshal(bs[0].Geometry, &merged) != nil ||
		merged.Type != "MultiPolygon" || len(merged.Coordinates) != 2 || merged.Coordinates[1][0][1][0] != -87.5 {
		t.Fatalf("merged %d boundaries: %s", len(bs), bs[0].Geometry)
	}
	if _, err := store.ValidateBoundaryGeometry(bs[0].Geometry); err != nil {
		t.Fatalf("merged geometry invalid: %v", err)
	}
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"dist_num":"1"},"geometry":` + squareA + `},
			{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	for _, c := range []struct{ name, doc, kind, want string }{
		{"not json", `{`, "district", "not a GeoJSON FeatureCollection"},
		{"not a collection", `{"type":"Feature"}`, "district", "type is \"Feature\""},
		{"no features", `{"type":"FeatureCollection","features":[]}`, "district", "no features"},
		{"bad kind", good, "Dist rict", "kind may hold only"},
		{"missing property", feature(`{"x":"2"}`, squareB), "district", `feature 1: no property "dist_num"`},
		{"empty property", feature(`{"dist_num":" "}`, squareB), "district", `feature 1: property "dist_num" is empty`},
		{"object property", feature(`{"dist_num":{}}`, squareB), "district", `feature 1: property "dist_num" must be a string or a number`},
		{"point", feature(`{"dist_num":"2"}`, `{"type":"Point","coordinates":[-87.6,41.8]}`), "district", `feature 1 (2): geometry type "Point" is not allowed`},
		{"no geometry", feature(`{"dist_num":"2"}`, `null`), "district", `feature 1 (2): no geometry`},
		{"lat range", feature(`{"dist_num":"2"}`, `{"type":"Polygon","coordinates":[[[-87.7,91],[-87.6,41.8],[-87.6,41.9],[-87.7,91]]]}`), "district", "out of range"},
		{"lon range", feature(`{"dist_num":"2"}`, `{"type":"Polygon","coordinates":[[[-187.7,41],[-87.6,41.8],[-87.6,41.9],[-187.7,41]]]}`), "district", "out of range"},
		{"open ring", feature(`{"dist_num":"2"}`, `{"type":"Polygon","coordinates":[[[-87.7,41],[-87.6,41.8],[-87.6,41.9],[-87.5,41]]]}`), "district", "not closed"},
		{"short ring", feature(`{"dist_num":"2"}`, `{"type":"Polygon","coordinates":[[[-87.7,41],[-87.6,41.8],[-87.7,41]]]}`), "district", "at least 4"},
		{"bad coords", feature(`{"dist_num":"2"}`, `{"type":"Polygon","coordinates":[["x"]]}`), "district", "array of rings"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.ParseBoundaries([]byte(c.doc), c.kind, "dist_num")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestBoundaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		other := storetest.MustAgency(t, db, "other-pd", haven.KindPolice)
		admin := storetest.MustUser(t, db, pd, "pdadmin", haven.RoleAgencyAdmin)
		otherAdmin := storetest.MustUser(t, db, other, "otheradmin", haven.RoleAgencyAdmin)
		set := []store.Boundary{{Name: "1", Geometry: json.RawMessage(squareA)}, {Name: "2", Geometry: json.RawMessage(squareB)}}

		// Writers: the agency's administrator and system processes.
		if n, err := db.PutBoundaries(storetest.As(admin), pd.ID, "district", set); err != nil || n != 2 {
			t.Fatalf("admin put: %d, %v", n, err)
		}
		if _, err := db.PutBoundaries(storetest.As(otherAdmin), pd.ID, "district", set); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("other agency's admin put: %v", err)
		}
		for _, role := range []haven.Role{haven.RoleAnalyst, haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleTrainer} {
			u := storetest.MustUser(t, db, pd, "u-"+string(role), role)
			_, err := db.PutBoundaries(storetest.As(u), pd.ID, "district", set)
			if haven.ErrorCode(err) != haven.EFORBIDDEN {
				t.Errorf("%s put: %v", role, err)
			}
			got, err := db.Boundaries(storetest.As(u), "district")
			switch role {
			case haven.RoleAnalyst, haven.RoleOfficer, haven.RoleSupervisor:
				if err != nil || len(got) != 2 || got[0].Name != "1" || got[0].AgencyID != pd.ID {
					t.Errorf("%s read: %v %+v", role, err, got)
				}
			default:
				if haven.ErrorCode(err) != haven.EFORBIDDEN {
					t.Errorf("%s read: %v", role, err)
				}
			}
		}
		// Another agency sees its own (empty) sets only.
		if got, err := db.Boundaries(storetest.As(otherAdmin), "district"); err != nil || len(got) != 0 {
			t.Fatalf("other agency read: %v %+v", err, got)
		}
		// Replacing the set: the system process (CLI import) stores one boundary.
		if n, err := db.PutBoundaries(storetest.System(), pd.ID, "district", set[:1]); err != nil || n != 1 {
			t.Fatalf("system put: %d, %v", n, err)
		}
		fc, err := db.BoundaryCollection(storetest.As(admin), "district")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Type     string
			Features []struct {
				Properties map[string]string
				Geometry   struct{ Type string }
			}
		}
		if err := json.Unmarshal(fc, &doc); err != nil || doc.Type != "FeatureCollection" || len(doc.Features) != 1 ||
			doc.Features[0].Properties["name"] != "1" || doc.Features[0].Geometry.Type != "Polygon" {
			t.Fatalf("collection %s: %v", fc, err)
		}
		// Invalid input never reaches the table.
		for _, bad := range [][]store.Boundary{
			{{Name: "", Geometry: json.RawMessage(squareA)}},
			{{Name: "x", Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[0,0],[1,1]]}`)}},
			{{Name: "x", Geometry: json.RawMessage(squareA)}, {Name: "x", Geometry: json.RawMessage(squareB)}},
		} {
			if _, err := db.PutBoundaries(storetest.As(admin), pd.ID, "district", bad); haven.ErrorCode(err) != haven.EINVALID {
				t.Errorf("bad set %+v: %v", bad, err)
			}
		}
		if _, err := db.PutBoundaries(storetest.As(admin), pd.ID, "Bad Kind", set); haven.ErrorCode(err) != haven.EINVALID {
			t.Errorf("bad kind: %v", err)
		}
		// Writes are audited, with the counts.
		entries, err := db.FindAudit(storetest.System(), audit.Filter{Action: "boundary.put", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var allowed, denied int
		for _, e := range entries {
			switch e.Outcome {
			case audit.Allowed:
				allowed++
			case audit.Denied:
				denied++
			}
		}
		if allowed != 2 || denied != 6 {
			t.Errorf("audit: %d allowed, %d denied; want 2 and 6", allowed, denied)
		}
		_ = context.Background
	})
}
