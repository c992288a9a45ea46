package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/analytics"
)

// The analytics map (issue 8): hotspot cells (Getis-Ord Gi*), a kernel
// density surface and the agency's district boundaries, as GeoJSON for
// the map page and for analysts' own tools.
//
// Privacy. Incident positions never leave the server: the API answers with
// grid cells only (a cell's polygon and centre, its count and statistics),
// never an address, a coordinate of an incident, or a name. Cells are at
// least Config.MinCellM (default 100 m) wide, and the map cannot zoom
// closer than Config.MapMaxZoom (default 15), so a cell never shrinks to
// one address. Who may ask is decided by the store (IncidentPoints):
// analysts, supervisors and the agency's administrator, for their own
// agency only — every caller of this API is therefore inside the owning
// agency, and sees exact counts.
//
// "Outside the owning agency": a response is treated as leaving the agency
// when the caller says so with export=true (a download meant for sharing:
// a partner agency, a report, a presentation). Then counts 1..threshold−1
// are written as "<threshold" (Config.SuppressThreshold, default 5) and
// the statistics that would let a reader recompute them (gi_z, p-values,
// mean, sd, n_points) are left out; only the classes remain. A caller of
// another agency is refused by the store and never reaches this point.
// The density surface is never offered with export=true: a kernel's peak
// over a lone incident reveals it (see package analytics).

// Defaults of the map's privacy limits.
const (
	DefaultMapMaxZoom = 15
	DefaultMinCellM   = 100.0
	defaultCellM      = 250.0
	defaultBandwidthM = 1000.0
	mapTopCells       = 15 // rows of the page's table of the hottest cells
)

//go:embed templates/layout.html templates/analytics/map*.html
var mapTemplateFS embed.FS

// mapTemplate is the map page with the shared layout, parsed once at
// start-up like the others.
var mapTemplate = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(mapTemplateFS,
	"templates/layout.html", "templates/analytics/map*.html"))

// BoundaryService gives the map its boundary sets as GeoJSON.
type BoundaryService interface {
	// BoundaryCollection is the actor's agency's boundaries of kind as a
	// GeoJSON FeatureCollection; the store decides who may read them.
	BoundaryCollection(ctx context.Context, kind string) ([]byte, error)
}

func (s *Server) mapMaxZoom() int {
	if s.cfg.MapMaxZoom > 0 {
		return s.cfg.MapMaxZoom
	}
	return DefaultMapMaxZoom
}

func (s *Server) minCellM() float64 {
	if s.cfg.MinCellM > 0 {
		return s.cfg.MinCellM
	}
	return DefaultMinCellM
}

func (s *Server) suppressThreshold() int {
	if s.cfg.SuppressThreshold > 0 {
		return s.cfg.SuppressThreshold
	}
	return analytics.DefaultSuppressThreshold
}

func (s *Server) analyticsService() (haven.AnalyticsService, error) {
	if s.svc.Analytics == nil {
		return nil, haven.Errorf(haven.EUNAVAILABLE, "analytics are not available on this server")
	}
	return s.svc.Analytics, nil
}

// agencyLocation is the actor's agency's time zone (dates without a time
// are days there), UTC when it cannot be found.
func (s *Server) agencyLocation(ctx context.Context) *time.Location {
	a := haven.ActorFromContext(ctx)
	if a.AgencySlug == "" || s.svc.Agencies == nil {
		return time.UTC
	}
	ag, err := s.svc.Agencies.AgencyBySlug(ctx, a.AgencySlug)
	if err != nil {
		return time.UTC
	}
	return ag.Location()
}

// mapQuery is a hotspot or density request's parameters.
type mapQuery struct {
	Filter     haven.AnalyticsFilter
	CellM      float64
	BandM      float64 // hotspots: 0 = the analytics default (cell·√2)
	BandwidthM float64 // density
	All        bool
	FDR        bool
	Export     bool
}

func invalid(field, format string, a ...any) error {
	return haven.FieldErrorf(haven.EINVALID, field, format, a...)
}

// parseMapDate reads a from/to parameter: a day (YYYY-MM-DD, in the
// agency's zone) or an RFC 3339 time. A day given as "to" includes the day.
func parseMapDate(name, v string, loc *time.Location) (time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if name == "to" {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, invalid(name, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", name)
}

func parseMapBool(q url.Values, name string, def bool) (bool, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid(name, "%s must be true or false", name)
	}
	return b, nil
}

func parseMapFloat(q url.Values, name string, def float64) (float64, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalid(name, "%s must be a number of metres", name)
	}
	return f, nil
}

// codeLike accepts short codes of letters and digits ("010", "13B").
func codeLike(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// parseMapQuery reads and checks the parameters; a bad one is a 422
// naming it.
func (s *Server) parseMapQuery(ctx context.Context, q url.Values) (mapQuery, error) {
	m := mapQuery{}
	loc := s.agencyLocation(ctx)
	var err error
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if m.Filter.From, err = parseMapDate("from", v, loc); err != nil {
			return m, err
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if m.Filter.To, err = parseMapDate("to", v, loc); err != nil {
			return m, err
		}
	}
	if !m.Filter.From.IsZero() && !m.Filter.To.IsZero() && !m.Filter.From.Before(m.Filter.To) {
		return m, invalid("to", "to must be after from")
	}
	if v := strings.TrimSpace(q.Get("domestic")); v != "" && v != "all" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return m, invalid("domestic", "domestic must be true, false or all")
		}
		m.Filter.Domestic = &b
	}
	if v := strings.TrimSpace(q.Get("district")); v != "" {
		if !codeLike(v, 10) {
			return m, invalid("district", "district must be a district code such as 010")
		}
		m.Filter.District = v
	}
	if v := strings.TrimSpace(q.Get("offense")); v != "" {
		if !codeLike(v, 5) {
			return m, invalid("offense", "offense must be a NIBRS offence code such as 13B")
		}
		m.Filter.Offense = strings.ToUpper(v)
	}
	if m.CellM, err = parseMapFloat(q, "cell_m", defaultCellM); err != nil {
		return m, err
	}
	if m.CellM < s.minCellM() {
		return m, invalid("cell_m", "cell_m must be at least %g metres: smaller cells come close to single addresses", s.minCellM())
	}
	if m.BandM, err = parseMapFloat(q, "band_m", 0); err != nil {
		return m, err
	}
	if q.Has("band_m") && m.BandM <= 0 {
		return m, invalid("band_m", "band_m must be a positive number of metres")
	}
	if m.BandwidthM, err = parseMapFloat(q, "bandwidth_m", max(defaultBandwidthM, 4*m.CellM)); err != nil {
		return m, err
	}
	if m.All, err = parseMapBool(q, "all", false); err != nil {
		return m, err
	}
	if m.FDR, err = parseMapBool(q, "fdr", true); err != nil {
		return m, err
	}
	if m.Export, err = parseMapBool(q, "export", false); err != nil {
		return m, err
	}
	return m, nil
}

// paramError turns the analytics package's parameter errors into 422s.
func paramError(err error) error {
	var pe *analytics.ParamError
	if errors.As(err, &pe) {
		return invalid(pe.Param, "%s", pe.Error())
	}
	return err
}

func toPoints(ps []haven.GeoPoint) []analytics.Point {
	out := make([]analytics.Point, len(ps))
	for i, p := range ps {
		out[i] = analytics.Point{Lat: p.Lat, Lon: p.Lon}
	}
	return out
}

// hotspots runs the store's query and the Gi* analysis.
func (s *Server) hotspots(ctx context.Context, m mapQuery) (*analytics.Grid, error) {
	svc, err := s.analyticsService()
	if err != nil {
		return nil, err
	}
	pts, err := svc.IncidentPoints(ctx, m.Filter)
	if err != nil {
		return nil, err
	}
	g, err := analytics.Hotspots(toPoints(pts), analytics.HotspotOptions{CellM: m.CellM, BandM: m.BandM})
	if err != nil {
		return nil, paramError(err)
	}
	return g, nil
}

// hotspotJSON encodes the grid. With fdr=false the uncorrected class is
// written as "class" and the FDR-corrected one as "class_fdr" (both are
// always there: with fdr=true they are "class" and "class_uncorrected").
func (s *Server) hotspotJSON(g *analytics.Grid, m mapQuery) ([]byte, error) {
	sup := analytics.Suppressor{}
	if m.Export {
		sup.Threshold = s.suppressThreshold()
	}
	if !m.FDR {
		for i := range g.Cells {
			c := &g.Cells[i]
			c.Class, c.ClassUncorrected = c.ClassUncorrected, c.Class
		}
	}
	b, err := g.FeatureCollection(m.All, sup)
	if err != nil {
		return nil, err
	}
	if !m.FDR {
		b = bytes.ReplaceAll(b, []byte(`"class_uncorrected":`), []byte(`"class_fdr":`))
		b = bytes.Replace(b, []byte(`"correction":"benjamini-hochberg"`), []byte(`"correction":"none (class); benjamini-hochberg (class_fdr)"`), 1)
	}
	return b, nil
}

func writeGeoJSON(w http.ResponseWriter, b []byte, download string) {
	h := w.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Cache-Control", "no-store")
	if download != "" {
		h.Set("Content-Disposition", `attachment; filename="`+download+`"`)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) apiHotspots(w http.ResponseWriter, r *http.Request) {
	m, err := s.parseMapQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	g, err := s.hotspots(r.Context(), m)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	b, err := s.hotspotJSON(g, m)
	if err != nil {
		s.apiErr(w, r, haven.Internal(err))
		return
	}
	download := ""
	if m.Export {
		download = "hotspots.geojson"
	}
	writeGeoJSON(w, b, download)
}

func (s *Server) apiDensity(w http.ResponseWriter, r *http.Request) {
	m, err := s.parseMapQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	if m.Export {
		s.apiErr(w, r, invalid("export", "the density surface is for the owning agency only: a kernel's peak over a lone incident reveals it; export hotspots instead"))
		return
	}
	svc, err := s.analyticsService()
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	pts, err := svc.IncidentPoints(r.Context(), m.Filter)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	d, err := analytics.KDE(toPoints(pts), analytics.KDEOptions{CellM: m.CellM, BandwidthM: m.BandwidthM})
	if err != nil {
		s.apiErr(w, r, paramError(err))
		return
	}
	b, err := d.FeatureCollection(m.All)
	if err != nil {
		s.apiErr(w, r, haven.Internal(err))
		return
	}
	writeGeoJSON(w, b, "")
}

func (s *Server) apiBoundaries(w http.ResponseWriter, r *http.Request) {
	if s.svc.Boundaries == nil {
		s.apiErr(w, r, haven.Errorf(haven.EUNAVAILABLE, "boundaries are not available on this server"))
		return
	}
	kind := strings.TrimSpace(r.URL.Query().Get("kind"))
	if kind == "" {
		kind = "district"
	}
	b, err := s.svc.Boundaries.BoundaryCollection(r.Context(), kind)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeGeoJSON(w, b, "")
}

// ---- the page ----

// mapCell is a row of the page's table of the hottest cells: a cell's
// centre (rounded to 100 m's worth of degrees), count and class.
type mapCell struct {
	Lat, Lon string
	Count    int
	Z        string
	Class    string
}

// mapSVGCell is one rectangle of the no-script grid picture.
type mapSVGCell struct {
	X, Y  int
	Class string
}

type mapPageData struct {
	Q                    url.Values
	From, To             string
	Domestic             string
	CellM                float64
	MinCellM             float64
	Tiles                string
	MaxZoom              int
	Top                  []mapCell
	Cells                int
	Hot, Cold            int
	SVGW, SVGH, SVGScale int
	SVG                  []mapSVGCell
}

// mapSVGMax bounds the no-script picture's cells.
const mapSVGMax = 20000

func (s *Server) handleMapPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := mapPageData{Q: q, From: q.Get("from"), To: q.Get("to"), Domestic: q.Get("domestic"), MinCellM: s.minCellM(),
		Tiles: s.cfg.MapTiles, MaxZoom: s.mapMaxZoom()}
	status, errMsg, field := http.StatusOK, "", ""
	m, err := s.parseMapQuery(r.Context(), q)
	if err != nil {
		// Show the page with the error; the table uses the defaults.
		status, errMsg, field = ErrorStatus(err), haven.ErrorMessage(err), haven.ErrorField(err)
		m, _ = s.parseMapQuery(r.Context(), url.Values{})
	}
	d.CellM = m.CellM
	// The store decides who may see the agency's aggregates (analysts,
	// supervisors, the agency's administrator): a refusal is this page's.
	g, err := s.hotspots(r.Context(), m)
	if err != nil {
		if haven.ErrorCode(err) == haven.EINVALID {
			status, errMsg, field = ErrorStatus(err), haven.ErrorMessage(err), haven.ErrorField(err)
		} else {
			s.errorPage(w, r, err)
			return
		}
	}
	if g != nil {
		d.Cells = len(g.Cells)
		idx := make([]int, 0, len(g.Cells))
		for i, c := range g.Cells {
			switch {
			case strings.HasPrefix(string(c.Class), "hot"):
				d.Hot++
				idx = append(idx, i)
			case strings.HasPrefix(string(c.Class), "cold"):
				d.Cold++
			}
		}
		sort.Slice(idx, func(a, b int) bool { return g.Cells[idx[a]].Z > g.Cells[idx[b]].Z })
		for _, i := range idx[:min(len(idx), mapTopCells)] {
			c := g.Cells[i]
			d.Top = append(d.Top, mapCell{Lat: strconv.FormatFloat(c.Centre.Lat, 'f', 3, 64), Lon: strconv.FormatFloat(c.Centre.Lon, 'f', 3, 64),
				Count: c.Count, Z: strconv.FormatFloat(c.Z, 'f', 2, 64), Class: string(c.Class)})
		}
		if len(g.Cells) <= mapSVGMax {
			d.SVGScale = max(1, 600/max(g.Cols, g.Rows, 1))
			d.SVGW, d.SVGH = g.Cols*d.SVGScale, g.Rows*d.SVGScale
			for _, c := range g.Cells {
				if c.Count == 0 && c.Class == analytics.NotSignificant {
					continue
				}
				d.SVG = append(d.SVG, mapSVGCell{X: c.Col * d.SVGScale, Y: (g.Rows - 1 - c.Row) * d.SVGScale, Class: string(c.Class)})
			}
		}
	}
	if s.cfg.MapTiles != "" {
		// The tile server's origin may serve images to this page only.
		if u, err := url.Parse(s.cfg.MapTiles); err == nil && u.Host != "" {
			origin := u.Scheme + "://" + strings.NewReplacer("{s}", "*").Replace(u.Host)
			w.Header().Set("Content-Security-Policy", strings.Replace(w.Header().Get("Content-Security-Policy"),
				"img-src 'self' data:", "img-src 'self' data: "+origin, 1))
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	p := &page{Title: "Map", Me: me, Error: errMsg, Field: field, Data: d}
	s.fillPage(r, p)
	var buf bytes.Buffer
	if err := mapTemplate.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.errorPage(w, r, haven.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
