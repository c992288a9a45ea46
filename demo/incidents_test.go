package demo_test

import (
	"context"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// The demo has reports to look at: one awaiting review, with the pair's
// earlier reports as its history, and a second load adds none.
func TestDemoIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, _, err := demo.Ensure(ctx, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		sup, err := db.UserByUsername(storetest.System(), "supervisor")
		if err != nil {
			t.Fatal(err)
		}
		as := storetest.As(sup)
		all, err := db.FindIncidents(as, haven.IncidentFilter{})
		if err != nil || len(all) != 3 {
			t.Fatalf("demo reports = %d, %v", len(all), err)
		}
		waiting, err := db.FindIncidents(as, haven.IncidentFilter{Status: haven.StatusSubmitted})
		if err != nil || len(waiting) != 1 {
			t.Fatalf("reports awaiting review = %d, %v", len(waiting), err)
		}
		in, err := db.Incident(as, waiting[0].ID)
		if err != nil || in.Strangulation == nil || !in.Strangulation.Occurred || len(in.Parties) != 3 {
			t.Fatalf("report awaiting review = %+v, %v", in, err)
		}
		var victim, suspect string
		for _, p := range in.Parties {
			switch p.Role {
			case haven.PartyVictim:
				victim = p.PersonID
			case haven.PartySuspect:
				suspect = p.PersonID
			}
		}
		prior, err := db.PriorIncidents(as, victim, suspect)
		if err != nil || len(prior) != 3 {
			t.Fatalf("the pair's reports = %d, %v", len(prior), err)
		}
		if _, created, err := demo.Ensure(ctx, db, t.TempDir()); err != nil || created {
			t.Fatalf("second load: created=%v, %v", created, err)
		}
		if again, _ := db.FindIncidents(as, haven.IncidentFilter{}); len(again) != 3 {
			t.Fatalf("second load changed the reports: %d", len(again))
		}
	})
}
