package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
		// Demo mode: the printed passwords alone sign in.
		for _, a := range all {
			if a.RequireMFA {
				t.Errorf("demo agency %s requires a second factor", a.Slug)
			}
		}
		checkPersons(t, db)
		checkRisk(t, db)

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

		// Again: nothing new, the same credentials, not even an audit
		// entry.
		seq, _, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
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
		if again, _, _ := db.AuditHead(ctx); again != seq {
			t.Errorf("second Ensure appended %d audit entries", again-seq)
		}
		checkPersons(t, db)
		checkRisk(t, db) // nothing recorded twice
		if n, err := db.VerifyAudit(ctx, nil); err != nil || n == 0 {
			t.Errorf("audit log after the demo: %d entries, %v", n, err)
		}
	})
}

// inAgency acts as the named system actor working in agency a.
func inAgency(name string, a *haven.Agency) context.Context {
	actor := haven.SystemActor(name)
	actor.AgencyID, actor.AgencySlug = a.ID, a.Slug
	return haven.NewContextWithActor(context.Background(), actor)
}

// checkPersons finds every demo person exactly once in its agency, with
// what the spec gave it.
func checkPersons(t *testing.T, db *store.DB) {
	t.Helper()
	perAgency := map[string]int{}
	confidential, safeContact := 0, 0
	for _, spec := range demo.Persons {
		perAgency[spec.Agency]++
		a, err := db.AgencyBySlug(storetest.System(), spec.Agency)
		if err != nil {
			t.Fatal(err)
		}
		want := spec.Person
		matches, err := db.SearchPersons(inAgency("test", a), haven.PersonQuery{Name: want.GivenName + " " + want.FamilyName, DateOfBirth: want.DateOfBirth})
		if err != nil {
			t.Fatal(err)
		}
		var found []*haven.Person
		for _, m := range matches {
			if p := m.Person; p.GivenName == want.GivenName && p.FamilyName == want.FamilyName && p.DateOfBirth == want.DateOfBirth {
				found = append(found, p)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s %s in %s found %d times", want.GivenName, want.FamilyName, spec.Agency, len(found))
			continue
		}
		p := found[0]
		if p.AgencyID != a.ID || len(p.Phones) != len(want.Phones) || len(p.Addresses) != len(want.Addresses) ||
			(want.SafeContact == nil) != (p.SafeContact == nil) {
			t.Errorf("%s %s in %s stored as %+v", want.GivenName, want.FamilyName, spec.Agency, p)
		}
		for _, ad := range p.Addresses {
			if ad.Confidential {
				confidential++
			}
		}
		if p.SafeContact != nil && (p.SafeContact.NoVoicemail || p.SafeContact.SafeTimes != "") {
			safeContact++
		}
	}
	if perAgency["metro-pd"] < 6 || perAgency["metro-pd"] > 8 || perAgency["safe-harbor"] < 2 || perAgency["safe-harbor"] > 3 {
		t.Errorf("demo persons by agency: %v", perAgency)
	}
	if confidential == 0 || safeContact == 0 {
		t.Errorf("%d confidential addresses, %d safe-contact preferences; want some of each", confidential, safeContact)
	}
}

// The demo persons are plainly fictional: phone numbers in the range
// reserved for fiction, e-mail at reserved domains.
func TestPersonsAreFictional(t *testing.T) {
	phoneRE := regexp.MustCompile(`^\d{3}-555-01\d\d$`)
	emailRE := regexp.MustCompile(`@example\.(org|net|com)$`)
	for _, spec := range demo.Persons {
		p := spec.Person
		for _, ph := range p.Phones {
			if !phoneRE.MatchString(ph.Number) {
				t.Errorf("%s %s: phone %s is not in 555-0100–0199", p.GivenName, p.FamilyName, ph.Number)
			}
		}
		if sc := p.SafeContact; sc != nil && sc.SafePhone != "" && !phoneRE.MatchString(sc.SafePhone) {
			t.Errorf("%s %s: safe phone %s is not in 555-0100–0199", p.GivenName, p.FamilyName, sc.SafePhone)
		}
		for _, e := range p.Emails {
			if !emailRE.MatchString(e) {
				t.Errorf("%s %s: e-mail %s is not at a reserved domain", p.GivenName, p.FamilyName, e)
			}
		}
	}
}

// A load interrupted in the persons step (some persons exist, made by the
// demo loader or by anyone else) is completed without duplicates.
func TestEnsureCompletesPartialPersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := storetest.MustAgency(t, db, demo.MarkerAgency, haven.KindPolice)
		var first, other *demo.PersonSpec
		for i := range demo.Persons {
			if demo.Persons[i].Agency != demo.MarkerAgency {
				continue
			}
			if first == nil {
				first = &demo.Persons[i]
			} else if other == nil {
				other = &demo.Persons[i]
			}
		}
		for _, c := range []struct {
			actor string
			spec  *demo.PersonSpec
		}{{"demo", first}, {"someone-else", other}} {
			p := c.spec.Person
			p.AgencyID = a.ID
			p.Phones, p.Addresses, p.SafeContact = nil, nil, nil // the copy must not share the spec's slices
			if _, err := db.CreatePerson(inAgency(c.actor, a), &p); err != nil {
				t.Fatal(err)
			}
		}
		_, created, err := demo.Ensure(storetest.System(), db, t.TempDir())
		if err != nil || !created {
			t.Fatalf("Ensure: created %v, %v", created, err)
		}
		// checkPersons wants the specs' contact details; the two made here
		// have none, so count them by name only.
		for _, spec := range []*demo.PersonSpec{first, other} {
			matches, err := db.SearchPersons(inAgency("test", a), haven.PersonQuery{Name: spec.Person.GivenName + " " + spec.Person.FamilyName, DateOfBirth: spec.Person.DateOfBirth})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range matches {
				if m.Person.GivenName == spec.Person.GivenName && m.Person.FamilyName == spec.Person.FamilyName {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s %s: %d records after completing the load", spec.Person.GivenName, spec.Person.FamilyName, n)
			}
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
