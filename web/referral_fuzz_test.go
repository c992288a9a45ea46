package web

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

// FuzzReferralInput feeds arbitrary bytes to the ways a referral's input
// arrives: the JSON API's bodies, the list's query string and the form.
// Either the input is taken or the error is a bad_request or invalid
// error naming a field; never a panic.
func FuzzReferralInput(f *testing.F) {
	for _, s := range []string{
		`{"person_id":"p","to_agency":"safe-harbor","consent_id":"c","need":"housing","urgency":"urgent","notes":"x"}`,
		`{"reason":"full"}`, `{"reason":5}`, `{"to_service":null,"priority":"high"}`,
		`direction=incoming&status=received&overdue=true&limit=20&person=p`,
		`overdue=perhaps&limit=0`, `limit=99999999999999999999&overdue=1`, `%zz=1&&=`,
		`person_id=p&to_agency=safe-harbor&consent_id=c&need=housing&urgency=routine&notes=a%00b`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&haven.ReferralInput{}, &referralStep{}} {
			if err := decodeJSONBytes(body, v); err != nil {
				var he *haven.Error
				if !errors.As(err, &he) || he.Code != haven.EBADREQUEST || he.Message == "" {
					t.Fatalf("JSON %q: %v", body, err)
				}
			}
		}
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		fl, err := referralFilter(q)
		if err != nil {
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) == "" {
				t.Fatalf("query %q: %v", body, err)
			}
		} else if fl.Limit < 0 || fl.Limit > 500 {
			t.Fatalf("query %q: limit %d", body, fl.Limit)
		}
		in := referralInputFromForm(q)
		for _, s := range []string{in.PersonID, in.ToAgency, in.ToService, in.ConsentID, in.Need, in.Urgency} {
			if s != strings.TrimSpace(s) {
				t.Fatalf("form %q: %q is not trimmed", body, s)
			}
		}
	})
}
