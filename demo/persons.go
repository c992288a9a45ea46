package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// PersonSpec is a demo person, owned by one agency. The same fictional
// person may appear in two agencies as two separate records: agencies do
// not share records without a basis (consent, referral, …).
type PersonSpec struct {
	Agency string // slug
	Person haven.Person
}

// Persons are fictional people: invented surnames, telephone numbers in the
// 555-0100–0199 range reserved for fiction, e-mail at example.org and
// streets that do not exist in the fictional Metro City.
var Persons = []PersonSpec{
	// A survivor who has moved: her new address is confidential, and she
	// may only be contacted in safe ways.
	{"metro-pd", haven.Person{
		GivenName: "Marisol", FamilyName: "Quillfeather", DateOfBirth: "1991-03-14", Sex: "female", Gender: "woman",
		Languages: []string{"es", "en"},
		Phones:    []haven.Phone{{Number: "312-555-0142", Kind: "mobile"}},
		Addresses: []haven.Address{{Line1: "27 Lanternfly Court", City: "Metro City", Region: "Metro County", Kind: "home", Confidential: true}},
		SafeContact: &haven.SafeContact{SafePhone: "312-555-0177", SafeTimes: "weekdays 10:00–14:00",
			NoVoicemail: true, NoLetters: true, Notes: "Text first; her sister answers the safe phone."},
	}},
	{"metro-pd", haven.Person{
		GivenName: "Gideon", FamilyName: "Quillfeather", Aliases: []string{"Gid Quillfeather"}, DateOfBirth: "1987-11-02",
		Sex: "male", Languages: []string{"en"},
		Phones:    []haven.Phone{{Number: "312-555-0118", Kind: "mobile"}},
		Addresses: []haven.Address{{Line1: "1450 Tinderbox Avenue", City: "Metro City", Region: "Metro County", Kind: "home"}},
	}},
	{"metro-pd", haven.Person{
		GivenName: "Ottilie", FamilyName: "Quillfeather", DateOfBirth: "2016-07-21", Sex: "female", Languages: []string{"es", "en"},
	}},
	{"metro-pd", haven.Person{
		GivenName: "Bartholomew", FamilyName: "Fenwhistle", DateOfBirth: "1969-05-30", Sex: "male", Languages: []string{"en"},
		Phones:    []haven.Phone{{Number: "312-555-0163", Kind: "home", Note: "neighbour, called 911"}},
		Addresses: []haven.Address{{Line1: "1452 Tinderbox Avenue", City: "Metro City", Region: "Metro County", Kind: "home"}},
	}},
	{"metro-pd", haven.Person{
		GivenName: "Katherine", FamilyName: "Pennywhistle", DateOfBirth: "1994-09-08", Sex: "female", Languages: []string{"en"},
		Phones: []haven.Phone{{Number: "312-555-0121", Kind: "mobile"}},
		Emails: []string{"k.pennywhistle@example.org"},
	}},
	// The same woman entered again by another officer, spelled as it
	// sounds: search finds her as "sounds like", and creating her showed
	// the first record as a possible duplicate.
	{"metro-pd", haven.Person{
		GivenName: "Catherine", FamilyName: "Penniwhistle", DateOfBirth: "1994-09-08", Sex: "female",
		Phones: []haven.Phone{{Number: "312-555-0121", Kind: "mobile"}},
	}},
	{"metro-pd", haven.Person{
		GivenName: "Lucius", FamilyName: "Thornquist-Vane", Aliases: []string{"Lucky Vane"}, DateOfBirth: "1982-01-17",
		Sex: "male", Languages: []string{"en"},
		Phones: []haven.Phone{{Number: "312-555-0189", Kind: "mobile"}},
	}},

	// The advocacy center's own record of the survivor above: police and
	// advocates each keep theirs.
	{"safe-harbor", haven.Person{
		GivenName: "Marisol", FamilyName: "Quillfeather", DateOfBirth: "1991-03-14", Sex: "female", Gender: "woman",
		Languages: []string{"es", "en"},
		Phones:    []haven.Phone{{Number: "312-555-0177", Kind: "other", Note: "her sister's phone"}},
		SafeContact: &haven.SafeContact{SafePhone: "312-555-0177", SafeTimes: "weekdays 10:00–14:00",
			NoVoicemail: true, NoLetters: true},
	}},
	{"safe-harbor", haven.Person{
		GivenName: "Wilhelmina", FamilyName: "Oddbody", DateOfBirth: "1978-12-03", Sex: "female", Languages: []string{"pl", "en"},
		Phones:      []haven.Phone{{Number: "312-555-0155", Kind: "work"}},
		SafeContact: &haven.SafeContact{SafeTimes: "evenings after 19:00", NoLetters: true},
	}},
	{"safe-harbor", haven.Person{
		GivenName: "Juniper", FamilyName: "Marchbanks", DateOfBirth: "2001-06-25", Sex: "unknown", Gender: "non-binary",
		Languages: []string{"en"},
		Phones:    []haven.Phone{{Number: "312-555-0108", Kind: "mobile"}},
		Emails:    []string{"juniper.m@example.net"},
	}},
}

// seedPersons creates the demo persons that are missing.
//
// Persons have no unique key to look up, and searching appends an audit
// entry, so the step first asks the audit log, which records every creation
// in the same transaction as the record: when the demo loader has created
// as many persons in an agency as the agency has specs (there is no way to
// delete a person), that agency is complete and nothing is searched. Only
// otherwise — a first load, or one interrupted part-way — is each spec
// looked up by exact name and date of birth, and created when missing. So
// a re-run never duplicates a person, and an interrupted load is completed.
func seedPersons(ctx context.Context, s *Seed) error {
	created, err := demoPersonsCreated(ctx, s)
	if err != nil {
		return err
	}
	want := map[string]int{}
	for _, spec := range Persons {
		want[spec.Agency]++
	}
	for i, spec := range Persons {
		ag, ok := s.Agencies[spec.Agency]
		if !ok {
			return fmt.Errorf("person %d: unknown demo agency %s", i, spec.Agency)
		}
		if created[ag.ID] >= want[spec.Agency] {
			continue
		}
		// The demo's system actor, working in the agency: a system actor
		// names the agency a person belongs to, and search runs over the
		// actor's agency.
		actor := haven.ActorFromContext(ctx)
		actor.AgencyID, actor.AgencySlug = ag.ID, ag.Slug
		actx := haven.NewContextWithActor(ctx, actor)
		found, err := findPerson(actx, s, &spec.Person)
		if err != nil {
			return fmt.Errorf("person %d (%s): %w", i, spec.Agency, err)
		}
		if found {
			continue
		}
		p := clonePerson(spec.Person) // the store trims and fills in its copy
		p.AgencyID = ag.ID
		if _, err := s.DB.CreatePerson(actx, p); err != nil {
			return fmt.Errorf("person %d (%s): %w", i, spec.Agency, err)
		}
		s.Created()
	}
	return nil
}

// demoPersonsCreated counts, by agency id, the persons the demo loader has
// created, from the audit log.
func demoPersonsCreated(ctx context.Context, s *Seed) (map[string]int, error) {
	entries, err := s.DB.FindAudit(ctx, audit.Filter{Action: "person.create", Limit: 10000})
	if err != nil {
		return nil, err
	}
	loader := haven.ActorFromContext(ctx).System
	out := map[string]int{}
	for _, e := range entries {
		if e.Outcome == audit.Allowed && e.Via == "system" && e.ActorName == loader && e.ActorUserID == "" {
			out[e.RecordAgencyID]++
		}
	}
	return out, nil
}

// findPerson reports whether the actor's agency holds a person with p's
// exact names and date of birth.
func findPerson(ctx context.Context, s *Seed, p *haven.Person) (bool, error) {
	matches, err := s.DB.SearchPersons(ctx, haven.PersonQuery{Name: p.GivenName + " " + p.FamilyName, DateOfBirth: p.DateOfBirth, Limit: 100})
	if err != nil {
		return false, err
	}
	for _, m := range matches {
		q := m.Person
		if q.GivenName == p.GivenName && q.FamilyName == p.FamilyName && q.DateOfBirth == p.DateOfBirth {
			return true, nil
		}
	}
	return false, nil
}

// clonePerson copies p deeply enough that the store's changes to the copy
// do not reach the spec.
func clonePerson(p haven.Person) *haven.Person {
	p.Aliases, p.Languages, p.Emails = slices.Clone(p.Aliases), slices.Clone(p.Languages), slices.Clone(p.Emails)
	p.Phones, p.Addresses = slices.Clone(p.Phones), slices.Clone(p.Addresses)
	if p.SafeContact != nil {
		sc := *p.SafeContact
		p.SafeContact = &sc
	}
	return &p
}
