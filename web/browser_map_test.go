package web_test

// Real-browser test of the analytics map with no tile server: Leaflet from
// /static draws the district outlines and the hotspot cells as SVG paths in
// its overlay pane; moving the date slider changes the hotspot request.
// axe-core and the CSP console are clean. See browser_test.go.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// waitJS polls a boolean expression until it holds or the step times out.
func waitJS(t *testing.T, tb *tab, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if evalJS[bool](tb, expr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestBrowserMap(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	db := storetest.Open(t, "sqlite", storetest.Config())
	e := newEnv(t, db)
	pd := e.agency("metro-pd")
	e.addUser(pd, "analyst", haven.RoleAnalyst)
	mapIncidents(t, db, pd.ID, 300)
	sq := json.RawMessage(`{"type":"Polygon","coordinates":[[[-87.70,41.83],[-87.60,41.83],[-87.60,41.90],[-87.70,41.90],[-87.70,41.83]]]}`)
	sq2 := json.RawMessage(`{"type":"Polygon","coordinates":[[[-87.60,41.83],[-87.55,41.83],[-87.55,41.90],[-87.60,41.90],[-87.60,41.83]]]}`)
	set := []store.Boundary{{Name: "001", Geometry: sq}, {Name: "002", Geometry: sq2}}
	if b, err := os.ReadFile("../../shared/data/chicago/police_districts.geojson"); err == nil {
		if real, err := store.ParseBoundaries(b, "district", "dist_num"); err == nil {
			set = real
		}
	}
	if _, err := db.PutBoundaries(storetest.System(), pd.ID, "district", set); err != nil {
		t.Fatal(err)
	}

	browser := newBrowser(t)
	tb := newTab(t, browser, e)
	tb.mustLogin("analyst")
	if st := tb.open("/analytics/map"); st != 200 {
		t.Fatalf("GET /analytics/map = %d", st)
	}
	waitJS(t, tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-boundary').length > 0`, "district outlines")
	waitJS(t, tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-cell').length > 0`, "hotspot cells")
	if n := evalJS[float64](tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-boundary').length`); int(n) != len(set) {
		t.Errorf("%v district outlines drawn, want %d", n, len(set))
	}
	cells := evalJS[float64](tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-cell').length`)
	hot := evalJS[float64](tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-cell[class*="cell-hot-"]').length`)
	if hot == 0 || hot >= cells {
		t.Errorf("%v cells drawn, %v of them hot", cells, hot)
	}
	if fill := evalJS[string](tb, `document.querySelector('.leaflet-overlay-pane path.cell-hot-99, .leaflet-overlay-pane path.cell-hot-95, .leaflet-overlay-pane path.cell-hot-90').getAttribute('fill')`); !strings.HasPrefix(fill, "#") || fill == "#d9d9d9" {
		t.Errorf("a hot cell is filled %q", fill)
	}
	if evalJS[float64](tb, `document.querySelectorAll('.leaflet-tile').length`) != 0 {
		t.Error("tiles requested with no tile server configured")
	}
	if !strings.Contains(tb.text("main"), "Hottest cells") {
		t.Error("no table of the hottest cells")
	}
	pageChecks(t, tb, "/analytics/map", false)

	// The slider sets from/to and asks again.
	before := evalJS[string](tb, `document.getElementById('map').getAttribute('data-request')`)
	evalJS[bool](tb, `(function(){var s=document.getElementById('map-slider'); s.value=String(23*12); s.dispatchEvent(new Event('change')); return true;})()`)
	waitJS(t, tb, `(document.getElementById('map').getAttribute('data-request')||'').indexOf('from=2024-01-01') >= 0`, "the slider's request")
	after := evalJS[string](tb, `document.getElementById('map').getAttribute('data-request')`)
	if after == before || !strings.Contains(after, "to=2024-12-31") {
		t.Errorf("slider request %q (before %q)", after, before)
	}
	waitJS(t, tb, `document.getElementById('map').getAttribute('data-cells') !== null && document.getElementById('map-status').textContent.indexOf('cells with incidents') >= 0`, "the new cells")

	// The density overlay draws on request.
	evalJS[bool](tb, `(function(){var k=document.getElementById('map-kde'); k.checked=true; k.dispatchEvent(new Event('change')); return true;})()`)
	waitJS(t, tb, `document.querySelectorAll('.leaflet-overlay-pane path.map-kde').length > 0`, "the density overlay")
	pageChecks(t, tb, "/analytics/map (after)", false)
}
