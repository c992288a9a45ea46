package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// TestNoRouteAnswers500 sends malformed input to every route, on both
// databases (PostgreSQL is stricter about text than SQLite), signed in as
// a system administrator and as an officer (between them they get furthest
// into every handler) and as nobody: bad bodies, odd path values, wrong
// content types. No answer may be a 5xx.
func TestNoRouteAnswers500(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { sweep(t, db) })
}

func sweep(t *testing.T, db *store.DB) {
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	var tokens []string
	for _, u := range []struct {
		name string
		role haven.Role
	}{{"admin", haven.RoleSystemAdmin}, {"officer", haven.RoleOfficer}} {
		usr := storetest.MustUser(t, db, pd, u.name, u.role)
		tok, _, err := db.CreateToken(storetest.System(), usr.ID, "sweep", nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	admin, err := db.UserByUsername(storetest.System(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{}, servicesFor(db))
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
		{"application/json", `{"given_name":"A\u0000B","record_type":"person","record_id":"\u0000","reason":"\u0000 an emergency at the hospital","note":"\u0000"}`},
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
				for _, auth := range []string{"Bearer " + tokens[0], "Bearer " + tokens[1], ""} {
					req := httptest.NewRequest(method, "http://haven.test"+path+"?role=%ff&agency=%00&name=%00x&dob=%ff&user=%00&record=%00&action=%ff&from=x", strings.NewReader(b.body))
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
