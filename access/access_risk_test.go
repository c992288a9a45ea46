package access

import (
	"fmt"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// riskActions are the risk actions, each with the roles its own agency's
// staff need: the table the policy is checked against.
var riskActions = []struct {
	action Action
	roles  []haven.Role // allowed in the actor's own agency
}{
	{RiskInstruments, haven.Roles},
	{RiskScore, haven.Roles},
	{AssessmentCreate, []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}},
	{AssessmentRead, []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}},
	{HotlineRecord, []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}},
	{RiskTaskRead, []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleAgencyAdmin}},
	{RiskTaskDecide, []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor}},
	{HighRiskList, []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate}},
	{ScreeningView, []haven.Role{haven.RoleSupervisor, haven.RoleAgencyAdmin, haven.RoleAnalyst}},
}

// everywhere are the actions that are not about any agency's records.
var everywhere = map[Action]bool{RiskInstruments: true, RiskScore: true}

// mfaGated are the actions that show a person's risk data: a session that
// still owes its second factor is refused them.
var mfaGated = map[Action]bool{AssessmentCreate: true, AssessmentRead: true, HotlineRecord: true,
	RiskTaskRead: true, RiskTaskDecide: true, HighRiskList: true}

func hasRole(roles []haven.Role, r haven.Role) bool {
	for _, v := range roles {
		if v == r {
			return true
		}
	}
	return false
}

// TestDecideRiskOwnAndOther checks every action × role in the actor's own
// agency and in another agency without a basis.
func TestDecideRiskOwnAndOther(t *testing.T) {
	const own, other = "agency-own", "agency-other"
	for _, ra := range riskActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: own, Role: role, Via: "session"}
			for _, tc := range []struct {
				agency string
				want   bool
			}{
				{own, hasRole(ra.roles, role)},
				{other, everywhere[ra.action]},
			} {
				name := fmt.Sprintf("%s/%s/%s", ra.action, role, tc.agency)
				d := Decide(a, ra.action, Target{AgencyID: tc.agency, Now: time.Now()})
				if d.Allow != tc.want {
					t.Errorf("%s: allow = %v (%s), want %v", name, d.Allow, d.Reason, tc.want)
				}
				if !d.Allow && d.Reason == "" {
					t.Errorf("%s: a refusal must say why", name)
				}
				if d.Allow && !everywhere[ra.action] && d.Basis.Kind == "" {
					t.Errorf("%s: allowed without a basis", name)
				}
			}
		}
	}
}

// TestDecideRiskBases checks which grants open another agency's
// assessments, for every action and every role: only reads, only for staff
// who work with people, only on a grant in force that covers the "risk"
// scope (break-glass covers everything).
func TestDecideRiskBases(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	bases := []struct {
		name  string
		basis Basis
		opens bool // for AssessmentRead by a person-data role
	}{
		{"break-glass", Basis{Kind: BasisBreakGlass, ID: "bg-1", ExpiresAt: later}, true},
		{"break-glass with scopes", Basis{Kind: BasisBreakGlass, ID: "bg-2", Scopes: []string{ScopeContact}, ExpiresAt: later}, true},
		{"expired break-glass", Basis{Kind: BasisBreakGlass, ID: "bg-3", ExpiresAt: earlier}, false},
		{"consent, all scopes", Basis{Kind: BasisConsent, ID: "c-1"}, true},
		{"consent with risk scope", Basis{Kind: BasisConsent, ID: "c-2", Scopes: []string{ScopeContact, ScopeRisk}, ExpiresAt: later}, true},
		{"consent without risk scope", Basis{Kind: BasisConsent, ID: "c-3", Scopes: []string{ScopeContact}}, false},
		{"consent with no scope at all", Basis{Kind: BasisConsent, ID: "c-4", Scopes: []string{}}, false},
		{"expired consent", Basis{Kind: BasisConsent, ID: "c-5", Scopes: []string{ScopeRisk}, ExpiresAt: earlier}, false},
		{"consent expiring now", Basis{Kind: BasisConsent, ID: "c-6", ExpiresAt: now}, false},
		{"referral", Basis{Kind: BasisReferral, ID: "r-1"}, true},
		{"conference with risk scope", Basis{Kind: BasisConference, ID: "cf-1", Scopes: []string{ScopeRisk}}, true},
		{"court order", Basis{Kind: BasisCourtOrder, ID: "co-1", ExpiresAt: later}, true},
		{"unknown kind", Basis{Kind: "rumour", ID: "x"}, false},
	}
	for _, ra := range riskActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: "agency-own", Role: role, Via: "session"}
			for _, b := range bases {
				want := everywhere[ra.action] || (ra.action == AssessmentRead && PersonDataRole(role) && b.opens)
				d := Decide(a, ra.action, Target{AgencyID: "agency-other", Bases: []Basis{b.basis}, Now: now})
				if d.Allow != want {
					t.Errorf("%s/%s/%s: allow = %v (%s), want %v", ra.action, role, b.name, d.Allow, d.Reason, want)
				}
				if d.Allow && ra.action == AssessmentRead && (d.Basis.Kind != b.basis.Kind || d.Basis.ID != b.basis.ID) {
					t.Errorf("%s/%s/%s: basis = %+v, want the grant itself", ra.action, role, b.name, d.Basis)
				}
			}
		}
	}
}

func TestDecideRiskBasisChoice(t *testing.T) {
	now := time.Now()
	officer := haven.Actor{UserID: "u-1", AgencyID: "agency-own", Role: haven.RoleOfficer, Via: "session"}
	target := func(bs ...Basis) Target { return Target{AgencyID: "agency-other", Bases: bs, Now: now} }
	consent := Basis{Kind: BasisConsent, ID: "c-1", Scopes: []string{ScopeRisk}}
	noRisk := Basis{Kind: BasisConsent, ID: "c-2", Scopes: []string{ScopeContact}}
	bg := Basis{Kind: BasisBreakGlass, ID: "bg-1", ExpiresAt: now.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		target Target
		want   string
	}{
		{"break-glass is the one recorded when present", target(consent, bg), "bg-1"},
		{"a consent without the scope is passed over", target(noRisk, consent), "c-1"},
		{"the own agency needs no grant", Target{AgencyID: "agency-own", Bases: []Basis{bg}, Now: now}, ""},
	} {
		d := Decide(officer, AssessmentRead, tc.target)
		if !d.Allow || d.Basis.ID != tc.want {
			t.Errorf("%s: %+v", tc.name, d)
		}
	}
}

// TestDecideRiskMFA checks the second-factor gate: a session that owes its
// second factor is refused what shows a person's risk data, and nothing
// else; a completed session and a token are not.
func TestDecideRiskMFA(t *testing.T) {
	for _, ra := range riskActions {
		for _, role := range ra.roles {
			for _, tc := range []struct {
				name  string
				actor haven.Actor
				gated bool
			}{
				{"session owing MFA", haven.Actor{UserID: "u", AgencyID: "own", Role: role, Via: "session", MFARequired: true}, mfaGated[ra.action]},
				{"session with MFA", haven.Actor{UserID: "u", AgencyID: "own", Role: role, Via: "session", MFARequired: true, MFA: true}, false},
				{"token", haven.Actor{UserID: "u", AgencyID: "own", Role: role, Via: "token", MFARequired: true}, false},
				{"agency without MFA", haven.Actor{UserID: "u", AgencyID: "own", Role: role, Via: "session"}, false},
			} {
				d := Decide(tc.actor, ra.action, Target{AgencyID: "own", Now: time.Now()})
				if d.Allow == tc.gated {
					t.Errorf("%s/%s/%s: allow = %v (%s)", ra.action, role, tc.name, d.Allow, d.Reason)
				}
			}
		}
	}
}

func TestDecideRiskSystemAndAnonymous(t *testing.T) {
	cli := haven.SystemActor("demo")
	for _, ra := range riskActions {
		if d := Decide(cli, ra.action, Target{AgencyID: "any"}); !d.Allow {
			t.Errorf("system %s: %s", ra.action, d.Reason)
		} else if !everywhere[ra.action] && (d.Basis.Kind != BasisSystem || d.Basis.ID != "demo") {
			t.Errorf("system %s: basis %+v", ra.action, d.Basis)
		}
		if d := Decide(haven.Actor{}, ra.action, Target{AgencyID: "any"}); d.Allow {
			t.Errorf("anonymous %s allowed", ra.action)
		}
	}
	// Screening rates are aggregates, whoever asks.
	sup := haven.Actor{UserID: "u", AgencyID: "own", Role: haven.RoleSupervisor, Via: "session"}
	if d := Decide(sup, ScreeningView, Target{AgencyID: "own"}); d.Basis.Kind != BasisAggregate {
		t.Errorf("screening basis = %+v", d.Basis)
	}
	// An action this file does not know is refused.
	if d := decideRisk(sup, Action("risk.unknown"), Target{AgencyID: "own"}); d.Allow {
		t.Error("unknown risk action allowed")
	}
}
