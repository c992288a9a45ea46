package access

import "github.com/haven-dv/haven"

// Safety plans: one versioned plan per person, kept by the agency that
// holds the person's record.
const (
	PlanCreate  Action = "safety_plan.create"  // save a new version of a person's plan
	PlanRead    Action = "safety_plan.read"    // read a person's plan and its versions
	PlanSuggest Action = "safety_plan.suggest" // items suggested from the person's risk factors
)

// decidePlan is the rule for safety plans; ok is false for actions it does
// not know. Target.AgencyID is the agency that holds the person's record
// (and so the plan). Staff who work with people write and read the plans
// of their own agency's persons. Another agency only reads, and only on
// the survivor's consent naming the safety_plan scope, or on an emergency
// (break-glass) opening of the record, which covers everything and is
// reviewed. Suggestions come from the person's risk assessments and
// incident reports of the owning agency, so they are for the owning
// agency only, as writing is.
func decidePlan(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case PlanCreate, PlanRead, PlanSuggest:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	if !PersonDataRole(a.Role) {
		return deny("your role does not give access to safety plans"), true
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see safety plans"), true
	}
	if t.AgencyID != "" && t.AgencyID == a.AgencyID {
		return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}, true
	}
	if action != PlanRead {
		return deny("safety plans are written only by the agency that holds the person's record"), true
	}
	// Break-glass first: when present it is the basis recorded.
	for _, kind := range []BasisKind{BasisBreakGlass, BasisConsent} {
		for _, b := range t.Bases {
			if b.Kind != kind || !b.Valid(t.Now) {
				continue
			}
			if kind == BasisBreakGlass || contains(b.Scopes, haven.ScopeSafetyPlan) {
				return Decision{Allow: true, Reason: string(kind), Basis: b}, true
			}
		}
	}
	return deny("no basis to see this person's safety plan: it needs the survivor's consent to share it"), true
}
