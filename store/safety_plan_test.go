package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/safetyplan"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// planWorld is the risk tests' world (metro-pd and safe-harbor with their
// staff) with a survivor of safe-harbor, whose plan the advocate keeps.
type planWorld struct {
	*riskWorld
	survivor *haven.Person // safe-harbor's record
}

func newPlanWorld(t *testing.T, db *store.DB, c *clock) *planWorld {
	t.Helper()
	w := &planWorld{riskWorld: newRiskWorld(t, db, c)}
	w.survivor = mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Marisol", FamilyName: "Quenby"})
	return w
}

// samplePlan is a plan with something in every part.
func samplePlan(personID string) *haven.SafetyPlan {
	return &haven.SafetyPlan{
		PersonID: personID,
		Sections: []haven.PlanSection{
			{Key: "during_incident", Items: []haven.PlanItem{{Text: "Keep the phone charged by the bed", Done: true},
				{Text: "Plan ways out of the house that do not pass the place where a gun is kept.", Suggested: safetyplan.Firearms}},
				Notes: "Back door sticks; oil it."},
			{Key: "children", Items: []haven.PlanItem{{Text: "School pick-up list given to Ms Okafor"}}},
		},
		EmergencyContacts: []haven.PlanContact{{Name: "Ana Quenby", Phone: "+1 312 555 0101", Relationship: "sister"}},
		CodeWord:          "pineapple",
		SafePlaces:        []string{"Public library on 5th", "Ana's flat"},
		DocumentsReady:    []string{"Passports", "Birth certificates"},
	}
}

func mustSavePlan(t *testing.T, ctx context.Context, db *store.DB, p *haven.SafetyPlan, version int) *haven.SafetyPlan {
	t.Helper()
	got, err := db.SaveSafetyPlan(ctx, p, version)
	if err != nil {
		t.Fatalf("save plan from version %d: %v", version, err)
	}
	return got
}

func TestSafetyPlanVersions(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		ctx := storetest.As(w.advocate)

		// No plan yet: an empty history, and "not found" for the plan.
		if vs, err := db.SafetyPlanVersions(ctx, w.survivor.ID); err != nil || len(vs) != 0 {
			t.Fatalf("versions before = %+v, %v", vs, err)
		}
		_, err := db.SafetyPlan(ctx, w.survivor.ID, 0)
		wantCode(t, err, haven.ENOTFOUND, "")

		// The first save is version 1, in the stored shape.
		first := samplePlan(w.survivor.ID)
		v1 := mustSavePlan(t, ctx, db, first, 0)
		if v1.Version != 1 || v1.ID == "" || v1.AgencyID != w.sh.ID || v1.CreatedBy != w.advocate.ID || v1.CreatedByName != "advocate" ||
			!v1.CreatedAt.Equal(c.Now()) || v1.Access == nil || v1.Access.Basis != "own_agency" {
			t.Fatalf("v1 = %+v", v1)
		}
		if len(v1.Sections) != len(haven.SafetyPlanSections) || v1.Sections[0].Title != "During an incident" ||
			v1.Sections[4].Key != "children" || v1.Sections[4].Items[0].Text != "School pick-up list given to Ms Okafor" ||
			v1.Sections[0].Items[1].Suggested != safetyplan.Firearms || !v1.Sections[0].Items[0].Done {
			t.Fatalf("v1 sections = %+v", v1.Sections)
		}
		got, err := db.SafetyPlan(ctx, w.survivor.ID, 0)
		if err != nil || got.ID != v1.ID || got.CodeWord != "pineapple" || got.Sections[0].Notes != "Back door sticks; oil it." ||
			!slices.Equal(got.SafePlaces, first.SafePlaces) || !slices.Equal(got.EmergencyContacts, first.EmergencyContacts) ||
			got.CreatedByName != "advocate" || got.Access.Basis != "own_agency" {
			t.Fatalf("read v1 = %+v, %v", got, err)
		}

		// A colleague saves version 2 from version 1.
		c.Add(time.Hour)
		second := samplePlan(w.survivor.ID)
		second.CodeWord = "mango"
		second.Sections[0].Items[0].Done = false
		v2 := mustSavePlan(t, storetest.As(w.shSupervisor), db, second, 1)
		if v2.Version != 2 || v2.CreatedByName != "sh-supervisor" || v2.ID == v1.ID {
			t.Fatalf("v2 = %+v", v2)
		}

		// The advocate, still on version 1, is told someone saved a newer
		// one; nothing is stored.
		stale := samplePlan(w.survivor.ID)
		stale.CodeWord = "kiwi"
		_, err = db.SaveSafetyPlan(ctx, stale, 1)
		wantCode(t, err, haven.ECONFLICT, "version")
		if !strings.Contains(haven.ErrorMessage(err), "someone saved a newer version") || !strings.Contains(haven.ErrorMessage(err), "version 2") {
			t.Fatalf("stale message = %q", haven.ErrorMessage(err))
		}
		for _, v := range []int{0, 3, 99} {
			_, err = db.SaveSafetyPlan(ctx, stale, v)
			wantCode(t, err, haven.ECONFLICT, "version")
		}
		_, err = db.SaveSafetyPlan(ctx, stale, -1)
		wantCode(t, err, haven.EINVALID, "version")

		// The latest is version 2; version 1 is kept as it was.
		if got, err := db.SafetyPlan(ctx, w.survivor.ID, 0); err != nil || got.Version != 2 || got.CodeWord != "mango" {
			t.Fatalf("latest = %+v, %v", got, err)
		}
		if got, err := db.SafetyPlan(ctx, w.survivor.ID, 1); err != nil || got.Version != 1 || got.CodeWord != "pineapple" ||
			!got.Sections[0].Items[0].Done || !got.CreatedAt.Equal(v1.CreatedAt) {
			t.Fatalf("version 1 = %+v, %v", got, err)
		}
		for _, v := range []int{3, 1000} {
			_, err := db.SafetyPlan(ctx, w.survivor.ID, v)
			wantCode(t, err, haven.ENOTFOUND, "")
		}
		_, err = db.SafetyPlan(ctx, w.survivor.ID, -1)
		wantCode(t, err, haven.EINVALID, "version")
		vs, err := db.SafetyPlanVersions(ctx, w.survivor.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[0].CreatedByName != "sh-supervisor" ||
			vs[1].CreatedByName != "advocate" || !vs[0].CreatedAt.Equal(v2.CreatedAt) || vs[0].Sections != nil || vs[0].CodeWord != "" {
			t.Fatalf("versions = %+v, %v", vs, err)
		}

		// Each save and each read is in the log, naming the person and the
		// version, never the content.
		creates := 0
		for _, e := range auditOf(t, db) {
			if e.Action == "safety_plan.create" && e.Outcome == audit.Allowed {
				creates++
				if e.RecordType != "person" || e.RecordID != w.survivor.ID || e.RecordAgencyID != w.sh.ID || e.Basis != "own_agency" ||
					e.Details["plan_id"] == "" || e.Details["version"] != fmt.Sprint(creates) {
					t.Fatalf("create audit = %+v", e)
				}
			}
			for _, v := range e.Details {
				if strings.Contains(v, "pineapple") || strings.Contains(v, "Ana") {
					t.Fatalf("plan content in the audit log: %+v", e)
				}
			}
		}
		if creates != 2 {
			t.Fatalf("%d create entries, want 2", creates)
		}
		e := lastAudit(t, db, "safety_plan.read", audit.Allowed)
		if e == nil || e.RecordID != w.survivor.ID || e.ActorUserID != w.advocate.ID || e.Details["versions"] != "2" {
			t.Fatalf("versions read audit = %+v", e)
		}
		if n := auditCount(t, db, "safety_plan.read", audit.Allowed, w.survivor.ID); n < 7 {
			t.Fatalf("%d read entries", n)
		}
	})
}

func TestSafetyPlanValidation(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		ctx := storetest.As(w.advocate)
		for _, tc := range []struct {
			name  string
			edit  func(p *haven.SafetyPlan)
			field string
		}{
			{"item text too long", func(p *haven.SafetyPlan) {
				p.Sections = []haven.PlanSection{{Key: "during_incident"}, {Key: "technology"},
					{Key: "children", Items: []haven.PlanItem{{Text: strings.Repeat("x", 501)}}}}
			}, "sections[2].items[0].text"},
			{"unknown section", func(p *haven.SafetyPlan) { p.Sections = []haven.PlanSection{{Key: "garden"}} }, "sections[0].key"},
			{"unknown factor", func(p *haven.SafetyPlan) { p.Sections[1].Items[0].Suggested = "rumour" }, "sections[1].items[0].suggested"},
			{"too many contacts", func(p *haven.SafetyPlan) {
				p.EmergencyContacts = slices.Repeat([]haven.PlanContact{{Name: "A", Phone: "1"}}, 21)
			}, "emergency_contacts"},
			{"contact without a name", func(p *haven.SafetyPlan) { p.EmergencyContacts[0].Name = "" }, "emergency_contacts[0].name"},
			{"code word too long", func(p *haven.SafetyPlan) { p.CodeWord = strings.Repeat("w", 101) }, "code_word"},
			{"too many safe places", func(p *haven.SafetyPlan) { p.SafePlaces = slices.Repeat([]string{"x"}, 21) }, "safe_places"},
			{"too many documents", func(p *haven.SafetyPlan) { p.DocumentsReady = slices.Repeat([]string{"x"}, 51) }, "documents_ready"},
			{"not text", func(p *haven.SafetyPlan) { p.SafePlaces = []string{"a\x00b"} }, "safe_places[0]"},
			{"a case that does not exist", func(p *haven.SafetyPlan) { p.CaseID = "01900000-0000-7000-8000-000000000000" }, "case_id"},
			{"a case id that is not text", func(p *haven.SafetyPlan) { p.CaseID = "\xff\x00" }, "case_id"},
		} {
			p := samplePlan(w.survivor.ID)
			tc.edit(p)
			_, err := db.SaveSafetyPlan(ctx, p, 0)
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != tc.field {
				t.Fatalf("%s: err = %v (field %q), want invalid %s", tc.name, err, haven.ErrorField(err), tc.field)
			}
		}
		if vs, _ := db.SafetyPlanVersions(ctx, w.survivor.ID); len(vs) != 0 {
			t.Fatalf("a refused save stored something: %+v", vs)
		}
		_, err := db.SaveSafetyPlan(ctx, nil, 0)
		wantCode(t, err, haven.EINVALID, "")

		// A case of the person at the agency is accepted; one of another
		// person is not.
		cs, err := db.CreateCase(ctx, haven.CaseInput{PersonID: w.survivor.ID})
		if err != nil {
			t.Fatalf("create case: %v", err)
		}
		other := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Other", FamilyName: "Client"})
		otherCase, err := db.CreateCase(ctx, haven.CaseInput{PersonID: other.ID})
		if err != nil {
			t.Fatal(err)
		}
		p := samplePlan(w.survivor.ID)
		p.CaseID = otherCase.ID
		_, err = db.SaveSafetyPlan(ctx, p, 0)
		wantCode(t, err, haven.EINVALID, "case_id")
		p.CaseID = " " + cs.ID + " "
		v1 := mustSavePlan(t, ctx, db, p, 0)
		if v1.CaseID != cs.ID {
			t.Fatalf("case = %q", v1.CaseID)
		}
		if got, err := db.SafetyPlan(ctx, w.survivor.ID, 0); err != nil || got.CaseID != cs.ID {
			t.Fatalf("read case = %+v, %v", got, err)
		}
	})
}

func TestSafetyPlanAccess(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		adv := storetest.As(w.advocate)
		mustSavePlan(t, adv, db, samplePlan(w.survivor.ID), 0)
		missing := "01900000-0000-7000-8000-000000000000"

		// Another agency, and roles without person access, get exactly what
		// a missing person gets, for every operation.
		shAdmin := storetest.MustUser(t, db, w.sh, "sh-admin", haven.RoleAgencyAdmin)
		for _, who := range []struct {
			name string
			ctx  context.Context
		}{{"officer of another agency", w.officerCtx}, {"administrator of the agency", storetest.As(shAdmin)}} {
			for _, op := range []struct {
				name string
				do   func(personID string) error
			}{
				{"plan", func(id string) error { _, err := db.SafetyPlan(who.ctx, id, 0); return err }},
				{"version", func(id string) error { _, err := db.SafetyPlan(who.ctx, id, 1); return err }},
				{"versions", func(id string) error { _, err := db.SafetyPlanVersions(who.ctx, id); return err }},
				{"suggestions", func(id string) error { _, err := db.SuggestPlanItems(who.ctx, id); return err }},
				{"save", func(id string) error { _, err := db.SaveSafetyPlan(who.ctx, samplePlan(id), 1); return err }},
				{"save first", func(id string) error { _, err := db.SaveSafetyPlan(who.ctx, samplePlan(id), 0); return err }},
			} {
				errSeen, errMissing := op.do(w.survivor.ID), op.do(missing)
				if haven.ErrorCode(errSeen) != haven.ENOTFOUND || errSeen.Error() != errMissing.Error() {
					t.Fatalf("%s, %s: refused = %v, missing = %v", who.name, op.name, errSeen, errMissing)
				}
			}
		}
		e := lastAudit(t, db, "safety_plan.create", audit.Denied)
		if e == nil || e.ActorUserID != shAdmin.ID || e.Details["policy"] == "" {
			t.Fatalf("denied audit = %+v", e)
		}
		denied := 0
		for _, e := range auditOf(t, db) {
			if strings.HasPrefix(e.Action, "safety_plan.") && e.Outcome == audit.Denied && e.ActorUserID == w.officer.ID && e.RecordID == w.survivor.ID {
				denied++
				if e.RecordAgencyID != w.sh.ID {
					t.Fatalf("denied entry = %+v", e)
				}
			}
		}
		if denied != 6 {
			t.Fatalf("%d refusals logged for the officer, want 6", denied)
		}

		// The survivor's consent to share with metro-pd: without the
		// safety_plan scope it opens nothing here; with it, the officer
		// reads (never writes, never gets suggestions), audited with the
		// grant's id.
		exp := c.Now().Add(30 * 24 * time.Hour)
		noPlan, err := db.RecordConsent(adv, haven.ConsentInput{PersonID: w.survivor.ID, RecipientAgencies: []string{"metro-pd"},
			Scopes: []string{haven.ScopeContact, haven.ScopeRisk}, Purpose: "court support", Method: haven.ConsentWritten, ExpiresAt: &exp})
		if err != nil {
			t.Fatalf("record consent: %v", err)
		}
		_, err = db.SafetyPlan(w.officerCtx, w.survivor.ID, 0)
		wantCode(t, err, haven.ENOTFOUND, "")
		grant, err := db.RecordConsent(adv, haven.ConsentInput{PersonID: w.survivor.ID, RecipientAgencies: []string{"metro-pd"},
			Scopes: []string{haven.ScopeSafetyPlan}, Purpose: "joint safety planning", Method: haven.ConsentWritten, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.SafetyPlan(w.officerCtx, w.survivor.ID, 0)
		if err != nil || got.CodeWord != "pineapple" || got.Access.Basis != "consent" || got.Access.BasisID != grant.ID || got.Access.ExpiresAt == nil {
			t.Fatalf("consent read = %+v, %v", got, err)
		}
		if e := lastAudit(t, db, "safety_plan.read", audit.Allowed); e == nil || e.Basis != "consent:"+grant.ID || e.ActorUserID != w.officer.ID {
			t.Fatalf("consent read audit = %+v", e)
		}
		if vs, err := db.SafetyPlanVersions(w.officerCtx, w.survivor.ID); err != nil || len(vs) != 1 || vs[0].Access.BasisID != grant.ID {
			t.Fatalf("consent versions = %+v, %v", vs, err)
		}
		_, err = db.SaveSafetyPlan(w.officerCtx, samplePlan(w.survivor.ID), 1)
		wantCode(t, err, haven.ENOTFOUND, "")
		_, err = db.SuggestPlanItems(w.officerCtx, w.survivor.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		// Analysts are not let in by a consent either.
		_, err = db.SafetyPlan(w.analystCtx, w.survivor.ID, 0)
		wantCode(t, err, haven.ENOTFOUND, "")

		// Revoked, it stops on the next request; the other grant never
		// covered plans.
		if _, err := db.RevokeConsent(adv, grant.ID, "survivor asked"); err != nil {
			t.Fatal(err)
		}
		_, err = db.SafetyPlan(w.officerCtx, w.survivor.ID, 0)
		wantCode(t, err, haven.ENOTFOUND, "")
		_ = noPlan

		// A new grant that expires: readable until it does.
		soon := c.Now().Add(2 * time.Hour)
		if _, err := db.RecordConsent(adv, haven.ConsentInput{PersonID: w.survivor.ID, RecipientAgencies: []string{"metro-pd"},
			Scopes: []string{haven.ScopeSafetyPlan}, Purpose: "joint safety planning", Method: haven.ConsentWritten, ExpiresAt: &soon}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SafetyPlan(w.officerCtx, w.survivor.ID, 1); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		c.Add(3 * time.Hour)
		_, err = db.SafetyPlan(w.officerCtx, w.survivor.ID, 1)
		wantCode(t, err, haven.ENOTFOUND, "")

		// Break-glass opens the plan to read, and says so in the log.
		bg, err := db.OpenBreakGlass(w.officerCtx, "person", w.survivor.ID, "Survivor at the ER, needs shelter tonight")
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.SafetyPlan(w.officerCtx, w.survivor.ID, 0)
		if err != nil || got.Access.Basis != "break_glass" || got.Access.BasisID != bg.ID {
			t.Fatalf("break-glass read = %+v, %v", got, err)
		}
		if e := lastAudit(t, db, "safety_plan.read", audit.Allowed); e == nil || e.Basis != "break_glass:"+bg.ID || e.Details["break_glass"] != "true" {
			t.Fatalf("break-glass audit = %+v", e)
		}
		_, err = db.SaveSafetyPlan(w.officerCtx, samplePlan(w.survivor.ID), 1)
		wantCode(t, err, haven.ENOTFOUND, "")
	})
}

// yesTo answers the instrument's items no, except those named yes.
func yesTo(t *testing.T, db *store.DB, instrument string, items ...string) map[string]string {
	t.Helper()
	out := answers(t, db, instrument, 0)
	for _, id := range items {
		out[id] = haven.AnswerYes
	}
	return out
}

// suggested flattens suggestions into factor → texts.
func suggested(sections []haven.PlanSection) map[string][]string {
	out := map[string][]string{}
	for _, s := range sections {
		for _, it := range s.Items {
			out[it.Suggested] = append(out[it.Suggested], it.Text)
		}
	}
	return out
}

func factorsOf(sections []haven.PlanSection) []string {
	var out []string
	for f := range suggested(sections) {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

func TestSafetyPlanSuggestions(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		ctx := w.officerCtx

		// Nothing recorded: nothing to suggest.
		got, err := db.SuggestPlanItems(ctx, w.victim.ID)
		if err != nil || len(got) != 0 {
			t.Fatalf("before = %+v, %v", got, err)
		}

		// A Lethality Screen: a gun and strangling. A Danger Assessment:
		// stalking and threats to the children.
		lap := mustAssess(t, ctx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: yesTo(t, db, "lap", "q4", "q5")})
		c.Add(time.Hour)
		da := mustAssess(t, ctx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "danger-assessment",
			Answers: yesTo(t, db, "danger-assessment", "q19", "q17")})
		got, err = db.SuggestPlanItems(ctx, w.victim.ID)
		if want := []string{"child_threats", "firearms", "stalking", "strangulation"}; err != nil || !slices.Equal(factorsOf(got), want) {
			t.Fatalf("factors = %v (%v), want %v", factorsOf(got), err, want)
		}
		for _, s := range got {
			if s.Title != safetyplan.SectionTitle(s.Key) {
				t.Fatalf("section %+v", s)
			}
		}
		e := lastAudit(t, db, "safety_plan.suggest", audit.Allowed)
		if e == nil || e.RecordID != w.victim.ID || !strings.Contains(e.Details["assessments"], lap.ID) || !strings.Contains(e.Details["assessments"], da.ID) {
			t.Fatalf("suggest audit = %+v", e)
		}
		for _, v := range e.Details {
			if strings.Contains(v, "firearms") || strings.Contains(v, "strangulation") {
				t.Fatalf("risk factors in the clear in the log: %+v", e)
			}
		}

		// A correction of the screen without the gun: the superseded
		// screen no longer counts. Only the latest screen counts.
		c.Add(time.Hour)
		mustAssess(t, ctx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Supersedes: lap.ID,
			Answers: yesTo(t, db, "lap", "q5")})
		got, _ = db.SuggestPlanItems(ctx, w.victim.ID)
		if want := []string{"child_threats", "stalking", "strangulation"}; !slices.Equal(factorsOf(got), want) {
			t.Fatalf("after correction = %v, want %v", factorsOf(got), want)
		}
		c.Add(time.Hour)
		mustAssess(t, ctx, db, haven.AssessmentInput{PersonID: w.victim.ID, Instrument: "lap", Answers: yesTo(t, db, "lap", "q7")})
		got, _ = db.SuggestPlanItems(ctx, w.victim.ID)
		if want := []string{"child_threats", "separation", "stalking"}; !slices.Equal(factorsOf(got), want) {
			t.Fatalf("after a newer screen = %v, want %v", factorsOf(got), want)
		}

		// A report naming the person as a victim, with a gun at the scene
		// and strangulation, brings those back.
		in := mustIncident(t, ctx, db, w.report(c.Now()))
		got, _ = db.SuggestPlanItems(ctx, w.victim.ID)
		if want := []string{"child_threats", "firearms", "separation", "stalking", "strangulation"}; !slices.Equal(factorsOf(got), want) {
			t.Fatalf("with the report = %v, want %v", factorsOf(got), want)
		}
		if e := lastAudit(t, db, "safety_plan.suggest", audit.Allowed); e.Details["incidents"] != in.ID {
			t.Fatalf("suggest audit = %+v", e)
		}
		// The suspect is not a victim there: nothing for them.
		if got, err := db.SuggestPlanItems(ctx, w.suspect.ID); err != nil || len(got) != 0 {
			t.Fatalf("suspect = %+v, %v", got, err)
		}

		// Items already in the plan are not suggested again.
		first := suggested(got)["firearms"][0]
		plan := &haven.SafetyPlan{PersonID: w.victim.ID, Sections: []haven.PlanSection{{Key: "protective_order",
			Items: []haven.PlanItem{{Text: strings.ToUpper(first), Suggested: "firearms"}}}}}
		mustSavePlan(t, ctx, db, plan, 0)
		again, _ := db.SuggestPlanItems(ctx, w.victim.ID)
		if slices.Contains(suggested(again)["firearms"], first) || len(suggested(again)["firearms"]) != len(suggested(got)["firearms"])-1 {
			t.Fatalf("suggested again: %v", suggested(again)["firearms"])
		}

		// An instrument file of the agency's own (another version) is not
		// read: its items may mean something else.
		if err := db.ExecRaw(context.Background(), `UPDATE risk_assessments SET version = '1999' WHERE instrument = 'danger-assessment'`); err != nil {
			t.Fatal(err)
		}
		got, _ = db.SuggestPlanItems(ctx, w.victim.ID)
		if slices.Contains(factorsOf(got), "child_threats") {
			t.Fatalf("an unknown version was read: %v", factorsOf(got))
		}
	})
}

func TestSafetyPlanSealedAndRotated(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		ctx := storetest.As(w.advocate)
		p := samplePlan(w.survivor.ID)
		p.CodeWord = "periwinkle-gondola"
		p.Sections[1].Notes = "Grandmother Ottoline collects on Fridays"
		v1 := mustSavePlan(t, ctx, db, p, 0)
		v2 := mustSavePlan(t, ctx, db, p, 1)
		bg := context.Background()
		for _, secret := range []string{"periwinkle-gondola", "Ottoline", "Ms Okafor", "+1 312 555 0101", "Public library on 5th", "Birth certificates",
			"during_incident", "firearms"} {
			if n, err := db.CountAllTables(bg, secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		if n, err := db.PlanSealedLeft(bg); err != nil || n != 0 {
			t.Fatalf("%d plan versions under an old key before rotating (%v)", n, err)
		}
		// A version's sealed content is bound to its row: moved onto
		// another row it does not open.
		if err := db.ExecRaw(bg, `UPDATE safety_plans SET sealed = (SELECT sealed FROM safety_plans WHERE id = ?) WHERE id = ?`, v2.ID, v1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SafetyPlan(ctx, w.survivor.ID, 1); haven.ErrorCode(err) != haven.EINTERNAL {
			t.Fatalf("a moved sealed value opened: %v", err)
		}
		if err := db.ExecRaw(bg, `DELETE FROM safety_plans WHERE id = ?`, v1.ID); err != nil {
			t.Fatal(err)
		}

		// A rotation re-seals every version, and they still open.
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PlanSealedLeft(bg); err != nil || n != 0 {
			t.Fatalf("%d plan versions left under an old key (%v)", n, err)
		}
		got, err := db.SafetyPlan(ctx, w.survivor.ID, 2)
		if err != nil || got.CodeWord != "periwinkle-gondola" || got.Sections[4].Notes != "Grandmother Ottoline collects on Fridays" {
			t.Fatalf("after rotation = %+v, %v", got, err)
		}
		if _, err := db.VerifyAudit(bg, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSafetyPlanConcurrentSaves: two saves from the same version, one
// stored, the other a conflict.
func TestSafetyPlanConcurrentSaves(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newPlanWorld(t, db, c)
		ctx := storetest.As(w.advocate)
		errs := make(chan error, 4)
		for range 4 {
			go func() { _, err := db.SaveSafetyPlan(ctx, samplePlan(w.survivor.ID), 0); errs <- err }()
		}
		ok, conflicts := 0, 0
		for range 4 {
			switch err := <-errs; haven.ErrorCode(err) {
			case "":
				ok++
			case haven.ECONFLICT:
				conflicts++
			default:
				t.Fatalf("save: %v", err)
			}
		}
		if ok != 1 || conflicts != 3 {
			t.Fatalf("%d saved, %d conflicts", ok, conflicts)
		}
		if vs, _ := db.SafetyPlanVersions(ctx, w.survivor.ID); len(vs) != 1 {
			t.Fatalf("versions = %+v", vs)
		}
	})
}
