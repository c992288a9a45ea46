package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/web"
)

// neutralPage is what the test's exit URL serves: a stand-in for the
// neutral site the quick exit goes to.
const neutralPage = `<!doctype html><html lang="en"><head><title>Weather</title></head><body><main><h1>Weather</h1></main></body></html>`

// findEnv is a server whose finder exits to /neutral on the same test
// server, with the test fixture (a confidential shelter, a hotline and a
// legal clinic) in harbor-house's directory.
func findEnv(t *testing.T) (*env, string) {
	t.Helper()
	db := storetest.Open(t, "sqlite", storetest.Config())
	logs := &syncBuffer{}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	exit := srv.URL + "/neutral"
	s, err := web.New(web.Config{Logger: slog.New(slog.NewJSONHandler(logs, nil)), FinderExitURL: exit}, web.ServicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /neutral", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(neutralPage))
	})
	mux.Handle("/", s.Handler())
	e := &env{t: t, db: db, srv: srv, logs: logs, tokens: map[string]string{}, users: map[string]*haven.User{}}
	sh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
	if _, err := db.ImportDirectory(storetest.System(), sh.ID, hsdstest.Fixture()); err != nil {
		t.Fatal(err)
	}
	return e, exit
}

var urlRE = regexp.MustCompile(`(?i)(?:https?:)?//[^\s"'<>]+`)

// TestFindPage: the finder is public, discreet and private — no-store, no
// referrer, no cookie, nothing from another site, the confidential
// shelter by its area label and intake phone only.
func TestFindPage(t *testing.T) {
	e, exit := findEnv(t)
	if got := store.ConfidentialSuffix; got != " (confidential location)" {
		t.Fatalf("store.ConfidentialSuffix is %q; web/find.go's confidentialSuffix must follow it", got)
	}
	for _, tc := range []struct {
		path      string
		want      []string
		notWanted []string
	}{
		{"/find", []string{"Find local services", "Exit this page", "24-hour helpline", `href="tel:08000001234"`, `<option value="Northgate">`},
			[]string{"Emergency refuge", "Legal advice clinic"}},
		{"/find?need=stay&area=Northgate", []string{"Emergency refuge", "Northgate", `href="tel:08000005678"`, "kept private", "Northgate Refuge Trust"},
			[]string{"Legal advice clinic", "Ring the bell"}},
		{"/find?need=legal", []string{"No services match"}, []string{"Emergency refuge", "Legal advice clinic"}}, // the fixture tags no legal service
		{"/find?area=Northgate", []string{"Legal advice clinic", "Emergency refuge", "24-hour helpline", "(3 found)"}, nil},
		{"/find?need=talk&area=Elsewhere", []string{"24-hour helpline", "By phone"}, []string{"Emergency refuge"}},
		{"/find?need=stay&lang=es", []string{`lang="es"`, "Salir de esta página", "Buscar servicios locales", "Emergency refuge", `name="lang" value="es"`}, nil},
		{"/find?need=nonsense&area=" + strings.Repeat("x", 300), []string{"Find local services"}, nil},
	} {
		resp, body := e.do("GET", tc.path, "", "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", tc.path, resp.StatusCode)
		}
		for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("GET %s: %s is %q, want %q", tc.path, h, got, want)
			}
		}
		if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("GET %s sets cookies: %q", tc.path, c)
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tc.path, resp.Header.Get("Content-Security-Policy"))
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: no %q in\n%s", tc.path, w, body)
			}
		}
		for _, w := range append(tc.notWanted, append(hsdstest.Secrets, "Haven", "<script>", "style=", hsdstest.OfficeStreet)...) {
			if strings.Contains(body, w) {
				t.Errorf("GET %s: %q in the page", tc.path, w)
			}
		}
		for _, u := range urlRE.FindAllString(body, -1) {
			if u != exit {
				t.Errorf("GET %s: external URL %q in the page (only the exit URL %q may be)", tc.path, u, exit)
			}
		}
		if !strings.Contains(body, `href="`+exit+`" rel="noreferrer"`) {
			t.Errorf("GET %s: no exit link to %s with rel=noreferrer", tc.path, exit)
		}
	}
	// The request log names the route, never what was searched for.
	if l := e.logs.String(); strings.Contains(l, "need=") || strings.Contains(l, "Northgate") {
		t.Errorf("the log records the search: %s", l)
	}
}

// TestFindDefaultExit: without configuration the exit goes to the default
// neutral site, and a signed-in visitor gets the same page, no cookie set.
func TestFindDefaultExit(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	resp, body := e.do("GET", "/find?need=stay", "officer", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /find: %d", resp.StatusCode)
	}
	if !strings.Contains(body, `href="`+web.DefaultFinderExitURL+`" rel="noreferrer"`) {
		t.Errorf("no exit link to %s", web.DefaultFinderExitURL)
	}
	if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("sets cookies: %q", c)
	}
	for _, u := range urlRE.FindAllString(body, -1) {
		if u != web.DefaultFinderExitURL {
			t.Errorf("external URL %q in the page", u)
		}
	}
	if strings.Contains(body, "officer") || strings.Contains(body, "Sign out") {
		t.Error("the finder shows the staff layout")
	}
}

// TestFindStatic: the finder's script, style and icon are served from
// /static.
func TestFindStatic(t *testing.T) {
	e, _ := findEnv(t)
	for _, p := range []string{"/static/quick-exit.js", "/static/find.css", "/static/find-icon.svg"} {
		resp, body := e.do("GET", p, "", "")
		if resp.StatusCode != 200 || body == "" {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
		if urlRE.MatchString(strings.ReplaceAll(body, "http://www.w3.org/2000/svg", "")) {
			t.Errorf("GET %s refers to another site: %v", p, urlRE.FindAllString(body, -1))
		}
	}
}
