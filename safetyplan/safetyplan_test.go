package safetyplan

import (
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/risk"
)

// yes answers the items named yes and every other item of the built-in
// instrument no.
func yes(t *testing.T, instrument string, items ...string) map[string]string {
	t.Helper()
	list, err := risk.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if in.ID == instrument {
			out := map[string]string{}
			for _, it := range in.Items {
				out[it.ID] = haven.AnswerNo
			}
			for _, id := range items {
				out[id] = haven.AnswerYes
			}
			return out
		}
	}
	t.Fatalf("no built-in instrument %s", instrument)
	return nil
}

func TestFactors(t *testing.T) {
	for _, tc := range []struct {
		name, instrument string
		answers          map[string]string // nil: every item no
		yes              []string
		want             []string
	}{
		{"lap: nothing", "lap", nil, nil, []string{}},
		{"lap: gun and choking", "lap", nil, []string{"q4", "q5"}, []string{Firearms, Strangulation}},
		{"lap: weapon, threat, jealousy, left, follows", "lap", nil, []string{"q1", "q2", "q6", "q7", "q11"},
			[]string{ThreatsToKill, Weapons, Stalking, Separation, JealousyControl}},
		{"lap: items that indicate no factor", "lap", nil, []string{"q3", "q8", "q9", "q10"}, []string{}},
		{"danger assessment: all the mapped items", "danger-assessment", nil,
			[]string{"q2", "q3", "q5", "q6", "q10", "q13", "q14", "q15", "q17", "q19"},
			[]string{Firearms, Strangulation, ThreatsToKill, Weapons, Stalking, Separation, ChildThreats, JealousyControl, Pregnancy}},
		{"danger assessment: never lived together is not a separation", "danger-assessment",
			map[string]string{"q3": "never-lived-together", "q2": "no"}, nil, []string{}},
		{"dash: children hurt or threatened", "dash", nil, []string{"q11"}, []string{ChildThreats}},
		{"dash: children threatened, pregnancy, strangling", "dash", nil, []string{"q12", "q9", "q18"},
			[]string{Strangulation, ChildThreats, Pregnancy}},
		{"dash: stalking and separation", "dash", nil, []string{"q6", "q8"}, []string{Stalking, Separation}},
		{"dash-24: its own numbering", "dash-24", nil, []string{"q12", "q13", "q14", "q15"},
			[]string{Strangulation, ThreatsToKill, Weapons, JealousyControl}},
		{"dash-24: q11 is not about children", "dash-24", nil, []string{"q11"}, []string{}},
		{"odara: threat and pregnancy", "odara", nil, []string{"q5", "q12"}, []string{ThreatsToKill, Pregnancy}},
		{"answers are read without case and space", "lap", map[string]string{"q4": " YES "}, nil, []string{Firearms}},
		{"unknown and declined are not yes", "lap", map[string]string{"q4": "unknown", "q5": "declined"}, nil, []string{}},
		{"an unknown instrument", "home-made", map[string]string{"q4": "yes"}, nil, []string{}},
		{"no answers", "lap", map[string]string{}, nil, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers := tc.answers
			if answers == nil {
				answers = yes(t, tc.instrument, tc.yes...)
			}
			if got := Factors(tc.instrument, answers); !slices.Equal(got, tc.want) {
				t.Fatalf("Factors = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMappingMatchesTheInstruments checks the mapping against the
// built-in definitions: every item named exists, the versions are the
// built-in ones, and each item's wording is about its factor.
func TestMappingMatchesTheInstruments(t *testing.T) {
	list, err := risk.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	words := map[string][]string{
		Firearms: {"gun"}, Strangulation: {"strangle", "choke"}, Stalking: {"follow", "stalk"},
		ChildThreats: {"children"}, Separation: {"left", "separated"}, Weapons: {"weapon"}, ThreatsToKill: {"kill", "threat"},
		JealousyControl: {"jealous", "control"}, Pregnancy: {"pregnan"},
	}
	seen := 0
	for _, in := range list {
		items := instrumentFactors[in.ID]
		if items == nil {
			t.Errorf("built-in instrument %s has no mapping", in.ID)
			continue
		}
		seen++
		if !Knows(in.ID, in.Version) {
			t.Errorf("%s version %s is not the mapped version", in.ID, in.Version)
		}
		for id, fs := range items {
			var text string
			for _, it := range in.Items {
				if it.ID == id {
					text = strings.ToLower(it.Text)
				}
			}
			if text == "" {
				t.Errorf("%s has no item %s", in.ID, id)
				continue
			}
			for _, f := range fs {
				ok := false
				for _, w := range words[f] {
					ok = ok || strings.Contains(text, w)
				}
				if !ok {
					t.Errorf("%s %s (%q) does not read like %s", in.ID, id, text, f)
				}
			}
		}
	}
	if seen != len(instrumentFactors) {
		t.Errorf("mapped %d instruments, %d are built in", len(instrumentFactors), seen)
	}
	if Knows("lap", "1999") || Knows("home-made", "") {
		t.Error("Knows accepts what it was not written for")
	}
}

func TestIncidentFactors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   haven.Incident
		want []string
	}{
		{"nothing", haven.Incident{}, []string{}},
		{"firearms present", haven.Incident{FirearmsPresent: true}, []string{Firearms}},
		{"strangulation recorded", haven.Incident{Strangulation: &haven.Strangulation{Occurred: true}}, []string{Strangulation}},
		{"strangulation asked, not occurred", haven.Incident{Strangulation: &haven.Strangulation{}}, []string{}},
		{"a handgun used", haven.Incident{Weapons: []string{"12"}}, []string{Firearms}},
		{"asphyxiation", haven.Incident{Weapons: []string{"85"}}, []string{Strangulation}},
		{"a knife and hands", haven.Incident{Weapons: []string{" 20", "40"}}, []string{Weapons}},
		{"hands only", haven.Incident{Weapons: []string{"40", "99"}}, []string{}},
		{"everything", haven.Incident{FirearmsPresent: true, Weapons: []string{"15A", "30", "85"}}, []string{Firearms, Strangulation, Weapons}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IncidentFactors(&tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("IncidentFactors = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	sectionsOf := func(ss []haven.PlanSection) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Key)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		factors  []string
		sections []string
		contains map[string]string // section → a text fragment one of its items must have
	}{
		{"none", nil, nil, nil},
		{"unknown factors are ignored", []string{"aliens"}, nil, nil},
		{"firearms", []string{Firearms}, []string{"during_incident", "after_leaving", "protective_order"},
			map[string]string{"protective_order": "guns to be handed in", "during_incident": "where the guns are kept"}},
		{"strangulation", []string{Strangulation}, []string{"during_incident", "protective_order"},
			map[string]string{"during_incident": "medical check", "protective_order": "photograph"}},
		{"stalking", []string{Stalking}, []string{"after_leaving", "work_school", "technology", "protective_order"},
			map[string]string{"after_leaving": "routes", "protective_order": "log", "technology": "tracking", "work_school": "security"}},
		{"threats to children", []string{ChildThreats}, []string{"children"},
			map[string]string{"children": "pick up"}},
		{"separation", []string{Separation}, []string{"preparing_to_leave", "after_leaving"},
			map[string]string{"after_leaving": "locks"}},
		{"jealousy and control", []string{JealousyControl}, []string{"technology", "emotional_health"},
			map[string]string{"technology": "location sharing"}},
		{"pregnancy", []string{Pregnancy}, []string{"during_incident", "preparing_to_leave"}, map[string]string{"preparing_to_leave": "midwife"}},
		{"order of factors does not matter", []string{Pregnancy, Firearms},
			[]string{"during_incident", "preparing_to_leave", "after_leaving", "protective_order"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Suggest(tc.factors)
			if !slices.Equal(sectionsOf(got), tc.sections) {
				t.Fatalf("sections = %v, want %v", sectionsOf(got), tc.sections)
			}
			for _, s := range got {
				if s.Title != SectionTitle(s.Key) || len(s.Items) == 0 {
					t.Errorf("section %+v", s)
				}
				for _, it := range s.Items {
					if !slices.Contains(tc.factors, it.Suggested) || it.Done || it.Text == "" || len(it.Text) > MaxItemText {
						t.Errorf("item %+v", it)
					}
				}
			}
			for key, frag := range tc.contains {
				found := false
				for _, s := range got {
					for _, it := range s.Items {
						found = found || (s.Key == key && strings.Contains(it.Text, frag))
					}
				}
				if !found {
					t.Errorf("no item with %q in %s", frag, key)
				}
			}
		})
	}
	// Items in display order of their factors: firearms before pregnancy.
	got := Suggest([]string{Pregnancy, Firearms})
	if first := got[0].Items[0]; first.Suggested != Firearms {
		t.Errorf("first item %+v, want a firearms item", first)
	}
}

// TestSuggestionWording keeps suggested texts usable on the discreet
// printout, which shows item texts as written.
func TestSuggestionWording(t *testing.T) {
	for _, sec := range Suggest(AllFactors()) {
		for _, it := range sec.Items {
			low := strings.ToLower(it.Text)
			for _, w := range []string{"abuse", "violence", "safety plan", "haven", "domestic"} {
				if strings.Contains(low, w) {
					t.Errorf("%s: %q says %q", sec.Key, it.Text, w)
				}
			}
		}
	}
}

func TestWithout(t *testing.T) {
	sug := Suggest([]string{Separation})
	plan := &haven.SafetyPlan{Sections: []haven.PlanSection{{Key: "after_leaving", Items: []haven.PlanItem{
		{Text: "  change THE locks,   and secure the windows and doors. "}}}}}
	got := Without(sug, plan)
	for _, s := range got {
		for _, it := range s.Items {
			if strings.Contains(it.Text, "locks") {
				t.Fatalf("an item already in the plan is suggested again: %+v", it)
			}
		}
	}
	if len(got) != 2 || len(got[1].Items) != len(sug[1].Items)-1 {
		t.Fatalf("Without = %+v", got)
	}
	// A plan that has every item leaves nothing.
	full := &haven.SafetyPlan{Sections: sug}
	if got := Without(sug, full); len(got) != 0 {
		t.Fatalf("Without(full) = %+v", got)
	}
	if got := Without(sug, nil); len(got) != len(sug) {
		t.Fatalf("Without(nil) = %+v", got)
	}
}
