package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// seedIncidents adds three fictional metro-pd reports about the demo's
// Quillfeather household, so that a newcomer sees a report awaiting review,
// an approved one and an old closed one, and the history of the pair when
// opening any of them. They go through the store's import path, which is
// idempotent on (source, source id); the step is skipped once the demo
// loader's import is in the audit log, so later starts write nothing.
// (The real Chicago incidents are a later step: seedChicago.)
func seedIncidents(ctx context.Context, s *Seed) error {
	ag, ok := s.Agencies["metro-pd"]
	if !ok {
		return fmt.Errorf("incidents: no metro-pd agency")
	}
	done, err := s.DB.FindAudit(ctx, audit.Filter{Action: "incident.import", Limit: 1000})
	if err != nil {
		return err
	}
	for _, e := range done {
		if e.ActorName == "demo" && e.RecordAgencyID == ag.ID && e.Details["sources"] == "demo" && e.Details["imported"] != "0" {
			return nil
		}
	}
	actor := haven.ActorFromContext(ctx)
	actor.AgencyID, actor.AgencySlug = ag.ID, ag.Slug
	actx := haven.NewContextWithActor(ctx, actor)
	victim, err := personID(actx, s, "Marisol Quillfeather", "1991-03-14")
	if err != nil {
		return err
	}
	suspect, err := personID(actx, s, "Gideon Quillfeather", "1987-11-02")
	if err != nil {
		return err
	}
	child, err := personID(actx, s, "Ottilie Quillfeather", "2016-07-21")
	if err != nil {
		return err
	}
	at := func(s string) *time.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return &t
	}
	lat, lon := 41.9021, -87.6712 // block level, in the fictional Metro City
	loc := haven.Location{Address: "1400 block of Tinderbox Avenue", Latitude: &lat, Longitude: &lon, Beat: "1432", District: "014", LocationType: "RESIDENCE"}
	parties := func(rel string, kids bool) []haven.Party {
		ps := []haven.Party{{PersonID: victim, Role: haven.PartyVictim, RelationshipToSuspect: rel, SuspectPersonID: suspect},
			{PersonID: suspect, Role: haven.PartySuspect}}
		if kids {
			ps = append(ps, haven.Party{PersonID: child, Role: haven.PartyChild})
		}
		return ps
	}
	batch := []*haven.Incident{
		{Source: "demo", SourceID: "demo-1", Status: haven.StatusClosed, Domestic: true,
			ReportedAt: *at("2025-11-02T23:40:00-06:00"), OccurredAt: at("2025-11-02T23:10:00-06:00"), Location: loc,
			Parties: parties("SE", false), Offenses: []haven.Offense{{Code: "13B"}},
			Narrative: "Fictional demo report. Neighbour called about shouting; victim had a red mark on her arm. Both parties calm on arrival."},
		{Source: "demo", SourceID: "demo-2", Status: haven.StatusApproved, Domestic: true,
			ReportedAt: *at("2026-06-14T20:05:00-05:00"), OccurredAt: at("2026-06-14T19:30:00-05:00"), Location: loc,
			Parties: parties("XS", false), Offenses: []haven.Offense{{Code: "13C"}}, PriorIncidentsKnown: true,
			Narrative: "Fictional demo report. After the separation the suspect sent threatening messages and waited outside the victim's work."},
		{Source: "demo", SourceID: "demo-3", Status: haven.StatusSubmitted, Domestic: true,
			ReportedAt: *at("2026-11-20T22:15:00-06:00"), OccurredAt: at("2026-11-20T21:50:00-06:00"), Location: loc,
			Parties:       parties("XS", true),
			Offenses:      []haven.Offense{{Code: "13A", Circumstances: []string{"06"}}},
			Strangulation: &haven.Strangulation{Occurred: true, Signs: []string{"neck marks", "hoarse voice"}},
			Weapons:       []string{"85"}, ChildrenPresent: true, ChildrenWitnessed: true, PriorIncidentsKnown: true,
			Narrative: "Fictional demo report. The victim says the suspect held her by the throat; marks visible on the neck. The child was in the next room."},
	}
	res, err := s.DB.ImportIncidents(actx, ag.ID, batch)
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	if res.Imported > 0 {
		s.Created()
	}
	return nil
}

// personID finds a demo person of the actor's agency by exact name and
// date of birth.
func personID(ctx context.Context, s *Seed, name, dob string) (string, error) {
	ms, err := s.DB.SearchPersons(ctx, haven.PersonQuery{Name: name, DateOfBirth: dob, Limit: 10})
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Person.GivenName+" "+m.Person.FamilyName == name {
			return m.Person.ID, nil
		}
	}
	return "", fmt.Errorf("demo person %s not found", name)
}
