package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestDecideBoundary(t *testing.T) {
	own, other := "ag-1", "ag-2"
	actor := func(r haven.Role) haven.Actor { return haven.Actor{UserID: "u", AgencyID: own, Role: r, Via: "token"} }
	for _, c := range []struct {
		name   string
		a      haven.Actor
		action Action
		agency string
		allow  bool
	}{
		{"analyst reads own", actor(haven.RoleAnalyst), BoundaryRead, own, true},
		{"officer reads own", actor(haven.RoleOfficer), BoundaryRead, own, true},
		{"supervisor reads own", actor(haven.RoleSupervisor), BoundaryRead, own, true},
		{"admin reads own", actor(haven.RoleAgencyAdmin), BoundaryRead, own, true},
		{"analyst reads other", actor(haven.RoleAnalyst), BoundaryRead, other, false},
		{"advocate reads own", actor(haven.RoleAdvocate), BoundaryRead, own, false},
		{"trainer reads own", actor(haven.RoleTrainer), BoundaryRead, own, false},
		{"admin puts own", actor(haven.RoleAgencyAdmin), BoundaryPut, own, true},
		{"admin puts other", actor(haven.RoleAgencyAdmin), BoundaryPut, other, false},
		{"analyst puts own", actor(haven.RoleAnalyst), BoundaryPut, own, false},
		{"system admin puts any", actor(haven.RoleSystemAdmin), BoundaryPut, other, true},
		{"system process", haven.SystemActor("demo"), BoundaryPut, other, true},
		{"nobody", haven.Actor{}, BoundaryRead, own, false},
	} {
		if d := Decide(c.a, c.action, Target{AgencyID: c.agency}); d.Allow != c.allow {
			t.Errorf("%s: allow %v (%s), want %v", c.name, d.Allow, d.Reason, c.allow)
		}
	}
}
