package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
)

// analyticsWorld is metro-pd (America/Chicago) with known incidents; the
// clock stands at 2026-03-01 12:00 UTC.
//
// Imported (no parties, never screened):
//
//	A 2026-02-10 03:30 UTC = Mon 2026-02-09 21:30 CST  DV  007/0712 13B arrest  position
//	B 2026-02-11 15:00 UTC = Wed 09:00                 DV  007/0713 13A
//	C 2026-02-20 18:00 UTC = Fri 12:00                 -   008/0825 23H arrest  position
//	D 2025-02-12 16:00 UTC = Wed 2025-02-12 10:00      DV  007/0712 13B         position
//	F 2026-01-05 12:00 UTC = Mon 06:00                 DV  008/0811 13B arrest
//
// Made in Haven, district 009, beat 0921, no offence (V = w.victim, V2 =
// w.witness as a victim, S = w.suspect, S2 another person):
//
//	H1 2026-02-01 18:00 UTC = Sun 12:00  DV  V–S   screened in, spoke with the hotline
//	H2 2026-02-15 18:00 UTC = Sun 12:00  DV  V–S2  screened, not in
//	H3 2025-01-20 18:00 UTC = Mon 12:00  DV  V2–S
//	H4 2026-02-25 18:00 UTC = Wed 12:00  DV  V2–S  (401 days after H3)
//	H5 2026-02-20 18:00 UTC = Fri 12:00  DV  V–S
//	H6 2026-02-21 18:00 UTC = Sat 12:00  -   V–S
//
// safe-harbor has one DV incident with a position on 2026-02-10, never
// counted for metro-pd.
type analyticsWorld struct {
	*riskWorld
	s2        *haven.Person
	h         map[string]*haven.Incident
	shCtx     context.Context
	systemCtx context.Context
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func newAnalyticsWorld(t *testing.T, db *store.DB, c *clock) *analyticsWorld {
	t.Helper()
	w := &analyticsWorld{riskWorld: newRiskWorld(t, db, c), h: map[string]*haven.Incident{}}
	w.s2 = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Second", FamilyName: "Suspect"})
	w.shCtx = w.shSupervisorCtx
	w.systemCtx = haven.NewContextWithActor(context.Background(), haven.SystemActor("analytics-test"))
	imported := func(id, when string, dv bool, district, beat, offense string, arrest bool, lat, lon float64) *haven.Incident {
		ts := at(when)
		in := &haven.Incident{Source: "chicago", SourceID: id, ReportedAt: ts, OccurredAt: &ts, Domestic: dv,
			Location:    haven.Location{District: district, Beat: beat},
			Offenses:    []haven.Offense{{Code: offense}},
			SourceCodes: map[string]string{"arrest": map[bool]string{true: "true", false: "false"}[arrest]}}
		if lat != 0 {
			in.Location.Latitude, in.Location.Longitude = fptr(lat), fptr(lon)
		}
		return in
	}
	batch := []*haven.Incident{
		imported("A", "2026-02-10 03:30", true, "007", "0712", "13B", true, 41.78, -87.66),
		imported("B", "2026-02-11 15:00", true, "007", "0713", "13A", false, 0, 0),
		imported("C", "2026-02-20 18:00", false, "008", "0825", "23H", true, 41.80, -87.70),
		imported("D", "2025-02-12 16:00", true, "007", "0712", "13B", false, 41.77, -87.65),
		imported("F", "2026-01-05 12:00", true, "008", "0811", "13B", true, 0, 0),
	}
	if _, err := db.ImportIncidents(w.importerCtx, w.pd.ID, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportIncidents(w.importerCtx, w.sh.ID, []*haven.Incident{
		imported("E", "2026-02-10 03:30", true, "007", "0712", "13B", true, 41.79, -87.61)}); err != nil {
		t.Fatal(err)
	}
	made := func(name, when string, dv bool, victim, suspect *haven.Person) {
		ts := at(when)
		in := &haven.Incident{ReportedAt: ts, OccurredAt: &ts, Domestic: dv, Location: haven.Location{District: "009", Beat: "0921"},
			Parties: []haven.Party{{PersonID: victim.ID, Role: haven.PartyVictim}, {PersonID: suspect.ID, Role: haven.PartySuspect}}}
		w.h[name] = mustIncident(t, w.officerCtx, db, in)
	}
	made("H1", "2026-02-01 18:00", true, w.victim, w.suspect)
	made("H2", "2026-02-15 18:00", true, w.victim, w.s2)
	made("H3", "2025-01-20 18:00", true, w.witness, w.suspect)
	made("H4", "2026-02-25 18:00", true, w.witness, w.suspect)
	made("H5", "2026-02-20 18:00", true, w.victim, w.suspect)
	made("H6", "2026-02-21 18:00", false, w.victim, w.suspect)
	if _, err := db.RecordHotline(w.officerCtx, w.lap(t, w.officerCtx, w.h["H1"].ID, true).ID, haven.HotlineContact{Outcome: "spoke"}); err != nil {
		t.Fatal(err)
	}
	w.lap(t, w.officerCtx, w.h["H2"].ID, false)
	return w
}

// referrals adds referrals by SQL (their life cycle is tested elsewhere):
//
//	R1 pd→sh urgent    sent 02-10 12:00, accepted 18:00 (6 h), not started: start overdue
//	R2 pd→sh routine   sent 02-20 12:00, declined 02-21 12:00 (24 h)
//	R3 pd→sh urgent    sent 02-27 12:00, still sent: acknowledge overdue
//	R4 pd→sh emergency sent 02-28 12:00, accepted 15:00 (3 h, late), in progress
//	R5 sh→pd routine   sent 02-25 12:00, received: acknowledge overdue
//	R6 pd→sh routine   sent 2025-12-01 12:00, accepted 2025-12-02 12:00 (24 h), completed
//	R7 sh→service      sent 02-20 12:00: not metro-pd's
func (w *analyticsWorld) referrals(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	n := 0
	add := func(from, to *haven.Agency, urgency, status, sent string, ack string, ackStatus string) {
		t.Helper()
		n++
		id := "r" + string(rune('0'+n))
		var toID any
		if to != nil {
			toID = to.ID
		}
		var accepted any
		if ackStatus == haven.ReferralAccepted {
			accepted = at(ack)
		}
		if err := w.db.ExecRaw(ctx, `INSERT INTO referrals (id, from_agency_id, from_user, person_id, to_agency_id, need, urgency, status,
			created_at, updated_at, acknowledge_by, accepted_at) VALUES (?, ?, 'u', ?, ?, 'shelter', ?, ?, ?, ?, ?, ?)`,
			id, from.ID, w.victim.ID, toID, urgency, status, at(sent), at(sent), at(sent), accepted); err != nil {
			t.Fatal(err)
		}
		if ack != "" {
			if err := w.db.ExecRaw(ctx, `INSERT INTO referral_transitions (id, referral_id, seq, status, at, by_actor) VALUES (?, ?, 1, ?, ?, 'u')`,
				id+"t", id, ackStatus, at(ack)); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(w.pd, w.sh, haven.UrgencyUrgent, haven.ReferralAccepted, "2026-02-10 12:00", "2026-02-10 18:00", haven.ReferralAccepted)
	add(w.pd, w.sh, haven.UrgencyRoutine, haven.ReferralDeclined, "2026-02-20 12:00", "2026-02-21 12:00", haven.ReferralDeclined)
	add(w.pd, w.sh, haven.UrgencyUrgent, haven.ReferralSent, "2026-02-27 12:00", "", "")
	add(w.pd, w.sh, haven.UrgencyEmergency, haven.ReferralInProgress, "2026-02-28 12:00", "2026-02-28 15:00", haven.ReferralAccepted)
	add(w.sh, w.pd, haven.UrgencyRoutine, haven.ReferralReceived, "2026-02-25 12:00", "", "")
	add(w.pd, w.sh, haven.UrgencyRoutine, haven.ReferralCompleted, "2025-12-01 12:00", "2025-12-02 12:00", haven.ReferralAccepted)
	add(w.sh, nil, haven.UrgencyRoutine, haven.ReferralSent, "2026-02-20 12:00", "", "")
}

// shelters records safe-harbor's availability history by SQL:
//
//	L1 families      02-26 10:00 UTC 4 of 10 free; 02-27 20:00 2 free; 02-28 05:00 (23:00 on the 27th, local) 1 free
//	L2 families      02-27 12:00 UTC 5 of 5 free
//	L1 single_women  02-28 15:00 UTC 0 of 4 free
func (w *analyticsWorld) shelters(t *testing.T) {
	t.Helper()
	for i, e := range []struct {
		loc, cat, when   string
		total, available int
	}{
		{"L1", "families", "2026-02-26 10:00", 10, 4},
		{"L1", "families", "2026-02-27 20:00", 10, 2},
		{"L1", "families", "2026-02-28 05:00", 10, 1},
		{"L2", "families", "2026-02-27 12:00", 5, 5},
		{"L1", "single_women", "2026-02-28 15:00", 4, 0},
	} {
		if err := w.db.ExecRaw(context.Background(), `INSERT INTO shelter_availability (id, location_id, agency_id, category, total, available,
			updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'u')`, "sa"+string(rune('0'+i)), e.loc, w.sh.ID, e.cat, e.total, e.available, at(e.when)); err != nil {
			t.Fatal(err)
		}
	}
}

func bptr(b bool) *bool { return &b }

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func TestDashboard(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newAnalyticsWorld(t, db, c)
		w.referrals(t)
		w.shelters(t)
		// January and February 2026, local time.
		rng := haven.AnalyticsFilter{From: at("2026-01-01 06:00"), To: at("2026-03-01 06:00")}
		got, err := db.Dashboard(w.analystCtx, rng)
		if err != nil {
			t.Fatal(err)
		}
		if got.TimeZone != "America/Chicago" || !got.GeneratedAt.Equal(c.Now()) {
			t.Errorf("zone %q, generated %s", got.TimeZone, got.GeneratedAt)
		}
		if want := (haven.DashboardTotals{Incidents: 9, Domestic: 7, DomesticShare: 7.0 / 9, Arrests: 2, ArrestRate: 2.0 / 7}); got.Totals != want {
			t.Errorf("totals = %+v, want %+v", got.Totals, want)
		}
		wk := func(p, start string, dv, ly int) haven.PeriodCount {
			return haven.PeriodCount{Period: p, Start: start, Domestic: dv, LastYear: ly}
		}
		wantWeeks := []haven.PeriodCount{
			wk("2026-W01", "2025-12-29", 0, 0), wk("2026-W02", "2026-01-05", 1, 0), wk("2026-W03", "2026-01-12", 0, 0),
			wk("2026-W04", "2026-01-19", 0, 1), wk("2026-W05", "2026-01-26", 1, 0), wk("2026-W06", "2026-02-02", 0, 0),
			wk("2026-W07", "2026-02-09", 3, 1), wk("2026-W08", "2026-02-16", 1, 0), wk("2026-W09", "2026-02-23", 1, 0),
		}
		if !reflect.DeepEqual(got.Weeks, wantWeeks) {
			t.Errorf("weeks =\n%s\nwant\n%s", jsonOf(got.Weeks), jsonOf(wantWeeks))
		}
		wantMonths := []haven.PeriodCount{wk("2026-01", "2026-01-01", 1, 1), wk("2026-02", "2026-02-01", 6, 1)}
		if !reflect.DeepEqual(got.Months, wantMonths) {
			t.Errorf("months = %+v, want %+v", got.Months, wantMonths)
		}
		area := func(k string, dv, all int) haven.AreaCount { return haven.AreaCount{Key: k, Domestic: dv, All: all} }
		if want := []haven.AreaCount{area("009", 4, 5), area("007", 2, 2), area("008", 1, 2)}; !reflect.DeepEqual(got.Districts, want) {
			t.Errorf("districts = %+v, want %+v", got.Districts, want)
		}
		if want := []haven.AreaCount{area("0921", 4, 5), area("0712", 1, 1), area("0713", 1, 1), area("0811", 1, 1), area("0825", 0, 1)}; !reflect.DeepEqual(got.Beats, want) {
			t.Errorf("beats = %+v, want %+v", got.Beats, want)
		}
		var grid [7][24]int
		grid[1][21] = 1 // A: 03:30 UTC on Tuesday is 21:30 on Monday in Chicago
		grid[1][6] = 1  // F
		grid[0][12] = 2 // H1, H2
		grid[3][9] = 1  // B
		grid[5][12] = 1 // H5
		grid[3][12] = 1 // H4
		if got.HeatGrid != grid {
			t.Errorf("heat grid =\n%v\nwant\n%v", got.HeatGrid, grid)
		}
		if want := (haven.RepeatVictimisation{Victims: 2, RepeatVictims: 1, VictimShare: 0.5, Pairs: 3, RepeatPairs: 1, PairShare: 1.0 / 3}); got.Repeat != want {
			t.Errorf("repeat = %+v, want %+v", got.Repeat, want)
		}
		if want := (haven.LethalityCounts{Incidents: 4, Offered: 2, Answered: 2, ScreenedIn: 1, Connected: 1}); got.Lethality != want {
			t.Errorf("lethality = %+v, want %+v", got.Lethality, want)
		}
		if want := (haven.ReferralTurnaround{Referrals: 4, Acknowledged: 3, MedianHours: 6, MeanHours: 11, AcknowledgedLate: 1,
			OverdueAcknowledge: 1, OverdueStart: 1}); got.ReferralsSent != want {
			t.Errorf("referrals sent = %+v, want %+v", got.ReferralsSent, want)
		}
		if want := (haven.ReferralTurnaround{Referrals: 1, OverdueAcknowledge: 1}); got.ReferralsReceived != want {
			t.Errorf("referrals received = %+v, want %+v", got.ReferralsReceived, want)
		}
		if len(got.Occupancy) != 0 {
			t.Errorf("metro-pd has no shelters: %+v", got.Occupancy)
		}
		if e := lastAudit(t, db, "analytics.view", audit.Allowed); e == nil || e.Basis != "aggregate" || e.RecordAgencyID != w.pd.ID ||
			e.Details["incidents"] != "9" || e.Details["from"] != "2026-01-01T06:00:00Z" {
			t.Errorf("audit = %+v", e)
		}

		// No filter: everything of metro-pd, and nothing of safe-harbor.
		all, err := db.Dashboard(w.supervisorCtx, haven.AnalyticsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := (haven.DashboardTotals{Incidents: 11, Domestic: 9, DomesticShare: 9.0 / 11, Arrests: 2, ArrestRate: 2.0 / 9}); all.Totals != want {
			t.Errorf("all totals = %+v, want %+v", all.Totals, want)
		}
		// H3 and H4 are 401 days apart: V2 and V2–S are not repeats.
		if want := (haven.RepeatVictimisation{Victims: 2, RepeatVictims: 1, VictimShare: 0.5, Pairs: 3, RepeatPairs: 1, PairShare: 1.0 / 3}); all.Repeat != want {
			t.Errorf("all repeat = %+v, want %+v", all.Repeat, want)
		}
		if all.ReferralsSent.Referrals != 5 || all.ReferralsSent.MedianHours != 15 || all.ReferralsSent.MeanHours != 57.0/4 {
			t.Errorf("all referrals sent = %+v", all.ReferralsSent)
		}
		// Weeks run from H3's (2025-01-20, W04) to H4's (2026-02-25, W09).
		if n := len(all.Weeks); n == 0 || all.Weeks[0].Period != "2025-W04" || all.Weeks[n-1].Period != "2026-W09" || n != 58 {
			t.Errorf("all weeks: %d from %+v", n, all.Weeks[0])
		}
		if n := len(all.Months); n != 14 || all.Months[0].Period != "2025-01" || all.Months[0].Domestic != 1 {
			t.Errorf("all months: %+v", all.Months)
		}
		// Last year (2025-02) is counted both as its own month and as
		// February 2026's last year.
		for _, m := range all.Months {
			if m.Period == "2025-02" && (m.Domestic != 1 || m.LastYear != 0) || m.Period == "2026-02" && (m.Domestic != 6 || m.LastYear != 1) {
				t.Errorf("month %+v", m)
			}
		}

		// Filters.
		for _, c := range []struct {
			name string
			f    haven.AnalyticsFilter
			want haven.DashboardTotals
		}{
			{"district 007", haven.AnalyticsFilter{District: "007"}, haven.DashboardTotals{Incidents: 3, Domestic: 3, DomesticShare: 1, Arrests: 1, ArrestRate: 1.0 / 3}},
			{"beat 0825", haven.AnalyticsFilter{Beat: "0825"}, haven.DashboardTotals{Incidents: 1}},
			{"offence 13a", haven.AnalyticsFilter{Offense: "13a"}, haven.DashboardTotals{Incidents: 1, Domestic: 1, DomesticShare: 1}},
			{"not domestic", haven.AnalyticsFilter{Domestic: bptr(false)}, haven.DashboardTotals{Incidents: 2}},
			{"domestic", haven.AnalyticsFilter{Domestic: bptr(true)}, haven.DashboardTotals{Incidents: 9, Domestic: 9, DomesticShare: 1, Arrests: 2, ArrestRate: 2.0 / 9}},
			{"2025", haven.AnalyticsFilter{From: at("2025-01-01 06:00"), To: at("2026-01-01 06:00")}, haven.DashboardTotals{Incidents: 2, Domestic: 2, DomesticShare: 1}},
		} {
			d, err := db.Dashboard(w.analystCtx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if d.Totals != c.want {
				t.Errorf("%s: totals = %+v, want %+v", c.name, d.Totals, c.want)
			}
			if c.name == "district 007" && (d.Repeat != haven.RepeatVictimisation{} || d.Lethality != haven.LethalityCounts{}) {
				t.Errorf("district 007 (imported only): repeat %+v, lethality %+v", d.Repeat, d.Lethality)
			}
			if c.name == "not domestic" && (d.HeatGrid != [7][24]int{} || d.Repeat != haven.RepeatVictimisation{}) {
				t.Errorf("not domestic: %+v", d)
			}
		}

		// Shelter occupancy of safe-harbor, from 26 February (local).
		sh, err := db.Dashboard(w.shCtx, haven.AnalyticsFilter{From: at("2026-02-26 06:00")})
		if err != nil {
			t.Fatal(err)
		}
		day := func(d string, total, occ int, pct float64) haven.OccupancyDay {
			return haven.OccupancyDay{Day: d, Total: total, Occupied: occ, Percent: pct}
		}
		wantOcc := []haven.OccupancySeries{
			{Category: "families", Days: []haven.OccupancyDay{day("2026-02-26", 10, 6, 60), day("2026-02-27", 15, 9, 60),
				day("2026-02-28", 15, 9, 60), day("2026-03-01", 15, 9, 60)}},
			{Category: "single_women", Days: []haven.OccupancyDay{day("2026-02-26", 0, 0, 0), day("2026-02-27", 0, 0, 0),
				day("2026-02-28", 4, 4, 100), day("2026-03-01", 4, 4, 100)}},
		}
		if !reflect.DeepEqual(sh.Occupancy, wantOcc) {
			t.Errorf("occupancy =\n%s\nwant\n%s", jsonOf(sh.Occupancy), jsonOf(wantOcc))
		}
		// From 26 February: E happened, and R5 and R7 were sent, before;
		// R3 and R4 reached safe-harbor after.
		if want := (haven.ReferralTurnaround{Referrals: 2, Acknowledged: 1, MedianHours: 3, MeanHours: 3, AcknowledgedLate: 1, OverdueAcknowledge: 1}); sh.Totals.Incidents != 0 || sh.ReferralsSent.Referrals != 0 || sh.ReferralsReceived != want {
			t.Errorf("safe-harbor: %+v, sent %+v, received %+v", sh.Totals, sh.ReferralsSent, sh.ReferralsReceived)
		}

		// A system process names the agency.
		sys, err := db.Dashboard(w.systemCtx, haven.AnalyticsFilter{AgencyID: w.pd.ID, From: rng.From, To: rng.To})
		if err != nil || sys.Totals != got.Totals {
			t.Errorf("system dashboard: %+v, %v", sys, err)
		}
		_, err = db.Dashboard(w.systemCtx, haven.AnalyticsFilter{})
		wantCode(t, err, haven.EINVALID, "agency_id")
		// A user's AgencyID is ignored: the analyst still reads metro-pd.
		other, err := db.Dashboard(w.analystCtx, haven.AnalyticsFilter{AgencyID: w.sh.ID})
		if err != nil || other.Totals.Incidents != 11 {
			t.Errorf("analyst naming another agency: %+v, %v", other, err)
		}

		_, err = db.Dashboard(w.analystCtx, haven.AnalyticsFilter{From: rng.To, To: rng.From})
		wantCode(t, err, haven.EINVALID, "to")
		_, err = db.Dashboard(w.analystCtx, haven.AnalyticsFilter{From: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)})
		wantCode(t, err, haven.EINVALID, "from")
		_, err = db.Dashboard(w.analystCtx, haven.AnalyticsFilter{District: "0\x00"})
		wantCode(t, err, haven.EINVALID, "district")

		// Refused, and audited as refused.
		for _, ctx := range []context.Context{w.officerCtx, w.advocateCtx} {
			_, err := db.Dashboard(ctx, haven.AnalyticsFilter{})
			wantCode(t, err, haven.EFORBIDDEN, "")
		}
		if e := lastAudit(t, db, "analytics.view", audit.Denied); e == nil || e.Details["policy"] == "" {
			t.Errorf("refusal audit = %+v", e)
		}
		_, err = db.Dashboard(context.Background(), haven.AnalyticsFilter{})
		wantCode(t, err, haven.EUNAUTHORIZED, "")
	})
}

func TestIncidentPoints(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newAnalyticsWorld(t, db, c)
		for _, tc := range []struct {
			name string
			ctx  context.Context
			f    haven.AnalyticsFilter
			want []haven.GeoPoint
		}{
			{"all", w.analystCtx, haven.AnalyticsFilter{}, []haven.GeoPoint{{Lat: 41.77, Lon: -87.65}, {Lat: 41.78, Lon: -87.66}, {Lat: 41.80, Lon: -87.70}}},
			{"2026", w.supervisorCtx, haven.AnalyticsFilter{From: at("2026-01-01 06:00")}, []haven.GeoPoint{{Lat: 41.78, Lon: -87.66}, {Lat: 41.80, Lon: -87.70}}},
			{"domestic", w.pdAdminCtx, haven.AnalyticsFilter{Domestic: bptr(true)}, []haven.GeoPoint{{Lat: 41.77, Lon: -87.65}, {Lat: 41.78, Lon: -87.66}}},
			{"beat", w.analystCtx, haven.AnalyticsFilter{Beat: "0825"}, []haven.GeoPoint{{Lat: 41.80, Lon: -87.70}}},
			{"offence", w.analystCtx, haven.AnalyticsFilter{Offense: "13B", To: at("2026-01-01 06:00")}, []haven.GeoPoint{{Lat: 41.77, Lon: -87.65}}},
			{"none", w.analystCtx, haven.AnalyticsFilter{District: "009"}, []haven.GeoPoint{}},
			{"safe-harbor", w.shCtx, haven.AnalyticsFilter{}, []haven.GeoPoint{{Lat: 41.79, Lon: -87.61}}},
			{"system", w.systemCtx, haven.AnalyticsFilter{AgencyID: w.sh.ID}, []haven.GeoPoint{{Lat: 41.79, Lon: -87.61}}},
		} {
			got, err := db.IncidentPoints(tc.ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			sortPoints(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		e := lastAudit(t, db, "analytics.points", audit.Allowed)
		if e == nil || e.Details["count"] != "1" || e.RecordAgencyID != w.sh.ID || e.Basis != "system:analytics-test" {
			t.Fatalf("audit = %+v", e)
		}
		for k, v := range e.Details {
			if k != "count" {
				t.Errorf("points audit detail %s=%s", k, v)
			}
		}
		for _, ctx := range []context.Context{w.officerCtx, w.advocateCtx} {
			_, err := db.IncidentPoints(ctx, haven.AnalyticsFilter{})
			wantCode(t, err, haven.EFORBIDDEN, "")
		}
		if e := lastAudit(t, db, "analytics.points", audit.Denied); e == nil {
			t.Error("refusal not audited")
		}
		// The audit log never holds a coordinate.
		for _, e := range auditOf(t, db) {
			if e.Action == "analytics.points" && (jsonContains(e.Details, "41.7") || jsonContains(e.Details, "-87.")) {
				t.Errorf("coordinates in the audit log: %+v", e)
			}
		}
	})
}

func jsonContains(v any, s string) bool {
	b, _ := json.Marshal(v)
	return len(s) > 0 && contains(string(b), s)
}

func contains(h, n string) bool {
	for i := 0; i+len(n) <= len(h); i++ {
		if h[i:i+len(n)] == n {
			return true
		}
	}
	return false
}

func sortPoints(ps []haven.GeoPoint) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && (ps[j].Lat < ps[j-1].Lat || ps[j].Lat == ps[j-1].Lat && ps[j].Lon < ps[j-1].Lon); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// TestBackfillIncidentAnalytics clears migration 0012's columns, as they
// were for rows written before it, runs its Go step and finds the same
// dashboard as before.
func TestBackfillIncidentAnalytics(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newAnalyticsWorld(t, db, c)
		before, err := db.Dashboard(w.analystCtx, haven.AnalyticsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := db.ExecRaw(ctx, `UPDATE incidents SET offense = '', arrested = FALSE, event_day = '', event_hour = 0, event_dow = 0`); err != nil {
			t.Fatal(err)
		}
		cleared, err := db.Dashboard(w.analystCtx, haven.AnalyticsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if cleared.Totals.Arrests != 0 || cleared.HeatGrid[0][0] != 9 {
			t.Fatalf("columns not cleared: %+v %v", cleared.Totals, cleared.HeatGrid[0])
		}
		if err := db.BackfillIncidentAnalytics(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := db.Dashboard(w.analystCtx, haven.AnalyticsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("after the backfill\n%s\nbefore\n%s", jsonOf(after), jsonOf(before))
		}
		for _, f := range []haven.AnalyticsFilter{{Offense: "13B"}, {Offense: "23H"}} {
			if d, err := db.Dashboard(w.analystCtx, f); err != nil || d.Totals.Incidents == 0 {
				t.Errorf("offence %s after backfill: %+v, %v", f.Offense, d, err)
			}
		}
	})
}
