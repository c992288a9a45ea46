package demo

import (
	"context"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestSeedBoundaries(t *testing.T) {
	if FindShared(DistrictsFile) == "" {
		t.Skipf("%s is not in the shared folder", DistrictsFile)
	}
	db := storetest.Open(t, "sqlite", storetest.Config())
	ctx := haven.NewContextWithActor(context.Background(), haven.SystemActor("demo"))
	pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	s := &Seed{DB: db, Agencies: map[string]*haven.Agency{"metro-pd": pd}}
	for range 2 {
		if err := seedBoundaries(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.CountBoundaries(ctx, pd.ID, "district"); err != nil || n != 25 {
		t.Fatalf("%d districts, %v", n, err)
	}
	if s.created != 1 {
		t.Errorf("created %d times", s.created)
	}
}
