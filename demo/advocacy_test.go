package demo_test

import (
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// The demo shows the interagency flow on first start: Marisol's consent to
// share with safe-harbor, and an urgent housing referral waiting there,
// whose person the advocate sees under the consent. A second run adds
// nothing.
func TestEnsureConsentAndReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sys := storetest.System()
		if _, _, err := demo.Ensure(sys, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		pd, err := db.AgencyBySlug(sys, demo.MarkerAgency)
		if err != nil {
			t.Fatal(err)
		}
		officer, err := db.UserByUsername(sys, demo.DemoOfficer)
		if err != nil {
			t.Fatal(err)
		}
		victim := demoVictim(t, db, pd)
		consents, err := db.PersonConsents(storetest.As(officer), victim)
		if err != nil {
			t.Fatal(err)
		}
		if len(consents) != 1 || consents[0].Status != "active" || len(consents[0].RecipientAgencies) != 1 ||
			consents[0].RecipientAgencies[0] != demo.PartnerAgency {
			t.Fatalf("consents = %+v", consents)
		}
		adv, err := db.UserByUsername(sys, "advocate")
		if err != nil {
			t.Fatal(err)
		}
		in, err := db.FindReferrals(storetest.As(adv), haven.ReferralFilter{Direction: "incoming"})
		if err != nil {
			t.Fatal(err)
		}
		if len(in) != 1 || in[0].ConsentID != consents[0].ID || in[0].Urgency != haven.UrgencyUrgent || in[0].PersonName != "Marisol Quillfeather" {
			t.Fatalf("safe-harbor's incoming referrals = %+v", in)
		}
		if _, created, err := demo.Ensure(sys, db, t.TempDir()); err != nil || created {
			t.Fatalf("a second run: created %v, %v", created, err)
		}
		if again, err := db.PersonConsents(storetest.As(officer), victim); err != nil || len(again) != 1 {
			t.Fatalf("after a second run: %d consents, %v", len(again), err)
		}
	})
}
