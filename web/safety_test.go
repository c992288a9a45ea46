package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/totp"
)

// secureAgency adds an agency that requires a second factor, with the
// given users (username → role) and a token for each in e.tokens.
func secureAgency(t *testing.T, e *env, slug string, users map[string]haven.Role) *haven.Agency {
	t.Helper()
	a := &haven.Agency{Slug: slug, Name: "Agency " + slug, Kind: haven.KindPolice, TimeZone: "America/Chicago", RequireMFA: true}
	if err := e.db.CreateAgency(storetest.System(), a); err != nil {
		t.Fatal(err)
	}
	for name, role := range users {
		e.users[name] = storetest.MustUser(t, e.db, a, name, role)
		tok, _, err := e.db.CreateToken(storetest.System(), e.users[name].ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
	}
	return a
}

// passwordLogin posts the sign-in form and returns where it redirects.
func passwordLogin(t *testing.T, e *env, c *http.Client, user, next string) string {
	t.Helper()
	_, body := get(t, c, e.srv.URL+"/login")
	resp, body := post(t, c, e.srv.URL+"/login", url.Values{"csrf_token": {csrfOf(t, body)}, "username": {user},
		"password": {storetest.Password}, "next": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s = %d: %s", user, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

var (
	secretRE   = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)
	qrRE       = regexp.MustCompile(`<img class="qr" src="data:image/png;base64,([^"]+)"`)
	recoveryRE = regexp.MustCompile(`<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>`)
)

// enrol sets up the signed-in c's second factor through the pages and
// returns the secret and the recovery codes.
func enrol(t *testing.T, e *env, c *http.Client) (string, []string) {
	t.Helper()
	resp, body := get(t, c, e.srv.URL+"/account/2fa")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /account/2fa = %d: %s", resp.StatusCode, body)
	}
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page: %s", body)
	}
	code, _ := totp.Code(m[1], time.Now())
	resp, body = post(t, c, e.srv.URL+"/account/2fa", url.Values{"csrf_token": {csrfOf(t, body)}, "secret": {m[1]}, "code": {code}, "next": {"/home"}})
	if resp.StatusCode != 200 {
		t.Fatalf("confirm enrolment = %d: %s", resp.StatusCode, body)
	}
	var codes []string
	for _, r := range recoveryRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, r[1])
	}
	if len(codes) != totp.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d: %s", len(codes), totp.RecoveryCodeCount, body)
	}
	return m[1], codes
}

// apiGet calls the API with c's session cookie (no CSRF header: a GET).
func apiGet(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	return get(t, c, u)
}

func errorOf(t *testing.T, body string) (code, message, field string) {
	t.Helper()
	var eb struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	return eb.Error.Code, eb.Error.Message, eb.Error.Field
}

func TestSecondFactorEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		secureAgency(t, e, "secure-pd", map[string]haven.Role{"sofficer": haven.RoleOfficer})
		c := browserClient()
		if loc := passwordLogin(t, e, c, "sofficer", "/home"); loc != "/home" {
			t.Fatalf("login of a user without a factor went to %s", loc)
		}
		// Every page but the enrolment (and account, sign-out) sends the
		// user to set the factor up.
		for _, p := range []string{"/home", "/admin/audit", "/admin/users"} {
			resp, _ := get(t, c, e.srv.URL+p)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/account/2fa") {
				t.Fatalf("%s before enrolment = %d → %s", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if resp, _ := get(t, c, e.srv.URL+"/account"); resp.StatusCode != 200 {
			t.Fatalf("/account before enrolment = %d", resp.StatusCode)
		}
		resp, body := get(t, c, e.srv.URL+"/account/2fa?next=%2Fhome")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /account/2fa = %d", resp.StatusCode)
		}
		qr := qrRE.FindStringSubmatch(body)
		if qr == nil {
			t.Fatalf("no data:image/png QR code: %s", body)
		}
		png, err := base64.StdEncoding.DecodeString(html.UnescapeString(qr[1]))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("QR code is not a PNG (%v)", err)
		}
		secret := secretRE.FindStringSubmatch(body)[1]
		if !strings.Contains(body, secret[:4]+" "+secret[4:8]+" ") {
			t.Error("the key is not shown in groups of four")
		}
		csrf := csrfOf(t, body)
		// Other forms are refused until the factor is on.
		if resp, _ := post(t, c, e.srv.URL+"/account/tokens", url.Values{"csrf_token": {csrf}, "name": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("token form before enrolment = %d", resp.StatusCode)
		}
		// A wrong code: 422, and the same key is offered again.
		wrong, _ := totp.Code(secret, time.Now().Add(-time.Hour))
		resp, body = post(t, c, e.srv.URL+"/account/2fa", url.Values{"csrf_token": {csrf}, "secret": {secret}, "code": {wrong}, "next": {"/home"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("wrong enrolment code = %d: %s", resp.StatusCode, body)
		}
		if m := secretRE.FindStringSubmatch(body); m == nil || m[1] != secret {
			t.Fatal("after a wrong code the page does not offer the same key")
		}
		code, _ := totp.Code(secret, time.Now())
		resp, body = post(t, c, e.srv.URL+"/account/2fa", url.Values{"csrf_token": {csrf}, "secret": {secret}, "code": {code}, "next": {"/home"}})
		if resp.StatusCode != 200 {
			t.Fatalf("right enrolment code = %d: %s", resp.StatusCode, body)
		}
		if n := len(recoveryRE.FindAllString(body, -1)); n != 10 {
			t.Fatalf("%d recovery codes, want 10: %s", n, body)
		}
		if !strings.Contains(body, `href="/home"`) {
			t.Error("no Continue link")
		}
		// The session was completed by the enrolment.
		if resp, _ := get(t, c, e.srv.URL+"/home"); resp.StatusCode != 200 {
			t.Fatalf("/home after enrolment = %d", resp.StatusCode)
		}
		_, body = get(t, c, e.srv.URL+"/account/2fa")
		if !strings.Contains(body, "is set up") || qrRE.MatchString(body) {
			t.Fatalf("enrolled user's /account/2fa: %s", body)
		}
		if _, body := apiGet(t, c, e.srv.URL+"/api/v1/me"); !strings.Contains(body, `"mfa_enrolled":true`) {
			t.Fatalf("me after enrolment: %s", body)
		}
		// Users of agencies that do not require it are not sent there.
		o := browserClient()
		login(t, e, o, "officer", storetest.Password)
		if resp, _ := get(t, o, e.srv.URL+"/home"); resp.StatusCode != 200 {
			t.Fatalf("officer of metro-pd /home = %d", resp.StatusCode)
		}
	})
}

func TestSecondFactorSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		secureAgency(t, e, "secure-pd", map[string]haven.Role{"sofficer": haven.RoleOfficer, "locked": haven.RoleAdvocate})
		first := browserClient()
		passwordLogin(t, e, first, "sofficer", "/home")
		secret, recovery := enrol(t, e, first)

		c := browserClient()
		if loc := passwordLogin(t, e, c, "sofficer", "/account"); loc != "/login/2fa?next=%2Faccount" {
			t.Fatalf("password sign-in of an enrolled user went to %s", loc)
		}
		resp, _ := get(t, c, e.srv.URL+"/home")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/2fa?next=%2Fhome" {
			t.Fatalf("pending /home = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := apiGet(t, c, e.srv.URL+"/api/v1/me")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("pending session API = %d: %s", resp.StatusCode, body)
		}
		if code, msg, _ := errorOf(t, body); code != "unauthorized" || msg != "complete sign-in with your second factor" {
			t.Fatalf("pending session API error = %s", body)
		}
		resp, body = get(t, c, e.srv.URL+"/login/2fa?next=%2Fhome")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /login/2fa = %d", resp.StatusCode)
		}
		for _, want := range []string{`inputmode="numeric"`, `autocomplete="one-time-code"`, "Use a recovery code"} {
			if !strings.Contains(body, want) {
				t.Errorf("/login/2fa lacks %s", want)
			}
		}
		csrf := csrfOf(t, body)
		// Other forms are refused while the sign-in is incomplete.
		if resp, _ := post(t, c, e.srv.URL+"/account/password", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("pending POST /account/password = %d", resp.StatusCode)
		}
		verify := func(c *http.Client, csrf, code string) (*http.Response, string) {
			return post(t, c, e.srv.URL+"/login/2fa", url.Values{"csrf_token": {csrf}, "code": {code}, "next": {"/home"}})
		}
		if resp, _ := verify(c, csrf, ""); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty code = %d", resp.StatusCode)
		}
		wrong, _ := totp.Code(secret, time.Now().Add(-time.Hour))
		if resp, body := verify(c, csrf, wrong); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not right") {
			t.Fatalf("wrong code = %d: %s", resp.StatusCode, body)
		}
		// The enrolment used this step; the next one is inside the window.
		next, _ := totp.Code(secret, time.Now().Add(30*time.Second))
		resp, _ = verify(c, csrf, next)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
			t.Fatalf("right code = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := get(t, c, e.srv.URL+"/home"); resp.StatusCode != 200 {
			t.Fatalf("/home after the second factor = %d", resp.StatusCode)
		}
		if resp, _ := apiGet(t, c, e.srv.URL+"/api/v1/me"); resp.StatusCode != 200 {
			t.Fatalf("API after the second factor = %d", resp.StatusCode)
		}
		// /login/2fa of a completed session just moves on.
		if resp, _ := get(t, c, e.srv.URL+"/login/2fa?next=%2Faccount"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("completed /login/2fa = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}

		// A recovery code works once, typed any which way.
		r1 := browserClient()
		passwordLogin(t, e, r1, "sofficer", "/home")
		_, body = get(t, r1, e.srv.URL+"/login/2fa")
		if resp, _ := verify(r1, csrfOf(t, body), " "+strings.ToUpper(recovery[0])+" "); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("recovery code = %d", resp.StatusCode)
		}
		if resp, _ := get(t, r1, e.srv.URL+"/home"); resp.StatusCode != 200 {
			t.Fatalf("/home after a recovery code = %d", resp.StatusCode)
		}
		r2 := browserClient()
		passwordLogin(t, e, r2, "sofficer", "/home")
		_, body = get(t, r2, e.srv.URL+"/login/2fa")
		if resp, _ := verify(r2, csrfOf(t, body), recovery[0]); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("reused recovery code = %d", resp.StatusCode)
		}
		// Sign-out works while pending.
		if resp, _ := post(t, r2, e.srv.URL+"/logout", url.Values{"csrf_token": {csrfOf(t, body)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("pending sign-out = %d", resp.StatusCode)
		}

		// Five wrong codes lock the account like wrong passwords.
		lk := browserClient()
		passwordLogin(t, e, lk, "locked", "/home")
		lsecret, _ := enrol(t, e, lk)
		lk = browserClient()
		passwordLogin(t, e, lk, "locked", "/home")
		_, body = get(t, lk, e.srv.URL+"/login/2fa")
		csrf = csrfOf(t, body)
		bad, _ := totp.Code(lsecret, time.Now().Add(-time.Hour))
		for i := range 5 {
			if resp, _ := verify(lk, csrf, bad); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong code %d = %d", i+1, resp.StatusCode)
			}
		}
		good, _ := totp.Code(lsecret, time.Now().Add(30*time.Second))
		resp, body = verify(lk, csrf, good)
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "too many wrong codes") || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("after five wrong codes = %d: %s", resp.StatusCode, body)
		}
		if resp, _ := get(t, lk, e.srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("locked session reached /home: %d", resp.StatusCode)
		}
	})
}

// TestPendingSessionCannotReadPersons: the second factor stands between a
// password and personal data, at the gate and in the store's policy.
func TestPendingSessionCannotReadPersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		secureAgency(t, e, "secure-pd", map[string]haven.Role{"sofficer": haven.RoleOfficer, "colleague": haven.RoleOfficer, "nofactor": haven.RoleOfficer})
		// The colleague's token (tokens need no second factor) creates the person.
		actor, err := db.TokenActor(context.Background(), e.tokens["colleague"])
		if err != nil {
			t.Fatal(err)
		}
		p := &haven.Person{GivenName: "Avery", FamilyName: "Quill", DateOfBirth: "1990-04-02"}
		if _, err := db.CreatePerson(haven.NewContextWithActor(context.Background(), actor), p); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/persons/" + p.ID
		first := browserClient()
		passwordLogin(t, e, first, "sofficer", "/home")
		secret, _ := enrol(t, e, first)

		c := browserClient()
		passwordLogin(t, e, c, "sofficer", "/home")
		if resp, body := apiGet(t, c, e.srv.URL+path); resp.StatusCode == 200 || strings.Contains(body, "Avery") {
			t.Fatalf("pending session read the person: %d %s", resp.StatusCode, body)
		}
		// A session of a user who has no factor yet is refused by the
		// store's policy itself (the gate only redirects pages).
		n := browserClient()
		passwordLogin(t, e, n, "nofactor", "/home")
		if resp, body := apiGet(t, n, e.srv.URL+path); resp.StatusCode == 200 || strings.Contains(body, "Avery") {
			t.Fatalf("password-only session read the person: %d %s", resp.StatusCode, body)
		}
		if _, err := db.Person(storetest.As(e.users["nofactor"]), p.ID); err != nil {
			t.Fatalf("control: the store lets a plain actor of the agency read: %v", err)
		}
		ctx := haven.NewContextWithActor(context.Background(), haven.Actor{UserID: e.users["nofactor"].ID, Username: "nofactor",
			AgencyID: e.users["nofactor"].AgencyID, Role: haven.RoleOfficer, Via: "session", MFARequired: true})
		if _, err := db.Person(ctx, p.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("store read by a password-only session: %v", err)
		}
		// With the person API in place, the completed session reads it.
		if resp, _ := e.do("GET", path, "colleague", ""); resp.StatusCode == 200 {
			_, body := get(t, c, e.srv.URL+"/login/2fa")
			code, _ := totp.Code(secret, time.Now().Add(30*time.Second))
			post(t, c, e.srv.URL+"/login/2fa", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {code}})
			if resp, body := apiGet(t, c, e.srv.URL+path); resp.StatusCode != 200 {
				t.Fatalf("completed session = %d: %s", resp.StatusCode, body)
			}
		} else {
			t.Log("GET /api/v1/persons/{id} not served yet: the completed-session read is not checked")
		}
	})
}

func TestResetSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		secureAgency(t, e, "secure-pd", map[string]haven.Role{"sofficer": haven.RoleOfficer, "sadmin": haven.RoleAgencyAdmin})
		user := browserClient()
		passwordLogin(t, e, user, "sofficer", "/home")
		enrol(t, e, user)
		id := e.users["sofficer"].ID

		admin := browserClient()
		csrf := login(t, e, admin, "sadmin", storetest.Password)
		_, body := get(t, admin, e.srv.URL+"/admin/users")
		if !strings.Contains(body, `action="/admin/users/`+id+`/reset-2fa"`) || !strings.Contains(body, "Reset second factor") {
			t.Fatalf("no reset button: %s", body)
		}
		// Another agency's administrator cannot.
		pd := browserClient()
		pdcsrf := login(t, e, pd, "pdadmin", storetest.Password)
		if resp, _ := post(t, pd, e.srv.URL+"/admin/users/"+id+"/reset-2fa", url.Values{"csrf_token": {pdcsrf}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("other agency's reset = %d", resp.StatusCode)
		}
		if resp, _ := post(t, admin, e.srv.URL+"/admin/users/"+id+"/reset-2fa", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("reset without CSRF = %d", resp.StatusCode)
		}
		resp, _ := post(t, admin, e.srv.URL+"/admin/users/"+id+"/reset-2fa", url.Values{"csrf_token": {csrf}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users?done=mfa-reset" {
			t.Fatalf("reset = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := get(t, admin, e.srv.URL+"/admin/users?done=mfa-reset"); !strings.Contains(body, "second factor is removed") {
			t.Fatal("no notice after the reset")
		}
		// The user's session ended; signing in again leads to enrolment,
		// not to a code.
		if resp, _ := get(t, user, e.srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
			t.Fatalf("session after reset = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		user = browserClient()
		if loc := passwordLogin(t, e, user, "sofficer", "/home"); loc != "/home" {
			t.Fatalf("sign-in after reset went to %s", loc)
		}
		if resp, _ := get(t, user, e.srv.URL+"/home"); !strings.HasPrefix(resp.Header.Get("Location"), "/account/2fa") {
			t.Fatalf("after reset /home → %s, want enrolment", resp.Header.Get("Location"))
		}
		enrol(t, e, user)

		// The API: 204, and the same policy.
		if resp, body := e.do("POST", "/api/v1/users/"+id+"/reset-2fa", "officer", ""); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("officer of another agency = %d: %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/users/"+id+"/reset-2fa", "", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("no token = %d: %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/users/"+id+"/reset-2fa", "sadmin", ""); resp.StatusCode != http.StatusNoContent || body != "" {
			t.Fatalf("API reset = %d: %s", resp.StatusCode, body)
		}
		if _, body := e.do("GET", "/api/v1/users/"+id, "sadmin", ""); !strings.Contains(body, `"mfa_enrolled":false`) {
			t.Fatalf("still enrolled after API reset: %s", body)
		}
		if resp, _ := e.do("POST", "/api/v1/users/nope/reset-2fa", "sadmin", ""); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown user = %d", resp.StatusCode)
		}
	})
}

func TestRequireMFASetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, sc := range []struct {
			name, method, path, user, body string
			status                         int
			contains                       string
		}{
			{"default on", "POST", "/api/v1/agencies", "admin", `{"slug":"county-court","name":"County Court","kind":"court"}`, 201, `"require_mfa":true`},
			{"explicitly off", "POST", "/api/v1/agencies", "admin", `{"slug":"demo-court","name":"Demo Court","kind":"court","require_mfa":false}`, 201, `"require_mfa":false`},
			{"wrong type", "POST", "/api/v1/agencies", "admin", `{"slug":"x-court","name":"X","kind":"court","require_mfa":"yes"}`, 400, `"field":"require_mfa"`},
			{"turn off", "POST", "/api/v1/agencies/county-court/require-mfa", "admin", `{"on":false}`, 204, ""},
			{"is off", "GET", "/api/v1/agencies/county-court", "officer", "", 200, `"require_mfa":false`},
			{"turn on", "POST", "/api/v1/agencies/county-court/require-mfa", "admin", `{"on":true}`, 204, ""},
			{"is on", "GET", "/api/v1/agencies/county-court", "officer", "", 200, `"require_mfa":true`},
			{"agency admin of own", "POST", "/api/v1/agencies/metro-pd/require-mfa", "pdadmin", `{"on":true}`, 204, ""},
			{"agency admin of another", "POST", "/api/v1/agencies/harbor-house/require-mfa", "pdadmin", `{"on":false}`, 403, `"forbidden"`},
			{"officer", "POST", "/api/v1/agencies/metro-pd/require-mfa", "officer", `{"on":false}`, 403, `"forbidden"`},
			{"missing on", "POST", "/api/v1/agencies/metro-pd/require-mfa", "admin", `{}`, 422, `"field":"on"`},
			{"on not a boolean", "POST", "/api/v1/agencies/metro-pd/require-mfa", "admin", `{"on":"no"}`, 400, `"field":"on"`},
			{"unknown agency", "POST", "/api/v1/agencies/nope/require-mfa", "admin", `{"on":false}`, 404, `"not_found"`},
			{"anonymous", "POST", "/api/v1/agencies/metro-pd/require-mfa", "", `{"on":false}`, 401, ""},
		} {
			t.Run(sc.name, func(t *testing.T) {
				resp, body := e.do(sc.method, sc.path, sc.user, sc.body)
				if resp.StatusCode != sc.status || !strings.Contains(body, sc.contains) {
					t.Fatalf("%s %s = %d, want %d with %s: %s", sc.method, sc.path, resp.StatusCode, sc.status, sc.contains, body)
				}
			})
		}
		a, err := db.AgencyBySlug(storetest.System(), "metro-pd")
		if err != nil || !a.RequireMFA {
			t.Fatalf("metro-pd after turning on: %+v %v", a, err)
		}

		// The form: checked by default; an unchecked box makes an agency
		// without the requirement; the table says which.
		c := browserClient()
		csrf := login(t, e, c, "admin", storetest.Password)
		_, body := get(t, c, e.srv.URL+"/admin/agencies")
		if !regexp.MustCompile(`<input id="require_mfa"[^>]* checked>`).MatchString(body) {
			t.Fatalf("require_mfa not checked by default: %s", body)
		}
		resp, _ := post(t, c, e.srv.URL+"/admin/agencies", url.Values{"csrf_token": {csrf}, "name": {"Form Shelter"}, "slug": {"form-shelter"},
			"kind": {"shelter"}, "time_zone": {"UTC"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create agency form = %d", resp.StatusCode)
		}
		resp, _ = post(t, c, e.srv.URL+"/admin/agencies", url.Values{"csrf_token": {csrf}, "name": {"Form Advocacy"}, "slug": {"form-advocacy"},
			"kind": {"advocacy"}, "time_zone": {"UTC"}, "require_mfa": {"on"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create agency form = %d", resp.StatusCode)
		}
		for slug, want := range map[string]bool{"form-shelter": false, "form-advocacy": true} {
			if a, err := db.AgencyBySlug(storetest.System(), slug); err != nil || a.RequireMFA != want {
				t.Errorf("%s: require_mfa = %v, want %v (%v)", slug, a != nil && a.RequireMFA, want, err)
			}
		}
		_, body = get(t, c, e.srv.URL+"/admin/agencies")
		if !strings.Contains(body, "<td>UTC</td><td>optional</td>") || !strings.Contains(body, "<td>UTC</td><td>required</td>") {
			t.Errorf("the agencies table does not show the requirement: %s", body)
		}
		// A refused form keeps the box as it was.
		_, body = post(t, c, e.srv.URL+"/admin/agencies", url.Values{"csrf_token": {csrf}, "name": {"Dup"}, "slug": {"form-shelter"}, "kind": {"shelter"}})
		if regexp.MustCompile(`<input id="require_mfa"[^>]* checked>`).MatchString(body) {
			t.Error("a refused form with the box unchecked comes back checked")
		}
	})
}

// auditFixture makes entries for the audit viewer tests: persons of both
// agencies, reads, and an emergency opening whose reason is a formula.
type auditFixture struct {
	metroPerson, harborPerson *haven.Person
	reason                    string
}

const formulaReason = `=HYPERLINK("http://evil.example","urgent: caller reports danger")`

func newAuditFixture(t *testing.T, e *env) auditFixture {
	t.Helper()
	f := auditFixture{metroPerson: &haven.Person{GivenName: "Morgan", FamilyName: "Vale"},
		harborPerson: &haven.Person{GivenName: "Robin", FamilyName: "Lark"}, reason: formulaReason}
	officer, shelter := storetest.As(e.users["officer"]), storetest.As(e.users["shelter"])
	if _, err := e.db.CreatePerson(officer, f.metroPerson); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Person(officer, f.metroPerson.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreatePerson(shelter, f.harborPerson); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Person(shelter, f.harborPerson.ID); err != nil {
		t.Fatal(err)
	}
	// The officer is refused the shelter's person, then opens it in an emergency.
	if _, err := e.db.Person(officer, f.harborPerson.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
		t.Fatalf("cross-agency read: %v", err)
	}
	if _, err := e.db.OpenBreakGlass(officer, "person", f.harborPerson.ID, f.reason); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Person(officer, f.harborPerson.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

type auditItem struct {
	Seq            int64             `json:"seq"`
	At             time.Time         `json:"at"`
	ActorName      string            `json:"actor_name"`
	ActorAgencyID  string            `json:"actor_agency_id"`
	Action         string            `json:"action"`
	Outcome        string            `json:"outcome"`
	RecordType     string            `json:"record_type"`
	RecordID       string            `json:"record_id"`
	RecordAgencyID string            `json:"record_agency_id"`
	Basis          string            `json:"basis"`
	Reason         string            `json:"reason"`
	BreakGlass     bool              `json:"break_glass"`
	Details        map[string]string `json:"details"`
	Hash           string            `json:"hash"`
}

func auditAPI(t *testing.T, e *env, user, query string) []auditItem {
	t.Helper()
	resp, body := e.do("GET", "/api/v1/audit"+query, user, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/audit%s as %s = %d: %s", query, user, resp.StatusCode, body)
	}
	var out struct {
		Items []auditItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Items == nil {
		t.Fatalf("audit list: %v: %s", err, body)
	}
	return out.Items
}

func TestAuditViewer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := newAuditFixture(t, e)
		metro, harbor := e.users["officer"].AgencyID, e.users["shelter"].AgencyID

		// The API: an agency administrator sees their agency's entries only.
		items := auditAPI(t, e, "pdadmin", "")
		if len(items) == 0 {
			t.Fatal("agency admin sees no entries")
		}
		sawRead, sawGlass := false, false
		for i, it := range items {
			if it.ActorAgencyID != metro && it.RecordAgencyID != metro {
				t.Errorf("agency admin sees an entry of another agency: %+v", it)
			}
			if i > 0 && it.Seq >= items[i-1].Seq {
				t.Errorf("not newest first: %d after %d", it.Seq, items[i-1].Seq)
			}
			if it.Action == "person.read" && it.RecordID == fx.metroPerson.ID {
				sawRead = true
			}
			if it.Action == "breakglass.open" {
				sawGlass = true
				if !it.BreakGlass || it.Reason != fx.reason || !strings.HasPrefix(it.Basis, "break_glass:") {
					t.Errorf("break-glass entry: %+v", it)
				}
			}
		}
		if !sawRead || !sawGlass {
			t.Errorf("agency admin misses own agency's entries (read %v, break-glass %v): %+v", sawRead, sawGlass, items)
		}
		// The system administrator sees every agency's.
		sawHarbor := false
		for _, it := range auditAPI(t, e, "admin", "?limit=1000") {
			sawHarbor = sawHarbor || (it.ActorAgencyID == harbor && it.Action == "person.create")
		}
		if !sawHarbor {
			t.Error("system admin does not see the shelter's entries")
		}
		// Filters.
		for q, check := range map[string]func(auditItem) bool{
			"?user=officer":                func(it auditItem) bool { return it.ActorName == "officer" },
			"?action=person.":              func(it auditItem) bool { return strings.HasPrefix(it.Action, "person.") },
			"?action=person.read":          func(it auditItem) bool { return it.Action == "person.read" },
			"?record=" + fx.metroPerson.ID: func(it auditItem) bool { return it.RecordID == fx.metroPerson.ID },
		} {
			got := auditAPI(t, e, "pdadmin", q)
			if len(got) == 0 {
				t.Errorf("%s: nothing", q)
			}
			for _, it := range got {
				if !check(it) {
					t.Errorf("%s let through %+v", q, it)
				}
			}
		}
		harborRead := auditAPI(t, e, "pdadmin", "?record="+fx.harborPerson.ID)
		for _, it := range harborRead {
			if it.ActorName != "officer" {
				t.Errorf("the shelter's own entries on its person reach metro-pd's admin: %+v", it)
			}
		}
		if len(harborRead) != 3 { // the officer's refused read, the opening and the read
			t.Errorf("metro-pd sees %d entries on the shelter's person, want 3: %+v", len(harborRead), harborRead)
		}
		if got := auditAPI(t, e, "pdadmin", "?limit=2"); len(got) != 2 {
			t.Errorf("limit=2 gave %d", len(got))
		} else if older := auditAPI(t, e, "pdadmin", fmt.Sprintf("?limit=2&before=%d", got[1].Seq)); len(older) == 0 || older[0].Seq >= got[1].Seq {
			t.Errorf("before=%d gave %+v", got[1].Seq, older)
		}
		chicago, _ := time.LoadLocation("America/Chicago")
		today := time.Now().In(chicago).Format("2006-01-02")
		tomorrow := time.Now().In(chicago).AddDate(0, 0, 1).Format("2006-01-02")
		if got := auditAPI(t, e, "pdadmin", "?from="+today+"&to="+today); len(got) == 0 {
			t.Error("today's entries not found by date")
		}
		if got := auditAPI(t, e, "pdadmin", "?from="+tomorrow); len(got) != 0 {
			t.Errorf("entries from tomorrow: %+v", got)
		}
		for _, sc := range []struct{ query, user, field string }{
			{"?from=2024-13-01", "pdadmin", "from"},
			{"?to=yesterday", "pdadmin", "to"},
			{"?from=" + tomorrow + "&to=" + today, "pdadmin", "to"},
			{"?user=nobody", "pdadmin", "user"},
			{"?user=shelter", "pdadmin", "user"}, // another agency's user is not visible
			{"?action=person.%25", "pdadmin", "action"},
			{"?before=-1", "pdadmin", "before"},
			{"?limit=0", "pdadmin", "limit"},
		} {
			resp, body := e.do("GET", "/api/v1/audit"+sc.query, sc.user, "")
			if _, _, field := errorOf(t, body); resp.StatusCode != 422 || field != sc.field {
				t.Errorf("%s = %d: %s, want 422 naming %s", sc.query, resp.StatusCode, body, sc.field)
			}
		}
		for _, q := range []string{"", "?from=bad", "?user=nobody"} {
			if resp, body := e.do("GET", "/api/v1/audit"+q, "officer", ""); resp.StatusCode != http.StatusForbidden {
				t.Errorf("officer GET /api/v1/audit%s = %d: %s", q, resp.StatusCode, body)
			}
		}

		// The page.
		admin := browserClient()
		login(t, e, admin, "pdadmin", storetest.Password)
		resp, body := get(t, admin, e.srv.URL+"/admin/audit")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /admin/audit = %d", resp.StatusCode)
		}
		for _, want := range []string{fx.metroPerson.ID, "person.read", `<span class="tag glass">break-glass</span>`, html.EscapeString(fx.reason),
			`href="/admin/audit.csv"`, "America/Chicago"} {
			if !strings.Contains(body, want) {
				t.Errorf("audit page lacks %q", want)
			}
		}
		if strings.Contains(body, "<code>shelter</code>") {
			t.Error("the shelter user's entries reach metro-pd's audit page")
		}
		resp, body = get(t, admin, e.srv.URL+"/admin/audit?action=person.create&user=officer")
		if resp.StatusCode != 200 || strings.Contains(body, "<code>person.read</code>") || !strings.Contains(body, "<code>person.create</code>") {
			t.Errorf("filtered page = %d", resp.StatusCode)
		}
		if !strings.Contains(body, `href="/admin/audit.csv?action=person.create&amp;user=officer"`) {
			t.Error("the CSV link does not keep the filters")
		}
		for field, q := range map[string]string{"from": "from=2024-02-30", "to": "to=31%2F12%2F2024", "user": "user=nobody"} {
			resp, body := get(t, admin, e.srv.URL+"/admin/audit?"+q)
			if resp.StatusCode != 422 || !regexp.MustCompile(`id="`+field+`"[^>]*aria-invalid="true"`).MatchString(body) {
				t.Errorf("/admin/audit?%s = %d, want 422 marking %s", q, resp.StatusCode, field)
			}
		}
		if _, body := get(t, admin, e.srv.URL+"/admin/audit?from="+tomorrow); !strings.Contains(body, "No entries match") {
			t.Error("an empty result does not say so")
		}
		off := browserClient()
		login(t, e, off, "officer", storetest.Password)
		for _, p := range []string{"/admin/audit", "/admin/audit?from=bad", "/admin/audit.csv"} {
			if resp, _ := get(t, off, e.srv.URL+p); resp.StatusCode != http.StatusForbidden {
				t.Errorf("officer %s = %d", p, resp.StatusCode)
			}
		}
		// The navigation offers it to administrators only.
		if _, body := get(t, admin, e.srv.URL+"/home"); !strings.Contains(body, `<a href="/admin/audit">Audit log</a>`) {
			t.Error("no Audit log in the agency admin's navigation")
		}
		if _, body := get(t, off, e.srv.URL+"/home"); strings.Contains(body, "/admin/audit") {
			t.Error("the officer is offered the audit log")
		}

		// The export.
		resp, body = get(t, admin, e.srv.URL+"/admin/audit.csv")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="haven-audit-`) {
			t.Fatalf("CSV = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) < 3 {
			t.Fatalf("CSV: %v, %d rows", err, len(rows))
		}
		if strings.Join(rows[0][:4], ",") != "seq,time,actor,actor_user_id" {
			t.Errorf("CSV header = %q", rows[0])
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		found := false
		for _, r := range rows[1:] {
			if r[col["actor_agency_id"]] != metro && r[col["record_agency_id"]] != metro {
				t.Errorf("CSV row of another agency: %q", r)
			}
			if r[col["action"]] == "breakglass.open" {
				found = true
				if r[col["reason"]] != "'"+fx.reason || r[col["break_glass"]] != "true" {
					t.Errorf("break-glass row = %q", r)
				}
			}
			for i, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("CSV cell %s = %q can run as a formula", rows[0][i], cell)
				}
			}
		}
		if !found {
			t.Error("no break-glass row in the CSV")
		}
		_, body = get(t, admin, e.srv.URL+"/admin/audit.csv?action=person.create")
		rows, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
		for _, r := range rows[1:] {
			if r[col["action"]] != "person.create" {
				t.Errorf("filtered CSV row: %q", r)
			}
		}
		if resp, _ := get(t, admin, e.srv.URL+"/admin/audit.csv?to=never"); resp.StatusCode != 422 {
			t.Errorf("CSV with a bad date = %d", resp.StatusCode)
		}
	})
}

// TestAuditPaging pages through more entries than one page holds.
func TestAuditPaging(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	officer := storetest.As(e.users["officer"])
	p := &haven.Person{GivenName: "Sam", FamilyName: "Reed"}
	if _, err := e.db.CreatePerson(officer, p); err != nil {
		t.Fatal(err)
	}
	for range 120 {
		if _, err := e.db.Person(officer, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := browserClient()
	login(t, e, c, "pdadmin", storetest.Password)
	_, body := get(t, c, e.srv.URL+"/admin/audit?record="+p.ID)
	rowRE := regexp.MustCompile(`<tr>\s*<td>(\d+)</td>`)
	first := rowRE.FindAllStringSubmatch(body, -1)
	if len(first) != 100 {
		t.Fatalf("first page has %d rows, want 100", len(first))
	}
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next">Older entries</a>`).FindStringSubmatch(body)
	if older == nil {
		t.Fatal("no link to older entries")
	}
	next := html.UnescapeString(older[1])
	if !strings.Contains(next, "record="+p.ID) || !strings.Contains(next, "before="+first[99][1]) {
		t.Fatalf("older link %s", next)
	}
	resp, body := get(t, c, e.srv.URL+next)
	if resp.StatusCode != 200 {
		t.Fatalf("older page = %d", resp.StatusCode)
	}
	second := rowRE.FindAllStringSubmatch(body, -1)
	if len(second) != 21 { // 120 reads and the creation, less the first page
		t.Fatalf("second page has %d rows, want 21", len(second))
	}
	if strings.Contains(body, "Older entries") || !strings.Contains(body, "Newest entries") {
		t.Error("the last page links wrongly")
	}
}
