package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/referral"
)

// Analytics (issue 8): aggregates of one agency's incidents, screens,
// referrals and shelters for the dashboards, and incident positions for
// the hotspot and density grids. Nothing here reads a name, an address, a
// person's record or anything sealed: incidents are counted from the
// columns migration 0012 added (offense, arrested, event_day, event_hour,
// event_dow) with district, beat and domestic; person ids are read only to
// tell victims apart, and never leave this file.
//
// Both reads run in one read-only transaction (on the reader pool, so a
// dashboard over a million rows never holds SQLite's writer) and are
// audited with one entry per call afterwards, as Screening does.

var _ haven.AnalyticsService = (*DB)(nil)

// analyticsQuery is a checked filter and the agency it reads.
type analyticsQuery struct {
	f        haven.AnalyticsFilter
	agencyID string
	loc      *time.Location
	tz       string
	d        access.Decision
}

// validAnalyticsCode refuses what cannot be a district, beat or code.
func validAnalyticsCode(field, v string) error {
	if len(v) > 40 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return haven.FieldErrorf(haven.EINVALID, field, "%s is not a valid code", field)
	}
	return nil
}

// startAnalytics checks the filter, decides access for action and finds the
// agency's time zone. For users the agency is always their own; a system
// process names it in f.AgencyID. A refusal is audited.
func (db *DB) startAnalytics(ctx context.Context, action access.Action, f haven.AnalyticsFilter) (*analyticsQuery, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	f.District, f.Beat = strings.TrimSpace(f.District), strings.TrimSpace(f.Beat)
	f.Offense = strings.ToUpper(strings.TrimSpace(f.Offense))
	for field, v := range map[string]string{"district": f.District, "beat": f.Beat, "offense": f.Offense} {
		if err := validAnalyticsCode(field, v); err != nil {
			return nil, err
		}
	}
	if !f.From.IsZero() {
		f.From = utcMicro(f.From)
	}
	if !f.To.IsZero() {
		f.To = utcMicro(f.To)
	}
	// Bounded years keep the weekly and daily series finite.
	if !f.From.IsZero() && (f.From.Year() < 1900 || f.From.Year() > 2200) {
		return nil, haven.FieldErrorf(haven.EINVALID, "from", "from must be between 1900 and 2200")
	}
	if !f.To.IsZero() && (f.To.Year() < 1900 || f.To.Year() > 2200) {
		return nil, haven.FieldErrorf(haven.EINVALID, "to", "to must be between 1900 and 2200")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, haven.FieldErrorf(haven.EINVALID, "to", "to must be after from")
	}
	agencyID := actor.AgencyID
	if actor.System != "" {
		agencyID = strings.TrimSpace(f.AgencyID)
		if agencyID == "" {
			return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must name the agency whose figures it reads")
		}
	}
	f.AgencyID = agencyID
	d := access.Decide(actor, action, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.refuseList(ctx, string(action), agencyID, d.Reason)
	}
	q := &analyticsQuery{f: f, agencyID: agencyID, d: d}
	err := db.readRow(ctx, `SELECT time_zone FROM agencies WHERE id = ?`, agencyID).Scan(&q.tz)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, haven.Errorf(haven.ENOTFOUND, "agency not found")
		}
		return nil, dbErr(err)
	}
	ag := haven.Agency{TimeZone: q.tz}
	q.loc = ag.Location()
	return q, nil
}

// where is the incident filter as SQL on incidents (aliased as alias,
// "" for none) with its arguments. The date range is on event_at.
func (q *analyticsQuery) where(alias string, from, to time.Time) (string, []any) {
	p := ""
	if alias != "" {
		p = alias + "."
	}
	var b strings.Builder
	b.WriteString(p + "agency_id = ?")
	args := []any{q.agencyID}
	add := func(cond string, v any) {
		b.WriteString(" AND " + p + cond)
		args = append(args, v)
	}
	if !from.IsZero() {
		add("event_at >= ?", from)
	}
	if !to.IsZero() {
		add("event_at < ?", to)
	}
	if q.f.District != "" {
		add("district = ?", q.f.District)
	}
	if q.f.Beat != "" {
		add("beat = ?", q.f.Beat)
	}
	if q.f.Offense != "" {
		add("offense = ?", q.f.Offense)
	}
	if q.f.Domestic != nil {
		add("domestic = ?", *q.f.Domestic)
	}
	return b.String(), args
}

// summary is the filter for the audit log: codes and bounds, nothing else.
func (q *analyticsQuery) summary() map[string]string {
	m := map[string]string{}
	if !q.f.From.IsZero() {
		m["from"] = q.f.From.Format(time.RFC3339)
	}
	if !q.f.To.IsZero() {
		m["to"] = q.f.To.Format(time.RFC3339)
	}
	for k, v := range map[string]string{"district": q.f.District, "beat": q.f.Beat, "offense": q.f.Offense} {
		if v != "" {
			m[k] = v
		}
	}
	if q.f.Domestic != nil {
		m["domestic"] = fmt.Sprint(*q.f.Domestic)
	}
	return m
}

// IncidentPoints returns the positions of the agency's incidents that
// match f and have both coordinates, in no particular order. One audit
// entry per call (analytics.points) with the count and the filter, never
// a coordinate.
func (db *DB) IncidentPoints(ctx context.Context, f haven.AnalyticsFilter) ([]haven.GeoPoint, error) {
	q, err := db.startAnalytics(ctx, access.AnalyticsPoints, f)
	if err != nil {
		return nil, err
	}
	cond, args := q.where("", q.f.From, q.f.To)
	out := make([]haven.GeoPoint, 0, 4096)
	err = db.inTx(ctx, false, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT latitude, longitude FROM incidents WHERE `+cond+
			` AND latitude IS NOT NULL AND longitude IS NOT NULL`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var p haven.GeoPoint
		for rows.Next() {
			if err := rows.Scan(&p.Lat, &p.Lon); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	details := q.summary()
	details["count"] = fmt.Sprint(len(out))
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.AnalyticsPoints), audit.Allowed, "incident", "", q.agencyID,
		basisLabel(q.d), details)); err != nil {
		return nil, err
	}
	return out, nil
}

// Dashboard computes the dashboard's aggregates for f (see haven.Dashboard
// for which filter applies to which series). One audit entry per call
// (analytics.view) with the filter and the incident count.
func (db *DB) Dashboard(ctx context.Context, f haven.AnalyticsFilter) (*haven.Dashboard, error) {
	q, err := db.startAnalytics(ctx, access.AnalyticsView, f)
	if err != nil {
		return nil, err
	}
	now := db.now()
	out := &haven.Dashboard{Filter: q.f, GeneratedAt: now, TimeZone: q.tz,
		Weeks: []haven.PeriodCount{}, Months: []haven.PeriodCount{}, Districts: []haven.AreaCount{}, Beats: []haven.AreaCount{},
		Occupancy: []haven.OccupancySeries{}}
	screenedIn := ""
	if lap, ok := db.instrumentSet(ctx, haven.Actor{AgencyID: q.agencyID}).Get(riskInstrumentL); ok {
		screenedIn = lap.Scoring.ScreenedIn
	}
	err = db.inTx(ctx, false, func(t *tx) error {
		// The agency's latest incident, whatever the filter: one seek on
		// (agency_id, event_at). The page uses it to offer a range with data.
		var latest nullTime
		if err := t.queryRow(ctx, `SELECT MAX(event_at) FROM incidents WHERE agency_id = ?`, q.agencyID).Scan(&latest); err != nil {
			return err
		}
		out.LatestEvent = latest.ptr()
		days, err := dashboardScan(ctx, t, q, out)
		if err != nil {
			return err
		}
		if err := dashboardDays(ctx, t, q, days, out); err != nil {
			return err
		}
		if err := dashboardRepeat(ctx, t, q, out); err != nil {
			return err
		}
		if err := dashboardLethality(ctx, t, q, screenedIn, out); err != nil {
			return err
		}
		if err := dashboardReferrals(ctx, t, q, now, out); err != nil {
			return err
		}
		return dashboardOccupancy(ctx, t, q, now, out)
	})
	if err != nil {
		return nil, err
	}
	details := q.summary()
	details["incidents"] = fmt.Sprint(out.Totals.Incidents)
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.AnalyticsView), audit.Allowed, "incident", "", q.agencyID,
		basisLabel(q.d), details)); err != nil {
		return nil, err
	}
	return out, nil
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// ---- totals, weeks and months ----

// dayCounts are the counts of one local day.
type dayCounts struct{ all, dv, arrests int }

// countDays groups the matching incidents in [from, to) by local day.
func countDays(ctx context.Context, t *tx, q *analyticsQuery, from, to time.Time) (map[string]dayCounts, error) {
	cond, args := q.where("", from, to)
	rows, err := t.query(ctx, `SELECT event_day, COUNT(*), SUM(CASE WHEN domestic THEN 1 ELSE 0 END),
		SUM(CASE WHEN domestic AND arrested THEN 1 ELSE 0 END) FROM incidents WHERE `+cond+` GROUP BY event_day`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]dayCounts{}
	for rows.Next() {
		var day string
		var c dayCounts
		if err := rows.Scan(&day, &c.all, &c.dv, &c.arrests); err != nil {
			return nil, err
		}
		out[day] = c
	}
	return out, rows.Err()
}

// isoWeekStart is the Monday of day's ISO week.
func isoWeekStart(day time.Time) time.Time {
	wd := (int(day.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return day.AddDate(0, 0, -wd)
}

func weekLabel(monday time.Time) string {
	y, w := monday.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// dashboardDays fills the totals and the weekly and monthly DV counts.
//
// Weeks are ISO weeks (Monday to Sunday) of the local event day; months
// calendar months. The periods listed run from the first to the last day
// of the filter's range (in the agency's zone) or, where the range is
// open, of the matching incidents. "Last year" is the same filter shifted
// back one year (From and To each minus one calendar year), counted by
// local day and aligned: a day of last year counts for the week that holds
// the day 364 days (52 weeks, so the same weekday) later, and for the
// month one calendar year later. Periods at the edges of the range count
// only the days inside it, in both years.
func dashboardDays(ctx context.Context, t *tx, q *analyticsQuery, days map[string]dayCounts, out *haven.Dashboard) error {
	var err error
	var first, last string
	for day, c := range days {
		out.Totals.Incidents += c.all
		out.Totals.Domestic += c.dv
		out.Totals.Arrests += c.arrests
		if first == "" || day < first {
			first = day
		}
		if day > last {
			last = day
		}
	}
	out.Totals.DomesticShare = share(out.Totals.Domestic, out.Totals.Incidents)
	out.Totals.ArrestRate = share(out.Totals.Arrests, out.Totals.Domestic)
	if !q.f.From.IsZero() {
		first = q.f.From.In(q.loc).Format(time.DateOnly)
	}
	if !q.f.To.IsZero() {
		last = q.f.To.Add(-time.Microsecond).In(q.loc).Format(time.DateOnly)
	}
	if first == "" || last == "" || first > last {
		return nil
	}
	start, err := time.Parse(time.DateOnly, first)
	if err != nil {
		return nil // a malformed stored day: no periods rather than a failure
	}
	end, err := time.Parse(time.DateOnly, last)
	if err != nil {
		return nil
	}
	// Last year's days: the shifted range, or where open, up to a year
	// before the last day listed.
	lyFrom, lyTo := time.Time{}, time.Time{}
	if !q.f.From.IsZero() {
		lyFrom = q.f.From.AddDate(-1, 0, 0)
	}
	if !q.f.To.IsZero() {
		lyTo = q.f.To.AddDate(-1, 0, 0)
	}
	ly := days // an open range: last year's days are among this year's
	if !q.f.From.IsZero() || !q.f.To.IsZero() {
		if ly, err = countDays(ctx, t, q, lyFrom, lyTo); err != nil {
			return err
		}
	}
	if q.f.To.IsZero() {
		// An open end: last year ends where this year's last day falls,
		// one year earlier.
		cut := end.AddDate(-1, 0, 0).Format(time.DateOnly)
		kept := make(map[string]dayCounts, len(ly))
		for day, c := range ly {
			if day <= cut {
				kept[day] = c
			}
		}
		ly = kept
	}
	weeks := map[string]*haven.PeriodCount{}
	months := map[string]*haven.PeriodCount{}
	for d := isoWeekStart(start); !d.After(end); d = d.AddDate(0, 0, 7) {
		p := &haven.PeriodCount{Period: weekLabel(d), Start: d.Format(time.DateOnly)}
		weeks[p.Start] = p
		out.Weeks = append(out.Weeks, *p)
	}
	for d := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !d.After(end); d = d.AddDate(0, 1, 0) {
		p := &haven.PeriodCount{Period: d.Format("2006-01"), Start: d.Format(time.DateOnly)}
		months[p.Period] = p
		out.Months = append(out.Months, *p)
	}
	for day, c := range days {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil || c.dv == 0 {
			continue
		}
		if w := weeks[isoWeekStart(d).Format(time.DateOnly)]; w != nil {
			w.Domestic += c.dv
		}
		if m := months[d.Format("2006-01")]; m != nil {
			m.Domestic += c.dv
		}
	}
	for day, c := range ly {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil || c.dv == 0 {
			continue
		}
		if w := weeks[isoWeekStart(d.AddDate(0, 0, 364)).Format(time.DateOnly)]; w != nil {
			w.LastYear += c.dv
		}
		if m := months[fmt.Sprintf("%04d-%02d", d.Year()+1, int(d.Month()))]; m != nil {
			m.LastYear += c.dv
		}
	}
	for i := range out.Weeks {
		out.Weeks[i] = *weeks[out.Weeks[i].Start]
	}
	for i := range out.Months {
		out.Months[i] = *months[out.Months[i].Period]
	}
	return nil
}

// ---- districts, beats, heat grid ----

// dashboardScan reads the matching incidents' day, hour, weekday, area and
// flags in one pass over the covering index (migration 0014) and counts
// them by day, by district and beat, and (DV only) by weekday and hour.
// Measured over a million incidents, this one pass beat three GROUP BY
// queries clearly on SQLite (whose GROUP BY sorts in a temporary B-tree)
// and was no slower on PostgreSQL; the groups are few (days, areas, 168
// cells), so the Go maps stay small. Last year's days, a narrower range,
// are grouped in SQL (countDays).
func dashboardScan(ctx context.Context, t *tx, q *analyticsQuery, out *haven.Dashboard) (map[string]dayCounts, error) {
	cond, args := q.where("", q.f.From, q.f.To)
	// Hour and weekday as one cell number (weekday × 24 + hour) and the two
	// flags as one code (0 not DV, 1 DV, 2 DV with an arrest): five values
	// per row instead of seven.
	rows, err := t.query(ctx, `SELECT event_day, event_dow * 24 + event_hour, district, beat,
		CASE WHEN domestic THEN (CASE WHEN arrested THEN 2 ELSE 1 END) ELSE 0 END FROM incidents WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byDay := map[string]*dayCounts{}
	districts, beats := map[string]*haven.AreaCount{}, map[string]*haven.AreaCount{}
	var day, district, beat sql.RawBytes
	var cell, flags int
	for rows.Next() {
		if err := rows.Scan(&day, &cell, &district, &beat, &flags); err != nil {
			return nil, err
		}
		dv, arrested := flags > 0, flags == 2
		c := byDay[string(day)]
		if c == nil {
			c = &dayCounts{}
			byDay[string(day)] = c
		}
		c.all++
		if dv {
			c.dv++
			if arrested {
				c.arrests++
			}
			if cell >= 0 && cell < 7*24 {
				out.HeatGrid[cell/24][cell%24]++
			}
		}
		for _, a := range []struct {
			m   map[string]*haven.AreaCount
			key sql.RawBytes
		}{{districts, district}, {beats, beat}} {
			ac := a.m[string(a.key)]
			if ac == nil {
				ac = &haven.AreaCount{Key: string(a.key)}
				a.m[ac.Key] = ac
			}
			ac.All++
			if dv {
				ac.Domestic++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out.Districts, out.Beats = sortedAreas(districts), sortedAreas(beats)
	days := make(map[string]dayCounts, len(byDay))
	for k, c := range byDay {
		days[k] = *c
	}
	return days, nil
}

func sortedAreas(m map[string]*haven.AreaCount) []haven.AreaCount {
	out := make([]haven.AreaCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Domestic != out[j].Domestic {
			return out[i].Domestic > out[j].Domestic
		}
		if out[i].All != out[j].All {
			return out[i].All > out[j].All
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// ---- repeat victimisation ----

// repeatWindow is "within twelve months": two incidents whose event times
// are at most 365 days apart.
const repeatWindow = 365 * 24 * time.Hour

// dashboardRepeat computes repeat victimisation over the DV incidents that
// match the filter (date range, district, beat, offence; the domestic
// filter is implied):
//
//   - a victim is a distinct person id with the role victim on at least
//     one of those incidents;
//   - a pair is a distinct (victim, suspect) of person ids that are a
//     victim and a suspect of the same such incident (every victim of an
//     incident with every suspect of it);
//   - a victim (pair) is repeat when at least two distinct such incidents
//     of theirs have event times at most 365 days apart — i.e. two
//     incidents fall within some twelve-month window. Incidents outside
//     the filter do not count, so the population and its events are the
//     same set.
//
// Shares are repeat / all, 0 of 0 when there are no parties (imported
// records have none).
func dashboardRepeat(ctx context.Context, t *tx, q *analyticsQuery, out *haven.Dashboard) error {
	if q.f.Domestic != nil && !*q.f.Domestic {
		return nil
	}
	cond, args := q.where("i", q.f.From, q.f.To)
	// CROSS JOIN keeps SQLite's join order (parties first, then each
	// incident by its key): imported incidents, often most of them, have
	// no parties, and scanning the incidents to probe for parties would
	// read every row. PostgreSQL plans it as the inner join it is.
	rows, err := t.query(ctx, `SELECT p.incident_id, p.person_id, p.role, i.event_at FROM incident_parties p
		CROSS JOIN incidents i WHERE i.id = p.incident_id AND `+cond+` AND i.domestic = ? AND p.role IN (?, ?)`,
		append(args, true, string(haven.PartyVictim), string(haven.PartySuspect))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type party struct{ victims, suspects []string }
	incidents := map[string]*party{}
	at := map[string]time.Time{}
	for rows.Next() {
		var incidentID, personID, role string
		var ev nullTime
		if err := rows.Scan(&incidentID, &personID, &role, &ev); err != nil {
			return err
		}
		p := incidents[incidentID]
		if p == nil {
			p = &party{}
			incidents[incidentID] = p
			at[incidentID] = ev.Time
		}
		if role == string(haven.PartyVictim) {
			p.victims = append(p.victims, personID)
		} else {
			p.suspects = append(p.suspects, personID)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Times of each victim's and pair's distinct incidents.
	victims, pairs := map[string]map[string]time.Time{}, map[string]map[string]time.Time{}
	note := func(m map[string]map[string]time.Time, key, incidentID string) {
		if m[key] == nil {
			m[key] = map[string]time.Time{}
		}
		m[key][incidentID] = at[incidentID]
	}
	for id, p := range incidents {
		for _, v := range p.victims {
			note(victims, v, id)
			for _, s := range p.suspects {
				if s != v {
					note(pairs, v+"\x00"+s, id)
				}
			}
		}
	}
	repeat := func(times map[string]time.Time) bool {
		if len(times) < 2 {
			return false
		}
		ts := make([]time.Time, 0, len(times))
		for _, t := range times {
			ts = append(ts, t)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for i := 1; i < len(ts); i++ {
			if ts[i].Sub(ts[i-1]) <= repeatWindow {
				return true
			}
		}
		return false
	}
	r := &out.Repeat
	r.Victims, r.Pairs = len(victims), len(pairs)
	for _, ts := range victims {
		if repeat(ts) {
			r.RepeatVictims++
		}
	}
	for _, ts := range pairs {
		if repeat(ts) {
			r.RepeatPairs++
		}
	}
	r.VictimShare, r.PairShare = share(r.RepeatVictims, r.Victims), share(r.RepeatPairs, r.Pairs)
	return nil
}

// ---- lethality screens ----

// dashboardLethality counts the Lethality Screens of the DV incidents that
// match the filter and were made in Haven (imported records were never
// screened here), with Screening's definitions (markScreens in
// store/risk_screening.go). Unlike Screening, which is per officer over the
// reported time, this follows the dashboard's filter (event time, area,
// offence).
func dashboardLethality(ctx context.Context, t *tx, q *analyticsQuery, screenedIn string, out *haven.Dashboard) error {
	if q.f.Domestic != nil && !*q.f.Domestic {
		return nil
	}
	cond, args := q.where("", q.f.From, q.f.To)
	inPeriod := `SELECT id FROM incidents WHERE ` + cond + ` AND domestic = ? AND source = ''`
	period := append(args, true)
	incidents := map[string]*screenState{}
	ids, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, inPeriod, period...)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		incidents[id] = &screenState{}
	}
	if err := markScreens(ctx, t, q.agencyID, inPeriod, period, screenedIn, incidents); err != nil {
		return err
	}
	l := &out.Lethality
	for _, in := range incidents {
		l.Incidents++
		for _, c := range []struct {
			ok bool
			n  *int
		}{{in.offered, &l.Offered}, {in.answered, &l.Answered}, {in.screened, &l.ScreenedIn}, {in.connected, &l.Connected}} {
			if c.ok {
				*c.n++
			}
		}
	}
	return nil
}

// ---- referrals ----

// dashboardReferrals measures the referrals the agency sent and those sent
// to it, sent (created) within the date range; district, beat, offence and
// the domestic flag do not apply. Acknowledged means accepted or declined,
// at the first transition to either; turnaround is from sending to then,
// in hours. Overdue is judged now with the referral package's targets.
func dashboardReferrals(ctx context.Context, t *tx, q *analyticsQuery, now time.Time, out *haven.Dashboard) error {
	for _, side := range []struct {
		column string
		into   *haven.ReferralTurnaround
	}{{"from_agency_id", &out.ReferralsSent}, {"to_agency_id", &out.ReferralsReceived}} {
		cond := `r.` + side.column + ` = ?`
		args := []any{q.agencyID}
		if !q.f.From.IsZero() {
			cond += ` AND r.created_at >= ?`
			args = append(args, q.f.From)
		}
		if !q.f.To.IsZero() {
			cond += ` AND r.created_at < ?`
			args = append(args, q.f.To)
		}
		type row struct {
			status, urgency         string
			created, accepted, ackd nullTime
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, s.Scan(&r.status, &r.urgency, &r.created, &r.accepted, &r.ackd)
		}, `SELECT r.status, r.urgency, r.created_at, r.accepted_at,
			(SELECT MIN(x.at) FROM referral_transitions x WHERE x.referral_id = r.id AND x.status IN (?, ?))
			FROM referrals r WHERE `+cond, append([]any{haven.ReferralAccepted, haven.ReferralDeclined}, args...)...)
		if err != nil {
			return err
		}
		s := side.into
		var hours []float64
		for _, r := range rows {
			s.Referrals++
			ack := r.ackd
			if !ack.Valid && r.accepted.Valid {
				ack = r.accepted
			}
			if ack.Valid {
				s.Acknowledged++
				hours = append(hours, ack.Time.Sub(r.created.Time).Hours())
				if ack.Time.After(referral.AcknowledgeBy(r.created.Time, r.urgency)) {
					s.AcknowledgedLate++
				}
			}
			if tg, late := referral.Overdue(referral.Fields{Status: r.status, Urgency: r.urgency, Created: r.created.Time, Accepted: r.accepted.ptr()}, now); late {
				if tg.Name == referral.TargetStart {
					s.OverdueStart++
				} else {
					s.OverdueAcknowledge++
				}
			}
		}
		if len(hours) > 0 {
			sort.Float64s(hours)
			sum := 0.0
			for _, h := range hours {
				sum += h
			}
			s.MeanHours = sum / float64(len(hours))
			if n := len(hours); n%2 == 1 {
				s.MedianHours = hours[n/2]
			} else {
				s.MedianHours = (hours[n/2-1] + hours[n/2]) / 2
			}
		}
	}
	return nil
}

// ---- shelter occupancy ----

// maxOccupancyDays bounds the daily series (ten years).
const maxOccupancyDays = 3660

// dashboardOccupancy builds the daily occupancy of the agency's shelters
// per bed category: for each local day, the last count of each location
// and category recorded by the end of that day (carried forward from
// earlier days), summed over the locations; occupied = total − available.
// The days run from the filter's From (or the first recorded count) to
// its To (or today), never past today. Only the date range applies.
func dashboardOccupancy(ctx context.Context, t *tx, q *analyticsQuery, now time.Time, out *haven.Dashboard) error {
	cond, args := `agency_id = ?`, []any{q.agencyID}
	if !q.f.To.IsZero() {
		cond += ` AND updated_at < ?`
		args = append(args, q.f.To)
	}
	type entry struct {
		id, location, category string
		total, available       int
		at                     nullTime
	}
	entries, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (entry, error) {
		var e entry
		return e, s.Scan(&e.id, &e.location, &e.category, &e.total, &e.available, &e.at)
	}, `SELECT id, location_id, category, total, available, updated_at FROM shelter_availability WHERE `+cond+
		` ORDER BY updated_at, id`, args...)
	if err != nil || len(entries) == 0 {
		return err
	}
	dayOf := func(tm time.Time) time.Time {
		l := tm.In(q.loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	first := dayOf(entries[0].at.Time)
	if !q.f.From.IsZero() {
		first = dayOf(q.f.From)
	}
	last := dayOf(now)
	if !q.f.To.IsZero() {
		if l := dayOf(q.f.To.Add(-time.Microsecond)); l.Before(last) {
			last = l
		}
	}
	if last.Sub(first) > maxOccupancyDays*24*time.Hour {
		first = last.AddDate(0, 0, -maxOccupancyDays)
	}
	type key struct{ location, category string }
	current := map[key]entry{}
	series := map[string]*haven.OccupancySeries{}
	var cats []string
	for _, e := range entries {
		if series[e.category] == nil {
			series[e.category] = &haven.OccupancySeries{Category: e.category, Days: []haven.OccupancyDay{}}
			cats = append(cats, e.category)
		}
	}
	sort.Strings(cats)
	i := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		// Apply every entry recorded before the end of local day d.
		end := d.AddDate(0, 0, 1)
		for ; i < len(entries) && dayOf(entries[i].at.Time).Before(end); i++ {
			e := entries[i]
			current[key{e.location, e.category}] = e
		}
		sums := map[string]*haven.OccupancyDay{}
		for k, e := range current {
			s := sums[k.category]
			if s == nil {
				s = &haven.OccupancyDay{Day: d.Format(time.DateOnly)}
				sums[k.category] = s
			}
			s.Total += e.total
			s.Occupied += e.total - e.available
		}
		for _, c := range cats {
			day := haven.OccupancyDay{Day: d.Format(time.DateOnly)}
			if s := sums[c]; s != nil {
				day = *s
			}
			if day.Total > 0 {
				day.Percent = float64(day.Occupied) * 100 / float64(day.Total)
			}
			series[c].Days = append(series[c].Days, day)
		}
	}
	for _, c := range cats {
		out.Occupancy = append(out.Occupancy, *series[c])
	}
	return nil
}
