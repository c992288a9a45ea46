package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

// refClock is a settable clock for the referral tests' targets.
type refClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *refClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *refClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// referralEnv is the env with safe-harbor, a metro-pd victim and the
// victim's consent naming safe-harbor, on a clock the test moves.
type referralEnv struct {
	*env
	clock   *refClock
	victim  string
	consent string
}

func newReferralEnv(t *testing.T, driver string) *referralEnv {
	t.Helper()
	c := &refClock{t: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	cfg := storetest.Config()
	cfg.Now = c.Now
	e := newEnv(t, storetest.Open(t, driver, cfg))
	e.safeHarbor()
	re := &referralEnv{env: e, clock: c}
	re.victim = e.createPerson("officer", `{"given_name":"Rosa","family_name":"Quintanilla-Vey","phones":[{"number":"555 0142"}]}`).ID
	re.consent = re.grant(t, re.victim, "safe-harbor")
	return re
}

// grant records a consent of the person naming the agency, through the
// store (the consent feature's own API is tested there).
func (e *referralEnv) grant(t *testing.T, personID, to string) string {
	t.Helper()
	exp := e.clock.Now().Add(30 * 24 * time.Hour)
	c, err := e.db.RecordConsent(storetest.As(e.users["officer"]), haven.ConsentInput{PersonID: personID, RecipientAgencies: []string{to},
		Scopes: []string{"contact"}, Purpose: "advocacy", Method: haven.ConsentWritten, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (e *referralEnv) referBody(urgency string) string {
	return `{"person_id":"` + e.victim + `","to_agency":"safe-harbor","consent_id":"` + e.consent + `","need":"housing","urgency":"` + urgency +
		`","notes":"Two children"}`
}

func (e *referralEnv) refer(t *testing.T, urgency string) haven.Referral {
	t.Helper()
	return decode[haven.Referral](t, e.must(201, "POST", "/api/v1/referrals", "officer", e.referBody(urgency)))
}

func eachDriver(t *testing.T, fn func(t *testing.T, driver string)) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

func TestReferralAPI(t *testing.T) {
	eachDriver(t, func(t *testing.T, driver string) {
		e := newReferralEnv(t, driver)
		resp, body := e.do("POST", "/api/v1/referrals", "officer", e.referBody("urgent"))
		if resp.StatusCode != 201 {
			t.Fatalf("create = %d: %s", resp.StatusCode, body)
		}
		ref := decode[haven.Referral](t, body)
		if resp.Header.Get("Location") != "/api/v1/referrals/"+ref.ID || ref.Status != "sent" || ref.ToAgency != "safe-harbor" ||
			ref.PersonName != "Rosa Quintanilla-Vey" || ref.Notes != "Two children" || len(ref.Transitions) != 1 ||
			!ref.AcknowledgeBy.Equal(e.clock.Now().Add(24*time.Hour)) {
			t.Fatalf("created = %s", body)
		}
		path := "/api/v1/referrals/" + ref.ID

		// Refusals and bad input.
		for _, c := range []struct {
			name, method, path, user, body string
			status                         int
			field                          string
		}{
			{"both destinations", "POST", "/api/v1/referrals", "officer", `{"person_id":"` + e.victim + `","to_agency":"safe-harbor","to_service":"x","need":"legal","urgency":"routine"}`, 422, "to_agency"},
			{"no consent", "POST", "/api/v1/referrals", "officer", `{"person_id":"` + e.victim + `","to_agency":"safe-harbor","need":"legal","urgency":"routine"}`, 422, "consent_id"},
			{"consent not naming", "POST", "/api/v1/referrals", "officer", `{"person_id":"` + e.victim + `","to_agency":"harbor-house","consent_id":"` + e.consent + `","need":"legal","urgency":"routine"}`, 422, "consent_id"},
			{"bad urgency", "POST", "/api/v1/referrals", "officer", `{"person_id":"` + e.victim + `","to_service":"x","need":"legal","urgency":"whenever"}`, 422, "urgency"},
			{"unknown field", "POST", "/api/v1/referrals", "officer", `{"person_id":"` + e.victim + `","priority":"high"}`, 400, "priority"},
			{"another agency's person", "POST", "/api/v1/referrals", "shelter", `{"person_id":"` + e.victim + `","to_service":"x","need":"legal","urgency":"routine"}`, 404, ""},
			{"analyst-like admin", "POST", "/api/v1/referrals", "pdadmin", `{"person_id":"` + e.victim + `","to_service":"x","need":"legal","urgency":"routine"}`, 404, ""},
			{"bad overdue", "GET", "/api/v1/referrals?overdue=maybe", "officer", "", 422, "overdue"},
			{"bad limit", "GET", "/api/v1/referrals?limit=0", "officer", "", 422, "limit"},
			{"bad direction", "GET", "/api/v1/referrals?direction=up", "officer", "", 422, "direction"},
			{"bad status", "GET", "/api/v1/referrals?status=lost", "officer", "", 422, "status"},
			{"list as admin", "GET", "/api/v1/referrals", "pdadmin", "", 403, ""},
			{"read as a third agency", "GET", path, "shelter", "", 404, ""},
			{"accept as a third agency", "POST", path + "/accept", "shelter", "", 404, ""},
			{"accept as the sender", "POST", path + "/accept", "officer", "", 403, ""},
			{"decline without a reason", "POST", path + "/decline", "advocate", "", 422, "reason"},
			{"reason of the wrong type", "POST", path + "/decline", "advocate", `{"reason":5}`, 400, "reason"},
			{"start before accepting", "POST", path + "/start", "advocate", "", 409, ""},
			{"case before accepting", "POST", path + "/case", "advocate", "", 409, ""},
			{"case by the sender", "POST", path + "/case", "officer", "", 404, ""},
			{"missing referral", "GET", "/api/v1/referrals/" + missingID, "advocate", "", 404, ""},
		} {
			resp, body := e.do(c.method, c.path, c.user, c.body)
			if resp.StatusCode != c.status {
				t.Errorf("%s = %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
				continue
			}
			if code, field := errorField(t, body); field != c.field {
				t.Errorf("%s: %s field %q, want %q", c.name, code, field, c.field)
			}
		}

		// The sender's list leaves it sent; the receiver's read receives it.
		out := decode[struct{ Items []haven.Referral }](t, e.must(200, "GET", "/api/v1/referrals?direction=outgoing", "officer", ""))
		if len(out.Items) != 1 || out.Items[0].Status != "sent" || out.Items[0].Direction != "outgoing" {
			t.Fatalf("outgoing = %+v", out)
		}
		got := decode[haven.Referral](t, e.must(200, "GET", path, "advocate", ""))
		if got.Status != "received" || got.Direction != "incoming" || got.PersonName != "Rosa Quintanilla-Vey" {
			t.Fatalf("receiver's read = %+v", got)
		}
		e.clock.Add(time.Hour)
		if got := decode[haven.Referral](t, e.must(200, "POST", path+"/accept", "advocate", "")); got.Status != "accepted" || got.StartBy == nil {
			t.Fatalf("accepted = %+v", got)
		}
		if got := decode[haven.Referral](t, e.must(200, "POST", path+"/start", "advocate", `{}`)); got.Status != "in_progress" {
			t.Fatalf("started = %+v", got)
		}
		if got := decode[haven.Referral](t, e.must(200, "POST", path+"/complete", "sh-supervisor", "")); got.Status != "completed" {
			t.Fatalf("completed = %+v", got)
		}
		e.must(409, "POST", path+"/close", "advocate", `{"reason":"done"}`)
		sent := decode[haven.Referral](t, e.must(200, "GET", path, "officer", ""))
		var steps []string
		for _, tr := range sent.Transitions {
			steps = append(steps, tr.Status+"/"+tr.ByName)
		}
		if strings.Join(steps, " ") != "sent/officer received/advocate accepted/advocate in_progress/advocate completed/sh-supervisor" {
			t.Fatalf("the sender sees %v", steps)
		}

		// Withdrawn by the sender, with its reason.
		w := e.refer(t, "routine")
		if got := decode[haven.Referral](t, e.must(200, "POST", "/api/v1/referrals/"+w.ID+"/close", "officer", `{"reason":"Moved away"}`)); got.Status != "closed" || got.Reason != "Moved away" {
			t.Fatalf("withdrawn = %+v", got)
		}

		// The receiving agency's intake opens a case in one step.
		r2 := e.refer(t, "emergency")
		e.must(200, "POST", "/api/v1/referrals/"+r2.ID+"/accept", "advocate", "")
		resp, body = e.do("POST", "/api/v1/referrals/"+r2.ID+"/case", "advocate", "")
		if resp.StatusCode != 201 {
			t.Fatalf("case = %d: %s", resp.StatusCode, body)
		}
		cs := decode[haven.Case](t, body)
		if cs.ID == "" || cs.ReferralID != r2.ID || cs.SourcePersonID != e.victim || resp.Header.Get("Location") != "/api/v1/cases/"+cs.ID {
			t.Fatalf("case = %s", body)
		}
		if got := decode[haven.Referral](t, e.must(200, "GET", "/api/v1/referrals/"+r2.ID, "officer", "")); got.Status != "in_progress" || got.CaseID != cs.ID {
			t.Fatalf("after the case = %+v", got)
		}
		e.must(409, "POST", "/api/v1/referrals/"+r2.ID+"/case", "advocate", "")

		// Overdue: routine is 72 hours to accept or decline.
		r3 := e.refer(t, "routine")
		e.clock.Add(72 * time.Hour)
		if got := decode[struct{ Items []haven.Referral }](t, e.must(200, "GET", "/api/v1/referrals?overdue=true", "officer", "")); len(got.Items) != 0 {
			t.Fatalf("overdue at the target: %+v", got.Items)
		}
		e.clock.Add(time.Second)
		got3 := decode[struct{ Items []haven.Referral }](t, e.must(200, "GET", "/api/v1/referrals?overdue=true&direction=outgoing", "officer", ""))
		if len(got3.Items) != 1 || got3.Items[0].ID != r3.ID || got3.Items[0].Missed != "acknowledge" {
			t.Fatalf("overdue after the target: %+v", got3.Items)
		}
	})
}

var refIDRE = regexp.MustCompile(`/referrals/([0-9a-f-]{36})`)

func TestReferralPages(t *testing.T) {
	eachDriver(t, func(t *testing.T, driver string) {
		e := newReferralEnv(t, driver)
		base := e.srv.URL
		officer := browserClient()
		csrf := login(t, e.env, officer, "officer", storetest.Password)

		// The person page lists the person's referrals and offers Refer.
		resp, body := get(t, officer, base+"/persons/"+e.victim)
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/referrals/new?person=`+e.victim+`" id="refer"`) || !strings.Contains(body, "No referrals sent yet") {
			t.Fatalf("person page = %d: %s", resp.StatusCode, body)
		}
		resp, body = get(t, officer, base+"/referrals/new?person="+e.victim)
		if resp.StatusCode != 200 || !strings.Contains(body, `<option value="safe-harbor"`) || strings.Contains(body, `<option value="metro-pd"`) ||
			!strings.Contains(body, `value="`+e.consent+`" checked`) || !strings.Contains(body, "Agency safe-harbor: contact") {
			t.Fatalf("form = %d: %s", resp.StatusCode, body)
		}
		for _, name := range []string{"to_agency", "consent_id", "to_service", "need", "urgency", "notes"} {
			if !strings.Contains(body, `name="`+name+`"`) {
				t.Errorf("the form has no %s", name)
			}
		}
		// A person without consent: the form says to record one first.
		other := e.createPerson("officer", `{"given_name":"Nadia","family_name":"Ferro"}`).ID
		if _, body := get(t, officer, base+"/referrals/new?person="+other); !strings.Contains(body, `id="no-consent"`) ||
			!strings.Contains(body, `href="/persons/`+other+`#consents"`) {
			t.Fatalf("no-consent form: %s", body)
		}
		// Another agency's person, or none: not found.
		if resp, _ := get(t, officer, base+"/referrals/new?person="+missingID); resp.StatusCode != 404 {
			t.Fatalf("form for a missing person = %d", resp.StatusCode)
		}

		form := url.Values{"csrf_token": {csrf}, "person_id": {e.victim}, "to_agency": {"safe-harbor"}, "need": {"housing"},
			"urgency": {"urgent"}, "notes": {"Call the safe phone"}}
		resp, body = post(t, officer, base+"/referrals", form)
		if resp.StatusCode != 422 || !strings.Contains(body, `id="form-error">A referral to another agency needs the survivor&#39;s consent`) ||
			!strings.Contains(body, `id="consent-choice"`) || !strings.Contains(body, "Call the safe phone") {
			t.Fatalf("without consent = %d: %s", resp.StatusCode, body)
		}
		form.Set("consent_id", e.consent)
		resp, _ = post(t, officer, base+"/referrals", form)
		loc := resp.Header.Get("Location")
		m := refIDRE.FindStringSubmatch(loc)
		if resp.StatusCode != http.StatusSeeOther || m == nil || !strings.HasSuffix(loc, "?done=sent") {
			t.Fatalf("create = %d, %s", resp.StatusCode, loc)
		}
		id := m[1]
		resp, body = get(t, officer, base+loc)
		if resp.StatusCode != 200 || !strings.Contains(body, "Referral sent.") || !strings.Contains(body, `id="timeline"`) ||
			!strings.Contains(body, `id="do-close"`) || strings.Contains(body, `id="do-accept"`) || !strings.Contains(body, "Withdraw") {
			t.Fatalf("sender's page = %d: %s", resp.StatusCode, body)
		}

		// The advocate's incoming list receives it; the page offers the steps.
		advocate := browserClient()
		acsrf := login(t, e.env, advocate, "advocate", storetest.Password)
		resp, body = get(t, advocate, base+"/referrals")
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/referrals/`+id+`"`) || !strings.Contains(body, "Rosa Quintanilla-Vey") ||
			!strings.Contains(body, `class="tag ref-received"`) || !strings.Contains(body, `aria-current="page" id="tab-incoming"`) {
			t.Fatalf("incoming list = %d: %s", resp.StatusCode, body)
		}
		_, body = get(t, advocate, base+"/referrals/"+id)
		for _, want := range []string{`id="do-accept"`, `id="do-decline"`, `name="reason"`, "Call the safe phone", "From Agency metro-pd"} {
			if !strings.Contains(body, want) {
				t.Errorf("receiver's page lacks %s", want)
			}
		}
		if strings.Contains(body, `id="open-case"`) {
			t.Error("Open a case offered before accepting")
		}
		// Declining without a reason keeps the page, with the field marked.
		resp, body = post(t, advocate, base+"/referrals/"+id+"/decline", url.Values{"csrf_token": {acsrf}})
		if resp.StatusCode != 422 || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, "Say why the referral is declined") {
			t.Fatalf("decline without reason = %d: %s", resp.StatusCode, body)
		}
		if resp, _ := post(t, advocate, base+"/referrals/"+id+"/approve", url.Values{"csrf_token": {acsrf}}); resp.StatusCode != 404 {
			t.Fatalf("unknown action = %d", resp.StatusCode)
		}
		if resp, _ := post(t, advocate, base+"/referrals/"+id+"/accept", url.Values{"csrf_token": {acsrf}}); resp.StatusCode != http.StatusSeeOther ||
			resp.Header.Get("Location") != "/referrals/"+id+"?done=accept" {
			t.Fatalf("accept = %d", resp.StatusCode)
		}
		_, body = get(t, advocate, base+"/referrals/"+id+"?done=accept")
		if !strings.Contains(body, "Referral accepted.") || !strings.Contains(body, `id="open-case"`) || !strings.Contains(body, `id="do-start"`) {
			t.Fatalf("accepted page: %s", body)
		}
		resp, _ = post(t, advocate, base+"/referrals/"+id+"/case", url.Values{"csrf_token": {acsrf}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/cases/") {
			t.Fatalf("open a case = %d, %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The sender sees every step; the person page lists it.
		_, body = get(t, officer, base+"/referrals/"+id)
		for _, st := range []string{"ref-sent", "ref-received", "ref-accepted", "ref-in_progress"} {
			if !strings.Contains(body, `<li><span class="tag `+st+`">`) {
				t.Errorf("the sender's timeline lacks %s", st)
			}
		}
		if !strings.Contains(body, "A case was opened by Agency safe-harbor") {
			t.Error("the sender is not told a case was opened")
		}
		if _, body := get(t, officer, base+"/persons/"+e.victim); !strings.Contains(body, `href="/referrals/`+id+`"`) {
			t.Error("the person page does not list the referral")
		}
		// A third agency: not found.
		shelter := browserClient()
		login(t, e.env, shelter, "shelter", storetest.Password)
		if resp, _ := get(t, shelter, base+"/referrals/"+id); resp.StatusCode != 404 {
			t.Fatalf("third agency = %d", resp.StatusCode)
		}

		// Overdue referrals stand out in the list, with the missed target.
		e.refer(t, "emergency")
		e.clock.Add(2 * time.Hour)
		officer = browserClient() // the clock moved past the session's life
		login(t, e.env, officer, "officer", storetest.Password)
		resp, body = get(t, officer, base+"/referrals?direction=outgoing&overdue=true")
		if resp.StatusCode != 200 || strings.Count(body, `class="card referral overdue"`) != 1 ||
			!strings.Contains(body, "not accepted or declined within 1 hour") {
			t.Fatalf("overdue list = %d: %s", resp.StatusCode, body)
		}
		if resp, _ := get(t, officer, base+"/referrals?overdue=perhaps"); resp.StatusCode != 422 {
			t.Fatalf("bad filter = %d", resp.StatusCode)
		}
	})
}
