package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/risk"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// riskWorld is the incident tests' world with the risk settings helpers.
type riskWorld struct {
	*incidentWorld
	c *clock
}

func newRiskWorld(t *testing.T, db *store.DB, c *clock) *riskWorld {
	t.Helper()
	return &riskWorld{incidentWorld: newIncidentWorld(t, db), c: c}
}

func sptr(s string) *string { return &s }

// setPartner makes safe-harbor metro-pd's partner advocacy agency and sets
// the hotline.
func (w *riskWorld) setPartner(t *testing.T) {
	t.Helper()
	_, err := w.db.UpdateAgencySettings(w.pdAdminCtx, w.pd.ID, haven.AgencySettings{PartnerSlug: sptr("safe-harbor"),
		HotlineName: sptr("Metro DV Hotline"), HotlinePhone: sptr("+1 (312) 555-0100")})
	if err != nil {
		t.Fatal(err)
	}
}

// callout is a report of metro-pd reported at `at` with the given parties
// (the victim, and the suspect when given).
func (w *riskWorld) callout(t *testing.T, at time.Time, domestic bool, beat string, by context.Context, persons ...*haven.Person) *haven.Incident {
	t.Helper()
	in := &haven.Incident{ReportedAt: at, Domestic: domestic, Location: haven.Location{Beat: beat}}
	for i, p := range persons {
		role := haven.PartyVictim
		if i > 0 {
			role = haven.PartySuspect
		}
		in.Parties = append(in.Parties, haven.Party{PersonID: p.ID, Role: role})
	}
	return mustIncident(t, by, w.db, in)
}

// answers answers the instrument's items: the first `yes` items yes, the
// rest no.
func answers(t *testing.T, db *store.DB, instrument string, yes int) map[string]string {
	t.Helper()
	list, err := db.Instruments(storetest.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range list {
		if inst.ID == instrument {
			out := map[string]string{}
			for i, it := range inst.Items {
				out[it.ID] = haven.AnswerNo
				if i < yes {
					out[it.ID] = haven.AnswerYes
				}
			}
			return out
		}
	}
	t.Fatalf("no instrument %s", instrument)
	return nil
}

func mustAssess(t *testing.T, ctx context.Context, db *store.DB, in haven.AssessmentInput) *haven.Assessment {
	t.Helper()
	a, err := db.RecordAssessment(ctx, in)
	if err != nil {
		t.Fatalf("record assessment: %v", err)
	}
	return a
}

// lap records a Lethality Screen of the victim, screened in or not.
func (w *riskWorld) lap(t *testing.T, ctx context.Context, incidentID string, screenedIn bool) *haven.Assessment {
	t.Helper()
	return w.screen(t, ctx, w.victim, incidentID, screenedIn)
}

// lapOf records a Lethality Screen of p without an incident.
func (w *riskWorld) lapOf(t *testing.T, ctx context.Context, p *haven.Person, screenedIn bool) *haven.Assessment {
	t.Helper()
	return w.screen(t, ctx, p, "", screenedIn)
}

func (w *riskWorld) screen(t *testing.T, ctx context.Context, p *haven.Person, incidentID string, screenedIn bool) *haven.Assessment {
	t.Helper()
	yes := 0
	if screenedIn {
		yes = 1 // q1 (a weapon used or threatened) screens in on its own
	}
	return mustAssess(t, ctx, w.db, haven.AssessmentInput{PersonID: p.ID, IncidentID: incidentID, Instrument: "lap",
		Answers: answers(t, w.db, "lap", yes)})
}

func actionsOf(a *haven.Assessment) []string {
	var out []string
	for _, tr := range a.Triggers {
		out = append(out, tr.Action)
	}
	slices.Sort(out)
	return out
}

func triggerOf(t *testing.T, a *haven.Assessment, action string) haven.RiskTrigger {
	t.Helper()
	for _, tr := range a.Triggers {
		if tr.Action == action {
			return tr
		}
	}
	t.Fatalf("no %s trigger in %+v", action, a.Triggers)
	return haven.RiskTrigger{}
}

func stepOf(t *testing.T, db *store.DB, ctx context.Context, incidentID, key string) haven.ProtocolStep {
	t.Helper()
	steps, err := db.Protocol(ctx, incidentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no step %s", key)
	return haven.ProtocolStep{}
}

// lastAudit returns the newest entry with action and outcome.
func lastAudit(t *testing.T, db *store.DB, action, outcome string) *audit.Entry {
	t.Helper()
	es := auditOf(t, db)
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action && es[i].Outcome == outcome {
			return &es[i]
		}
	}
	return nil
}

func TestRiskLAPScreenedInOnIncident(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		w.setPartner(t)
		in := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
		a := w.lap(t, w.officerCtx, in.ID, true)

		if a.Result.Band != "screened-in" || !a.Result.High || a.Result.BandLabel != "Screened in" || a.Result.Answered != 11 {
			t.Fatalf("result = %+v", a.Result)
		}
		if got := actionsOf(a); !slices.Equal(got, []string{"advocacy_task", "flag_high_risk", "hotline_call"}) {
			t.Fatalf("triggers = %v", got)
		}
		// The suspect is the report's only suspect; the call-out is this one.
		if a.SuspectPersonID != w.suspect.ID || a.Facts.PoliceCallouts12m != 1 || a.AssessedBy != w.officer.ID ||
			a.AssessedByName != "officer" || a.Access.Basis != "own_agency" {
			t.Fatalf("assessment = %+v", a)
		}
		task := triggerOf(t, a, "advocacy_task")
		if task.TaskID == "" || task.Rule == "" || task.Note != "" || task.Rule != strings.Join(a.Result.Reasons, "; ") {
			t.Fatalf("advocacy trigger = %+v", task)
		}

		// The protocol: the screen is done (out of order: the earlier
		// steps are still open), the hotline call is still to make.
		s := stepOf(t, db, w.officerCtx, in.ID, "lethality_screen")
		if !s.Done || s.Note != "recorded with assessment "+a.ID || s.CompletedBy != w.officer.ID {
			t.Fatalf("lethality_screen = %+v", s)
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "hotline_call"); s.Done || s.Skipped {
			t.Fatalf("hotline_call = %+v", s)
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "scene_secured"); s.Done || s.Skipped {
			t.Fatalf("scene_secured = %+v", s)
		}
		hist, _ := db.IncidentHistory(w.officerCtx, in.ID)
		if last := hist[len(hist)-1]; last.Action != "protocol" || !slices.Equal(last.Fields, []string{"lethality_screen"}) {
			t.Fatalf("history = %+v", hist)
		}

		// The task is in the partner's queue, naming the person by id only.
		tasks, err := db.RiskTasks(w.advocateCtx, haven.TaskOpen)
		if err != nil || len(tasks) != 1 {
			t.Fatalf("queue = %+v, %v", tasks, err)
		}
		tk := tasks[0]
		if tk.ID != task.TaskID || tk.AgencyID != w.sh.ID || tk.FromAgencyID != w.pd.ID || tk.FromAgencyName != w.pd.Name ||
			tk.PersonID != w.victim.ID || tk.IncidentNumber != in.Number || tk.Instrument != "lap" || tk.BandLabel != "Screened in" ||
			tk.Rule != task.Rule || tk.Status != haven.TaskOpen || tk.Hotline != "" {
			t.Fatalf("task = %+v", tk)
		}
		b, _ := json.Marshal(tk)
		if strings.Contains(string(b), "Valentina") {
			t.Fatalf("the task names the person: %s", b)
		}
		if e := lastAudit(t, db, "risk.task.list", audit.Allowed); e == nil || e.Details["shown"] != tk.ID {
			t.Fatalf("task list audit = %+v", e)
		}
		// metro-pd has no queue entries; its officers do not see queues.
		if tasks, err := db.RiskTasks(w.supervisorCtx, ""); err != nil || len(tasks) != 0 {
			t.Fatalf("pd queue = %+v, %v", tasks, err)
		}
		_, err = db.RiskTasks(w.officerCtx, "")
		wantCode(t, err, haven.EFORBIDDEN, "")

		// The victim is on the high-risk list, by name, for metro-pd only.
		hr, err := db.HighRisk(w.officerCtx)
		if err != nil || len(hr) != 1 || hr[0].PersonID != w.victim.ID || hr[0].Name != "Valentina Okonkwo" ||
			hr[0].AssessmentID != a.ID || hr[0].Rule == "" || hr[0].Proposed {
			t.Fatalf("high risk = %+v, %v", hr, err)
		}
		if e := lastAudit(t, db, "risk.highrisk.list", audit.Allowed); e == nil || e.Details["shown"] != w.victim.ID {
			t.Fatalf("high-risk audit = %+v", e)
		}
		if hr, err := db.HighRisk(w.advocateCtx); err != nil || len(hr) != 0 {
			t.Fatalf("advocate's high risk = %+v, %v", hr, err)
		}
		_, err = db.HighRisk(w.analystCtx)
		wantCode(t, err, haven.EFORBIDDEN, "")

		// One audit entry for the assessment, one for the protocol, in
		// the same transaction.
		e := lastAudit(t, db, "risk.assessment.create", audit.Allowed)
		if e == nil || e.RecordType != "person" || e.RecordID != w.victim.ID || e.Basis != "own_agency" || e.Details["assessment_id"] != a.ID ||
			e.Details["incident_id"] != in.ID || e.Details["band"] != "screened-in" {
			t.Fatalf("create audit = %+v", e)
		}
		if e := lastAudit(t, db, "incident.protocol", audit.Allowed); e == nil || e.RecordID != in.ID || e.Details["steps"] != "lethality_screen" {
			t.Fatalf("protocol audit = %+v", e)
		}

		// The hotline call completes the step and shows in the queue.
		c.Add(10 * time.Minute)
		got, err := db.RecordHotline(w.officerCtx, a.ID, haven.HotlineContact{Outcome: "spoke", Note: "Advocate Ruth took the call"})
		if err != nil {
			t.Fatal(err)
		}
		h := got.Hotline
		if h == nil || h.Outcome != "spoke" || h.By != w.officer.ID || h.HotlineName != "Metro DV Hotline" || h.HotlinePhone != "+1 (312) 555-0100" ||
			!h.At.Equal(c.Now()) || h.Note != "Advocate Ruth took the call" || h.InformationOffered {
			t.Fatalf("hotline = %+v", h)
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "hotline_call"); !s.Done || s.Note != "spoke" {
			t.Fatalf("hotline_call = %+v", s)
		}
		tasks, _ = db.RiskTasks(w.advocateCtx, "")
		if len(tasks) != 1 || tasks[0].Hotline != "spoke" {
			t.Fatalf("queue after the call = %+v", tasks)
		}
		_, err = db.RecordHotline(w.officerCtx, a.ID, haven.HotlineContact{Outcome: "spoke"})
		wantCode(t, err, haven.ECONFLICT, "")
		if read, err := db.Assessment(w.supervisorCtx, a.ID); err != nil || read.Hotline == nil || read.Hotline.Outcome != "spoke" {
			t.Fatalf("read back = %+v, %v", read, err)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRiskNoPartnerAndNotScreenedIn(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		// No partner: the trigger says so, and no task is made.
		a := w.lap(t, w.officerCtx, "", true)
		tr := triggerOf(t, a, "advocacy_task")
		if tr.TaskID != "" || !strings.Contains(tr.Note, "no partner advocacy agency is set") || !strings.Contains(tr.Note, "--partner") {
			t.Fatalf("trigger = %+v", tr)
		}
		if tasks, err := db.RiskTasks(w.advocateCtx, ""); err != nil || len(tasks) != 0 {
			t.Fatalf("queue = %+v, %v", tasks, err)
		}
		// Without an incident nor a suspect, the call-outs are the victim's own.
		if a.SuspectPersonID != "" || a.Facts.PoliceCallouts12m != 0 {
			t.Fatalf("facts = %+v, suspect %q", a.Facts, a.SuspectPersonID)
		}

		// Not screened in: information is offered, the hotline step skipped.
		in := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
		b := w.lap(t, w.colleagueCtx, in.ID, false)
		if b.Result.Band != "not-screened-in" || b.Result.High || !slices.Equal(actionsOf(b), []string{"offer_information"}) {
			t.Fatalf("result = %+v / %v", b.Result, actionsOf(b))
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "hotline_call"); !s.Skipped || s.SkipReason != "not screened in" {
			t.Fatalf("hotline_call = %+v", s)
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "lethality_screen"); !s.Done {
			t.Fatalf("lethality_screen = %+v", s)
		}
		_, err := db.RecordHotline(w.officerCtx, b.ID, haven.HotlineContact{Outcome: "spoke"})
		wantCode(t, err, haven.ECONFLICT, "")
		// The high-risk list still has the first (screened-in) result.
		if hr, _ := db.HighRisk(w.officerCtx); len(hr) != 1 || hr[0].AssessmentID != a.ID {
			t.Fatalf("high risk = %+v", hr)
		}

		// A submitted report's protocol is not touched.
		sub := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
		if err := db.SubmitIncident(w.officerCtx, sub.ID); err != nil {
			t.Fatal(err)
		}
		w.lap(t, w.officerCtx, sub.ID, false)
		if s := stepOf(t, db, w.officerCtx, sub.ID, "lethality_screen"); s.Done || s.Skipped {
			t.Fatalf("submitted report's step = %+v", s)
		}
		// Nor by a recorded step: a step already skipped stays skipped.
		d := w.lap(t, w.officerCtx, in.ID, true)
		if s := stepOf(t, db, w.officerCtx, in.ID, "hotline_call"); !s.Skipped {
			t.Fatalf("hotline_call = %+v", s)
		}
		if _, err := db.RecordHotline(w.officerCtx, d.ID, haven.HotlineContact{Outcome: "spoke"}); err != nil {
			t.Fatal(err)
		}
		if s := stepOf(t, db, w.officerCtx, in.ID, "hotline_call"); !s.Skipped {
			t.Fatalf("hotline_call after the call = %+v", s)
		}
	})
}

func TestRiskHotlineOutcomes(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		w.setPartner(t)
		for _, tc := range []struct {
			name    string
			h       haven.HotlineContact
			code    string
			field   string
			offered bool
		}{
			{"spoke", haven.HotlineContact{Outcome: "spoke"}, "", "", false},
			{"declined forces information", haven.HotlineContact{Outcome: "declined", InformationOffered: false}, "", "", true},
			{"unreachable", haven.HotlineContact{Outcome: "Unreachable", InformationOffered: true}, "", "", true},
			{"unknown outcome", haven.HotlineContact{Outcome: "maybe"}, haven.EINVALID, "outcome", false},
			{"in the future", haven.HotlineContact{Outcome: "spoke", At: c.Now().Add(time.Hour)}, haven.EINVALID, "at", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := w.lap(t, w.officerCtx, "", true)
				got, err := db.RecordHotline(w.supervisorCtx, a.ID, tc.h)
				if tc.code != "" {
					wantCode(t, err, tc.code, tc.field)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Hotline.Outcome != strings.ToLower(tc.h.Outcome) || got.Hotline.InformationOffered != tc.offered {
					t.Fatalf("hotline = %+v", got.Hotline)
				}
				if e := lastAudit(t, db, "risk.hotline.record", audit.Allowed); e == nil || e.RecordID != w.victim.ID || e.Details["assessment_id"] != a.ID {
					t.Fatalf("audit = %+v", e)
				}
			})
		}
		// Only the assessment's agency records the call; others are told
		// it does not exist.
		a := w.lap(t, w.officerCtx, "", true)
		_, errForeign := db.RecordHotline(w.advocateCtx, a.ID, haven.HotlineContact{Outcome: "spoke"})
		_, errMissing := db.RecordHotline(w.advocateCtx, "01900000-0000-7000-8000-000000000000", haven.HotlineContact{Outcome: "spoke"})
		if haven.ErrorCode(errForeign) != haven.ENOTFOUND || errForeign.Error() != errMissing.Error() {
			t.Fatalf("foreign = %v, missing = %v", errForeign, errMissing)
		}
		_, err := db.RecordHotline(w.analystCtx, a.ID, haven.HotlineContact{Outcome: "spoke"})
		wantCode(t, err, haven.ENOTFOUND, "")
		if e := lastAudit(t, db, "risk.hotline.record", audit.Denied); e == nil || e.ActorUserID != w.analyst.ID || e.RecordID != w.victim.ID {
			t.Fatalf("denied audit = %+v", e)
		}
	})
}

// TestRiskDASHFacts: the call-outs come from the agency's incidents with
// the pair in the 12 months to the assessment, this one included; three
// make DASH's "potential escalation" (high), two do not.
func TestRiskDASHFacts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prior    int
		callouts int
		band     string
	}{
		{"two prior call-outs escalate", 2, 3, "high"},
		{"one prior call-out does not", 1, 2, "standard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
				w := newRiskWorld(t, db, c)
				now := c.Now()
				for i := 0; i < tc.prior; i++ {
					w.callout(t, now.AddDate(0, -2*(i+1), 0), true, "0712", w.officerCtx, w.victim, w.suspect)
				}
				other := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Other", FamilyName: "Suspect"})
				// None of these count: too old, not domestic, another suspect.
				w.callout(t, now.AddDate(-1, 0, -1), true, "0712", w.officerCtx, w.victim, w.suspect)
				w.callout(t, now.AddDate(0, -1, 0), false, "0712", w.officerCtx, w.victim, w.suspect)
				w.callout(t, now.AddDate(0, -1, 0), true, "0712", w.officerCtx, w.victim, other)
				in := w.callout(t, now.Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
				a := mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, IncidentID: in.ID, Instrument: "dash",
					Answers: answers(t, db, "dash", 0)})
				if a.Facts.PoliceCallouts12m != tc.callouts || a.Result.Band != tc.band || a.Result.Score != 0 {
					t.Fatalf("facts = %+v, result = %+v", a.Facts, a.Result)
				}
				// The score alone would be standard; the reason says why.
				if tc.band == "high" && (!a.Result.High || len(a.Result.Reasons) == 0) {
					t.Fatalf("escalation = %+v", a.Result)
				}
				// Without a suspect, the victim's own domestic call-outs count.
				b := mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "dash",
					Answers: answers(t, db, "dash", 0)})
				if b.SuspectPersonID != "" || b.Facts.PoliceCallouts12m != tc.prior+2 {
					t.Fatalf("victim-only facts = %+v", b.Facts)
				}
				// A suspect named explicitly narrows to the pair.
				s := mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, SuspectPersonID: other.ID, Instrument: "dash",
					Answers: answers(t, db, "dash", 0)})
				if s.Facts.PoliceCallouts12m != 1 {
					t.Fatalf("other pair's facts = %+v", s.Facts)
				}
			})
		})
	}
}

// TestRiskRepeatMARAC: a referral to the MARAC within 12 months makes the
// next DASH high ("repeat"); one older does not.
func TestRiskRepeatMARAC(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		w.setPartner(t)
		dash := func(yes int) *haven.Assessment {
			return mustAssess(t, w.advocateCtx, db, haven.AssessmentInput{PersonID: w.foreignPerson.ID, Instrument: "dash",
				Answers: answers(t, db, "dash", yes)})
		}
		first := dash(14)
		if first.Result.Band != "high" || first.Facts.MARACReferral12m ||
			!slices.Equal(actionsOf(first), []string{"advocacy_task", "conference_proposal", "flag_high_risk", "marac_referral"}) {
			t.Fatalf("first = %+v / %v", first.Result, actionsOf(first))
		}
		// safe-harbor has no partner of its own: the task has nowhere to go.
		if tr := triggerOf(t, first, "advocacy_task"); tr.TaskID != "" || tr.Note == "" {
			t.Fatalf("advocacy trigger = %+v", tr)
		}
		hr, err := db.HighRisk(w.advocateCtx)
		if err != nil || len(hr) != 1 || !hr[0].Proposed || hr[0].Name != "Foreign Person" {
			t.Fatalf("high risk = %+v, %v", hr, err)
		}
		// A later flag without a proposal keeps the proposal made.
		lap := w.lapOf(t, w.advocateCtx, w.foreignPerson, true)
		if hr, _ := db.HighRisk(w.advocateCtx); len(hr) != 1 || hr[0].AssessmentID != lap.ID || !hr[0].Proposed {
			t.Fatalf("high risk after a screen = %+v", hr)
		}
		c.Add(60 * 24 * time.Hour)
		second := dash(0)
		if !second.Facts.MARACReferral12m || second.Result.Band != "high" {
			t.Fatalf("second = %+v / %+v", second.Facts, second.Result)
		}
		if hr, _ := db.HighRisk(w.advocateCtx); len(hr) != 1 || hr[0].AssessmentID != second.ID || !hr[0].Proposed {
			t.Fatalf("high risk after the second = %+v", hr)
		}
		c.Add(366 * 24 * time.Hour)
		third := dash(0)
		if third.Facts.MARACReferral12m || third.Result.Band != "standard" {
			t.Fatalf("third = %+v / %+v", third.Facts, third.Result)
		}
	})
}

func TestRiskSupersedes(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		a := w.lap(t, w.officerCtx, "", true)
		c.Add(time.Minute)
		in := haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: answers(t, db, "lap", 0), Supersedes: a.ID,
			JudgementNote: "q1 was ticked by mistake"}
		b := mustAssess(t, w.officerCtx, db, in)
		if b.Supersedes != a.ID {
			t.Fatalf("b = %+v", b)
		}
		// Only once.
		_, err := db.RecordAssessment(w.officerCtx, in)
		wantCode(t, err, haven.ECONFLICT, "supersedes")
		// Only the same person's.
		other := mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.witness.ID, Instrument: "lap", Answers: answers(t, db, "lap", 0)})
		for _, id := range []string{other.ID, "01900000-0000-7000-8000-000000000000"} {
			_, err = db.RecordAssessment(w.officerCtx, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap",
				Answers: answers(t, db, "lap", 0), Supersedes: id})
			wantCode(t, err, haven.EINVALID, "supersedes")
		}
		list, err := db.PersonAssessments(w.officerCtx, w.victim.ID)
		if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID || list[1].SupersededBy != b.ID || list[0].SupersededBy != "" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if list[0].JudgementNote != in.JudgementNote || list[1].Answers["q1"] != "yes" {
			t.Fatalf("sealed fields read back = %+v / %+v", list[0], list[1])
		}
		// The correction no longer flags: the flag it corrected is cleared.
		if hr, _ := db.HighRisk(w.officerCtx); len(hr) != 0 {
			t.Fatalf("high risk = %+v", hr)
		}
		// A superseded result takes no hotline call.
		_, err = db.RecordHotline(w.officerCtx, a.ID, haven.HotlineContact{Outcome: "spoke"})
		wantCode(t, err, haven.ECONFLICT, "")

		// Assessments are immutable: the store has no way to change or
		// delete one.
		typ := reflect.TypeOf(db)
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i).Name
			for _, verb := range []string{"Update", "Delete", "Edit", "Set", "Remove"} {
				if strings.HasPrefix(m, verb) && (strings.Contains(m, "Assessment") || strings.Contains(m, "Trigger")) {
					t.Errorf("method %s changes assessments", m)
				}
			}
		}
	})
}

func TestRiskReadAccess(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		in := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
		a := w.lap(t, w.officerCtx, in.ID, true)

		got, err := db.Assessment(w.supervisorCtx, a.ID)
		if err != nil || got.ID != a.ID || got.Access.Basis != "own_agency" || len(got.Triggers) != 3 || got.AssessedByName != "officer" ||
			got.Answers["q1"] != "yes" || len(got.Result.Reasons) == 0 || got.Result.BandLabel != "Screened in" {
			t.Fatalf("read = %+v, %v", got, err)
		}
		e := lastAudit(t, db, "risk.assessment.read", audit.Allowed)
		if e == nil || e.RecordType != "person" || e.RecordID != w.victim.ID || e.Basis != "own_agency" || e.Details["assessments"] != a.ID {
			t.Fatalf("read audit = %+v", e)
		}
		list, err := db.IncidentAssessments(w.officerCtx, in.ID)
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("incident list = %+v, %v", list, err)
		}

		// Another agency, and roles without person access, get what a
		// missing record gets; every refusal is logged.
		missing := "01900000-0000-7000-8000-000000000000"
		for _, tc := range []struct {
			name          string
			foreign, none func() error
		}{
			{"assessment",
				func() error { _, err := db.Assessment(w.advocateCtx, a.ID); return err },
				func() error { _, err := db.Assessment(w.advocateCtx, missing); return err }},
			{"person's assessments",
				func() error { _, err := db.PersonAssessments(w.advocateCtx, w.victim.ID); return err },
				func() error { _, err := db.PersonAssessments(w.advocateCtx, missing); return err }},
			{"incident's assessments",
				func() error { _, err := db.IncidentAssessments(w.advocateCtx, in.ID); return err },
				func() error { _, err := db.IncidentAssessments(w.advocateCtx, missing); return err }},
			{"analyst",
				func() error { _, err := db.Assessment(w.analystCtx, a.ID); return err },
				func() error { _, err := db.Assessment(w.analystCtx, missing); return err }},
		} {
			errForeign, errMissing := tc.foreign(), tc.none()
			if haven.ErrorCode(errForeign) != haven.ENOTFOUND || errForeign.Error() != errMissing.Error() {
				t.Fatalf("%s: foreign = %v, missing = %v", tc.name, errForeign, errMissing)
			}
		}
		if e := lastAudit(t, db, "risk.assessment.read", audit.Denied); e == nil || e.ActorUserID != w.analyst.ID || e.Details["policy"] == "" {
			t.Fatalf("denied audit = %+v", e)
		}
		denied := 0
		for _, e := range auditOf(t, db) {
			if e.Action == "risk.assessment.read" && e.Outcome == audit.Denied && e.ActorUserID == w.advocate.ID {
				denied++
			}
		}
		if denied != 6 {
			t.Fatalf("%d denied reads logged for the advocate, want 6", denied)
		}

		// Break-glass on the person opens their assessments.
		bg, err := db.OpenBreakGlass(w.advocateCtx, "person", w.victim.ID, "Survivor at the ER, needs shelter tonight")
		if err != nil {
			t.Fatal(err)
		}
		list, err = db.PersonAssessments(w.advocateCtx, w.victim.ID)
		if err != nil || len(list) != 1 || list[0].Access.Basis != "break_glass" || list[0].Access.BasisID != bg.ID || list[0].Access.ExpiresAt == nil {
			t.Fatalf("break-glass list = %+v, %v", list, err)
		}
		e = lastAudit(t, db, "risk.assessment.read", audit.Allowed)
		if e == nil || e.Basis != "break_glass:"+bg.ID || e.Details["break_glass"] != "true" || e.RecordID != w.victim.ID {
			t.Fatalf("break-glass audit = %+v", e)
		}
		// It reads; it does not record.
		_, err = db.RecordAssessment(w.advocateCtx, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: answers(t, db, "lap", 0)})
		wantCode(t, err, haven.ENOTFOUND, "")
		// Reports stay with their agency, break-glass or not.
		_, err = db.IncidentAssessments(w.advocateCtx, in.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		// When it expires, the door closes.
		c.Add(2 * time.Hour)
		_, err = db.Assessment(w.advocateCtx, a.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
	})
}

func TestRiskRecordValidation(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		incident := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect)
		noVictim := w.callout(t, c.Now().Add(-time.Hour), true, "0712", w.officerCtx, w.witness)
		lap := answers(t, db, "lap", 1)
		future, old := c.Now().Add(time.Hour), time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC)
		base := haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: lap}
		with := func(f func(*haven.AssessmentInput)) haven.AssessmentInput {
			in := base
			f(&in)
			return in
		}
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			in    haven.AssessmentInput
			code  string
			field string
		}{
			{"no person", w.officerCtx, with(func(in *haven.AssessmentInput) { in.PersonID = "" }), haven.EINVALID, "person_id"},
			{"unknown person", w.officerCtx, with(func(in *haven.AssessmentInput) { in.PersonID = "nobody" }), haven.ENOTFOUND, ""},
			{"another agency's person", w.officerCtx, with(func(in *haven.AssessmentInput) { in.PersonID = w.foreignPerson.ID }), haven.ENOTFOUND, ""},
			{"analyst", w.analystCtx, base, haven.ENOTFOUND, ""},
			{"advocate of another agency", w.advocateCtx, base, haven.ENOTFOUND, ""},
			{"unknown instrument", w.officerCtx, with(func(in *haven.AssessmentInput) { in.Instrument = "tarot" }), haven.EINVALID, "instrument"},
			{"bad answer", w.officerCtx, with(func(in *haven.AssessmentInput) { in.Answers = map[string]string{"q1": "maybe"} }), haven.EINVALID, "answers.q1"},
			{"unknown item", w.officerCtx, with(func(in *haven.AssessmentInput) { in.Answers = map[string]string{"q99": "yes"} }), haven.EINVALID, "answers.q99"},
			{"judgement on ODARA", w.officerCtx, with(func(in *haven.AssessmentInput) { in.Instrument, in.ProfessionalJudgement = "odara", true }), haven.EINVALID, "professional_judgement"},
			{"in the future", w.officerCtx, with(func(in *haven.AssessmentInput) { in.AssessedAt = &future }), haven.EINVALID, "assessed_at"},
			{"before 1900", w.officerCtx, with(func(in *haven.AssessmentInput) { in.AssessedAt = &old }), haven.EINVALID, "assessed_at"},
			{"unknown incident", w.officerCtx, with(func(in *haven.AssessmentInput) { in.IncidentID = "nope" }), haven.EINVALID, "incident_id"},
			{"incident without the person", w.officerCtx, with(func(in *haven.AssessmentInput) { in.IncidentID = noVictim.ID }), haven.EINVALID, "incident_id"},
			{"suspect is the person", w.officerCtx, with(func(in *haven.AssessmentInput) { in.SuspectPersonID = w.victim.ID }), haven.EINVALID, "suspect_person_id"},
			{"suspect of another agency", w.officerCtx, with(func(in *haven.AssessmentInput) { in.IncidentID, in.SuspectPersonID = incident.ID, w.foreignPerson.ID }), haven.EINVALID, "suspect_person_id"},
			{"judgement note too long", w.officerCtx, with(func(in *haven.AssessmentInput) { in.JudgementNote = strings.Repeat("x", 5001) }), haven.EINVALID, "judgement_note"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.RecordAssessment(tc.ctx, tc.in)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		// Nothing was stored by the failures.
		if list, err := db.PersonAssessments(w.officerCtx, w.victim.ID); err != nil || len(list) != 0 {
			t.Fatalf("stored = %+v, %v", list, err)
		}
		if e := lastAudit(t, db, "risk.assessment.create", audit.Denied); e == nil || e.ActorUserID != w.advocate.ID {
			t.Fatalf("denied audit = %+v", e)
		}
		// A backdated assessment is fine.
		earlier := c.Now().Add(-48 * time.Hour)
		a := mustAssess(t, w.supervisorCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: lap, AssessedAt: &earlier})
		if !a.AssessedAt.Equal(earlier) || !a.CreatedAt.Equal(c.Now()) {
			t.Fatalf("times = %v / %v", a.AssessedAt, a.CreatedAt)
		}
		// Scoring alone stores nothing and audits nothing.
		before := len(auditOf(t, db))
		res, err := db.ScoreRisk(w.analystCtx, "lap", lap, haven.RiskFacts{})
		if err != nil || res.Band != "screened-in" {
			t.Fatalf("score = %+v, %v", res, err)
		}
		_, err = db.ScoreRisk(w.officerCtx, "tarot", lap, haven.RiskFacts{})
		wantCode(t, err, haven.EINVALID, "instrument")
		if !strings.Contains(haven.ErrorMessage(err), "known: lap, danger-assessment, dash") {
			t.Fatalf("message = %s", haven.ErrorMessage(err))
		}
		_, err = db.ScoreRisk(context.Background(), "lap", lap, haven.RiskFacts{})
		wantCode(t, err, haven.EUNAUTHORIZED, "")
		if after := len(auditOf(t, db)); after != before {
			t.Fatalf("scoring wrote %d audit entries", after-before)
		}
	})
}

func TestRiskTaskDecisions(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		w.setPartner(t)
		first := triggerOf(t, w.lap(t, w.officerCtx, "", true), "advocacy_task").TaskID
		second := triggerOf(t, w.lap(t, w.officerCtx, "", true), "advocacy_task").TaskID

		_, err := db.DecideRiskTask(w.advocateCtx, first, false, "  ")
		wantCode(t, err, haven.EINVALID, "reason")
		for _, ctx := range []context.Context{w.officerCtx, w.supervisorCtx, w.analystCtx} {
			_, err = db.DecideRiskTask(ctx, first, true, "")
			wantCode(t, err, haven.ENOTFOUND, "")
		}
		if e := lastAudit(t, db, "risk.task.decide", audit.Denied); e == nil || e.RecordID != first {
			t.Fatalf("denied audit = %+v", e)
		}
		_, err = db.DecideRiskTask(w.advocateCtx, "nope", true, "")
		wantCode(t, err, haven.ENOTFOUND, "")

		c.Add(time.Minute)
		got, err := db.DecideRiskTask(w.advocateCtx, first, true, "")
		if err != nil || got.Status != haven.TaskAccepted || got.DecidedBy != w.advocate.ID || got.DecidedAt == nil || !got.DecidedAt.Equal(c.Now()) {
			t.Fatalf("accepted = %+v, %v", got, err)
		}
		_, err = db.DecideRiskTask(w.shSupervisorCtx, first, false, "changed our minds")
		wantCode(t, err, haven.ECONFLICT, "")

		const why = "Outside our county; passed to Lakeside Outreach"
		got, err = db.DecideRiskTask(w.shSupervisorCtx, second, false, why)
		if err != nil || got.Status != haven.TaskDeclined || got.Reason != why {
			t.Fatalf("declined = %+v, %v", got, err)
		}
		for _, tc := range []struct {
			status string
			want   []string
		}{
			{"", []string{second, first}},
			{haven.TaskOpen, nil},
			{haven.TaskAccepted, []string{first}},
			{haven.TaskDeclined, []string{second}},
		} {
			list, err := db.RiskTasks(w.advocateCtx, tc.status)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, tk := range list {
				ids = append(ids, tk.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("status %q: %v, want %v", tc.status, ids, tc.want)
			}
		}
		_, err = db.RiskTasks(w.advocateCtx, "lost")
		wantCode(t, err, haven.EINVALID, "status")
		if e := lastAudit(t, db, "risk.task.decide", audit.Allowed); e == nil || e.RecordID != second || e.Details["status"] != "declined" {
			t.Fatalf("audit = %+v", e)
		}
		if n, err := db.CountAllTables(context.Background(), "Lakeside Outreach"); err != nil || n != 0 {
			t.Fatalf("the decline reason is stored in the clear (%d, %v)", n, err)
		}
	})
}

func TestRiskScreening(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		now := c.Now()
		from, to := now.AddDate(0, 0, -7), now
		at := now.Add(-24 * time.Hour)
		// officer, beat 0712: screened in and connected; not screened in.
		i1 := w.callout(t, at, true, "0712", w.officerCtx, w.victim, w.suspect)
		if _, err := db.RecordHotline(w.officerCtx, w.lap(t, w.officerCtx, i1.ID, true).ID, haven.HotlineContact{Outcome: "spoke"}); err != nil {
			t.Fatal(err)
		}
		i2 := w.callout(t, at, true, "0712", w.officerCtx, w.victim, w.suspect)
		w.lap(t, w.officerCtx, i2.ID, false)
		// colleague, beat 0811: offered through the protocol only; screened
		// in and then corrected (counts once, not screened in); nothing
		// answered; and one not offered at all.
		i3 := w.callout(t, at, true, "0811", w.colleagueCtx, w.victim, w.suspect)
		for _, s := range haven.ProtocolSteps {
			if err := db.CompleteStep(w.colleagueCtx, i3.ID, s.Key, false, "", ""); err != nil {
				t.Fatal(err)
			}
			if s.Key == "lethality_screen" {
				break
			}
		}
		i4 := w.callout(t, at, true, "0811", w.colleagueCtx, w.victim, w.suspect)
		wrong := w.lap(t, w.colleagueCtx, i4.ID, true)
		if _, err := db.RecordHotline(w.colleagueCtx, wrong.ID, haven.HotlineContact{Outcome: "unreachable"}); err != nil {
			t.Fatal(err)
		}
		mustAssess(t, w.colleagueCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, IncidentID: i4.ID, Instrument: "lap",
			Answers: answers(t, db, "lap", 0), Supersedes: wrong.ID})
		i5 := w.callout(t, at, true, "0811", w.colleagueCtx, w.victim, w.suspect)
		mustAssess(t, w.colleagueCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, IncidentID: i5.ID, Instrument: "lap",
			Answers: map[string]string{"q1": haven.AnswerDeclined}})
		w.callout(t, at, true, "0811", w.colleagueCtx, w.victim, w.suspect)
		// Not counted: not domestic, before the period, imported, a DASH.
		w.callout(t, at, false, "0712", w.officerCtx, w.victim, w.suspect)
		w.lap(t, w.officerCtx, w.callout(t, from.Add(-time.Hour), true, "0712", w.officerCtx, w.victim, w.suspect).ID, true)
		if _, err := db.ImportIncidents(w.importerCtx, w.pd.ID, []*haven.Incident{{ReportedAt: at, Domestic: true, Source: "chicago", SourceID: "1",
			Location: haven.Location{Beat: "0712"}}}); err != nil {
			t.Fatal(err)
		}
		i9 := w.callout(t, at, true, "0712", w.officerCtx, w.victim, w.suspect)
		mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, IncidentID: i9.ID, Instrument: "dash", Answers: answers(t, db, "dash", 20)})

		row := func(key, label string, n ...int) haven.ScreeningRow {
			return haven.ScreeningRow{Key: key, Label: label, Incidents: n[0], Offered: n[1], Answered: n[2], ScreenedIn: n[3], Connected: n[4]}
		}
		want := &haven.ScreeningStats{From: from, To: to,
			Total: row("total", "Total", 7, 5, 3, 1, 1),
			ByOfficer: []haven.ScreeningRow{
				row(w.colleague.ID, "colleague", 4, 3, 1, 0, 0),
				row(w.officer.ID, "officer", 3, 2, 2, 1, 1),
			},
			ByBeat: []haven.ScreeningRow{
				row("0712", "Beat 0712", 3, 2, 2, 1, 1),
				row("0811", "Beat 0811", 4, 3, 1, 0, 0),
			}}
		for _, ctx := range []context.Context{w.supervisorCtx, w.analystCtx, w.pdAdminCtx} {
			got, err := db.Screening(ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gj, _ := json.MarshalIndent(got, "", " ")
				wj, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("screening =\n%s\nwant\n%s", gj, wj)
			}
		}
		for _, ctx := range []context.Context{w.officerCtx, w.advocateCtx} {
			_, err := db.Screening(ctx, from, to)
			wantCode(t, err, haven.EFORBIDDEN, "")
		}
		// Another agency's supervisor counts their own agency only.
		if got, err := db.Screening(w.shSupervisorCtx, from, to); err != nil || got.Total.Incidents != 0 || len(got.ByOfficer) != 0 {
			t.Fatalf("safe-harbor's screening = %+v, %v", got, err)
		}
		_, err := db.Screening(w.supervisorCtx, to, from)
		wantCode(t, err, haven.EINVALID, "to")
		if e := lastAudit(t, db, "risk.screening.view", audit.Allowed); e == nil || e.Basis != "aggregate" {
			t.Fatalf("audit = %+v", e)
		}
	})
}

func TestAgencySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		court := storetest.MustAgency(t, db, "county-court", haven.KindCourt)
		shAdmin := storetest.MustUser(t, db, w.sh, "sh-admin", haven.RoleAgencyAdmin)
		admin, sys := storetest.As(w.pdAdmin), storetest.System()
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			s     haven.AgencySettings
			code  string
			field string
		}{
			{"partner and hotline", admin, haven.AgencySettings{PartnerSlug: sptr(" safe-harbor "), HotlineName: sptr("Metro DV Hotline"),
				HotlinePhone: sptr("+1 (312) 555-0100")}, "", ""},
			{"unknown partner", admin, haven.AgencySettings{PartnerSlug: sptr("nope")}, haven.EINVALID, "partner"},
			{"partner not an advocacy agency", admin, haven.AgencySettings{PartnerSlug: sptr(court.Slug)}, haven.EINVALID, "partner"},
			{"phone with letters", admin, haven.AgencySettings{HotlinePhone: sptr("call 555-HELP")}, haven.EINVALID, "hotline_phone"},
			{"phone too long", admin, haven.AgencySettings{HotlinePhone: sptr(strings.Repeat("5", 41))}, haven.EINVALID, "hotline_phone"},
			{"name too long", admin, haven.AgencySettings{HotlineName: sptr(strings.Repeat("n", 201))}, haven.EINVALID, "hotline_name"},
			{"officer", storetest.As(w.officer), haven.AgencySettings{HotlineName: sptr("x")}, haven.EFORBIDDEN, ""},
			{"another agency's admin", storetest.As(shAdmin), haven.AgencySettings{HotlineName: sptr("x")}, haven.EFORBIDDEN, ""},
			{"system administrator", sys, haven.AgencySettings{HotlineName: sptr("Metro Domestic Violence Hotline")}, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.UpdateAgencySettings(tc.ctx, w.pd.ID, tc.s)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		got, err := db.AgencyBySlug(sys, "metro-pd")
		if err != nil || got.PartnerAgencyID != w.sh.ID || got.HotlineName != "Metro Domestic Violence Hotline" || got.HotlinePhone != "+1 (312) 555-0100" {
			t.Fatalf("agency = %+v, %v", got, err)
		}
		u, err := db.UserByID(sys, w.officer.ID)
		if err != nil || u.Agency.PartnerAgencyID != w.sh.ID || u.Agency.HotlinePhone != "+1 (312) 555-0100" {
			t.Fatalf("user's agency = %+v, %v", u.Agency, err)
		}
		all, _ := db.FindAgencies(sys)
		for _, a := range all {
			if a.ID == w.pd.ID && a.HotlineName == "" {
				t.Fatalf("FindAgencies = %+v", a)
			}
		}
		h, err := db.Hotline(storetest.As(w.officer))
		if err != nil || h != (haven.Hotline{Name: "Metro Domestic Violence Hotline", Phone: "+1 (312) 555-0100", Source: "agency settings"}) {
			t.Fatalf("hotline = %+v, %v", h, err)
		}
		if h, _ := db.Hotline(storetest.As(w.advocate)); h != (haven.Hotline{}) {
			t.Fatalf("safe-harbor's hotline = %+v", h)
		}
		// "" clears.
		cleared, err := db.UpdateAgencySettings(admin, w.pd.ID, haven.AgencySettings{PartnerSlug: sptr(""), HotlineName: sptr(""), HotlinePhone: sptr("")})
		if err != nil || cleared.PartnerAgencyID != "" || cleared.HotlineName != "" {
			t.Fatalf("cleared = %+v, %v", cleared, err)
		}
		if e := lastAudit(t, db, "agency.settings", audit.Allowed); e == nil || e.RecordID != w.pd.ID || e.Details["fields"] != "hotline_name,hotline_phone,partner" {
			t.Fatalf("audit = %+v", e)
		}
		_, err = db.UpdateAgencySettings(sys, "no-such-agency", haven.AgencySettings{})
		wantCode(t, err, haven.ENOTFOUND, "")
	})
}

// openData opens a database of driver with the given data directory (and
// master key), closed when the test ends.
func openData(t *testing.T, driver, dir string, cfg store.Config) (*store.DB, error) {
	t.Helper()
	cfg.DataDir = dir
	if driver == "postgres" {
		cfg.DSN = storetest.PostgresDSN(t)
	}
	db, err := store.Open(context.Background(), cfg)
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}
	return db, err
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRiskInstrumentFiles(t *testing.T) {
	builtin, err := risk.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	lap := *builtin[0]
	lap.Version, lap.Name, lap.File = "2026-metro", "Metro's Lethality Screen", ""
	own, err := json.Marshal(lap)
	if err != nil {
		t.Fatal(err)
	}
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			// An invalid file fails Open, naming the file.
			for _, path := range []string{"instruments/broken.json", "instruments/metro-pd/broken.json"} {
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, path), []byte(`{"id": "lap", "items": [`))
				if _, err := openData(t, driver, dir, storetest.Config()); err == nil || !strings.Contains(err.Error(), path) {
					t.Fatalf("open with %s: %v", path, err)
				}
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "instruments/metro-pd/lap.json"), own)
			writeFile(t, filepath.Join(dir, "instruments/README.txt"), []byte("not an instrument"))
			db, err := openData(t, driver, dir, storetest.Config())
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, db)
			version := func(u *haven.User) string {
				list, err := db.Instruments(storetest.As(u))
				if err != nil || len(list) != len(builtin) || list[0].ID != "lap" {
					t.Fatalf("instruments = %v, %v", list, err)
				}
				return list[0].Version
			}
			if v := version(w.officer); v != "2026-metro" {
				t.Fatalf("metro-pd's lap = %s", v)
			}
			if v := version(w.advocate); v != builtin[0].Version {
				t.Fatalf("safe-harbor's lap = %s", v)
			}
			if list, _ := db.Instruments(storetest.System()); list[0].Version != builtin[0].Version {
				t.Fatalf("system's lap = %s", list[0].Version)
			}
			v := mustCreate(t, db, w.officer, victim())
			a := mustAssess(t, storetest.As(w.officer), db, haven.AssessmentInput{PersonID: v.ID, Instrument: "lap", Answers: answers(t, db, "lap", 0)})
			if a.Result.Version != "2026-metro" {
				t.Fatalf("recorded with %s", a.Result.Version)
			}
		})
	}
}

func TestRiskSealedAndRotated(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRiskWorld(t, db, c)
		w.setPartner(t)
		const note, hotlineNote, declined = "Bruised-plum judgement", "Spoke with Ruth Abernathy-Quince", "Tangerine-county overflow"
		a := mustAssess(t, w.officerCtx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: answers(t, db, "lap", 1),
			JudgementNote: note})
		if _, err := db.RecordHotline(w.officerCtx, a.ID, haven.HotlineContact{Outcome: "spoke", Note: hotlineNote}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRiskTask(w.advocateCtx, triggerOf(t, a, "advocacy_task").TaskID, false, declined); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, secret := range append([]string{note, hotlineNote, declined, `"q1":"yes"`}, a.Result.Reasons...) {
			if n, err := db.CountAllTables(ctx, secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		// What is counted stays countable.
		if n, _ := db.CountAllTables(ctx, "screened-in"); n == 0 {
			t.Error("the band is not stored in the clear")
		}
		// A rotation re-seals every risk value, and they still open.
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		if n, err := db.RiskSealedLeft(ctx); err != nil || n != 0 {
			t.Fatalf("%d risk values left under an old key (%v)", n, err)
		}
		got, err := db.Assessment(w.officerCtx, a.ID)
		if err != nil || got.JudgementNote != note || got.Hotline.Note != hotlineNote || got.Answers["q1"] != "yes" {
			t.Fatalf("after rotation = %+v, %v", got, err)
		}
		if tasks, err := db.RiskTasks(w.advocateCtx, ""); err != nil || tasks[0].Reason != declined {
			t.Fatalf("tasks after rotation = %+v, %v", tasks, err)
		}
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}
