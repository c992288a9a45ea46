package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/haven-dv/haven"
)

// incidentAnalytics is what each incident row carries for counting
// (migration 0012): the first offence, whether anyone was arrested, and
// the event's local day, hour and weekday in the agency's time zone.
type incidentAnalytics struct {
	offense  string
	arrested bool
	day      string
	hour     int
	dow      int
}

// incidentEventAt is what the event_at column holds: when it happened, or
// when it was reported when that is unknown.
func incidentEventAt(in *haven.Incident) time.Time {
	if in.OccurredAt != nil {
		return *in.OccurredAt
	}
	return in.ReportedAt
}

func analyticsOf(in *haven.Incident, loc *time.Location) incidentAnalytics {
	event := incidentEventAt(in)
	if loc == nil {
		loc = time.UTC
	}
	local := event.In(loc)
	a := incidentAnalytics{day: local.Format(time.DateOnly), hour: local.Hour(), dow: int(local.Weekday())}
	if len(in.Offenses) > 0 {
		a.offense = in.Offenses[0].Code
	}
	a.arrested = len(in.Arrests) > 0 || in.SourceCodes["arrest"] == "true"
	return a
}

// backfillIncidentAnalytics fills migration 0012's columns for rows written
// before it, in the agency's time zone. It runs in the migration's
// transaction, so a failure leaves the database at version 11.
func backfillIncidentAnalytics(ctx context.Context, t *tx) error {
	type row struct {
		id, tz, facts string
		reported      time.Time
		occurred      *time.Time
	}
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		var rep, occ nullTime
		if err := s.Scan(&r.id, &r.tz, &r.facts, &rep, &occ); err != nil {
			return r, err
		}
		r.reported, r.occurred = rep.Time, occ.ptr()
		return r, nil
	}, `SELECT i.id, a.time_zone, i.facts, i.reported_at, i.occurred_at FROM incidents i JOIN agencies a ON a.id = i.agency_id`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		var f incidentFacts
		if err := json.Unmarshal([]byte(r.facts), &f); err != nil {
			return fmt.Errorf("incident %s facts: %w", r.id, err)
		}
		in := haven.Incident{ReportedAt: r.reported, OccurredAt: r.occurred}
		f.into(&in)
		ag := haven.Agency{TimeZone: r.tz}
		a := analyticsOf(&in, ag.Location())
		if _, err := t.exec(ctx, `UPDATE incidents SET offense = ?, arrested = ?, event_day = ?, event_hour = ?, event_dow = ? WHERE id = ?`,
			a.offense, a.arrested, a.day, a.hour, a.dow, r.id); err != nil {
			return err
		}
	}
	return nil
}
