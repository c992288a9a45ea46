package access

import (
	"testing"
	"time"

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

func TestDecidePerson(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const pd, sh = "agency-pd", "agency-sh"
	staff := func(role haven.Role, agency string) haven.Actor {
		return haven.Actor{UserID: "u-" + string(role), AgencyID: agency, Role: role, Via: "session", MFA: true, MFARequired: true}
	}
	officer := staff(haven.RoleOfficer, pd)
	advocate := staff(haven.RoleAdvocate, sh)
	noMFA := officer
	noMFA.MFA = false
	tokenNoMFA := noMFA
	tokenNoMFA.Via = "token"
	own := Target{AgencyID: pd, Now: now}
	foreign := func(b ...Basis) Target { return Target{AgencyID: pd, Bases: b, Now: now} }
	glass := Basis{Kind: BasisBreakGlass, ID: "bg1", ExpiresAt: now.Add(time.Hour)}
	oldGlass := Basis{Kind: BasisBreakGlass, ID: "bg0", ExpiresAt: now.Add(-time.Minute)}
	consent := Basis{Kind: BasisConsent, ID: "c1", Scopes: []string{"incident"}, ExpiresAt: now.Add(24 * time.Hour)}
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		action Action
		target Target
		allow  bool
		basis  BasisKind
	}{
		{"officer reads own agency's person", officer, PersonRead, own, true, BasisOwnAgency},
		{"officer creates in own agency", officer, PersonCreate, own, true, BasisOwnAgency},
		{"officer creates for another agency", officer, PersonCreate, Target{AgencyID: sh}, false, ""},
		{"supervisor updates own", staff(haven.RoleSupervisor, pd), PersonUpdate, own, true, BasisOwnAgency},
		{"shelter staff reads own", staff(haven.RoleShelterStaff, pd), PersonRead, own, true, BasisOwnAgency},
		{"analyst reads names", staff(haven.RoleAnalyst, pd), PersonRead, own, false, ""},
		{"trainer reads", staff(haven.RoleTrainer, pd), PersonRead, own, false, ""},
		{"agency admin reads case content", staff(haven.RoleAgencyAdmin, pd), PersonRead, own, false, ""},
		{"system admin reads case content", staff(haven.RoleSystemAdmin, pd), PersonRead, own, false, ""},
		{"cli reads as a system process", haven.SystemActor("cli"), PersonRead, own, true, BasisSystem},
		{"session without second factor", noMFA, PersonRead, own, false, ""},
		{"token without second factor", tokenNoMFA, PersonRead, own, true, BasisOwnAgency},
		{"other agency without basis", advocate, PersonRead, foreign(), false, ""},
		{"other agency with break-glass", advocate, PersonRead, foreign(glass), true, BasisBreakGlass},
		{"other agency with expired break-glass", advocate, PersonRead, foreign(oldGlass), false, ""},
		{"break-glass wins over consent", advocate, PersonRead, foreign(consent, glass), true, BasisBreakGlass},
		{"other agency with consent", advocate, PersonRead, foreign(consent), true, BasisConsent},
		{"other agency cannot update even with break-glass", advocate, PersonUpdate, foreign(glass), false, ""},
		{"officer opens break-glass", officer, BreakGlassOpen, Target{}, true, ""},
		{"analyst opens break-glass", staff(haven.RoleAnalyst, pd), BreakGlassOpen, Target{}, false, ""},
		{"supervisor reviews own agency's break-glass", staff(haven.RoleSupervisor, pd), BreakGlassReview, Target{AgencyID: pd}, true, ""},
		{"supervisor reviews another agency's break-glass", staff(haven.RoleSupervisor, sh), BreakGlassReview, Target{AgencyID: pd}, false, ""},
		{"officer reviews break-glass", officer, BreakGlassReview, Target{AgencyID: pd}, false, ""},
		{"agency admin views own agency audit", staff(haven.RoleAgencyAdmin, pd), AuditView, Target{AgencyID: pd}, true, ""},
		{"agency admin views another's audit", staff(haven.RoleAgencyAdmin, sh), AuditView, Target{AgencyID: pd}, false, ""},
		{"supervisor views audit", staff(haven.RoleSupervisor, pd), AuditView, Target{AgencyID: pd}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.actor, tc.action, tc.target)
			if d.Allow != tc.allow || d.Basis.Kind != tc.basis {
				t.Fatalf("Decide = %+v, want allow=%v basis=%q", d, tc.allow, tc.basis)
			}
			if d.Reason == "" {
				t.Fatal("no reason given")
			}
		})
	}
}

func TestDecideIncident(t *testing.T) {
	const pd, sh = "agency-pd", "agency-sh"
	staff := func(role haven.Role, agency, user string) haven.Actor {
		return haven.Actor{UserID: user, AgencyID: agency, Role: role, Via: "session", MFA: true, MFARequired: true}
	}
	officer := staff(haven.RoleOfficer, pd, "u-officer")
	colleague := staff(haven.RoleOfficer, pd, "u-colleague")
	supervisor := staff(haven.RoleSupervisor, pd, "u-sup")
	otherSup := staff(haven.RoleSupervisor, sh, "u-shsup")
	analyst := staff(haven.RoleAnalyst, pd, "u-analyst")
	advocate := staff(haven.RoleAdvocate, pd, "u-adv")
	shelter := staff(haven.RoleShelterStaff, pd, "u-shelter")
	admin := staff(haven.RoleAgencyAdmin, pd, "u-admin")
	sysadmin := staff(haven.RoleSystemAdmin, pd, "u-sys")
	trainer := staff(haven.RoleTrainer, pd, "u-trainer")
	noMFA := officer
	noMFA.MFA = false
	tokenNoMFA := noMFA
	tokenNoMFA.Via = "token"
	importer := haven.SystemActor("import")
	glass := Basis{Kind: BasisBreakGlass, ID: "bg1"}

	mine := Target{AgencyID: pd, UserID: "u-officer"} // written by the officer
	bySup := Target{AgencyID: pd, UserID: "u-sup"}    // written by the supervisor
	foreign := Target{AgencyID: sh, UserID: "u-x"}    // another agency's
	foreignGlass := Target{AgencyID: sh, Bases: []Basis{glass}}
	for _, tc := range []struct {
		name   string
		actor  haven.Actor
		action Action
		target Target
		allow  bool
		basis  BasisKind
	}{
		{"officer creates", officer, IncidentCreate, Target{AgencyID: pd}, true, BasisOwnAgency},
		{"officer creates for another agency", officer, IncidentCreate, Target{AgencyID: sh}, false, ""},
		{"officer reads own agency's report", colleague, IncidentRead, mine, true, BasisOwnAgency},
		{"officer updates colleague's draft", colleague, IncidentUpdate, mine, true, BasisOwnAgency},
		{"officer adds supplement", colleague, IncidentSupplement, mine, true, BasisOwnAgency},
		{"author submits", officer, IncidentSubmit, mine, true, BasisOwnAgency},
		{"colleague submits", colleague, IncidentSubmit, mine, false, ""},
		{"supervisor submits", supervisor, IncidentSubmit, mine, true, BasisOwnAgency},
		{"supervisor reviews", supervisor, IncidentReview, mine, true, BasisOwnAgency},
		{"supervisor reviews own report", supervisor, IncidentReview, bySup, false, ""},
		{"officer reviews", officer, IncidentReview, bySup, false, ""},
		{"supervisor closes", supervisor, IncidentClose, mine, true, BasisOwnAgency},
		{"officer closes", officer, IncidentClose, mine, false, ""},
		{"other agency's supervisor reads", otherSup, IncidentRead, mine, false, ""},
		{"other agency's supervisor reviews", otherSup, IncidentReview, mine, false, ""},
		{"officer reads another agency's report", officer, IncidentRead, foreign, false, ""},
		{"break-glass does not open reports", officer, IncidentRead, foreignGlass, false, ""},
		{"analyst exports own agency", analyst, IncidentExport, Target{AgencyID: pd}, true, BasisAggregate},
		{"analyst exports another agency", analyst, IncidentExport, Target{AgencyID: sh}, false, ""},
		{"analyst reads a report", analyst, IncidentRead, mine, false, ""},
		{"analyst creates", analyst, IncidentCreate, Target{AgencyID: pd}, false, ""},
		{"officer exports", officer, IncidentExport, Target{AgencyID: pd}, true, BasisOwnAgency},
		{"advocate reads", advocate, IncidentRead, mine, false, ""},
		{"shelter staff reads", shelter, IncidentRead, mine, false, ""},
		{"agency admin reads", admin, IncidentRead, mine, false, ""},
		{"system admin reads", sysadmin, IncidentRead, mine, false, ""},
		{"trainer exports", trainer, IncidentExport, Target{AgencyID: pd}, false, ""},
		{"session without second factor", noMFA, IncidentRead, mine, false, ""},
		{"token without second factor", tokenNoMFA, IncidentRead, mine, true, BasisOwnAgency},
		{"officer imports", officer, IncidentImport, Target{AgencyID: pd}, false, ""},
		{"supervisor imports", supervisor, IncidentImport, Target{AgencyID: pd}, false, ""},
		{"agency admin imports", admin, IncidentImport, Target{AgencyID: pd}, false, ""},
		{"importer imports", importer, IncidentImport, Target{AgencyID: pd}, true, BasisSystem},
		{"cli reads", haven.SystemActor("cli"), IncidentRead, mine, true, BasisSystem},
		{"anonymous reads", haven.Actor{}, IncidentRead, mine, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.actor, tc.action, tc.target)
			if d.Allow != tc.allow || d.Basis.Kind != tc.basis {
				t.Fatalf("Decide = %+v, want allow=%v basis=%q", d, tc.allow, tc.basis)
			}
			if d.Reason == "" {
				t.Fatal("no reason given")
			}
		})
	}
}
