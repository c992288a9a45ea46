package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// consentEnv is the web tests' env with an advocacy agency (safe-harbor,
// with an advocate) and a survivor of metro-pd who is the victim in a
// submitted report, with her statement and the suspect's.
type consentEnv struct {
	*env
	survivor, suspect createdPerson
	incident          haven.Incident
}

const (
	webSurvivorStatement = "He locked the door and took my phone."
	webSuspectStatement  = "Nothing happened, she is lying."
)

func newConsentEnv(t *testing.T, db *store.DB) *consentEnv {
	t.Helper()
	e := &consentEnv{env: newEnv(t, db)}
	e.safeHarbor()
	e.survivor = e.createPerson("officer", `{"given_name":"Rosalind","family_name":"Achterberg","phones":[{"number":"(312) 555-0142"}],
		"addresses":[{"line1":"7 Hidden Court","city":"Metro City","confidential":true}]}`)
	e.suspect = e.createPerson("officer", `{"given_name":"Gideon","family_name":"Voss"}`)
	e.incident = e.createIncident("officer", fmt.Sprintf(`{"domestic":true,"location":{"address":"7 Hidden Court","beat":"0421"},
		"offenses":[{"code":"13B"}],"narrative":"Neighbours called about shouting.",
		"parties":[{"person_id":%q,"role":"victim"},{"person_id":%q,"role":"suspect"}],
		"statements":[{"kind":"victim","person_id":%q,"taken_at":"2026-01-10T22:00:00Z","how_taken":"written","text":%q},
		{"kind":"suspect","person_id":%q,"taken_at":"2026-01-10T22:10:00Z","how_taken":"verbal","text":%q}]}`,
		e.survivor.ID, e.suspect.ID, e.survivor.ID, webSurvivorStatement, e.suspect.ID, webSuspectStatement))
	e.must(204, "POST", "/api/v1/incidents/"+e.incident.ID+"/submit", "officer", "")
	return e
}

// consentBody is a grant of the survivor to safe-harbor for scopes,
// changed by the extra JSON members (which override earlier ones).
func (e *consentEnv) consentBody(scopes, extra string) string {
	until := time.Now().AddDate(0, 0, 30).UTC().Format(time.RFC3339)
	return `{"person_id":"` + e.survivor.ID + `","recipient_agencies":["safe-harbor"],"scopes":[` + scopes + `],` +
		`"purpose":"Advocacy after the January call-out","method":"verbal","witness":"Desk sergeant Olu",` +
		`"expires_at":"` + until + `"` + extra + `}`
}

func TestConsentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsentEnv(t, db)
		survivorPath := "/api/v1/persons/" + e.survivor.ID
		e.must(404, "GET", survivorPath, "advocate", "")

		// Errors name the field at fault.
		for _, tc := range []struct {
			name, user, body string
			status           int
			field            string
		}{
			{"unknown field", "officer", `{"person":"x"}`, 400, "person"},
			{"wrong type", "officer", `{"scopes":"contact"}`, 400, "scopes"},
			{"no expiry", "officer", strings.Replace(e.consentBody(`"contact"`, ""), `"expires_at"`, `"ignored_at"`, 1), 400, "ignored_at"},
			{"expiry not a time", "officer", e.consentBody(`"contact"`, `,"expires_at":"next month"`), 422, "expires_at"},
			{"start not a time", "officer", e.consentBody(`"contact"`, `,"starts_at":"2026-13-01T00:00:00Z"`), 422, "starts_at"},
			{"expiry too far", "officer", e.consentBody(`"contact"`, `,"expires_at":"`+time.Now().AddDate(2, 0, 0).UTC().Format(time.RFC3339)+`"`), 422, "expires_at"},
			{"no scopes", "officer", e.consentBody(``, ""), 422, "scopes"},
			{"unknown scope", "officer", e.consentBody(`"diary"`, ""), 422, "scopes"},
			{"own agency", "officer", e.consentBody(`"contact"`, `,"recipient_agencies":["metro-pd"]`), 422, "recipient_agencies"},
			{"unknown agency", "officer", e.consentBody(`"contact"`, `,"recipient_agencies":["nowhere"]`), 422, "recipient_agencies"},
			{"no purpose", "officer", e.consentBody(`"contact"`, `,"purpose":""`), 422, "purpose"},
			{"unknown method", "officer", e.consentBody(`"contact"`, `,"method":"nod"`), 422, "method"},
			{"verbal without witness", "officer", e.consentBody(`"contact"`, `,"witness":""`), 422, "witness"},
			{"another agency's person", "shelter", e.consentBody(`"contact"`, `,"recipient_agencies":["metro-pd"]`), 404, ""},
			{"an administrator", "pdadmin", e.consentBody(`"contact"`, ""), 404, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, e.env, tc.status, tc.field, "POST", "/api/v1/consents", tc.user, tc.body)
			})
		}

		resp, b := e.do("POST", "/api/v1/consents", "officer", e.consentBody(`"contact","incident"`, ""))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("record = %d: %s", resp.StatusCode, b)
		}
		c := decode[haven.Consent](t, b)
		if c.Status != "active" || c.Witness != "Desk sergeant Olu" || resp.Header.Get("Location") != "/api/v1/consents/"+c.ID {
			t.Fatalf("recorded %+v, Location %q", c, resp.Header.Get("Location"))
		}
		consentPath := "/api/v1/consents/" + c.ID

		// The recipient reads the grant (without the witness), the person
		// (without the confidential address) and the report (consent view).
		if got := decode[haven.Consent](t, e.must(200, "GET", consentPath, "advocate", "")); got.Witness != "" || got.Purpose == "" {
			t.Fatalf("recipient's grant = %+v", got)
		}
		e.must(404, "GET", consentPath, "shelter", "")
		p := decode[haven.Person](t, e.must(200, "GET", survivorPath, "advocate", ""))
		if len(p.Phones) != 1 || len(p.Addresses) != 0 || p.Access.Basis != "consent" || p.Access.BasisID != c.ID {
			t.Fatalf("person under consent = %+v (%+v)", p, p.Access)
		}
		in := decode[haven.Incident](t, e.must(200, "GET", "/api/v1/incidents/"+e.incident.ID, "advocate", ""))
		if len(in.Statements) != 1 || in.Statements[0].Text != webSurvivorStatement || in.Location.Address != "" || in.Location.Beat != "0421" {
			t.Fatalf("report under consent = %+v", in)
		}
		e.must(404, "GET", "/api/v1/incidents/"+e.incident.ID+"/supplements", "advocate", "")
		e.must(404, "GET", "/api/v1/persons/"+e.survivor.ID+"/assessments", "advocate", "")
		shared := decode[struct{ Items []haven.Incident }](t, e.must(200, "GET", consentPath+"/incidents", "advocate", ""))
		if len(shared.Items) != 1 || shared.Items[0].ID != e.incident.ID {
			t.Fatalf("shared reports = %+v", shared)
		}
		withUs := decode[struct{ Items []haven.SharedPerson }](t, e.must(200, "GET", "/api/v1/consents/shared", "advocate", ""))
		if len(withUs.Items) != 1 || withUs.Items[0].Name != "Rosalind Achterberg" || withUs.Items[0].Consent.ID != c.ID {
			t.Fatalf("shared with us = %+v", withUs)
		}
		list := decode[struct{ Items []haven.Consent }](t, e.must(200, "GET", survivorPath+"/consents", "supervisor", ""))
		if len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("person's consents = %+v", list)
		}
		e.must(404, "GET", survivorPath+"/consents", "advocate", "")

		// Revocation: the recording agency, with a reason; then nothing.
		wantError(t, e.env, 422, "reason", "POST", consentPath+"/revoke", "officer", `{"reason":" "}`)
		// A recipient may record the survivor's withdrawal too (with a reason).
		wantError(t, e.env, 422, "reason", "POST", consentPath+"/revoke", "advocate", `{"reason":""}`)
		wantError(t, e.env, 404, "", "POST", consentPath+"/revoke", "shelter", `{"reason":"she called us"}`)
		r := decode[haven.Consent](t, e.must(200, "POST", consentPath+"/revoke", "supervisor", `{"reason":"She withdrew it by phone."}`))
		if r.Status != "revoked" || r.RevokeReason != "She withdrew it by phone." {
			t.Fatalf("revoked = %+v", r)
		}
		wantError(t, e.env, 409, "", "POST", consentPath+"/revoke", "officer", `{"reason":"again"}`)
		for _, path := range []string{survivorPath, "/api/v1/incidents/" + e.incident.ID, consentPath, consentPath + "/incidents"} {
			e.must(404, "GET", path, "advocate", "")
		}
		if withUs := decode[struct{ Items []haven.SharedPerson }](t, e.must(200, "GET", "/api/v1/consents/shared", "advocate", "")); len(withUs.Items) != 0 {
			t.Fatalf("shared after revoking = %+v", withUs)
		}
		e.must(403, "GET", "/api/v1/consents/shared", "pdadmin", "")
	})
}

var (
	checkedRE = func(name, value string) *regexp.Regexp {
		return regexp.MustCompile(`name="` + name + `" value="` + regexp.QuoteMeta(value) + `" checked`)
	}
)

// TestConsentPages drives the pages over plain HTTP: the form on the
// person page with the agency's default expiry, its errors with the field
// marked and the input kept, the printout, the recipient's "Shared with
// us", person page and shared report, and revoking.
func TestConsentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsentEnv(t, db)
		pd, err := db.AgencyBySlug(storetest.System(), "metro-pd")
		if err != nil {
			t.Fatal(err)
		}
		days := 30
		if _, err := db.UpdateAgencySettings(storetest.System(), pd.ID, haven.AgencySettings{ConsentDays: &days}); err != nil {
			t.Fatal(err)
		}
		c := browserClient()
		csrf := login(t, e.env, c, "officer", storetest.Password)
		personPage := e.srv.URL + "/persons/" + e.survivor.ID
		resp, body := get(t, c, personPage)
		wantDate := time.Now().In(pd.Location()).AddDate(0, 0, 30).Format("2006-01-02")
		for _, want := range []string{`id="no-consents"`, `action="/consents"`, `name="recipient_agencies" value="safe-harbor"`,
			`name="recipient_agencies" value="harbor-house"`, `name="scopes" value="contact"`, `name="method" value="verbal"`,
			`id="expires_on" name="expires_on" type="date" value="` + wantDate + `"`} {
			if resp.StatusCode != 200 || !strings.Contains(body, want) {
				t.Fatalf("person page = %d, lacks %s", resp.StatusCode, want)
			}
		}
		if strings.Contains(body, `name="recipient_agencies" value="metro-pd"`) {
			t.Fatal("the form offers the agency's own name as a recipient")
		}

		form := url.Values{"csrf_token": {csrf}, "person_id": {e.survivor.ID}, "recipient_agencies": {"safe-harbor"},
			"scopes": {"contact", "incident"}, "purpose": {"Housing help and court support"}, "expires_on": {wantDate}}
		resp, body = post(t, c, e.srv.URL+"/consents", form)
		if resp.StatusCode != 422 || !strings.Contains(body, `<legend>How consent was given</legend>`) ||
			!strings.Contains(body, `<fieldset aria-describedby="form-error">
    <legend>How consent was given</legend>`) || !strings.Contains(body, "Housing help and court support") ||
			!checkedRE("scopes", "incident").MatchString(body) || !checkedRE("recipient_agencies", "safe-harbor").MatchString(body) {
			t.Fatalf("without a method = %d: %s", resp.StatusCode, body)
		}
		form.Set("method", "verbal")
		resp, body = post(t, c, e.srv.URL+"/consents", form)
		if resp.StatusCode != 422 || !strings.Contains(body, `id="witness" name="witness" maxlength="200" value="" aria-invalid="true"`) ||
			!checkedRE("method", "verbal").MatchString(body) {
			t.Fatalf("verbal without a witness = %d: %s", resp.StatusCode, body)
		}
		form.Set("witness", "Officer Dana Whit")
		form.Set("expires_on", "31/12/2026")
		resp, body = post(t, c, e.srv.URL+"/consents", form)
		if resp.StatusCode != 422 || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `value="31/12/2026"`) {
			t.Fatalf("a bad date = %d: %s", resp.StatusCode, body)
		}
		form.Set("expires_on", wantDate)
		resp, _ = post(t, c, e.srv.URL+"/consents", form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/persons/"+e.survivor.ID+"?done=consent-recorded#consents" {
			t.Fatalf("record = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = get(t, c, personPage+"?done=consent-recorded")
		if !strings.Contains(body, "Consent recorded.") || !strings.Contains(body, `class="tag consent-active"`) ||
			!strings.Contains(body, "contact details, police reports") {
			t.Fatalf("person page after recording = %d: %s", resp.StatusCode, body)
		}
		id := regexp.MustCompile(`href="/consents/([^"/]+)/print"`).FindStringSubmatch(body)
		if id == nil {
			t.Fatal("no printout link")
		}
		consentID := id[1]

		// The printout: plain language, what, with whom, why, until when,
		// how to withdraw; nothing to click when printed.
		resp, body = get(t, c, e.srv.URL+"/consents/"+consentID+"/print")
		for _, want := range []string{"Your consent to share information", "Rosalind Achterberg", "Housing help and court support",
			"Agency safe-harbor", "Agency metro-pd", "How to reach you", "Police reports of incidents you were part of",
			"Tell any of these agencies, at any time", "with Officer Dana Whit as witness", `class="no-print"`} {
			if resp.StatusCode != 200 || !strings.Contains(body, want) {
				t.Fatalf("printout = %d, lacks %q: %s", resp.StatusCode, want, body)
			}
		}
		_, css := get(t, c, e.srv.URL+"/static/haven.css")
		if !regexp.MustCompile(`(?s)@media print \{[^}]*\.no-print`).MatchString(css) {
			t.Fatal("the stylesheet does not hide .no-print when printing")
		}

		// The advocate: Shared with us, the person, the grant, the report.
		ac := browserClient()
		login(t, e.env, ac, "advocate", storetest.Password)
		resp, body = get(t, ac, e.srv.URL+"/shared")
		if resp.StatusCode != 200 || !strings.Contains(body, `<a href="/persons/`+e.survivor.ID+`">Rosalind Achterberg</a>`) ||
			!strings.Contains(body, "Agency metro-pd") {
			t.Fatalf("shared with us = %d: %s", resp.StatusCode, body)
		}
		resp, body = get(t, ac, e.srv.URL+"/persons/"+e.survivor.ID)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="shared-under"`) || strings.Contains(body, "7 Hidden Court") ||
			strings.Contains(body, `action="/consents"`) {
			t.Fatalf("person under consent = %d: %s", resp.StatusCode, body)
		}
		resp, body = get(t, ac, e.srv.URL+"/consents/"+consentID)
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/shared/incidents/`+e.incident.ID+`"`) || strings.Contains(body, "Officer Dana Whit") ||
			!strings.Contains(body, `action="/consents/`+consentID+`/revoke"`) {
			t.Fatalf("grant for the recipient = %d: %s", resp.StatusCode, body)
		}
		resp, body = get(t, ac, e.srv.URL+"/shared/incidents/"+e.incident.ID)
		if resp.StatusCode != 200 || !strings.Contains(body, webSurvivorStatement) || strings.Contains(body, webSuspectStatement) ||
			strings.Contains(body, "7 Hidden Court") || !strings.Contains(body, "Rosalind Achterberg") || strings.Contains(body, "Gideon") {
			t.Fatalf("shared report = %d: %s", resp.StatusCode, body)
		}
		// The report's own agency goes to the report's own page.
		if resp, _ := get(t, c, e.srv.URL+"/shared/incidents/"+e.incident.ID); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("own agency's shared report = %d", resp.StatusCode)
		}

		// Revoking: a reason is required, and then nothing is shared.
		resp, body = post(t, c, e.srv.URL+"/consents/"+consentID+"/revoke", url.Values{"csrf_token": {csrf}, "reason": {" "}})
		if resp.StatusCode != 422 || !strings.Contains(body, `id="reason" name="reason" maxlength="2000" value=" " required aria-invalid="true"`) {
			t.Fatalf("revoke without a reason = %d: %s", resp.StatusCode, body)
		}
		resp, _ = post(t, c, e.srv.URL+"/consents/"+consentID+"/revoke", url.Values{"csrf_token": {csrf}, "reason": {"Withdrawn in person"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=consent-revoked") {
			t.Fatalf("revoke = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := get(t, ac, e.srv.URL+"/persons/"+e.survivor.ID); resp.StatusCode != 404 {
			t.Fatalf("person after revoking = %d", resp.StatusCode)
		}
		if _, body := get(t, ac, e.srv.URL+"/shared"); !strings.Contains(body, `id="nothing-shared"`) {
			t.Fatalf("shared after revoking: %s", body)
		}
		_, body = get(t, c, e.srv.URL+"/consents/"+consentID+"/print")
		if !strings.Contains(body, "You withdrew this consent on") {
			t.Fatalf("printout after revoking: %s", body)
		}
	})
}
