package access

import (
	"fmt"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

var consentActions = []Action{ConsentRecord, ConsentRead, ConsentList, ConsentRevoke, ConsentShared}

// TestDecideConsentOwnAndOther checks every consent action × role in the
// actor's own agency (the recording agency) and in another agency without
// a basis: staff who work with people, in their own agency, and nobody else.
func TestDecideConsentOwnAndOther(t *testing.T) {
	const own, other = "agency-own", "agency-other"
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, action := range consentActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: own, Role: role, Via: "session"}
			for _, tc := range []struct {
				agency string
				want   bool
			}{{own, PersonDataRole(role)}, {other, false}, {"", false}} {
				t.Run(fmt.Sprintf("%s/%s/%q", action, role, tc.agency), func(t *testing.T) {
					d := Decide(a, action, Target{AgencyID: tc.agency, Now: now})
					if d.Allow != tc.want || d.Reason == "" {
						t.Fatalf("Decide = %+v, want allow=%v with a reason", d, tc.want)
					}
					if d.Allow && d.Basis.Kind != BasisOwnAgency {
						t.Fatalf("basis = %q, want own_agency", d.Basis.Kind)
					}
				})
			}
		}
	}
}

// TestDecideConsentRecipient: a recipient's staff read the grant itself
// while it is in force, and do nothing else with it.
func TestDecideConsentRecipient(t *testing.T) {
	const pd, sh = "agency-pd", "agency-sh"
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	grant := Basis{Kind: BasisConsent, ID: "c1", Scopes: []string{"contact"}, ExpiresAt: now.Add(time.Hour)}
	expired := grant
	expired.ExpiresAt = now
	glass := Basis{Kind: BasisBreakGlass, ID: "bg1", ExpiresAt: now.Add(time.Hour)}
	advocate := haven.Actor{UserID: "u-adv", AgencyID: sh, Role: haven.RoleAdvocate, Via: "session", MFA: true, MFARequired: true}
	pending := advocate
	pending.MFA = false
	analyst := advocate
	analyst.Role = haven.RoleAnalyst
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		action Action
		bases  []Basis
		allow  bool
	}{
		{"recipient reads the grant", advocate, ConsentRead, []Basis{grant}, true},
		{"recipient reads an expired grant", advocate, ConsentRead, []Basis{expired}, false},
		{"break-glass does not open grants", advocate, ConsentRead, []Basis{glass}, false},
		{"recipient records the survivor's withdrawal", advocate, ConsentRevoke, []Basis{grant}, true},
		{"recipient revokes an expired grant", advocate, ConsentRevoke, []Basis{expired}, false},
		{"recipient lists the person's grants", advocate, ConsentList, []Basis{grant}, false},
		{"recipient records for the person", advocate, ConsentRecord, []Basis{grant}, false},
		{"analyst of a recipient reads", analyst, ConsentRead, []Basis{grant}, false},
		{"second factor owed", pending, ConsentRead, []Basis{grant}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.actor, tc.action, Target{AgencyID: pd, Bases: tc.bases, Now: now})
			if d.Allow != tc.allow || d.Reason == "" {
				t.Fatalf("Decide = %+v, want allow=%v with a reason", d, tc.allow)
			}
			if d.Allow && (d.Basis.Kind != BasisConsent || d.Basis.ID != "c1") {
				t.Fatalf("basis = %+v, want the grant", d.Basis)
			}
		})
	}
}

// TestDecideConsentSystemAndAnonymous: a system process records and reads
// as itself; nobody signed out does anything.
func TestDecideConsentSystemAndAnonymous(t *testing.T) {
	for _, action := range consentActions {
		if d := Decide(haven.SystemActor("cli"), action, Target{AgencyID: "agency-pd"}); !d.Allow || d.Basis.Kind != BasisSystem {
			t.Errorf("system %s = %+v", action, d)
		}
		if d := Decide(haven.Actor{}, action, Target{AgencyID: "agency-pd"}); d.Allow {
			t.Errorf("anonymous %s = %+v", action, d)
		}
	}
}

// TestDecideIncidentOnConsent: another agency's staff who work with people
// read (only read) a report on a party's consent covering the incident
// scope, while it is in force.
func TestDecideIncidentOnConsent(t *testing.T) {
	const pd, sh = "agency-pd", "agency-sh"
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	staff := func(role haven.Role, agency string) haven.Actor {
		return haven.Actor{UserID: "u-" + string(role), AgencyID: agency, Role: role, Via: "session", MFA: true, MFARequired: true}
	}
	grant := func(scopes ...string) Basis {
		return Basis{Kind: BasisConsent, ID: "c1", Scopes: scopes, ExpiresAt: now.Add(time.Hour)}
	}
	incident := grant("contact", "incident")
	contactOnly := grant("contact")
	expired := incident
	expired.ExpiresAt = now.Add(-time.Second)
	referral := Basis{Kind: BasisReferral, ID: "r1", Scopes: []string{"incident"}}
	glass := Basis{Kind: BasisBreakGlass, ID: "bg1", ExpiresAt: now.Add(time.Hour)}
	advocate := staff(haven.RoleAdvocate, sh)
	noMFA := advocate
	noMFA.MFA = false
	token := noMFA
	token.Via = "token"
	foreign := func(b ...Basis) Target { return Target{AgencyID: pd, UserID: "u-author", Bases: b, Now: now} }
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		action Action
		target Target
		allow  bool
		basis  BasisKind
	}{
		{"advocate with incident consent", advocate, IncidentRead, foreign(incident), true, BasisConsent},
		{"shelter staff with incident consent", staff(haven.RoleShelterStaff, sh), IncidentRead, foreign(incident), true, BasisConsent},
		{"other agency's officer with incident consent", staff(haven.RoleOfficer, sh), IncidentRead, foreign(incident), true, BasisConsent},
		{"other agency's supervisor with incident consent", staff(haven.RoleSupervisor, sh), IncidentRead, foreign(incident), true, BasisConsent},
		{"the grant is found among others", advocate, IncidentRead, foreign(contactOnly, incident), true, BasisConsent},
		{"consent without the incident scope", advocate, IncidentRead, foreign(contactOnly), false, ""},
		{"expired consent", advocate, IncidentRead, foreign(expired), false, ""},
		{"a referral is not consent", advocate, IncidentRead, foreign(referral), false, ""},
		{"break-glass does not open reports", advocate, IncidentRead, foreign(glass), false, ""},
		{"no basis", advocate, IncidentRead, foreign(), false, ""},
		{"analyst with consent", staff(haven.RoleAnalyst, sh), IncidentRead, foreign(incident), false, ""},
		{"agency admin with consent", staff(haven.RoleAgencyAdmin, sh), IncidentRead, foreign(incident), false, ""},
		{"second factor owed", noMFA, IncidentRead, foreign(incident), false, ""},
		{"token without second factor", token, IncidentRead, foreign(incident), true, BasisConsent},
		{"consent does not update", staff(haven.RoleOfficer, sh), IncidentUpdate, foreign(incident), false, ""},
		{"consent does not supplement", staff(haven.RoleOfficer, sh), IncidentSupplement, foreign(incident), false, ""},
		{"consent does not export", staff(haven.RoleSupervisor, sh), IncidentExport, foreign(incident), false, ""},
		{"consent does not review", staff(haven.RoleSupervisor, sh), IncidentReview, foreign(incident), false, ""},
		{"consent does not open evidence", staff(haven.RoleOfficer, sh), EvidenceRead, foreign(incident), false, ""},
		{"own agency stays own agency", staff(haven.RoleOfficer, pd), IncidentRead, foreign(incident), true, BasisOwnAgency},
		{"own agency's advocate is not helped by a grant", staff(haven.RoleAdvocate, pd), IncidentRead, foreign(incident), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.actor, tc.action, tc.target)
			if d.Allow != tc.allow || d.Basis.Kind != tc.basis || d.Reason == "" {
				t.Fatalf("Decide = %+v, want allow=%v basis=%q with a reason", d, tc.allow, tc.basis)
			}
			if d.Basis.Kind == BasisConsent && d.Basis.ID != "c1" {
				t.Fatalf("basis = %+v, want the grant", d.Basis)
			}
		})
	}
}

// TestDecideScopesUnderConsent: the person and risk rules read a grant's
// scopes as the store passes them: any grant opens the person (contact
// details are withheld by the store), only "risk" opens assessments.
func TestDecideScopesUnderConsent(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	advocate := haven.Actor{UserID: "u-adv", AgencyID: "agency-sh", Role: haven.RoleAdvocate, Via: "token"}
	for _, tc := range []struct {
		scopes            []string
		person, riskAllow bool
	}{
		{[]string{"contact", "incident"}, true, false},
		{[]string{"risk"}, true, true},
		{[]string{"safety_plan"}, true, false},
		{[]string{}, true, false},
	} {
		b := Basis{Kind: BasisConsent, ID: "c1", Scopes: tc.scopes, ExpiresAt: now.Add(time.Hour)}
		target := Target{AgencyID: "agency-pd", Bases: []Basis{b}, Now: now}
		if d := Decide(advocate, PersonRead, target); d.Allow != tc.person {
			t.Errorf("%v: person read = %+v", tc.scopes, d)
		}
		if d := Decide(advocate, AssessmentRead, target); d.Allow != tc.riskAllow {
			t.Errorf("%v: assessment read = %+v", tc.scopes, d)
		}
	}
}
