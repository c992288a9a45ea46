package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/haven-dv/haven/demo"
)

// TestDoneMeans walks the foundation issue's "done means" list end to end
// against the real serve command: the login page is served, every demo user
// signs in through the form, /healthz answers, and /api/v1/me answers 200
// with a token from `haven token create` and 401 (JSON) without.
func TestDoneMeans(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		m := testMain(nil)
		s := startServe(t, m, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0"}, tg.flags...)...)
		base := "http://" + s.addr

		body := func(resp *http.Response) string {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		creds, err := demo.ReadCredentials(tg.cfg.DataDir)
		if err != nil || len(creds) == 0 {
			t.Fatalf("demo credentials: %v", err)
		}
		csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
		for _, c := range creds {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar}
			resp, err := client.Get(base + "/login")
			if err != nil {
				t.Fatal(err)
			}
			page := body(resp)
			if resp.StatusCode != 200 || !strings.Contains(page, "Sign in") {
				t.Fatalf("login page = %d", resp.StatusCode)
			}
			csrf := csrfRE.FindStringSubmatch(page)
			if csrf == nil {
				t.Fatal("no CSRF token on the login page")
			}
			resp, err = client.PostForm(base+"/login", url.Values{"csrf_token": {csrf[1]}, "username": {c.Username}, "password": {c.Password}})
			if err != nil {
				t.Fatal(err)
			}
			home := body(resp)
			if resp.StatusCode != 200 || resp.Request.URL.Path != "/home" || !strings.Contains(home, c.Username) {
				t.Fatalf("%s signing in ended at %s with %d", c.Username, resp.Request.URL.Path, resp.StatusCode)
			}
		}

		if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("/healthz: %v", err)
		}
		resp, err := http.Get(base + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(resp); resp.StatusCode != 401 || !strings.Contains(b, `"error":{"code":"unauthorized"`) {
			t.Fatalf("/api/v1/me without a token = %d %s", resp.StatusCode, b)
		}

		out := runMain(t, m, append([]string{"token", "create", "--user", "analyst"}, tg.flags...)...)
		if out.err != nil {
			t.Fatalf("token create: %v %s", out.err, out.stderr)
		}
		lines := strings.Split(strings.TrimSpace(out.stdout), "\n")
		token := lines[len(lines)-1]
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(resp); resp.StatusCode != 200 || !strings.Contains(b, `"username":"analyst"`) || !strings.Contains(b, `"role":"analyst"`) {
			t.Fatalf("/api/v1/me with a token = %d %s", resp.StatusCode, b)
		}
	})
}
