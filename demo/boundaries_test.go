package demo

import (
	"context"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

func TestSeedBoundaries(t *testing.T) {
	t.Chdir("..") // the project's root, where ../shared is looked for
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
	// 25 features, district 31 (the airport) in three parts: 23 districts.
	if n, err := db.CountBoundaries(ctx, pd.ID, "district"); err != nil || n != 23 {
		t.Fatalf("%d districts, %v", n, err)
	}
	if s.created != 1 {
		t.Errorf("created %d times", s.created)
	}
}
