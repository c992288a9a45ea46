package access

import "github.com/haven-dv/haven"

// Analytics (issue 8): dashboards of counts and the incident positions
// that hotspot and density grids are computed from. Both are aggregates of
// the actor's own agency: no names, addresses or person ids leave the store
// through them, so the basis is BasisAggregate and the second factor is not
// asked for (as for ScreeningView).
//
// Who:
//   - analysts, supervisors and agency administrators of the agency;
//   - system processes (benchmarks, scheduled exports), which name the
//     agency they act for.
//
// Refused: officers, advocates and shelter staff (they work case by case;
// command staff and analysts read the aggregates), trainers, and a system
// administrator signed in as a user: they administer the platform, not an
// agency's work, and Target.AgencyID is always the actor's own agency for
// users, which a system administrator does not operate. Another agency's
// figures are never shown to anyone but a system process.
const (
	AnalyticsView   Action = "analytics.view"   // dashboards; Target.AgencyID the agency counted
	AnalyticsPoints Action = "analytics.points" // incident positions for grids; Target.AgencyID the agency
)

// AnalyticsRole reports whether a role reads its agency's analytics.
func AnalyticsRole(r haven.Role) bool {
	switch r {
	case haven.RoleAnalyst, haven.RoleSupervisor, haven.RoleAgencyAdmin:
		return true
	}
	return false
}

// decideAnalytics is the rule for the analytics actions; ok is false for
// actions it does not know.
func decideAnalytics(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case AnalyticsView, AnalyticsPoints:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		if t.AgencyID == "" {
			return deny("a system process must name the agency whose figures it reads"), true
		}
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	if !AnalyticsRole(a.Role) {
		return deny("dashboards are for analysts, supervisors and agency administrators"), true
	}
	if t.AgencyID == "" || t.AgencyID != a.AgencyID {
		return deny("an agency's figures are seen only by that agency"), true
	}
	return Decision{Allow: true, Reason: "aggregate view of own agency", Basis: Basis{Kind: BasisAggregate}}, true
}
