package web_test

// The advocacy issue's "done means", end to end in headless Chromium on
// phones: an officer screens a victim in, records the survivor's consent
// to share with the partner advocacy agency, and refers her; the advocate
// accepts the referral, opens a case in one step, writes a safety plan and
// prints it, in full and in the discreet form. Every page on the way is
// checked with axe-core, for console (CSP) problems and sideways scrolling.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserAdvocacyScenario(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	sh := e.safeHarbor()
	pd := e.agency("metro-pd")
	partner := sh.Slug
	if _, err := e.db.UpdateAgencySettings(storetest.System(), pd.ID, haven.AgencySettings{PartnerSlug: &partner}); err != nil {
		t.Fatal(err)
	}
	victim := e.createPerson("officer", `{"given_name":"Odile","family_name":"Brennan-Scenario","date_of_birth":"1988-04-02",
		"phones":[{"number":"+1 312 555 0133","kind":"mobile"}]}`)
	suspect := e.createPerson("officer", `{"given_name":"Marek","family_name":"Dunn-Scenario"}`)
	report := e.createIncident("officer", fmt.Sprintf(`{"domestic":true,"offenses":[{"code":"13A"}],
		"parties":[{"person_id":%q,"role":"victim","relationship_to_suspect":"BG","suspect_person_id":%q},{"person_id":%q,"role":"suspect"}]}`,
		victim.ID, suspect.ID, suspect.ID))
	// The screen itself is the risk issue's browser test; here it is the
	// starting point: a screened-in victim (a gun, strangulation, stalking).
	screen := decode[haven.Assessment](t, e.must(201, "POST", "/api/v1/risk/assessments", "officer", fmt.Sprintf(
		`{"person_id":%q,"incident_id":%q,"instrument":"lap","answers":{"q1":"yes","q4":"yes","q5":"yes","q11":"yes"}}`, victim.ID, report.ID)))
	if screen.Result.Band != "screened-in" {
		t.Fatalf("the screen = %s", screen.Result.Band)
	}

	browser := newBrowser(t)
	officer := newTab(t, browser, e)
	officer.do(emulatePhone)
	officer.mustLogin("officer")

	// Consent, on the survivor's page: written, to safe-harbor, for contact
	// details, the report and the risk results.
	officer.open("/persons/" + victim.ID)
	officer.do(chromedp.Click(chromedp.CSS("#record-consent > summary")))
	for _, sel := range []string{`label[for="recipient-safe-harbor"]`, `label[for="scope-contact"]`, `label[for="scope-incident"]`,
		`label[for="scope-risk"]`, `label[for="method-written"]`} {
		officer.do(chromedp.Click(chromedp.CSS(sel)))
	}
	officer.type_("#purpose", "Shelter, safety planning and court support")
	if st := officer.click("#record-consent-submit"); st != 200 {
		t.Fatalf("recording consent answered %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/persons/{id} (consent recorded)", true)
	if got := officer.text("#consent-list"); !strings.Contains(got, "active") || !strings.Contains(got, "safe-harbor") {
		t.Fatalf("the consents say %q", got)
	}

	// The referral, from the same page; the consent just recorded is the one used.
	if st := officer.click("#refer"); st != 200 {
		t.Fatalf("Refer answered %d: %q", st, officer.text("main"))
	}
	officer.do(chromedp.SetValue(chromedp.CSS("#to_agency"), partner), chromedp.SetValue(chromedp.CSS("#need"), "housing"),
		chromedp.Click(chromedp.CSS(`label[for="urgency-urgent"]`)))
	officer.type_("#notes", "Screened in on scene; needs a safe place tonight")
	if n := len(officer.texts(`input[name="consent_id"]`)); n != 1 {
		t.Fatalf("%d consents offered, want the one recorded", n)
	}
	if st := officer.click("#send-referral"); st != 200 {
		t.Fatalf("sending the referral answered %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/referrals/{id} (sent)", true)
	referral := officer.url().Path

	// The advocate: the referral, accepted, and a case opened from it.
	adv := newTab(t, browser, e)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")
	adv.open(referral)
	pageChecks(t, adv, "/referrals/{id} (received)", true)
	if got := adv.text("#person"); !strings.Contains(got, "Odile Brennan-Scenario") {
		t.Errorf("under the consent the advocate sees the person as %q", got)
	}
	if st := adv.click("#do-accept"); st != 200 {
		t.Fatalf("accepting answered %d: %q", st, adv.text("main"))
	}
	if st := adv.click("#open-case"); st != 200 {
		t.Fatalf("opening a case answered %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/cases/{id}", true)
	if !strings.HasPrefix(adv.url().Path, "/cases/") {
		t.Fatalf("after opening the case the advocate is at %s", adv.url().Path)
	}
	if got := adv.text("#risk-level"); !strings.Contains(got, "Screened in") {
		t.Errorf("the case's risk level is %q, want the screen shared under the consent", got)
	}
	// The case's person is safe-harbor's own record, made from what the
	// consent shows.
	if st := adv.click(`#summary a[href^="/persons/"]`); st != 200 {
		t.Fatalf("the case's person answered %d", st)
	}
	client := adv.url().Path
	if client == "/persons/"+victim.ID {
		t.Fatalf("the case points at metro-pd's record, not safe-harbor's own")
	}
	if got := adv.text("main"); !strings.Contains(got, "Odile") || !strings.Contains(got, "555 0133") {
		t.Errorf("safe-harbor's record of the survivor shows %q", got)
	}

	// The safety plan, with the advocate; then its printouts.
	if st := adv.click("#plan-start"); st != 200 {
		t.Fatalf("starting a plan answered %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/persons/{id}/safety-plan/edit", true)
	adv.type_("#s-during_incident-0-text", "Stay out of the kitchen during an argument")
	adv.type_("#c-0-name", "Ines Larkin")
	adv.type_("#c-0-phone", "+1 312 555 0144")
	adv.type_("#code_word", "blue umbrella")
	if st := adv.click("#save-plan"); st != 200 {
		t.Fatalf("saving the plan answered %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/persons/{id}/safety-plan", true)
	for _, pr := range []struct {
		link, title string
		absent      []string
	}{
		{"#print-plan", "Safety plan", nil},
		{"#print-discreet", "Notes", []string{"safety", "abuse", "violence", "haven", "safe-harbor", "brennan-scenario"}},
	} {
		adv.open(client + "/safety-plan")
		if st := adv.click(pr.link); st != 200 {
			t.Fatalf("%s answered %d", pr.link, st)
		}
		pageChecks(t, adv, "print "+pr.title, true)
		if title := evalJS[string](adv, `document.title`); title != pr.title {
			t.Errorf("%s: title %q, want %q", pr.link, title, pr.title)
		}
		html := strings.ToLower(evalJS[string](adv, `document.documentElement.outerHTML`))
		for _, want := range []string{"stay out of the kitchen", "blue umbrella", "ines larkin"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s does not show %q", pr.link, want)
			}
		}
		for _, word := range pr.absent {
			if strings.Contains(html, word) {
				t.Errorf("%s gives itself away: it contains %q", pr.link, word)
			}
		}
	}

	// The officer sees every step of the referral.
	officer.open(referral)
	if got := officer.text("#timeline"); !strings.Contains(got, "accepted") || !strings.Contains(got, "in progress") {
		t.Errorf("the sender's timeline says %q", got)
	}
}
