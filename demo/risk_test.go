package demo_test

import (
	"regexp"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// checkRisk finds what the demo's risk steps leave: metro-pd's hotline and
// partner, the victim's two assessments (an older Danger Assessment, then
// a Lethality Screen that screened her in, with the hotline call), the
// high-risk flag, and the task in safe-harbor's queue.
func checkRisk(t *testing.T, db *store.DB) {
	t.Helper()
	sys := storetest.System()
	pd, err := db.AgencyBySlug(sys, demo.MarkerAgency)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := db.AgencyBySlug(sys, demo.PartnerAgency)
	if err != nil {
		t.Fatal(err)
	}
	if pd.HotlineName != demo.Hotline.Name || pd.HotlinePhone != demo.Hotline.Phone || pd.PartnerAgencyID != sh.ID {
		t.Errorf("metro-pd settings: hotline %q %q, partner %q (want %s)", pd.HotlineName, pd.HotlinePhone, pd.PartnerAgencyID, sh.ID)
	}

	officer, err := db.UserByUsername(sys, "officer")
	if err != nil {
		t.Fatal(err)
	}
	as := storetest.As(officer)
	if h, err := db.Hotline(as); err != nil || h.Name != demo.Hotline.Name || h.Phone != demo.Hotline.Phone {
		t.Errorf("officer's hotline = %+v, %v", h, err)
	}
	victim := demoVictim(t, db, pd)
	got, err := db.PersonAssessments(as, victim)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("victim has %d assessments, want 2", len(got))
	}
	lap, da := got[0], got[1] // newest first
	if lap.Result.Instrument != "lap" || lap.Result.Band != "screened-in" || !lap.Result.High || lap.IncidentID == "" {
		t.Errorf("newest assessment = %s %s high=%v incident %q", lap.Result.Instrument, lap.Result.Band, lap.Result.High, lap.IncidentID)
	}
	if lap.AssessedBy != officer.ID || lap.AssessedByName != officer.DisplayName {
		t.Errorf("LAP assessed by %q (%q), want the demo officer", lap.AssessedBy, lap.AssessedByName)
	}
	if lap.Hotline == nil || lap.Hotline.Outcome != haven.HotlineSpoke || lap.Hotline.HotlineName != demo.Hotline.Name {
		t.Errorf("LAP hotline call = %+v", lap.Hotline)
	}
	if da.Result.Instrument != "danger-assessment" || da.Result.High || !da.AssessedAt.Before(lap.AssessedAt) || da.IncidentID == "" || da.IncidentID == lap.IncidentID {
		t.Errorf("older assessment = %s %s high=%v at %v (LAP at %v), incident %q", da.Result.Instrument, da.Result.Band,
			da.Result.High, da.AssessedAt, lap.AssessedAt, da.IncidentID)
	}

	high, err := db.HighRisk(as)
	if err != nil || len(high) != 1 || high[0].PersonID != victim || high[0].AssessmentID != lap.ID {
		t.Errorf("high-risk list = %+v, %v", high, err)
	}

	adv, err := db.UserByUsername(sys, "advocate")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := db.RiskTasks(storetest.As(adv), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 {
		t.Fatalf("safe-harbor's queue has %d tasks, want 1", len(tasks))
	}
	if tk := tasks[0]; tk.AssessmentID != lap.ID || tk.FromAgencyID != pd.ID || tk.Status != haven.TaskOpen || tk.Hotline != haven.HotlineSpoke {
		t.Errorf("queue task = %+v", tk)
	}
}

// demoVictim is the id of metro-pd's record of the demo household's victim.
func demoVictim(t *testing.T, db *store.DB, pd *haven.Agency) string {
	t.Helper()
	ms, err := db.SearchPersons(inAgency("test", pd), haven.PersonQuery{Name: "Marisol Quillfeather", DateOfBirth: "1991-03-14"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Person.GivenName == "Marisol" && m.Person.FamilyName == "Quillfeather" {
			return m.Person.ID
		}
	}
	t.Fatal("demo victim not found")
	return ""
}

// A demo database loaded before the risk steps existed gets their data at
// the next start.
func TestDemoRiskAddedLater(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		all := demo.Steps
		demo.Steps = nil
		for _, st := range all {
			if st.Name != "risk settings" && st.Name != "assessments" {
				demo.Steps = append(demo.Steps, st)
			}
		}
		_, _, err := demo.Ensure(ctx, db, t.TempDir())
		demo.Steps = all
		if err != nil {
			t.Fatal(err)
		}
		if _, created, err := demo.Ensure(ctx, db, t.TempDir()); err != nil || !created {
			t.Fatalf("Ensure with the risk steps: created %v, %v", created, err)
		}
		checkRisk(t, db)
	})
}

// The demo sets metro-pd's settings once: what an administrator changes
// afterwards stays.
func TestDemoRiskSettingsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		if _, _, err := demo.Ensure(ctx, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		pd, err := db.AgencyBySlug(ctx, demo.MarkerAgency)
		if err != nil {
			t.Fatal(err)
		}
		none := ""
		if _, err := db.UpdateAgencySettings(ctx, pd.ID, haven.AgencySettings{PartnerSlug: &none}); err != nil {
			t.Fatal(err)
		}
		if _, created, err := demo.Ensure(ctx, db, t.TempDir()); err != nil || created {
			t.Fatalf("Ensure after the change: created %v, %v", created, err)
		}
		if pd, _ = db.AgencyBySlug(ctx, demo.MarkerAgency); pd.PartnerAgencyID != "" || pd.HotlineName != demo.Hotline.Name {
			t.Errorf("Ensure changed the settings back: partner %q, hotline %q", pd.PartnerAgencyID, pd.HotlineName)
		}
	})
}

// The hotline number is plainly fictional.
func TestHotlineIsFictional(t *testing.T) {
	if !regexp.MustCompile(`555[ -]?01\d\d$`).MatchString(demo.Hotline.Phone) {
		t.Errorf("demo hotline %s is not in 555-0100–0199", demo.Hotline.Phone)
	}
}
