package access

import "github.com/haven-dv/haven"

// Closed-loop referrals of a person from one agency to another (or to a
// directory service). The sending agency owns the referral; the receiving
// agency reaches it through a referral basis the store supplies when, and
// only when, the referral names the actor's agency as its receiver. That
// basis opens the referral record only: the person's own data reaches the
// receiving agency through the survivor's consent, like any other read.
// Which party may take which step of the life cycle is the referral
// package's table; this rule decides whether the actor may act for a
// party at all.
const (
	ReferralCreate Action = "referral.create" // refer a person of the actor's agency; Target.AgencyID the person's agency
	ReferralList   Action = "referral.list"   // the actor's agency's incoming and outgoing referrals
	ReferralRead   Action = "referral.read"   // one referral: the sender, or the receiver on its basis
	ReferralAct    Action = "referral.act"    // move it: accept, decline, start, complete, close
	ReferralCase   Action = "referral.case"   // the receiver's intake opens a case from an accepted referral
)

// decideReferral is the rule for the referral actions; ok is false for
// actions it does not know. Target.AgencyID is the sending agency (for
// creating, the person's agency; for listing, the actor's); Target.Bases
// holds a referral basis (its ID the referral's) when the actor's agency
// is the one referred to.
func decideReferral(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case ReferralCreate, ReferralList, ReferralRead, ReferralAct, ReferralCase:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	if !PersonDataRole(a.Role) {
		return deny("your role does not work with referrals of people"), true
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see referrals"), true
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	ownAgency := Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	var receiver *Basis
	for i, b := range t.Bases {
		if b.Kind == BasisReferral && b.ID != "" && b.Valid(t.Now) {
			receiver = &t.Bases[i]
			break
		}
	}
	asReceiver := func() Decision {
		return Decision{Allow: true, Reason: "the referral's receiving agency", Basis: *receiver}
	}
	switch action {
	case ReferralCreate:
		if own {
			return ownAgency, true
		}
		return deny("a person is referred by the agency that holds their record"), true
	case ReferralList:
		if own {
			return ownAgency, true
		}
		return deny("referrals are listed only for the actor's own agency"), true
	case ReferralRead, ReferralAct:
		if own {
			return ownAgency, true
		}
		if receiver != nil {
			return asReceiver(), true
		}
		return deny("only the sending and the receiving agency see a referral"), true
	case ReferralCase:
		if receiver == nil {
			return deny("only the receiving agency opens a case from a referral"), true
		}
		if !CaseRole(a.Role) {
			return deny("only advocates, supervisors and shelter staff open cases"), true
		}
		return asReceiver(), true
	}
	return deny("action not permitted"), true
}
