package web

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// FuzzConsentRequest: any body either becomes a ConsentInput or gives an
// error with a code, a message and (for a value) the field at fault; a
// time that comes through is the one sent, parsed as RFC 3339.
func FuzzConsentRequest(f *testing.F) {
	for _, seed := range []string{
		`{"person_id":"p","recipient_agencies":["safe-harbor"],"scopes":["contact"],"purpose":"x","method":"written","expires_at":"2026-06-01T00:00:00Z"}`,
		`{"expires_at":"2026-06-01"}`, `{"starts_at":"","expires_at":null}`, `{"starts_at":"2026-02-30T00:00:00Z"}`,
		`{"expires_at":"9999-12-31T23:59:59+14:00"}`, `{"expires_at":"2026-06-01T00:00:00.123456789-06:00"}`, `{"expires_at":5}`,
		`{"scopes":"contact"}`, `{"witness":"\u0000"}`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req consentRequest
		if err := decodeJSONBytes(body, &req); err != nil {
			return
		}
		in, err := req.input()
		if err != nil {
			var he *haven.Error
			if !errors.As(err, &he) || he.Code != haven.EINVALID || he.Message == "" || (he.Field != "starts_at" && he.Field != "expires_at") {
				t.Fatalf("input %q: %v", body, err)
			}
			return
		}
		for _, c := range []struct {
			sent *string
			got  *time.Time
		}{{req.StartsAt, in.StartsAt}, {req.ExpiresAt, in.ExpiresAt}} {
			if c.got == nil {
				continue
			}
			if want, err := time.Parse(time.RFC3339, strings.TrimSpace(*c.sent)); err != nil || !want.Equal(*c.got) {
				t.Fatalf("%q became %v", *c.sent, c.got)
			}
		}
	})
}

// FuzzConsentFormExpiry: the form's expiry date either parses to the
// midnight after that day (at most MaxConsentDays from now, on that day),
// or is refused naming expires_at.
func FuzzConsentFormExpiry(f *testing.F) {
	for _, seed := range []string{"2026-06-01", "", "2026-13-01", "31/12/2026", "2026-6-1", "+2026-06-01", "20260601", "2027-03-02", "0000-01-01"} {
		f.Add(seed)
	}
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		f.Skip("no time zone data")
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := consentFormInput(url.Values{"expires_on": {s}}, loc, now)
		if err != nil {
			if haven.ErrorField(err) != "expires_at" || haven.ErrorCode(err) != haven.EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if in.ExpiresAt == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q gave no expiry and no error", s)
			}
			return
		}
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), loc)
		if err != nil {
			t.Fatalf("%q accepted but not a date: %v", s, err)
		}
		exp := *in.ExpiresAt
		max := now.Add(time.Duration(haven.MaxConsentDays) * 24 * time.Hour)
		if exp.After(day.AddDate(0, 0, 1)) || !exp.After(day) || (exp.After(max) && !day.After(max)) {
			t.Fatalf("%q expires %v", s, exp)
		}
	})
}
