package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// Hotline is the demo police department's fictional DV hotline, with a
// number in the 555-0100–0199 range reserved for fiction.
var Hotline = haven.Hotline{Name: "Metro DV Hotline", Phone: "+1 312 555 0100"}

// PartnerAgency is the advocacy agency whose queue receives the demo police
// department's high-risk results.
const PartnerAgency = "safe-harbor"

// seedRiskSettings gives metro-pd its hotline and its partner advocacy
// agency. It runs once: when the demo loader has changed metro-pd's
// settings before (the audit log says so), it leaves them alone, so that
// settings an administrator changed or cleared later stay as they are.
func seedRiskSettings(ctx context.Context, s *Seed) error {
	ag, ok := s.Agencies[MarkerAgency]
	if !ok {
		return fmt.Errorf("risk settings: no %s agency", MarkerAgency)
	}
	if _, ok := s.Agencies[PartnerAgency]; !ok {
		return fmt.Errorf("risk settings: no %s agency", PartnerAgency)
	}
	done, err := s.DB.FindAudit(ctx, audit.Filter{RecordID: ag.ID, Action: "agency.settings", Limit: 1000})
	if err != nil {
		return err
	}
	loader := haven.ActorFromContext(ctx).System
	for _, e := range done {
		if e.Outcome == audit.Allowed && e.Via == "system" && e.ActorName == loader && e.ActorUserID == "" {
			return nil
		}
	}
	var set haven.AgencySettings
	if ag.HotlineName == "" && ag.HotlinePhone == "" {
		set.HotlineName, set.HotlinePhone = &Hotline.Name, &Hotline.Phone
	}
	if ag.PartnerAgencyID == "" {
		partner := PartnerAgency
		set.PartnerSlug = &partner
	}
	if set.HotlineName == nil && set.PartnerSlug == nil {
		return nil // set by someone else already
	}
	updated, err := s.DB.UpdateAgencySettings(ctx, ag.ID, set)
	if err != nil {
		return fmt.Errorf("risk settings: %w", err)
	}
	s.Agencies[MarkerAgency] = updated
	s.Created()
	return nil
}

// DemoOfficer is the demo account that records the demo assessments.
const DemoOfficer = "officer"

// demoAssessment is one assessment of the Quillfeather household's victim,
// recorded against one of the demo reports.
type demoAssessment struct {
	incident   string // the report's source id (demo-2, demo-3)
	instrument string
	at         string // RFC 3339
	answers    map[string]string
	hotline    *haven.HotlineContact // the call after a screen-in
}

// demoAssessments: a Danger Assessment after the separation in June (an
// "increased" risk, not yet high), then the Lethality Screen after the
// strangulation in November, which screens her in: the officer called the
// hotline from the scene and she spoke with an advocate, she is flagged
// high-risk and the partner advocacy agency gets a task in its queue.
var demoAssessments = []demoAssessment{
	{incident: "demo-2", instrument: "danger-assessment", at: "2026-06-14T21:10:00-05:00", answers: map[string]string{
		"q1": "yes", "q2": "no", "q3": "yes", "q4": "no", "q5": "no", "q6": "no", "q7": "yes", "q8": "no",
		"q9": "declined", "q10": "no", "q11": "no", "q12": "unknown", "q13": "yes", "q14": "yes", "q15": "no",
		"q16": "no", "q17": "no", "q18": "no", "q19": "yes", "q20": "no",
	}},
	{incident: "demo-3", instrument: "lap", at: "2026-11-20T22:35:00-06:00", answers: map[string]string{
		"q1": "yes", "q2": "no", "q3": "yes", "q4": "no", "q5": "yes", "q6": "yes",
		"q7": "yes", "q8": "unknown", "q9": "no", "q10": "no", "q11": "yes",
	}, hotline: &haven.HotlineContact{Outcome: haven.HotlineSpoke, At: mustTime("2026-11-20T22:48:00-06:00"),
		InformationOffered: true}},
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// seedAssessments records the demo assessments as the demo officer (a
// system process acting as that account: the audit log says "officer, via
// system"), so that they show who assessed and drive the hotline call,
// the high-risk flag and the partner's queue as a real screen would.
//
// Assessments are immutable and have no key to look up, and reading them
// is audited, so the step asks the audit log, as the persons step does:
// each demo assessment, and the hotline call of the one that has it, is
// done when the demo officer's entry for it is there. Only what is missing
// is recorded, so a re-run writes nothing and an interrupted one is
// completed.
func seedAssessments(ctx context.Context, s *Seed) error {
	ag, ok := s.Agencies[MarkerAgency]
	if !ok {
		return fmt.Errorf("assessments: no %s agency", MarkerAgency)
	}
	officer, ok := s.Users[DemoOfficer]
	if !ok {
		return fmt.Errorf("assessments: no %s user", DemoOfficer)
	}
	recorded, called, err := demoAssessmentsDone(ctx, s, officer)
	if err != nil {
		return err
	}
	missing := false
	for _, d := range demoAssessments {
		id, ok := recorded[d.instrument]
		if !ok || (d.hotline != nil && !called[id]) {
			missing = true
		}
	}
	if !missing {
		return nil
	}

	// The demo loader's system actor working in metro-pd finds the
	// victim and the reports (searches are audited: only on a first or
	// interrupted load).
	actor := haven.ActorFromContext(ctx)
	actor.AgencyID, actor.AgencySlug = ag.ID, ag.Slug
	actx := haven.NewContextWithActor(ctx, actor)
	victim, err := personID(actx, s, "Marisol Quillfeather", "1991-03-14")
	if err != nil {
		return fmt.Errorf("assessments: %w", err)
	}
	incidents, err := s.DB.FindIncidents(actx, haven.IncidentFilter{PersonID: victim, Limit: 100})
	if err != nil {
		return fmt.Errorf("assessments: %w", err)
	}
	bySource := map[string]string{}
	for _, in := range incidents {
		if in.Source == "demo" {
			bySource[in.SourceID] = in.ID
		}
	}

	octx := haven.NewContextWithActor(ctx, haven.Actor{UserID: officer.ID, Username: officer.Username,
		AgencyID: ag.ID, AgencySlug: ag.Slug, Role: officer.Role, Via: "system"})
	for _, d := range demoAssessments {
		id, ok := recorded[d.instrument]
		if !ok {
			incidentID, found := bySource[d.incident]
			if !found {
				return fmt.Errorf("assessments: demo report %s not found", d.incident)
			}
			at := mustTime(d.at)
			answers := make(map[string]string, len(d.answers)) // the store keeps the map it is given
			for k, v := range d.answers {
				answers[k] = v
			}
			a, err := s.DB.RecordAssessment(octx, haven.AssessmentInput{PersonID: victim, IncidentID: incidentID,
				Instrument: d.instrument, Answers: answers, AssessedAt: &at})
			if err != nil {
				return fmt.Errorf("assessment %s on %s: %w", d.instrument, d.incident, err)
			}
			id = a.ID
			s.Created()
		}
		if d.hotline != nil && !called[id] {
			if _, err := s.DB.RecordHotline(octx, id, *d.hotline); err != nil {
				return fmt.Errorf("hotline call of the %s on %s: %w", d.instrument, d.incident, err)
			}
			s.Created()
		}
	}
	return nil
}

// demoAssessmentsDone reads from the audit log which demo assessments the
// demo officer recorded (assessment id by instrument) and which of them
// have their hotline call recorded.
func demoAssessmentsDone(ctx context.Context, s *Seed, officer *haven.User) (map[string]string, map[string]bool, error) {
	byOfficer := func(e audit.Entry) bool {
		return e.Outcome == audit.Allowed && e.Via == "system" && e.ActorUserID == officer.ID
	}
	recorded := map[string]string{}
	entries, err := s.DB.FindAudit(ctx, audit.Filter{UserID: officer.ID, Action: "risk.assessment.create", Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if byOfficer(e) && e.Details["assessment_id"] != "" {
			recorded[e.Details["instrument"]] = e.Details["assessment_id"]
		}
	}
	called := map[string]bool{}
	entries, err = s.DB.FindAudit(ctx, audit.Filter{UserID: officer.ID, Action: "risk.hotline.record", Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if byOfficer(e) {
			called[e.Details["assessment_id"]] = true
		}
	}
	return recorded, called, nil
}
