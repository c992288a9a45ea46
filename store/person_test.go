package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// world is two agencies with staff, for the cross-agency tests.
type world struct {
	db                              *store.DB
	pd, sh                          *haven.Agency
	officer, supervisor, analyst    *haven.User
	advocate, shSupervisor, pdAdmin *haven.User
}

func newWorld(t *testing.T, db *store.DB) *world {
	w := &world{db: db}
	w.pd = storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	w.sh = storetest.MustAgency(t, db, "safe-harbor", haven.KindAdvocacy)
	w.officer = storetest.MustUser(t, db, w.pd, "officer", haven.RoleOfficer)
	w.supervisor = storetest.MustUser(t, db, w.pd, "supervisor", haven.RoleSupervisor)
	w.analyst = storetest.MustUser(t, db, w.pd, "analyst", haven.RoleAnalyst)
	w.pdAdmin = storetest.MustUser(t, db, w.pd, "pd-admin", haven.RoleAgencyAdmin)
	w.advocate = storetest.MustUser(t, db, w.sh, "advocate", haven.RoleAdvocate)
	w.shSupervisor = storetest.MustUser(t, db, w.sh, "sh-supervisor", haven.RoleSupervisor)
	return w
}

func victim() *haven.Person {
	return &haven.Person{GivenName: "José", FamilyName: "García", Aliases: []string{"Pepe"}, DateOfBirth: "1990-01-02",
		Sex: "male", Languages: []string{"es"}, Phones: []haven.Phone{{Number: "(312) 555-0147", Kind: "mobile"}},
		Emails:      []string{"pepe@example.org"},
		Addresses:   []haven.Address{{Line1: "1 Hidden Way", City: "Metro City", Confidential: true}, {Line1: "9 Work St", City: "Metro City", Kind: "work"}},
		SafeContact: &haven.SafeContact{SafePhone: "555-0199", NoVoicemail: true}}
}

func mustCreate(t *testing.T, db *store.DB, u *haven.User, p *haven.Person) *haven.Person {
	t.Helper()
	if _, err := db.CreatePerson(storetest.As(u), p); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

// auditOf lists the log as the system sees it, oldest first.
func auditOf(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	es, err := db.FindAudit(storetest.System(), audit.Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func TestPersonCrossAgencyAndBreakGlass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		p := mustCreate(t, db, w.officer, victim())

		// The owner sees everything, on the own-agency basis.
		got, err := db.Person(storetest.As(w.supervisor), p.ID)
		if err != nil || got.GivenName != "José" || len(got.Addresses) != 2 || got.Access.Basis != "own_agency" {
			t.Fatalf("owner read = %+v, %v", got, err)
		}
		// Another agency gets exactly what a missing record gets.
		_, errForeign := db.Person(storetest.As(w.advocate), p.ID)
		_, errMissing := db.Person(storetest.As(w.advocate), "01900000-0000-7000-8000-000000000000")
		if haven.ErrorCode(errForeign) != haven.ENOTFOUND || errForeign.Error() != errMissing.Error() {
			t.Fatalf("foreign = %v, missing = %v: must be identical not-found errors", errForeign, errMissing)
		}
		// Roles without person access are refused the same way.
		for _, u := range []*haven.User{w.analyst, w.pdAdmin} {
			if _, err := db.Person(storetest.As(u), p.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Fatalf("%s read = %v", u.Username, err)
			}
		}
		// Both refusals are in the log.
		var denied int
		for _, e := range auditOf(t, db) {
			if e.Action == "person.read" && e.Outcome == audit.Denied && e.ActorUserID == w.advocate.ID {
				denied++
			}
		}
		if denied != 2 {
			t.Fatalf("%d denied reads logged for the advocate, want 2", denied)
		}

		// Break-glass needs a real reason.
		if _, err := db.OpenBreakGlass(storetest.As(w.advocate), "person", p.ID, "need it"); haven.ErrorField(err) != "reason" {
			t.Fatalf("short reason: %v", err)
		}
		if _, err := db.OpenBreakGlass(storetest.As(w.analyst), "person", p.ID, "an emergency at the hospital right now"); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("analyst break-glass: %v", err)
		}
		bg, err := db.OpenBreakGlass(storetest.As(w.advocate), "person", p.ID, "Survivor at the ER, needs shelter tonight")
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.Person(storetest.As(w.advocate), p.ID)
		if err != nil || got.Access.Basis != "break_glass" || got.Access.BasisID != bg.ID || got.Access.ExpiresAt == nil {
			t.Fatalf("break-glass read = %+v, %v", got, err)
		}
		// The confidential address never leaves the owning agency.
		if len(got.Addresses) != 1 || got.Addresses[0].Confidential || !strings.Contains(strings.Join(got.Access.Withheld, ","), "confidential") {
			t.Fatalf("confidential address leaked: %+v / %v", got.Addresses, got.Access.Withheld)
		}
		// Break-glass reads, they do not write.
		g := "Changed"
		if _, err := db.UpdatePerson(storetest.As(w.advocate), p.ID, haven.PersonPatch{GivenName: &g}); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("break-glass update = %v", err)
		}
		// It is highlighted in the log, with the reason.
		var opened, read bool
		for _, e := range auditOf(t, db) {
			opened = opened || (e.Action == "breakglass.open" && e.Reason != "" && e.Basis == "break_glass:"+bg.ID)
			read = read || (e.Action == "person.read" && e.Outcome == audit.Allowed && e.Basis == "break_glass:"+bg.ID && e.Details["break_glass"] == "true")
		}
		if !opened || !read {
			t.Fatalf("break-glass not highlighted in the log: opened=%v read=%v", opened, read)
		}

		// The advocate's supervisor reviews it; the police supervisor cannot.
		if _, err := db.PendingBreakGlass(storetest.As(w.advocate)); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("advocate lists reviews: %v", err)
		}
		pending, err := db.PendingBreakGlass(storetest.As(w.shSupervisor))
		if err != nil || len(pending) != 1 || pending[0].ID != bg.ID || pending[0].Username != "advocate" {
			t.Fatalf("pending = %+v, %v", pending, err)
		}
		if err := db.ReviewBreakGlass(storetest.As(w.supervisor), bg.ID, "not mine"); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("other agency's supervisor reviewed: %v", err)
		}
		if err := db.ReviewBreakGlass(storetest.As(w.shSupervisor), bg.ID, "Checked with the advocate; justified."); err != nil {
			t.Fatal(err)
		}
		if pending, _ := db.PendingBreakGlass(storetest.As(w.shSupervisor)); len(pending) != 0 {
			t.Fatalf("still pending after review: %d", len(pending))
		}
		if err := db.ReviewBreakGlass(storetest.As(w.shSupervisor), bg.ID, "again"); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("second review: %v", err)
		}
	})
}

func TestBreakGlassExpires(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newWorld(t, db)
		p := mustCreate(t, db, w.officer, victim())
		if _, err := db.OpenBreakGlass(storetest.As(w.advocate), "person", p.ID, "Survivor at the ER, needs shelter tonight"); err != nil {
			t.Fatal(err)
		}
		c.Add(59 * time.Minute)
		if _, err := db.Person(storetest.As(w.advocate), p.ID); err != nil {
			t.Fatalf("within the hour: %v", err)
		}
		c.Add(2 * time.Minute)
		if _, err := db.Person(storetest.As(w.advocate), p.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("after the hour: %v", err)
		}
	})
}

func TestPersonSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		jose := mustCreate(t, db, w.officer, victim())
		joseph := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Joseph", FamilyName: "Garcia", DateOfBirth: "1985-06-30"})
		smith := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Maria", FamilyName: "Smith"})
		mustCreate(t, db, w.advocate, &haven.Person{GivenName: "José", FamilyName: "García", DateOfBirth: "1990-01-02"})

		ids := func(ms []haven.PersonMatch) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.Person.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name, query, dob string
			want             []string // in order, for the leading results
			match            string   // match kind of the first
		}{
			{"exact regardless of case and accents", "JOSE garcia", "", []string{jose.ID}, "exact"},
			{"alias", "pepe", "", []string{jose.ID}, "exact"},
			{"sounds like", "Smyth", "", []string{smith.ID}, "sounds_like"},
			{"date of birth narrows", "garcia", "1985-06-30", []string{joseph.ID}, "exact"},
			{"date of birth alone", "", "1990-01-02", []string{jose.ID}, "exact"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ms, err := db.SearchPersons(storetest.As(w.officer), haven.PersonQuery{Name: tc.query, DateOfBirth: tc.dob})
				if err != nil {
					t.Fatal(err)
				}
				got := ids(ms)
				if len(got) < len(tc.want) || strings.Join(got[:len(tc.want)], ",") != strings.Join(tc.want, ",") {
					t.Fatalf("got %v, want leading %v", got, tc.want)
				}
				if ms[0].Match != tc.match {
					t.Fatalf("match = %s, want %s", ms[0].Match, tc.match)
				}
				if tc.dob != "" && len(got) != 1 {
					t.Fatalf("date of birth did not narrow: %v", got)
				}
				for _, m := range ms {
					if m.Person.AgencyID != w.pd.ID {
						t.Fatal("search returned another agency's person")
					}
				}
			})
		}
		// Garcia finds both Garcías of the agency, the exact spelling first.
		ms, _ := db.SearchPersons(storetest.As(w.officer), haven.PersonQuery{Name: "José García"})
		if len(ms) < 2 || ms[0].Person.ID != jose.ID {
			t.Fatalf("ranking: %v", ids(ms))
		}
		// Duplicates are offered when creating.
		dups, err := db.CreatePerson(storetest.As(w.officer), &haven.Person{GivenName: "Jose", FamilyName: "Garcia", DateOfBirth: "1990-01-02"})
		if err != nil || len(dups) == 0 || dups[0].Person.ID != jose.ID {
			t.Fatalf("duplicates = %v, %v", dups, err)
		}
		// Search logs the kind of terms and the results, never the terms.
		for _, e := range auditOf(t, db) {
			for _, v := range e.Details {
				if strings.Contains(strings.ToLower(v), "smyth") || strings.Contains(strings.ToLower(v), "garcia") {
					t.Fatalf("a search term is in the log: %+v", e)
				}
			}
		}
		if _, err := db.SearchPersons(storetest.As(w.analyst), haven.PersonQuery{Name: "garcia"}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("analyst search: %v", err)
		}
		if _, err := db.SearchPersons(storetest.As(w.officer), haven.PersonQuery{}); haven.ErrorField(err) != "name" {
			t.Fatalf("empty search: %v", err)
		}
	})
}

func TestPersonValidationAndUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tc := range []struct {
			name  string
			p     haven.Person
			field string
		}{
			{"no name", haven.Person{}, "given_name"},
			{"bad date", haven.Person{GivenName: "A", DateOfBirth: "02/01/1990"}, "date_of_birth"},
			{"future date", haven.Person{GivenName: "A", DateOfBirth: "2999-01-01"}, "date_of_birth"},
			{"bad sex", haven.Person{GivenName: "A", Sex: "robot"}, "sex"},
			{"bad phone", haven.Person{GivenName: "A", Phones: []haven.Phone{{Number: "555-0100"}, {Number: "call me"}}}, "phones[1].number"},
			{"bad email", haven.Person{GivenName: "A", Emails: []string{"not-an-address"}}, "emails[0]"},
			{"empty address", haven.Person{GivenName: "A", Addresses: []haven.Address{{Region: "IL"}}}, "addresses[0].line1"},
			{"not text", haven.Person{GivenName: "A\x00B"}, "given_name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := tc.p
				_, err := db.CreatePerson(storetest.As(w.officer), &p)
				if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != tc.field {
					t.Fatalf("err = %v (field %q), want invalid %s", err, haven.ErrorField(err), tc.field)
				}
			})
		}
		p := mustCreate(t, db, w.officer, victim())
		name, v := "Josefina", 1
		up, err := db.UpdatePerson(storetest.As(w.supervisor), p.ID, haven.PersonPatch{GivenName: &name, Version: &v})
		if err != nil || up.Version != 2 || up.GivenName != "Josefina" || up.FamilyName != "García" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		if _, err := db.UpdatePerson(storetest.As(w.officer), p.ID, haven.PersonPatch{GivenName: &name, Version: &v}); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		bad := "1990-13-45"
		if _, err := db.UpdatePerson(storetest.As(w.officer), p.ID, haven.PersonPatch{DateOfBirth: &bad}); haven.ErrorField(err) != "date_of_birth" {
			t.Fatalf("bad patch: %v", err)
		}
		// The index follows the change; the failed patch changed nothing.
		if ms, _ := db.SearchPersons(storetest.As(w.officer), haven.PersonQuery{Name: "Josefina García"}); len(ms) == 0 || ms[0].Person.ID != p.ID || ms[0].Person.DateOfBirth != "1990-01-02" {
			t.Fatalf("search after update: %+v", ms)
		}
		var fields string
		for _, e := range auditOf(t, db) {
			if e.Action == "person.update" && e.Outcome == audit.Allowed {
				fields = e.Details["fields"]
			}
		}
		if fields != "given_name" {
			t.Fatalf("update logged fields %q", fields)
		}
	})
}

// TestNoPlaintextPersonData: nothing identifying is stored in the clear —
// not in any table, and, for SQLite, not anywhere in the database files.
func TestNoPlaintextPersonData(t *testing.T) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			cfg := storetest.Config()
			db := storetest.Open(t, d, cfg)
			w := newWorld(t, db)
			p := &haven.Person{GivenName: "Zephyrina", FamilyName: "Quillfeather", Aliases: []string{"Marigoldia"}, DateOfBirth: "1977-07-17",
				Phones: []haven.Phone{{Number: "+1 312 555 8642"}}, Emails: []string{"zq@hidden.example"},
				Addresses: []haven.Address{{Line1: "77 Lanternmoss Lane", City: "Brindlecombe", Confidential: true}}}
			mustCreate(t, db, w.officer, p)
			if ms, err := db.SearchPersons(storetest.As(w.officer), haven.PersonQuery{Name: "zephyrina"}); err != nil || len(ms) != 1 {
				t.Fatalf("search by name must still work: %v %v", ms, err)
			}
			needles := []string{"Zephyrina", "Quillfeather", "Marigoldia", "1977-07-17", "5558642", "555 8642", "hidden.example", "Lanternmoss", "Brindlecombe"}
			for _, n := range needles {
				if c, err := db.CountAllTables(context.Background(), n); err != nil || c != 0 {
					t.Errorf("%q found in %d stored values (%v)", n, c, err)
				}
			}
			if d != "sqlite" {
				return
			}
			db.Close()
			files, _ := filepath.Glob(filepath.Join(dataDirOf(t, db), "haven.db*"))
			if len(files) == 0 {
				t.Fatal("no database files found")
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range needles {
					if strings.Contains(strings.ToLower(string(b)), strings.ToLower(n)) {
						t.Errorf("%q in raw file %s", n, filepath.Base(f))
					}
				}
			}
		})
	}
}

func dataDirOf(t *testing.T, db *store.DB) string {
	t.Helper()
	dir := store.DataDirOf(db)
	if dir == "" {
		t.Fatal("no data dir")
	}
	return dir
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper string // SQL run against the log
		seq    int64  // the entry the error must name
	}{
		{"changed", `UPDATE audit_log SET record_id = 'someone-else' WHERE seq = 5`, 5},
		{"removed", `DELETE FROM audit_log WHERE seq = 4`, 5},
		{"removed last", `DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`, -1},
		{"swapped", ``, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				w := newWorld(t, db)
				for i := 0; i < 4; i++ {
					p := mustCreate(t, db, w.officer, &haven.Person{GivenName: "Person", FamilyName: string(rune('A' + i))})
					db.Person(storetest.As(w.advocate), p.ID)
				}
				n, err := db.VerifyAudit(ctx, nil)
				if err != nil || n < 8 {
					t.Fatalf("untouched log: %d entries, %v", n, err)
				}
				if tc.tamper != "" {
					if err := db.ExecRaw(ctx, tc.tamper); err != nil {
						t.Fatal(err)
					}
				} else {
					// Swap entries 3 and 4: move 3 aside, 4 into 3's place, 3 into 4's.
					for _, q := range []string{`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 4`, `UPDATE audit_log SET seq = 4 WHERE seq = -3`} {
						if err := db.ExecRaw(ctx, q); err != nil {
							t.Fatal(err)
						}
					}
				}
				_, err = db.VerifyAudit(ctx, nil)
				var ve *audit.VerifyError
				switch {
				case err == nil:
					t.Fatal("tampering not detected")
				case tc.seq < 0:
					// A cut tail is caught by the head anchor, not by an entry.
					if !strings.Contains(err.Error(), "removed") && !strings.Contains(err.Error(), "anchor") {
						t.Fatalf("tail cut reported as %v", err)
					}
				case !errors.As(err, &ve) || ve.Seq != tc.seq:
					t.Fatalf("error %v, want one naming entry %d", err, tc.seq)
				}
			})
		})
	}
}

func TestKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		defer store.SetResealBatch(3)()
		w := newWorld(t, db)
		var ids []string
		for i := 0; i < 10; i++ {
			ids = append(ids, mustCreate(t, db, w.officer, &haven.Person{GivenName: "Rotating", FamilyName: string(rune('A' + i))}).ID)
		}
		// An interrupted rotation (cancelled after the first batch) leaves
		// everything readable, and the next run finishes the same rotation.
		ctx, cancel := context.WithCancel(storetest.System())
		var seen []store.RotationProgress
		err := db.RotateKeys(ctx, func(p store.RotationProgress) {
			seen = append(seen, p)
			if p.Done >= 3 {
				cancel()
			}
		})
		if err == nil {
			t.Fatal("cancelled rotation reported success")
		}
		for _, id := range ids {
			if _, err := db.Person(storetest.As(w.officer), id); err != nil {
				t.Fatalf("read mid-rotation: %v", err)
			}
		}
		var resumed []store.RotationProgress
		if err := db.RotateKeys(storetest.System(), func(p store.RotationProgress) { resumed = append(resumed, p) }); err != nil {
			t.Fatal(err)
		}
		if seen[0].KeyID != resumed[0].KeyID {
			t.Fatalf("the resumed rotation used a new key %s, want %s", resumed[0].KeyID, seen[0].KeyID)
		}
		last := resumed[len(resumed)-1]
		if last.Done != last.Total || last.Total != 10-seen[len(seen)-1].Done {
			t.Fatalf("progress %+v after %+v", resumed, seen)
		}
		for _, id := range ids {
			if p, err := db.Person(storetest.As(w.officer), id); err != nil || p.GivenName != "Rotating" {
				t.Fatalf("read after rotation: %v", err)
			}
		}
		if n, _ := db.CountKeys(context.Background()); n.Live != 1 || n.Total != 2 {
			t.Fatalf("keys after rotation: %+v", n)
		}
		if err := db.RotateKeys(storetest.As(w.officer), nil); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("a user rotated keys: %v", err)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatalf("audit after rotation: %v", err)
		}
	})
}

// TestRotationFollowedByOtherProcesses: a second process on the same
// database seals under the new key within keyCheckEvery of a rotation.
func TestRotationFollowedByOtherProcesses(t *testing.T) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			cfg := storetest.Config()
			cfg.Now = c.Now
			if d == "sqlite" {
				cfg.DataDir = t.TempDir()
			} else {
				cfg.DSN = storetest.PostgresDSN(t)
			}
			one, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()
			two, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer two.Close()
			w := newWorld(t, one)
			before := mustCreate(t, two, w.officer, &haven.Person{GivenName: "Before"})
			var newKey string
			if err := one.RotateKeys(storetest.System(), func(p store.RotationProgress) { newKey = p.KeyID }); err != nil {
				t.Fatal(err)
			}
			c.Add(31 * time.Second)
			after := mustCreate(t, two, w.officer, &haven.Person{GivenName: "After"})
			if k := store.KeyOf(t, two, after.ID); k != newKey {
				t.Fatalf("second process sealed under %s after the rotation to %s", k, newKey)
			}
			// And it still reads what the rotation re-sealed.
			if p, err := two.Person(storetest.As(w.officer), before.ID); err != nil || p.GivenName != "Before" {
				t.Fatalf("read re-sealed record: %v", err)
			}
		})
	}
}
