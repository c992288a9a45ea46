package web_test

// Real-browser test of the officer's quick list (docs/SHELTERS.md): on a
// phone, axe-core and the CSP console are clean and nothing scrolls
// sideways; the calls are tel: links; "Use my location" (its script from
// /static) reads the position once and replaces the page with
// /quick?lat=…&lon=…, adding no history entry. The browser's position is
// stubbed in the page: the test is of the script, not Chromium's
// permission prompt. See browser_test.go for the harness.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserQuickList(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := quickEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	browser := newBrowser(t)
	officer := newTab(t, browser, e)
	officer.do(emulatePhone)
	officer.mustLogin("officer")

	if st := officer.open("/quick"); st != 200 {
		t.Fatalf("GET /quick = %d", st)
	}
	pageChecks(t, officer, "/quick", true)
	if call := evalJS[string](officer, `document.querySelector('#hotline-call').getAttribute('href')`); call != "tel:+1%20555%200100" {
		t.Errorf("the hotline button calls %q", call)
	}
	if list := officer.text("#quick-shelter-list"); !strings.Contains(list, hsdstest.ShelterArea) || !strings.Contains(list, "2 beds free") {
		t.Errorf("the shelter list says %q", list)
	}
	if !evalJS[bool](officer, `!document.querySelector('#quick-locate-wrap').hidden`) {
		t.Fatalf("the script did not offer Use my location")
	}
	before, _ := navHistory(officer)
	evalJS[bool](officer, `navigator.geolocation.getCurrentPosition = function (ok) { ok({coords: {latitude: 51.49123, longitude: -0.19341}}); }; true`)
	officer.do(chromedp.Click(chromedp.CSS("#quick-locate")))
	waitLocation(officer, e.srv.URL+"/quick?lat=51.4912&lon=-0.1934")
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) && !strings.Contains(officer.text("main"), "Nearest first") {
		time.Sleep(50 * time.Millisecond)
	}
	if main := officer.text("main"); !strings.Contains(main, "Nearest first") || !strings.Contains(main, " km") {
		t.Errorf("with a position the list says %q", main)
	}
	pageChecks(t, officer, "/quick?lat&lon", true)
	if after, _ := navHistory(officer); len(after) != len(before) {
		t.Errorf("the position added a history entry: %v → %v", before, after)
	}
}
