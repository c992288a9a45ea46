package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// Screening counts the Lethality Screens of the actor's agency's domestic
// incidents reported in [from, to), per officer (the report's author), per
// beat and in total. It counts incidents, not assessments: an incident
// screened twice counts once, and its latest assessment that nothing
// supersedes decides whether it was answered and screened in.
//
//   - offered: the incident has a Lethality Screen recorded, or its
//     "lethality_screen" protocol step is done;
//   - answered: the deciding screen has at least one item answered;
//   - screened in: the deciding screen's band is the instrument's
//     screened-in band, or a high band;
//   - connected: a screen of the incident has a hotline call in which the
//     victim spoke with the hotline (a call made before a correction still
//     happened).
//
// Imported incidents (with a source) are left out: they were never
// screened in Haven. Only counts and staff names leave the database.
func (db *DB) Screening(ctx context.Context, from, to time.Time) (*haven.ScreeningStats, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.AgencyID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to count its screens")
	}
	if from.IsZero() || to.IsZero() {
		return nil, haven.FieldErrorf(haven.EINVALID, "from", "give both from and to")
	}
	from, to = utcMicro(from), utcMicro(to)
	if !from.Before(to) {
		return nil, haven.FieldErrorf(haven.EINVALID, "to", "to must be after from")
	}
	d := access.Decide(actor, access.ScreeningView, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.refuseRiskList(ctx, access.ScreeningView, "incident", actor.AgencyID, d.Reason)
	}
	screenedIn := ""
	if lap, ok := db.instrumentSet(ctx, actor).Get(riskInstrumentL); ok {
		screenedIn = lap.Scoring.ScreenedIn
	}
	type incident struct {
		id, officer, beat string
		screenState
	}
	incidents := map[string]*screenState{}
	var order []*incident
	stats := &haven.ScreeningStats{From: from, To: to, Total: haven.ScreeningRow{Key: "total", Label: "Total"},
		ByOfficer: []haven.ScreeningRow{}, ByBeat: []haven.ScreeningRow{}}
	err := db.inTx(ctx, false, func(t *tx) error {
		const inPeriod = `SELECT id FROM incidents WHERE agency_id = ? AND domestic = ? AND source = '' AND reported_at >= ? AND reported_at < ?`
		period := []any{actor.AgencyID, true, from, to}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (*incident, error) {
			var in incident
			return &in, s.Scan(&in.id, &in.officer, &in.beat)
		}, `SELECT id, created_by, beat FROM incidents WHERE agency_id = ? AND domestic = ? AND source = '' AND reported_at >= ? AND reported_at < ?`,
			period...)
		if err != nil {
			return err
		}
		for _, in := range rows {
			incidents[in.id] = &in.screenState
			order = append(order, in)
		}
		if len(order) == 0 {
			return nil
		}
		if err := markScreens(ctx, t, actor.AgencyID, inPeriod, period, screenedIn, incidents); err != nil {
			return err
		}
		officers := map[string]*haven.ScreeningRow{}
		beats := map[string]*haven.ScreeningRow{}
		count := func(r *haven.ScreeningRow, in *incident) {
			r.Incidents++
			for _, c := range []struct {
				ok bool
				n  *int
			}{{in.offered, &r.Offered}, {in.answered, &r.Answered}, {in.screened, &r.ScreenedIn}, {in.connected, &r.Connected}} {
				if c.ok {
					*c.n++
				}
			}
		}
		for _, in := range order {
			if officers[in.officer] == nil {
				officers[in.officer] = &haven.ScreeningRow{Key: in.officer}
			}
			if beats[in.beat] == nil {
				label := "Beat " + in.beat
				if in.beat == "" {
					label = "No beat"
				}
				beats[in.beat] = &haven.ScreeningRow{Key: in.beat, Label: label}
			}
			count(officers[in.officer], in)
			count(beats[in.beat], in)
			count(&stats.Total, in)
		}
		names, err := userNames(ctx, t, sortedKeys(officers))
		if err != nil {
			return err
		}
		for id, r := range officers {
			r.Label = names[id]
			if r.Label == "" {
				r.Label = id
			}
			stats.ByOfficer = append(stats.ByOfficer, *r)
		}
		for _, r := range beats {
			stats.ByBeat = append(stats.ByBeat, *r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, rows := range [][]haven.ScreeningRow{stats.ByOfficer, stats.ByBeat} {
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Label != rows[j].Label {
				return rows[i].Label < rows[j].Label
			}
			return rows[i].Key < rows[j].Key
		})
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.ScreeningView), audit.Allowed, "incident", "", actor.AgencyID, basisLabel(d),
		map[string]string{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "incidents": fmt.Sprint(stats.Total.Incidents)})); err != nil {
		return nil, err
	}
	return stats, nil
}

// later orders assessments: by when they were made, then recorded, then id.
func later(at1, created1 time.Time, id1 string, at2, created2 time.Time, id2 string) bool {
	switch {
	case !at1.Equal(at2):
		return at1.After(at2)
	case !created1.Equal(created2):
		return created1.After(created2)
	}
	return id1 > id2
}

// screenState is what the Lethality Screen did for one DV incident, by the
// definitions the supervisors' screening page and the dashboard share.
type screenState struct{ offered, answered, screened, connected bool }

// markScreens fills states — one per incident that inPeriod (a SELECT of
// incident ids, with its arguments period) selects — from the agency's
// screens, their hotline calls and the protocol: offered = a screen
// recorded or the protocol step done; answered = the deciding screen
// (latest not superseded) has an answer; screened in = its band is the
// instrument's screened-in band or a high band; connected = a screen of the
// incident has a hotline call in which the victim spoke with the hotline.
func markScreens(ctx context.Context, t *tx, agencyID, inPeriod string, period []any, screenedIn string, states map[string]*screenState) error {
	type screen struct {
		id, incidentID, band, hotline string
		high, superseded              bool
		answered                      int
		assessed, created             nullTime
	}
	screens, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (*screen, error) {
		var sc screen
		var superseded int
		err := s.Scan(&sc.id, &sc.incidentID, &sc.band, &sc.high, &sc.answered, &sc.assessed, &sc.created, &sc.hotline, &superseded)
		sc.superseded = superseded > 0
		return &sc, err
	}, `SELECT a.id, a.incident_id, a.band, a.high, a.answered, a.assessed_at, a.created_at, COALESCE(h.outcome, ''),
		(SELECT COUNT(*) FROM risk_assessments s WHERE s.supersedes = a.id)
		FROM risk_assessments a LEFT JOIN risk_hotline h ON h.assessment_id = a.id
		WHERE a.agency_id = ? AND a.instrument = ? AND a.incident_id IN (`+inPeriod+`)`,
		append([]any{agencyID, riskInstrumentL}, period...)...)
	if err != nil {
		return err
	}
	deciding := map[string]*screen{}
	for _, sc := range screens {
		in := states[sc.incidentID]
		if in == nil {
			continue
		}
		in.offered = true
		in.connected = in.connected || sc.hotline == haven.HotlineSpoke
		if sc.superseded {
			continue
		}
		if cur := deciding[sc.incidentID]; cur == nil || later(sc.assessed.Time, sc.created.Time, sc.id, cur.assessed.Time, cur.created.Time, cur.id) {
			deciding[sc.incidentID] = sc
		}
	}
	for id, sc := range deciding {
		in := states[id]
		in.answered = sc.answered > 0
		in.screened = sc.high || (screenedIn != "" && sc.band == screenedIn)
	}
	done, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT incident_id FROM incident_protocol WHERE step = 'lethality_screen' AND state = 'done' AND incident_id IN (`+inPeriod+`)`,
		period...)
	if err != nil {
		return err
	}
	for _, id := range done {
		if in := states[id]; in != nil {
			in.offered = true
		}
	}
	return nil
}
