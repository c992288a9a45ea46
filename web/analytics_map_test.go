package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/importer"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// mapIncidents imports n incidents of metro-pd around two clusters in
// Chicago, in 2024, every third one domestic, through the store's import
// path as a system process. It returns one incident's address and
// latitude text, which no map output may contain.
func mapIncidents(t testing.TB, db *store.DB, agencyID string, n int) (address, lat string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 8))
	batch := make([]*haven.Incident, 0, n)
	for i := range n {
		cLat, cLon := 41.8781, -87.6298
		if i%4 == 0 {
			cLat, cLon = 41.8500, -87.6600
		}
		la := cLat + rng.NormFloat64()*0.004
		lo := cLon + rng.NormFloat64()*0.005
		at := time.Date(2024, time.Month(1+i%12), 1+i%28, 12, 0, 0, 0, time.UTC)
		batch = append(batch, &haven.Incident{Source: "maptest", SourceID: fmt.Sprint("m-", i), Domestic: i%3 == 0,
			ReportedAt: at, OccurredAt: &at, Offenses: []haven.Offense{{Code: "13B"}},
			Location: haven.Location{Address: fmt.Sprintf("%d N Secret Street", 1000+i), Latitude: &la, Longitude: &lo, District: "001"}})
		if i == 0 {
			address, lat = batch[0].Location.Address, fmt.Sprint(la)
		}
	}
	if _, err := db.ImportIncidents(storetest.System(), agencyID, batch); err != nil {
		t.Fatal(err)
	}
	return address, lat
}

// hotspotDoc is the part of the hotspot GeoJSON the tests read.
type hotspotDoc struct {
	Type       string
	Properties struct {
		CellM      float64 `json:"cell_m"`
		BandM      float64 `json:"band_m"`
		Cols, Rows int
		NCells     int `json:"n_cells"`
		Projection struct {
			Lat0, Lon0 float64
			RadiusM    float64 `json:"radius_m"`
		}
		SuppressionThreshold int `json:"suppression_threshold"`
	}
	Features []struct {
		Type       string
		Properties map[string]any
	}
}

// giStar recomputes Getis-Ord Gi* for every cell from the counts and the
// cell centres alone, projecting the centres with the projection the
// response names and taking as neighbours the cells whose centres lie
// within band (self included): binary weights, population variance.
func giStar(doc *hotspotDoc) []float64 {
	n := len(doc.Features)
	x := make([]float64, n)
	px := make([]float64, n)
	py := make([]float64, n)
	pr := doc.Properties.Projection
	rad := math.Pi / 180
	var sum, sum2 float64
	for i, f := range doc.Features {
		x[i] = f.Properties["count"].(float64)
		c := f.Properties["centre"].([]any)
		lon, lat := c[0].(float64), c[1].(float64)
		px[i] = pr.RadiusM * (lon - pr.Lon0) * rad * math.Cos(pr.Lat0*rad)
		py[i] = pr.RadiusM * (lat - pr.Lat0) * rad
		sum += x[i]
		sum2 += x[i] * x[i]
	}
	N := float64(n)
	mean := sum / N
	s := math.Sqrt(sum2/N - mean*mean)
	z := make([]float64, n)
	for i := range n {
		var wx, w float64
		for j := range n {
			if math.Hypot(px[i]-px[j], py[i]-py[j]) <= doc.Properties.BandM {
				wx += x[j]
				w++
			}
		}
		z[i] = (wx - mean*w) / (s * math.Sqrt((N*w-w*w)/(N-1)))
	}
	return z
}

func getHotspots(t *testing.T, e *env, user, query string) hotspotDoc {
	t.Helper()
	resp, body := e.do("GET", "/api/v1/analytics/hotspots?"+query, user, "")
	if resp.StatusCode != 200 {
		t.Fatalf("hotspots?%s = %d: %s", query, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Fatalf("content type %q", ct)
	}
	var doc hotspotDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection: %v %.300s", err, body)
	}
	return doc
}

func TestHotspotAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pd := e.agency("metro-pd")
		e.addUser(pd, "analyst", haven.RoleAnalyst)
		address, lat := mapIncidents(t, db, pd.ID, 300)

		// all=true: every cell of the grid over the bounding box, and Gi*
		// recomputed independently from the counts and centres.
		doc := getHotspots(t, e, "analyst", "all=true&cell_m=250&band_m=600")
		p := doc.Properties
		if p.Cols*p.Rows != len(doc.Features) || p.NCells != len(doc.Features) || len(doc.Features) < 100 {
			t.Fatalf("%d×%d grid, %d cells, %d features", p.Cols, p.Rows, p.NCells, len(doc.Features))
		}
		seen := map[[2]int]bool{}
		total := 0.0
		for _, f := range doc.Features {
			seen[[2]int{int(f.Properties["col"].(float64)), int(f.Properties["row"].(float64))}] = true
			total += f.Properties["count"].(float64)
		}
		if len(seen) != p.Cols*p.Rows || total != 300 {
			t.Fatalf("%d distinct cells of %d; %g incidents counted", len(seen), p.Cols*p.Rows, total)
		}
		z := giStar(&doc)
		for i, f := range doc.Features {
			if got := f.Properties["gi_z"].(float64); math.Abs(got-z[i]) > 1e-9 {
				t.Fatalf("cell %v: gi_z %v, recomputed %v", f.Properties["centre"], got, z[i])
			}
		}

		// Without all, only cells with incidents; the classes both ways.
		some := getHotspots(t, e, "analyst", "cell_m=250")
		if len(some.Features) == 0 || len(some.Features) >= len(doc.Features) {
			t.Fatalf("%d cells with incidents of %d", len(some.Features), len(doc.Features))
		}
		hot := 0
		for _, f := range some.Features {
			if f.Properties["count"].(float64) == 0 {
				t.Fatal("an empty cell without all=true")
			}
			if _, ok := f.Properties["class_uncorrected"]; !ok {
				t.Fatal("no class_uncorrected")
			}
			if strings.HasPrefix(f.Properties["class"].(string), "hot") {
				hot++
			}
		}
		if hot == 0 {
			t.Error("no hot spot over two clusters")
		}
		unc := getHotspots(t, e, "analyst", "cell_m=250&fdr=false")
		for i, f := range unc.Features {
			if f.Properties["class"] != some.Features[i].Properties["class_uncorrected"] ||
				f.Properties["class_fdr"] != some.Features[i].Properties["class"] {
				t.Fatalf("fdr=false cell %d: %v vs %v", i, f.Properties, some.Features[i].Properties)
			}
		}

		// Filters narrow the count.
		dom := getHotspots(t, e, "analyst", "domestic=true&from=2024-01-01&to=2024-06-30")
		n := 0.0
		for _, f := range dom.Features {
			n += f.Properties["count"].(float64)
		}
		if n == 0 || n >= 100 {
			t.Errorf("domestic first half of 2024: %g incidents", n)
		}

		// Exported: small counts suppressed, the statistics left out.
		resp, body := e.do("GET", "/api/v1/analytics/hotspots?export=true&cell_m=250", "analyst", "")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		var ex hotspotDoc
		if err := json.Unmarshal([]byte(body), &ex); err != nil {
			t.Fatal(err)
		}
		small := 0
		for _, f := range ex.Features {
			switch c := f.Properties["count"].(type) {
			case string:
				if c != "<5" {
					t.Fatalf("suppressed count %q", c)
				}
				small++
			case float64:
				if c < 5 {
					t.Fatalf("count %g shown in an export", c)
				}
			}
			if _, ok := f.Properties["gi_z"]; ok {
				t.Fatal("gi_z in an export")
			}
		}
		if small == 0 || ex.Properties.SuppressionThreshold != 5 {
			t.Errorf("export: %d suppressed cells, threshold %d", small, ex.Properties.SuppressionThreshold)
		}

		// Density: a GeoJSON grid of densities.
		resp, body = e.do("GET", "/api/v1/analytics/density?cell_m=250&bandwidth_m=1000", "analyst", "")
		if resp.StatusCode != 200 || !strings.Contains(body, `"density":`) || resp.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("density: %d %.200s", resp.StatusCode, body)
		}

		// Cells, never incidents: no address, no incident coordinate.
		for _, q := range []string{"hotspots?all=true", "hotspots?export=true", "density?all=true"} {
			_, body := e.do("GET", "/api/v1/analytics/"+q, "analyst", "")
			if strings.Contains(body, address) || strings.Contains(body, "Secret Street") || strings.Contains(body, lat) {
				t.Errorf("%s shows an incident's address or position", q)
			}
		}

		// Bad parameters: 422 naming the parameter.
		for _, c := range []struct{ query, field string }{
			{"cell_m=50", "cell_m"}, {"cell_m=abc", "cell_m"}, {"cell_m=NaN", "cell_m"}, {"cell_m=20000", "cell_m"},
			{"band_m=-1", "band_m"}, {"band_m=100", "band_m"},
			{"from=yesterday", "from"}, {"to=2024-13-01", "to"}, {"from=2024-06-01&to=2024-01-01", "to"},
			{"domestic=maybe", "domestic"}, {"all=perhaps", "all"}, {"fdr=2", "fdr"}, {"export=x", "export"},
			{"district=" + url.QueryEscape("1; drop"), "district"}, {"offense=TOOLONG", "offense"},
		} {
			resp, body := e.do("GET", "/api/v1/analytics/hotspots?"+c.query, "analyst", "")
			assertErrorBody(t, body)
			if resp.StatusCode != 422 || !strings.Contains(body, `"field":"`+c.field+`"`) {
				t.Errorf("hotspots?%s = %d %s; want 422 naming %s", c.query, resp.StatusCode, body, c.field)
			}
		}
		for _, c := range []struct{ query, field string }{
			{"bandwidth_m=10", "bandwidth_m"}, {"export=true", "export"}, {"cell_m=99", "cell_m"},
		} {
			resp, body := e.do("GET", "/api/v1/analytics/density?"+c.query, "analyst", "")
			if resp.StatusCode != 422 || !strings.Contains(body, `"field":"`+c.field+`"`) {
				t.Errorf("density?%s = %d %s; want 422 naming %s", c.query, resp.StatusCode, body, c.field)
			}
		}

		// Who: the store decides; officers and other agencies are refused.
		for _, u := range []string{"officer", "shelter"} {
			if resp, _ := e.do("GET", "/api/v1/analytics/hotspots", u, ""); resp.StatusCode != 403 {
				t.Errorf("%s: %d", u, resp.StatusCode)
			}
		}
		if resp, _ := e.do("GET", "/api/v1/analytics/hotspots", "", ""); resp.StatusCode != 401 {
			t.Errorf("anonymous: %d", resp.StatusCode)
		}
	})
}

func TestBoundaryAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pd := e.agency("metro-pd")
		e.addUser(pd, "analyst", haven.RoleAnalyst)
		// No incidents yet: empty collections, not errors.
		for _, q := range []string{"hotspots?all=true", "density?all=true"} {
			if body := e.must(200, "GET", "/api/v1/analytics/"+q, "analyst", ""); !strings.Contains(body, `"features":[]`) {
				t.Errorf("%s with no incidents: %.300s", q, body)
			}
		}
		if body := e.must(200, "GET", "/api/v1/analytics/boundaries?kind=district", "analyst", ""); !strings.Contains(body, `"features":[]`) {
			t.Fatalf("empty set: %s", body)
		}
		sq := json.RawMessage(`{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.6,41.8],[-87.6,41.9],[-87.7,41.9],[-87.7,41.8]]]}`)
		if _, err := db.PutBoundaries(storetest.System(), pd.ID, "district", []store.Boundary{{Name: "001", Geometry: sq}}); err != nil {
			t.Fatal(err)
		}
		body := e.must(200, "GET", "/api/v1/analytics/boundaries", "analyst", "")
		if !strings.Contains(body, `"name":"001"`) || !strings.Contains(body, `"Polygon"`) {
			t.Fatalf("boundaries: %s", body)
		}
		e.must(200, "GET", "/api/v1/analytics/boundaries", "officer", "")
		e.must(403, "GET", "/api/v1/analytics/boundaries", "shelter", "")
		e.must(422, "GET", "/api/v1/analytics/boundaries?kind=Not+A+Kind", "analyst", "")
	})
}

// BenchmarkHotspotsAPI measures GET /api/v1/analytics/hotspots end to end
// over HTTP (token check, the store's query and audit, Gi*, GeoJSON) on
// 10^5 incidents of one agency in SQLite (HAVEN_BENCH_DB=postgres for
// PostgreSQL), loaded once.
func BenchmarkHotspotsAPI(b *testing.B) {
	driver := "sqlite"
	if d := os.Getenv("HAVEN_BENCH_DB"); d != "" {
		driver = d
	}
	db := storetest.Open(b, driver, storetest.Config())
	e := newEnv(b, db)
	pd := e.agency("metro-pd")
	e.addUser(pd, "analyst", haven.RoleAnalyst)
	for k := range 10 {
		benchIncidents(b, db, pd.ID, k*10000, 10000)
	}
	for _, q := range []string{"cell_m=250", "cell_m=250&all=true"} {
		b.Run(q, func(b *testing.B) {
			var size int
			for b.Loop() {
				resp, body := e.do("GET", "/api/v1/analytics/hotspots?"+q, "analyst", "")
				if resp.StatusCode != 200 {
					b.Fatalf("%d %s", resp.StatusCode, body)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/resp")
		})
	}
}

// benchIncidents imports n incidents numbered from first, spread over a
// city-sized area with a few dense clusters.
func benchIncidents(b testing.TB, db *store.DB, agencyID string, first, n int) {
	rng := rand.New(rand.NewPCG(uint64(first), 1))
	batch := make([]*haven.Incident, 0, n)
	for i := first; i < first+n; i++ {
		la, lo := 41.65+rng.Float64()*0.37, -87.84+rng.Float64()*0.32
		if i%3 == 0 {
			la, lo = 41.88+rng.NormFloat64()*0.01, -87.63+rng.NormFloat64()*0.012
		}
		at := time.Date(2015+i%10, time.Month(1+i%12), 1+i%28, i%24, 0, 0, 0, time.UTC)
		batch = append(batch, &haven.Incident{Source: "bench", SourceID: fmt.Sprint(i), Domestic: i%4 == 0,
			ReportedAt: at, OccurredAt: &at, Offenses: []haven.Offense{{Code: "13B"}},
			Location: haven.Location{Latitude: &la, Longitude: &lo, District: "001"}})
	}
	if _, err := db.ImportIncidents(storetest.System(), agencyID, batch); err != nil {
		b.Fatal(err)
	}
}

// TestHotspotsChicagoSample is the done criterion: on the imported
// City of Chicago sample (../shared/data/chicago, when present), all=true
// returns every cell of the grid, and Gi* recomputed from the returned
// counts and cell centres alone agrees to 1e-9. Neighbours are found
// through a hash of the projected centres; the band gets the same 1e-9
// relative tolerance the analysis documents, since the default band
// (cell·√2) is exactly the diagonal distance.
func TestHotspotsChicagoSample(t *testing.T) {
	const sample = "../../shared/data/chicago/chicago_crimes_100k.csv.gz"
	if testing.Short() {
		t.Skip("imports 10^5 incidents")
	}
	f, err := os.Open(sample)
	if err != nil {
		t.Skipf("no Chicago sample: %v", err)
	}
	defer f.Close()
	db := storetest.Open(t, "sqlite", storetest.Config())
	e := newEnv(t, db)
	pd := e.agency("metro-pd")
	e.addUser(pd, "analyst", haven.RoleAnalyst)
	if _, err := importer.Run(context.Background(), f, importer.Options{Format: importer.Chicago(), BatchSize: 5000, Rejects: io.Discard,
		Sink: func(_ context.Context, b []*haven.Incident) (haven.ImportResult, error) {
			return db.ImportIncidents(storetest.System(), pd.ID, b)
		}}); err != nil {
		t.Fatal(err)
	}
	doc := getHotspots(t, e, "analyst", "all=true")
	p := doc.Properties
	if p.Cols*p.Rows != len(doc.Features) || len(doc.Features) < 10000 {
		t.Fatalf("%d×%d grid, %d features", p.Cols, p.Rows, len(doc.Features))
	}
	n := len(doc.Features)
	x := make([]float64, n)
	px := make([]float64, n)
	py := make([]float64, n)
	pr := p.Projection
	rad := math.Pi / 180
	var sum, sum2 float64
	type key struct{ i, j int }
	buckets := map[key][]int{}
	for i, f := range doc.Features {
		x[i] = f.Properties["count"].(float64)
		c := f.Properties["centre"].([]any)
		px[i] = pr.RadiusM * (c[0].(float64) - pr.Lon0) * rad * math.Cos(pr.Lat0*rad)
		py[i] = pr.RadiusM * (c[1].(float64) - pr.Lat0) * rad
		sum += x[i]
		sum2 += x[i] * x[i]
		k := key{int(math.Floor(px[i] / p.BandM)), int(math.Floor(py[i] / p.BandM))}
		buckets[k] = append(buckets[k], i)
	}
	N := float64(n)
	mean := sum / N
	s := math.Sqrt(sum2/N - mean*mean)
	band := p.BandM * (1 + 1e-9)
	worst := 0.0
	for i, f := range doc.Features {
		var wx, w float64
		bi, bj := int(math.Floor(px[i]/p.BandM)), int(math.Floor(py[i]/p.BandM))
		for di := -1; di <= 1; di++ {
			for dj := -1; dj <= 1; dj++ {
				for _, j := range buckets[key{bi + di, bj + dj}] {
					if math.Hypot(px[i]-px[j], py[i]-py[j]) <= band {
						wx += x[j]
						w++
					}
				}
			}
		}
		z := (wx - mean*w) / (s * math.Sqrt((N*w-w*w)/(N-1)))
		d := math.Abs(f.Properties["gi_z"].(float64) - z)
		worst = max(worst, d)
		if d > 1e-9 {
			t.Fatalf("cell %v: gi_z %v, recomputed %v", f.Properties["centre"], f.Properties["gi_z"], z)
		}
	}
	t.Logf("%d cells (%d×%d), %g incidents; largest |Δz| %.3g", n, p.Cols, p.Rows, sum, worst)
}
