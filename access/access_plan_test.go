package access

import (
	"fmt"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

var planActions = []Action{PlanCreate, PlanRead, PlanSuggest}

// TestDecidePlanOwnAndOther checks every action × role in the actor's own
// agency and in another agency without a basis.
func TestDecidePlanOwnAndOther(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, action := range planActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: "agency-own", Role: role, Via: "session"}
			for _, tc := range []struct {
				agency string
				want   bool
			}{
				{"agency-own", PersonDataRole(role)},
				{"agency-other", false},
				{"", false},
			} {
				name := fmt.Sprintf("%s/%s/%q", action, role, tc.agency)
				d := Decide(a, action, Target{AgencyID: tc.agency, Now: now})
				if d.Allow != tc.want {
					t.Errorf("%s: allow = %v (%s), want %v", name, d.Allow, d.Reason, tc.want)
				}
				if !d.Allow && d.Reason == "" {
					t.Errorf("%s: a refusal must say why", name)
				}
				if d.Allow && d.Basis.Kind != BasisOwnAgency {
					t.Errorf("%s: basis %+v", name, d.Basis)
				}
			}
		}
	}
}

// TestDecidePlanBases checks which grants open another agency's plans:
// reads only, for staff who work with people, on a consent in force that
// names the safety_plan scope, or on break-glass. Nothing opens writing or
// suggestions, which come from the owning agency's risk records.
func TestDecidePlanBases(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	bases := []struct {
		name  string
		basis Basis
		opens bool // for PlanRead by a person-data role
	}{
		{"consent with the safety_plan scope", Basis{Kind: BasisConsent, ID: "c-1", Scopes: []string{ScopeContact, haven.ScopeSafetyPlan}, ExpiresAt: later}, true},
		{"consent without it", Basis{Kind: BasisConsent, ID: "c-2", Scopes: []string{ScopeContact, ScopeRisk, haven.ScopeIncident}, ExpiresAt: later}, false},
		{"consent naming no scopes", Basis{Kind: BasisConsent, ID: "c-3", ExpiresAt: later}, false},
		{"expired consent", Basis{Kind: BasisConsent, ID: "c-4", Scopes: []string{haven.ScopeSafetyPlan}, ExpiresAt: earlier}, false},
		{"consent expiring now", Basis{Kind: BasisConsent, ID: "c-5", Scopes: []string{haven.ScopeSafetyPlan}, ExpiresAt: now}, false},
		{"break-glass", Basis{Kind: BasisBreakGlass, ID: "bg-1", ExpiresAt: later}, true},
		{"expired break-glass", Basis{Kind: BasisBreakGlass, ID: "bg-2", ExpiresAt: earlier}, false},
		{"referral", Basis{Kind: BasisReferral, ID: "r-1", Scopes: []string{haven.ScopeSafetyPlan}}, false},
		{"conference", Basis{Kind: BasisConference, ID: "cf-1"}, false},
		{"court order", Basis{Kind: BasisCourtOrder, ID: "co-1", ExpiresAt: later}, false},
		{"unknown kind", Basis{Kind: "rumour", ID: "x", Scopes: []string{haven.ScopeSafetyPlan}}, false},
	}
	for _, action := range planActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: "agency-own", Role: role, Via: "session"}
			for _, b := range bases {
				want := action == PlanRead && PersonDataRole(role) && b.opens
				d := Decide(a, action, Target{AgencyID: "agency-other", Bases: []Basis{b.basis}, Now: now})
				if d.Allow != want {
					t.Errorf("%s/%s/%s: allow = %v (%s), want %v", action, role, b.name, d.Allow, d.Reason, want)
				}
				if d.Allow && (d.Basis.Kind != b.basis.Kind || d.Basis.ID != b.basis.ID) {
					t.Errorf("%s/%s/%s: basis = %+v, want the grant itself", action, role, b.name, d.Basis)
				}
			}
		}
	}
}

func TestDecidePlanBasisChoice(t *testing.T) {
	now := time.Now()
	advocate := haven.Actor{UserID: "u-1", AgencyID: "agency-own", Role: haven.RoleAdvocate, Via: "session"}
	consent := Basis{Kind: BasisConsent, ID: "c-1", Scopes: []string{haven.ScopeSafetyPlan}}
	noPlan := Basis{Kind: BasisConsent, ID: "c-2", Scopes: []string{ScopeContact}}
	bg := Basis{Kind: BasisBreakGlass, ID: "bg-1", ExpiresAt: now.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		target Target
		want   string
	}{
		{"break-glass is the one recorded when present", Target{AgencyID: "agency-other", Bases: []Basis{consent, bg}, Now: now}, "bg-1"},
		{"a consent without the scope is passed over", Target{AgencyID: "agency-other", Bases: []Basis{noPlan, consent}, Now: now}, "c-1"},
		{"the own agency needs no grant", Target{AgencyID: "agency-own", Bases: []Basis{bg}, Now: now}, ""},
	} {
		d := Decide(advocate, PlanRead, tc.target)
		if !d.Allow || d.Basis.ID != tc.want {
			t.Errorf("%s: %+v", tc.name, d)
		}
	}
}

func TestDecidePlanMFASystemAndAnonymous(t *testing.T) {
	for _, action := range planActions {
		owing := haven.Actor{UserID: "u", AgencyID: "own", Role: haven.RoleAdvocate, Via: "session", MFARequired: true}
		if d := Decide(owing, action, Target{AgencyID: "own"}); d.Allow {
			t.Errorf("%s allowed to a session owing its second factor", action)
		}
		owing.Via = "token"
		if d := Decide(owing, action, Target{AgencyID: "own"}); !d.Allow {
			t.Errorf("%s refused to a token: %s", action, d.Reason)
		}
		cli := haven.SystemActor("demo")
		if d := Decide(cli, action, Target{AgencyID: "any"}); !d.Allow || d.Basis.Kind != BasisSystem || d.Basis.ID != "demo" {
			t.Errorf("system %s: %+v", action, d)
		}
		if d := Decide(haven.Actor{}, action, Target{AgencyID: "any"}); d.Allow {
			t.Errorf("anonymous %s allowed", action)
		}
	}
	// Actions of other features are not this rule's.
	if _, ok := decidePlan(haven.Actor{UserID: "u", Role: haven.RoleAdvocate}, PersonRead, Target{}); ok {
		t.Error("decidePlan answers for person.read")
	}
}
