package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// incidentWorld is the person tests' world with a second officer and a
// victim and a suspect on the police side.
type incidentWorld struct {
	*world
	colleague       *haven.User
	victim, suspect *haven.Person
	witness         *haven.Person
	foreignPerson   *haven.Person // a person of the advocacy agency
	officerCtx      context.Context
	supervisorCtx   context.Context
	colleagueCtx    context.Context
	analystCtx      context.Context
	advocateCtx     context.Context
	shSupervisorCtx context.Context
	pdAdminCtx      context.Context
	importerCtx     context.Context
}

func newIncidentWorld(t *testing.T, db *store.DB) *incidentWorld {
	t.Helper()
	w := &incidentWorld{world: newWorld(t, db)}
	w.colleague = storetest.MustUser(t, db, w.pd, "colleague", haven.RoleOfficer)
	w.victim = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Valentina", FamilyName: "Okonkwo"})
	w.suspect = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Sebastian", FamilyName: "Drummond"})
	w.witness = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Wilhelmina", FamilyName: "Tate"})
	w.foreignPerson = mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Foreign", FamilyName: "Person"})
	w.officerCtx, w.supervisorCtx, w.colleagueCtx = storetest.As(w.officer), storetest.As(w.supervisor), storetest.As(w.colleague)
	w.analystCtx, w.advocateCtx, w.shSupervisorCtx = storetest.As(w.analyst), storetest.As(w.advocate), storetest.As(w.shSupervisor)
	w.pdAdminCtx = storetest.As(w.pdAdmin)
	w.importerCtx = haven.NewContextWithActor(context.Background(), haven.SystemActor("import"))
	return w
}

func fptr(f float64) *float64 { return &f }

// report is a full domestic-violence report: a victim and a suspect, an
// aggravated assault with strangulation, a statement each.
func (w *incidentWorld) report(now time.Time) *haven.Incident {
	occurred := now.Add(-2 * time.Hour)
	return &haven.Incident{
		ReportedAt: now.Add(-time.Hour),
		OccurredAt: &occurred,
		Location: haven.Location{Address: "4417 Quarrystone Terrace, Apt 2", Latitude: fptr(41.7751234), Longitude: fptr(-87.6654321),
			Beat: "0712", District: "007", LocationType: "APARTMENT"},
		Domestic: true,
		Parties: []haven.Party{
			{PersonID: w.victim.ID, Role: haven.PartyVictim, RelationshipToSuspect: "xr"},
			{PersonID: w.suspect.ID, Role: haven.PartySuspect},
			{PersonID: w.witness.ID, Role: haven.PartyWitness},
		},
		Offenses:        []haven.Offense{{Code: "13a", Circumstances: []string{"06"}}, {Code: "90Z", Description: "protective-order violation"}},
		Injuries:        []haven.Injury{{PersonID: w.victim.ID, Type: "M", BodyLocation: "neck", TreatmentOffered: true}},
		Arrests:         []haven.Arrest{{PersonID: w.suspect.ID, At: now.Add(-30 * time.Minute), Charges: []string{"aggravated domestic battery"}}},
		Statements:      []haven.Statement{{Kind: "victim", PersonID: w.victim.ID, TakenAt: now.Add(-45 * time.Minute), HowTaken: "written", Text: "He pressed on my throat until the kettle whistled."}},
		Strangulation:   &haven.Strangulation{Occurred: true, Signs: []string{"petechiae", "hoarse voice"}},
		Weapons:         []string{"85", "40"},
		SubstanceUse:    []string{"alcohol"},
		ChildrenPresent: true, ChildrenWitnessed: true, PriorIncidentsKnown: true, FirearmsPresent: true,
		Narrative: "Officers found the door splintered beside a marmalade-coloured bicycle.",
	}
}

func mustIncident(t *testing.T, ctx context.Context, db *store.DB, in *haven.Incident) *haven.Incident {
	t.Helper()
	if err := db.CreateIncident(ctx, in); err != nil {
		t.Fatalf("create incident: %v", err)
	}
	return in
}

func auditCount(t *testing.T, db *store.DB, action, outcome, recordID string) int {
	t.Helper()
	n := 0
	for _, e := range auditOf(t, db) {
		if e.Action == action && e.Outcome == outcome && (recordID == "" || e.RecordID == recordID) {
			n++
		}
	}
	return n
}

func TestIncidentCreateReadUpdate(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(c.Now()))
		if in.ID == "" || in.Number != "PD-2026-000001" || in.Status != haven.StatusDraft || in.Version != 1 || in.CreatedBy != w.officer.ID {
			t.Fatalf("created = %s %s %s v%d by %s", in.ID, in.Number, in.Status, in.Version, in.CreatedBy)
		}
		got, err := db.Incident(w.colleagueCtx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != in.Number || got.Narrative != in.Narrative || got.Location.Address != in.Location.Address ||
			*got.Location.Latitude != 41.7751234 || got.Location.Beat != "0712" || !got.Domestic || !got.ReportedAt.Equal(in.ReportedAt) ||
			!got.OccurredAt.Equal(*in.OccurredAt) || !got.ChildrenWitnessed || !got.FirearmsPresent || got.Strangulation == nil ||
			len(got.Strangulation.Signs) != 2 {
			t.Fatalf("read back = %+v", got)
		}
		// Codes are normalised; with one suspect the relationship is to them.
		if got.Offenses[0].Code != "13A" || got.Offenses[0].Circumstances[0] != "06" || got.Parties[0].RelationshipToSuspect != "XR" ||
			got.Parties[0].SuspectPersonID != w.suspect.ID {
			t.Fatalf("codes = %+v / %+v", got.Offenses, got.Parties)
		}
		if got.Parties[0].Name != "Valentina Okonkwo" || got.Parties[1].Name != "Sebastian Drummond" {
			t.Fatalf("names = %+v", got.Parties)
		}
		if len(got.Statements) != 1 || got.Statements[0].ID == "" || got.Statements[0].Text != in.Statements[0].Text {
			t.Fatalf("statements = %+v", got.Statements)
		}
		// One read entry, naming the persons whose names were shown.
		var read *audit.Entry
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.read" && e.Outcome == audit.Allowed && e.RecordID == in.ID {
				read = &e
			}
		}
		if read == nil || !strings.Contains(read.Details["names_shown"], w.victim.ID) || read.Basis != "own_agency" {
			t.Fatalf("read audit = %+v", read)
		}
		if n := auditCount(t, db, "person.read", audit.Allowed, ""); n != 0 {
			t.Fatalf("%d person.read entries for party names, want none (the incident read covers them)", n)
		}
		// The protocol starts with every step open.
		steps, err := db.Protocol(w.officerCtx, in.ID)
		if err != nil || len(steps) != len(haven.ProtocolSteps) || steps[0].Key != "scene_secured" || steps[0].Done || steps[0].Title == "" {
			t.Fatalf("protocol = %+v, %v", steps, err)
		}

		// Update: everything editable is replaced, and the history names
		// what changed.
		c.Add(time.Minute)
		edit := *got
		edit.Narrative = "Officers found the door splintered. Revised."
		edit.Weapons = []string{"85"}
		edit.Parties = edit.Parties[:2]
		up, err := db.UpdateIncident(w.colleagueCtx, in.ID, &edit, 1)
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || up.Narrative != edit.Narrative || len(up.Parties) != 2 || up.Number != in.Number || up.CreatedBy != w.officer.ID ||
			up.Parties[0].Name == "" {
			t.Fatalf("updated = %+v", up)
		}
		if _, err := db.UpdateIncident(w.officerCtx, in.ID, &edit, 1); haven.ErrorCode(err) != haven.ECONFLICT || haven.ErrorField(err) != "version" {
			t.Fatalf("stale version: %v", err)
		}
		bad := *up
		bad.Offenses = []haven.Offense{{Code: "99X"}}
		wantCode(t, func() error { _, err := db.UpdateIncident(w.officerCtx, in.ID, &bad, 2); return err }(), haven.EINVALID, "offenses[0].code")
		again, _ := db.Incident(w.officerCtx, in.ID)
		if again.Version != 2 || len(again.Parties) != 2 || again.Offenses[0].Code != "13A" {
			t.Fatalf("a failed update changed the report: %+v", again)
		}
		hist, err := db.IncidentHistory(w.officerCtx, in.ID)
		if err != nil || len(hist) != 2 || hist[0].Action != "created" || hist[1].Action != "updated" || hist[1].By != w.colleague.ID {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		if got := strings.Join(hist[1].Fields, ","); got != "parties,weapons,narrative" {
			t.Fatalf("changed fields = %s", got)
		}
		var fields string
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.update" && e.Outcome == audit.Allowed {
				fields = e.Details["fields"]
			}
		}
		if fields != "parties,weapons,narrative" {
			t.Fatalf("audit fields = %q", fields)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIncidentValidation(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		now := c.Now()
		later := now.Add(time.Hour)
		second := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Second", FamilyName: "Suspect"})
		for _, tc := range []struct {
			name  string
			edit  func(in *haven.Incident)
			field string
		}{
			{"bad offense code", func(in *haven.Incident) { in.Offenses[1].Code = "13D" }, "offenses[1].code"},
			{"empty offense code", func(in *haven.Incident) { in.Offenses[0].Code = "" }, "offenses[0].code"},
			{"circumstance not for the offense", func(in *haven.Incident) { in.Offenses[1].Circumstances = []string{"06"} }, "offenses[1].circumstances[0]"},
			{"bad circumstance", func(in *haven.Incident) { in.Offenses[0].Circumstances = []string{"06", "77"} }, "offenses[0].circumstances[1]"},
			{"bad weapon", func(in *haven.Incident) { in.Weapons = []string{"85", "16"} }, "weapons[1]"},
			{"bad relationship", func(in *haven.Incident) { in.Parties[0].RelationshipToSuspect = "HR" }, "parties[0].relationship_to_suspect"},
			{"relationship on a witness", func(in *haven.Incident) { in.Parties[2].RelationshipToSuspect = "FR" }, "parties[2].relationship_to_suspect"},
			{"bad role", func(in *haven.Incident) { in.Parties[2].Role = "bystander" }, "parties[2].role"},
			{"no person", func(in *haven.Incident) { in.Parties[2].PersonID = "" }, "parties[2].person_id"},
			{"missing person", func(in *haven.Incident) { in.Parties[2].PersonID = "01900000-0000-7000-8000-000000000000" }, "parties[2].person_id"},
			{"another agency's person", func(in *haven.Incident) { in.Parties[2].PersonID = w.foreignPerson.ID }, "parties[2].person_id"},
			{"same person twice in one role", func(in *haven.Incident) { in.Parties[2] = in.Parties[1] }, "parties[2].person_id"},
			{"suspect id not a suspect", func(in *haven.Incident) { in.Parties[0].SuspectPersonID = w.witness.ID }, "parties[0].suspect_person_id"},
			{"several suspects, none named", func(in *haven.Incident) {
				in.Parties = append(in.Parties, haven.Party{PersonID: second.ID, Role: haven.PartySuspect})
			}, "parties[0].suspect_person_id"},
			{"bad injury type", func(in *haven.Incident) { in.Injuries[0].Type = "Q" }, "injuries[0].type"},
			{"injury of a non-party", func(in *haven.Incident) { in.Injuries[0].PersonID = second.ID }, "injuries[0].person_id"},
			{"treatment accepted, not offered", func(in *haven.Incident) {
				in.Injuries[0].TreatmentOffered = false
				in.Injuries[0].TreatmentAccepted = true
			}, "injuries[0].treatment_accepted"},
			{"arrest of nobody", func(in *haven.Incident) { in.Arrests[0].PersonID = "" }, "arrests[0].person_id"},
			{"arrest without time", func(in *haven.Incident) { in.Arrests[0].At = time.Time{} }, "arrests[0].at"},
			{"statement without text", func(in *haven.Incident) { in.Statements[0].Text = "  " }, "statements[0].text"},
			{"statement kind", func(in *haven.Incident) { in.Statements[0].Kind = "rumour" }, "statements[0].kind"},
			{"statement taken how", func(in *haven.Incident) { in.Statements[0].HowTaken = "telepathy" }, "statements[0].how_taken"},
			{"statement in the future", func(in *haven.Incident) { in.Statements[0].TakenAt = later }, "statements[0].taken_at"},
			{"latitude without longitude", func(in *haven.Incident) { in.Location.Longitude = nil }, "location.latitude"},
			{"latitude out of range", func(in *haven.Incident) { in.Location.Latitude = fptr(91) }, "location.latitude"},
			{"reported in the future", func(in *haven.Incident) { in.ReportedAt = later }, "reported_at"},
			{"occurred after reported", func(in *haven.Incident) { in.OccurredAt = &later }, "occurred_at"},
			{"narrative not text", func(in *haven.Incident) { in.Narrative = "a\x00b" }, "narrative"},
			{"source without id", func(in *haven.Incident) { in.Source = "chicago" }, "source_id"},
			{"colon in the source", func(in *haven.Incident) { in.Source, in.SourceID = "a:b", "c" }, "source"},
			{"children witnessed, not present", func(in *haven.Incident) { in.ChildrenPresent = false }, "children_present"},
			{"strangulation signs, not occurred", func(in *haven.Incident) { in.Strangulation.Occurred = false }, "strangulation.occurred"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := w.report(now)
				tc.edit(in)
				wantCode(t, db.CreateIncident(w.officerCtx, in), haven.EINVALID, tc.field)
			})
		}
		// Another agency's person and a missing one get the same answer.
		a, b := w.report(now), w.report(now)
		a.Parties[2].PersonID, b.Parties[2].PersonID = w.foreignPerson.ID, "01900000-0000-7000-8000-000000000000"
		ea, eb := db.CreateIncident(w.officerCtx, a), db.CreateIncident(w.officerCtx, b)
		if ea == nil || eb == nil || ea.Error() != eb.Error() {
			t.Fatalf("foreign person = %v, missing person = %v: must be identical", ea, eb)
		}
		// Who may create.
		for _, ctx := range []context.Context{w.analystCtx, w.advocateCtx, w.pdAdminCtx} {
			wantCode(t, db.CreateIncident(ctx, w.report(now)), haven.EFORBIDDEN, "")
		}
		wantCode(t, db.CreateIncident(context.Background(), w.report(now)), haven.EUNAUTHORIZED, "")
		if n := auditCount(t, db, "incident.create", audit.Denied, ""); n != 3 {
			t.Fatalf("%d refused creations audited, want 3", n)
		}
		// Nothing invalid was stored, and no number was used up.
		in := mustIncident(t, w.officerCtx, db, w.report(now))
		if in.Number != "PD-2026-000001" {
			t.Fatalf("first stored report got %s: a failed creation used a number", in.Number)
		}
	})
}

func TestIncidentNumbers(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		var got []string
		for i := 0; i < 3; i++ {
			got = append(got, mustIncident(t, w.officerCtx, db, &haven.Incident{}).Number)
		}
		// Numbered in the year reported, in the agency's time zone: 03:00
		// UTC on 1 January is still the old year in Chicago.
		old := mustIncident(t, w.officerCtx, db, &haven.Incident{ReportedAt: time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)})
		got = append(got, old.Number)
		// Another agency has its own series, with its own prefix.
		got = append(got, mustIncident(t, w.shSupervisorCtx, db, &haven.Incident{}).Number)
		got = append(got, mustIncident(t, w.officerCtx, db, &haven.Incident{}).Number)
		want := []string{"PD-2026-000001", "PD-2026-000002", "PD-2026-000003", "PD-2025-000001", "SAF-2026-000001", "PD-2026-000004"}
		if !slices.Equal(got, want) {
			t.Fatalf("numbers = %v, want %v", got, want)
		}
	})
}

func TestIncidentNumbersConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		const n = 20
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := w.officerCtx
				if i%2 == 1 {
					ctx = w.colleagueCtx
				}
				in := &haven.Incident{Domestic: true}
				errs[i] = db.CreateIncident(ctx, in)
				numbers[i] = in.Number
			}()
		}
		wg.Wait()
		year := time.Now().In(w.pd.Location()).Year()
		var want []string
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf("PD-%d-%06d", year, i))
		}
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(numbers)
		if !slices.Equal(numbers, want) {
			t.Fatalf("numbers = %v, want 1..%d without gaps or repeats", numbers, n)
		}
	})
}

func TestIncidentWorkflow(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(c.Now()))
		bySup := mustIncident(t, w.supervisorCtx, db, &haven.Incident{})
		id := in.ID
		update := func(ctx context.Context) error {
			got, err := db.Incident(w.officerCtx, id)
			if err != nil {
				return err
			}
			got.Narrative += " More."
			_, err = db.UpdateIncident(ctx, id, got, got.Version)
			return err
		}
		for _, step := range []struct {
			name   string
			do     func() error
			code   string
			status haven.IncidentStatus
		}{
			{"a colleague cannot submit the author's draft", func() error { return db.SubmitIncident(w.colleagueCtx, id) }, haven.EFORBIDDEN, haven.StatusDraft},
			{"a draft cannot be reviewed", func() error { return db.ReviewIncident(w.supervisorCtx, id, true, "") }, haven.ECONFLICT, haven.StatusDraft},
			{"a draft cannot be closed", func() error { return db.CloseIncident(w.supervisorCtx, id) }, haven.ECONFLICT, haven.StatusDraft},
			{"a draft takes no supplement", func() error { _, err := db.AddSupplement(w.officerCtx, id, "more"); return err }, haven.ECONFLICT, haven.StatusDraft},
			{"another agency's supervisor cannot submit", func() error { return db.SubmitIncident(w.shSupervisorCtx, id) }, haven.ENOTFOUND, haven.StatusDraft},
			{"an analyst cannot submit", func() error { return db.SubmitIncident(w.analystCtx, id) }, haven.ENOTFOUND, haven.StatusDraft},
			{"the author submits", func() error { return db.SubmitIncident(w.officerCtx, id) }, "", haven.StatusSubmitted},
			{"submitted twice", func() error { return db.SubmitIncident(w.officerCtx, id) }, haven.ECONFLICT, haven.StatusSubmitted},
			{"a submitted report is not edited", func() error { return update(w.officerCtx) }, haven.ECONFLICT, haven.StatusSubmitted},
			{"an officer cannot review", func() error { return db.ReviewIncident(w.colleagueCtx, id, true, "") }, haven.EFORBIDDEN, haven.StatusSubmitted},
			{"another agency's supervisor cannot review", func() error { return db.ReviewIncident(w.shSupervisorCtx, id, true, "") }, haven.ENOTFOUND, haven.StatusSubmitted},
			{"returning needs a comment", func() error { return db.ReviewIncident(w.supervisorCtx, id, false, " ") }, haven.EINVALID, haven.StatusSubmitted},
			{"the supervisor returns it", func() error {
				return db.ReviewIncident(w.supervisorCtx, id, false, "Add the neighbour's account of the quarrel.")
			}, "", haven.StatusReturned},
			{"a returned report cannot be closed", func() error { return db.CloseIncident(w.supervisorCtx, id) }, haven.ECONFLICT, haven.StatusReturned},
			{"the author edits the returned report", func() error { return update(w.officerCtx) }, "", haven.StatusReturned},
			{"a supervisor may submit it", func() error { return db.SubmitIncident(w.supervisorCtx, id) }, "", haven.StatusSubmitted},
			{"the supervisor approves", func() error { return db.ReviewIncident(w.supervisorCtx, id, true, "") }, "", haven.StatusApproved},
			{"approved twice", func() error { return db.ReviewIncident(w.supervisorCtx, id, true, "") }, haven.ECONFLICT, haven.StatusApproved},
			{"an approved report is not edited", func() error { return update(w.officerCtx) }, haven.ECONFLICT, haven.StatusApproved},
			{"an officer cannot close", func() error { return db.CloseIncident(w.officerCtx, id) }, haven.EFORBIDDEN, haven.StatusApproved},
			{"an agency admin cannot close", func() error { return db.CloseIncident(w.pdAdminCtx, id) }, haven.ENOTFOUND, haven.StatusApproved},
			{"the supervisor closes", func() error { return db.CloseIncident(w.supervisorCtx, id) }, "", haven.StatusClosed},
			{"closed twice", func() error { return db.CloseIncident(w.supervisorCtx, id) }, haven.ECONFLICT, haven.StatusClosed},
			{"a closed report still takes supplements", func() error { _, err := db.AddSupplement(w.colleagueCtx, id, "Victim called again."); return err }, "", haven.StatusClosed},
		} {
			t.Run(step.name, func(t *testing.T) {
				c.Add(time.Second)
				wantCode(t, step.do(), step.code, "")
				got, err := db.Incident(w.officerCtx, id)
				if err != nil || got.Status != step.status {
					t.Fatalf("status = %v (%v), want %s", got.Status, err, step.status)
				}
			})
		}
		got, _ := db.Incident(w.officerCtx, id)
		if got.SubmittedAt == nil || got.ReviewComment != "" || got.Version != 7 {
			t.Fatalf("after the workflow: submitted_at %v, comment %q, version %d", got.SubmittedAt, got.ReviewComment, got.Version)
		}
		// A supervisor does not approve their own report.
		if err := db.SubmitIncident(w.supervisorCtx, bySup.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.ReviewIncident(w.supervisorCtx, bySup.ID, true, ""), haven.EFORBIDDEN, "")

		// The history tells the story, with the review comment.
		hist, err := db.IncidentHistory(w.supervisorCtx, id)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.Action)
		}
		if want := "created,submitted,returned,updated,submitted,approved,closed,supplement"; strings.Join(actions, ",") != want {
			t.Fatalf("history = %s, want %s", strings.Join(actions, ","), want)
		}
		if hist[2].Comment != "Add the neighbour's account of the quarrel." || hist[2].By != w.supervisor.ID || hist[1].By != w.officer.ID {
			t.Fatalf("returned entry = %+v", hist[2])
		}
		// Every transition is audited, and so is every refusal.
		for action, want := range map[string]int{"incident.submit": 3, "incident.review": 2, "incident.close": 1, "incident.supplement": 1} {
			if n := auditCount(t, db, action, audit.Allowed, ""); n != want {
				t.Errorf("%d %s entries, want %d", n, action, want)
			}
		}
		if n := auditCount(t, db, "incident.submit", audit.Denied, id); n != 3 {
			t.Errorf("%d refused submissions audited, want 3", n)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIncidentReturnedCommentShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, &haven.Incident{})
		if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ReviewIncident(w.supervisorCtx, in.ID, false, "Needs the injuries."); err != nil {
			t.Fatal(err)
		}
		got, err := db.Incident(w.officerCtx, in.ID)
		if err != nil || got.Status != haven.StatusReturned || got.ReviewComment != "Needs the injuries." {
			t.Fatalf("returned = %+v, %v", got, err)
		}
	})
}

func TestIncidentSupplements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(time.Now()))
		if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, func() error { _, err := db.AddSupplement(w.officerCtx, in.ID, "   "); return err }(), haven.EINVALID, "text")
		s1, err := db.AddSupplement(w.officerCtx, in.ID, "The suspect returned to the address at 23:10.")
		if err != nil || s1.ID == "" || s1.By != w.officer.ID {
			t.Fatalf("supplement = %+v, %v", s1, err)
		}
		if _, err := db.AddSupplement(w.colleagueCtx, in.ID, "Photos of the doorframe added."); err != nil {
			t.Fatal(err)
		}
		list, err := db.Supplements(w.supervisorCtx, in.ID)
		if err != nil || len(list) != 2 || list[0].Text != "The suspect returned to the address at 23:10." || list[1].By != w.colleague.ID {
			t.Fatalf("supplements = %+v, %v", list, err)
		}
		// The report itself is unchanged.
		got, _ := db.Incident(w.officerCtx, in.ID)
		if got.Narrative != in.Narrative || got.Version != 2 {
			t.Fatalf("supplements changed the report: v%d", got.Version)
		}
		for _, ctx := range []context.Context{w.analystCtx, w.advocateCtx, w.shSupervisorCtx} {
			if _, err := db.Supplements(ctx, in.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("supplements for an outsider: %v", err)
			}
			if _, err := db.AddSupplement(ctx, in.ID, "x"); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("supplement by an outsider: %v", err)
			}
		}
	})
}

func TestIncidentProtocol(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, &haven.Incident{})
		id := in.ID
		// In order: the second step waits for the first, and the error names it.
		err := db.CompleteStep(w.officerCtx, id, "medical_aid", false, "", "")
		wantCode(t, err, haven.ECONFLICT, "")
		if !strings.Contains(err.Error(), "scene_secured") {
			t.Fatalf("out-of-order error does not name the missing step: %v", err)
		}
		wantCode(t, db.CompleteStep(w.officerCtx, id, "scene_secured", true, "  ", ""), haven.EINVALID, "reason")
		wantCode(t, db.CompleteStep(w.officerCtx, id, "scene_secured", false, "because", ""), haven.EINVALID, "reason")
		wantCode(t, db.CompleteStep(w.officerCtx, id, "dance", false, "", ""), haven.EINVALID, "key")
		wantCode(t, db.CompleteStep(w.analystCtx, id, "scene_secured", false, "", ""), haven.ENOTFOUND, "")

		t1 := c.Now()
		if err := db.CompleteStep(w.officerCtx, id, "scene_secured", false, "", "Two units on scene."); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Minute)
		if err := db.CompleteStep(w.colleagueCtx, id, "medical_aid", true, "Victim declined; no visible injury.", ""); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CompleteStep(w.officerCtx, id, "scene_secured", false, "", ""), haven.ECONFLICT, "")
		err = db.CompleteStep(w.officerCtx, id, "victim_interviewed_privately", false, "", "")
		if haven.ErrorCode(err) != haven.ECONFLICT || !strings.Contains(err.Error(), "parties_separated") {
			t.Fatalf("skipping ahead: %v", err)
		}
		if err := db.CompleteStep(w.officerCtx, id, "parties_separated", false, "", ""); err != nil {
			t.Fatal(err)
		}
		steps, err := db.Protocol(w.supervisorCtx, id)
		if err != nil {
			t.Fatal(err)
		}
		s0, s1, s2, s3 := steps[0], steps[1], steps[2], steps[3]
		if !s0.Done || s0.Skipped || s0.Note != "Two units on scene." || s0.CompletedBy != w.officer.ID || s0.CompletedAt == nil || !s0.CompletedAt.Equal(t1) {
			t.Fatalf("step 1 = %+v", s0)
		}
		if s1.Done || !s1.Skipped || s1.SkipReason != "Victim declined; no visible injury." || s1.CompletedBy != w.colleague.ID {
			t.Fatalf("step 2 = %+v", s1)
		}
		if !s2.Done || s3.Done || s3.Skipped || s3.CompletedAt != nil {
			t.Fatalf("steps 3, 4 = %+v %+v", s2, s3)
		}
		hist, _ := db.IncidentHistory(w.officerCtx, id)
		if len(hist) != 4 || hist[1].Action != "protocol" || hist[1].Fields[0] != "scene_secured" {
			t.Fatalf("history = %+v", hist)
		}
		// Once submitted, the protocol is part of the submitted report.
		if err := db.SubmitIncident(w.officerCtx, id); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CompleteStep(w.officerCtx, id, "victim_interviewed_privately", false, "", ""), haven.ECONFLICT, "")
	})
}

func TestIncidentCrossAgency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(time.Now()))
		const missing = "01900000-0000-7000-8000-000000000000"
		_, errMissing := db.Incident(w.shSupervisorCtx, missing)
		if haven.ErrorCode(errMissing) != haven.ENOTFOUND {
			t.Fatalf("missing = %v", errMissing)
		}
		for name, ctx := range map[string]context.Context{"other agency's supervisor": w.shSupervisorCtx, "advocate": w.advocateCtx,
			"analyst": w.analystCtx, "agency admin": w.pdAdminCtx} {
			_, err := db.Incident(ctx, in.ID)
			if haven.ErrorCode(err) != haven.ENOTFOUND || err.Error() != errMissing.Error() {
				t.Fatalf("%s read = %v; must be identical to a missing report's %v", name, err, errMissing)
			}
			for part, err := range map[string]error{
				"history":  func() error { _, err := db.IncidentHistory(ctx, in.ID); return err }(),
				"protocol": func() error { _, err := db.Protocol(ctx, in.ID); return err }(),
				"update":   func() error { _, err := db.UpdateIncident(ctx, in.ID, w.report(time.Now()), 1); return err }(),
				"step":     db.CompleteStep(ctx, in.ID, "scene_secured", false, "", ""),
			} {
				if err == nil || err.Error() != errMissing.Error() {
					t.Fatalf("%s %s = %v", name, part, err)
				}
			}
		}
		// Every refusal is in the log, with the owning agency.
		var denied int
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.read" && e.Outcome == audit.Denied && e.RecordID == in.ID {
				if e.RecordAgencyID != w.pd.ID || e.Details["policy"] == "" {
					t.Fatalf("denial entry = %+v", e)
				}
				denied++
			}
		}
		if denied != 12 { // 4 actors × (read, history, protocol)
			t.Fatalf("%d denied reads audited, want 12", denied)
		}
		if n := auditCount(t, db, "incident.read", audit.Denied, missing); n != 1 {
			t.Fatalf("the missing report's refusal is audited %d times", n)
		}
		// Lists are scoped to the caller's agency.
		list, err := db.FindIncidents(w.shSupervisorCtx, haven.IncidentFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("other agency's list = %d, %v", len(list), err)
		}
		if _, err := db.FindIncidents(w.advocateCtx, haven.IncidentFilter{}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("advocate lists reports: %v", err)
		}
	})
}

func TestIncidentAnalystView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(time.Now()))
		if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ReviewIncident(w.supervisorCtx, in.ID, false, "Spell out the neighbour's name."); err != nil {
			t.Fatal(err)
		}
		list, err := db.FindIncidents(w.analystCtx, haven.IncidentFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("analyst list = %d, %v", len(list), err)
		}
		got := list[0]
		if got.Narrative != "" || got.Location.Address != "" || len(got.Statements) != 0 || got.ReviewComment != "" {
			t.Fatalf("analyst sees sealed text: %+v", got)
		}
		for _, p := range got.Parties {
			if p.Name != "" || p.PersonID != "" || p.SuspectPersonID != "" {
				t.Fatalf("analyst sees who was involved: %+v", p)
			}
		}
		if got.Parties[0].Role != haven.PartyVictim || got.Parties[0].RelationshipToSuspect != "XR" {
			t.Fatalf("analyst loses the relationship code: %+v", got.Parties[0])
		}
		if got.Injuries[0].PersonID != "" || got.Arrests[0].PersonID != "" || len(got.Arrests[0].Charges) != 1 {
			t.Fatalf("injuries/arrests = %+v / %+v", got.Injuries, got.Arrests)
		}
		if *got.Location.Latitude != 41.775 || *got.Location.Longitude != -87.665 || got.Location.Beat != "0712" {
			t.Fatalf("analyst coordinates = %v,%v", *got.Location.Latitude, *got.Location.Longitude)
		}
		if got.Offenses[0].Code != "13A" || !got.Domestic || !got.Strangulation.Occurred || got.Number != in.Number {
			t.Fatalf("analyst loses the codes: %+v", got)
		}
		// The aggregate view does not link persons to reports.
		if _, err := db.FindIncidents(w.analystCtx, haven.IncidentFilter{PersonID: w.victim.ID}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("analyst filters by person: %v", err)
		}
		if _, err := db.PriorIncidents(w.analystCtx, w.victim.ID, ""); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("analyst prior incidents: %v", err)
		}
		var export *audit.Entry
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.export" && e.Outcome == audit.Allowed {
				export = &e
			}
		}
		if export == nil || export.Details["view"] != "aggregate" || export.Basis != "aggregate" || export.Details["shown"] != "" {
			t.Fatalf("analyst export audit = %+v", export)
		}
		// The officer's list is the full report.
		full, err := db.FindIncidents(w.officerCtx, haven.IncidentFilter{})
		if err != nil || len(full) != 1 || full[0].Narrative != in.Narrative || full[0].Parties[0].Name != "Valentina Okonkwo" {
			t.Fatalf("officer list = %+v, %v", full, err)
		}
	})
}

func TestFindIncidents(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		now := c.Now()
		at := func(days int) *time.Time { t := now.AddDate(0, 0, -days); return &t }
		yes, no := true, false
		mk := func(ctx context.Context, occurred *time.Time, domestic bool, district string, parties ...haven.Party) *haven.Incident {
			return mustIncident(t, ctx, db, &haven.Incident{OccurredAt: occurred, Domestic: domestic, Parties: parties,
				Location: haven.Location{District: district}})
		}
		v := haven.Party{PersonID: w.victim.ID, Role: haven.PartyVictim}
		a := mk(w.officerCtx, at(10), true, "007", v)
		b := mk(w.officerCtx, at(5), false, "007")
		cc := mk(w.colleagueCtx, at(1), true, "009", v)
		d := mk(w.colleagueCtx, nil, true, "009") // occurred unknown: sorted by when reported (now)
		mk(w.shSupervisorCtx, at(2), true, "007", haven.Party{PersonID: w.foreignPerson.ID, Role: haven.PartyVictim})
		if err := db.SubmitIncident(w.officerCtx, b.ID); err != nil {
			t.Fatal(err)
		}
		ids := func(list []*haven.Incident) string {
			var out []string
			for _, in := range list {
				for name, x := range map[string]*haven.Incident{"a": a, "b": b, "c": cc, "d": d} {
					if in.ID == x.ID {
						out = append(out, name)
					}
				}
			}
			return strings.Join(out, "")
		}
		for _, tc := range []struct {
			name string
			f    haven.IncidentFilter
			want string
		}{
			{"all, newest first", haven.IncidentFilter{}, "dcba"},
			{"status", haven.IncidentFilter{Status: haven.StatusSubmitted}, "b"},
			{"domestic", haven.IncidentFilter{Domestic: &yes}, "dca"},
			{"not domestic", haven.IncidentFilter{Domestic: &no}, "b"},
			{"from", haven.IncidentFilter{From: *at(6)}, "dcb"},
			{"from and to", haven.IncidentFilter{From: *at(6), To: *at(1)}, "b"},
			{"district", haven.IncidentFilter{District: "009"}, "dc"},
			{"officer", haven.IncidentFilter{Officer: w.officer.ID}, "ba"},
			{"person", haven.IncidentFilter{PersonID: w.victim.ID}, "ca"},
			{"limit and offset", haven.IncidentFilter{Limit: 2, Offset: 1}, "cb"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := db.FindIncidents(w.supervisorCtx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(list); got != tc.want || len(list) != len(tc.want) {
					t.Fatalf("got %s (%d), want %s", got, len(list), tc.want)
				}
			})
		}
		wantCode(t, func() error {
			_, err := db.FindIncidents(w.officerCtx, haven.IncidentFilter{Status: "lost"})
			return err
		}(), haven.EINVALID, "status")
		// Searches are audited with the kinds of filter and what was shown.
		var kinds []string
		var all *audit.Entry
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.search" {
				kinds = append(kinds, e.Details["filters"])
				if e.Details["filters"] == "" && e.Details["results"] == "4" && all == nil {
					all = &e
				}
			}
		}
		if all == nil || !strings.Contains(all.Details["shown"], a.ID) || !slices.Contains(kinds, "from+to") || !slices.Contains(kinds, "person") {
			t.Fatalf("search audit = %+v / %v", all, kinds)
		}
		// A listing made for an export file is logged as an export.
		exports := func() int {
			n := 0
			for _, e := range auditOf(t, db) {
				if e.Action == "incident.export" && e.Outcome == audit.Allowed {
					n++
				}
			}
			return n
		}
		before := exports()
		if _, err := db.FindIncidents(w.officerCtx, haven.IncidentFilter{Export: true}); err != nil {
			t.Fatal(err)
		}
		if exports() != before+1 {
			t.Fatal("an officer's export was not logged as an export")
		}
	})
}

func TestPriorIncidents(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newIncidentWorld(t, db)
		other := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Other", FamilyName: "Suspect"})
		pair := func(suspect string, daysAgo int) *haven.Incident {
			occurred := c.Now().AddDate(0, 0, -daysAgo)
			return mustIncident(t, w.officerCtx, db, &haven.Incident{OccurredAt: &occurred, Parties: []haven.Party{
				{PersonID: w.victim.ID, Role: haven.PartyVictim, RelationshipToSuspect: "BG"},
				{PersonID: suspect, Role: haven.PartySuspect}}})
		}
		first := pair(w.suspect.ID, 300)
		second := pair(other.ID, 200)
		third := pair(w.suspect.ID, 30)
		mustIncident(t, w.officerCtx, db, &haven.Incident{Parties: []haven.Party{{PersonID: w.witness.ID, Role: haven.PartyWitness}}})

		list, err := db.PriorIncidents(w.colleagueCtx, w.victim.ID, "")
		if err != nil || len(list) != 3 || list[0].ID != third.ID || list[1].ID != second.ID || list[2].ID != first.ID {
			t.Fatalf("prior for the victim = %d, %v", len(list), err)
		}
		if list[0].Parties[1].Name != "Sebastian Drummond" {
			t.Fatalf("names in prior incidents = %+v", list[0].Parties)
		}
		list, err = db.PriorIncidents(w.colleagueCtx, w.victim.ID, w.suspect.ID)
		if err != nil || len(list) != 2 || list[0].ID != third.ID || list[1].ID != first.ID {
			t.Fatalf("prior for the pair = %d, %v", len(list), err)
		}
		// Another agency sees none of them, whoever it asks about.
		if list, err := db.PriorIncidents(w.shSupervisorCtx, w.victim.ID, ""); err != nil || len(list) != 0 {
			t.Fatalf("other agency's prior = %d, %v", len(list), err)
		}
		wantCode(t, func() error { _, err := db.PriorIncidents(w.officerCtx, "", ""); return err }(), haven.EINVALID, "person_id")
		var e audit.Entry
		for _, x := range auditOf(t, db) {
			if x.Action == "incident.prior" && x.ActorUserID == w.colleague.ID {
				e = x
			}
		}
		if e.Details["person_id"] != w.victim.ID || e.Details["other_person_id"] != w.suspect.ID || e.Details["results"] != "2" {
			t.Fatalf("prior audit = %+v", e)
		}
	})
}

// chicagoRecord is an imported record as the importer makes one.
func chicagoRecord(i int) *haven.Incident {
	reported := time.Date(2016, 1, 2, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Minute)
	return &haven.Incident{
		Source: "chicago", SourceID: fmt.Sprint(10000000 + i), ReportedAt: reported, OccurredAt: &reported,
		Location: haven.Location{Address: "021XX W 63RD ST", Latitude: fptr(41.779), Longitude: fptr(-87.679), Beat: "0825",
			District: "008", LocationType: "APARTMENT"},
		Domestic:    i%3 == 0,
		SourceCodes: map[string]string{"iucr": "0486", "fbi_code": "08B", "primary_type": "BATTERY", "description": "DOMESTIC BATTERY SIMPLE"},
		Offenses:    []haven.Offense{{Code: "13B"}},
	}
}

func TestImportIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		batch := func(from, n int) []*haven.Incident {
			var out []*haven.Incident
			for i := from; i < from+n; i++ {
				out = append(out, chicagoRecord(i))
			}
			return out
		}
		b1 := batch(0, 10)
		b1 = append(b1, chicagoRecord(3)) // repeated within the batch
		res, err := db.ImportIncidents(w.importerCtx, w.pd.ID, b1)
		if err != nil || res != (haven.ImportResult{Imported: 10, Duplicates: 1}) {
			t.Fatalf("first import = %+v, %v", res, err)
		}
		if b1[0].ID == "" || b1[0].Number != "PD-2016-000001" || b1[9].Number != "PD-2016-000010" || b1[0].Status != haven.StatusClosed || b1[10].ID != "" {
			t.Fatalf("imported records = %s %s %s, dup %q", b1[0].Number, b1[9].Number, b1[0].Status, b1[10].ID)
		}
		// The same batch again imports nothing.
		res, err = db.ImportIncidents(w.importerCtx, w.pd.ID, batch(0, 10))
		if err != nil || res != (haven.ImportResult{Imported: 0, Duplicates: 10}) {
			t.Fatalf("second import = %+v, %v", res, err)
		}
		// An overlapping batch imports only what is new.
		res, err = db.ImportIncidents(w.importerCtx, w.pd.ID, batch(5, 10))
		if err != nil || res != (haven.ImportResult{Imported: 5, Duplicates: 5}) {
			t.Fatalf("overlapping import = %+v, %v", res, err)
		}
		// The same source ids are another agency's own records.
		if res, err := db.ImportIncidents(w.importerCtx, w.sh.ID, batch(0, 2)); err != nil || res.Imported != 2 {
			t.Fatalf("other agency's import = %+v, %v", res, err)
		}
		// One bad record fails the batch, named by position, storing nothing.
		bad := batch(100, 5)
		bad[3].Offenses[0].Code = "BATTERY"
		_, err = db.ImportIncidents(w.importerCtx, w.pd.ID, bad)
		wantCode(t, err, haven.EINVALID, "batch[3].offenses[0].code")
		if bad[0].ID != "" {
			t.Fatal("a failed batch gave records ids")
		}
		missingID := batch(200, 1)
		missingID[0].SourceID, missingID[0].Source = "", ""
		_, err = db.ImportIncidents(w.importerCtx, w.pd.ID, missingID)
		wantCode(t, err, haven.EINVALID, "batch[0].source_id")
		_, err = db.ImportIncidents(w.importerCtx, "no-such-agency", batch(300, 1))
		wantCode(t, err, haven.EINVALID, "agency_id")
		// Only a system process imports.
		for _, ctx := range []context.Context{w.officerCtx, w.supervisorCtx, w.pdAdminCtx} {
			_, err := db.ImportIncidents(ctx, w.pd.ID, batch(400, 1))
			wantCode(t, err, haven.EFORBIDDEN, "")
		}
		list, err := db.FindIncidents(w.supervisorCtx, haven.IncidentFilter{Limit: 1000})
		if err != nil || len(list) != 15 {
			t.Fatalf("stored = %d, %v", len(list), err)
		}
		// One summary entry per batch, none per record.
		var entries []audit.Entry
		for _, e := range auditOf(t, db) {
			if e.Action == "incident.import" {
				entries = append(entries, e)
			}
		}
		if len(entries) != 7 || entries[0].Details["imported"] != "10" || entries[0].Details["duplicates"] != "1" ||
			entries[1].Details["imported"] != "0" || entries[0].ActorName != "import" || entries[0].RecordAgencyID != w.pd.ID ||
			entries[4].Outcome != audit.Denied {
			t.Fatalf("import audit = %+v", entries)
		}
		got, err := db.Incident(w.supervisorCtx, b1[0].ID)
		if err != nil || got.Source != "chicago" || got.SourceCodes["iucr"] != "0486" || got.Location.Address != "021XX W 63RD ST" {
			t.Fatalf("imported record = %+v, %v", got, err)
		}
		hist, _ := db.IncidentHistory(w.supervisorCtx, b1[0].ID)
		if len(hist) != 1 || hist[0].Action != "imported" || hist[0].By != "system:import" {
			t.Fatalf("imported history = %+v", hist)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoPlaintextIncidentData: addresses, narratives, statements,
// supplements, review comments and protocol notes are not stored in the
// clear: not in any table, and, for SQLite, not in the database files.
func TestNoPlaintextIncidentData(t *testing.T) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			db := storetest.Open(t, d, storetest.Config())
			w := newIncidentWorld(t, db)
			in := w.report(time.Now())
			in.Location.Address = "88 Brackenthorpe Crescent"
			in.Narrative = "The quinceberry pie was thrown against the wall."
			in.Statements = append(in.Statements, haven.Statement{Kind: "witness", PersonID: w.witness.ID, TakenAt: time.Now().Add(-time.Minute),
				HowTaken: "verbal", Text: "I heard a gramophone smash through the window."})
			mustIncident(t, w.officerCtx, db, in)
			if err := db.CompleteStep(w.officerCtx, in.ID, "scene_secured", false, "", "Parked by the periwinkle hedge"); err != nil {
				t.Fatal(err)
			}
			if err := db.CompleteStep(w.officerCtx, in.ID, "medical_aid", true, "Victim left with her sister Ottoline", ""); err != nil {
				t.Fatal(err)
			}
			if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.ReviewIncident(w.supervisorCtx, in.ID, false, "Ask about the tamarind jar"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddSupplement(w.officerCtx, in.ID, "The zither case held the knife."); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportIncidents(w.importerCtx, w.pd.ID, []*haven.Incident{{Source: "chicago", SourceID: "1",
				Location: haven.Location{Address: "012XX W Xylophonia AVE"}}}); err != nil {
				t.Fatal(err)
			}
			needles := []string{"Brackenthorpe", "quinceberry", "kettle whistled", "gramophone", "periwinkle", "Ottoline",
				"tamarind", "zither", "Xylophonia", "Okonkwo", "Valentina"}
			for _, n := range needles {
				if c, err := db.CountAllTables(context.Background(), n); err != nil || c != 0 {
					t.Errorf("%q found in %d stored values (%v)", n, c, err)
				}
			}
			// The codes analytics need are there in the clear.
			if c, _ := db.CountAllTables(context.Background(), `"13A"`); c == 0 {
				t.Error("offence codes are not stored in the clear")
			}
			if d != "sqlite" {
				return
			}
			db.Close()
			files, _ := filepath.Glob(filepath.Join(dataDirOf(t, db), "haven.db*"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range needles {
					if strings.Contains(strings.ToLower(string(b)), strings.ToLower(n)) {
						t.Errorf("%q in raw file %s", n, filepath.Base(f))
					}
				}
			}
		})
	}
}

func TestIncidentKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newIncidentWorld(t, db)
		in := mustIncident(t, w.officerCtx, db, w.report(time.Now()))
		if err := db.CompleteStep(w.officerCtx, in.ID, "scene_secured", false, "", "a note"); err != nil {
			t.Fatal(err)
		}
		if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ReviewIncident(w.supervisorCtx, in.ID, false, "a comment"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddSupplement(w.officerCtx, in.ID, "a supplement"); err != nil {
			t.Fatal(err)
		}
		before, _ := db.IncidentKeyIDs(context.Background())
		byRotation, left, err := db.RotateAllKeys(storetest.System())
		if err != nil || left != 0 {
			t.Fatalf("re-sealing left %d, %v", left, err)
		}
		if byRotation != 0 {
			t.Errorf("RotateKeys left %d incident values under the old key: it must re-seal them (resealIncidentBatch)", byRotation)
		}
		after, _ := db.IncidentKeyIDs(context.Background())
		if len(before) != 1 || len(after) != 1 || before[0] == after[0] {
			t.Fatalf("keys before %v, after %v", before, after)
		}
		got, err := db.Incident(w.officerCtx, in.ID)
		if err != nil || got.Narrative != in.Narrative || got.ReviewComment != "a comment" {
			t.Fatalf("read after rotation: %v", err)
		}
		steps, err := db.Protocol(w.officerCtx, in.ID)
		if err != nil || steps[0].Note != "a note" {
			t.Fatalf("protocol after rotation: %v", err)
		}
		sups, err := db.Supplements(w.officerCtx, in.ID)
		if err != nil || sups[0].Text != "a supplement" {
			t.Fatalf("supplements after rotation: %v", err)
		}
		hist, err := db.IncidentHistory(w.officerCtx, in.ID)
		if err != nil || hist[3].Comment != "a comment" {
			t.Fatalf("history after rotation: %+v %v", hist, err)
		}
	})
}

// ProtocolCounts counts each report's steps in one read, for the caller's
// agency only.
func TestProtocolCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		other := storetest.MustAgency(t, db, "river-pd", haven.KindPolice)
		officer := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		stranger := storetest.MustUser(t, db, other, "stranger", haven.RoleOfficer)
		mk := func(ctx context.Context) string {
			t.Helper()
			in := &haven.Incident{Domestic: true, Offenses: []haven.Offense{{Code: "13B"}}}
			if err := db.CreateIncident(ctx, in); err != nil {
				t.Fatal(err)
			}
			return in.ID
		}
		as := storetest.As(officer)
		a, b, theirs := mk(as), mk(as), mk(storetest.As(stranger))
		if err := db.CompleteStep(as, a, "scene_secured", false, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := db.CompleteStep(as, a, "medical_aid", true, "no one hurt", ""); err != nil {
			t.Fatal(err)
		}
		got, err := db.ProtocolCounts(as, []string{a, b, theirs, "no-such-report"})
		if err != nil {
			t.Fatal(err)
		}
		all := len(haven.ProtocolSteps)
		want := map[string]haven.ProtocolCount{a: {Done: 1, Skipped: 1, Missing: all - 2}, b: {Missing: all}}
		if len(got) != len(want) || got[a] != want[a] || got[b] != want[b] {
			t.Fatalf("counts = %+v, want %+v", got, want)
		}
		if _, err := db.ProtocolCounts(storetest.As(storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)), []string{a}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("an analyst counts protocols: %v", err)
		}
	})
}
