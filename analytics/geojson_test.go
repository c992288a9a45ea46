package analytics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

type fcJSON struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Features   []struct {
		Type     string `json:"type"`
		Geometry struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func decodeFC(t *testing.T, b []byte) fcJSON {
	t.Helper()
	var fc fcJSON
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		t.Fatalf("type %q", fc.Type)
	}
	for i, f := range fc.Features {
		if f.Type != "Feature" || f.Geometry.Type != "Polygon" || len(f.Geometry.Coordinates) != 1 {
			t.Fatalf("feature %d malformed", i)
		}
		ring := f.Geometry.Coordinates[0]
		if len(ring) != 5 || ring[0] != ring[4] {
			t.Fatalf("feature %d: ring not closed: %v", i, ring)
		}
		var area float64 // shoelace, > 0 for counter-clockwise
		for k := range 4 {
			area += ring[k][0]*ring[k+1][1] - ring[k+1][0]*ring[k][1]
		}
		if area <= 0 {
			t.Fatalf("feature %d: ring not counter-clockwise", i)
		}
		c := f.Properties["centre"].([]any)
		lon, lat := c[0].(float64), c[1].(float64)
		if lon <= ring[0][0] || lon >= ring[2][0] || lat <= ring[0][1] || lat >= ring[2][1] {
			t.Fatalf("feature %d: centre outside its polygon", i)
		}
	}
	return fc
}

// TestRoundTrip encodes all cells, decodes the JSON, and recomputes Gi*
// from the decoded counts and centres alone: the centres are projected with
// an independent implementation of the published projection and
// neighbours are found by distance.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ cell, band float64 }{{250, 0}, {250, 600}, {150, 150}} {
		pts := clustered(rng, 4000, 41.85, -87.65, 2500)
		g, err := Hotspots(pts, HotspotOptions{CellM: tc.cell, BandM: tc.band})
		if err != nil {
			t.Fatal(err)
		}
		b, err := g.FeatureCollection(true, Suppressor{})
		if err != nil {
			t.Fatal(err)
		}
		fc := decodeFC(t, b)
		n := len(fc.Features)
		if n != g.Cols*g.Rows || fc.Properties["n_cells"].(float64) != float64(n) {
			t.Fatalf("%d features for %d cells", n, g.Cols*g.Rows)
		}
		if fc.Properties["correction"] != "benjamini-hochberg" {
			t.Error("correction not named")
		}
		proj := fc.Properties["projection"].(map[string]any)
		lat0, lon0 := proj["lat0"].(float64), proj["lon0"].(float64)
		band := fc.Properties["band_m"].(float64)
		const r = 6371008.8
		xs, ys, counts := make([]float64, n), make([]float64, n), make([]float64, n)
		for i, f := range fc.Features {
			c := f.Properties["centre"].([]any)
			lon, lat := c[0].(float64), c[1].(float64)
			xs[i] = r * (lon - lon0) / 180 * math.Pi * math.Cos(lat0/180*math.Pi)
			ys[i] = r * (lat - lat0) / 180 * math.Pi
			counts[i] = f.Properties["count"].(float64)
		}
		z, _, q := bruteGiStar(xs, ys, counts, band)
		for i, f := range fc.Features {
			gz := f.Properties["gi_z"].(float64)
			if math.Abs(gz-z[i]) > 1e-9 {
				t.Fatalf("cell %d: gi_z %.17g, recomputed %.17g", i, gz, z[i])
			}
			if gq := f.Properties["q_value"].(float64); math.Abs(gq-q[i]) > 1e-9 {
				t.Fatalf("cell %d: q_value %g, recomputed %g", i, gq, q[i])
			}
			if f.Properties["class"] != string(Classify(gz, q[i])) {
				t.Fatalf("cell %d: class %v", i, f.Properties["class"])
			}
		}
		// all=false: only the non-empty cells, same values.
		b, _ = g.FeatureCollection(false, Suppressor{})
		some := decodeFC(t, b)
		nonEmpty := 0
		for _, c := range g.Cells {
			if c.Count > 0 {
				nonEmpty++
			}
		}
		if len(some.Features) != nonEmpty {
			t.Fatalf("all=false: %d features, want %d", len(some.Features), nonEmpty)
		}
	}
}

func TestSuppressedCollection(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g, err := Hotspots(clustered(rng, 1500, 41.85, -87.65, 2000), HotspotOptions{CellM: 250})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := g.FeatureCollection(false, Suppressor{Threshold: DefaultSuppressThreshold})
	fc := decodeFC(t, b)
	small := 0
	for i, f := range fc.Features {
		switch v := f.Properties["count"].(type) {
		case string:
			if v != "<5" {
				t.Fatalf("feature %d: count %q", i, v)
			}
			small++
		case float64:
			if v < 5 {
				t.Fatalf("feature %d: count %g shown", i, v)
			}
		}
		for _, k := range []string{"gi_z", "p_value", "q_value"} {
			if _, ok := f.Properties[k]; ok {
				t.Fatalf("feature %d: %s written under suppression", i, k)
			}
		}
		if _, ok := f.Properties["class"]; !ok {
			t.Fatal("class missing")
		}
	}
	if small == 0 {
		t.Fatal("test data has no small cells")
	}
	for _, k := range []string{"mean", "sd", "n_points"} {
		if _, ok := fc.Properties[k]; ok {
			t.Errorf("%s written under suppression", k)
		}
	}
}

// TestZRevealsCounts documents why gi_z is withheld under suppression: with
// full-precision z-scores, mean and sd, every cell's neighbourhood sum is
// known, and a small count whose neighbours are known follows exactly.
func TestZRevealsCounts(t *testing.T) {
	counts := []int{0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9}
	cols, rows := 5, 4
	z, mean, sd := giStar(counts, cols, rows, bandHalfWidths(100, 100*math.Sqrt2))
	n := float64(len(counts))
	// Cell 6 = (1,1): neighbours rows 0..2, cols 0..2, all shown as 0 ("empty").
	i := 6
	w := 9.0
	sum := z[i]*sd*math.Sqrt((n*w-w*w)/(n-1)) + mean*w
	if got := math.Round(sum); got != 2 {
		t.Fatalf("recovered %g, want 2", got)
	}
}

func TestSuppress(t *testing.T) {
	cases := []struct {
		n, k int
		want string
	}{
		{0, 5, "0"}, {1, 5, "<5"}, {4, 5, "<5"}, {5, 5, "5"}, {12, 5, "12"},
		{1, 1, "1"}, {1, 0, "1"}, {2, 3, "<3"}, {-1, 5, "-1"},
	}
	for _, tc := range cases {
		if got := Suppress(tc.n, tc.k); got != tc.want {
			t.Errorf("Suppress(%d, %d) = %q, want %q", tc.n, tc.k, got, tc.want)
		}
		got := SuppressCount(tc.n, tc.k)
		if s, ok := got.(string); ok {
			if s != tc.want {
				t.Errorf("SuppressCount(%d, %d) = %q", tc.n, tc.k, s)
			}
		} else if got.(int) != tc.n || tc.want[0] == '<' {
			t.Errorf("SuppressCount(%d, %d) = %v", tc.n, tc.k, got)
		}
	}
	if (Suppressor{}).Active() || !(Suppressor{Threshold: 5}).Active() || (Suppressor{Threshold: 5}).Count(3) != "<5" {
		t.Error("Suppressor")
	}
}
