package importer

import (
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/nibrs"
)

// GenericSource is the Source of generic records that name none.
const GenericSource = "generic"

// Generic is Haven's own CSV layout, for exports of other records systems.
// Columns are found by name (case-insensitive, "source id" = "source_id");
// others are ignored:
//
//	source_id      required: the record's id in its source; with source, the
//	               key that makes re-imports idempotent
//	source         optional: the source system, lower case a-z 0-9 . _ - (at
//	               most 40); "generic" when the column is absent or empty
//	occurred_at    RFC 3339 with an offset (2024-05-03T23:40:00-05:00)
//	reported_at    RFC 3339; the header needs at least one of the two and each
//	               record a value in one: reported_at defaults to occurred_at;
//	               without occurred_at the occurrence time stays unknown.
//	               A report before the occurrence is rejected
//	latitude,      decimal degrees, both or neither, within ±90 and ±180
//	longitude
//	address        the address (sealed at rest)
//	beat, district as given ("10.0" is read as "10"; no padding)
//	location_type  RESIDENCE, APARTMENT, STREET, …
//	domestic       true/false in any case, t/f, yes/no, y/n, 1/0; empty is false
//	offense_codes  NIBRS offence codes separated by spaces, commas or
//	               semicolons ("13B 290"); each must be a NIBRS code
//	narrative      free text, line breaks allowed, at most 64 KiB (sealed)
func Generic() Format { return genericFormat{} }

type genericFormat struct{}

func (genericFormat) Name() string { return "generic" }

type genericMapper struct {
	n                                                   int
	sourceID, source, occurred, reported, lat, lon      int
	address, beat, district, locType, domestic, offense int
	narrative                                           int
}

func (genericFormat) Header(header []string) (Mapper, error) {
	c := newColumns(header)
	var problems, missing []string
	m := &genericMapper{n: c.n}
	m.sourceID = c.find(&problems, "source id")
	m.source = c.find(&problems, "source")
	m.occurred = c.find(&problems, "occurred at")
	m.reported = c.find(&problems, "reported at")
	m.lat = c.find(&problems, "latitude")
	m.lon = c.find(&problems, "longitude")
	m.address = c.find(&problems, "address")
	m.beat = c.find(&problems, "beat")
	m.district = c.find(&problems, "district")
	m.locType = c.find(&problems, "location type")
	m.domestic = c.find(&problems, "domestic")
	m.offense = c.find(&problems, "offense codes")
	m.narrative = c.find(&problems, "narrative")
	if m.sourceID < 0 {
		missing = append(missing, "source_id")
	}
	if m.occurred < 0 && m.reported < 0 {
		missing = append(missing, "occurred_at or reported_at")
	}
	if (m.lat < 0) != (m.lon < 0) {
		problems = append(problems, "latitude and longitude go together: the header has only one of them")
	}
	if err := headerError("generic", missing, problems); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *genericMapper) Map(rec []string, line int) (*haven.Incident, error) {
	r := row{rec: rec, line: line}
	if len(rec) != m.n {
		return nil, r.errorf("", "has %d fields; the header has %d", len(rec), m.n)
	}
	id, err := r.sourceID("source_id", r.get(m.sourceID))
	if err != nil {
		return nil, err
	}
	source := GenericSource
	if s := strings.ToLower(r.get(m.source)); s != "" {
		if !validSource(s) {
			return nil, r.errorf("source", "%s is not a source name (a-z, 0-9, '.', '_', '-', at most 40)", shown(s))
		}
		source = s
	}
	inc := &haven.Incident{Source: source, SourceID: id}
	occurred, err := r.rfc3339("occurred_at", r.get(m.occurred))
	if err != nil {
		return nil, err
	}
	reported, err := r.rfc3339("reported_at", r.get(m.reported))
	if err != nil {
		return nil, err
	}
	switch {
	case occurred.IsZero() && reported.IsZero():
		return nil, r.errorf("", "neither occurred_at nor reported_at has a value: every record needs one")
	case reported.IsZero():
		reported = occurred
	case !occurred.IsZero() && reported.Before(occurred):
		return nil, r.errorf("reported_at", "%s is before occurred_at", shown(r.get(m.reported)))
	}
	inc.ReportedAt = reported
	if !occurred.IsZero() {
		inc.OccurredAt = &occurred
	}
	if d := r.get(m.domestic); d != "" {
		var ok bool
		if inc.Domestic, ok = parseBool(d); !ok {
			return nil, r.errorf("domestic", "%s is not true or false", shown(d))
		}
	}
	loc := &inc.Location
	if loc.Latitude, loc.Longitude, err = r.coordinates("latitude", r.get(m.lat), "longitude", r.get(m.lon)); err != nil {
		return nil, err
	}
	if loc.Address, err = r.text("address", r.get(m.address), maxAddressLen, false); err != nil {
		return nil, err
	}
	if loc.Beat, err = r.area("beat", r.get(m.beat), 0); err != nil {
		return nil, err
	}
	if loc.District, err = r.area("district", r.get(m.district), 0); err != nil {
		return nil, err
	}
	if loc.LocationType, err = r.text("location_type", r.get(m.locType), maxCodeLen, false); err != nil {
		return nil, err
	}
	if inc.Narrative, err = r.text("narrative", r.get(m.narrative), maxNarrativeLen, true); err != nil {
		return nil, err
	}
	codes := strings.FieldsFunc(r.get(m.offense), func(c rune) bool {
		return c == ' ' || c == ',' || c == ';' || c == '\t'
	})
	seen := map[string]bool{}
	for _, c := range codes {
		c = strings.ToUpper(c)
		if !nibrs.ValidOffense(c) {
			return nil, r.errorf("offense_codes", "%s is not a NIBRS offence code (13A, 13B, 13C, 90Z, …)", shown(c))
		}
		if !seen[c] {
			seen[c] = true
			inc.Offenses = append(inc.Offenses, haven.Offense{Code: c})
		}
	}
	return inc, nil
}

// rfc3339 parses a time with its offset; "" gives the zero time.
func (r row) rfc3339(field, v string) (time.Time, *RowError) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, r.errorf(field, "cannot parse %s as an RFC 3339 time such as 2024-05-03T23:40:00-05:00", shown(v))
	}
	if err := r.inRange(field, v, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func validSource(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
