package access

import (
	"fmt"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// TestDecideReferral checks every referral action × role × side: the
// sending agency (own), the receiving agency (a referral basis), and an
// agency with neither; and what a basis must be to count.
func TestDecideReferral(t *testing.T) {
	const sender, receiver, other = "agency-pd", "agency-sh", "agency-x"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	people := []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}
	caseRoles := []haven.Role{haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff}
	refBasis := []Basis{{Kind: BasisReferral, ID: "ref-1"}}
	type side string
	const (
		asSender   side = "sender"
		asReceiver side = "receiver"
		asOther    side = "other"
	)
	// allowed lists, per action and side, the roles allowed.
	allowed := map[Action]map[side][]haven.Role{
		ReferralCreate: {asSender: people},
		ReferralList:   {asSender: people},
		ReferralRead:   {asSender: people, asReceiver: people},
		ReferralAct:    {asSender: people, asReceiver: people},
		ReferralCase:   {asReceiver: caseRoles},
	}
	for action, sides := range allowed {
		for _, role := range haven.Roles {
			for _, s := range []side{asSender, asReceiver, asOther} {
				agency := map[side]string{asSender: sender, asReceiver: receiver, asOther: other}[s]
				a := haven.Actor{UserID: "u-1", AgencyID: agency, Role: role, Via: "session"}
				tg := Target{AgencyID: sender, Now: now}
				if s == asReceiver {
					tg.Bases = refBasis
				}
				want := hasRole(sides[s], role)
				name := fmt.Sprintf("%s/%s/%s", action, role, s)
				d := Decide(a, action, tg)
				if d.Allow != want {
					t.Errorf("%s: allow = %v (%s), want %v", name, d.Allow, d.Reason, want)
				}
				if !d.Allow && d.Reason == "" {
					t.Errorf("%s: a refusal must say why", name)
				}
				if d.Allow {
					wantBasis := BasisOwnAgency
					if s == asReceiver {
						wantBasis = BasisReferral
					}
					if d.Basis.Kind != wantBasis {
						t.Errorf("%s: basis %s, want %s", name, d.Basis.Kind, wantBasis)
					}
				}
				// The second factor is owed: every referral action is refused.
				a.MFARequired = true
				if d := Decide(a, action, tg); d.Allow {
					t.Errorf("%s: allowed before the second factor", name)
				}
				a.MFA = true
				if d := Decide(a, action, tg); d.Allow != want {
					t.Errorf("%s: with the second factor allow = %v, want %v", name, d.Allow, want)
				}
			}
		}
	}
	adv := haven.Actor{UserID: "u-1", AgencyID: receiver, Role: haven.RoleAdvocate, Via: "session"}
	for _, c := range []struct {
		name  string
		bases []Basis
		want  bool
	}{
		{"referral basis", refBasis, true},
		{"expired referral basis", []Basis{{Kind: BasisReferral, ID: "ref-1", ExpiresAt: now.Add(-time.Second)}}, false},
		{"referral basis without id", []Basis{{Kind: BasisReferral}}, false},
		{"consent is no referral", []Basis{{Kind: BasisConsent, ID: "c-1"}}, false},
		{"break-glass is no referral", []Basis{{Kind: BasisBreakGlass, ID: "bg-1"}}, false},
		{"none", nil, false},
	} {
		for _, action := range []Action{ReferralRead, ReferralAct, ReferralCase} {
			d := Decide(adv, action, Target{AgencyID: sender, Bases: c.bases, Now: now})
			if d.Allow != c.want {
				t.Errorf("%s/%s: allow = %v (%s), want %v", c.name, action, d.Allow, d.Reason, c.want)
			}
			if d.Allow && d.Basis.ID != "ref-1" {
				t.Errorf("%s/%s: basis %+v", c.name, action, d.Basis)
			}
		}
	}
	// A system process is allowed, on the system basis; nobody signed in is not.
	if d := Decide(haven.SystemActor("cli"), ReferralList, Target{}); !d.Allow || d.Basis.Kind != BasisSystem {
		t.Errorf("system: %+v", d)
	}
	if d := Decide(haven.Actor{}, ReferralRead, Target{AgencyID: sender}); d.Allow {
		t.Error("anonymous reads a referral")
	}
	// The referral rule leaves other actions alone.
	if _, ok := decideReferral(adv, PersonRead, Target{}); ok {
		t.Error("decideReferral answers person.read")
	}
}
