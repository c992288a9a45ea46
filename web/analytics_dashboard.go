package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/analytics"
	"github.com/haven-dv/haven/chart"
)

// The analytics dashboards (issue 8): DV incidents per week and month
// against the same period last year, by district and beat, by weekday and
// hour, the share flagged domestic, arrests, repeat victimisation,
// lethality screens, referral turnaround and shelter occupancy. Each
// section has an SVG chart (package chart), a table with the numbers and a
// CSV download. The store decides who may read them (analysts, supervisors
// and the agency's administrator, their own agency only) and audits every
// read; nothing here reads a name, an address or a record.
//
// Privacy: where the numbers go decides how they are shown.
//
//   - The HTML page is shown only to staff of the owning agency (the store
//     refuses everyone else), so it shows exact counts: the small-count rule
//     is about what leaves the agency, and an analyst who cannot see "3"
//     cannot tell a one-off from a pattern in their own district.
//   - CSV downloads and the JSON API are exports: a file or a response is
//     made to be passed on (to a partner, a report, a council meeting) and
//     the server cannot know where it goes. They write counts 1 ..
//     threshold−1 as "<threshold" (Config.SuppressThreshold, default "<5");
//     0 stays 0 (an empty cell reveals nobody).
//   - A share, rate, percentage or average computed from a suppressed count
//     would give the count back (3 of 40 is 7.5 %), so it is withheld (an
//     empty CSV cell, null in JSON) whenever its numerator or denominator
//     is suppressed. Referral turnaround hours are averages over the
//     acknowledged referrals: withheld when those are suppressed. A shelter
//     day's percentage is withheld when its occupied beds are.
//   - Not done: secondary (complementary) suppression. A total minus its
//     shown parts can still reveal a suppressed difference (12 incidents,
//     9 of them domestic → 3 not domestic). The exported series are DV
//     counts and their totals; closing that gap needs a rule on which
//     cells to hide in addition, which the issue does not set.

//go:embed templates/layout.html templates/analytics/dashboard*.html
var dashboardTemplateFS embed.FS

var dashboardTemplate = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(dashboardTemplateFS,
	"templates/layout.html", "templates/analytics/dashboard*.html"))

// dashboardCharts are the sections a CSV can be asked for, in page order.
var dashboardCharts = []string{"totals", "weeks", "months", "districts", "beats", "heat", "repeat", "lethality", "referrals", "occupancy"}

// dashboardTop is how many districts and beats the bar charts show (the
// tables and CSV hold them all).
const dashboardTop = 15

var weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// dashQuery is a dashboard request: the filter and the days as given.
type dashQuery struct {
	Filter   haven.AnalyticsFilter
	From, To string // YYYY-MM-DD as the form shows them ("" = open); To inclusive
}

// parseDashQuery reads from, to, district and offense; a bad one is a 422
// naming it. from and to are days in the agency's zone (to inclusive) or
// RFC 3339 times.
func (s *Server) parseDashQuery(ctx context.Context, q url.Values) (dashQuery, error) {
	d := dashQuery{}
	loc := s.agencyLocation(ctx)
	var err error
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if d.Filter.From, err = parseMapDate("from", v, loc); err != nil {
			return d, err
		}
		d.From = d.Filter.From.In(loc).Format(time.DateOnly)
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if d.Filter.To, err = parseMapDate("to", v, loc); err != nil {
			return d, err
		}
		d.To = d.Filter.To.Add(-time.Microsecond).In(loc).Format(time.DateOnly)
	}
	if !d.Filter.From.IsZero() && !d.Filter.To.IsZero() && !d.Filter.From.Before(d.Filter.To) {
		return d, invalid("to", "to must be after from")
	}
	if v := strings.TrimSpace(q.Get("district")); v != "" {
		if !codeLike(v, 10) {
			return d, invalid("district", "district must be a district code such as 010")
		}
		d.Filter.District = v
	}
	if v := strings.TrimSpace(q.Get("offense")); v != "" {
		if !codeLike(v, 5) {
			return d, invalid("offense", "offense must be a NIBRS offence code such as 13B")
		}
		d.Filter.Offense = strings.ToUpper(v)
	}
	return d, nil
}

// values are the query's parameters for links (CSV, all time).
func (d dashQuery) values() url.Values {
	v := url.Values{}
	v.Set("from", d.From)
	v.Set("to", d.To)
	if d.Filter.District != "" {
		v.Set("district", d.Filter.District)
	}
	if d.Filter.Offense != "" {
		v.Set("offense", d.Filter.Offense)
	}
	return v
}

func (s *Server) dashboard(ctx context.Context, f haven.AnalyticsFilter) (*haven.Dashboard, error) {
	svc, err := s.analyticsService()
	if err != nil {
		return nil, err
	}
	return svc.Dashboard(ctx, f)
}

// ---- tables: the numbers of each section, for the page and the CSV ----

type dashCol struct{ Key, Label string }

// dashTable is one section's numbers as text: exact for the page,
// suppressed for an export.
type dashTable struct {
	Name    string
	Caption string
	Cols    []dashCol
	Rows    [][]string
}

// cells formats counts and shares under a suppressor.
type cells struct{ sup analytics.Suppressor }

func (c cells) n(v int) string { return c.sup.Count(v) }

// hidden reports whether any of the counts is suppressed.
func (c cells) hidden(parts ...int) bool {
	for _, p := range parts {
		if c.sup.Active() && p >= 1 && p < c.sup.Threshold {
			return true
		}
	}
	return false
}

// pct is a share (0–1) as a percentage with one decimal; "" when any of
// the counts it is computed from is suppressed.
func (c cells) pct(share float64, parts ...int) string {
	if c.hidden(parts...) {
		return ""
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64)
}

// num is a measured value (hours, a percentage already) with one decimal;
// "" when any of the counts it is computed from is suppressed.
func (c cells) num(v float64, parts ...int) string {
	if c.hidden(parts...) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func areaLabel(k string) string {
	if k == "" {
		return "(none)"
	}
	return k
}

// dashboardTables builds every section's table.
func dashboardTables(d *haven.Dashboard, sup analytics.Suppressor) map[string]*dashTable {
	c := cells{sup}
	t := map[string]*dashTable{}
	tot := d.Totals
	t["totals"] = &dashTable{Caption: "Incidents, domestic share and arrests",
		Cols: []dashCol{{"incidents", "Incidents"}, {"domestic", "Domestic"}, {"domestic_percent", "Domestic %"}, {"dv_arrests", "DV arrests"}, {"dv_arrest_percent", "DV arrest %"}},
		Rows: [][]string{{c.n(tot.Incidents), c.n(tot.Domestic), c.pct(tot.DomesticShare, tot.Domestic, tot.Incidents),
			c.n(tot.Arrests), c.pct(tot.ArrestRate, tot.Arrests, tot.Domestic)}}}
	periods := func(ps []haven.PeriodCount, caption string) *dashTable {
		tb := &dashTable{Caption: caption, Cols: []dashCol{{"period", "Period"}, {"start", "First day"}, {"domestic", "DV incidents"}, {"last_year", "Same period last year"}}}
		for _, p := range ps {
			tb.Rows = append(tb.Rows, []string{p.Period, p.Start, c.n(p.Domestic), c.n(p.LastYear)})
		}
		return tb
	}
	t["weeks"] = periods(d.Weeks, "DV incidents per ISO week, with the same week last year")
	t["months"] = periods(d.Months, "DV incidents per month, with the same month last year")
	areas := func(as []haven.AreaCount, key, label string) *dashTable {
		tb := &dashTable{Caption: "DV and all incidents by " + key, Cols: []dashCol{{key, label}, {"domestic", "DV incidents"}, {"all", "All incidents"}}}
		for _, a := range as {
			tb.Rows = append(tb.Rows, []string{areaLabel(a.Key), c.n(a.Domestic), c.n(a.All)})
		}
		return tb
	}
	t["districts"] = areas(d.Districts, "district", "District")
	t["beats"] = areas(d.Beats, "beat", "Beat")
	heat := &dashTable{Caption: "DV incidents by weekday and hour of the day", Cols: []dashCol{{"weekday", "Weekday"}}}
	for h := range 24 {
		heat.Cols = append(heat.Cols, dashCol{fmt.Sprintf("h%02d", h), fmt.Sprintf("%02d", h)})
	}
	for wd, row := range d.HeatGrid {
		r := []string{weekdays[wd]}
		for _, v := range row {
			r = append(r, c.n(v))
		}
		heat.Rows = append(heat.Rows, r)
	}
	t["heat"] = heat
	rp := d.Repeat
	t["repeat"] = &dashTable{Caption: "Repeat victimisation: two or more DV incidents within 12 months",
		Cols: []dashCol{{"victims", "Victims"}, {"repeat_victims", "Repeat victims"}, {"victim_percent", "Victims %"},
			{"pairs", "Victim–suspect pairs"}, {"repeat_pairs", "Repeat pairs"}, {"pair_percent", "Pairs %"}},
		Rows: [][]string{{c.n(rp.Victims), c.n(rp.RepeatVictims), c.pct(rp.VictimShare, rp.Victims, rp.RepeatVictims),
			c.n(rp.Pairs), c.n(rp.RepeatPairs), c.pct(rp.PairShare, rp.Pairs, rp.RepeatPairs)}}}
	l := d.Lethality
	t["lethality"] = &dashTable{Caption: "Lethality screens at DV incidents",
		Cols: []dashCol{{"incidents", "DV incidents"}, {"offered", "Offered"}, {"answered", "Answered"}, {"screened_in", "Screened in"}, {"connected", "Connected to the hotline"}},
		Rows: [][]string{{c.n(l.Incidents), c.n(l.Offered), c.n(l.Answered), c.n(l.ScreenedIn), c.n(l.Connected)}}}
	ref := &dashTable{Caption: "Referral turnaround (hours from sending to acceptance or decline) and overdue referrals",
		Cols: []dashCol{{"direction", "Direction"}, {"referrals", "Referrals"}, {"acknowledged", "Acknowledged"}, {"median_hours", "Median hours"},
			{"mean_hours", "Mean hours"}, {"acknowledged_late", "Acknowledged late"}, {"overdue_acknowledge", "Overdue to acknowledge"}, {"overdue_start", "Overdue to start"}}}
	for _, x := range []struct {
		name string
		r    haven.ReferralTurnaround
	}{{"sent", d.ReferralsSent}, {"received", d.ReferralsReceived}} {
		ref.Rows = append(ref.Rows, []string{x.name, c.n(x.r.Referrals), c.n(x.r.Acknowledged), c.num(x.r.MedianHours, x.r.Acknowledged),
			c.num(x.r.MeanHours, x.r.Acknowledged), c.n(x.r.AcknowledgedLate), c.n(x.r.OverdueAcknowledge), c.n(x.r.OverdueStart)})
	}
	t["referrals"] = ref
	occ := &dashTable{Caption: "Shelter occupancy at the end of each day",
		Cols: []dashCol{{"category", "Bed category"}, {"day", "Day"}, {"total", "Beds"}, {"occupied", "Occupied"}, {"percent", "Occupied %"}}}
	for _, s := range d.Occupancy {
		for _, day := range s.Days {
			occ.Rows = append(occ.Rows, []string{s.Category, day.Day, strconv.Itoa(day.Total), c.n(day.Occupied), c.num(day.Percent, day.Occupied)})
		}
	}
	t["occupancy"] = occ
	for name, tb := range t {
		tb.Name = name
	}
	return t
}

// ---- charts ----

func periodSeries(ps []haven.PeriodCount) ([]string, []chart.Series) {
	labels := make([]string, len(ps))
	this := chart.Series{Name: "This period", Values: make([]float64, len(ps))}
	last := chart.Series{Name: "Same period last year", Values: make([]float64, len(ps)), Dashed: true}
	for i, p := range ps {
		labels[i] = p.Period
		this.Values[i] = float64(p.Domestic)
		last.Values[i] = float64(p.LastYear)
	}
	return labels, []chart.Series{this, last}
}

func areaBars(id, title string, as []haven.AreaCount) chart.Bars {
	as = as[:min(len(as), dashboardTop)]
	b := chart.Bars{ID: id, Title: title, Desc: fmt.Sprintf("DV and all incidents of the %d areas with the most DV incidents; the table lists every area.", len(as)),
		Series: []chart.Series{{Name: "DV incidents"}, {Name: "All incidents"}}}
	for _, a := range as {
		b.Labels = append(b.Labels, areaLabel(a.Key))
		b.Series[0].Values = append(b.Series[0].Values, float64(a.Domestic))
		b.Series[1].Values = append(b.Series[1].Values, float64(a.All))
	}
	return b
}

// dashSection is one section of the page.
type dashSection struct {
	ID, Title, Intro string
	Chart            template.HTML
	Table            *dashTable
	CSV              string
}

func dashboardSections(d *haven.Dashboard, tables map[string]*dashTable, csvQuery string) []dashSection {
	wl, ws := periodSeries(d.Weeks)
	ml, ms := periodSeries(d.Months)
	heat := chart.Heat{ID: "chart-heat", Title: "DV incidents by weekday and hour",
		Desc: "A grid of seven weekdays by 24 hours; darker cells had more DV incidents.", Rows: weekdays}
	for h := range 24 {
		heat.Cols = append(heat.Cols, fmt.Sprintf("%02d", h))
	}
	for wd := range 7 {
		row := make([]float64, 24)
		for h := range 24 {
			row[h] = float64(d.HeatGrid[wd][h])
		}
		heat.Values = append(heat.Values, row)
	}
	tot := d.Totals
	rp := d.Repeat
	l := d.Lethality
	ref := chart.Bars{ID: "chart-referrals", Title: "Referrals sent and received", Desc: "Referrals, acknowledged, acknowledged late and overdue, sent and received.",
		Labels: []string{"Sent", "Received"}, Series: []chart.Series{{Name: "Referrals"}, {Name: "Acknowledged"}, {Name: "Overdue"}}}
	for _, r := range []haven.ReferralTurnaround{d.ReferralsSent, d.ReferralsReceived} {
		ref.Series[0].Values = append(ref.Series[0].Values, float64(r.Referrals))
		ref.Series[1].Values = append(ref.Series[1].Values, float64(r.Acknowledged))
		ref.Series[2].Values = append(ref.Series[2].Values, float64(r.OverdueAcknowledge+r.OverdueStart))
	}
	occ := chart.Trend{ID: "chart-occupancy", Title: "Shelter occupancy (% of beds occupied)", Desc: "One line per bed category: the share of beds occupied at the end of each day."}
	for i, s := range d.Occupancy {
		vals := make([]float64, len(s.Days))
		for j, day := range s.Days {
			vals[j] = day.Percent
			if i == 0 {
				occ.Labels = append(occ.Labels, day.Day)
			}
		}
		occ.Series = append(occ.Series, chart.Series{Name: humanizeCategory(s.Category), Values: vals})
	}
	secs := []dashSection{
		{ID: "totals", Title: "Overview", Intro: "All incidents, the share flagged domestic, and arrests at DV incidents.",
			Chart: chart.Bars{ID: "chart-totals", Title: "Incidents, DV incidents and DV arrests", Desc: fmt.Sprintf("%d incidents, %d of them domestic, %d DV arrests.", tot.Incidents, tot.Domestic, tot.Arrests),
				Labels: []string{"All incidents", "DV incidents", "DV arrests"}, Series: []chart.Series{{Name: "Incidents", Values: []float64{float64(tot.Incidents), float64(tot.Domestic), float64(tot.Arrests)}}}}.SVG()},
		{ID: "weeks", Title: "DV incidents per week", Intro: "ISO weeks (Monday to Sunday), with the same week one year earlier (dashed).",
			Chart: chart.Trend{ID: "chart-weeks", Title: "DV incidents per week, this year and last year", Desc: fmt.Sprintf("%d weeks; solid line this period, dashed line the same weeks a year earlier.", len(d.Weeks)), Labels: wl, Series: ws}.SVG()},
		{ID: "months", Title: "DV incidents per month", Intro: "Calendar months, with the same month one year earlier.",
			Chart: chart.Trend{ID: "chart-months", Title: "DV incidents per month, this year and last year", Desc: fmt.Sprintf("%d months; first column this period, second the same month a year earlier.", len(d.Months)), Labels: ml, Series: ms, Columns: true}.SVG()},
		{ID: "districts", Title: "By district", Intro: "Districts with the most DV incidents first.", Chart: areaBars("chart-districts", "DV incidents by district", d.Districts).SVG()},
		{ID: "beats", Title: "By beat", Intro: "Beats with the most DV incidents first.", Chart: areaBars("chart-beats", "DV incidents by beat", d.Beats).SVG()},
		{ID: "heat", Title: "By weekday and hour", Intro: "Local time of the incident in the agency's time zone (" + d.TimeZone + ").", Chart: heat.SVG()},
		{ID: "repeat", Title: "Repeat victimisation", Intro: "Victims, and victim–suspect pairs, with two or more DV incidents within 12 months.",
			Chart: chart.Bars{ID: "chart-repeat", Title: "Repeat victimisation", Desc: fmt.Sprintf("%d of %d victims and %d of %d victim–suspect pairs had two or more DV incidents within 12 months.", rp.RepeatVictims, rp.Victims, rp.RepeatPairs, rp.Pairs),
				Labels: []string{"Victims", "Victim–suspect pairs"}, Series: []chart.Series{{Name: "All", Values: []float64{float64(rp.Victims), float64(rp.Pairs)}}, {Name: "Two or more incidents", Values: []float64{float64(rp.RepeatVictims), float64(rp.RepeatPairs)}}}}.SVG()},
		{ID: "lethality", Title: "Lethality screens", Intro: "DV incidents reported in Haven at which the Lethality Screen was offered, answered, screened in, and connected to the hotline (imported incidents carry no screens).",
			Chart: chart.Bars{ID: "chart-lethality", Title: "Lethality screens", Desc: fmt.Sprintf("Of %d DV incidents: %d offered, %d answered, %d screened in, %d connected.", l.Incidents, l.Offered, l.Answered, l.ScreenedIn, l.Connected),
				Labels: []string{"DV incidents", "Offered", "Answered", "Screened in", "Connected"}, Series: []chart.Series{{Name: "Incidents", Values: []float64{float64(l.Incidents), float64(l.Offered), float64(l.Answered), float64(l.ScreenedIn), float64(l.Connected)}}}}.SVG()},
		{ID: "referrals", Title: "Referrals", Intro: "Turnaround from sending to acceptance or decline, and referrals overdue now. Not filtered by district or offence.", Chart: ref.SVG()},
		{ID: "occupancy", Title: "Shelter occupancy", Intro: "Beds occupied at the end of each day in the agency's shelters. Not filtered by district or offence.", Chart: occ.SVG()},
	}
	for i := range secs {
		secs[i].Table = tables[secs[i].ID]
		secs[i].CSV = "/analytics/" + secs[i].ID + ".csv?" + csvQuery
	}
	return secs
}

func humanizeCategory(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ---- handlers ----

type dashPageData struct {
	From, To, District, Offense string
	Offenses                    []codeOption
	Districts                   []string
	Range                       string // the period shown, in words
	AllTime                     string // link to the whole period
	Empty                       bool
	Totals                      haven.DashboardTotals
	DomesticPct, ArrestPct      string
	Sections                    []dashSection
	Threshold                   int
	TimeZone                    string
}

// dashboardOffenses are the offence choices of the filter (codes as the
// incidents store them).
func dashboardOffenses() []codeOption {
	out := make([]codeOption, 0, len(offenseOptions))
	for _, o := range offenseOptions {
		if o.Value != offenseProtectiveOrder {
			out = append(out, o)
		}
	}
	return out
}

// defaultDashboard computes the page's dashboard when no dates are given:
// the twelve months up to today in the agency's zone or, when those hold
// no incident (a demo over an old sample), the twelve calendar months up
// to the latest incident's (the store reports when that was).
func (s *Server) defaultDashboard(ctx context.Context, dq *dashQuery) (*haven.Dashboard, string, error) {
	if s.cfg.Demo {
		// The demo's real data (the Chicago sample) is years old and its
		// fictional reports are recent: all time shows both.
		d, err := s.dashboard(ctx, dq.Filter)
		return d, "all time (a demo: the Chicago sample covers earlier years)", err
	}
	loc := s.agencyLocation(ctx)
	now := time.Now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	dq.Filter.From, dq.Filter.To = to.AddDate(-1, 0, 0), to
	d, err := s.dashboard(ctx, dq.Filter)
	if err != nil || d.Totals.Incidents > 0 {
		return d, "the last 12 months", err
	}
	if d.LatestEvent == nil {
		return d, "the last 12 months", nil
	}
	l := d.LatestEvent.In(loc)
	last := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	dq.Filter.To = last.AddDate(0, 1, 0)
	dq.Filter.From = dq.Filter.To.AddDate(-1, 0, 0)
	d, err = s.dashboard(ctx, dq.Filter)
	return d, "the 12 months up to the latest incident: there are none in the last 12 months", err
}

func (s *Server) handleDashboardPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	loc := s.agencyLocation(ctx)
	status, errMsg, field := http.StatusOK, "", ""
	dq, err := s.parseDashQuery(ctx, q)
	if err != nil {
		status, errMsg, field = ErrorStatus(err), haven.ErrorMessage(err), haven.ErrorField(err)
		dq = dashQuery{}
		q = url.Values{}
	}
	var d *haven.Dashboard
	rangeText := ""
	if !q.Has("from") && !q.Has("to") {
		d, rangeText, err = s.defaultDashboard(ctx, &dq)
	} else {
		d, err = s.dashboard(ctx, dq.Filter)
	}
	if err != nil {
		// A refusal (forbidden, not signed in) is this page's answer.
		s.errorPage(w, r, err)
		return
	}
	if !dq.Filter.From.IsZero() {
		dq.From = dq.Filter.From.In(loc).Format(time.DateOnly)
	}
	if !dq.Filter.To.IsZero() {
		dq.To = dq.Filter.To.Add(-time.Microsecond).In(loc).Format(time.DateOnly)
	}
	switch {
	case dq.From != "" && dq.To != "" && rangeText != "":
		rangeText = dq.From + " to " + dq.To + ", " + rangeText
	case dq.From != "" && dq.To != "":
		rangeText = dq.From + " to " + dq.To
	case dq.From != "":
		rangeText = "from " + dq.From
	case dq.To != "":
		rangeText = "up to " + dq.To
	case rangeText == "":
		rangeText = "all time"
	}
	all := dq.values()
	all.Set("from", "")
	all.Set("to", "")
	data := dashPageData{From: dq.From, To: dq.To, District: dq.Filter.District, Offense: dq.Filter.Offense, Offenses: dashboardOffenses(),
		Range: rangeText, AllTime: "/analytics?" + all.Encode(), Empty: d.Totals.Incidents == 0, Totals: d.Totals,
		DomesticPct: strconv.FormatFloat(d.Totals.DomesticShare*100, 'f', 1, 64), ArrestPct: strconv.FormatFloat(d.Totals.ArrestRate*100, 'f', 1, 64),
		Threshold: s.suppressThreshold(), TimeZone: d.TimeZone}
	for _, a := range d.Districts {
		if a.Key != "" {
			data.Districts = append(data.Districts, a.Key)
		}
	}
	// On screen, for the owning agency's own staff: exact counts.
	data.Sections = dashboardSections(d, dashboardTables(d, analytics.Suppressor{}), dq.values().Encode())
	w.Header().Set("Cache-Control", "no-store")
	p := &page{Title: "Dashboard", Me: me, Error: errMsg, Field: field, Data: data}
	s.fillPage(r, p)
	var buf bytes.Buffer
	if err := dashboardTemplate.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.errorPage(w, r, haven.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// handleDashboardCSV answers GET /analytics/{chart}.csv: one section's
// table as CSV, suppressed (an export). Without from and to it covers all
// time.
func (s *Server) handleDashboardCSV(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ".csv")
	known := false
	for _, c := range dashboardCharts {
		known = known || c == name
	}
	if !ok || !known {
		s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "no such dashboard download"))
		return
	}
	dq, err := s.parseDashQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d, err := s.dashboard(r.Context(), dq.Filter)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	tb := dashboardTables(d, analytics.Suppressor{Threshold: s.suppressThreshold()})[name]
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	head := make([]string, len(tb.Cols))
	for i, c := range tb.Cols {
		head[i] = c.Key
	}
	cw.Write(head)
	// Cells a spreadsheet would run as a formula are defused (csvSafe, as
	// in the audit export): area codes come from imported data. "<5"
	// starts with '<', which spreadsheets read as text.
	for _, row := range tb.Rows {
		out := make([]string, len(row))
		for i, v := range row {
			out[i] = csvSafe(v)
		}
		cw.Write(out)
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="dashboard-`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// ---- the JSON API: an export, suppressed ----

// exportDashboard is haven.Dashboard as the API writes it: the same keys,
// counts as numbers or "<5" (analytics.SuppressCount), and shares,
// percentages and hours null where computed from a suppressed count.
type exportDashboard struct {
	GeneratedAt          time.Time        `json:"generated_at"`
	TimeZone             string           `json:"time_zone"`
	Filter               map[string]any   `json:"filter"`
	SuppressionThreshold int              `json:"suppression_threshold"`
	Totals               map[string]any   `json:"totals"`
	Weeks                []map[string]any `json:"weeks"`
	Months               []map[string]any `json:"months"`
	Districts            []map[string]any `json:"districts"`
	Beats                []map[string]any `json:"beats"`
	HeatGrid             [7][24]any       `json:"heat_grid"`
	Repeat               map[string]any   `json:"repeat"`
	Lethality            map[string]any   `json:"lethality"`
	ReferralsSent        map[string]any   `json:"referrals_sent"`
	ReferralsReceived    map[string]any   `json:"referrals_received"`
	Occupancy            []map[string]any `json:"occupancy"`
}

// exporter formats an export's values under the threshold.
type exporter struct{ c cells }

func (x exporter) n(v int) any { return analytics.SuppressCount(v, x.c.sup.Threshold) }

// f is a derived value, nil (null) when computed from a suppressed count.
func (x exporter) f(v float64, parts ...int) any {
	if x.c.hidden(parts...) {
		return nil
	}
	return v
}

func exportDashboardOf(d *haven.Dashboard, dq dashQuery, threshold int) exportDashboard {
	x := exporter{cells{analytics.Suppressor{Threshold: threshold}}}
	t := d.Totals
	out := exportDashboard{GeneratedAt: d.GeneratedAt, TimeZone: d.TimeZone, SuppressionThreshold: threshold,
		Filter: map[string]any{"from": dq.From, "to": dq.To, "district": dq.Filter.District, "offense": dq.Filter.Offense},
		Totals: map[string]any{"incidents": x.n(t.Incidents), "domestic": x.n(t.Domestic), "domestic_share": x.f(t.DomesticShare, t.Domestic, t.Incidents),
			"arrests": x.n(t.Arrests), "arrest_rate": x.f(t.ArrestRate, t.Arrests, t.Domestic)},
		Weeks: []map[string]any{}, Months: []map[string]any{}, Districts: []map[string]any{}, Beats: []map[string]any{}, Occupancy: []map[string]any{}}
	for _, p := range d.Weeks {
		out.Weeks = append(out.Weeks, map[string]any{"period": p.Period, "start": p.Start, "domestic": x.n(p.Domestic), "last_year": x.n(p.LastYear)})
	}
	for _, p := range d.Months {
		out.Months = append(out.Months, map[string]any{"period": p.Period, "start": p.Start, "domestic": x.n(p.Domestic), "last_year": x.n(p.LastYear)})
	}
	for _, a := range d.Districts {
		out.Districts = append(out.Districts, map[string]any{"key": a.Key, "domestic": x.n(a.Domestic), "all": x.n(a.All)})
	}
	for _, a := range d.Beats {
		out.Beats = append(out.Beats, map[string]any{"key": a.Key, "domestic": x.n(a.Domestic), "all": x.n(a.All)})
	}
	for wd, row := range d.HeatGrid {
		for h, v := range row {
			out.HeatGrid[wd][h] = x.n(v)
		}
	}
	r := d.Repeat
	out.Repeat = map[string]any{"victims": x.n(r.Victims), "repeat_victims": x.n(r.RepeatVictims), "victim_share": x.f(r.VictimShare, r.Victims, r.RepeatVictims),
		"pairs": x.n(r.Pairs), "repeat_pairs": x.n(r.RepeatPairs), "pair_share": x.f(r.PairShare, r.Pairs, r.RepeatPairs)}
	l := d.Lethality
	out.Lethality = map[string]any{"incidents": x.n(l.Incidents), "offered": x.n(l.Offered), "answered": x.n(l.Answered),
		"screened_in": x.n(l.ScreenedIn), "connected": x.n(l.Connected)}
	ref := func(t haven.ReferralTurnaround) map[string]any {
		return map[string]any{"referrals": x.n(t.Referrals), "acknowledged": x.n(t.Acknowledged),
			"median_hours": x.f(t.MedianHours, t.Acknowledged), "mean_hours": x.f(t.MeanHours, t.Acknowledged),
			"acknowledged_late": x.n(t.AcknowledgedLate), "overdue_acknowledge": x.n(t.OverdueAcknowledge), "overdue_start": x.n(t.OverdueStart)}
	}
	out.ReferralsSent, out.ReferralsReceived = ref(d.ReferralsSent), ref(d.ReferralsReceived)
	for _, s := range d.Occupancy {
		days := make([]map[string]any, 0, len(s.Days))
		for _, day := range s.Days {
			days = append(days, map[string]any{"day": day.Day, "total": day.Total, "occupied": x.n(day.Occupied), "percent": x.f(day.Percent, day.Occupied)})
		}
		out.Occupancy = append(out.Occupancy, map[string]any{"category": s.Category, "days": days})
	}
	return out
}

// apiDashboard answers GET /api/v1/analytics/dashboard. The API is an
// export channel (see the top of this file): counts are suppressed.
// Without from and to it covers all time.
func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	dq, err := s.parseDashQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	d, err := s.dashboard(r.Context(), dq.Filter)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, exportDashboardOf(d, dq, s.suppressThreshold()))
}
