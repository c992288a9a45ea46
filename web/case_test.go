package web_test

import (
	"bytes"
	"io"
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

// caseEnv is the web tests' env with safe-harbor (an advocate and a
// supervisor) and a survivor of safe-harbor's own.
type caseEnv struct {
	*env
	sh       *haven.Agency
	survivor createdPerson
}

func newCaseEnv(t *testing.T, db *store.DB) *caseEnv {
	t.Helper()
	e := &caseEnv{env: newEnv(t, db)}
	e.sh = e.safeHarbor()
	e.addUser(e.sh, "advocate2", haven.RoleAdvocate)
	e.survivor = e.createPerson("advocate", `{"given_name":"Marisol","family_name":"Quenneville"}`)
	return e
}

var minimalPDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

func TestCasesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCaseEnv(t, db)
		resp, body := e.do("POST", "/api/v1/cases", "advocate", `{"person_id":"`+e.survivor.ID+`","needs":["housing"]}`)
		c := decode[haven.Case](t, body)
		if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/cases/"+c.ID || !regexp.MustCompile(`^SAF-\d{4}-000001$`).MatchString(c.Number) ||
			c.Status != "open" || c.LeadAdvocate != e.users["advocate"].ID || c.PersonName != "Marisol Quenneville" {
			t.Fatalf("created = %d %s", resp.StatusCode, body)
		}
		base := "/api/v1/cases/" + c.ID
		other := e.createPerson("advocate", `{"given_name":"Odile","family_name":"Brackenridge"}`)
		for _, sc := range []struct {
			name, method, path, user, body string
			status                         int
			field                          string
		}{
			{"unknown need", "POST", "/api/v1/cases", "advocate", `{"person_id":"` + other.ID + `","needs":["yachting"]}`, 422, "needs"},
			{"a second case", "POST", "/api/v1/cases", "advocate", `{"person_id":"` + e.survivor.ID + `"}`, 409, "person_id"},
			{"an officer", "POST", "/api/v1/cases", "officer", `{"person_id":"` + other.ID + `"}`, 403, ""},
			{"unknown field", "POST", "/api/v1/cases", "advocate", `{"person":"x"}`, 400, "person"},
			{"another agency's case", "GET", base, "officer", "", 404, ""},
			{"shelter staff of another agency", "GET", base, "shelter", "", 404, ""},
			{"back to open", "PATCH", base, "advocate", `{"status":"active"}`, 200, ""},
			{"open again", "PATCH", base, "advocate", `{"status":"open"}`, 409, "status"},
			{"close without a reason", "PATCH", base, "advocate", `{"status":"closed"}`, 422, "closed_reason"},
			{"stale version", "PATCH", base, "advocate", `{"needs":["legal"],"version":1}`, 409, "version"},
			{"no minutes", "POST", base + "/services", "advocate", `{"type":"advocacy","date":"2026-01-02","minutes":0}`, 422, "minutes"},
			{"a whole day and a minute", "POST", base + "/services", "advocate", `{"type":"advocacy","date":"2026-01-02","minutes":1441}`, 422, "minutes"},
			{"a service", "POST", base + "/services", "advocate", `{"type":"court_accompaniment","date":"2026-01-02","minutes":90,"note":"waited long"}`, 201, ""},
			{"empty note", "POST", base + "/notes", "advocate", `{"text":" "}`, 422, "text"},
			{"a note", "POST", base + "/notes", "advocate2", `{"text":"Called back from the library"}`, 201, ""},
			{"a task without due date", "POST", base + "/tasks", "advocate", `{"title":"x"}`, 422, "due_at"},
			{"a court date", "POST", base + "/court-dates", "advocate", `{"at":"2030-02-03T09:30:00Z","court":"Family court 4","purpose":"order hearing","accompaniment":true}`, 201, ""},
			{"a court date without court", "POST", base + "/court-dates", "advocate", `{"at":"2030-02-03T09:30:00Z"}`, 422, "court"},
			{"caseloads for an advocate", "GET", "/api/v1/cases/caseloads", "advocate", "", 403, ""},
			{"another's caseload", "GET", "/api/v1/cases?lead=" + e.users["sh-supervisor"].ID, "advocate", "", 403, ""},
			{"bad status filter", "GET", "/api/v1/cases?status=lost", "advocate", "", 422, "status"},
			{"bad limit", "GET", "/api/v1/cases?limit=0", "advocate", "", 422, "limit"},
			{"notes of another agency", "GET", base + "/notes", "officer", "", 404, ""},
			{"complete an unknown task", "POST", "/api/v1/cases/tasks/nope/complete", "advocate", "", 404, ""},
		} {
			t.Run(sc.name, func(t *testing.T) {
				resp, body := e.do(sc.method, sc.path, sc.user, sc.body)
				if resp.StatusCode != sc.status {
					t.Fatalf("%s %s = %d, want %d: %s", sc.method, sc.path, resp.StatusCode, sc.status, body)
				}
				if sc.status >= 400 {
					if _, field := errorField(t, body); field != sc.field {
						t.Fatalf("field = %q, want %q: %s", field, sc.field, body)
					}
				}
			})
		}
		due := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		task := decode[haven.CaseTask](t, e.must(201, "POST", base+"/tasks", "advocate", `{"title":"Ring the housing office","due_at":"`+due+`","remind_at":"`+due+`"}`))
		if !task.Overdue || task.CaseNumber != c.Number {
			t.Fatalf("task = %+v", task)
		}
		for _, path := range []string{"/api/v1/cases/tasks", "/api/v1/cases/reminders", base + "/tasks"} {
			ks := decode[struct{ Items []haven.CaseTask }](t, e.must(200, "GET", path, "advocate", ""))
			if len(ks.Items) != 1 || ks.Items[0].ID != task.ID || ks.Items[0].Title != "Ring the housing office" {
				t.Fatalf("%s = %+v", path, ks)
			}
		}
		e.must(200, "POST", "/api/v1/cases/tasks/"+task.ID+"/complete", "advocate2", "")
		e.must(409, "POST", "/api/v1/cases/tasks/"+task.ID+"/complete", "advocate", "")
		if ks := decode[struct{ Items []haven.CaseTask }](t, e.must(200, "GET", "/api/v1/cases/tasks", "advocate", "")); len(ks.Items) != 0 {
			t.Fatalf("done task still due: %+v", ks)
		}
		courts := decode[struct{ Items []haven.CourtDate }](t, e.must(200, "GET", base+"/court-dates", "advocate", ""))
		if len(courts.Items) != 1 || courts.Items[0].Accompanier != e.users["advocate"].ID {
			t.Fatalf("court dates = %+v", courts)
		}
		out := decode[haven.CourtDate](t, e.must(200, "POST", "/api/v1/cases/court-dates/"+courts.Items[0].ID+"/outcome", "advocate", `{"outcome":"Order granted"}`))
		if out.Outcome != "Order granted" {
			t.Fatalf("outcome = %+v", out)
		}
		if ss := decode[struct{ Items []haven.ServiceDelivered }](t, e.must(200, "GET", base+"/services", "advocate", "")); len(ss.Items) != 1 || ss.Items[0].Minutes != 90 {
			t.Fatalf("services = %+v", ss)
		}
		if ns := decode[struct{ Items []haven.CaseNote }](t, e.must(200, "GET", base+"/notes", "advocate", "")); len(ns.Items) != 1 || ns.Items[0].By != e.users["advocate2"].ID {
			t.Fatalf("notes = %+v", ns)
		}

		// Documents: multipart, typed from the bytes, downloaded as an attachment.
		ct, mb := multipartBody(t, [][2]string{{"name", "Protective order.pdf"}}, "scan.pdf", bytes.NewReader(minimalPDF))
		resp, body = e.upload(base+"/documents", "advocate", ct, mb)
		doc := decode[haven.CaseDocument](t, body)
		if resp.StatusCode != 201 || doc.ContentType != "application/pdf" || doc.Size != int64(len(minimalPDF)) || len(doc.SHA256) != 64 {
			t.Fatalf("upload = %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+resp.Header.Get("Location"), nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["advocate2"])
		dl, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(dl.Body)
		dl.Body.Close()
		if dl.StatusCode != 200 || !bytes.Equal(got, minimalPDF) || dl.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download = %d %v", dl.StatusCode, dl.Header)
		}
		for _, up := range []struct {
			name   string
			fields [][2]string
			file   []byte
			status int
		}{
			{"html", [][2]string{{"name", "x"}}, []byte("<!DOCTYPE html><script>alert(1)</script>"), 422},
			{"no file", [][2]string{{"name", "x"}}, nil, 422},
			{"too large", [][2]string{{"name", "x"}}, bytes.Repeat([]byte("a"), 10<<20+1), 413},
			// Past the 1 MiB limit of other bodies: uploads stream.
			{"3 MiB of text", [][2]string{{"name", "statement.txt"}}, bytes.Repeat([]byte("a line of a statement\n"), 3<<20/22), 201},
		} {
			var r io.Reader
			if up.file != nil {
				r = bytes.NewReader(up.file)
			}
			ct, mb := multipartBody(t, up.fields, "f", r)
			if resp, body := e.upload(base+"/documents", "advocate", ct, mb); resp.StatusCode != up.status {
				t.Errorf("%s: %d, want %d: %s", up.name, resp.StatusCode, up.status, body)
			}
		}
		if resp, _ := e.do("POST", base+"/documents", "advocate", `{"name":"x"}`); resp.StatusCode != 400 {
			t.Errorf("JSON document = %d", resp.StatusCode)
		}
		e.must(404, "GET", "/api/v1/cases/documents/"+doc.ID+"/file", "officer", "")

		// Lists and the supervisor's view.
		list := decode[struct{ Items []haven.Case }](t, e.must(200, "GET", "/api/v1/cases", "advocate", ""))
		if len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("my cases = %+v", list)
		}
		rows := decode[struct{ Items []haven.CaseloadRow }](t, e.must(200, "GET", "/api/v1/cases/caseloads", "sh-supervisor", ""))
		found := false
		for _, r := range rows.Items {
			if r.UserID == e.users["advocate"].ID {
				found = r.Open == 1 && r.CourtDates == 0
			}
		}
		if !found {
			t.Fatalf("caseloads = %+v", rows)
		}
		closed := decode[haven.Case](t, e.must(200, "PATCH", base, "sh-supervisor", `{"status":"closed","closed_reason":"Moved away"}`))
		if closed.Status != "closed" || closed.ClosedReason != "Moved away" {
			t.Fatalf("closed = %+v", closed)
		}
		e.must(409, "POST", base+"/tasks", "advocate", `{"title":"x","due_at":"2030-01-01T00:00:00Z"}`)
	})
}

// riskTaskEnv makes safe-harbor metro-pd's partner and records a
// screened-in Lethality Screen of a metro-pd victim: a task in
// safe-harbor's queue. It returns the victim and the task id.
func (e *caseEnv) riskTask(t *testing.T) (createdPerson, string) {
	t.Helper()
	pd := e.agency("metro-pd")
	partner := "safe-harbor"
	if _, err := e.db.UpdateAgencySettings(storetest.As(e.users["pdadmin"]), pd.ID, haven.AgencySettings{PartnerSlug: &partner}); err != nil {
		t.Fatal(err)
	}
	victim := e.createPerson("officer", `{"given_name":"Valentina","family_name":"Okonkwo","phones":[{"number":"(312) 555-0147"}]}`)
	e.must(201, "POST", "/api/v1/risk/assessments", "officer", `{"person_id":"`+victim.ID+`","instrument":"lap","answers":{"q1":"yes"}}`)
	tasks := decode[struct{ Items []haven.RiskTask }](t, e.must(200, "GET", "/api/v1/risk/tasks?status=open", "advocate", ""))
	if len(tasks.Items) != 1 {
		t.Fatalf("queue = %+v", tasks)
	}
	return victim, tasks.Items[0].ID
}

func (e *caseEnv) consent(t *testing.T, personID string, scopes ...string) {
	t.Helper()
	exp := time.Now().Add(30 * 24 * time.Hour)
	if _, err := e.db.RecordConsent(storetest.As(e.users["officer"]), haven.ConsentInput{PersonID: personID, RecipientAgencies: []string{"safe-harbor"},
		Scopes: scopes, Purpose: "advocacy", Method: haven.ConsentWritten, ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCaseFromRiskTaskAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCaseEnv(t, db)
		victim, taskID := e.riskTask(t)
		path := "/api/v1/risk/tasks/" + taskID + "/open-case"
		resp, body := e.do("POST", path, "advocate", "")
		if resp.StatusCode != 409 || !strings.Contains(body, "consent") {
			t.Fatalf("without consent = %d %s", resp.StatusCode, body)
		}
		e.must(404, "POST", path, "officer", "")
		e.must(404, "POST", path, "shelter", "")
		e.consent(t, victim.ID, haven.ScopeRisk, haven.ScopeContact)
		resp, body = e.do("POST", path, "advocate", "")
		c := decode[haven.Case](t, body)
		if resp.StatusCode != 200 || c.SourcePersonID != victim.ID || c.RiskTaskID != taskID || !c.RiskHigh || c.PersonName != "Valentina Okonkwo" ||
			resp.Header.Get("Location") != "/api/v1/cases/"+c.ID {
			t.Fatalf("opened = %d %s", resp.StatusCode, body)
		}
		p := decode[haven.Person](t, e.must(200, "GET", "/api/v1/persons/"+c.PersonID, "advocate", ""))
		if p.AgencyID != e.sh.ID || len(p.Phones) != 1 {
			t.Fatalf("own record = %+v", p)
		}
		e.must(409, "POST", path, "advocate", "")
	})
}

func TestCasePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCaseEnv(t, db)
		c := browserClient()
		csrf := login(t, e.env, c, "advocate", storetest.Password)
		u := e.srv.URL

		// The person's page offers to open a case.
		_, body := get(t, c, u+"/persons/"+e.survivor.ID)
		if !strings.Contains(body, `id="open-case"`) || !strings.Contains(body, "No cases at your agency") {
			t.Fatalf("person page: %s", body)
		}
		resp, body := get(t, c, u+"/cases/new?person="+e.survivor.ID)
		if resp.StatusCode != 200 || !strings.Contains(body, "Marisol Quenneville") || !strings.Contains(body, `name="needs" type="checkbox" value="housing"`) {
			t.Fatalf("new case form = %d: %s", resp.StatusCode, body)
		}
		resp, body = post(t, c, u+"/cases", url.Values{"csrf_token": {csrf}, "person_id": {e.survivor.ID}, "needs": {"yachting"}})
		if resp.StatusCode != 422 || !strings.Contains(body, `id="form-error"`) {
			t.Fatalf("bad need = %d: %s", resp.StatusCode, body)
		}
		resp, _ = post(t, c, u+"/cases", url.Values{"csrf_token": {csrf}, "person_id": {e.survivor.ID}, "needs": {"housing", "legal"},
			"lead_advocate": {e.users["advocate"].ID}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/cases/") {
			t.Fatalf("create = %d → %s", resp.StatusCode, loc)
		}
		caseURL := u + strings.TrimSuffix(loc, "?done=case-opened")
		resp, body = get(t, c, u+loc)
		if resp.StatusCode != 200 || !strings.Contains(body, "Case opened.") || !strings.Contains(body, "housing, legal") {
			t.Fatalf("case page = %d: %s", resp.StatusCode, body)
		}
		for _, f := range []struct {
			path   string
			form   url.Values
			status int
			want   string
		}{
			{"/notes", url.Values{"text": {"She keeps the car keys in the biscuit tin"}}, 303, ""},
			{"/tasks", url.Values{"title": {"Ring the housing office"}, "due_at": {"2020-01-02T10:00"}, "assigned_to": {e.users["advocate"].ID}}, 303, ""},
			{"/tasks", url.Values{"title": {"x"}, "due_at": {"next week"}}, 422, "must be a date and time"},
			{"/services", url.Values{"type": {"advocacy"}, "date": {"2026-01-02"}, "minutes": {"45"}}, 303, ""},
			{"/services", url.Values{"type": {"advocacy"}, "date": {"2026-01-02"}, "minutes": {"forty"}}, 422, "Minutes must be"},
			{"/court-dates", url.Values{"court": {"Family court 4"}, "at": {"2030-02-03T09:30"}, "accompaniment": {"1"}}, 303, ""},
			{"", url.Values{"status": {"closed"}, "needs_form": {"1"}, "needs": {"housing"}}, 422, "Say why the case is closed"},
			{"", url.Values{"status": {"active"}, "needs_form": {"1"}, "needs": {"medical"}}, 303, ""},
		} {
			f.form.Set("csrf_token", csrf)
			resp, body := post(t, c, caseURL+f.path, f.form)
			if resp.StatusCode != f.status || !strings.Contains(body, f.want) {
				t.Fatalf("POST %s = %d, want %d with %q: %s", f.path, resp.StatusCode, f.status, f.want, body)
			}
		}
		// A document from the page's upload form.
		resp, body = postMultipart(t, c, caseURL+"/documents", [][2]string{{"csrf_token", csrf}, {"name", "Lease"}}, "lease.txt", []byte("Lease of the flat\n"))
		if resp.StatusCode != 303 {
			t.Fatalf("upload = %d: %s", resp.StatusCode, body)
		}
		resp, _ = postMultipart(t, c, caseURL+"/documents", [][2]string{{"name", "Lease"}}, "lease.txt", []byte("Lease of the flat\n"))
		if resp.StatusCode != 403 {
			t.Fatalf("upload without the form's token = %d", resp.StatusCode)
		}
		_, body = get(t, c, caseURL)
		for _, want := range []string{"biscuit tin", "Ring the housing office", "overdue", "Family court 4", "45 min", "Lease", "medical", "active"} {
			if !strings.Contains(body, want) {
				t.Errorf("case page lacks %q", want)
			}
		}
		m := regexp.MustCompile(`href="(/cases/documents/[^"]+/file)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no document link")
		}
		resp, body = get(t, c, u+m[1])
		if resp.StatusCode != 200 || body != "Lease of the flat\n" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("download = %d %q", resp.StatusCode, body)
		}
		// The caseload: the case and what is due, with a button to finish it.
		_, body = get(t, c, u+"/cases")
		if !strings.Contains(body, "My caseload") || !strings.Contains(body, "Marisol Quenneville") || !strings.Contains(body, "Ring the housing office") {
			t.Fatalf("caseload: %s", body)
		}
		tm := regexp.MustCompile(`action="(/cases/tasks/[^"]+/complete)"`).FindStringSubmatch(body)
		if tm == nil {
			t.Fatal("no Done button")
		}
		resp, _ = post(t, c, u+tm[1], url.Values{"csrf_token": {csrf}, "back": {"cases"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/cases?done=task-done" {
			t.Fatalf("done = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = get(t, c, u+"/persons/"+e.survivor.ID)
		if strings.Contains(body, `id="open-case"`) || !strings.Contains(body, "SAF-") {
			t.Fatal("the person page still offers to open a case")
		}
		// The team view is for supervisors.
		if resp, _ := get(t, c, u+"/cases/team"); resp.StatusCode != 403 {
			t.Fatalf("team as advocate = %d", resp.StatusCode)
		}
		sc := browserClient()
		login(t, e.env, sc, "sh-supervisor", storetest.Password)
		resp, body = get(t, sc, u+"/cases/team")
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/cases?lead=`+e.users["advocate"].ID+`"`) {
			t.Fatalf("team = %d: %s", resp.StatusCode, body)
		}
		resp, body = get(t, sc, u+"/cases?lead="+e.users["advocate"].ID)
		if resp.StatusCode != 200 || !strings.Contains(body, "Caseload of advocate") || !strings.Contains(body, "Marisol Quenneville") {
			t.Fatalf("advocate's caseload for the supervisor = %d: %s", resp.StatusCode, body)
		}
	})
}

func TestQueueOpensCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCaseEnv(t, db)
		victim, taskID := e.riskTask(t)
		c := browserClient()
		csrf := login(t, e.env, c, "advocate", storetest.Password)
		_, body := get(t, c, e.srv.URL+"/risk/queue")
		action := `action="/risk/tasks/` + taskID + `/open-case"`
		if !strings.Contains(body, action) || !strings.Contains(body, "Accept and open case") {
			t.Fatalf("queue: %s", body)
		}
		resp, body := post(t, c, e.srv.URL+"/risk/tasks/"+taskID+"/open-case", url.Values{"csrf_token": {csrf}})
		if resp.StatusCode != 409 || !strings.Contains(body, "consent") || !strings.Contains(body, action) {
			t.Fatalf("without consent = %d: %s", resp.StatusCode, body)
		}
		e.consent(t, victim.ID, haven.ScopeRisk)
		resp, _ = post(t, c, e.srv.URL+"/risk/tasks/"+taskID+"/open-case", url.Values{"csrf_token": {csrf}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/cases/") {
			t.Fatalf("open case = %d → %s", resp.StatusCode, loc)
		}
		_, body = get(t, c, e.srv.URL+loc)
		if !strings.Contains(body, "Valentina Okonkwo") || !strings.Contains(body, `class="band high"`) || !strings.Contains(body, "opened from the queue") {
			t.Fatalf("case page: %s", body)
		}
	})
}
