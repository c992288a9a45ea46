package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestAnalyticsRule(t *testing.T) {
	for _, c := range []struct {
		role   haven.Role
		agency string
		action Action
		want   bool
	}{
		{haven.RoleAnalyst, "a", AnalyticsView, true},
		{haven.RoleAnalyst, "a", AnalyticsPoints, true},
		{haven.RoleSupervisor, "a", AnalyticsView, true},
		{haven.RoleSupervisor, "a", AnalyticsPoints, true},
		{haven.RoleAgencyAdmin, "a", AnalyticsView, true},
		{haven.RoleAgencyAdmin, "a", AnalyticsPoints, true},
		{haven.RoleAnalyst, "b", AnalyticsView, false},
		{haven.RoleAnalyst, "b", AnalyticsPoints, false},
		{haven.RoleSupervisor, "b", AnalyticsView, false},
		{haven.RoleAgencyAdmin, "b", AnalyticsPoints, false},
		{haven.RoleAnalyst, "", AnalyticsView, false},
		{haven.RoleOfficer, "a", AnalyticsView, false},
		{haven.RoleOfficer, "a", AnalyticsPoints, false},
		{haven.RoleAdvocate, "a", AnalyticsView, false},
		{haven.RoleShelterStaff, "a", AnalyticsView, false},
		{haven.RoleTrainer, "a", AnalyticsView, false},
		{haven.RoleSystemAdmin, "a", AnalyticsView, false},
		{haven.RoleSystemAdmin, "a", AnalyticsPoints, false},
	} {
		a := haven.Actor{UserID: "u", AgencyID: "a", Role: c.role, Via: "session", MFARequired: true}
		d := Decide(a, c.action, Target{AgencyID: c.agency})
		if d.Allow != c.want {
			t.Errorf("%s %s on %q: %v (%s)", c.role, c.action, c.agency, d.Allow, d.Reason)
		}
		if d.Allow && d.Basis.Kind != BasisAggregate {
			t.Errorf("%s %s: basis %q, want aggregate", c.role, c.action, d.Basis.Kind)
		}
	}
	sys := haven.SystemActor("bench")
	if d := Decide(sys, AnalyticsView, Target{AgencyID: "a"}); !d.Allow || d.Basis.Kind != BasisSystem {
		t.Errorf("system process for an agency: %+v", d)
	}
	if d := Decide(sys, AnalyticsPoints, Target{}); d.Allow {
		t.Error("system process without an agency allowed")
	}
	if d := Decide(haven.Actor{}, AnalyticsView, Target{AgencyID: "a"}); d.Allow {
		t.Error("anonymous allowed")
	}
}
