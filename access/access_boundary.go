package access

import "github.com/haven-dv/haven"

// Boundary sets (district and beat outlines) for the analytics map. They
// are public geography, not personal data, but an agency's set is its own:
// its administrators (or the system administrator, or a system process
// such as the demo loader) replace it; the roles that use the agency's
// map — analysts, officers, supervisors, its administrator — read it.
const (
	BoundaryPut  Action = "boundary.put"  // replace a set; Target.AgencyID the agency
	BoundaryRead Action = "boundary.read" // read a set; Target.AgencyID the agency
)

// decideBoundary is the rule for boundary sets; ok is false for actions it
// does not know.
func decideBoundary(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	if action != BoundaryPut && action != BoundaryRead {
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	if action == BoundaryPut {
		switch {
		case a.Role == haven.RoleSystemAdmin:
			return allow("system administrator"), true
		case a.Role == haven.RoleAgencyAdmin && own:
			return allow("administrator of the agency"), true
		}
		return deny("only an administrator of the agency can change its boundaries"), true
	}
	switch a.Role {
	case haven.RoleAnalyst, haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAgencyAdmin:
		if own {
			return allow("own agency"), true
		}
	}
	return deny("your role does not use the agency's map"), true
}
