package demo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

func TestDemoDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		if _, _, err := demo.Ensure(ctx, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		pub, _, err := db.PublicDirectory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Services) != 3 || len(pub.Organizations) != 2 {
			t.Errorf("%d services, %d organizations; want 3 and 2", len(pub.Services), len(pub.Organizations))
		}
		b, _ := json.Marshal(pub)
		for _, secret := range []string{"Lantern Row", "60699", "41.8902", "-87.6512"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the public directory shows the shelter's %q", secret)
			}
		}
		if !strings.Contains(string(b), "Metro City (confidential location)") {
			t.Error("no area label for the shelter")
		}
		if !strings.Contains(string(b), "50 Courthouse Plaza") {
			t.Error("the legal aid office's address is missing")
		}
		// Idempotent: a second run changes nothing.
		if _, created, err := demo.Ensure(ctx, db, t.TempDir()); err != nil || created {
			t.Errorf("second Ensure: created %v, err %v", created, err)
		}
	})
}
