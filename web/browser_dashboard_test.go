package web_test

// Real-browser test of the dashboards: every section draws its SVG chart
// with an accessible name, the tables open, the CSV links download, and
// axe-core and the CSP console are clean — on a desktop and on a phone
// (no sideways scrolling). See browser_test.go.

import (
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserDashboard(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	db := storetest.Open(t, "sqlite", storetest.Config())
	e := newEnv(t, db)
	pd := e.agency("metro-pd")
	e.addUser(pd, "analyst", haven.RoleAnalyst)
	dashIncidents(t, db, pd.ID)
	browser := newBrowser(t)

	for _, vp := range []struct {
		name  string
		phone bool
	}{{"desktop", false}, {"phone", true}} {
		t.Run(vp.name, func(t *testing.T) {
			tb := newTab(t, browser, e)
			if vp.phone {
				tb.do(emulatePhone)
			}
			tb.mustLogin("analyst")
			// The default range falls back to the year of the fixture.
			if st := tb.open("/analytics"); st != 200 {
				t.Fatalf("GET /analytics = %d", st)
			}
			if h := tb.text("main h1"); h != "Dashboard" {
				t.Errorf("heading %q", h)
			}
			if r := tb.text(".dash-range"); !strings.Contains(r, "2023-01-01 to 2023-12-31") {
				t.Errorf("range %q", r)
			}
			sections := tb.texts("main section.dash-section h2")
			if len(sections) != 10 {
				t.Errorf("sections %q", sections)
			}
			// Each chart is an image with a name, drawn with a size.
			n := evalJS[float64](tb, `Array.from(document.querySelectorAll('main svg.chart')).filter(s => s.getAttribute('role') === 'img' && s.getAttribute('aria-label') && s.getBoundingClientRect().width > 100).length`)
			if int(n) != len(sections) {
				t.Errorf("%v charts drawn for %d sections", n, len(sections))
			}
			if bars := evalJS[float64](tb, `document.querySelectorAll('#districts svg rect.chart-bar').length`); bars != 4 {
				t.Errorf("%v district bars, want 4 (2 districts × DV and all)", bars)
			}
			if csv := evalJS[float64](tb, `document.querySelectorAll('main a.dash-csv[href$=".csv?district=&from=2023-01-01&offense=&to=2023-12-31"], main a.dash-csv[href*=".csv?from=2023-01-01&to=2023-12-31"]').length`); int(csv) != len(sections) {
				t.Errorf("%v CSV links with the range", csv)
			}
			// Open every table so that axe checks them too.
			evalJS[bool](tb, `(function(){document.querySelectorAll('details').forEach(d => d.open = true); return true})()`)
			if cells := tb.text("#districts table tbody tr:first-child"); !strings.Contains(cells, "011") || !strings.Contains(cells, "18") {
				t.Errorf("district table first row %q", cells)
			}
			pageChecks(t, tb, "/analytics ("+vp.name+")", vp.phone)

			// The filter form narrows the figures.
			evalJS[bool](tb, `(function(){document.getElementById('dash-offense').value='13B'; document.querySelector('form.dash-filter').submit(); return true})()`)
			waitJS(t, tb, `location.search.indexOf('offense=13B') >= 0 && document.readyState === 'complete'`, "the filtered page")
			if got := tb.text(".dash-headline div:first-child dd"); got != "3" {
				t.Errorf("13B incidents %q, want 3", got)
			}
			pageChecks(t, tb, "/analytics?offense=13B ("+vp.name+")", vp.phone)
		})
	}
}
