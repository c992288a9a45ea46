package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-dv/haven/store/storetest"
)

// FuzzLoginForm posts arbitrary bodies and content types to /login through
// the whole handler stack over a real database: the answer is never a 500.
func FuzzLoginForm(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "username=officer&password=x&csrf_token=abc"},
		{"application/x-www-form-urlencoded", "username=%ff%fe&password=%00"},
		{"application/x-www-form-urlencoded", "username=" + strings.Repeat("a", 5000)},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nofficer\r\n--x--"},
		{"multipart/form-data", "garbage"},
		{"text/plain", "%%%"},
		{"", ""},
		{"application/x-www-form-urlencoded", "next=//evil.example&username=a&password=b"},
	} {
		f.Add(s.ct, s.body, "csrf-cookie-value-0123456789abcdef0123456789")
	}
	db := storetest.Open(f, "sqlite", storetest.Config())
	e := newEnv(f, db)
	h := e.srv.Config.Handler
	f.Fuzz(func(t *testing.T, ct, body, cookie string) {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Cookie", "haven_login="+strings.Map(func(r rune) rune {
			if r < 0x21 || r > 0x7e || r == ';' || r == '"' || r == ',' || r == '\\' {
				return -1
			}
			return r
		}, cookie))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			b, _ := io.ReadAll(rec.Body)
			t.Fatalf("POST /login %q %q → %d: %s", ct, body, rec.Code, b)
		}
		if rec.Code == http.StatusSeeOther && !strings.HasPrefix(rec.Header().Get("Location"), "/") {
			t.Fatalf("redirect off-site: %s", rec.Header().Get("Location"))
		}
	})
}
