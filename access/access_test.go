package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestDecide(t *testing.T) {
	const pd, sh = "agency-pd", "agency-sh"
	actor := func(role haven.Role, agency, user string) haven.Actor {
		return haven.Actor{UserID: user, AgencyID: agency, Role: role, Via: "session"}
	}
	var (
		anon       = haven.Actor{}
		sysadmin   = actor(haven.RoleSystemAdmin, pd, "u-sys")
		pdAdmin    = actor(haven.RoleAgencyAdmin, pd, "u-pdadmin")
		officer    = actor(haven.RoleOfficer, pd, "u-officer")
		supervisor = actor(haven.RoleSupervisor, pd, "u-sup")
		shelter    = actor(haven.RoleShelterStaff, sh, "u-shelter")
		cli        = haven.SystemActor("cli")
	)
	pdUser := Target{AgencyID: pd, UserID: "u-other", Role: haven.RoleOfficer}
	shUser := Target{AgencyID: sh, UserID: "u-shelter", Role: haven.RoleShelterStaff}
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		action Action
		target Target
		allow  bool
	}{
		{"anonymous lists agencies", anon, ListAgencies, Target{}, false},
		{"officer lists agencies", officer, ListAgencies, Target{}, true},
		{"officer creates agency", officer, CreateAgency, Target{}, false},
		{"agency admin creates agency", pdAdmin, CreateAgency, Target{}, false},
		{"system admin creates agency", sysadmin, CreateAgency, Target{}, true},
		{"cli creates agency", cli, CreateAgency, Target{}, true},
		{"agency admin creates user in own agency", pdAdmin, CreateUser, pdUser, true},
		{"agency admin creates user elsewhere", pdAdmin, CreateUser, shUser, false},
		{"agency admin creates system admin", pdAdmin, CreateUser, Target{AgencyID: pd, Role: haven.RoleSystemAdmin}, false},
		{"supervisor creates user", supervisor, CreateUser, pdUser, false},
		{"officer creates user", officer, CreateUser, pdUser, false},
		{"supervisor reads own agency's user", supervisor, ReadUser, pdUser, true},
		{"supervisor reads other agency's user", supervisor, ReadUser, shUser, false},
		{"officer reads colleague", officer, ReadUser, pdUser, false},
		{"officer reads self", officer, ReadUser, Target{AgencyID: pd, UserID: "u-officer"}, true},
		{"shelter lists own agency users", shelter, ListUsers, Target{AgencyID: sh}, false},
		{"agency admin disables colleague", pdAdmin, DisableUser, pdUser, true},
		{"agency admin disables self", pdAdmin, DisableUser, Target{AgencyID: pd, UserID: "u-pdadmin", Role: haven.RoleAgencyAdmin}, false},
		{"agency admin resets a system admin", pdAdmin, ResetPassword, Target{AgencyID: pd, UserID: "u-sys", Role: haven.RoleSystemAdmin}, false},
		{"system admin resets anyone", sysadmin, ResetPassword, shUser, true},
		{"officer creates own token", officer, CreateToken, Target{AgencyID: pd, UserID: "u-officer"}, true},
		{"officer creates colleague's token", officer, CreateToken, pdUser, false},
		{"agency admin revokes colleague's token", pdAdmin, RevokeToken, pdUser, true},
		{"agency admin revokes other agency's token", pdAdmin, RevokeToken, shUser, false},
		{"unknown action", sysadmin, Action("person.read"), Target{AgencyID: pd}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.actor, tc.action, tc.target)
			if d.Allow != tc.allow {
				t.Fatalf("Decide = %+v, want allow=%v", d, tc.allow)
			}
			if d.Reason == "" {
				t.Fatal("a decision must give its reason")
			}
			err := Require(tc.actor, tc.action, tc.target)
			if (err == nil) != tc.allow {
				t.Fatalf("Require = %v, want allow=%v", err, tc.allow)
			}
			if !tc.allow && !tc.actor.Authenticated() && haven.ErrorCode(err) != haven.EUNAUTHORIZED {
				t.Fatalf("anonymous denial = %v, want unauthorized", err)
			}
			if !tc.allow && tc.actor.Authenticated() && haven.ErrorCode(err) != haven.EFORBIDDEN {
				t.Fatalf("denial = %v, want forbidden", err)
			}
		})
	}
}
