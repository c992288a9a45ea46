package risk

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

// FuzzParse: Parse never panics, accepts only what validates, and what it
// accepts survives a JSON round trip and can be scored.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"lap.json", "danger-assessment.json", "dash.json", "dash-24.json", "odara.json"} {
		data, err := builtinFS.ReadFile("instruments/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"x","items":[{"id":"q1","wieght":1}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse("fuzz.json", data)
		if err != nil {
			var he *haven.Error
			if !errors.As(err, &he) || he.Code != haven.EINVALID || !strings.HasPrefix(he.Message, "fuzz.json: ") {
				t.Fatalf("error %v is not an EINVALID naming the file", err)
			}
			return
		}
		if err := validate(in); err != nil {
			t.Fatalf("Parse accepted an invalid instrument: %v", err)
		}
		out, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("again.json", out); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		_, _ = Score(in, map[string]string{"q1": haven.AnswerYes}, haven.RiskFacts{PoliceCallouts12m: 5, MARACReferral12m: true})
	})
}

// FuzzScore: Score never panics on any answers and facts, errors are
// EINVALID, and a result is consistent with its instrument.
func FuzzScore(f *testing.F) {
	f.Add(0, "q1=yes q5=yes", false, 0, false)
	f.Add(0, "q1=declined q2=declined", true, 0, false)
	f.Add(1, "q2=yes q3=never-lived-together q20=unknown", false, 0, false)
	f.Add(1, "q3=maybe", false, 0, false)
	f.Add(2, "q1=yes q2=yes q3=yes", true, 3, true)
	f.Add(3, "q99=yes", false, -1, false)
	f.Add(4, "q1=yes q2=yes q3=unknown q4=declined q5=no q6=no q7=no q8=no q9=no", false, 0, false)
	f.Add(4, "q1=yes", true, 0, false)
	list, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, idx int, pairs string, judgement bool, callouts int, marac bool) {
		if idx < 0 {
			idx = -idx
		}
		in := list[idx%len(list)]
		a := map[string]string{}
		for _, p := range strings.Fields(pairs) {
			k, v, _ := strings.Cut(p, "=")
			a[k] = v
		}
		r, err := Score(in, a, haven.RiskFacts{ProfessionalJudgement: judgement, PoliceCallouts12m: callouts, MARACReferral12m: marac})
		if err != nil {
			if haven.ErrorCode(err) != haven.EINVALID {
				t.Fatalf("error code %s: %v", haven.ErrorCode(err), err)
			}
			return
		}
		b := bandIndex(in.Bands, r.Band)
		if b < 0 || in.Bands[b].High != r.High || in.Bands[b].Label != r.BandLabel {
			t.Fatalf("band %q high %v", r.Band, r.High)
		}
		if r.Answered+r.Missing != len(in.Items) || r.Answered < 0 || r.Missing < 0 {
			t.Fatalf("answered %d missing %d of %d", r.Answered, r.Missing, len(in.Items))
		}
		if r.Prorated != (in.Scoring.Prorate && r.Missing > 0) || (!r.Prorated && r.Score != r.RawScore) || r.Score < r.RawScore {
			t.Fatalf("score %v raw %v prorated %v", r.Score, r.RawScore, r.Prorated)
		}
		if len(r.Reasons) == 0 {
			t.Fatal("no reasons")
		}
		for i, act := range r.Actions {
			if !slices.Contains(haven.RiskActions, act) || slices.Contains(r.Actions[:i], act) {
				t.Fatalf("actions %v", r.Actions)
			}
		}
		if judgement && in.Scoring.JudgementBand != "" && b < bandIndex(in.Bands, in.Scoring.JudgementBand) {
			t.Fatalf("judgement left the band at %s", r.Band)
		}
	})
}
