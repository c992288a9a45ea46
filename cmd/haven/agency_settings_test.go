package main

import (
	"strings"
	"testing"

	"github.com/haven-dv/haven/store/storetest"
)

// TestAgencyUpdateConsentDays: --consent-days (or HAVEN_CONSENT_DAYS) sets
// how long a consent lasts unless the form says otherwise, and nothing else.
func TestAgencyUpdateConsentDays(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "safe-harbor", "--name", "Safe Harbor Advocacy Center", "--kind", "advocacy")
		tg.run(t, "agency", "update", "safe-harbor", "--hotline-name", "Harbor Line")
		db := tg.open(t)
		for _, st := range []struct {
			name     string
			env      map[string]string
			args     []string
			code     int
			contains string // in stdout when code is 0, else in stderr
			want     int
		}{
			{"the default", nil, []string{"safe-harbor", "--hotline-phone", "555 0100"}, 0, "consent  90 days", 90},
			{"sets it", nil, []string{"safe-harbor", "--consent-days", "30"}, 0, "consent  30 days", 30},
			{"environment twin", map[string]string{"HAVEN_CONSENT_DAYS": "180"}, []string{"safe-harbor"}, 0, "consent  180 days", 180},
			{"the maximum", nil, []string{"safe-harbor", "--consent-days=366"}, 0, "consent  366 days", 366},
			{"too long", nil, []string{"safe-harbor", "--consent-days", "367"}, 1, "(field consent_days)", 366},
			{"zero", nil, []string{"safe-harbor", "--consent-days", "0"}, 1, "(field consent_days)", 366},
			{"not a number", nil, []string{"safe-harbor", "--consent-days", "ninety"}, 2, "consent-days", 366},
		} {
			t.Run(st.name, func(t *testing.T) {
				r := tg.try(t, testMain(st.env), append([]string{"agency", "update"}, st.args...)...)
				out := r.stdout
				if st.code != 0 {
					out = r.stderr
				}
				if r.code != st.code || !strings.Contains(out, st.contains) {
					t.Errorf("exit %d, stdout %q, stderr %q; want %d with %q", r.code, r.stdout, r.stderr, st.code, st.contains)
				}
				a, err := db.AgencyBySlug(storetest.System(), "safe-harbor")
				if err != nil {
					t.Fatal(err)
				}
				if a.ConsentDays != st.want || a.HotlineName != "Harbor Line" {
					t.Errorf("consent days %d, hotline %q; want %d and the hotline kept", a.ConsentDays, a.HotlineName, st.want)
				}
			})
		}
	})
}
