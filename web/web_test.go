package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/web"
)

// env is a running server over a real database with a few users.
type env struct {
	t      testing.TB
	db     *store.DB
	srv    *httptest.Server
	logs   *syncBuffer
	tokens map[string]string // username → API token
	users  map[string]*haven.User
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	logs := &syncBuffer{}
	s, err := web.New(web.Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))},
		web.ServicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, srv: httptest.NewServer(s.Handler()), logs: logs, tokens: map[string]string{}, users: map[string]*haven.User{}}
	t.Cleanup(e.srv.Close)
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	sh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
	for _, u := range []struct {
		name string
		a    *haven.Agency
		role haven.Role
	}{
		{"officer", pd, haven.RoleOfficer}, {"supervisor", pd, haven.RoleSupervisor}, {"pdadmin", pd, haven.RoleAgencyAdmin},
		{"shelter", sh, haven.RoleShelterStaff}, {"admin", pd, haven.RoleSystemAdmin},
	} {
		e.users[u.name] = storetest.MustUser(t, db, u.a, u.name, u.role)
		tok, _, err := db.CreateToken(storetest.System(), e.users[u.name].ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.name] = tok
	}
	return e
}

// do sends a request as user ("" = anonymous, with a token otherwise).
func (e *env) do(method, path, user, body string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func assertErrorBody(t *testing.T, body string) {
	t.Helper()
	var eb struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
}

func TestAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shelterID := e.users["shelter"].ID
		officerID := e.users["officer"].ID
		for _, sc := range []struct {
			name, method, path, user, body string
			status                         int
			contains                       string
		}{
			{"me without credentials", "GET", "/api/v1/me", "", "", 401, `"unauthorized"`},
			{"me with a bad token", "GET", "/api/v1/me", "", "", 401, ""},
			{"me as officer", "GET", "/api/v1/me", "officer", "", 200, `"slug":"metro-pd"`},
			{"agencies as officer", "GET", "/api/v1/agencies", "officer", "", 200, `"harbor-house"`},
			{"create agency as officer", "POST", "/api/v1/agencies", "officer", `{"slug":"x","name":"X","kind":"court"}`, 403, `"forbidden"`},
			{"create agency as admin", "POST", "/api/v1/agencies", "admin", `{"slug":"county-court","name":"County Court","kind":"court","time_zone":"America/Chicago"}`, 201, `"county-court"`},
			{"duplicate agency", "POST", "/api/v1/agencies", "admin", `{"slug":"metro-pd","name":"X","kind":"police"}`, 409, `"field":"slug"`},
			{"invalid agency kind", "POST", "/api/v1/agencies", "admin", `{"slug":"y","name":"Y","kind":"navy"}`, 422, `"field":"kind"`},
			{"malformed JSON", "POST", "/api/v1/agencies", "admin", `{"slug":`, 400, `"bad_request"`},
			{"wrong JSON type", "POST", "/api/v1/agencies", "admin", `{"slug":5}`, 400, `"field":"slug"`},
			{"unknown JSON field", "POST", "/api/v1/agencies", "admin", `{"slug":"z","colour":"red"}`, 400, `"field":"colour"`},
			{"array body", "POST", "/api/v1/agencies", "admin", `[1,2]`, 400, `"bad_request"`},
			{"unknown agency", "GET", "/api/v1/agencies/nope", "officer", "", 404, `"not_found"`},
			{"users as officer", "GET", "/api/v1/users", "officer", "", 403, ""},
			{"users as agency admin", "GET", "/api/v1/users", "pdadmin", "", 200, `"supervisor"`},
			{"other agency's user", "GET", "/api/v1/users/" + shelterID, "pdadmin", "", 404, ""},
			{"own account", "GET", "/api/v1/users/" + officerID, "officer", "", 200, `"officer"`},
			{"create user", "POST", "/api/v1/users", "pdadmin", `{"username":"new-officer","role":"officer"}`, 201, `"temporary_password"`},
			{"create sysadmin as agency admin", "POST", "/api/v1/users", "pdadmin", `{"username":"boss","role":"system_admin"}`, 403, ""},
			{"create user bad role", "POST", "/api/v1/users", "pdadmin", `{"username":"x","role":"chief"}`, 422, `"field":"role"`},
			{"create user in unknown agency", "POST", "/api/v1/users", "admin", `{"agency":"nope","username":"x","role":"officer"}`, 422, `"field":"agency"`},
			{"filter users by bad role", "GET", "/api/v1/users?role=chief", "admin", "", 422, `"field":"role"`},
			{"disable other agency's user", "POST", "/api/v1/users/" + shelterID + "/disable", "pdadmin", "", 404, ""},
			{"reset password", "POST", "/api/v1/users/" + officerID + "/reset-password", "pdadmin", "", 200, `"temporary_password"`},
			{"create token", "POST", "/api/v1/tokens", "supervisor", `{"name":"etl","expires_at":"2099-01-01T00:00:00Z"}`, 201, `"token":"hvn_`},
			{"create token bad expiry", "POST", "/api/v1/tokens", "supervisor", `{"expires_at":"tomorrow"}`, 422, `"field":"expires_at"`},
			{"list tokens", "GET", "/api/v1/tokens", "supervisor", "", 200, `"items"`},
			{"revoke unknown token", "POST", "/api/v1/tokens/nope/revoke", "supervisor", "", 404, ""},
			{"unknown API route", "GET", "/api/v1/nothing", "officer", "", 404, `"not_found"`},
			{"wrong method", "DELETE", "/api/v1/me", "officer", "", 405, ""},
			{"openapi is public", "GET", "/api/v1/openapi.json", "", "", 200, `"openapi": "3.1.0"`},
			{"healthz", "GET", "/healthz", "", "", 200, "ok"},
			{"readyz", "GET", "/readyz", "", "", 200, "ready"},
			{"metrics", "GET", "/metrics", "", "", 200, "haven_database_up 1"},
		} {
			t.Run(sc.name, func(t *testing.T) {
				path := sc.path
				resp, body := e.do(sc.method, path, sc.user, sc.body)
				if sc.name == "me with a bad token" {
					req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
					req.Header.Set("Authorization", "Bearer hvn_forged")
					resp, _ = http.DefaultClient.Do(req)
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					body = string(b)
				}
				if resp.StatusCode != sc.status {
					t.Fatalf("%s %s as %q = %d, want %d: %s", sc.method, path, sc.user, resp.StatusCode, sc.status, body)
				}
				if !strings.Contains(body, sc.contains) {
					t.Fatalf("body lacks %s: %s", sc.contains, body)
				}
				if resp.StatusCode >= 400 && strings.HasPrefix(path, "/api/") {
					assertErrorBody(t, body)
				}
			})
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	resp, _ := e.do("GET", "/login", "", "")
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID")
	}
	// A cross-site form post is refused before it reaches a handler.
	req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader("username=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browserClient is a cookie-keeping client that does not follow redirects.
func browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page: %s", body)
	}
	return m[1]
}

// login signs c in as user and returns the session's CSRF token.
func login(t *testing.T, e *env, c *http.Client, user, password string) string {
	t.Helper()
	_, body := get(t, c, e.srv.URL+"/login")
	resp, body := post(t, c, e.srv.URL+"/login", url.Values{"csrf_token": {csrfOf(t, body)}, "username": {user}, "password": {password}, "next": {"/home"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s = %d: %s", user, resp.StatusCode, body)
	}
	_, body = get(t, c, e.srv.URL+"/home")
	return csrfOf(t, body)
}

func TestBrowserSessionFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := browserClient()

		if resp, _ := get(t, c, e.srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous /home = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Without the login form's token the post is refused.
		if resp, _ := post(t, c, e.srv.URL+"/login", url.Values{"username": {"officer"}, "password": {storetest.Password}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("login without csrf = %d", resp.StatusCode)
		}
		_, body := get(t, c, e.srv.URL+"/login")
		resp, body := post(t, c, e.srv.URL+"/login", url.Values{"csrf_token": {csrfOf(t, body)}, "username": {"officer"}, "password": {"wrong-password-x"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not right") {
			t.Fatalf("wrong password = %d: %s", resp.StatusCode, body)
		}
		csrf := login(t, e, c, "officer", storetest.Password)
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			_ = ck
		}
		u, _ := url.Parse(e.srv.URL)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "haven_session" {
				cookie = ck
			}
		}
		if cookie == nil {
			t.Fatal("no session cookie")
		}
		resp, body = get(t, c, e.srv.URL+"/home")
		if resp.StatusCode != 200 || !strings.Contains(body, "My incident reports") {
			t.Fatalf("officer home = %d", resp.StatusCode)
		}
		// The session works for the API too; a state change needs the CSRF header.
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tokens", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		r2, _ := c.Do(req)
		r2.Body.Close()
		if r2.StatusCode != http.StatusForbidden {
			t.Fatalf("session API POST without CSRF header = %d", r2.StatusCode)
		}
		req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tokens", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("X-CSRF-Token", csrf)
		r2, _ = c.Do(req)
		r2.Body.Close()
		if r2.StatusCode != http.StatusCreated {
			t.Fatalf("session API POST with CSRF header = %d", r2.StatusCode)
		}
		// Officers do not administer users.
		if resp, _ := get(t, c, e.srv.URL+"/admin/users"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("officer /admin/users = %d", resp.StatusCode)
		}
		// Logout needs the token, then ends the session for good.
		if resp, _ := post(t, c, e.srv.URL+"/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("logout without csrf = %d", resp.StatusCode)
		}
		if resp, _ := post(t, c, e.srv.URL+"/logout", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout = %d", resp.StatusCode)
		}
		stolen := browserClient()
		stolen.Jar.SetCookies(u, []*http.Cookie{{Name: "haven_session", Value: cookie.Value}})
		if resp, _ := get(t, stolen, e.srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoked session still works: %d", resp.StatusCode)
		}
	})
}

func TestAdminPagesAndForcedPasswordChange(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	admin := browserClient()
	csrf := login(t, e, admin, "pdadmin", storetest.Password)
	resp, body := post(t, admin, e.srv.URL+"/admin/users", url.Values{"csrf_token": {csrf}, "username": {"rookie"}, "display_name": {"R. Ookie"}, "role": {"officer"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create user page = %d: %s", resp.StatusCode, body)
	}
	temp := regexp.MustCompile(`<code id="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if temp == nil {
		t.Fatal("temporary password not shown")
	}
	resp, body = post(t, admin, e.srv.URL+"/admin/users", url.Values{"csrf_token": {csrf}, "username": {"Bad Name"}, "role": {"officer"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("invalid user form = %d", resp.StatusCode)
	}

	rookie := browserClient()
	_, lb := get(t, rookie, e.srv.URL+"/login")
	post(t, rookie, e.srv.URL+"/login", url.Values{"csrf_token": {csrfOf(t, lb)}, "username": {"rookie"}, "password": {temp[1]}})
	if resp, _ := get(t, rookie, e.srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/account") {
		t.Fatalf("must-change user reached /home: %d", resp.StatusCode)
	}
	_, ab := get(t, rookie, e.srv.URL+"/account")
	resp, _ = post(t, rookie, e.srv.URL+"/account/password", url.Values{"csrf_token": {csrfOf(t, ab)}, "current_password": {temp[1]}, "new_password": {"a-much-better-password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password = %d", resp.StatusCode)
	}
	if resp, _ := get(t, rookie, e.srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatalf("after change /home = %d", resp.StatusCode)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	c := browserClient()
	_, body := get(t, c, e.srv.URL+"/login")
	post(t, c, e.srv.URL+"/login", url.Values{"csrf_token": {csrfOf(t, body)}, "username": {"supervisor"}, "password": {"Secret-Guess-123"}})
	login(t, e, c, "supervisor", storetest.Password)
	e.do("GET", "/api/v1/users?role=officer&name=Jane+Doe", "admin", "")
	logs := e.logs.String()
	for _, bad := range []string{"supervisor", "Secret-Guess-123", storetest.Password, "Jane", "role=officer"} {
		if strings.Contains(logs, bad) {
			t.Errorf("log contains %q", bad)
		}
	}
	if !strings.Contains(logs, `"route":"GET /api/v1/users"`) || !strings.Contains(logs, `"request_id"`) {
		t.Errorf("request lines missing: %s", logs)
	}
}

// TestDemoBanner: a demo server says on every page that it is one, what is
// real (the Chicago sample) and how far its background import got.
func TestDemoBanner(t *testing.T) {
	for _, c := range []struct {
		cfg  web.Config
		want []string
		not  []string
	}{
		{web.Config{}, nil, []string{"demo-banner"}},
		{web.Config{Demo: true}, []string{"demo-banner", "Chicago"}, []string{"Loading"}},
		{web.Config{Demo: true, DemoStatus: func() string { return "Loading the Chicago sample: 40%" }},
			[]string{"demo-banner", "Loading the Chicago sample: 40%"}, nil},
	} {
		s, err := web.New(c.cfg, web.ServicesFor(storetest.Open(t, "sqlite", storetest.Config())))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
		body := rec.Body.String()
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("demo %v: /login lacks %q", c.cfg.Demo, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(body, w) {
				t.Errorf("demo %v: /login shows %q", c.cfg.Demo, w)
			}
		}
	}
}
