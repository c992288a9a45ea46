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

// refWorld is metro-pd (police) referring its victim to safe-harbor
// (advocacy), with harbor-house (a shelter) as the agency that is neither
// side, and a consent naming safe-harbor.
type refWorld struct {
	db                                       *store.DB
	c                                        *clock
	pd, sh, hh                               *haven.Agency
	officer, pdSupervisor, pdAnalyst         *haven.User
	advocate, shSupervisor, shOfficer, staff *haven.User
	officerCtx, advocateCtx, staffCtx        context.Context
	victim, other                            *haven.Person
	consent                                  *haven.Consent
}

func newRefWorld(t *testing.T, db *store.DB, c *clock) *refWorld {
	t.Helper()
	w := &refWorld{db: db, c: c}
	w.pd = storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	w.sh = storetest.MustAgency(t, db, "safe-harbor", haven.KindAdvocacy)
	w.hh = storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
	w.officer = storetest.MustUser(t, db, w.pd, "officer", haven.RoleOfficer)
	w.pdSupervisor = storetest.MustUser(t, db, w.pd, "pd-supervisor", haven.RoleSupervisor)
	w.pdAnalyst = storetest.MustUser(t, db, w.pd, "pd-analyst", haven.RoleAnalyst)
	w.advocate = storetest.MustUser(t, db, w.sh, "advocate", haven.RoleAdvocate)
	w.shSupervisor = storetest.MustUser(t, db, w.sh, "sh-supervisor", haven.RoleSupervisor)
	w.shOfficer = storetest.MustUser(t, db, w.sh, "sh-admin", haven.RoleAgencyAdmin)
	w.staff = storetest.MustUser(t, db, w.hh, "staff", haven.RoleShelterStaff)
	w.officerCtx, w.advocateCtx, w.staffCtx = storetest.As(w.officer), storetest.As(w.advocate), storetest.As(w.staff)
	w.victim = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Rosa", FamilyName: "Quintanilla-Vey", DateOfBirth: "1988-04-05",
		Phones: []haven.Phone{{Number: "555 0142"}}})
	w.other = mustCreate(t, db, w.officer, &haven.Person{GivenName: "Other", FamilyName: "Person"})
	w.consent = w.grant(t, w.victim, []string{"safe-harbor"}, 30*24*time.Hour, nil)
	return w
}

// grant records a consent of p naming the agencies, with the contact scope.
func (w *refWorld) grant(t *testing.T, p *haven.Person, to []string, life time.Duration, starts *time.Time) *haven.Consent {
	t.Helper()
	from := w.c.Now()
	if starts != nil {
		from = *starts
	}
	exp := from.Add(life)
	c, err := w.db.RecordConsent(w.officerCtx, haven.ConsentInput{PersonID: p.ID, RecipientAgencies: to, Scopes: []string{"contact", "incident"},
		Purpose: "advocacy follow-up", Method: haven.ConsentWritten, StartsAt: starts, ExpiresAt: &exp})
	if err != nil {
		t.Fatalf("record consent: %v", err)
	}
	return c
}

// refer sends the victim to safe-harbor.
func (w *refWorld) refer(t *testing.T, urgency, notes string) *haven.Referral {
	t.Helper()
	r, err := w.db.CreateReferral(w.officerCtx, haven.ReferralInput{PersonID: w.victim.ID, ToAgency: "safe-harbor", ConsentID: w.consent.ID,
		Need: "housing", Urgency: urgency, Notes: notes})
	if err != nil {
		t.Fatalf("create referral: %v", err)
	}
	return r
}

func (w *refWorld) read(t *testing.T, ctx context.Context, id string) *haven.Referral {
	t.Helper()
	r, err := w.db.Referral(ctx, id)
	if err != nil {
		t.Fatalf("read referral: %v", err)
	}
	return r
}

func (w *refWorld) act(t *testing.T, ctx context.Context, id, action, reason string) *haven.Referral {
	t.Helper()
	r, err := w.db.ActOnReferral(ctx, id, action, reason)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return r
}

func statuses(r *haven.Referral) []string {
	var out []string
	for _, tr := range r.Transitions {
		out = append(out, tr.Status)
	}
	return out
}

func ids(rs []*haven.Referral) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestReferralCreateValidation(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		short := w.grant(t, w.victim, []string{"safe-harbor"}, time.Hour, nil)
		revoked := w.grant(t, w.victim, []string{"safe-harbor"}, 24*time.Hour, nil)
		if _, err := db.RevokeConsent(w.officerCtx, revoked.ID, "survivor withdrew"); err != nil {
			t.Fatal(err)
		}
		otherPerson := w.grant(t, w.other, []string{"safe-harbor"}, 24*time.Hour, nil)
		shelterOnly := w.grant(t, w.victim, []string{"harbor-house"}, 24*time.Hour, nil)
		later := c.Now().Add(48 * time.Hour)
		pending := w.grant(t, w.victim, []string{"safe-harbor"}, 24*time.Hour, &later)
		c.Add(time.Hour + time.Microsecond) // the short consent is over

		base := haven.ReferralInput{PersonID: w.victim.ID, ToAgency: "safe-harbor", ConsentID: w.consent.ID, Need: "housing", Urgency: "urgent"}
		with := func(f func(*haven.ReferralInput)) haven.ReferralInput { in := base; f(&in); return in }
		for _, tc := range []struct {
			name        string
			ctx         context.Context
			in          haven.ReferralInput
			code, field string
		}{
			{"no person", w.officerCtx, with(func(in *haven.ReferralInput) { in.PersonID = "" }), haven.EINVALID, "person_id"},
			{"no destination", w.officerCtx, with(func(in *haven.ReferralInput) { in.ToAgency = "" }), haven.EINVALID, "to_agency"},
			{"both destinations", w.officerCtx, with(func(in *haven.ReferralInput) { in.ToService = "svc-1" }), haven.EINVALID, "to_agency"},
			{"unknown agency", w.officerCtx, with(func(in *haven.ReferralInput) { in.ToAgency = "nowhere" }), haven.EINVALID, "to_agency"},
			{"own agency", w.officerCtx, with(func(in *haven.ReferralInput) { in.ToAgency = "metro-pd" }), haven.EINVALID, "to_agency"},
			{"no consent", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = "" }), haven.EINVALID, "consent_id"},
			{"unknown consent", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = "nope" }), haven.EINVALID, "consent_id"},
			{"expired consent", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = short.ID }), haven.EINVALID, "consent_id"},
			{"revoked consent", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = revoked.ID }), haven.EINVALID, "consent_id"},
			{"other person's consent", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = otherPerson.ID }), haven.EINVALID, "consent_id"},
			{"consent not naming the agency", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = shelterOnly.ID }), haven.EINVALID, "consent_id"},
			{"consent not yet in force", w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = pending.ID }), haven.EINVALID, "consent_id"},
			{"bad need", w.officerCtx, with(func(in *haven.ReferralInput) { in.Need = "pizza" }), haven.EINVALID, "need"},
			{"bad urgency", w.officerCtx, with(func(in *haven.ReferralInput) { in.Urgency = "soonish" }), haven.EINVALID, "urgency"},
			{"notes too long", w.officerCtx, with(func(in *haven.ReferralInput) { in.Notes = strings.Repeat("x", 4001) }), haven.EINVALID, "notes"},
			{"service id too long", w.officerCtx, with(func(in *haven.ReferralInput) { in.ToAgency, in.ToService = "", strings.Repeat("s", 101) }), haven.EINVALID, "to_service"},
			{"NUL in notes", w.officerCtx, with(func(in *haven.ReferralInput) { in.Notes = "a\x00b" }), haven.EINVALID, "notes"},
			// Refusals answer like a missing person.
			{"missing person", w.officerCtx, with(func(in *haven.ReferralInput) { in.PersonID = "01900000-0000-7000-8000-000000000000" }), haven.ENOTFOUND, ""},
			{"another agency's person", w.advocateCtx, with(func(in *haven.ReferralInput) { in.ToAgency = "harbor-house" }), haven.ENOTFOUND, ""},
			{"analyst", storetest.As(w.pdAnalyst), base, haven.ENOTFOUND, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.CreateReferral(tc.ctx, tc.in)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		// The consent's messages are specific, for the sender's own grants.
		for id, msg := range map[string]string{short.ID: "the consent has expired", revoked.ID: "the consent was revoked",
			otherPerson.ID: "the consent is for another person", shelterOnly.ID: "the consent does not name the agency referred to",
			"nope": "consent_id names no consent recorded by your agency"} {
			_, err := db.CreateReferral(w.officerCtx, with(func(in *haven.ReferralInput) { in.ConsentID = id }))
			if !strings.HasPrefix(haven.ErrorMessage(err), msg) {
				t.Errorf("consent %s: %v, want %q", id, err, msg)
			}
		}
		if e := lastAudit(t, db, "referral.create", audit.Denied); e == nil || e.RecordID != w.victim.ID || e.ActorUserID != w.pdAnalyst.ID {
			t.Errorf("the analyst's refusal is not audited: %+v", e)
		}
		if n, _ := db.FindReferrals(w.officerCtx, haven.ReferralFilter{}); len(n) != 0 {
			t.Fatalf("refused referrals were stored: %v", ids(n))
		}

		// A directory service needs no consent (it has no agency in Haven
		// to see anything) and is tracked by the sender.
		svc, err := db.CreateReferral(w.officerCtx, haven.ReferralInput{PersonID: w.victim.ID, ToService: "svc-legal-aid-7", Need: "legal",
			Urgency: "routine", Notes: "Court on Monday"})
		if err != nil || svc.Status != haven.ReferralSent || svc.ToAgency != "" || svc.ToService != "svc-legal-aid-7" || svc.Direction != "outgoing" {
			t.Fatalf("service referral = %+v, %v", svc, err)
		}
		// One of the needs beyond case needs, the emergency target.
		r, err := db.CreateReferral(w.officerCtx, haven.ReferralInput{PersonID: w.victim.ID, ToAgency: " Safe-Harbor ", ConsentID: w.consent.ID,
			Need: "Shelter", Urgency: "EMERGENCY", Notes: "  Needs a bed tonight  "})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != haven.ReferralSent || r.ToAgency != "safe-harbor" || r.FromAgency != "metro-pd" || r.Need != "shelter" ||
			r.Urgency != "emergency" || r.Notes != "Needs a bed tonight" || r.PersonName != "Rosa Quintanilla-Vey" ||
			!r.AcknowledgeBy.Equal(c.Now().Truncate(time.Microsecond).Add(time.Hour)) || r.Overdue || r.StartBy != nil ||
			!slices.Equal(statuses(r), []string{"sent"}) || r.Transitions[0].ByName != "officer" || r.FromUser != w.officer.ID {
			t.Fatalf("created = %+v", r)
		}
		e := lastAudit(t, db, "referral.create", audit.Allowed)
		if e == nil || e.RecordType != "person" || e.RecordID != w.victim.ID || e.Details["referral_id"] != r.ID || e.Basis != "own_agency" ||
			e.Details["consent_id"] != w.consent.ID {
			t.Fatalf("create audit = %+v", e)
		}
	})
}

// TestReferralLifeCycle follows a referral through its life and checks
// who may take each step and that the sender sees every one.
func TestReferralLifeCycle(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		r := w.refer(t, haven.UrgencyUrgent, "Two children; call the safe phone only")

		// The sender's own reads do not receive it.
		if got := w.read(t, w.officerCtx, r.ID); got.Status != haven.ReferralSent || got.Direction != "outgoing" {
			t.Fatalf("sender read = %+v", got)
		}
		// Neither side: not found, and audited.
		for _, ctx := range []context.Context{w.staffCtx, storetest.As(w.pdAnalyst), storetest.As(w.shOfficer)} {
			if _, err := db.Referral(ctx, r.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("outsider read: %v", err)
			}
			if _, err := db.ActOnReferral(ctx, r.ID, "accept", ""); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("outsider accept: %v", err)
			}
		}
		if e := lastAudit(t, db, "referral.read", audit.Denied); e == nil || e.RecordID != w.victim.ID || e.Details["referral_id"] != r.ID {
			t.Fatalf("refused read audit = %+v", e)
		}
		if _, err := db.Referral(w.advocateCtx, "01900000-0000-7000-8000-000000000000"); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("missing referral: %v", err)
		}

		// The receiver's first read: received, timestamped, visible to the sender.
		c.Add(10 * time.Minute)
		got := w.read(t, w.advocateCtx, r.ID)
		if got.Status != haven.ReferralReceived || got.Direction != "incoming" || !slices.Equal(statuses(got), []string{"sent", "received"}) ||
			!got.Transitions[1].At.Equal(c.Now()) || got.Transitions[1].By != w.advocate.ID || got.Transitions[1].ByName != "advocate" {
			t.Fatalf("receiver's first read = %+v", got)
		}
		// Under the consent the receiver sees who it is and the notes.
		if got.PersonName != "Rosa Quintanilla-Vey" || got.Notes != "Two children; call the safe phone only" {
			t.Fatalf("receiver does not see the person: %q %q", got.PersonName, got.Notes)
		}
		if e := lastAudit(t, db, "referral.receive", audit.Allowed); e == nil || e.Basis != "referral:"+r.ID || e.RecordID != w.victim.ID {
			t.Fatalf("receive audit = %+v", e)
		}
		if e := lastAudit(t, db, "referral.read", audit.Allowed); e == nil || e.Basis != "referral:"+r.ID || e.ActorUserID != w.advocate.ID {
			t.Fatalf("read audit = %+v", e)
		}
		if e := lastAudit(t, db, "person.read", audit.Allowed); e == nil || e.Basis != "consent:"+w.consent.ID || e.Details["referral_id"] != r.ID ||
			e.ActorUserID != w.advocate.ID {
			t.Fatalf("the name read under the consent is not audited with the grant: %+v", e)
		}
		c.Add(time.Minute)
		if again := w.read(t, storetest.As(w.shSupervisor), r.ID); len(again.Transitions) != 2 {
			t.Fatalf("a second read received it again: %v", statuses(again))
		}

		// Who may take which step.
		for _, tc := range []struct {
			ctx            context.Context
			action, reason string
			code           string
		}{
			{w.officerCtx, "accept", "", haven.EFORBIDDEN},
			{w.officerCtx, "start", "", haven.EFORBIDDEN},
			{w.advocateCtx, "start", "", haven.ECONFLICT},
			{w.advocateCtx, "complete", "", haven.ECONFLICT},
			{w.advocateCtx, "close", "not ours", haven.EFORBIDDEN},
			{w.advocateCtx, "decline", "", haven.EINVALID},
			{w.advocateCtx, "approve", "", haven.EINVALID},
		} {
			if _, err := db.ActOnReferral(tc.ctx, r.ID, tc.action, tc.reason); haven.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.action, err, tc.code)
			}
		}
		if e := lastAudit(t, db, "referral.accept", audit.Denied); e == nil || e.ActorUserID != w.officer.ID || e.Details["policy"] == "" {
			t.Errorf("the sender's refused accept is not audited: %+v", e)
		}
		c.Add(time.Hour)
		acc := w.act(t, w.advocateCtx, r.ID, "accept", "")
		if acc.Status != haven.ReferralAccepted || acc.StartBy == nil || !acc.StartBy.Equal(c.Now().Add(48*time.Hour)) {
			t.Fatalf("accepted = %+v", acc)
		}
		if _, err := db.ActOnReferral(w.officerCtx, r.ID, "close", "changed our mind"); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("the sender withdraws an accepted referral: %v", err)
		}
		if _, err := db.ActOnReferral(w.advocateCtx, r.ID, "decline", "full"); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("declining an accepted referral: %v", err)
		}
		c.Add(time.Hour)
		w.act(t, storetest.As(w.shSupervisor), r.ID, "start", "")
		c.Add(time.Hour)
		done := w.act(t, w.advocateCtx, r.ID, "complete", "")
		for _, a := range []string{"close", "start", "accept"} {
			if _, err := db.ActOnReferral(w.advocateCtx, r.ID, a, "x"); haven.ErrorCode(err) != haven.ECONFLICT {
				t.Errorf("%s on a completed referral: %v", a, err)
			}
		}
		// The sender sees every step, with when and who.
		sent := w.read(t, w.officerCtx, r.ID)
		if !slices.Equal(statuses(sent), []string{"sent", "received", "accepted", "in_progress", "completed"}) || sent.Status != "completed" ||
			sent.Transitions[3].ByName != "sh-supervisor" || !sent.Transitions[4].At.Equal(done.UpdatedAt) || sent.Overdue {
			t.Fatalf("the sender sees %+v", sent)
		}
		for i := 1; i < len(sent.Transitions); i++ {
			if sent.Transitions[i].At.Before(sent.Transitions[i-1].At) {
				t.Errorf("transitions out of order: %+v", sent.Transitions)
			}
		}
		if e := lastAudit(t, db, "referral.complete", audit.Allowed); e == nil || e.Details["status"] != "completed" || e.Basis != "referral:"+r.ID {
			t.Errorf("complete audit = %+v", e)
		}

		// Declined with a reason, which the sender sees.
		r2 := w.refer(t, haven.UrgencyRoutine, "")
		dec := w.act(t, w.advocateCtx, r2.ID, "decline", "No capacity this month")
		if dec.Status != haven.ReferralDeclined || dec.Reason != "No capacity this month" ||
			!slices.Equal(statuses(dec), []string{"sent", "received", "declined"}) {
			t.Fatalf("declined = %+v", dec)
		}
		if s := w.read(t, w.officerCtx, r2.ID); s.Reason != "No capacity this month" {
			t.Fatalf("the sender does not see the reason: %+v", s)
		}
		// Withdrawn by the sender while still sent, and while received.
		r3 := w.refer(t, haven.UrgencyRoutine, "")
		if wd := w.act(t, w.officerCtx, r3.ID, "close", "Survivor moved away"); wd.Status != haven.ReferralClosed ||
			!slices.Equal(statuses(wd), []string{"sent", "closed"}) || wd.Reason != "Survivor moved away" {
			t.Fatalf("withdrawn = %+v", wd)
		}
		r4 := w.refer(t, haven.UrgencyRoutine, "")
		w.read(t, w.advocateCtx, r4.ID)
		if wd := w.act(t, w.officerCtx, r4.ID, "close", "Found a place"); wd.Status != haven.ReferralClosed {
			t.Fatalf("withdrawn after receipt = %+v", wd)
		}
		// The receiver closes an accepted referral, with a reason.
		r5 := w.refer(t, haven.UrgencyRoutine, "")
		w.act(t, w.advocateCtx, r5.ID, "accept", "") // receives it first
		if cl := w.act(t, w.advocateCtx, r5.ID, "close", "Could not reach her"); !slices.Equal(statuses(cl), []string{"sent", "received", "accepted", "closed"}) {
			t.Fatalf("closed = %v", statuses(cl))
		}

		// A directory service referral: the sender records every step.
		svc, err := db.CreateReferral(w.officerCtx, haven.ReferralInput{PersonID: w.victim.ID, ToService: "svc-9", Need: "legal", Urgency: "routine"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"accept", "start", "complete"} {
			w.act(t, w.officerCtx, svc.ID, a, "")
		}
		if got := w.read(t, w.officerCtx, svc.ID); !slices.Equal(statuses(got), []string{"sent", "received", "accepted", "in_progress", "completed"}) {
			t.Fatalf("service referral = %v", statuses(got))
		}
		if _, err := db.Referral(w.advocateCtx, svc.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("another agency sees a service referral: %v", err)
		}
	})
}

// TestReferralLists checks the lists by direction and status, and that an
// incoming list receives what it shows.
func TestReferralLists(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		a := w.refer(t, haven.UrgencyRoutine, "")
		c.Add(time.Minute)
		b := w.refer(t, haven.UrgencyUrgent, "")
		c.Add(time.Minute)
		// safe-harbor refers its own person to metro-pd.
		shPerson := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Sam", FamilyName: "Harbor"})
		exp := c.Now().Add(24 * time.Hour)
		shConsent, err := db.RecordConsent(w.advocateCtx, haven.ConsentInput{PersonID: shPerson.ID, RecipientAgencies: []string{"metro-pd"},
			Scopes: []string{"contact"}, Purpose: "protective order", Method: "electronic", ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		out, err := db.CreateReferral(w.advocateCtx, haven.ReferralInput{PersonID: shPerson.ID, ToAgency: "metro-pd", ConsentID: shConsent.ID,
			Need: "legal", Urgency: "routine"})
		if err != nil {
			t.Fatal(err)
		}
		list := func(ctx context.Context, f haven.ReferralFilter) []*haven.Referral {
			t.Helper()
			rs, err := db.FindReferrals(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		if got := ids(list(w.officerCtx, haven.ReferralFilter{Direction: "outgoing"})); !slices.Equal(got, []string{b.ID, a.ID}) {
			t.Fatalf("outgoing = %v", got)
		}
		if got := ids(list(w.officerCtx, haven.ReferralFilter{Direction: "incoming"})); !slices.Equal(got, []string{out.ID}) {
			t.Fatalf("officer incoming = %v", got)
		}
		// The sender's list left them sent; the receiver's list receives them.
		if got := list(w.officerCtx, haven.ReferralFilter{Status: "sent", Direction: "outgoing"}); len(got) != 2 {
			t.Fatalf("sent = %v", ids(got))
		}
		c.Add(time.Minute)
		inc := list(w.advocateCtx, haven.ReferralFilter{Direction: "incoming"})
		if !slices.Equal(ids(inc), []string{b.ID, a.ID}) || inc[0].Status != haven.ReferralReceived || inc[1].Status != haven.ReferralReceived ||
			inc[0].Direction != "incoming" || !slices.Equal(statuses(inc[0]), []string{"sent", "received"}) || inc[0].PersonName == "" {
			t.Fatalf("incoming = %+v", inc)
		}
		if got := w.read(t, w.officerCtx, a.ID); got.Status != haven.ReferralReceived || !got.Transitions[1].At.Equal(c.Now()) {
			t.Fatalf("the sender does not see the receipt: %+v", got)
		}
		if e := lastAudit(t, db, "referral.list", audit.Allowed); e == nil || e.Details["results"] != "2" || e.Details["direction"] != "incoming" {
			t.Fatalf("list audit = %+v", e)
		}
		if n := countAudit(t, db, "referral.receive", b.ID); n != 1 {
			t.Fatalf("%d receive entries for one referral", n)
		}
		// Both directions, newest first, each with its direction.
		both := list(w.advocateCtx, haven.ReferralFilter{})
		if !slices.Equal(ids(both), []string{out.ID, b.ID, a.ID}) || both[0].Direction != "outgoing" || both[1].Direction != "incoming" {
			t.Fatalf("both = %v", ids(both))
		}
		// (metro-pd's incoming list above received safe-harbor's referral.)
		if got := ids(list(w.advocateCtx, haven.ReferralFilter{Direction: "both", Status: "received"})); !slices.Equal(got, []string{out.ID, b.ID, a.ID}) {
			t.Fatalf("received = %v", got)
		}
		if got := ids(list(w.officerCtx, haven.ReferralFilter{PersonID: w.other.ID})); len(got) != 0 {
			t.Fatalf("other person's = %v", got)
		}
		if got := ids(list(w.officerCtx, haven.ReferralFilter{PersonID: w.victim.ID, Limit: 1})); !slices.Equal(got, []string{b.ID}) {
			t.Fatalf("limit = %v", got)
		}
		for _, f := range []haven.ReferralFilter{{Direction: "sideways"}, {Status: "lost"}} {
			if _, err := db.FindReferrals(w.officerCtx, f); haven.ErrorCode(err) != haven.EINVALID {
				t.Errorf("%+v: %v", f, err)
			}
		}
		for _, u := range []*haven.User{w.pdAnalyst, w.shOfficer} {
			if _, err := db.FindReferrals(storetest.As(u), haven.ReferralFilter{}); haven.ErrorCode(err) != haven.EFORBIDDEN {
				t.Errorf("%s lists referrals: %v", u.Username, err)
			}
		}
		if got := list(w.staffCtx, haven.ReferralFilter{}); len(got) != 0 {
			t.Fatalf("a third agency sees %v", ids(got))
		}
	})
}

func countAudit(t *testing.T, db *store.DB, action, referralID string) int {
	t.Helper()
	n := 0
	for _, e := range auditOf(t, db) {
		if e.Action == action && e.Details["referral_id"] == referralID {
			n++
		}
	}
	return n
}

// TestReferralOverdue moves the clock across every target: the overdue
// list changes exactly at the deadline, not a microsecond before.
func TestReferralOverdue(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		em := w.refer(t, haven.UrgencyEmergency, "")
		urg := w.refer(t, haven.UrgencyUrgent, "")
		overdue := func(ctx context.Context) []string {
			t.Helper()
			rs, err := db.FindReferrals(ctx, haven.ReferralFilter{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if !r.Overdue || r.Missed == "" {
					t.Errorf("listed as overdue but %+v", r)
				}
			}
			return ids(rs)
		}
		start := c.Now()
		c.Add(time.Hour) // exactly at the emergency target: met
		if got := overdue(w.officerCtx); len(got) != 0 {
			t.Fatalf("at the target: overdue %v", got)
		}
		if r := w.read(t, w.officerCtx, em.ID); r.Overdue || !r.AcknowledgeBy.Equal(c.Now()) {
			t.Fatalf("at the target = %+v", r)
		}
		c.Add(time.Microsecond)
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{em.ID}) {
			t.Fatalf("just after the emergency target: %v", got)
		}
		if got := overdue(w.advocateCtx); !slices.Equal(got, []string{em.ID}) { // receiving it does not acknowledge it
			t.Fatalf("receiver's overdue: %v", got)
		}
		if r := w.read(t, w.officerCtx, em.ID); !r.Overdue || r.Missed != "acknowledge" || r.Status != haven.ReferralReceived {
			t.Fatalf("overdue referral = %+v", r)
		}
		// Urgent: 24 hours to acknowledge.
		c.Add(start.Add(24 * time.Hour).Sub(c.Now()))
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{em.ID}) {
			t.Fatalf("at the urgent target: %v", got)
		}
		c.Add(time.Microsecond)
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{urg.ID, em.ID}) {
			t.Fatalf("after the urgent target: %v", got)
		}
		// Accepting acknowledges (late): the start target takes over.
		w.act(t, w.advocateCtx, em.ID, "accept", "")
		accepted := c.Now()
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{urg.ID}) {
			t.Fatalf("after accepting: %v", got)
		}
		c.Add(time.Hour)
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{urg.ID}) {
			t.Fatalf("at the start target: %v", got)
		}
		c.Add(time.Microsecond)
		if got := overdue(w.officerCtx); !slices.Equal(got, []string{urg.ID, em.ID}) {
			t.Fatalf("after the start target: %v", got)
		}
		r := w.read(t, w.advocateCtx, em.ID)
		if r.Missed != "start" || r.StartBy == nil || !r.StartBy.Equal(accepted.Add(time.Hour)) {
			t.Fatalf("start target missed = %+v", r)
		}
		// Declining and starting end the waiting.
		w.act(t, w.advocateCtx, urg.ID, "decline", "Out of area")
		w.act(t, w.advocateCtx, em.ID, "start", "")
		c.Add(365 * 24 * time.Hour)
		if got := overdue(w.officerCtx); len(got) != 0 {
			t.Fatalf("nothing waits, yet overdue %v", got)
		}
	})
}

// TestCaseFromReferral: the receiving agency's intake opens a case from an
// accepted referral in one step.
func TestCaseFromReferral(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		r := w.refer(t, haven.UrgencyUrgent, "")
		if _, err := db.CaseFromReferral(w.advocateCtx, r.ID); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("case from a sent referral: %v", err)
		}
		for _, ctx := range []context.Context{w.officerCtx, w.staffCtx, storetest.As(w.shOfficer)} {
			if _, err := db.CaseFromReferral(ctx, r.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("case by a non-receiver: %v", err)
			}
		}
		if e := lastAudit(t, db, "referral.case", audit.Denied); e == nil || e.Details["referral_id"] != r.ID {
			t.Fatalf("refused case audit = %+v", e)
		}
		w.act(t, w.advocateCtx, r.ID, "accept", "")
		c.Add(30 * time.Minute)
		cs, err := db.CaseFromReferral(w.advocateCtx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cs.AgencyID != w.sh.ID || cs.ReferralID != r.ID || cs.SourcePersonID != w.victim.ID || cs.PersonID == w.victim.ID ||
			!slices.Equal(cs.Needs, []string{"housing"}) || cs.LeadAdvocate != w.advocate.ID {
			t.Fatalf("case = %+v", cs)
		}
		got := w.read(t, w.officerCtx, r.ID)
		if got.Status != haven.ReferralInProgress || got.CaseID != cs.ID || !slices.Equal(statuses(got), []string{"sent", "received", "accepted", "in_progress"}) {
			t.Fatalf("referral after the case = %+v", got)
		}
		if e := lastAudit(t, db, "referral.case", audit.Allowed); e == nil || e.Details["case_id"] != cs.ID || e.Basis != "referral:"+r.ID {
			t.Fatalf("case audit = %+v", e)
		}
		if _, err := db.CaseFromReferral(w.advocateCtx, r.ID); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("a second case: %v", err)
		}
		// The case is the receiving agency's, on its own record of the person.
		if got, err := db.Case(w.advocateCtx, cs.ID); err != nil || got.PersonName != "Rosa Quintanilla-Vey" {
			t.Fatalf("the case reads %+v, %v", got, err)
		}
		// Without a consent in force the intake cannot copy the person:
		// the step fails, and nothing changes.
		r2 := w.refer(t, haven.UrgencyRoutine, "")
		w.act(t, w.advocateCtx, r2.ID, "accept", "")
		if _, err := db.RevokeConsent(w.officerCtx, w.consent.ID, "withdrawn"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CaseFromReferral(storetest.As(w.shSupervisor), r2.ID); err == nil {
			t.Fatal("a case was opened without consent")
		}
		if got := w.read(t, w.officerCtx, r2.ID); got.Status != haven.ReferralAccepted || got.CaseID != "" {
			t.Fatalf("the referral changed: %+v", got)
		}
	})
}

// TestReferralConsentEnds: once the consent is revoked (or expires) the
// receiving agency still sees its referral, but not who it is about, nor
// the notes.
func TestReferralConsentEnds(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		short := w.grant(t, w.victim, []string{"safe-harbor"}, 2*time.Hour, nil)
		r, err := db.CreateReferral(w.officerCtx, haven.ReferralInput{PersonID: w.victim.ID, ToAgency: "safe-harbor", ConsentID: short.ID,
			Need: "counselling", Urgency: "routine", Notes: "Prefers evenings"})
		if err != nil {
			t.Fatal(err)
		}
		// The long consent still names safe-harbor: revoke it so only the
		// short one is left.
		if _, err := db.RevokeConsent(w.officerCtx, w.consent.ID, "replaced"); err != nil {
			t.Fatal(err)
		}
		if got := w.read(t, w.advocateCtx, r.ID); got.PersonName == "" || got.Notes != "Prefers evenings" {
			t.Fatalf("under the consent = %+v", got)
		}
		c.Add(2 * time.Hour)
		got := w.read(t, w.advocateCtx, r.ID)
		if got.PersonName != "" || got.Notes != "" || got.PersonID != w.victim.ID || got.Status != haven.ReferralReceived {
			t.Fatalf("after expiry the receiver sees %+v", got)
		}
		if got := w.read(t, w.officerCtx, r.ID); got.PersonName == "" || got.Notes != "Prefers evenings" {
			t.Fatalf("the sender lost its own record: %+v", got)
		}
		if rs, err := db.FindReferrals(w.advocateCtx, haven.ReferralFilter{}); err != nil || len(rs) != 1 || rs[0].PersonName != "" {
			t.Fatalf("list after expiry = %+v, %v", rs, err)
		}
	})
}

func TestReferralSealedAndRotated(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newRefWorld(t, db, c)
		const notes, reason, closeReason = "Lives above the Marigold-Fennec bakery", "Waitlist-Okonkwo-ninety", "Relocated-to-Sarsaparilla"
		r := w.refer(t, haven.UrgencyRoutine, notes)
		w.act(t, w.advocateCtx, r.ID, "decline", reason)
		r2 := w.refer(t, haven.UrgencyRoutine, notes)
		w.act(t, w.officerCtx, r2.ID, "close", closeReason)
		ctx := context.Background()
		for _, secret := range []string{notes, reason, closeReason, "Marigold"} {
			if n, err := db.CountAllTables(ctx, secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		if n, _ := db.CountAllTables(ctx, "declined"); n == 0 {
			t.Error("the status is not stored in the clear")
		}
		// A sealed value moved to another row does not open.
		if err := db.ExecRaw(ctx, `UPDATE referrals SET notes = (SELECT notes FROM referrals WHERE id = ?) WHERE id = ?`, r.ID, r2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Referral(w.officerCtx, r2.ID); haven.ErrorCode(err) != haven.EINTERNAL {
			t.Fatalf("a moved sealed value opened: %v", err)
		}
		if err := db.ExecRaw(ctx, `UPDATE referrals SET notes = NULL, key_id = NULL WHERE id = ?`, r2.ID); err != nil {
			t.Fatal(err)
		}
		if left, err := db.ReferralSealedLeft(ctx); err != nil || left != 0 {
			t.Fatalf("before rotation %d left (%v)", left, err)
		}
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		if left, err := db.ReferralSealedLeft(ctx); err != nil || left != 0 {
			t.Fatalf("%d referral values left under an old key (%v)", left, err)
		}
		got := w.read(t, w.officerCtx, r.ID)
		if got.Notes != notes || got.Reason != reason {
			t.Fatalf("after rotation = %+v", got)
		}
		if got := w.read(t, w.officerCtx, r2.ID); got.Reason != closeReason {
			t.Fatalf("after rotation = %+v", got)
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}
