package web_test

// A referral in headless Chromium, on a phone: the officer refers a victim
// from the person's page (the only consent in force is chosen for them),
// the advocate finds it among the incoming referrals, accepts it and is
// offered to open a case; the officer sees every step. Every page on the
// way is checked with axe-core, for console (CSP) problems and sideways
// scrolling. The end-to-end scenario (consent, referral, case,
// safety plan) builds on this.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserReferral(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newReferralEnv(t, "sqlite")
	browser := newBrowser(t)
	officer := newTab(t, browser, e.env)
	officer.do(emulatePhone)
	officer.mustLogin("officer")

	officer.open("/persons/" + e.victim)
	if st := officer.click("#refer"); st != 200 {
		t.Fatalf("Refer answered %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/referrals/new", true)
	officer.do(chromedp.SetValue(chromedp.CSS("#to_agency"), "safe-harbor"),
		chromedp.SetValue(chromedp.CSS("#need"), "shelter"),
		chromedp.Click(chromedp.CSS(`label[for="urgency-urgent"]`)))
	officer.type_("#notes", "Needs a bed tonight")
	if got := evalJS[string](officer, `document.querySelector('input[name="consent_id"]:checked').value`); got != e.consent {
		t.Fatalf("the consent chosen is %q, want the one in force", got)
	}
	if st := officer.click("#send-referral"); st != 200 {
		t.Fatalf("sending landed with %d: %q", st, officer.text("main"))
	}
	pageChecks(t, officer, "/referrals/{id} (sender)", true)
	refPath := officer.url().Path
	if got := officer.text("#status"); got != "sent" {
		t.Fatalf("status = %q", got)
	}

	adv := newTab(t, browser, e.env)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")
	adv.open("/referrals")
	pageChecks(t, adv, "/referrals", true)
	if list := adv.text("#referrals"); !strings.Contains(list, "Shelter") || !strings.Contains(list, "Rosa Quintanilla-Vey") || !strings.Contains(list, "received") {
		t.Fatalf("incoming list = %q", list)
	}
	if st := adv.click(`#referrals a[href="` + refPath + `"]`); st != 200 {
		t.Fatalf("opening the referral answered %d", st)
	}
	pageChecks(t, adv, "/referrals/{id} (receiver)", true)
	if notes := adv.text("#notes"); notes != "Needs a bed tonight" {
		t.Errorf("notes = %q", notes)
	}
	if st := adv.click("#do-accept"); st != 200 {
		t.Fatalf("accepting landed with %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/referrals/{id} (accepted)", true)
	if got := adv.text("main .notice"); got != "Referral accepted." {
		t.Errorf("notice = %q", got)
	}
	if got := adv.text("#open-case"); got != "Open a case" {
		t.Errorf("open-case button = %q", got)
	}

	officer.open(refPath)
	if tl := officer.text("#timeline"); !strings.Contains(tl, "received") || !strings.Contains(tl, "accepted") || !strings.Contains(tl, "by advocate") {
		t.Errorf("the sender's timeline = %q", tl)
	}
	pageChecks(t, officer, "/referrals/{id} (sender, accepted)", true)
}
