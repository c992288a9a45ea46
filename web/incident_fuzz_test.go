package web

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// FuzzIncidentInput feeds arbitrary bytes to the two ways a report and its
// statements arrive: the JSON API (with its time-field locator) and the
// phone form. Either the input is taken or the error is a bad_request or
// invalid error with a message; never a panic.
func FuzzIncidentInput(f *testing.F) {
	for _, s := range []string{
		`{"statements":[{"kind":"witness","taken_at":"2026-03-01T21:30:00-06:00","how_taken":"verbal","text":"saw it"}]}`,
		`{"statements":[{"taken_at":"yesterday"}]}`, `{"arrests":[{"at":5,"charges":["13B"]}]}`,
		`{"occurred_at":"2026-13-01T00:00:00Z","narrative":"\u0000"}`, `{"parties":[{"person_id":"x","role":"victim"}],"version":"1"}`,
		`occurred_date=2026-03-01&occurred_time=21:30&offense=13B&narrative=x&latitude=41.9&longitude=-87.6`,
		`occurred_date=99-99-99&latitude=abc&strangulation=yes&sign=petechiae&version=-1`, `%zz=1&&=`,
	} {
		f.Add([]byte(s))
	}
	loc, _ := time.LoadLocation("America/Chicago")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&incidentRequest{}, &incidentPatch{}} {
			if err := decodeJSONBytes(body, v); err != nil {
				var he *haven.Error
				if !errors.As(err, &he) || he.Code != haven.EBADREQUEST || he.Message == "" {
					t.Fatalf("JSON %q: %v", body, err)
				}
				_ = badTimeField(body) // must not panic on any body
			}
		}
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		var in haven.Incident
		if err := readIncidentForm(q).apply(&in, loc); err != nil {
			if c := haven.ErrorCode(err); c != haven.EINVALID && c != haven.EBADREQUEST {
				t.Fatalf("form %q: %v", body, err)
			}
		}
	})
}
