package web_test

// The risk issue's "done means", in headless Chromium on a phone: an
// officer screens a victim in with the Lethality Screen from the report,
// calls the hotline and records that the victim spoke with the advocate;
// the partner advocacy agency's advocate, in a separate browser context,
// finds the task in the queue and accepts it. Every page on the way is
// checked with axe-core, for console (CSP) problems and sideways scrolling.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserLethalityScreen(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	sh := e.safeHarbor()
	pd := e.agency("metro-pd")
	partner, name, phone := sh.Slug, "Metro DV Hotline", "+1 555 0100"
	if _, err := e.db.UpdateAgencySettings(storetest.System(), pd.ID, haven.AgencySettings{HotlineName: &name, HotlinePhone: &phone, PartnerSlug: &partner}); err != nil {
		t.Fatal(err)
	}
	victim := e.createPerson("officer", `{"given_name":"Lena","family_name":"Marsh-Browser"}`)
	suspect := e.createPerson("officer", `{"given_name":"Kurt","family_name":"Vogel-Browser"}`)
	report := e.createIncident("officer", fmt.Sprintf(`{"domestic":true,"offenses":[{"code":"13B"}],
		"parties":[{"person_id":%q,"role":"victim","relationship_to_suspect":"BG","suspect_person_id":%q},{"person_id":%q,"role":"suspect"}]}`,
		victim.ID, suspect.ID, suspect.ID))

	browser := newBrowser(t)
	officer := newTab(t, browser, e)
	officer.do(emulatePhone)
	officer.mustLogin("officer")

	// From the report's protocol step to the form.
	officer.open("/incidents/" + report.ID + "#protocol")
	if st := officer.click("#screen-" + victim.ID); st != 200 {
		t.Fatalf("the lethality screen link answered %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/risk/assess (lap)", true)
	if n := len(officer.texts("fieldset.item")); n != 11 {
		t.Fatalf("the Lethality Screen form has %d questions, want 11", n)
	}
	// q1 (a weapon) is enough to screen in; the rest answered by thumb.
	answers := map[string]string{"q1": "", "q2": "-no", "q3": "-no", "q4": "-unknown", "q5": "-no", "q6": "-no",
		"q7": "-no", "q8": "-no", "q9": "-declined", "q10": "-no", "q11": "-no"}
	for q, suffix := range answers {
		officer.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="%s%s"]`, q, suffix))))
	}
	if got := evalJS[string](officer, `document.querySelector('input[name="q1"]:checked').value`); got != "yes" {
		t.Fatalf("tapping Yes on q1 chose %q", got)
	}
	if st := officer.click("#score"); st != 200 {
		t.Fatalf("scoring landed with %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/risk/assessments/{id}", true)
	result := officer.url().Path
	if band := officer.text("#band"); !strings.Contains(strings.ToLower(band), "screened in") || strings.Contains(strings.ToLower(band), "not") {
		t.Fatalf("band = %q, want screened in", band)
	}
	if reasons := officer.text("#reasons"); !strings.Contains(reasons, "q1") {
		t.Errorf("the reasons do not say q1 fired: %q", reasons)
	}
	if call := officer.text("#call-hotline"); !strings.Contains(call, phone) {
		t.Errorf("the hotline button says %q, want the number %s", call, phone)
	}

	// The call: the victim spoke with the hotline advocate.
	officer.do(chromedp.Click(chromedp.CSS(`label[for="outcome"]`)), chromedp.Click(chromedp.CSS("#information_offered")))
	if st := officer.click("#record-hotline"); st != 200 {
		t.Fatalf("recording the call landed with %d: %q", st, officer.text("main"))
	}
	if got := officer.text("#hotline-outcome"); !strings.Contains(got, "spoke with the hotline advocate") {
		t.Errorf("after recording, the page says %q", got)
	}
	if officer.url().Path != result {
		t.Errorf("after recording, the browser is at %s, want %s", officer.url().Path, result)
	}
	// The report's protocol shows both steps recorded.
	officer.open("/incidents/" + report.ID)
	for _, step := range []string{"#step-lethality_screen", "#step-hotline_call"} {
		if cls := evalJS[string](officer, fmt.Sprintf(`document.querySelector(%q).className`, step)); !strings.Contains(cls, "done") {
			t.Errorf("%s has class %q, want done", step, cls)
		}
	}

	// The advocate, elsewhere, finds the task and accepts it.
	adv := newTab(t, browser, e)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")
	adv.open("/home")
	if st := adv.click(`header nav a[href="/risk/queue"]`); st != 200 {
		t.Fatalf("Queue answered %d", st)
	}
	pageChecks(t, adv, "/risk/queue", true)
	task := adv.text("#tasks")
	for _, want := range []string{pd.Name, report.Number, "spoke with the hotline advocate"} {
		if !strings.Contains(task, want) {
			t.Errorf("the queue's task does not show %q: %q", want, task)
		}
	}
	if strings.Contains(task, "Lena") || strings.Contains(task, "Marsh") {
		t.Errorf("the queue names the victim without consent: %q", task)
	}
	if st := adv.click(`#tasks form[action$="/accept"] button`); st != 200 {
		t.Fatalf("accepting landed with %d: %q", st, adv.text("main"))
	}
	if got := adv.text("main .notice"); !strings.Contains(got, "accepted") {
		t.Errorf("after accepting, the notice says %q", got)
	}
}
