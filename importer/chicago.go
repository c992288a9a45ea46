package importer

import (
	"strings"
	"time"
	_ "time/tzdata" // America/Chicago must load even where the system has no zone files

	"github.com/haven-dv/haven"
)

// ChicagoSource is the Source of incidents imported in the Chicago format.
const ChicagoSource = "chicago"

// chicagoLayout is the portal's date format, local time in Chicago.
const (
	chicagoLayout     = "01/02/2006 03:04:05 PM"
	chicagoLayoutText = "MM/DD/YYYY hh:mm:ss AM/PM"
)

var chicagoZone = mustZone("America/Chicago")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded: cannot happen
	}
	return loc
}

// Chicago is the City of Chicago open-data format ("Crimes - 2001 to
// present", ijzp-q8t2), in both the portal's 22-column form (Latitude,
// Longitude, Location) and the 21-column form of the UCR 100k sample, whose
// columns x and y are the longitude and latitude. Columns are found by name;
// unknown or unnamed columns (a leading row number) are ignored; the API's
// snake_case names (fbi_code) match too.
//
// Required columns: ID, Date, Domestic. Each record becomes:
//
//	ID                    Source "chicago", SourceID (the portal's unique id)
//	Date                  OccurredAt and ReportedAt (the portal has no separate report
//	                      time), read as MM/DD/YYYY hh:mm:ss AM/PM in America/Chicago
//	                      (also the API's 2006-01-02T15:04:05[.000]), stored in UTC
//	Block                 Location.Address (block-level, still sealed as an address)
//	Location Description  Location.LocationType (RESIDENCE, APARTMENT, STREET, …)
//	Beat, District        Location.Beat, Location.District: "10.0" becomes "10", then
//	                      all-digit values are zero-padded as on the portal, beats to 4
//	                      digits ("313" → "0313") and districts to 3 ("10" → "010")
//	Latitude, Longitude   Location.Latitude/Longitude; else y, x; else Location
//	                      "(lat, lon)". Both or neither; latitude within ±90, longitude
//	                      within ±180. Chicago's own bounds are not enforced.
//	Domestic              Domestic: true/false in any case, also t/f, yes/no, y/n, 1/0
//	IUCR, FBI Code,       SourceCodes iucr (zero-padded to 4 digits), fbi_code,
//	Primary Type,         primary_type, description, case_number, and arrest
//	Description,          ("true"/"false", from the Arrest flag: there is no arrested
//	Case Number, Arrest   person to record an Arrest for)
//	IUCR / FBI Code       Offenses: see fbiToNIBRS and iucrOffense; none when unmapped
//
// Ward, Community Area, X/Y Coordinate (state plane), Year and Updated On
// are not imported. No people are created: Parties stay empty.
func Chicago() Format { return chicagoFormat{} }

type chicagoFormat struct{}

func (chicagoFormat) Name() string { return "chicago" }

type chicagoMapper struct {
	n                                          int
	id, caseNumber, date, block, iucr, primary int
	description, locDesc, arrest, domestic     int
	beat, district, fbi                        int
	lat, lon, location                         int
	latName, lonName                           string
}

func (chicagoFormat) Header(header []string) (Mapper, error) {
	c := newColumns(header)
	var problems, missing []string
	m := &chicagoMapper{n: c.n}
	m.id = c.find(&problems, "id")
	m.caseNumber = c.find(&problems, "case number")
	m.date = c.find(&problems, "date")
	m.block = c.find(&problems, "block")
	m.iucr = c.find(&problems, "iucr")
	m.primary = c.find(&problems, "primary type")
	m.description = c.find(&problems, "description")
	m.locDesc = c.find(&problems, "location description")
	m.arrest = c.find(&problems, "arrest")
	m.domestic = c.find(&problems, "domestic")
	m.beat = c.find(&problems, "beat")
	m.district = c.find(&problems, "district")
	m.fbi = c.find(&problems, "fbi code")
	m.location = -1
	lat, lon := c.find(&problems, "latitude"), c.find(&problems, "longitude")
	y, x := c.find(&problems, "y"), c.find(&problems, "x")
	switch {
	case lat >= 0 || lon >= 0:
		if lat < 0 || lon < 0 {
			problems = append(problems, "Latitude and Longitude go together: the header has only one of them")
		}
		m.lat, m.lon, m.latName, m.lonName = lat, lon, "Latitude", "Longitude"
	case x >= 0 || y >= 0:
		if x < 0 || y < 0 {
			problems = append(problems, "x (longitude) and y (latitude) go together: the header has only one of them")
		}
		m.lat, m.lon, m.latName, m.lonName = y, x, "y", "x"
	default:
		m.lat, m.lon = -1, -1
		m.location = c.find(&problems, "location")
	}
	for _, req := range []struct {
		name string
		i    int
	}{{"ID", m.id}, {"Date", m.date}, {"Domestic", m.domestic}} {
		if req.i < 0 {
			missing = append(missing, req.name)
		}
	}
	if err := headerError("chicago", missing, problems); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *chicagoMapper) Map(rec []string, line int) (*haven.Incident, error) {
	r := row{rec: rec, line: line}
	if len(rec) != m.n {
		return nil, r.errorf("", "has %d fields; the header has %d", len(rec), m.n)
	}
	id, err := r.sourceID("ID", r.get(m.id))
	if err != nil {
		return nil, err
	}
	at, err := r.chicagoDate("Date", r.get(m.date))
	if err != nil {
		return nil, err
	}
	domestic, ok := parseBool(r.get(m.domestic))
	if !ok {
		return nil, r.errorf("Domestic", "%s is not true or false", shown(r.get(m.domestic)))
	}
	inc := &haven.Incident{
		Source:     ChicagoSource,
		SourceID:   id,
		ReportedAt: at,
		OccurredAt: &at,
		Domestic:   domestic,
	}
	loc := &inc.Location
	if loc.Address, err = r.text("Block", r.get(m.block), maxAddressLen, false); err != nil {
		return nil, err
	}
	if loc.LocationType, err = r.text("Location Description", r.get(m.locDesc), maxCodeLen, false); err != nil {
		return nil, err
	}
	if loc.Beat, err = r.area("Beat", r.get(m.beat), 4); err != nil {
		return nil, err
	}
	if loc.District, err = r.area("District", r.get(m.district), 3); err != nil {
		return nil, err
	}
	if m.location >= 0 {
		loc.Latitude, loc.Longitude, err = r.chicagoPoint(r.get(m.location))
	} else if m.lat >= 0 {
		loc.Latitude, loc.Longitude, err = r.coordinates(m.latName, r.get(m.lat), m.lonName, r.get(m.lon))
	}
	if err != nil {
		return nil, err
	}

	codes := make(map[string]string, 6)
	iucr := r.get(m.iucr)
	if allDigits(iucr) && len(iucr) < 4 {
		iucr = strings.Repeat("0", 4-len(iucr)) + iucr
	}
	iucr = strings.ToUpper(iucr)
	fbi := strings.ToUpper(r.get(m.fbi))
	for _, f := range []struct{ key, field, v string }{
		{"iucr", "IUCR", iucr},
		{"fbi_code", "FBI Code", fbi},
		{"primary_type", "Primary Type", r.get(m.primary)},
		{"description", "Description", r.get(m.description)},
		{"case_number", "Case Number", r.get(m.caseNumber)},
	} {
		if f.v == "" {
			continue
		}
		v, err := r.text(f.field, f.v, maxCodeLen, false)
		if err != nil {
			return nil, err
		}
		codes[f.key] = v
	}
	if a := r.get(m.arrest); a != "" {
		arrest, ok := parseBool(a)
		if !ok {
			return nil, r.errorf("Arrest", "%s is not true or false", shown(a))
		}
		codes["arrest"] = "false"
		if arrest {
			codes["arrest"] = "true"
		}
	}
	if len(codes) > 0 {
		inc.SourceCodes = codes
	}
	inc.Offenses = chicagoOffenses(iucr, fbi, domestic)
	return inc, nil
}

// chicagoDate parses the portal's local time into UTC.
func (r row) chicagoDate(field, v string) (time.Time, *RowError) {
	if v == "" {
		return time.Time{}, r.errorf(field, "empty: every record needs its date")
	}
	layout := chicagoLayout
	if strings.IndexByte(v, 'T') > 0 { // the API's floating timestamp
		layout = "2006-01-02T15:04:05"
		if strings.IndexByte(v, '.') > 0 {
			layout = "2006-01-02T15:04:05.999999999"
		}
	}
	t, err := time.ParseInLocation(layout, v, chicagoZone)
	if err != nil {
		return time.Time{}, r.errorf(field, "cannot parse %s as %s", shown(v), chicagoLayoutText)
	}
	if err := r.inRange(field, v, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// chicagoPoint parses the portal's Location column, "(41.86, -87.70)".
func (r row) chicagoPoint(v string) (*float64, *float64, *RowError) {
	if v == "" {
		return nil, nil, nil
	}
	inner, ok := strings.CutPrefix(v, "(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	lat, lon, comma := strings.Cut(inner, ",")
	if !ok || !comma {
		return nil, nil, r.errorf("Location", "cannot parse %s as (latitude, longitude)", shown(v))
	}
	return r.coordinates("Location", strings.TrimSpace(lat), "Location", strings.TrimSpace(lon))
}
