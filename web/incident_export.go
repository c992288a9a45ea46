package web

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// Incident exports for analysis: CSV and GeoJSON (RFC 7946). They carry
// codes, times, beats and coordinates, never anything that names or
// locates a person: no party, no name, no address text, no narrative, no
// statement, no free-text description. That holds for every caller,
// whatever the store lets them read; the export is built here from an
// explicit list of fields, so a field added to haven.Incident later stays
// out until someone adds it on purpose.
//
// Coordinates are rounded to 3 decimal places (about 100 m, a city block):
// the exact point of a domestic-violence incident is usually someone's
// home, which is an address in all but name.

// exportBatch is how many incidents an export reads at a time.
const exportBatch = maxIncidentPage

// exportCoordDecimals is the precision of exported coordinates.
const exportCoordDecimals = 3

func roundCoord(v float64) float64 {
	p := math.Pow(10, exportCoordDecimals)
	return math.Round(v*p) / p
}

// exportRow is one incident as exports show it.
type exportRow struct {
	Number        string   `json:"number"`
	Status        string   `json:"status"`
	ReportedAt    string   `json:"reported_at"`
	OccurredAt    *string  `json:"occurred_at"`
	Domestic      bool     `json:"domestic"`
	Beat          string   `json:"beat"`
	District      string   `json:"district"`
	LocationType  string   `json:"location_type"`
	OffenseCodes  []string `json:"offense_codes"`
	Circumstances []string `json:"circumstance_codes"`
	WeaponCodes   []string `json:"weapon_codes"`
	Strangulation bool     `json:"strangulation"`
	Firearms      bool     `json:"firearms_present"`
	Children      bool     `json:"children_present"`
	ChildrenSaw   bool     `json:"children_witnessed"`
	Injuries      int      `json:"injuries"`
	Arrests       int      `json:"arrests"`

	lat, lon *float64
}

func exportOf(in *haven.Incident) exportRow {
	e := exportRow{Number: in.Number, Status: string(in.Status), ReportedAt: in.ReportedAt.UTC().Format(time.RFC3339),
		Domestic: in.Domestic, Beat: in.Location.Beat, District: in.Location.District, LocationType: in.Location.LocationType,
		OffenseCodes: []string{}, Circumstances: []string{}, WeaponCodes: []string{},
		Strangulation: in.Strangulation != nil && in.Strangulation.Occurred, Firearms: in.FirearmsPresent,
		Children: in.ChildrenPresent, ChildrenSaw: in.ChildrenWitnessed, Injuries: len(in.Injuries), Arrests: len(in.Arrests)}
	if in.OccurredAt != nil {
		s := in.OccurredAt.UTC().Format(time.RFC3339)
		e.OccurredAt = &s
	}
	seen := map[string]bool{}
	for _, o := range in.Offenses {
		e.OffenseCodes = append(e.OffenseCodes, o.Code)
		for _, c := range o.Circumstances {
			if !seen[c] {
				seen[c] = true
				e.Circumstances = append(e.Circumstances, c)
			}
		}
	}
	e.WeaponCodes = append(e.WeaponCodes, in.Weapons...)
	if in.Location.Latitude != nil && in.Location.Longitude != nil {
		lat, lon := roundCoord(*in.Location.Latitude), roundCoord(*in.Location.Longitude)
		if lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			e.lat, e.lon = &lat, &lon
		}
	}
	return e
}

var incidentCSVHeader = []string{"number", "status", "reported_at", "occurred_at", "domestic", "beat", "district", "location_type",
	"latitude", "longitude", "offense_codes", "circumstance_codes", "weapon_codes", "strangulation", "firearms_present",
	"children_present", "children_witnessed", "injuries", "arrests"}

func (e exportRow) csv() []string {
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	occ := ""
	if e.OccurredAt != nil {
		occ = *e.OccurredAt
	}
	// Text that came from a report or an import is neutralised against
	// spreadsheet formulas; numbers, times and flags written here are not
	// (a negative longitude must stay a number).
	t := csvSafe
	return []string{t(e.Number), t(e.Status), e.ReportedAt, occ, strconv.FormatBool(e.Domestic), t(e.Beat), t(e.District),
		t(e.LocationType), f(e.lat), f(e.lon), t(strings.Join(e.OffenseCodes, ";")), t(strings.Join(e.Circumstances, ";")),
		t(strings.Join(e.WeaponCodes, ";")), strconv.FormatBool(e.Strangulation), strconv.FormatBool(e.Firearms),
		strconv.FormatBool(e.Children), strconv.FormatBool(e.ChildrenSaw), strconv.Itoa(e.Injuries), strconv.Itoa(e.Arrests)}
}

// exportIncidents reads the filter's incidents batch by batch and hands
// each to emit. The first batch is read before anything is written, so a
// refusal or a bad filter is a clean error answer; a failure after that
// breaks the connection, so half an export never passes for a whole one.
func (s *Server) exportIncidents(w http.ResponseWriter, r *http.Request, start func(), emit func(exportRow), end func()) {
	ctx := r.Context()
	loc, err := s.callerLocation(r)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("limit")
	q.Del("offset")
	f, err := incidentFilter(q, loc)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	f.Limit, f.Offset, f.Export = exportBatch, 0, true
	batch, err := s.svc.Incidents.FindIncidents(ctx, f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	start()
	for {
		for _, in := range batch {
			emit(exportOf(in))
		}
		if len(batch) < exportBatch {
			break
		}
		f.Offset += len(batch)
		if batch, err = s.svc.Incidents.FindIncidents(ctx, f); err != nil {
			s.log.ErrorContext(ctx, "incident export failed", "request_id", requestID(ctx), "err", err.Error())
			end()
			panic(http.ErrAbortHandler)
		}
	}
	end()
}

func exportName(ext string) string {
	return "haven-incidents-" + time.Now().UTC().Format("20060102-150405") + "." + ext
}

func (s *Server) apiExportIncidentsCSV(w http.ResponseWriter, r *http.Request) {
	var cw *csv.Writer
	s.exportIncidents(w, r, func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+exportName("csv")+`"`)
		w.WriteHeader(http.StatusOK)
		cw = csv.NewWriter(w)
		cw.Write(incidentCSVHeader)
	}, func(e exportRow) {
		cw.Write(e.csv())
	}, func() {
		cw.Flush()
	})
}

// geoFeature is one RFC 7946 Feature: a Point at [longitude, latitude].
type geoFeature struct {
	Type       string    `json:"type"`
	ID         string    `json:"id,omitempty"`
	Geometry   geoPoint  `json:"geometry"`
	Properties exportRow `json:"properties"`
}

type geoPoint struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

// apiExportIncidentsGeoJSON writes a FeatureCollection of the incidents
// that have coordinates, one Point each; the CSV has them all. It is
// streamed feature by feature, so its size does not bound the export.
func (s *Server) apiExportIncidentsGeoJSON(w http.ResponseWriter, r *http.Request) {
	n := 0
	s.exportIncidents(w, r, func() {
		w.Header().Set("Content-Type", "application/geo+json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+exportName("geojson")+`"`)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"type":"FeatureCollection","features":[`))
	}, func(e exportRow) {
		if e.lat == nil || e.lon == nil {
			return
		}
		b, err := json.Marshal(geoFeature{Type: "Feature", Geometry: geoPoint{Type: "Point", Coordinates: [2]float64{*e.lon, *e.lat}},
			Properties: e, ID: e.Number})
		if err != nil {
			return
		}
		if n > 0 {
			w.Write([]byte(","))
		}
		n++
		w.Write(b)
	}, func() {
		w.Write([]byte("]}\n"))
	})
}
