package risk

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

// answers builds answers from "q1=yes q3=never-lived-together" pairs.
func answers(pairs string) map[string]string {
	a := map[string]string{}
	for _, p := range strings.Fields(pairs) {
		k, v, _ := strings.Cut(p, "=")
		a[k] = v
	}
	return a
}

// yesNo answers the first yes items yes and the rest of n no.
func yesNo(n, yes int) map[string]string {
	a := map[string]string{}
	for i := 1; i <= n; i++ {
		a[fmt.Sprintf("q%d", i)] = haven.AnswerNo
		if i <= yes {
			a[fmt.Sprintf("q%d", i)] = haven.AnswerYes
		}
	}
	return a
}

// yesTo answers the listed items yes and every other item of n no.
func yesTo(n int, ids ...int) map[string]string {
	a := yesNo(n, 0)
	for _, i := range ids {
		a[fmt.Sprintf("q%d", i)] = haven.AnswerYes
	}
	return a
}

func mustScore(t *testing.T, id string, a map[string]string, f haven.RiskFacts) haven.RiskResult {
	t.Helper()
	in, ok := builtinSet(t).Get(id)
	if !ok {
		t.Fatalf("no instrument %s", id)
	}
	r, err := Score(in, a, f)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return r
}

func hasReason(r haven.RiskResult, part string) bool {
	return slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, part) })
}

func TestLAP(t *testing.T) {
	tests := []struct {
		name      string
		answers   map[string]string
		judgement bool
		band      string
		reason    string
	}{
		{"nothing yes", yesNo(11, 0), false, "not-screened-in", "none of q1–q3 answered yes and 0 of q4–q11 answered yes (fewer than 4)"},
		{"q1 yes", yesTo(11, 1), false, "screened-in", "q1 answered yes: Has the abuser ever used a weapon"},
		{"q2 yes", yesTo(11, 2), false, "screened-in", "q2 answered yes"},
		{"q3 yes", yesTo(11, 3), false, "screened-in", "q3 answered yes"},
		{"3 of q4–q11", yesTo(11, 4, 7, 11), false, "not-screened-in", "3 of q4–q11 answered yes (fewer than 4)"},
		{"4 of q4–q11", yesTo(11, 4, 7, 10, 11), false, "screened-in", "4 of q4–q11 answered yes (4 or more screen in)"},
		{"8 of q4–q11", yesTo(11, 4, 5, 6, 7, 8, 9, 10, 11), false, "screened-in", "8 of q4–q11 answered yes"},
		{"q1 and 4 more", yesTo(11, 1, 4, 5, 6, 7), false, "screened-in", "yes to any of q1–q3, or to 4 or more of q4–q11 screens in: Screened in"},
		{"unknown is not yes", answers("q1=unknown q2=declined q4=yes q5=yes q6=yes q7=unknown"), false, "not-screened-in", "3 of q4–q11"},
		{"nothing answered", map[string]string{}, false, "not-screened-in", "none of q1–q3"},
		{"all declined, judgement", declinedAll(11), true, "screened-in", "officer's professional judgement"},
		{"judgement on a screen-in", yesTo(11, 2), true, "screened-in", "officer's professional judgement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustScore(t, "lap", tt.answers, haven.RiskFacts{ProfessionalJudgement: tt.judgement})
			if r.Band != tt.band || !hasReason(r, tt.reason) {
				t.Fatalf("band %s reasons %q; want %s with %q", r.Band, r.Reasons, tt.band, tt.reason)
			}
			in := r.Band == "screened-in"
			wantActions := []string{haven.ActionOfferInformation}
			if in {
				wantActions = []string{haven.ActionHotlineCall, haven.ActionFlagHighRisk, haven.ActionAdvocacyTask}
			}
			if r.High != in || !slices.Equal(r.Actions, wantActions) {
				t.Errorf("high %v actions %v", r.High, r.Actions)
			}
		})
	}
	r := mustScore(t, "lap", declinedAll(11), haven.RiskFacts{ProfessionalJudgement: true})
	if r.Score != 0 || r.Answered != 0 || r.Missing != 11 {
		t.Errorf("all declined: score %v answered %d missing %d", r.Score, r.Answered, r.Missing)
	}
	r = mustScore(t, "lap", yesTo(11, 1, 4), haven.RiskFacts{})
	if r.Score != 2 || r.RawScore != 2 || r.Answered != 11 || r.Missing != 0 {
		t.Errorf("score %v raw %v answered %d missing %d", r.Score, r.RawScore, r.Answered, r.Missing)
	}
}

func declinedAll(n int) map[string]string {
	a := map[string]string{}
	for i := 1; i <= n; i++ {
		a[fmt.Sprintf("q%d", i)] = haven.AnswerDeclined
	}
	return a
}

func TestDangerAssessment(t *testing.T) {
	high := []string{haven.ActionFlagHighRisk, haven.ActionAdvocacyTask, haven.ActionConferenceProposal}
	low := []string{haven.ActionOfferInformation}
	tests := []struct {
		name    string
		answers map[string]string
		score   float64
		band    string
		reason  string
	}{
		{"all no", yesNo(20, 0), 0, "variable", "score 0 is below 8: Variable danger"},
		{"7", yesTo(20, 2, 8), 7, "variable", "score 7 is below 8"},
		{"8", yesTo(20, 2, 5), 8, "increased", "score 8 is at least 8 and below 14: Increased danger"},
		{"13", yesTo(20, 2, 3, 4), 13, "increased", "score 13 is at least 8 and below 14"},
		{"14", yesTo(20, 1, 2, 3, 4), 14, "severe", "score 14 is at least 14 and below 18: Severe danger"},
		{"17", yesTo(20, 1, 2, 3, 4, 5, 20), 17, "severe", "score 17"},
		{"18", yesTo(20, 1, 2, 3, 4, 5, 10), 18, "extreme", "score 18 is at least 18: Extreme danger"},
		{"all yes", yesNo(20, 20), 37, "extreme", "score 37"},
		{"q20 weighs nothing", yesTo(20, 20), 0, "variable", "score 0"},
		{"never lived together alone", answers("q3=never-lived-together"), -3, "variable", "score -3 is below 8"},
		{"never lived together", answers("q2=yes q3=never-lived-together q4=yes q5=yes"), 9, "increased", "score 9"},
		{"never lived together, 17 to 14", answers("q1=yes q2=yes q3=never-lived-together q4=yes q5=yes q6=yes q7=yes"), 16, "severe", "score 16"},
		{"unknown counts 0", answers("q2=yes q5=unknown q6=declined"), 5, "variable", "score 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustScore(t, "danger-assessment", tt.answers, haven.RiskFacts{})
			if r.Score != tt.score || r.RawScore != tt.score || r.Band != tt.band || !hasReason(r, tt.reason) {
				t.Fatalf("score %v band %s reasons %q; want %v %s %q", r.Score, r.Band, r.Reasons, tt.score, tt.band, tt.reason)
			}
			want := low
			if tt.band == "severe" || tt.band == "extreme" {
				want = high
			}
			if r.High != (tt.band == "severe" || tt.band == "extreme") || !slices.Equal(r.Actions, want) {
				t.Errorf("high %v actions %v", r.High, r.Actions)
			}
		})
	}
	r := mustScore(t, "danger-assessment", answers("q2=yes q3=never-lived-together q5=unknown"), haven.RiskFacts{})
	if r.Answered != 2 || r.Missing != 18 || r.Prorated {
		t.Errorf("answered %d missing %d prorated %v", r.Answered, r.Missing, r.Prorated)
	}
}

func TestDASH(t *testing.T) {
	for _, id := range []string{"dash", "dash-24"} {
		n := 27
		if id == "dash-24" {
			n = 24
		}
		tests := []struct {
			yes  int
			band string
		}{{0, "standard"}, {9, "standard"}, {10, "medium"}, {13, "medium"}, {14, "high"}, {n, "high"}}
		for _, tt := range tests {
			r := mustScore(t, id, yesNo(n, tt.yes), haven.RiskFacts{})
			if r.Score != float64(tt.yes) || r.Band != tt.band || r.High != (tt.band == "high") {
				t.Errorf("%s %d yes: score %v band %s high %v", id, tt.yes, r.Score, r.Band, r.High)
			}
			want := []string{haven.ActionOfferInformation}
			if tt.band == "high" {
				want = []string{haven.ActionFlagHighRisk, haven.ActionAdvocacyTask, haven.ActionConferenceProposal, haven.ActionMARACReferral}
			}
			if !slices.Equal(r.Actions, want) {
				t.Errorf("%s %d yes: actions %v", id, tt.yes, r.Actions)
			}
		}
		r := mustScore(t, id, yesNo(n, 14), haven.RiskFacts{})
		if !hasReason(r, "score 14 is at least 14: High") {
			t.Errorf("%s: reasons %q", id, r.Reasons)
		}
		r = mustScore(t, id, yesNo(n, 10), haven.RiskFacts{})
		if !hasReason(r, "score 10 is at least 10 and below 14: Medium") {
			t.Errorf("%s: reasons %q", id, r.Reasons)
		}
	}
}

func TestDASHOverrides(t *testing.T) {
	tests := []struct {
		name   string
		yes    int
		facts  haven.RiskFacts
		band   string
		reason string
		absent string
	}{
		{"judgement raises standard", 2, haven.RiskFacts{ProfessionalJudgement: true}, "high", "professional judgement: at least High", ""},
		{"judgement raises medium", 11, haven.RiskFacts{ProfessionalJudgement: true}, "high", "professional judgement", ""},
		{"judgement keeps high", 20, haven.RiskFacts{ProfessionalJudgement: true}, "high", "score 20 is at least 14", ""},
		{"2 call-outs", 3, haven.RiskFacts{PoliceCallouts12m: 2}, "standard", "score 3", "potential escalation"},
		{"3 call-outs", 3, haven.RiskFacts{PoliceCallouts12m: 3}, "high", "potential escalation: 3 police call-outs for domestic abuse in 12 months (threshold 3)", ""},
		{"7 call-outs", 12, haven.RiskFacts{PoliceCallouts12m: 7}, "high", "potential escalation: 7 police call-outs", ""},
		{"repeat MARAC", 0, haven.RiskFacts{MARACReferral12m: true}, "high", "repeat: new abuse within 12 months of a MARAC referral", ""},
		{"no repeat", 0, haven.RiskFacts{}, "standard", "score 0", "repeat"},
		{"all three", 1, haven.RiskFacts{ProfessionalJudgement: true, PoliceCallouts12m: 4, MARACReferral12m: true}, "high", "repeat", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustScore(t, "dash", yesNo(27, tt.yes), tt.facts)
			if r.Band != tt.band || !hasReason(r, tt.reason) || (tt.absent != "" && hasReason(r, tt.absent)) {
				t.Fatalf("band %s reasons %q", r.Band, r.Reasons)
			}
			if r.Score != float64(tt.yes) {
				t.Errorf("score %v: overrides change the band, not the score", r.Score)
			}
		})
	}
}

// Judgement raises the band to the judgement band, and never lowers it.
func TestJudgementNeverLowers(t *testing.T) {
	in := countInstrument()
	in.Scoring.JudgementBand = "medium"
	r, err := Score(in, yesNo(5, 5), haven.RiskFacts{ProfessionalJudgement: true})
	if err != nil || r.Band != "high" {
		t.Fatalf("band %s err %v, want high", r.Band, err)
	}
	r, err = Score(in, yesNo(5, 0), haven.RiskFacts{ProfessionalJudgement: true})
	if err != nil || r.Band != "medium" {
		t.Fatalf("band %s err %v, want medium", r.Band, err)
	}
}

func TestODARACategories(t *testing.T) {
	want := []struct {
		band string
		note string
	}{
		{"cat-1", "7%"}, {"cat-2", "17%"}, {"cat-3", "22%"}, {"cat-4", "37%"}, {"cat-5", "41%"},
		{"cat-6", "53%"}, {"cat-6", "53%"},
		{"cat-7", "74%"}, {"cat-7", "74%"}, {"cat-7", "74%"}, {"cat-7", "74%"}, {"cat-7", "74%"}, {"cat-7", "74%"}, {"cat-7", "74%"},
	}
	for score := 0; score <= 13; score++ {
		r := mustScore(t, "odara", yesNo(13, score), haven.RiskFacts{})
		w := want[score]
		high := w.band == "cat-6" || w.band == "cat-7"
		if r.Score != float64(score) || r.Band != w.band || !strings.HasPrefix(r.BandNote, w.note) || r.High != high || r.Prorated {
			t.Errorf("score %d: got %v %s %q high %v prorated %v", score, r.Score, r.Band, r.BandNote, r.High, r.Prorated)
		}
		if high != slices.Contains(r.Actions, haven.ActionFlagHighRisk) {
			t.Errorf("score %d: actions %v", score, r.Actions)
		}
	}
}

func TestODARAProration(t *testing.T) {
	tests := []struct {
		yes, no, missing int
		score            float64
		band             string
	}{
		{3, 10, 0, 3, "cat-4"},
		{3, 9, 1, 3, "cat-4"},  // 3 × 13/12 = 3.25
		{4, 7, 2, 5, "cat-6"},  // 4 × 13/11 = 4.73
		{2, 8, 3, 3, "cat-4"},  // 2 × 13/10 = 2.6
		{1, 8, 4, 1, "cat-2"},  // 1 × 13/9 = 1.44
		{5, 4, 4, 7, "cat-7"},  // 5 × 13/9 = 7.22
		{4, 4, 5, 7, "cat-7"},  // 4 × 13/8 = 6.5, halves round up
		{0, 8, 5, 0, "cat-1"},  // nothing to scale
		{8, 0, 5, 13, "cat-7"}, // never above 13
	}
	for _, tt := range tests {
		a := map[string]string{}
		i := 1
		for range tt.yes {
			a[fmt.Sprintf("q%d", i)] = haven.AnswerYes
			i++
		}
		for range tt.no {
			a[fmt.Sprintf("q%d", i)] = haven.AnswerNo
			i++
		}
		for j := range tt.missing { // mix the three kinds of missing
			switch j % 3 {
			case 0:
				a[fmt.Sprintf("q%d", i)] = haven.AnswerUnknown
			case 1:
				a[fmt.Sprintf("q%d", i)] = haven.AnswerDeclined
			}
			i++
		}
		r := mustScore(t, "odara", a, haven.RiskFacts{})
		if r.Score != tt.score || r.RawScore != float64(tt.yes) || r.Band != tt.band ||
			r.Prorated != (tt.missing > 0) || r.Missing != tt.missing || r.Answered != tt.yes+tt.no {
			t.Errorf("%d yes %d missing: %+v", tt.yes, tt.missing, r)
		}
		if tt.missing > 0 && !hasReason(r, fmt.Sprintf("%d of 13 items missing: raw score %d prorated to %v", tt.missing, tt.yes, tt.score)) {
			t.Errorf("%d yes %d missing: reasons %q", tt.yes, tt.missing, r.Reasons)
		}
	}

	in, _ := builtinSet(t).Get("odara")
	_, err := Score(in, yesNo(7, 3), haven.RiskFacts{}) // 6 missing
	if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != "answers" ||
		!strings.Contains(haven.ErrorMessage(err), "cannot be scored with 6 of its 13 items missing") ||
		!strings.Contains(haven.ErrorMessage(err), "at most 5") {
		t.Errorf("6 missing: %v", err)
	}
}

func TestProrate(t *testing.T) {
	for total := 1; total <= 30; total++ {
		for missing := 0; missing < total; missing++ {
			for raw := 0; raw <= total-missing; raw++ {
				p := prorate(raw, missing, total)
				if p < float64(raw) || p > float64(total) || (missing == 0 && p != float64(raw)) {
					t.Fatalf("prorate(%d, %d, %d) = %v", raw, missing, total, p)
				}
			}
		}
	}
}

func TestNoJudgementOverride(t *testing.T) {
	for _, id := range []string{"danger-assessment", "odara"} {
		in, _ := builtinSet(t).Get(id)
		_, err := Score(in, yesNo(len(in.Items), 2), haven.RiskFacts{ProfessionalJudgement: true})
		if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != "professional_judgement" ||
			haven.ErrorMessage(err) != in.Name+" takes no professional-judgement override" {
			t.Errorf("%s: %v", id, err)
		}
	}
}

func TestAnswerErrors(t *testing.T) {
	tests := []struct {
		id      string
		answers map[string]string
		facts   haven.RiskFacts
		field   string
		message string
	}{
		{"danger-assessment", answers("q2=yes q21=yes"), haven.RiskFacts{}, "answers.q21", `Danger Assessment has no item "q21"`},
		{"lap", answers("weapon=yes"), haven.RiskFacts{}, "answers.weapon", `has no item "weapon"; its items are q1 to q11`},
		{"danger-assessment", answers("q3=maybe"), haven.RiskFacts{}, "answers.q3", "the answer to q3 must be one of yes, no, unknown, declined, never-lived-together"},
		{"danger-assessment", answers("q4=never-lived-together"), haven.RiskFacts{}, "answers.q4", "the answer to q4 must be one of yes, no, unknown, declined"},
		{"dash", answers("q1=Yes"), haven.RiskFacts{}, "answers.q1", "must be one of yes, no, unknown, declined"},
		{"dash", answers("q1=yes"), haven.RiskFacts{PoliceCallouts12m: -1}, "police_callouts_12m", "cannot be negative"},
	}
	for _, tt := range tests {
		in, _ := builtinSet(t).Get(tt.id)
		_, err := Score(in, tt.answers, tt.facts)
		if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != tt.field || !strings.Contains(haven.ErrorMessage(err), tt.message) {
			t.Errorf("%s %v: %v; want field %s %q", tt.id, tt.answers, err, tt.field, tt.message)
		}
	}
	// An empty value is an unanswered item, as from a form with nothing chosen.
	r := mustScore(t, "dash", answers("q1=yes q2="), haven.RiskFacts{})
	if r.Answered != 1 || r.Missing != 26 {
		t.Errorf("empty value: answered %d missing %d", r.Answered, r.Missing)
	}
	if _, err := Score(nil, nil, haven.RiskFacts{}); haven.ErrorCode(err) != haven.EINVALID {
		t.Errorf("nil instrument: %v", err)
	}
}

func TestMaxMissingWeightedSum(t *testing.T) {
	in := countInstrument()
	in.Scoring.Rule = haven.RuleWeightedSum
	in.Scoring.MaxMissing = 1
	if _, err := Score(in, answers("q1=yes q2=no q3=no q4=unknown q5=no"), haven.RiskFacts{}); err != nil {
		t.Errorf("1 missing: %v", err)
	}
	_, err := Score(in, answers("q1=yes q2=no q3=no"), haven.RiskFacts{})
	if haven.ErrorField(err) != "answers" || !strings.Contains(haven.ErrorMessage(err), "with 2 of its 5 items missing") ||
		!strings.Contains(haven.ErrorMessage(err), "at most 1 may be missing") {
		t.Errorf("2 missing: %v", err)
	}
}

// Score takes an instrument built in code too, where actions may repeat.
func TestActionsDeduplicated(t *testing.T) {
	in := countInstrument()
	in.Bands[0].Actions = []string{haven.ActionOfferInformation, haven.ActionAdvocacyTask, haven.ActionOfferInformation}
	r, err := Score(in, nil, haven.RiskFacts{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Actions, []string{haven.ActionOfferInformation, haven.ActionAdvocacyTask}) {
		t.Errorf("actions %v", r.Actions)
	}
	in.Bands[0].Actions = nil
	if r, _ := Score(in, nil, haven.RiskFacts{}); r.Actions == nil || r.Reasons == nil {
		t.Errorf("nil slices in result: %+v", r)
	}
}

func TestResultFields(t *testing.T) {
	r := mustScore(t, "odara", yesNo(13, 5), haven.RiskFacts{})
	if r.Instrument != "odara" || r.Version == "" || r.BandLabel != "Category 6 (scores 5–6)" || r.BandNote == "" {
		t.Errorf("%+v", r)
	}
}

// countInstrument is a small valid count_yes instrument: low < 2 ≤ medium < 4 ≤ high.
func countInstrument() *haven.Instrument {
	two, four := 2.0, 4.0
	in := &haven.Instrument{ID: "test", Version: "1", Name: "Test", Owner: "o", Source: "s", Licence: "l", Wording: "paraphrase",
		Scoring: haven.InstrumentScoring{Rule: haven.RuleCountYes, MaxMissing: -1},
		Bands: []haven.InstrumentBand{
			{ID: "low", Label: "Low"},
			{ID: "medium", Label: "Medium", Min: &two},
			{ID: "high", Label: "High", Min: &four, High: true},
		}}
	for i := 1; i <= 5; i++ {
		in.Items = append(in.Items, haven.InstrumentItem{ID: fmt.Sprintf("q%d", i), Text: "?", Weight: 1})
	}
	return in
}
