package web

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

func TestIncidentFormApply(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone data")
	}
	form := func(kv ...string) *incidentForm {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return readIncidentForm(v)
	}
	// An imported report's codes the form does not offer survive an edit.
	stored := &haven.Incident{
		Offenses:      []haven.Offense{{Code: "13A", Circumstances: []string{"01", "06"}}, {Code: "220"}, {Code: "13B"}},
		Weapons:       []string{"12", "85"},
		SubstanceUse:  []string{"alcohol", "prescription"},
		Strangulation: &haven.Strangulation{Occurred: true, Signs: []string{"petechiae", "scratches"}},
	}
	f := form("occurred_date", "2026-01-10", "occurred_time", "21:30", "offense", "13A", "offense", "90Z-PO",
		"strangulation", "yes", "sign", "neck marks", "weapon", "40", "substance", "drugs", "latitude", "41.8", "longitude", "-87.6",
		"children_present", "1", "children_witnessed", "1")
	if err := f.apply(stored, loc); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 1, 10, 21, 30, 0, 0, loc)
	if stored.OccurredAt == nil || !stored.OccurredAt.Equal(want) {
		t.Errorf("occurred = %v, want %v", stored.OccurredAt, want)
	}
	if got := stored.Offenses; len(got) != 3 || got[0].Code != "220" || got[1].Code != "13A" || !slices.Equal(got[1].Circumstances, []string{"01"}) ||
		got[2].Code != "90Z" || got[2].Description != "protective-order violation" {
		t.Errorf("offenses = %+v", got)
	}
	if !slices.Equal(stored.Weapons, []string{"12", "40"}) || !slices.Equal(stored.SubstanceUse, []string{"prescription", "drugs"}) {
		t.Errorf("weapons %v, substances %v", stored.Weapons, stored.SubstanceUse)
	}
	if s := stored.Strangulation; s == nil || !s.Occurred || !slices.Equal(s.Signs, []string{"scratches", "neck marks"}) {
		t.Errorf("strangulation = %+v", s)
	}
	if *stored.Location.Latitude != 41.8 || *stored.Location.Longitude != -87.6 || !stored.ChildrenWitnessed {
		t.Errorf("location %+v", stored.Location)
	}
	// Editing it again with the form as shown changes nothing.
	again := *stored
	again.Offenses = slices.Clone(stored.Offenses)
	if err := formOfIncident(stored, loc).apply(&again, loc); err != nil {
		t.Fatal(err)
	}
	if len(again.Offenses) != 3 || again.Offenses[2].Description != "protective-order violation" || !again.OccurredAt.Equal(want) {
		t.Errorf("round trip: %+v", again.Offenses)
	}

	for _, c := range []struct {
		f     *incidentForm
		field string
	}{
		{form("occurred_date", "2026-01-10"), "occurred_time"},
		{form("occurred_time", "21:30"), "occurred_date"},
		{form("occurred_date", "10/01/2026", "occurred_time", "21:30"), "occurred_date"},
		{form("latitude", "41.8"), "longitude"},
		{form("latitude", "north", "longitude", "-87"), "latitude"},
		{form("circumstance_dv", "1", "offense", "13B"), "circumstance_dv"},
		{form("strangulation", "no", "sign", "petechiae"), "strangulation-yes"},
	} {
		err := c.f.apply(&haven.Incident{}, loc)
		if got := haven.ErrorField(err); got != c.field || haven.ErrorCode(err) != haven.EINVALID {
			t.Errorf("%+v: error %v, want field %s", c.f, err, c.field)
		}
	}
	// Leaving the strangulation question unanswered clears it.
	in := &haven.Incident{Strangulation: &haven.Strangulation{Occurred: false}}
	if err := form().apply(in, loc); err != nil || in.Strangulation != nil || in.OccurredAt != nil {
		t.Errorf("blank form: %v %+v", err, in)
	}
}

func TestIncidentFormFields(t *testing.T) {
	for field, input := range map[string]string{
		"occurred_at": "occurred_date", "location.address": "address", "location.latitude": "latitude",
		"offenses[1].circumstances[0]": "offense-0", "weapons[0]": "weapon-0", "strangulation.occurred": "strangulation-yes",
		"narrative": "narrative", "children_present": "children_present",
	} {
		if got := incidentInput(field); got != input {
			t.Errorf("incidentInput(%q) = %q, want %q", field, got, input)
		}
	}
	if got := incidentMessage("location.address must be at most 500 characters", "location.address", "address"); got != "Address must be at most 500 characters" {
		t.Errorf("message = %q", got)
	}
	if got := incidentMessage("occurred_at cannot be after reported_at", "occurred_at", "occurred_date"); got != "Date it happened cannot be after the time of the report" {
		t.Errorf("message = %q", got)
	}
}

func TestBadTimeField(t *testing.T) {
	for body, want := range map[string]string{
		`{"occurred_at":"yesterday"}`:                                     "occurred_at",
		`{"occurred_at":null,"reported_at":"2026-01-01T00:00:00Z"}`:       "",
		`{"arrests":[{"at":"2026-01-01T00:00:00Z"},{"at":5}]}`:            "arrests[1].at",
		`{"statements":[{"taken_at":"2026-13-01T00:00:00Z","text":"x"}]}`: "statements[0].taken_at",
		`not json`: "",
	} {
		if got := badTimeField([]byte(body)); got != want {
			t.Errorf("badTimeField(%s) = %q, want %q", body, got, want)
		}
	}
}
