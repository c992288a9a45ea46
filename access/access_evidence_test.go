package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestDecideEvidence(t *testing.T) {
	const pd, sh = "agency-pd", "agency-sh"
	staff := func(role haven.Role, agency string) haven.Actor {
		return haven.Actor{UserID: "u-" + string(role), AgencyID: agency, Role: role, Via: "session", MFA: true, MFARequired: true}
	}
	noMFA := staff(haven.RoleOfficer, pd)
	noMFA.MFA = false
	token := noMFA
	token.Via = "token"
	own := Target{AgencyID: pd}
	glass := Target{AgencyID: sh, Bases: []Basis{{Kind: BasisBreakGlass, ID: "bg"}}}
	actions := []Action{EvidenceCreate, EvidenceRead, EvidenceDownload, EvidenceView, EvidenceCustody, EvidenceVerify}
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		target Target
		allow  bool
		basis  BasisKind
	}{
		{"officer, own agency", staff(haven.RoleOfficer, pd), own, true, BasisOwnAgency},
		{"supervisor, own agency", staff(haven.RoleSupervisor, pd), own, true, BasisOwnAgency},
		{"officer, another agency", staff(haven.RoleOfficer, sh), own, false, ""},
		{"break-glass does not reach evidence", staff(haven.RoleOfficer, pd), glass, false, ""},
		{"no agency on the target", staff(haven.RoleOfficer, pd), Target{}, false, ""},
		{"advocate", staff(haven.RoleAdvocate, pd), own, false, ""},
		{"shelter staff", staff(haven.RoleShelterStaff, pd), own, false, ""},
		{"analyst", staff(haven.RoleAnalyst, pd), own, false, ""},
		{"trainer", staff(haven.RoleTrainer, pd), own, false, ""},
		{"agency admin", staff(haven.RoleAgencyAdmin, pd), own, false, ""},
		{"system admin", staff(haven.RoleSystemAdmin, pd), own, false, ""},
		{"session without second factor", noMFA, own, false, ""},
		{"token without second factor", token, own, true, BasisOwnAgency},
		{"system process", haven.SystemActor("cli"), own, true, BasisSystem},
		{"anonymous", haven.Actor{}, own, false, ""},
	} {
		for _, action := range actions {
			t.Run(tc.name+"/"+string(action), func(t *testing.T) {
				d := Decide(tc.actor, action, tc.target)
				if d.Allow != tc.allow || d.Basis.Kind != tc.basis {
					t.Fatalf("Decide = %+v, want allow=%v basis=%q", d, tc.allow, tc.basis)
				}
				if d.Reason == "" {
					t.Fatal("no reason given")
				}
			})
		}
	}
	if d := Decide(staff(haven.RoleOfficer, pd), Action("evidence.delete"), own); d.Allow {
		t.Fatal("an unnamed evidence action is allowed")
	}
}
