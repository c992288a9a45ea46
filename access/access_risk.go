package access

import "github.com/haven-dv/haven"

// Risk assessment: instruments, recorded assessments, the hotline call,
// the partner agency's queue, the high-risk list and screening rates.
const (
	RiskInstruments  Action = "risk.instruments"       // list the instruments (reference data)
	RiskScore        Action = "risk.score"             // score answers without storing them
	AssessmentCreate Action = "risk.assessment.create" // record an assessment of a person
	AssessmentRead   Action = "risk.assessment.read"   // read a person's assessments
	HotlineRecord    Action = "risk.hotline.record"    // record the hotline call of a screen-in
	RiskTaskRead     Action = "risk.task.read"         // see an agency's queue
	RiskTaskDecide   Action = "risk.task.decide"       // accept or decline a queue task
	HighRiskList     Action = "risk.highrisk.list"     // the agency's persons flagged high-risk, by name
	ScreeningView    Action = "risk.screening.view"    // lethality-screen rates per officer and beat (aggregates)
)

// ScopeRisk is the data scope of risk assessments. A consent or another
// scoped grant reaches a person's assessments only when it names this
// scope (or has no scopes at all, meaning everything).
const ScopeRisk = "risk"

// riskBases are the grants that can open another agency's assessments, in
// the order they are tried: break-glass first, so that an emergency opening
// is always the one recorded when present.
var riskBases = []BasisKind{BasisBreakGlass, BasisCourtOrder, BasisConsent, BasisReferral, BasisConference}

// decideRisk is the rule for risk assessment. For assessments and the
// hotline, Target.AgencyID is the agency that recorded the assessment (the
// person's owner); for tasks, the agency whose queue it is; for lists and
// screening, the actor's agency.
func decideRisk(a haven.Actor, action Action, t Target) Decision {
	switch action {
	case RiskInstruments, RiskScore:
		// Reference data and a pure computation: nothing is stored or read.
		return allow("instruments are reference data for staff")
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	ownAgency := Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	mfaPending := a.MFARequired && !a.MFA && a.Via == "session"

	switch action {
	case ScreeningView:
		// Counts per officer and beat: no person's data, so analysts and
		// administrators see them, and the second factor is not asked for.
		switch a.Role {
		case haven.RoleSupervisor, haven.RoleAgencyAdmin, haven.RoleAnalyst:
			if own {
				return Decision{Allow: true, Reason: "aggregate view of own agency", Basis: Basis{Kind: BasisAggregate}}
			}
			return deny("screening rates are seen only by their own agency")
		}
		return deny("screening rates are for supervisors, administrators and analysts")
	case RiskTaskRead, RiskTaskDecide:
		switch {
		case a.Role == haven.RoleAdvocate || a.Role == haven.RoleSupervisor:
		case a.Role == haven.RoleAgencyAdmin && action == RiskTaskRead:
		default:
			if action == RiskTaskDecide {
				return deny("only advocates and supervisors decide queue tasks")
			}
			return deny("the queue is for advocates, supervisors and administrators")
		}
		if mfaPending {
			return deny("sign in with your second factor to see the queue")
		}
		if !own {
			return deny("a queue is seen only by its own agency")
		}
		return ownAgency
	}

	// The rest is person data: the person rule, with the risk scope.
	if !PersonDataRole(a.Role) {
		return deny("your role does not give access to risk assessments")
	}
	if mfaPending {
		return deny("sign in with your second factor to see risk assessments")
	}
	switch action {
	case AssessmentCreate, HotlineRecord:
		if own {
			return ownAgency
		}
		return deny("assessments are recorded only by the agency that holds the person's record")
	case HighRiskList:
		if a.Role == haven.RoleShelterStaff {
			return deny("the high-risk list is for officers, supervisors and advocates")
		}
		if own {
			return ownAgency
		}
		return deny("the high-risk list is seen only by its own agency")
	case AssessmentRead:
		if own {
			return ownAgency
		}
		for _, kind := range riskBases {
			for _, b := range t.Bases {
				if b.Kind != kind || !b.Valid(t.Now) {
					continue
				}
				// Break-glass covers everything; other grants must
				// cover risk assessments.
				if kind == BasisBreakGlass || b.Scopes == nil || contains(b.Scopes, ScopeRisk) {
					return Decision{Allow: true, Reason: string(kind), Basis: b}
				}
			}
		}
		return deny("no basis to see this person's risk assessments")
	}
	return deny("action not permitted")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
