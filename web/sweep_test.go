package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

// TestNoRouteAnswers500 sends malformed input to every route, signed in as
// a system administrator (who gets furthest into each handler) and as
// nobody: bad bodies, odd path values, wrong content types. No answer may
// be a 5xx.
func TestNoRouteAnswers500(t *testing.T) {
	db := storetest.Open(t, "sqlite", storetest.Config())
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	admin := storetest.MustUser(t, db, pd, "admin", haven.RoleSystemAdmin)
	token, _, err := db.CreateToken(storetest.System(), admin.ID, "sweep", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{}, Services{Agencies: db, Users: db, Auth: db, Persons: db, BreakGlass: db, MFA: db, Audit: db, Ready: db.Ping})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	pathValues := []string{"x", "%00", "%ff%fe", strings.Repeat("9", 2000), "..%2F..%2Fetc", "%E2%80%AE", admin.ID}
	bodies := []struct{ ct, body string }{
		{"application/json", `{`},
		{"application/json", `{"username":null,"role":["x"],"agency":{}}`},
		{"application/json", `"` + strings.Repeat("a", 70000) + `"`},
		{"application/json", strings.Repeat("[", 10000)},
		{"application/json", `{"name":"\ud800","expires_at":"9999-99-99"}`},
		{"text/xml", `<x/>`},
		{"application/x-www-form-urlencoded", "csrf_token=%zz&username=%00"},
		{"", ""},
	}
	n := 0
	for _, rt := range s.routeTable() {
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		for _, pv := range pathValues {
			path := strings.NewReplacer("{id}", pv, "{slug}", pv, "{$}", "").Replace(pattern)
			if strings.HasSuffix(path, "/static/") {
				path += pv
			}
			for _, b := range bodies {
				for _, auth := range []string{"Bearer " + token, ""} {
					req := httptest.NewRequest(method, "http://haven.test"+path+"?role=%ff&agency=%00", strings.NewReader(b.body))
					if b.ct != "" {
						req.Header.Set("Content-Type", b.ct)
					}
					if auth != "" {
						req.Header.Set("Authorization", auth)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					n++
					if rec.Code >= 500 {
						t.Errorf("%s %s (%s %.40q, auth=%v) = %d: %s", method, path, b.ct, b.body, auth != "", rec.Code, rec.Body.String())
					}
					if method == http.MethodGet {
						break // GETs ignore bodies: one is enough
					}
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d requests sent", n)
	}
}
