package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// consentWorld is the risk tests' world (metro-pd and safe-harbor) with a
// survivor of metro-pd who has contact details and a confidential address,
// a submitted and approved report she is the victim in, and a third
// agency the survivor names in no grant.
type consentWorld struct {
	*riskWorld
	survivor   *haven.Person
	incident   *haven.Incident
	third      *haven.Agency
	thirdCtx   context.Context
	survivorSt string // the survivor's statement
	suspectSt  string // the suspect's statement
}

const (
	consentPurpose = "Quillfeather advocacy and court accompaniment"
	consentWitness = "Officer Zebulon Marchetti"
	revokeReason   = "Survivor withdrew consent at the Juniperbrook clinic"
)

func newConsentWorld(t *testing.T, db *store.DB, c *clock) *consentWorld {
	t.Helper()
	w := &consentWorld{riskWorld: newRiskWorld(t, db, c), survivorSt: "He held the kettle over me until I agreed.",
		suspectSt: "She threw the first cup, I never touched her."}
	w.survivor = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Marisol", FamilyName: "Quintero", DateOfBirth: "1988-04-03",
		Phones: []haven.Phone{{Number: "(312) 555-0188", Kind: "mobile"}}, Emails: []string{"marisol@example.org"},
		Addresses: []haven.Address{{Line1: "12 Hidden Lane", City: "Metro City", Confidential: true},
			{Line1: "40 Market St", City: "Metro City", Kind: "work"}},
		SafeContact: &haven.SafeContact{SafePhone: "555-0123", NoVoicemail: true}})
	in := w.report(c.Now())
	in.Parties[0].PersonID = w.survivor.ID
	in.Injuries[0].PersonID = w.survivor.ID
	in.Statements = []haven.Statement{
		{Kind: "victim", PersonID: w.survivor.ID, TakenAt: c.Now().Add(-45 * time.Minute), HowTaken: "written", Text: w.survivorSt},
		{Kind: "suspect", PersonID: w.suspect.ID, TakenAt: c.Now().Add(-40 * time.Minute), HowTaken: "verbal", Text: w.suspectSt},
	}
	w.incident = mustIncident(t, w.officerCtx, db, in)
	if err := db.SubmitIncident(w.officerCtx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.ReviewIncident(w.supervisorCtx, in.ID, true, "Good work, sergeant Ximena"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddSupplement(w.officerCtx, in.ID, "Follow-up: the neighbour heard the kettle."); err != nil {
		t.Fatal(err)
	}
	w.third = storetest.MustAgency(t, db, "county-shelter", haven.KindShelter)
	w.thirdCtx = storetest.As(storetest.MustUser(t, db, w.third, "shelter-staff", haven.RoleShelterStaff))
	return w
}

// input is a valid grant of the survivor to safe-harbor for scopes,
// lasting 90 days from now.
func (w *consentWorld) input(scopes ...string) haven.ConsentInput {
	exp := w.c.Now().Add(90 * 24 * time.Hour)
	return haven.ConsentInput{PersonID: w.survivor.ID, RecipientAgencies: []string{"safe-harbor"}, Scopes: scopes,
		Purpose: consentPurpose, Method: haven.ConsentVerbal, Witness: consentWitness, ExpiresAt: &exp}
}

func (w *consentWorld) grant(t *testing.T, in haven.ConsentInput) *haven.Consent {
	t.Helper()
	c, err := w.db.RecordConsent(w.officerCtx, in)
	if err != nil {
		t.Fatalf("record consent: %v", err)
	}
	return c
}

// sight is what the advocate of safe-harbor gets for the survivor: the
// person, the report and the risk assessments, or the errors.
type sight struct {
	p                   *haven.Person
	in                  *haven.Incident
	as                  []*haven.Assessment
	pErr, inErr, riskEr error
}

func (w *consentWorld) advocateSees() sight {
	var s sight
	s.p, s.pErr = w.db.Person(w.advocateCtx, w.survivor.ID)
	s.in, s.inErr = w.db.Incident(w.advocateCtx, w.incident.ID)
	s.as, s.riskEr = w.db.PersonAssessments(w.advocateCtx, w.survivor.ID)
	return s
}

// seesNothing checks the advocate gets exactly what a missing record gets.
func (w *consentWorld) seesNothing(t *testing.T, when string) {
	t.Helper()
	s := w.advocateSees()
	for what, err := range map[string]error{"person": s.pErr, "incident": s.inErr, "risk": s.riskEr} {
		if haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("%s: advocate reads the %s: %v", when, what, err)
		}
	}
	_, errMissing := w.db.Person(w.advocateCtx, "01900000-0000-7000-8000-000000000000")
	if s.pErr.Error() != errMissing.Error() {
		t.Fatalf("%s: refusal %q differs from a missing record's %q", when, s.pErr, errMissing)
	}
}

// TestConsentContract is the contract: a safe-harbor advocate
// cannot see a metro-pd person; after a grant for contact and incident
// they see the contact details and the report (in the consent view) but
// not the risk results; after revocation, and after expiry, nothing
// again; every read is in the audit log with the grant's id.
func TestConsentContract(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		w.lapOf(t, w.officerCtx, w.survivor, true)
		w.seesNothing(t, "before consent")

		g := w.grant(t, w.input("contact", "incident"))
		if g.Status != "active" || g.AgencyID != w.pd.ID || !slices.Equal(g.RecipientAgencies, []string{"safe-harbor"}) ||
			!slices.Equal(g.Scopes, []string{"contact", "incident"}) || g.RecordedBy != w.officer.ID || g.RecordedByName != "officer" ||
			g.Purpose != consentPurpose || g.Witness != consentWitness || !g.StartsAt.Equal(c.Now()) {
			t.Fatalf("grant = %+v", g)
		}

		s := w.advocateSees()
		if s.pErr != nil || s.inErr != nil {
			t.Fatalf("under consent: person %v, incident %v", s.pErr, s.inErr)
		}
		p := s.p
		if p.GivenName != "Marisol" || len(p.Phones) != 1 || len(p.Emails) != 1 || p.SafeContact == nil ||
			p.Access.Basis != "consent" || p.Access.BasisID != g.ID || p.Access.ExpiresAt == nil || !p.Access.ExpiresAt.Equal(g.ExpiresAt) {
			t.Fatalf("person under consent = %+v (access %+v)", p, p.Access)
		}
		// A confidential address never leaves its owning agency.
		if len(p.Addresses) != 1 || p.Addresses[0].Line1 != "40 Market St" || !slices.Contains(p.Access.Withheld, "confidential addresses") {
			t.Fatalf("addresses under consent = %+v, withheld %v", p.Addresses, p.Access.Withheld)
		}
		w.checkConsentView(t, s.in)
		if haven.ErrorCode(s.riskEr) != haven.ENOTFOUND {
			t.Fatalf("risk results without the risk scope: %v, %d", s.riskEr, len(s.as))
		}
		// The report's other parts stay with its agency.
		if _, err := db.Supplements(w.advocateCtx, w.incident.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("supplements under consent: %v", err)
		}
		if _, err := db.IncidentHistory(w.advocateCtx, w.incident.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("history under consent: %v", err)
		}
		if _, err := db.ListEvidence(w.advocateCtx, w.incident.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("evidence under consent: %v", err)
		}
		// Lists stay with the own agency.
		if _, err := db.FindIncidents(w.advocateCtx, haven.IncidentFilter{PersonID: w.survivor.ID}); err == nil {
			t.Fatal("the advocate lists metro-pd's reports")
		}
		// A third agency the survivor did not name sees nothing.
		if _, err := db.Person(w.thirdCtx, w.survivor.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("unnamed agency reads the person: %v", err)
		}

		// Revocation takes effect on the next request.
		r, err := db.RevokeConsent(w.officerCtx, g.ID, revokeReason)
		if err != nil || r.Status != "revoked" || r.RevokedAt == nil || r.RevokedBy != w.officer.ID || r.RevokeReason != revokeReason {
			t.Fatalf("revoke = %+v, %v", r, err)
		}
		w.seesNothing(t, "after revocation")

		// A new grant works until it expires.
		g2 := w.grant(t, w.input("contact", "incident"))
		if s := w.advocateSees(); s.pErr != nil || s.inErr != nil {
			t.Fatalf("second grant: %v, %v", s.pErr, s.inErr)
		}
		c.Add(90*24*time.Hour - time.Second)
		if _, err := db.Person(w.advocateCtx, w.survivor.ID); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		c.Add(time.Second)
		w.seesNothing(t, "at expiry")
		if got, err := db.Consent(w.officerCtx, g2.ID); err != nil || got.Status != "expired" {
			t.Fatalf("expired grant = %+v, %v", got, err)
		}

		// Every read by the advocate is audited: allowed reads name a grant.
		grants := map[string]bool{"consent:" + g.ID: true, "consent:" + g2.ID: true}
		counts := map[string]int{}
		for _, e := range auditOf(t, db) {
			if e.ActorUserID != w.advocate.ID || !strings.HasSuffix(e.Action, ".read") {
				continue
			}
			counts[e.Action+"/"+e.Outcome]++
			if e.Outcome == audit.Allowed && !grants[e.Basis] {
				t.Errorf("allowed %s without the grant's id: basis %q", e.Action, e.Basis)
			}
			if e.Action == "incident.read" && e.Outcome == audit.Allowed && (e.Details["view"] != "consent" || !grants["consent:"+e.Details["grants"]]) {
				t.Errorf("incident read details = %v", e.Details)
			}
		}
		for key, min := range map[string]int{"person.read/allowed": 3, "incident.read/allowed": 2, "person.read/denied": 4,
			"incident.read/denied": 3, "risk.assessment.read/denied": 5} {
			if counts[key] < min {
				t.Errorf("audit has %d %s entries by the advocate, want at least %d (%v)", counts[key], key, min, counts)
			}
		}
	})
}

// checkConsentView checks the report as the advocate gets it under
// consent: the survivor's own words and name; not the suspect's statement
// or name, the review comment, the address or the coordinates.
func (w *consentWorld) checkConsentView(t *testing.T, in *haven.Incident) {
	t.Helper()
	if in.Number != w.incident.Number || in.Location.Beat != "0712" || in.Location.District != "007" || in.Narrative == "" ||
		len(in.Offenses) != 2 || in.Strangulation == nil || !in.Domestic {
		t.Fatalf("consent view lacks the report's facts: %+v", in)
	}
	if in.Location.Address != "" || in.Location.Latitude != nil || in.Location.Longitude != nil || in.ReviewComment != "" {
		t.Fatalf("consent view shows the place or the review: %+v", in.Location)
	}
	if len(in.Statements) != 1 || in.Statements[0].Text != w.survivorSt || in.Statements[0].PersonID != w.survivor.ID {
		t.Fatalf("statements under consent = %+v", in.Statements)
	}
	for _, p := range in.Parties {
		switch p.Role {
		case haven.PartyVictim:
			if p.PersonID != w.survivor.ID || p.Name != "Marisol Quintero" {
				t.Fatalf("victim under consent = %+v", p)
			}
		default:
			if p.PersonID != "" || p.Name != "" || p.SuspectPersonID != "" {
				t.Fatalf("%s under consent = %+v", p.Role, p)
			}
		}
	}
	if len(in.Arrests) != 1 || in.Arrests[0].PersonID != "" || len(in.Injuries) != 1 || in.Injuries[0].PersonID != w.survivor.ID {
		t.Fatalf("arrests %+v, injuries %+v under consent", in.Arrests, in.Injuries)
	}
}

func TestConsentValidation(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		now := c.Now()
		at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
		day := 24 * time.Hour
		for _, tc := range []struct {
			name   string
			change func(in *haven.ConsentInput)
			code   string
			field  string
		}{
			{"no person", func(in *haven.ConsentInput) { in.PersonID = " " }, haven.EINVALID, "person_id"},
			{"no recipients", func(in *haven.ConsentInput) { in.RecipientAgencies = []string{" ", ""} }, haven.EINVALID, "recipient_agencies"},
			{"not a slug", func(in *haven.ConsentInput) { in.RecipientAgencies = []string{"Safe Harbor!"} }, haven.EINVALID, "recipient_agencies"},
			{"unknown agency", func(in *haven.ConsentInput) { in.RecipientAgencies = []string{"safe-harbor", "nowhere"} }, haven.EINVALID, "recipient_agencies"},
			{"own agency", func(in *haven.ConsentInput) { in.RecipientAgencies = []string{"metro-pd"} }, haven.EINVALID, "recipient_agencies"},
			{"no scopes", func(in *haven.ConsentInput) { in.Scopes = nil }, haven.EINVALID, "scopes"},
			{"unknown scope", func(in *haven.ConsentInput) { in.Scopes = []string{"contact", "everything"} }, haven.EINVALID, "scopes"},
			{"no purpose", func(in *haven.ConsentInput) { in.Purpose = "  " }, haven.EINVALID, "purpose"},
			{"purpose too long", func(in *haven.ConsentInput) { in.Purpose = strings.Repeat("p", 2001) }, haven.EINVALID, "purpose"},
			{"purpose not text", func(in *haven.ConsentInput) { in.Purpose = "a\x00b" }, haven.EINVALID, "purpose"},
			{"no method", func(in *haven.ConsentInput) { in.Method = "" }, haven.EINVALID, "method"},
			{"unknown method", func(in *haven.ConsentInput) { in.Method = "telepathic" }, haven.EINVALID, "method"},
			{"verbal without witness", func(in *haven.ConsentInput) { in.Witness = " " }, haven.EINVALID, "witness"},
			{"witness too long", func(in *haven.ConsentInput) { in.Witness = strings.Repeat("w", 201) }, haven.EINVALID, "witness"},
			{"no expiry", func(in *haven.ConsentInput) { in.ExpiresAt = nil }, haven.EINVALID, "expires_at"},
			{"zero expiry", func(in *haven.ConsentInput) { in.ExpiresAt = &time.Time{} }, haven.EINVALID, "expires_at"},
			{"expires before it starts", func(in *haven.ConsentInput) { in.StartsAt, in.ExpiresAt = at(10*day), at(9*day) }, haven.EINVALID, "expires_at"},
			{"expires in the past", func(in *haven.ConsentInput) { in.StartsAt, in.ExpiresAt = at(-10*day), at(-day) }, haven.EINVALID, "expires_at"},
			{"longer than the maximum", func(in *haven.ConsentInput) { in.ExpiresAt = at(367 * day) }, haven.EINVALID, "expires_at"},
			{"starts too far ahead", func(in *haven.ConsentInput) { in.StartsAt, in.ExpiresAt = at(400*day), at(410*day) }, haven.EINVALID, "starts_at"},
			{"starts before 2000", func(in *haven.ConsentInput) { v := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC); in.StartsAt = &v }, haven.EINVALID, "starts_at"},
			{"missing person", func(in *haven.ConsentInput) { in.PersonID = "01900000-0000-7000-8000-000000000000" }, haven.ENOTFOUND, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := w.input("contact")
				tc.change(&in)
				_, err := db.RecordConsent(w.officerCtx, in)
				wantCode(t, err, tc.code, tc.field)
			})
		}

		// Exactly the maximum is fine; scopes come back once each, in
		// display order; recipients are sorted slugs; written consent
		// needs no witness.
		in := w.input("risk", "contact", "risk")
		in.RecipientAgencies = []string{"county-shelter", " Safe-Harbor ", "safe-harbor"}
		in.Method, in.Witness, in.ExpiresAt = "Written", "", at(366*day)
		g := w.grant(t, in)
		if !slices.Equal(g.Scopes, []string{"contact", "risk"}) || !slices.Equal(g.RecipientAgencies, []string{"county-shelter", "safe-harbor"}) ||
			g.Method != "written" || g.Witness != "" {
			t.Fatalf("grant = %+v", g)
		}

		// Who records: staff who work with people of the person's agency;
		// anyone else is told "not found", as for a missing person.
		for name, ctx := range map[string]context.Context{"advocate of another agency": w.advocateCtx,
			"analyst of the agency": w.analystCtx, "administrator of the agency": w.pdAdminCtx} {
			before := auditCount(t, db, "consent.record", audit.Denied, w.survivor.ID)
			_, err := db.RecordConsent(ctx, w.input("contact"))
			if haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Errorf("%s records: %v", name, err)
			}
			if auditCount(t, db, "consent.record", audit.Denied, w.survivor.ID) != before+1 {
				t.Errorf("%s: refusal not audited", name)
			}
		}
		for name, ctx := range map[string]context.Context{"supervisor": w.supervisorCtx, "cli": storetest.System()} {
			if _, err := db.RecordConsent(ctx, w.input("contact")); err != nil {
				t.Errorf("%s records: %v", name, err)
			}
		}
		if e := lastAudit(t, db, "consent.record", audit.Allowed); e == nil || e.RecordID != w.survivor.ID ||
			e.Details["recipients"] != "safe-harbor" || e.Details["scopes"] != "contact" || e.Details["consent_id"] == "" {
			t.Fatalf("record audit = %+v", e)
		}
	})
}

func TestConsentRevocationRules(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		g := w.grant(t, w.input("contact"))
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			id     string
			reason string
			code   string
			field  string
		}{
			{"no reason", w.officerCtx, g.ID, " ", haven.EINVALID, "reason"},
			{"reason too long", w.officerCtx, g.ID, strings.Repeat("r", 2001), haven.EINVALID, "reason"},
			{"missing grant", w.officerCtx, "01900000-0000-7000-8000-000000000000", "gone", haven.ENOTFOUND, ""},
			{"an agency not named", w.thirdCtx, g.ID, "she asked us", haven.ENOTFOUND, ""},
			{"an analyst of the agency", w.analystCtx, g.ID, "she asked", haven.ENOTFOUND, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.RevokeConsent(tc.ctx, tc.id, tc.reason)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		if auditCount(t, db, "consent.revoke", audit.Denied, "") != 3 {
			t.Fatalf("refused revocations audited %d times, want 3", auditCount(t, db, "consent.revoke", audit.Denied, ""))
		}
		// The survivor may withdraw by telling an agency the grant names:
		// the recipient records it, and is shown no more than a recipient
		// sees of a grant; the recording agency sees the whole of it.
		g2 := w.grant(t, w.input("contact"))
		byRecipient, err := db.RevokeConsent(w.advocateCtx, g2.ID, "she told us she withdraws it")
		if err != nil || byRecipient.Status != "revoked" || byRecipient.RevokeReason != "" || byRecipient.Witness != "" {
			t.Fatalf("revoked by the recipient = %+v, %v", byRecipient, err)
		}
		if got, err := db.Consent(w.officerCtx, g2.ID); err != nil || got.RevokeReason != "she told us she withdraws it" ||
			got.RevokedBy != w.advocate.ID || got.Purpose != g2.Purpose || got.Witness != g2.Witness {
			t.Fatalf("the recording agency's view of the revoked grant = %+v, %v", got, err)
		}
		// A colleague revokes what the officer recorded; once.
		if _, err := db.RevokeConsent(w.colleagueCtx, g.ID, revokeReason); err != nil {
			t.Fatal(err)
		}
		_, err = db.RevokeConsent(w.officerCtx, g.ID, "again")
		wantCode(t, err, haven.ECONFLICT, "")
		// The recording agency still reads it, with the reason; the
		// recipient no longer does.
		got, err := db.Consent(w.supervisorCtx, g.ID)
		if err != nil || got.Status != "revoked" || got.RevokeReason != revokeReason || got.RevokedBy != w.colleague.ID {
			t.Fatalf("revoked grant = %+v, %v", got, err)
		}
		_, err = db.Consent(w.advocateCtx, g.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		if e := lastAudit(t, db, "consent.revoke", audit.Allowed); e == nil || e.Details["consent_id"] != g.ID || e.RecordID != w.survivor.ID {
			t.Fatalf("revoke audit = %+v", e)
		}
		// An expired grant is not revoked: nothing is shared under it.
		exp := w.grant(t, w.input("contact"))
		c.Add(91 * 24 * time.Hour)
		_, err = db.RevokeConsent(w.officerCtx, exp.ID, "too late")
		wantCode(t, err, haven.ECONFLICT, "")
	})
}

// TestConsentPendingAndScopes: a grant that starts later is not used
// until it starts; one without "contact" withholds contact details; one
// with "risk" opens the assessments, under the grant.
func TestConsentPendingAndScopes(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		a := w.lapOf(t, w.officerCtx, w.survivor, false)
		in := w.input("risk")
		starts := c.Now().Add(48 * time.Hour)
		in.StartsAt = &starts
		g := w.grant(t, in)
		if g.Status != "pending" {
			t.Fatalf("status = %q, want pending", g.Status)
		}
		w.seesNothing(t, "before the grant starts")
		if shared, err := db.SharedWithMe(w.advocateCtx); err != nil || len(shared) != 0 {
			t.Fatalf("shared before the start = %+v, %v", shared, err)
		}
		if _, err := db.Consent(w.advocateCtx, g.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("recipient reads a pending grant: %v", err)
		}

		c.Add(48 * time.Hour)
		p, err := db.Person(w.advocateCtx, w.survivor.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.GivenName != "Marisol" || len(p.Phones) != 0 || len(p.Emails) != 0 || len(p.Addresses) != 0 || p.SafeContact != nil ||
			!slices.Contains(p.Access.Withheld, "contact details (not in the consent's scope)") {
			t.Fatalf("person without the contact scope = %+v (access %+v)", p, p.Access)
		}
		as, err := db.PersonAssessments(w.advocateCtx, w.survivor.ID)
		if err != nil || len(as) != 1 || as[0].ID != a.ID || as[0].Access.Basis != "consent" || as[0].Access.BasisID != g.ID {
			t.Fatalf("assessments under the risk scope = %+v, %v", as, err)
		}
		if e := lastAudit(t, db, "risk.assessment.read", audit.Allowed); e == nil || e.Basis != "consent:"+g.ID {
			t.Fatalf("assessment read audit = %+v", e)
		}
		if _, err := db.Incident(w.advocateCtx, w.incident.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("report without the incident scope: %v", err)
		}
		// Two grants in force: the person read uses the one that covers
		// contact details.
		both := w.grant(t, w.input("contact"))
		if p, err := db.Person(w.advocateCtx, w.survivor.ID); err != nil || p.Access.BasisID != both.ID || len(p.Phones) != 1 {
			t.Fatalf("with two grants = %+v, %v", p, err)
		}
	})
}

// TestConsentIncidentSharing: drafts are not shared; the reports a grant
// shares are listed for the recipient in the consent view.
func TestConsentIncidentSharing(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		draft := w.report(c.Now())
		draft.Parties = []haven.Party{{PersonID: w.survivor.ID, Role: haven.PartyVictim}}
		draft.Statements, draft.Injuries, draft.Arrests = nil, nil, nil
		draft = mustIncident(t, w.officerCtx, db, draft)
		contactOnly := w.grant(t, w.input("contact"))
		g := w.grant(t, w.input("incident"))

		if _, err := db.Incident(w.advocateCtx, draft.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("a draft is shared: %v", err)
		}
		list, err := db.ConsentIncidents(w.advocateCtx, g.ID)
		if err != nil || len(list) != 1 || list[0].ID != w.incident.ID {
			t.Fatalf("shared reports = %+v, %v", list, err)
		}
		w.checkConsentView(t, list[0])
		if e := lastAudit(t, db, "incident.read", audit.Allowed); e == nil || e.RecordID != w.incident.ID ||
			e.Basis != "consent:"+g.ID || e.Details["via"] != "consent:"+g.ID {
			t.Fatalf("listed read audit = %+v", e)
		}
		if list, err := db.ConsentIncidents(w.advocateCtx, contactOnly.ID); err != nil || len(list) != 0 {
			t.Fatalf("reports under a contact grant = %+v, %v", list, err)
		}
		for name, ctx := range map[string]context.Context{"recording agency": w.officerCtx, "unnamed agency": w.thirdCtx} {
			if _, err := db.ConsentIncidents(ctx, g.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Errorf("%s lists: %v", name, err)
			}
		}
		// Once submitted, the second report is shared too.
		if err := db.SubmitIncident(w.officerCtx, draft.ID); err != nil {
			t.Fatal(err)
		}
		if in, err := db.Incident(w.advocateCtx, draft.ID); err != nil || in.Location.Address != "" {
			t.Fatalf("submitted report = %+v, %v", in, err)
		}
		if list, _ := db.ConsentIncidents(w.advocateCtx, g.ID); len(list) != 2 {
			t.Fatalf("shared reports after submitting = %d", len(list))
		}
	})
}

func TestConsentReadsAndSharedWithMe(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		first := w.grant(t, w.input("contact"))
		c.Add(time.Minute)
		second := w.grant(t, w.input("incident", "risk"))

		// The recording agency lists the person's grants, newest first.
		list, err := db.PersonConsents(w.supervisorCtx, w.survivor.ID)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID || list[0].Witness != consentWitness {
			t.Fatalf("person consents = %+v, %v", list, err)
		}
		if e := lastAudit(t, db, "consent.list", audit.Allowed); e == nil || e.Details["consents"] != second.ID+","+first.ID {
			t.Fatalf("list audit = %+v", e)
		}
		for name, ctx := range map[string]context.Context{"recipient": w.advocateCtx, "analyst": w.analystCtx} {
			if _, err := db.PersonConsents(ctx, w.survivor.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Errorf("%s lists the person's consents: %v", name, err)
			}
		}

		// The recipient reads the grant, without the witness.
		got, err := db.Consent(w.advocateCtx, first.ID)
		if err != nil || got.Purpose != consentPurpose || got.Witness != "" || got.Status != "active" {
			t.Fatalf("recipient's grant = %+v, %v", got, err)
		}
		if e := lastAudit(t, db, "consent.read", audit.Allowed); e == nil || e.Basis != "consent:"+first.ID || e.Details["consent_id"] != first.ID {
			t.Fatalf("read audit = %+v", e)
		}
		if _, err := db.Consent(w.thirdCtx, first.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("unnamed agency reads the grant: %v", err)
		}

		// Shared with us: both grants, with the survivor's name and agency.
		shared, err := db.SharedWithMe(w.advocateCtx)
		if err != nil || len(shared) != 2 {
			t.Fatalf("shared = %+v, %v", shared, err)
		}
		for _, sp := range shared {
			if sp.Name != "Marisol Quintero" || sp.Agency != w.pd.Name || sp.Consent.PersonID != w.survivor.ID || sp.Consent.Witness != "" {
				t.Fatalf("shared person = %+v (%+v)", sp, sp.Consent)
			}
		}
		reads := 0
		for _, e := range auditOf(t, db) {
			if e.Action == "person.read" && e.ActorUserID == w.advocate.ID && e.Details["via"] == "shared_with_us" {
				reads++
				if e.Basis != "consent:"+e.Details["consent_id"] {
					t.Errorf("shared read audit = %+v", e)
				}
			}
		}
		if reads != 2 {
			t.Fatalf("shared reads audited %d times, want 2", reads)
		}
		if shared, err := db.SharedWithMe(w.officerCtx); err != nil || len(shared) != 0 {
			t.Fatalf("metro-pd's shared list = %+v, %v", shared, err)
		}
		if _, err := db.SharedWithMe(storetest.As(storetest.MustUser(t, db, w.sh, "sh-analyst", haven.RoleAnalyst))); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("analyst's shared list: %v", err)
		}
		if _, err := db.RevokeConsent(w.officerCtx, first.ID, revokeReason); err != nil {
			t.Fatal(err)
		}
		if shared, _ := db.SharedWithMe(w.advocateCtx); len(shared) != 1 || shared[0].Consent.ID != second.ID {
			t.Fatalf("shared after revoking = %+v", shared)
		}
	})
}

// TestConsentSealed: the purpose, the witness and the revoke reason are
// not stored in the clear (nor in the audit log), and a key rotation
// re-seals them.
func TestConsentSealed(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newConsentWorld(t, db, c)
		g := w.grant(t, w.input("contact"))
		w.grant(t, w.input("risk"))
		if _, err := db.RevokeConsent(w.officerCtx, g.ID, revokeReason); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, secret := range []string{"Quillfeather", "Zebulon", "Juniperbrook"} {
			if n, err := db.CountAllTables(ctx, secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		if n, _ := db.CountAllTables(ctx, `["contact"]`); n == 0 {
			t.Error("the scopes are not stored in the clear")
		}
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ConsentSealedLeft(ctx); err != nil || n != 0 {
			t.Fatalf("%d consents left under an old key (%v)", n, err)
		}
		got, err := db.Consent(w.officerCtx, g.ID)
		if err != nil || got.Purpose != consentPurpose || got.Witness != consentWitness || got.RevokeReason != revokeReason {
			t.Fatalf("after rotation = %+v, %v", got, err)
		}
	})
}

func TestAgencyConsentDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if w.pd.ConsentDays != haven.DefaultConsentDays {
			t.Fatalf("new agency's consent days = %d", w.pd.ConsentDays)
		}
		admin := storetest.As(w.pdAdmin)
		for _, tc := range []struct {
			days int
			code string
		}{{0, haven.EINVALID}, {-1, haven.EINVALID}, {haven.MaxConsentDays + 1, haven.EINVALID}, {30, ""}, {haven.MaxConsentDays, ""}} {
			days := tc.days
			a, err := db.UpdateAgencySettings(admin, w.pd.ID, haven.AgencySettings{ConsentDays: &days})
			if tc.code != "" {
				wantCode(t, err, tc.code, "consent_days")
				continue
			}
			if err != nil || a.ConsentDays != days {
				t.Fatalf("set %d: %+v, %v", days, a, err)
			}
			if got, _ := db.AgencyBySlug(storetest.System(), "metro-pd"); got.ConsentDays != days {
				t.Fatalf("stored %d, want %d", got.ConsentDays, days)
			}
		}
		if e := lastAudit(t, db, "agency.settings", audit.Allowed); e == nil || e.Details["consent_days"] != "366" || e.Details["fields"] != "consent_days" {
			t.Fatalf("settings audit = %+v", e)
		}
		days := 30
		if _, err := db.UpdateAgencySettings(storetest.As(w.officer), w.pd.ID, haven.AgencySettings{ConsentDays: &days}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("officer changes consent days: %v", err)
		}
	})
}
