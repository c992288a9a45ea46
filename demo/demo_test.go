package demo_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

func TestEnsure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		dir := t.TempDir()
		creds, created, err := demo.Ensure(ctx, db, dir)
		if err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		if !created {
			t.Error("first Ensure: created = false")
		}

		agencies := []struct {
			slug, name string
			kind       haven.AgencyKind
		}{
			{"metro-pd", "Metro City Police Department", haven.KindPolice},
			{"safe-harbor", "Safe Harbor Advocacy Center", haven.KindAdvocacy},
			{"harbor-house", "Harbor House Shelter", haven.KindShelter},
			{"county-legal", "County Legal Aid", haven.KindLegalAid},
			{"county-health", "Metro County Health Services", haven.KindHealth},
			{"haven-ops", "Haven Operations (Coordinated Community Response)", haven.KindCommunity},
		}
		for _, tt := range agencies {
			a, err := db.AgencyBySlug(ctx, tt.slug)
			if err != nil {
				t.Errorf("agency %s: %v", tt.slug, err)
				continue
			}
			if a.Name != tt.name || a.Kind != tt.kind || a.TimeZone != "America/Chicago" {
				t.Errorf("agency %s = %q %s %s", tt.slug, a.Name, a.Kind, a.TimeZone)
			}
		}
		all, _ := db.FindAgencies(ctx)
		if len(all) != len(agencies) {
			t.Errorf("%d agencies, want %d", len(all), len(agencies))
		}

		users := []struct {
			username string
			role     haven.Role
			agency   string
		}{
			{"officer", haven.RoleOfficer, "metro-pd"},
			{"supervisor", haven.RoleSupervisor, "metro-pd"},
			{"analyst", haven.RoleAnalyst, "metro-pd"},
			{"advocate", haven.RoleAdvocate, "safe-harbor"},
			{"shelter", haven.RoleShelterStaff, "harbor-house"},
			{"legal-admin", haven.RoleAgencyAdmin, "county-legal"},
			{"admin", haven.RoleSystemAdmin, "haven-ops"},
		}
		if len(creds) != len(users) {
			t.Fatalf("%d credentials, want %d", len(creds), len(users))
		}
		byName := map[string]demo.Credential{}
		for _, c := range creds {
			byName[c.Username] = c
		}
		for _, tt := range users {
			u, err := db.UserByUsername(ctx, tt.username)
			if err != nil {
				t.Errorf("user %s: %v", tt.username, err)
				continue
			}
			if u.Role != tt.role || u.Agency.Slug != tt.agency || u.Disabled || u.MustChangePassword {
				t.Errorf("user %s = role %s agency %s disabled %v must-change %v",
					tt.username, u.Role, u.Agency.Slug, u.Disabled, u.MustChangePassword)
			}
			if u.DisplayName == "" || u.DisplayName == u.Username {
				t.Errorf("user %s has no display name", tt.username)
			}
			c, ok := byName[tt.username]
			if !ok {
				t.Errorf("no credential for %s", tt.username)
				continue
			}
			if c.Role != tt.role || c.Agency != tt.agency {
				t.Errorf("credential %s = %s %s", tt.username, c.Role, c.Agency)
			}
			// The printed password must really sign in.
			if _, _, err := db.Login(ctx, c.Username, c.Password, "192.0.2.1"); err != nil {
				t.Errorf("login %s: %v", c.Username, err)
			}
		}

		fi, err := os.Stat(filepath.Join(dir, demo.CredentialsFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
		}

		// Again: nothing new, the same credentials.
		again, created, err := demo.Ensure(ctx, db, dir)
		if err != nil {
			t.Fatalf("second Ensure: %v", err)
		}
		if created {
			t.Error("second Ensure: created = true")
		}
		if len(again) != len(creds) {
			t.Errorf("second Ensure: %d credentials, want %d", len(again), len(creds))
		}
		for i := range again {
			if again[i] != creds[i] {
				t.Errorf("credential %d changed: %v → %v", i, creds[i].Username, again[i].Username)
			}
		}
		if all, _ := db.FindAgencies(ctx); len(all) != len(agencies) {
			t.Errorf("after second Ensure: %d agencies", len(all))
		}
	})
}

// An interrupted first load (the marker agency exists, the rest does not)
// is completed by the next Ensure.
func TestEnsureCompletesPartialLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.MustAgency(t, db, demo.MarkerAgency, haven.KindPolice)
		dir := t.TempDir()
		creds, created, err := demo.Ensure(storetest.System(), db, dir)
		if err != nil {
			t.Fatal(err)
		}
		if !created || len(creds) != len(demo.Users) {
			t.Errorf("created %v, %d credentials; want true, %d", created, len(creds), len(demo.Users))
		}
	})
}

func TestEnsureRefusesRealDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.MustAgency(t, db, "real-pd", haven.KindPolice)
		dir := t.TempDir()
		_, created, err := demo.Ensure(storetest.System(), db, dir)
		if haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("err = %v, want conflict", err)
		}
		if created {
			t.Error("created = true")
		}
		if _, err := os.Stat(filepath.Join(dir, demo.CredentialsFile)); !os.IsNotExist(err) {
			t.Errorf("credentials file written: %v", err)
		}
	})
}

// The demo data in a shared database may have been loaded from another
// machine; without the credentials file Ensure still succeeds.
func TestEnsureWithoutCredentialsFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		if _, _, err := demo.Ensure(ctx, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		creds, created, err := demo.Ensure(ctx, db, t.TempDir())
		if err != nil || created || len(creds) != 0 {
			t.Errorf("Ensure elsewhere = %d creds, created %v, %v", len(creds), created, err)
		}
	})
}

func TestReadCredentialsMalformed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, demo.CredentialsFile), []byte("officer only-two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.ReadCredentials(dir); err == nil {
		t.Error("malformed file read without error")
	}
}
