package access

import (
	"fmt"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

var caseWorkers = []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleShelterStaff}

// caseActions are the case actions with the roles allowed in the actor's
// own agency (for a target naming no other user).
var caseActions = []struct {
	action Action
	roles  []haven.Role
}{
	{CaseCreate, caseWorkers},
	{CaseRead, caseWorkers},
	{CaseUpdate, caseWorkers},
	{CaseList, caseWorkers},
	{CaseNoteAdd, caseWorkers},
	{CaseNoteRead, caseWorkers},
	{CaseDocumentRead, caseWorkers},
	{CaseAssign, []haven.Role{haven.RoleSupervisor}},
	{CaseloadView, []haven.Role{haven.RoleSupervisor}},
}

// TestDecideCaseOwnAndOther checks every action × role in the actor's own
// agency and in another agency without a basis (always refused), and that
// a session owing its second factor is refused everything.
func TestDecideCaseOwnAndOther(t *testing.T) {
	const own, other = "agency-own", "agency-other"
	now := time.Now()
	for _, ca := range caseActions {
		for _, role := range haven.Roles {
			a := haven.Actor{UserID: "u-1", AgencyID: own, Role: role, Via: "session"}
			for _, tc := range []struct {
				agency string
				want   bool
			}{{own, hasRole(ca.roles, role)}, {other, false}} {
				name := fmt.Sprintf("%s/%s/%s", ca.action, role, tc.agency)
				d := Decide(a, ca.action, Target{AgencyID: tc.agency, Now: now})
				if d.Allow != tc.want {
					t.Errorf("%s: allow = %v (%s), want %v", name, d.Allow, d.Reason, tc.want)
				}
				if !d.Allow && d.Reason == "" {
					t.Errorf("%s: a refusal must say why", name)
				}
				if d.Allow && d.Basis.Kind != BasisOwnAgency {
					t.Errorf("%s: basis = %q, want own_agency", name, d.Basis.Kind)
				}
			}
			mfa := a
			mfa.MFARequired = true
			if d := Decide(mfa, ca.action, Target{AgencyID: own, Now: now}); d.Allow {
				t.Errorf("%s/%s: allowed while the second factor is owed", ca.action, role)
			}
		}
	}
	sys := haven.SystemActor("demo")
	if d := Decide(sys, CaseCreate, Target{AgencyID: own}); !d.Allow || d.Basis.Kind != BasisSystem {
		t.Errorf("system actor: %+v", d)
	}
}

// TestDecideCaseLeads checks who sees whose caseload and who hands a case
// to another lead.
func TestDecideCaseLeads(t *testing.T) {
	const agency = "agency-own"
	advocate := haven.Actor{UserID: "adv", AgencyID: agency, Role: haven.RoleAdvocate, Via: "session"}
	supervisor := haven.Actor{UserID: "sup", AgencyID: agency, Role: haven.RoleSupervisor, Via: "session"}
	for _, tc := range []struct {
		name   string
		a      haven.Actor
		action Action
		user   string
		want   bool
	}{
		{"own caseload", advocate, CaseList, "adv", true},
		{"another's caseload", advocate, CaseList, "other", false},
		{"supervisor: another's caseload", supervisor, CaseList, "other", true},
		{"lead hands on", advocate, CaseAssign, "adv", true},
		{"not the lead", advocate, CaseAssign, "other", false},
		{"supervisor reassigns", supervisor, CaseAssign, "other", true},
	} {
		if d := Decide(tc.a, tc.action, Target{AgencyID: agency, UserID: tc.user}); d.Allow != tc.want {
			t.Errorf("%s: allow = %v (%s), want %v", tc.name, d.Allow, d.Reason, tc.want)
		}
	}
}

// TestDecideCaseBases checks what a grant on the case's person opens to
// another agency: notes under case_notes, documents under documents, for
// staff who work with people, while the grant is in force; nothing else
// about the case, ever.
func TestDecideCaseBases(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	consent := func(scopes ...string) Basis {
		return Basis{Kind: BasisConsent, ID: "c-1", Scopes: scopes, ExpiresAt: now.Add(time.Hour)}
	}
	expired := Basis{Kind: BasisConsent, ID: "c-2", Scopes: []string{haven.ScopeCaseNotes, haven.ScopeDocuments}, ExpiresAt: now.Add(-time.Second)}
	glass := Basis{Kind: BasisBreakGlass, ID: "bg-1", ExpiresAt: now.Add(time.Hour)}
	officer := haven.Actor{UserID: "o", AgencyID: "pd", Role: haven.RoleOfficer, Via: "session"}
	analyst := haven.Actor{UserID: "a", AgencyID: "pd", Role: haven.RoleAnalyst, Via: "session"}
	for _, tc := range []struct {
		name   string
		a      haven.Actor
		action Action
		bases  []Basis
		want   bool
		kind   BasisKind
	}{
		{"notes under case_notes", officer, CaseNoteRead, []Basis{consent(haven.ScopeCaseNotes)}, true, BasisConsent},
		{"notes under documents", officer, CaseNoteRead, []Basis{consent(haven.ScopeDocuments)}, false, ""},
		{"documents under documents", officer, CaseDocumentRead, []Basis{consent(haven.ScopeDocuments)}, true, BasisConsent},
		{"documents under contact", officer, CaseDocumentRead, []Basis{consent(haven.ScopeContact)}, false, ""},
		{"expired", officer, CaseNoteRead, []Basis{expired}, false, ""},
		{"all scopes", officer, CaseDocumentRead, []Basis{{Kind: BasisConsent, ID: "c-3"}}, true, BasisConsent},
		{"break-glass first", officer, CaseNoteRead, []Basis{consent(haven.ScopeCaseNotes), glass}, true, BasisBreakGlass},
		{"analyst", analyst, CaseNoteRead, []Basis{consent(haven.ScopeCaseNotes)}, false, ""},
		{"the case itself", officer, CaseRead, []Basis{consent(haven.ScopeCaseNotes, haven.ScopeDocuments)}, false, ""},
		{"adding a note", officer, CaseNoteAdd, []Basis{consent(haven.ScopeCaseNotes)}, false, ""},
		{"changing the case", officer, CaseUpdate, []Basis{glass}, false, ""},
	} {
		d := Decide(tc.a, tc.action, Target{AgencyID: "sh", Bases: tc.bases, Now: now})
		if d.Allow != tc.want || d.Basis.Kind != tc.kind {
			t.Errorf("%s: allow = %v basis %q (%s), want %v %q", tc.name, d.Allow, d.Basis.Kind, d.Reason, tc.want, tc.kind)
		}
	}
}
