package access

import "github.com/haven-dv/haven"

// Consent: the survivor's recorded, time-limited permission for named
// agencies to see named scopes of their data.
const (
	ConsentRecord Action = "consent.record" // record a grant for a person of the actor's agency
	ConsentRead   Action = "consent.read"   // read one grant
	ConsentList   Action = "consent.list"   // list a person's grants (the recording agency)
	ConsentRevoke Action = "consent.revoke" // end a grant now, with a reason
	ConsentShared Action = "consent.shared" // the grants naming the actor's agency ("Shared with us")
)

// ScopeIncident is the data scope of the police incident reports a person
// is a party to. A consent naming it lets the recipient read those reports
// in the consent view; nothing else reaches another agency's reports.
const ScopeIncident = "incident"

// decideConsent is the rule for the consent actions; ok is false
// for actions it does not know. For grants, Target.AgencyID is the
// recording agency (which owns the person); a recipient agency's actor
// arrives with the grant itself as a consent basis when, and only when,
// the grant names the actor's agency and is in force.
func decideConsent(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case ConsentRecord, ConsentRead, ConsentList, ConsentRevoke, ConsentShared:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	if !PersonDataRole(a.Role) {
		return deny("your role does not work with personal records or their consents"), true
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see consents"), true
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	ownAgency := Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	switch action {
	case ConsentRecord:
		if own {
			return ownAgency, true
		}
		return deny("consent is recorded by the agency that holds the person's record"), true
	case ConsentList, ConsentShared:
		if own {
			return ownAgency, true
		}
		return deny("consents are listed only for the agency's own records"), true
	case ConsentRevoke:
		if own {
			return ownAgency, true
		}
		// The survivor may withdraw consent by telling any agency it names
		// (the printout says so): a recipient records the revocation.
		for _, b := range t.Bases {
			if b.Kind == BasisConsent && b.Valid(t.Now) {
				return Decision{Allow: true, Reason: "named in the consent: recording the survivor's withdrawal", Basis: b}, true
			}
		}
		return deny("only the recording agency and the agencies the consent names revoke it"), true
	case ConsentRead:
		if own {
			return ownAgency, true
		}
		for _, b := range t.Bases {
			if b.Kind == BasisConsent && b.Valid(t.Now) {
				return Decision{Allow: true, Reason: "named in the consent", Basis: b}, true
			}
		}
		return deny("no basis to see this consent"), true
	}
	return deny("action not permitted"), true
}

// consentIncidentRead is the one way another agency reads an incident
// report: a person who is a party to it consented to share the "incident"
// scope with the actor's agency, and the consent is in force. It answers
// only reads, and only for staff who work with people; ok is false when
// it does not apply, and the incident rule goes on as before (denying).
// The store shapes what the report shows under it (the consent view).
func consentIncidentRead(a haven.Actor, action Action, t Target) (Decision, bool) {
	if action != IncidentRead || a.System != "" || !PersonDataRole(a.Role) {
		return Decision{}, false
	}
	if t.AgencyID == "" || t.AgencyID == a.AgencyID {
		return Decision{}, false
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return Decision{}, false
	}
	for _, b := range t.Bases {
		if b.Kind == BasisConsent && b.Valid(t.Now) && contains(b.Scopes, ScopeIncident) {
			return Decision{Allow: true, Reason: "consent", Basis: b}, true
		}
	}
	return Decision{}, false
}
