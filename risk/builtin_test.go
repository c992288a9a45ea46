package risk

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/haven-dv/haven"
)

func TestBuiltin(t *testing.T) {
	list, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range list {
		ids = append(ids, in.ID)
	}
	if want := []string{"lap", "danger-assessment", "dash", "dash-24", "odara"}; !slices.Equal(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	tests := map[string]struct {
		items    int
		subject  string
		rule     string
		judgment string
		max      int
	}{
		"lap":               {11, "victim", haven.RuleScreen, "screened-in", -1},
		"danger-assessment": {20, "victim", haven.RuleWeightedSum, "", -1},
		"dash":              {27, "victim", haven.RuleCountYes, "high", -1},
		"dash-24":           {24, "victim", haven.RuleCountYes, "high", -1},
		"odara":             {13, "offender", haven.RuleCountYes, "", 5},
	}
	for _, in := range list {
		tt := tests[in.ID]
		if len(in.Items) != tt.items || in.Subject != tt.subject || in.Scoring.Rule != tt.rule ||
			in.Scoring.JudgementBand != tt.judgment || in.Scoring.MaxMissing != tt.max {
			t.Errorf("%s: items %d subject %q rule %q judgement %q max_missing %d, want %+v", in.ID,
				len(in.Items), in.Subject, in.Scoring.Rule, in.Scoring.JudgementBand, in.Scoring.MaxMissing, tt)
		}
		if in.File != "builtin:"+in.ID+".json" {
			t.Errorf("%s: file %q", in.ID, in.File)
		}
		if in.Wording != "paraphrase" {
			t.Errorf("%s: wording %q", in.ID, in.Wording)
		}
	}
}

func TestBuiltinCached(t *testing.T) {
	a, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	a[0] = nil // the caller's slice is its own
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] == nil || b[0].ID != "lap" {
		t.Fatalf("Builtin returned the caller's modified slice")
	}
	if b[1] != a[1] {
		t.Errorf("Builtin parsed again instead of using its cache")
	}
}

// The shipped DASH forms: the SafeLives checklist is the police form
// without the three questions on children and dependants (q10–q12).
func TestDashForms(t *testing.T) {
	set := builtinSet(t)
	police, _ := set.Get("dash")
	safelives, _ := set.Get("dash-24")
	var want []string
	for i, it := range police.Items {
		if i < 9 || i > 11 {
			want = append(want, it.Text)
		}
	}
	var got []string
	for _, it := range safelives.Items {
		got = append(got, it.Text)
	}
	if !slices.Equal(got, want) {
		t.Errorf("dash-24 items are not dash without q10–q12")
	}
	for _, id := range []string{"dash", "dash-24"} {
		in, _ := set.Get(id)
		sc := in.Scoring
		if sc.EscalationCallouts != 3 || sc.EscalationBand != "high" || sc.RepeatBand != "high" {
			t.Errorf("%s: scoring %+v", id, sc)
		}
	}
}

func TestDAWeights(t *testing.T) {
	in, _ := builtinSet(t).Get("danger-assessment")
	want := []float64{1, 5, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}
	for i, it := range in.Items {
		if it.Weight != want[i] {
			t.Errorf("%s: weight %v, want %v", it.ID, it.Weight, want[i])
		}
	}
	if o := in.Items[2].Options; len(o) != 1 || o[0].Value != "never-lived-together" || o[0].Score != -3 {
		t.Errorf("q3 options %+v", o)
	}
}

func TestLoad(t *testing.T) {
	lap := builtinFile(t, "lap.json")
	custom := strings.Replace(lap, `"id": "lap"`, `"id": "custom"`, 1)
	fsys := fstest.MapFS{
		"instruments/b.json":        {Data: []byte(lap)},
		"instruments/a.json":        {Data: []byte(custom)},
		"instruments/README.md":     {Data: []byte("not an instrument")},
		"instruments/metro/c.json":  {Data: []byte("{broken")}, // another agency's: not read
		"instruments/notes.json.bk": {Data: []byte("{broken")},
	}
	list, err := Load(fsys, "instruments")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "custom" || list[1].ID != "lap" {
		t.Fatalf("Load: %d instruments", len(list))
	}
	if list[0].File != "instruments/a.json" {
		t.Errorf("file %q", list[0].File)
	}

	// An invalid file stops the load, naming the file.
	_, err = Load(fsys, "instruments/metro")
	if err == nil || !strings.Contains(err.Error(), "instruments/metro/c.json: ") {
		t.Errorf("invalid file: %v", err)
	}
	// Two files with one id.
	fsys["instruments/c.json"] = &fstest.MapFile{Data: []byte(lap)}
	_, err = Load(fsys, "instruments")
	if err == nil || !strings.Contains(err.Error(), `instruments/c.json: instrument "lap" is already defined in instruments/b.json`) {
		t.Errorf("duplicate id: %v", err)
	}
	// A missing directory wraps fs.ErrNotExist, so the caller can skip it.
	if _, err := Load(fsys, "nowhere"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
}

func TestNewSet(t *testing.T) {
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	mine := *builtin[2] // dash
	mine.Name = "Our DASH"
	extra := &haven.Instrument{ID: "extra", Name: "Extra"}
	agencyWide := []*haven.Instrument{&mine, extra}
	again := *builtin[2]
	again.Name = "Agency DASH"
	agency := []*haven.Instrument{&again, nil}

	set := NewSet(builtin, agencyWide, agency)
	var ids []string
	for _, in := range set.List() {
		ids = append(ids, in.ID)
	}
	if want := []string{"lap", "danger-assessment", "dash", "dash-24", "odara", "extra"}; !slices.Equal(ids, want) {
		t.Fatalf("order %v, want %v", ids, want)
	}
	if in, ok := set.Get("dash"); !ok || in.Name != "Agency DASH" {
		t.Errorf("dash is %v, want the agency's", in)
	}
	if in := set.List()[2]; in.Name != "Agency DASH" {
		t.Errorf("List()[2] is %q", in.Name)
	}
	if _, ok := set.Get("nope"); ok {
		t.Error("Get(nope) found something")
	}
	set.List()[0] = nil
	if set.List()[0] == nil {
		t.Error("List returned the set's own slice")
	}
	var empty *Set
	if _, ok := empty.Get("lap"); ok || empty.List() != nil {
		t.Error("a nil set is not empty")
	}
}

func builtinSet(t testing.TB) *Set {
	t.Helper()
	list, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return NewSet(list)
}

func builtinFile(t testing.TB, name string) string {
	t.Helper()
	data, err := builtinFS.ReadFile("instruments/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
