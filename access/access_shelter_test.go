package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestShelterRule(t *testing.T) {
	for _, c := range []struct {
		role   haven.Role
		agency string
		action Action
		want   bool
	}{
		{haven.RoleShelterStaff, "a", ShelterUpdate, true},
		{haven.RoleSupervisor, "a", ShelterUpdate, true},
		{haven.RoleShelterStaff, "b", ShelterUpdate, false},
		{haven.RoleAdvocate, "a", ShelterUpdate, false},
		{haven.RoleAgencyAdmin, "a", ShelterUpdate, false},
		{haven.RoleOfficer, "b", ShelterRead, true},
		{haven.RoleAdvocate, "b", ServiceSearch, true},
		{haven.RoleAnalyst, "a", ShelterRead, false},
		{haven.RoleTrainer, "a", ServiceSearch, false},
		{haven.RoleSystemAdmin, "a", ShelterRead, false},
	} {
		a := haven.Actor{UserID: "u", AgencyID: "a", Role: c.role, Via: "token"}
		if d := Decide(a, c.action, Target{AgencyID: c.agency}); d.Allow != c.want {
			t.Errorf("%s %s on %s: %v (%s)", c.role, c.action, c.agency, d.Allow, d.Reason)
		}
	}
	if d := Decide(haven.Actor{}, ShelterRead, Target{AgencyID: "a"}); d.Allow {
		t.Error("anonymous reads")
	}
}
