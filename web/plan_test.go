package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// planEnv is the env with safe-harbor (an advocate and a supervisor) and
// one of its survivors.
func planEnv(t *testing.T, db *store.DB) (*env, string) {
	t.Helper()
	e := newEnv(t, db)
	e.safeHarbor()
	p := e.createPerson("advocate", `{"given_name":"Marisol","family_name":"Quenby"}`)
	return e, p.ID
}

const planBody = `{"version":%d,"sections":[
	{"key":"during_incident","items":[{"text":"Keep the phone charged by the bed","done":true}],"notes":"Back door sticks"},
	{"key":"children","items":[{"text":"Pick-up list given to the school"}]}],
	"emergency_contacts":[{"name":"Ana Ruiz","phone":"+1 312 555 0101","relationship":"sister"}],
	"code_word":"%s","safe_places":["Library on 5th"],"documents_ready":["Passports"]}`

func TestSafetyPlanAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, id := planEnv(t, db)
		base := "/api/v1/persons/" + id + "/safety-plan"

		// No plan yet.
		e.must(404, "GET", base, "advocate", "")
		if vs := decode[struct{ Items []map[string]any }](t, e.must(200, "GET", base+"/versions", "advocate", "")); len(vs.Items) != 0 {
			t.Fatalf("versions = %+v", vs)
		}

		v1 := decode[haven.SafetyPlan](t, e.must(200, "PUT", base, "advocate", fmt.Sprintf(planBody, 0, "pineapple")))
		if v1.Version != 1 || v1.PersonID != id || len(v1.Sections) != 8 || v1.Sections[0].Title != "During an incident" ||
			!v1.Sections[0].Items[0].Done || v1.CodeWord != "pineapple" || v1.CreatedByName != "advocate" || v1.Access.Basis != "own_agency" {
			t.Fatalf("v1 = %+v", v1)
		}
		got := decode[haven.SafetyPlan](t, e.must(200, "GET", base, "sh-supervisor", ""))
		if got.ID != v1.ID || got.EmergencyContacts[0].Name != "Ana Ruiz" || got.Sections[4].Items[0].Text != "Pick-up list given to the school" {
			t.Fatalf("latest = %+v", got)
		}

		// A stale version is a conflict; the latest one saves version 2.
		wantError(t, e, 409, "version", "PUT", base, "sh-supervisor", fmt.Sprintf(planBody, 0, "mango"))
		v2 := decode[haven.SafetyPlan](t, e.must(200, "PUT", base, "sh-supervisor", fmt.Sprintf(planBody, 1, "mango")))
		if v2.Version != 2 || v2.CodeWord != "mango" || v2.CreatedByName != "sh-supervisor" {
			t.Fatalf("v2 = %+v", v2)
		}
		vs := decode[struct {
			Items []struct {
				ID            string
				CreatedByName string `json:"created_by_name"`
				Version       int
			}
		}](t, e.must(200, "GET", base+"/versions", "advocate", ""))
		if len(vs.Items) != 2 || vs.Items[0].Version != 2 || vs.Items[1].Version != 1 || vs.Items[0].CreatedByName != "sh-supervisor" {
			t.Fatalf("versions = %+v", vs)
		}
		old := decode[haven.SafetyPlan](t, e.must(200, "GET", base+"/versions/1", "advocate", ""))
		if old.Version != 1 || old.CodeWord != "pineapple" {
			t.Fatalf("version 1 = %+v", old)
		}
		for _, v := range []string{"3", "0", "-1", "x", "99999999999999999999"} {
			e.must(404, "GET", base+"/versions/"+v, "advocate", "")
		}

		// Bad input names its field; nothing is stored.
		wantError(t, e, 422, "version", "PUT", base, "advocate", `{"sections":[]}`)
		wantError(t, e, 422, "version", "PUT", base, "advocate", `{"version":-1}`)
		wantError(t, e, 422, "sections[1].items[0].text", "PUT", base, "advocate",
			`{"version":2,"sections":[{"key":"children"},{"key":"technology","items":[{"text":"`+strings.Repeat("x", 501)+`"}]}]}`)
		wantError(t, e, 422, "sections[0].key", "PUT", base, "advocate", `{"version":2,"sections":[{"key":"garden"}]}`)
		wantError(t, e, 422, "emergency_contacts[0].name", "PUT", base, "advocate", `{"version":2,"emergency_contacts":[{"phone":"555"}]}`)
		wantError(t, e, 422, "case_id", "PUT", base, "advocate", `{"version":2,"case_id":"`+missingID+`"}`)
		wantError(t, e, 400, "colour", "PUT", base, "advocate", `{"version":2,"colour":"red"}`)
		wantError(t, e, 400, "", "PUT", base, "advocate", `{"version":`)
		if vs := decode[struct{ Items []any }](t, e.must(200, "GET", base+"/versions", "advocate", "")); len(vs.Items) != 2 {
			t.Fatalf("a refused save stored something: %d versions", len(vs.Items))
		}

		// Another agency, and a person that does not exist, get the same 404.
		for _, path := range []string{base, base + "/versions", base + "/versions/1", base + "/suggestions"} {
			_, theirs := e.do("GET", path, "officer", "")
			_, none := e.do("GET", strings.Replace(path, id, missingID, 1), "officer", "")
			if !strings.Contains(theirs, `"not_found"`) || theirs != none {
				t.Fatalf("GET %s as another agency = %s; missing person = %s", path, theirs, none)
			}
		}
		e.must(404, "PUT", base, "officer", fmt.Sprintf(planBody, 2, "x"))
		e.must(401, "GET", base, "", "")

		// Suggestions follow the survivor's risk factors.
		if s := decode[struct{ Items []haven.PlanSection }](t, e.must(200, "GET", base+"/suggestions", "advocate", "")); len(s.Items) != 0 {
			t.Fatalf("suggestions with no risk data = %+v", s)
		}
		e.must(201, "POST", "/api/v1/risk/assessments", "advocate",
			`{"person_id":"`+id+`","instrument":"lap","answers":{"q4":"yes","q5":"yes","q11":"yes"}}`)
		s := decode[struct{ Items []haven.PlanSection }](t, e.must(200, "GET", base+"/suggestions", "advocate", ""))
		factors := map[string]bool{}
		for _, sec := range s.Items {
			for _, it := range sec.Items {
				factors[it.Suggested] = true
			}
		}
		if len(factors) != 3 || !factors["firearms"] || !factors["strangulation"] || !factors["stalking"] {
			t.Fatalf("suggested factors = %v", factors)
		}
	})
}

// planPages signs in the advocate and records a Lethality Screen that
// indicates firearms, for suggestions.
func planPages(t *testing.T, db *store.DB) (*env, *http.Client, string, string) {
	t.Helper()
	e, id := planEnv(t, db)
	e.must(201, "POST", "/api/v1/risk/assessments", "advocate", `{"person_id":"`+id+`","instrument":"lap","answers":{"q4":"yes"}}`)
	c := browserClient()
	csrf := login(t, e, c, "advocate", storetest.Password)
	return e, c, id, csrf
}

var suggestionRE = regexp.MustCompile(`name="add\.([a-z_]+)" value="(firearms\|[^"]+)"`)

func TestSafetyPlanPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c, id, csrf := planPages(t, db)
		u := e.srv.URL + "/persons/" + id + "/safety-plan"

		// The person page offers to start a plan; the plan page too.
		_, body := get(t, c, e.srv.URL+"/persons/"+id)
		if !strings.Contains(body, `id="plan-start"`) || !strings.Contains(body, "No safety plan yet") {
			t.Fatalf("person page without a plan: %s", body)
		}
		resp, body := get(t, c, u)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="start-plan"`) {
			t.Fatalf("empty plan page = %d: %s", resp.StatusCode, body)
		}

		// The form: every section, blank rows, the suggestions with their factor.
		resp, body = get(t, c, u+"/edit")
		if resp.StatusCode != 200 || strings.Count(body, "<legend>") < 10 || !strings.Contains(body, `name="version" value="0"`) ||
			!strings.Contains(body, `name="s.during_incident.0.text"`) || !strings.Contains(body, `name="c.0.name"`) {
			t.Fatalf("form = %d: %s", resp.StatusCode, body)
		}
		m := suggestionRE.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `<span class="tag factor">Firearms</span>`) {
			t.Fatalf("no firearms suggestion in the form: %s", body)
		}
		// The form HTML-escapes the value; the browser sends it back decoded.
		sugSection, sugValue := m[1], strings.ReplaceAll(m[2], "&#39;", "'")

		form := url.Values{"csrf_token": {csrf}, "version": {"0"},
			"s.during_incident.0.text": {"Keep the phone charged by the bed"}, "s.during_incident.0.done": {"1"},
			"s.during_incident.2.text": {"Spare key with the neighbour"},
			"s.during_incident.1.text": {"  "},
			"s.children.0.text":        {"Pick-up list given to the school"},
			"s.children.notes":         {"Twins, aged 7"},
			"add." + sugSection:        {sugValue},
			"c.0.name":                 {"Ana Ruiz"}, "c.0.phone": {"+1 312 555 0101"}, "c.0.relationship": {"sister"},
			"c.1.name":        {""},
			"code_word":       {"pineapple"},
			"safe_places":     {"Library on 5th\r\n\r\nCafé at the station"},
			"documents_ready": {"Passports\nBirth certificates"}}
		resp, body = post(t, c, u, form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/persons/"+id+"/safety-plan?done=plan-saved" {
			t.Fatalf("save = %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		plan := decode[haven.SafetyPlan](t, e.must(200, "GET", "/api/v1/persons/"+id+"/safety-plan", "advocate", ""))
		di := plan.Sections[0].Items
		if plan.Version != 1 || len(di) < 2 || di[0].Text != "Keep the phone charged by the bed" || !di[0].Done ||
			di[1].Text != "Spare key with the neighbour" || di[1].Done || plan.Sections[4].Notes != "Twins, aged 7" ||
			len(plan.EmergencyContacts) != 1 || plan.CodeWord != "pineapple" || len(plan.SafePlaces) != 2 || plan.SafePlaces[1] != "Café at the station" ||
			len(plan.DocumentsReady) != 2 {
			t.Fatalf("saved = %+v", plan)
		}
		added := false
		for _, s := range plan.Sections {
			for _, it := range s.Items {
				added = added || (s.Key == sugSection && it.Suggested == "firearms")
			}
		}
		if !added {
			t.Fatalf("the ticked suggestion was not added: %+v", plan.Sections)
		}

		// The plan page: the notice, the items with their boxes, the history.
		_, body = get(t, c, u+"?done=plan-saved")
		for _, want := range []string{"Safety plan saved.", "Keep the phone charged by the bed", "☑", "☐", "pineapple", "Ana Ruiz",
			"Version 1", `id="edit-plan"`, `id="print-discreet"`, "Firearms"} {
			if !strings.Contains(body, want) {
				t.Fatalf("plan page lacks %q: %s", want, body)
			}
		}
		// The form again: the added suggestion is an item now, not a suggestion.
		_, body = get(t, c, u+"/edit")
		if !strings.Contains(body, `name="version" value="1"`) || strings.Contains(body, `value="`+m[2]+`"`) {
			t.Fatalf("form after save: %s", body)
		}

		// Saving from version 0 again: a conflict, the input kept, the
		// version moved on so that saving again replaces theirs knowingly.
		form.Set("code_word", "mango")
		resp, body = post(t, c, u, form)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Someone saved a newer version") ||
			!strings.Contains(body, `id="newer"`) || !strings.Contains(body, `value="mango"`) || !strings.Contains(body, `name="version" value="1"`) {
			t.Fatalf("conflict = %d: %s", resp.StatusCode, body)
		}
		form.Set("version", "1")
		if resp, body = post(t, c, u, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save v2 = %d: %s", resp.StatusCode, body)
		}

		// Bad input: the page again, the input at fault marked.
		bad := url.Values{"csrf_token": {csrf}, "version": {"2"}, "s.technology.0.text": {"ok"}, "s.technology.1.text": {strings.Repeat("x", 501)}}
		resp, body = post(t, c, u, bad)
		if resp.StatusCode != http.StatusUnprocessableEntity ||
			!regexp.MustCompile(`id="s-technology-1-text"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Fatalf("invalid = %d: %s", resp.StatusCode, body)
		}
		resp, _ = post(t, c, u, url.Values{"csrf_token": {csrf}, "version": {"x"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad version = %d", resp.StatusCode)
		}

		// An earlier version, read only.
		_, body = get(t, c, u+"/versions/1")
		if !strings.Contains(body, `id="old-version"`) || !strings.Contains(body, "pineapple") || strings.Contains(body, `id="edit-plan"`) {
			t.Fatalf("version 1 page: %s", body)
		}

		// The person page: the latest version and the links.
		_, body = get(t, c, e.srv.URL+"/persons/"+id)
		for _, want := range []string{`id="plan-latest"`, "Version 2, saved", `id="plan-print"`, `id="plan-print-discreet"`, `id="plan-edit"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("person page lacks %q", want)
			}
		}

		// The printout: the plan, its boxes as text, no navigation.
		resp, body = get(t, c, u+"/print")
		if resp.StatusCode != 200 || !strings.Contains(body, "<title>Safety plan</title>") || !strings.Contains(body, "Marisol Quenby") ||
			!strings.Contains(body, "☑ Keep the phone charged") && !strings.Contains(body, `<span class="box">☑</span> Keep the phone charged`) ||
			!strings.Contains(body, "mango") || !strings.Contains(body, "Emergency contacts") || !strings.Contains(body, `href="/static/print.css"`) {
			t.Fatalf("print = %d: %s", resp.StatusCode, body)
		}
		for _, nav := range []string{`class="top"`, "<nav", "Sign out", "csrf_token", "<form", "<button"} {
			if strings.Contains(body, nav) {
				t.Fatalf("the printout has %q", nav)
			}
		}
		css, _ := get(t, c, e.srv.URL+"/static/print.css")
		if css.Header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Fatalf("print.css content type %q", css.Header.Get("Content-Type"))
		}
	})
}

// TestSafetyPlanDiscreetPrint: nothing on the discreet printout says what
// it is, whose it is, or who made it.
func TestSafetyPlanDiscreetPrint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c, id, _ := planPages(t, db)
		e.must(200, "PUT", "/api/v1/persons/"+id+"/safety-plan", "advocate", `{"version":0,"case_id":"",
			"sections":[
			  {"key":"during_incident","items":[{"text":"Keep the phone charged by the bed","done":true},{"text":"Spare key with the neighbour"}],"notes":"Back door sticks"},
			  {"key":"preparing_to_leave","items":[{"text":"Bag at Ana's"}]},
			  {"key":"technology","items":[{"text":"New e-mail password","suggested":"jealousy_control"}]},
			  {"key":"protective_order","items":[{"text":"Copy of the papers in the glovebox"}]}],
			"emergency_contacts":[{"name":"Ana Ruiz","phone":"+1 312 555 0101","relationship":"sister"}],
			"code_word":"pineapple","safe_places":["Library on 5th"],"documents_ready":["Passports"]}`)
		resp, body := get(t, c, e.srv.URL+"/persons/"+id+"/safety-plan/print?discreet=1")
		if resp.StatusCode != 200 {
			t.Fatalf("discreet print = %d: %s", resp.StatusCode, body)
		}
		// What the survivor wrote is there, under ordinary headings.
		for _, want := range []string{"<title>Notes</title>", "If things get difficult", "Getting ready to move", "Phone and apps", "Court papers",
			"Keep the phone charged by the bed", "☑", "☐", "Back door sticks", "Ana Ruiz", "312 555 0101", "pineapple", "Library on 5th", "Passports"} {
			if !strings.Contains(body, want) {
				t.Errorf("discreet printout lacks %q", want)
			}
		}
		// Nothing gives it away: not in the text, the title, the links or
		// the markup.
		low := strings.ToLower(body)
		sh := e.agency("safe-harbor")
		for _, word := range []string{"safety", "safety plan", "safety-plan", "abuse", "abuser", "violence", "violent", "domestic", "haven",
			"victim", "survivor", "shelter", "police", "risk", "advocate", "agency", "emergency", "danger", "protective", "incident",
			"during an incident", "leaving", "children", "strangl", "firearm", "jealous", "code word", "marisol", "quenby", "marisol quenby",
			strings.ToLower(sh.Name), sh.Slug, "metro-pd", id, "/persons/", "<nav", `class="top"`, "sign out"} {
			if strings.Contains(low, strings.ToLower(word)) {
				t.Errorf("the discreet printout says %q", word)
			}
		}
		// Nor does the stylesheet's address.
		if !strings.Contains(body, `href="/static/print.css"`) {
			t.Error("the discreet printout does not use the neutral stylesheet address")
		}
	})
}

// TestBrowserSafetyPlan walks the advocate through the plan on a phone in
// headless Chromium: start it from the person page, tick a suggested step,
// fill a few lines, save, and open both printouts. Every page is checked
// with axe-core, for console (CSP) problems and sideways scrolling; the
// printouts are checked in print media for the navigation and the
// screen-only hint.
func TestBrowserSafetyPlan(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e, id := planEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	e.must(201, "POST", "/api/v1/risk/assessments", "advocate", `{"person_id":"`+id+`","instrument":"lap","answers":{"q4":"yes","q11":"yes"}}`)
	browser := newBrowser(t)
	adv := newTab(t, browser, e)
	adv.do(emulatePhone)
	adv.mustLogin("advocate")

	adv.open("/persons/" + id)
	if st := adv.click("#plan-start"); st != 200 {
		t.Fatalf("starting a plan landed with %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/persons/{id}/safety-plan/edit", true)
	if n := len(adv.texts(".suggestion")); n < 4 {
		t.Fatalf("%d suggestions, want the firearms and stalking ones", n)
	}
	adv.type_("#s-during_incident-0-text", "Keep the phone charged by the bed")
	adv.type_("#c-0-name", "Ana Ruiz")
	adv.type_("#c-0-phone", "+1 312 555 0101")
	adv.type_("#code_word", "pineapple")
	adv.do(chromedp.Click(chromedp.CSS(`label[for="add-after_leaving-0"]`)), chromedp.Click(chromedp.CSS("#s-during_incident-0-done")))
	if st := adv.click("#save-plan"); st != 200 {
		t.Fatalf("saving landed with %d: %q", st, adv.text("main"))
	}
	pageChecks(t, adv, "/persons/{id}/safety-plan", true)
	if n := adv.text(`main .notice[role="status"]`); n != "Safety plan saved." {
		t.Errorf("notice = %q", n)
	}
	if body := adv.text("main"); !strings.Contains(body, "☑") || !strings.Contains(body, "pineapple") || !strings.Contains(body, "Firearms") {
		t.Errorf("the plan page shows %q", body)
	}

	for _, pr := range []struct{ link, title string }{{"#print-plan", "Safety plan"}, {"#print-discreet", "Notes"}} {
		adv.open("/persons/" + id + "/safety-plan")
		if st := adv.click(pr.link); st != 200 {
			t.Fatalf("%s landed with %d", pr.link, st)
		}
		pageChecks(t, adv, "print "+pr.title, true)
		if title := evalJS[string](adv, `document.title`); title != pr.title {
			t.Errorf("%s: title %q, want %q", pr.link, title, pr.title)
		}
		// On paper: no hint, no header or navigation, the boxes as text.
		adv.do(emulateMedia("print"))
		if shown := evalJS[bool](adv, `getComputedStyle(document.querySelector('.print-hint')).display !== 'none'`); shown {
			t.Errorf("%s: the screen hint is printed", pr.link)
		}
		if n := evalJS[int](adv, `document.querySelectorAll('nav, header, form, button').length`); n != 0 {
			t.Errorf("%s: %d navigation elements on the printout", pr.link, n)
		}
		if text := evalJS[string](adv, `document.body.textContent.replace(/\s+/g, ' ')`); !strings.Contains(text, "☑ Keep the phone charged") {
			t.Errorf("%s: printed text %q", pr.link, text)
		}
		adv.do(emulateMedia(""))
	}
}

// emulateMedia makes the page render for media ("print"; "" for the screen).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}
