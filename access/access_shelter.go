package access

import "github.com/haven-dv/haven"

// Shelter availability (issue 7 item 4). Counts of beds are not personal
// data: every signed-in role that works with people (officers, supervisors,
// advocates, shelter staff) reads them, for any agency's shelter, and
// searches the directory with them. Only the owning agency's shelter staff
// and supervisors change them. Where a confidential shelter is never
// leaves the store through these reads (the store returns its area label).
const (
	ShelterRead   Action = "shelter.read"   // read a location's counts; Target.AgencyID the owning agency
	ShelterUpdate Action = "shelter.update" // record new counts; Target.AgencyID the owning agency
	ServiceSearch Action = "service.search" // search the directory with counts; Target.AgencyID the actor's
)

// decideShelter is the rule for the shelter actions; ok is false for
// actions it does not know.
func decideShelter(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case ShelterRead, ShelterUpdate, ServiceSearch:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	switch action {
	case ShelterUpdate:
		if a.Role != haven.RoleShelterStaff && a.Role != haven.RoleSupervisor {
			return deny("only shelter staff and supervisors update availability"), true
		}
		if !own {
			return deny("availability is updated only by the shelter's own agency"), true
		}
		return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}, true
	default:
		if !PersonDataRole(a.Role) {
			return deny("shelter availability is for staff who work with people"), true
		}
		if own {
			return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}, true
		}
		return allow("availability counts are shared with staff who work with people"), true
	}
}
