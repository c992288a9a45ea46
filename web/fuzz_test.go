package web

import (
	"errors"
	"testing"

	"github.com/haven-dv/haven"
)

// FuzzDecodeJSON: any body either decodes or gives a bad_request error
// with a message; never a panic, never another kind of error.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"username":"a","role":"officer"}`, `{"slug":5}`, `{"slug":"x","extra":1}`, `[1]`, `{`, ``, `null`,
		`{"agency":"metro-pd"} {}`, `{"password":"\u0000"}`, `"str"`, `{"display_name":{"a":1}}`, "{\n\"a\":\n", `{"expires_at":"2027-01-01T00:00:00Z"}`,
		`{"given_name":"A","phones":[{"number":"555"}],"addresses":[{"confidential":"yes"}]}`, `{"safe_contact":{"no_voicemail":1}}`,
		`{"record_type":"person","record_id":"x","reason":"r"}`, `{"on":null}`, `{"version":"2"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&userRequest{}, &agencyRequest{}, &tokenRequest{}, &personRequest{}, &haven.PersonPatch{},
			&breakGlassRequest{}, &reviewRequest{}, &requireMFARequest{}} {
			err := decodeJSONBytes(body, v)
			if err == nil {
				continue
			}
			var he *haven.Error
			if !errors.As(err, &he) || he.Code != haven.EBADREQUEST || he.Message == "" {
				t.Fatalf("decode %q: %v", body, err)
			}
		}
	})
}
