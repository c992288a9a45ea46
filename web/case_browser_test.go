package web_test

// The survivor-case pages in headless Chromium on a phone: the advocate
// accepts a high-risk task and opens the case from the queue, adds a task,
// a note and a court date, and sees them on the caseload; the supervisor
// sees the team view. Every page is checked with axe-core, for console
// (CSP) problems and for sideways scrolling.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserCases(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := &caseEnv{env: newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))}
	e.sh = e.safeHarbor()
	victim, taskID := e.riskTask(t)
	e.consent(t, victim.ID, haven.ScopeRisk)

	browser := newBrowser(t)
	adv := newTab(t, browser, e.env)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")
	adv.open("/risk/queue")
	pageChecks(t, adv, "/risk/queue", true)
	if st := adv.click("#open-case-" + taskID); st != 200 {
		t.Fatalf("accept and open case landed with %d: %q", st, adv.text("main"))
	}
	if !strings.HasPrefix(adv.url().Path, "/cases/") || !strings.Contains(adv.text("main"), "Valentina Okonkwo") {
		t.Fatalf("after opening: %s %q", adv.url(), adv.text("main"))
	}
	pageChecks(t, adv, "/cases/{id}", true)
	casePath := adv.url().Path

	due := time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")
	adv.do(chromedp.Click(chromedp.CSS("#tasks summary")))
	adv.type_("#task-title", "Ring the housing office")
	adv.do(chromedp.SetValue(chromedp.CSS("#task-due"), due))
	if st := adv.click(`#tasks form[action$="/tasks"] button`); st != 200 {
		t.Fatalf("adding a task landed with %d: %q", st, adv.text("main"))
	}
	adv.type_("#note-text", "First call made from the library.")
	if st := adv.click(`#notes form button`); st != 200 {
		t.Fatalf("adding a note landed with %d: %q", st, adv.text("main"))
	}
	adv.do(chromedp.Click(chromedp.CSS("#court-dates summary")))
	adv.type_("#court-court", "Family court 4")
	adv.do(chromedp.SetValue(chromedp.CSS("#court-at"), due))
	if st := adv.click(`#court-dates form[action$="/court-dates"] button`); st != 200 {
		t.Fatalf("adding a court date landed with %d: %q", st, adv.text("main"))
	}
	if adv.url().Path != casePath {
		t.Fatalf("after the forms the browser is at %s", adv.url().Path)
	}
	for _, want := range []string{"Ring the housing office", "First call made from the library.", "Family court 4"} {
		if !strings.Contains(adv.text("main"), want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	pageChecks(t, adv, "/cases/{id} (filled)", true)

	adv.open("/cases")
	pageChecks(t, adv, "/cases", true)
	if !strings.Contains(adv.text("#due"), "Ring the housing office") {
		t.Errorf("what is due: %q", adv.text("#due"))
	}
	adv.open(casePath)
	if st := adv.click(`#summary a[href^="/persons/"]`); st != 200 {
		t.Fatalf("the person link answered %d", st)
	}
	pageChecks(t, adv, "/persons/{id} (with cases)", true)
	if !strings.Contains(adv.text("#cases"), "SAF-") {
		t.Errorf("the person page's cases: %q", adv.text("#cases"))
	}

	sup := newTab(t, browser, e.env)
	sup.mustLogin("sh-supervisor")
	sup.open("/cases/team")
	pageChecks(t, sup, "/cases/team", false)
	if !strings.Contains(sup.text("main"), "advocate") {
		t.Errorf("team view: %q", sup.text("main"))
	}
	other := e.createPerson("sh-supervisor", `{"given_name":"Odile","family_name":"Brackenridge"}`)
	sup.open("/cases/new?person=" + other.ID)
	pageChecks(t, sup, "/cases/new", false)
}
