package web_test

// Consent in headless Chromium on a phone: the officer records a
// survivor's consent from the person page (a mistake first, kept in the
// form), opens the printout; the advocate of the agency named finds the
// person under "Shared with us", the grant and the shared report. Every
// page on the way is checked with axe-core, for console (CSP) problems and
// sideways scrolling.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserConsent(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newConsentEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	browser := newBrowser(t)

	officer := newTab(t, browser, e.env)
	officer.do(emulatePhone)
	officer.mustLogin("officer")
	officer.open("/persons/" + e.survivor.ID)
	officer.do(chromedp.Click(chromedp.CSS("#record-consent > summary")))
	pageChecks(t, officer, "/persons/{id} (record consent)", true)
	for _, sel := range []string{`label[for="recipient-safe-harbor"]`, `label[for="scope-contact"]`, `label[for="scope-incident"]`,
		`label[for="method-verbal"]`} {
		officer.do(chromedp.Click(chromedp.CSS(sel)))
	}
	officer.type_("#purpose", "Housing and court support")
	// Spoken consent without a witness comes back with the witness marked.
	if st := officer.click("#record-consent-submit"); st != 422 {
		t.Fatalf("recording without a witness answered %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "POST /consents (refused)", true)
	if got := evalJS[string](officer, `document.querySelector('#witness').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("the witness is not marked: aria-invalid=%q", got)
	}
	if got := evalJS[string](officer, `document.querySelector('#purpose').value`); got != "Housing and court support" {
		t.Errorf("the purpose came back as %q", got)
	}
	officer.type_("#witness", "Officer Dana Whit")
	if st := officer.click("#record-consent-submit"); st != 200 {
		t.Fatalf("recording answered %d: %q", st, officer.text("main"))
	}
	if got := officer.text("#consents"); !strings.Contains(got, "Consent recorded") || !strings.Contains(got, "safe-harbor") {
		t.Fatalf("after recording, the person page says %q", got)
	}
	if st := officer.click(`#consent-list a[href$="/print"]`); st != 200 {
		t.Fatalf("the printout answered %d", st)
	}
	pageChecks(t, officer, "/consents/{id}/print", true)
	if got := officer.text("#printout"); !strings.Contains(got, "Tell any of these agencies, at any time") || !strings.Contains(got, "Rosalind Achterberg") {
		t.Errorf("the printout says %q", got)
	}
	grant := strings.TrimSuffix(officer.url().Path, "/print")
	officer.open(grant)
	pageChecks(t, officer, "/consents/{id} (recording agency)", true)

	adv := newTab(t, browser, e.env)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")
	adv.open("/shared")
	pageChecks(t, adv, "/shared", true)
	if st := adv.click(`#shared a[href="/persons/` + e.survivor.ID + `"]`); st != 200 {
		t.Fatalf("the shared person answered %d", st)
	}
	pageChecks(t, adv, "/persons/{id} (under consent)", true)
	if st := adv.click(`#consents a[href^="/consents/"]`); st != 200 {
		t.Fatalf("the grant answered %d", st)
	}
	pageChecks(t, adv, "/consents/{id} (recipient)", true)
	if st := adv.click(`#shared-reports a`); st != 200 {
		t.Fatalf("the shared report answered %d", st)
	}
	pageChecks(t, adv, "/shared/incidents/{id}", true)
	if got := adv.text("main"); !strings.Contains(got, webSurvivorStatement) || strings.Contains(got, webSuspectStatement) {
		t.Errorf("the shared report shows %q", got)
	}
}
