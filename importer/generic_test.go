package importer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

const genericHeader = "source_id,source,occurred_at,reported_at,latitude,longitude,address,beat,district,location_type,domestic,offense_codes,narrative"

func TestGenericRow(t *testing.T) {
	m := mapper(t, Generic(), genericHeader)
	rec := []string{"CAD-77", "Metro.CAD", "2024-05-03T23:40:00-05:00", "2024-05-04T00:15:00-05:00", "41.86", "-87.70",
		"12 Elm St", "1022", "10.0", "RESIDENCE", "yes", "13b, 290;13B", "Neighbour called.\nBoth parties present."}
	inc, err := m.Map(rec, 2)
	if err != nil {
		t.Fatal(err)
	}
	occ := time.Date(2024, 5, 4, 4, 40, 0, 0, time.UTC)
	want := &haven.Incident{
		Source: "metro.cad", SourceID: "CAD-77",
		OccurredAt: &occ, ReportedAt: time.Date(2024, 5, 4, 5, 15, 0, 0, time.UTC),
		Domestic:  true,
		Location:  haven.Location{Address: "12 Elm St", Latitude: fp(41.86), Longitude: fp(-87.70), Beat: "1022", District: "10", LocationType: "RESIDENCE"},
		Offenses:  []haven.Offense{{Code: "13B"}, {Code: "290"}},
		Narrative: "Neighbour called.\nBoth parties present.",
	}
	if !reflect.DeepEqual(inc, want) {
		t.Errorf("got  %+v\nwant %+v", inc, want)
	}
}

func TestGenericHeader(t *testing.T) {
	for _, tt := range []struct {
		header string
		err    string
	}{
		{"source_id,occurred_at", ""},
		{"Source ID,Reported At", ""},
		{"occurred_at,narrative", "line 1: the header has no column source_id, which the generic format requires"},
		{"source_id,narrative", "line 1: the header has no column occurred_at or reported_at, which the generic format requires"},
		{"narrative", "line 1: the header lacks the columns source_id, occurred_at or reported_at, which the generic format requires"},
		{"source_id,occurred_at,latitude", "line 1: latitude and longitude go together: the header has only one of them"},
	} {
		_, err := Generic().Header(strings.Split(tt.header, ","))
		var he *HeaderError
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.header, err)
		case tt.err != "" && (!errors.As(err, &he) || err.Error() != tt.err):
			t.Errorf("%s: err = %v, want %s", tt.header, err, tt.err)
		}
	}
}

func TestGenericValues(t *testing.T) {
	m := mapper(t, Generic(), "source_id,source,occurred_at,reported_at,domestic,offense_codes,narrative")
	tests := []struct {
		rec   string // fields separated by |
		err   string
		check func(*haven.Incident) bool
	}{
		{"A1||2024-01-01T10:00:00Z|||| ", "", func(i *haven.Incident) bool {
			return i.Source == "generic" && i.ReportedAt.Equal(*i.OccurredAt) && !i.Domestic && i.Offenses == nil && i.Narrative == ""
		}},
		{"A1|||2024-01-01T10:00:00.5+01:00|||", "", func(i *haven.Incident) bool {
			return i.OccurredAt == nil && i.ReportedAt.Equal(time.Date(2024, 1, 1, 9, 0, 0, 5e8, time.UTC))
		}},
		{"A1||2024-01-01T10:00:00Z||FALSE|90z|", "", func(i *haven.Incident) bool { return !i.Domestic && i.Offenses[0].Code == "90Z" }},
		{"A1||||||", "line 7: neither occurred_at nor reported_at has a value: every record needs one", nil},
		{"|x|2024-01-01T10:00:00Z||||", "line 7: column source_id: empty: every record needs its id in the source", nil},
		{"A1|Bad Source|2024-01-01T10:00:00Z||||", `line 7: column source: "bad source" is not a source name (a-z, 0-9, '.', '_', '-', at most 40)`, nil},
		{"A1||2024-01-01 10:00||||", `line 7: column occurred_at: cannot parse "2024-01-01 10:00" as an RFC 3339 time such as 2024-05-03T23:40:00-05:00`, nil},
		{"A1||2024-01-01T10:00:00||||", `line 7: column occurred_at: cannot parse "2024-01-01T10:00:00" as an RFC 3339 time such as 2024-05-03T23:40:00-05:00`, nil},
		{"A1||2024-01-01T10:00:00Z|2024-01-01T09:00:00Z|||", `line 7: column reported_at: "2024-01-01T09:00:00Z" is before occurred_at`, nil},
		{"A1||2024-01-01T10:00:00Z||perhaps||", `line 7: column domestic: "perhaps" is not true or false`, nil},
		{"A1||2024-01-01T10:00:00Z|||13B 13Z|", `line 7: column offense_codes: "13Z" is not a NIBRS offence code (13A, 13B, 13C, 90Z, …)`, nil},
		{"A1||2024-01-01T10:00:00Z||||bell\a", "line 7: column narrative: contains a control character (U+0007)", nil},
		{"A1||2200-01-01T10:00:00Z||||", `line 7: column occurred_at: "2200-01-01T10:00:00Z" is not between 1900 and 2099`, nil},
	}
	for _, tt := range tests {
		inc, err := m.Map(strings.Split(tt.rec, "|"), 7)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err = %v\nwant %s", tt.rec, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.rec, err)
		} else if !tt.check(inc) {
			t.Errorf("%q: unexpected %+v", tt.rec, inc)
		}
	}
	if _, err := m.Map([]string{"A1", "x"}, 8); err == nil || err.Error() != "line 8: has 2 fields; the header has 7" {
		t.Errorf("field count: %v", err)
	}
	long := strings.Repeat("n", maxNarrativeLen+1)
	if _, err := m.Map([]string{"A1", "", "2024-01-01T10:00:00Z", "", "", "", long}, 9); err == nil || err.Error() != "line 9: column narrative: longer than 65536 bytes" {
		t.Errorf("long narrative: %v", err)
	}
}

func TestFormatNamed(t *testing.T) {
	for _, name := range []string{"chicago", "generic"} {
		if f, ok := FormatNamed(name); !ok || f.Name() != name {
			t.Errorf("FormatNamed(%q) = %v, %v", name, f, ok)
		}
	}
	if _, ok := FormatNamed("nibrs"); ok {
		t.Error("FormatNamed(nibrs) found one")
	}
}
