package web_test

// Real-browser checks of the second-factor and audit pages: the QR code
// loads under the Content-Security-Policy, the forms work as a person meets
// them, nothing is wider than a phone, and axe-core finds no serious
// problem. See browser_test.go for the harness.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/totp"
)

// pageChecks runs axe-core, looks for console problems (CSP violations
// above all) and, on a phone, for sideways scrolling.
func pageChecks(t *testing.T, tb *tab, page string, phone bool) {
	t.Helper()
	doc := tb.location()
	for _, c := range tb.takeConsole() {
		if why := consoleProblem(c, doc); why != "" {
			t.Errorf("%s on %s: %s", why, page, c)
		}
	}
	if phone {
		if w := evalJS[float64](tb, `document.documentElement.scrollWidth`); w > phoneWidth {
			t.Errorf("on %s the page is %vpx wide, wider than the %dpx phone", page, w, phoneWidth)
		}
	}
	axeCheck(t, tb, page)
}

func TestBrowserSecondFactor(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	secureAgency(t, e, "secure-pd", map[string]haven.Role{"desk": haven.RoleOfficer, "phone": haven.RoleAdvocate})
	browser := newBrowser(t)

	for _, vp := range []struct {
		user  string
		phone bool
	}{{"desk", false}, {"phone", true}} {
		t.Run(vp.user, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, browser, e)
			if vp.phone {
				tb.do(emulatePhone)
			}
			// Signing in sends a user whose agency requires it to set up the factor.
			if st := tb.login(vp.user, storetest.Password); st != 200 {
				t.Fatalf("sign-in landed with %d", st)
			}
			if u := tb.url(); u.Path != "/account/2fa" || u.Query().Get("next") != "/home" {
				t.Fatalf("sign-in of a user who must enrol went to %s", u)
			}
			// The QR code is a data: image the policy lets load.
			if w := evalJS[float64](tb, `(img => img.complete ? img.naturalWidth : -1)(document.querySelector('img.qr'))`); w != 240 {
				t.Errorf("QR code natural width = %v, want 240 (blocked by the CSP?)", w)
			}
			pageChecks(t, tb, "/account/2fa", vp.phone)
			secret := evalJS[string](tb, `document.querySelector('input[name=secret]').value`)
			if key := strings.ReplaceAll(tb.text("#totp-key"), " ", ""); key != secret {
				t.Errorf("key shown %q, form secret %q", key, secret)
			}

			wrong, _ := totp.Code(secret, time.Now().Add(-time.Hour))
			tb.type_("#code", wrong)
			if st := tb.click(`main form[action="/account/2fa"] button[type=submit]`); st != 422 {
				t.Fatalf("wrong code answered %d", st)
			}
			if inv := evalJS[string](tb, `document.querySelector('#code').getAttribute('aria-invalid')`); inv != "true" {
				t.Error("the code field is not marked invalid")
			}
			pageChecks(t, tb, "/account/2fa with a wrong code", vp.phone)

			code, _ := totp.Code(secret, time.Now())
			tb.type_("#code", code)
			if st := tb.click(`main form[action="/account/2fa"] button[type=submit]`); st != 200 {
				t.Fatalf("right code answered %d: %q", st, tb.text("main"))
			}
			if h := tb.text("main h1"); h != "Recovery codes" {
				t.Fatalf("heading = %q", h)
			}
			recovery := tb.texts("main ol.codes li")
			if len(recovery) != 10 {
				t.Fatalf("%d recovery codes shown", len(recovery))
			}
			pageChecks(t, tb, "recovery codes", vp.phone)
			if st := tb.click(`main a[href="/home"]`); st != 200 || tb.url().Path != "/home" {
				t.Fatalf("Continue went to %s (%d)", tb.location(), st)
			}

			// A second sign-in asks for a code.
			tb2 := newTab(t, browser, e)
			if vp.phone {
				tb2.do(emulatePhone)
			}
			if st := tb2.login(vp.user, storetest.Password); st != 200 || tb2.url().Path != "/login/2fa" {
				t.Fatalf("second sign-in landed on %s (%d)", tb2.location(), st)
			}
			if im := evalJS[string](tb2, `document.querySelector('#code').inputMode + ' ' + document.querySelector('#code').autocomplete`); im != "numeric one-time-code" {
				t.Errorf("code field: %q", im)
			}
			pageChecks(t, tb2, "/login/2fa", vp.phone)
			tb2.type_("#code", wrong)
			if st := tb2.click(`main form[action="/login/2fa"] button[type=submit]`); st != 401 {
				t.Errorf("wrong code answered %d", st)
			}
			if msg := tb2.text(`main p.error[role="alert"]`); !strings.Contains(msg, "not right") {
				t.Errorf("error = %q", msg)
			}
			// The recovery-code form opens from its summary.
			tb2.do(chromedp.Click(chromedp.CSS("details.recovery summary")))
			pageChecks(t, tb2, "/login/2fa with an error and the recovery form open", vp.phone)
			tb2.type_("#recovery_code", recovery[0])
			if st := tb2.click(`details.recovery button[type=submit]`); st != 200 || tb2.url().Path != "/home" {
				t.Fatalf("recovery code landed on %s (%d)", tb2.location(), st)
			}
		})
	}
}

func TestBrowserAuditLog(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	newAuditFixture(t, e)
	browser := newBrowser(t)
	for _, phone := range []bool{false, true} {
		name := map[bool]string{false: "desktop", true: "phone"}[phone]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, browser, e)
			if phone {
				tb.do(emulatePhone)
			}
			tb.mustLogin("pdadmin")
			if st := tb.open("/admin/audit"); st != 200 {
				t.Fatalf("GET /admin/audit = %d", st)
			}
			if tags := tb.texts("main tr.glass .tag.glass"); len(tags) == 0 {
				t.Error("no break-glass entry highlighted")
			}
			pageChecks(t, tb, "/admin/audit", phone)
			tb.type_("#action", "breakglass.")
			if st := tb.click(`main form.filters button[type=submit]`); st != 200 {
				t.Fatalf("filter answered %d", st)
			}
			if acts := tb.texts("main table tbody td:nth-child(4) code"); len(acts) == 0 || !strings.HasPrefix(acts[0], "breakglass.") {
				t.Errorf("filtered actions = %q", acts)
			}
			if st := tb.open("/admin/audit?from=2024-02-30"); st != 422 {
				t.Errorf("bad date answered %d", st)
			}
			pageChecks(t, tb, "/admin/audit with a bad date", phone)
		})
	}
}
