package web_test

// The incident issue's "done means", in headless Chromium on a phone: an
// officer adds the two people, writes a report, adds the suspect and the
// victim (seeing their history at the moment of entry), goes through the
// protocol (skipping one step with a reason), attaches a photo, takes a
// witness statement and submits; a supervisor, in a separate browser context, approves it. Every
// page on the way is checked with axe-core, for console (CSP) problems and
// for sideways scrolling. See browser_test.go for the harness.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven/store/storetest"
)

func TestBrowserIncidentReport(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	browser := newBrowser(t)
	officer := newTab(t, browser, e)
	officer.do(emulatePhone)
	officer.mustLogin("officer")

	// The two people, through the person pages.
	addPerson := func(given, family string) string {
		t.Helper()
		officer.open("/persons/new")
		officer.type_("#given_name", given)
		officer.type_("#family_name", family)
		if st := officer.click(`main form.person-form button[type=submit]`); st != 200 {
			t.Fatalf("add person %s landed with %d: %q", given, st, officer.text("main"))
		}
		return strings.TrimPrefix(officer.url().Path, "/persons/")
	}
	victimID := addPerson("Vera", "Okafor-Browser")
	suspectID := addPerson("Sam", "Rourke-Browser")
	// An earlier report about the same two, so that history at the moment
	// of entry has something to show.
	earlier := e.createIncident("supervisor", fmt.Sprintf(`{"occurred_at":"2025-11-02T20:00:00Z","domestic":true,
		"offenses":[{"code":"13B"}],"parties":[{"person_id":%q,"role":"victim"},{"person_id":%q,"role":"suspect"}]}`, victimID, suspectID))

	// The report, from the navigation.
	officer.open("/home")
	if st := officer.click(`header nav a[href="/incidents"]`); st != 200 {
		t.Fatalf("Reports answered %d", st)
	}
	pageChecks(t, officer, "/incidents", true)
	if st := officer.click(`main a.button[href="/incidents/new"]`); st != 200 {
		t.Fatalf("New report answered %d", st)
	}
	pageChecks(t, officer, "/incidents/new", true)
	officer.type_("#address", "12 Birch Lane, apartment 3")
	officer.type_("#beat", "0421")
	officer.type_("#district", "004")
	officer.do(chromedp.SetValue(chromedp.CSS("#location_type"), "APARTMENT"))
	for _, box := range []string{"#offense-0", "#circumstance_dv", "#strangulation-yes", "#sign-0", "#sign-1", "#weapon-0", "#children_present"} {
		officer.do(chromedp.Click(chromedp.CSS(box)))
	}
	officer.type_("#narrative", "Neighbour called at 21:20. The victim said he held her by the neck against the wall.")
	if st := officer.click(`main form.incident-form button[type=submit]`); st != 200 {
		t.Fatalf("start report landed with %d: %q", st, officer.text("main"))
	}
	report := officer.url().Path
	if !strings.HasPrefix(report, "/incidents/") || officer.text("#incident-status") != "Draft" {
		t.Fatalf("after creating, the browser is at %s with status %q", report, officer.text("#incident-status"))
	}
	number := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(officer.text("main h1"), "Report "), "Draft"))
	pageChecks(t, officer, "new report", true)

	// Parties: find each person by name and pick them.
	addParty := func(name, role, relationship string) {
		t.Helper()
		officer.type_("#find", name)
		if st := officer.click(`main form.find button[type=submit]`); st != 200 {
			t.Fatalf("find %s answered %d", name, st)
		}
		officer.do(chromedp.Click(chromedp.CSS("#pick-person_id")), chromedp.SetValue(chromedp.CSS("#pick-role"), role))
		if relationship != "" {
			officer.do(chromedp.SetValue(chromedp.CSS("#pick-relationship_to_suspect"), relationship))
		}
		if st := officer.click(`main form.pick-party button[type=submit]`); st != 200 {
			t.Fatalf("add %s answered %d: %q", name, st, officer.text("main"))
		}
		if n := officer.text(`main .notice[role="status"]`); n != "Added to the report." {
			t.Fatalf("after adding %s: notice %q, error %q", name, n, officer.texts("main .error"))
		}
	}
	addParty("Rourke-Browser", "suspect", "")
	if h := officer.text("#history h3"); h != "Earlier incidents involving Sam Rourke-Browser" {
		t.Errorf("history heading = %q", h)
	}
	if got := officer.texts("#history ul.prior li a"); !slices.Equal(got, []string{earlier.Number}) {
		t.Errorf("suspect's earlier incidents = %q, want %s", got, earlier.Number)
	}
	pageChecks(t, officer, "history at the moment of entry", true)
	addParty("Okafor-Browser", "victim", "SE")
	if got := officer.texts("#history h3"); !slices.Equal(got, []string{"Earlier incidents involving Vera Okafor-Browser",
		"Earlier incidents involving both Vera Okafor-Browser and Sam Rourke-Browser"}) {
		t.Errorf("history groups = %q", got)
	}
	if got := officer.texts("#prior-pair-0 + ul.prior li a"); !slices.Equal(got, []string{earlier.Number}) {
		t.Errorf("the pair's earlier incidents = %q", got)
	}
	parties := officer.texts("main ul.parties li.party")
	if len(parties) != 2 || !strings.Contains(parties[1], "Vera Okafor-Browser") || !strings.Contains(parties[1], "SE Spouse of Sam Rourke-Browser") {
		t.Errorf("parties = %q", parties)
	}

	// The protocol, in order; the interpreter step is skipped with a reason.
	if p := officer.text("#step-lethality_screen ul.screens a"); p != "Lethality screen: Vera Okafor-Browser" {
		t.Errorf("lethality screen link = %q", p)
	}
	for _, key := range []string{"scene_secured", "medical_aid", "parties_separated", "victim_interviewed_privately", "children_checked",
		"interpreter", "rights_explained", "lethality_screen", "hotline_call"} {
		step := "#step-" + key
		if key == "interpreter" {
			officer.do(chromedp.Click(chromedp.CSS(step + " details.more summary")))
			officer.type_("#reason-interpreter", "Both speak English")
			if st := officer.click(step + " form.step-skip button[type=submit]"); st != 200 {
				t.Fatalf("skip %s answered %d", key, st)
			}
			continue
		}
		if key == "parties_separated" {
			officer.type_("#note-"+key, "Suspect kept in the hallway")
		}
		if st := officer.click(step + " form.step-done button[type=submit]"); st != 200 {
			t.Fatalf("step %s answered %d: %q", key, st, officer.texts("main .error"))
		}
		if key == "scene_secured" {
			pageChecks(t, officer, "protocol under way", true)
		}
	}
	if done, skipped := len(officer.texts("ol.steps li.step.done")), len(officer.texts("ol.steps li.step.skipped")); done != 8 || skipped != 1 {
		t.Errorf("protocol: %d done, %d skipped", done, skipped)
	}
	if s := officer.text("#step-interpreter .step-state"); !strings.Contains(s, "Skipped") || !strings.Contains(s, "Both speak English") || !strings.Contains(s, "by you") {
		t.Errorf("skipped step shows %q", s)
	}

	// A photo, on the evidence page the report links to.
	photo := filepath.Join(t.TempDir(), "neck.png")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(150 + x), 60, uint8(60 + y), 255})
		}
	}
	var png_ bytes.Buffer
	if err := png.Encode(&png_, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, png_.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if st := officer.click("#evidence-link"); st != 200 {
		t.Fatalf("evidence page answered %d", st)
	}
	officer.type_("#photo-description", "Red marks on the left side of the neck")
	officer.do(chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{photo}))
	if st := officer.click("#take-photo button[type=submit]"); st != 200 {
		t.Fatalf("add photo answered %d: %q", st, officer.texts("main .error"))
	}
	// The thumbnail is lazy-loaded: bring it into view and give it time.
	thumb := `(img => img ? (img.scrollIntoView(), img.complete ? img.naturalWidth : 0) : -1)(document.querySelector('#items img'))`
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		w := evalJS[float64](officer, thumb)
		if w > 0 {
			break
		}
		if w < 0 || time.Now().After(deadline) {
			t.Errorf("the photo's thumbnail did not load (%v): %q", w, officer.text("main"))
			break
		}
	}
	pageChecks(t, officer, "evidence with a photo", true)
	officer.open(report)

	// A witness statement.
	officer.do(chromedp.Click(chromedp.CSS("#statements details.more summary")),
		chromedp.SetValue(chromedp.CSS("#statement-kind"), "witness"),
		chromedp.SetValue(chromedp.CSS("#statement-how_taken"), "written"))
	officer.type_("#statement-text", "I heard shouting and a thud through the wall, then she screamed.")
	if st := officer.click(`main form.statement-form button[type=submit]`); st != 200 {
		t.Fatalf("add statement answered %d: %q", st, officer.texts("main .error"))
	}
	if s := officer.texts("main ul.statements li.statement"); len(s) != 1 || !strings.Contains(s[0], "Witness statement") || !strings.Contains(s[0], "a thud through the wall") {
		t.Errorf("statements = %q", s)
	}
	pageChecks(t, officer, "report ready to submit", true)

	// Submit.
	if st := officer.click("#submit-report"); st != 200 {
		t.Fatalf("submit answered %d", st)
	}
	if s := officer.text("#incident-status"); s != "Submitted" {
		t.Fatalf("status after submitting = %q: %q", s, officer.texts("main .error"))
	}

	// The supervisor, elsewhere, reviews and approves it.
	sup := newTab(t, browser, e)
	sup.do(emulatePhone)
	sup.mustLogin("supervisor")
	sup.click(`header nav a[href="/incidents"]`)
	if st := sup.click(`main a[href="/review/incidents"]`); st != 200 {
		t.Fatalf("review list answered %d", st)
	}
	pageChecks(t, sup, "/review/incidents", true)
	rows := evalJS[[][]string](sup, `Array.from(document.querySelectorAll('main table.review tbody tr'), tr => Array.from(tr.cells, c => c.innerText.trim()))`)
	if !slices.ContainsFunc(rows, func(r []string) bool { return r[0] == number && r[1] == "officer" && r[3] == "8 done, 1 skipped" }) {
		t.Errorf("review list rows = %q, want %s by officer with 8 done, 1 skipped", rows, number)
	}
	if st := sup.click(`main table.review a[href="` + report + `"]`); st != 200 {
		t.Fatalf("opening the report answered %d", st)
	}
	pageChecks(t, sup, "report to review", true)
	sup.type_("#review-comment", "Complete. Good note on the separation.")
	if st := sup.click("#approve"); st != 200 {
		t.Fatalf("approve answered %d", st)
	}
	if s := sup.text("#incident-status"); s != "Approved" {
		t.Fatalf("status after approval = %q: %q", s, sup.texts("main .error"))
	}
	officer.open(report)
	if s := officer.text("#incident-status"); s != "Approved" {
		t.Errorf("the officer sees status %q", s)
	}
}
