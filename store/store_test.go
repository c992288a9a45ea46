package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// clock is a settable time source for timeout tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// eachWithClock runs fn on both databases with a controllable clock.
func eachWithClock(t *testing.T, fn func(t *testing.T, db *store.DB, c *clock)) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			cfg := storetest.Config()
			cfg.Now = c.Now
			fn(t, storetest.Open(t, d, cfg), c)
		})
	}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := haven.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field != "" && haven.ErrorField(err) != field {
		t.Fatalf("error field = %q (%v), want %q", haven.ErrorField(err), err, field)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v1, err := db.SchemaVersion(ctx)
		if err != nil || v1 < 1 {
			t.Fatalf("version = %d, %v", v1, err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if v2, _ := db.SchemaVersion(ctx); v2 != v1 {
			t.Fatalf("version changed %d → %d", v1, v2)
		}
	})
}

func TestCreateAgency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.System()
		a := &haven.Agency{Slug: "metro-pd", Name: " Metro Police ", Kind: haven.KindPolice, TimeZone: "America/Chicago"}
		if err := db.CreateAgency(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == "" || a.Name != "Metro Police" {
			t.Fatalf("created %+v", a)
		}
		got, err := db.AgencyBySlug(ctx, "metro-pd")
		if err != nil || got.ID != a.ID || got.Kind != haven.KindPolice || got.TimeZone != "America/Chicago" || got.CreatedAt.IsZero() {
			t.Fatalf("AgencyBySlug = %+v, %v", got, err)
		}
		_, err = db.AgencyBySlug(ctx, "nope")
		wantCode(t, err, haven.ENOTFOUND, "")

		for _, tc := range []struct {
			name  string
			a     haven.Agency
			code  string
			field string
		}{
			{"duplicate slug", haven.Agency{Slug: "metro-pd", Name: "X", Kind: haven.KindPolice}, haven.ECONFLICT, "slug"},
			{"bad slug", haven.Agency{Slug: "Metro PD", Name: "X", Kind: haven.KindPolice}, haven.EINVALID, "slug"},
			{"no name", haven.Agency{Slug: "x", Kind: haven.KindPolice}, haven.EINVALID, "name"},
			{"bad kind", haven.Agency{Slug: "x", Name: "X", Kind: "army"}, haven.EINVALID, "kind"},
			{"bad zone", haven.Agency{Slug: "x", Name: "X", Kind: haven.KindCourt, TimeZone: "Mars/Base"}, haven.EINVALID, "time_zone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := tc.a
				wantCode(t, db.CreateAgency(ctx, &a), tc.code, tc.field)
			})
		}
		list, err := db.FindAgencies(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("FindAgencies = %d, %v (a failed create must store nothing)", len(list), err)
		}
	})
}

func TestUserAdministrationPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		sh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
		pdAdmin := storetest.MustUser(t, db, pd, "pd-admin", haven.RoleAgencyAdmin)
		officer := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		supervisor := storetest.MustUser(t, db, pd, "supervisor", haven.RoleSupervisor)
		shelter := storetest.MustUser(t, db, sh, "shelter", haven.RoleShelterStaff)

		create := func(ctx context.Context, a *haven.Agency, name string, role haven.Role) error {
			return db.CreateUser(ctx, &haven.User{AgencyID: a.ID, Username: name, Role: role}, storetest.Password)
		}
		for _, tc := range []struct {
			name string
			err  error
			code string
		}{
			{"agency admin creates in own agency", create(storetest.As(pdAdmin), pd, "new-officer", haven.RoleOfficer), ""},
			{"agency admin cannot create in another agency", create(storetest.As(pdAdmin), sh, "x1", haven.RoleShelterStaff), haven.EFORBIDDEN},
			{"agency admin cannot create a system admin", create(storetest.As(pdAdmin), pd, "x2", haven.RoleSystemAdmin), haven.EFORBIDDEN},
			{"officer cannot create users", create(storetest.As(officer), pd, "x3", haven.RoleOfficer), haven.EFORBIDDEN},
			{"anonymous cannot create users", create(context.Background(), pd, "x4", haven.RoleOfficer), haven.EUNAUTHORIZED},
			{"duplicate username", create(storetest.System(), sh, "OFFICER", haven.RoleShelterStaff), haven.ECONFLICT},
			{"bad role", create(storetest.System(), pd, "x5", "chief"), haven.EINVALID},
			{"short password", db.CreateUser(storetest.System(), &haven.User{AgencyID: pd.ID, Username: "x6", Role: haven.RoleOfficer}, "short"), haven.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.err, tc.code, "") })
		}

		// Listing is scoped to the actor's agency whatever filter they send.
		users, err := db.FindUsers(storetest.As(pdAdmin), haven.UserFilter{AgencyID: sh.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.AgencyID != pd.ID {
				t.Fatalf("agency admin listed a user of another agency: %s", u.Username)
			}
		}
		if len(users) != 4 {
			t.Fatalf("agency admin sees %d users, want 4", len(users))
		}
		if _, err := db.FindUsers(storetest.As(officer), haven.UserFilter{}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("officer listing users: %v", err)
		}
		if list, err := db.FindUsers(storetest.As(supervisor), haven.UserFilter{}); err != nil || len(list) != 4 {
			t.Fatalf("supervisor list = %d, %v", len(list), err)
		}
		// Other agencies' users are "not found", not "forbidden".
		_, err = db.UserByID(storetest.As(pdAdmin), shelter.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		if u, err := db.UserByID(storetest.As(officer), officer.ID); err != nil || u.Agency.Slug != "metro-pd" {
			t.Fatalf("own account: %+v %v", u, err)
		}
		wantCode(t, db.SetUserDisabled(storetest.As(pdAdmin), shelter.ID, true), haven.ENOTFOUND, "")
		wantCode(t, db.SetUserDisabled(storetest.As(pdAdmin), pdAdmin.ID, true), haven.EFORBIDDEN, "")
		wantCode(t, db.SetUserDisabled(storetest.As(officer), supervisor.ID, true), haven.ENOTFOUND, "")
		if err := db.SetUserDisabled(storetest.As(pdAdmin), officer.ID, true); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.UserByID(storetest.System(), officer.ID); !u.Disabled {
			t.Fatal("officer not disabled")
		}
	})
}

func TestLoginSessionsAndLockout(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		ctx := context.Background()
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)

		token, sess, err := db.Login(ctx, " Officer ", storetest.Password, "10.0.0.1")
		if err != nil || token == "" || sess.CSRFToken == "" {
			t.Fatalf("login: %v", err)
		}
		if sess.ID == token {
			t.Fatal("session id must be the token's hash, not the token")
		}
		actor, _, err := db.SessionActor(ctx, token)
		if err != nil || actor.UserID != u.ID || actor.AgencySlug != "metro-pd" || actor.Role != haven.RoleOfficer {
			t.Fatalf("SessionActor = %+v, %v", actor, err)
		}

		// Idle timeout: 29 minutes keeps it alive (and refreshes it), 31 more ends it.
		c.Add(29 * time.Minute)
		if _, _, err := db.SessionActor(ctx, token); err != nil {
			t.Fatalf("after 29m idle: %v", err)
		}
		c.Add(29 * time.Minute)
		if _, _, err := db.SessionActor(ctx, token); err != nil {
			t.Fatalf("refreshed session ended early: %v", err)
		}
		c.Add(31 * time.Minute)
		_, _, err = db.SessionActor(ctx, token)
		wantCode(t, err, haven.EUNAUTHORIZED, "")

		// Absolute timeout: used every 20 minutes, it still ends at 12 hours.
		token, _, _ = db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		for i := 0; i < 40; i++ { // 13h20m
			c.Add(20 * time.Minute)
			_, _, err = db.SessionActor(ctx, token)
		}
		wantCode(t, err, haven.EUNAUTHORIZED, "")

		// Logout revokes.
		token, _, _ = db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if err := db.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionActor(ctx, token)
		wantCode(t, err, haven.EUNAUTHORIZED, "")

		// Five failures lock the name, even with the right password after.
		c.Add(time.Second) // the frozen clock must move past the last success
		for i := 0; i < 5; i++ {
			_, _, err = db.Login(ctx, "officer", "wrong password!", "10.0.0.2")
			wantCode(t, err, haven.EUNAUTHORIZED, "")
		}
		_, _, err = db.Login(ctx, "officer", storetest.Password, "10.0.0.3")
		wantCode(t, err, haven.ERATELIMIT, "")
		// Unknown names lock the same way, so answers reveal nothing.
		for i := 0; i < 5; i++ {
			_, _, err = db.Login(ctx, "nobody", "wrong password!", "10.0.0.4")
			wantCode(t, err, haven.EUNAUTHORIZED, "")
		}
		_, _, err = db.Login(ctx, "nobody", "wrong password!", "10.0.0.4")
		wantCode(t, err, haven.ERATELIMIT, "")
		// An administrator's reset lifts the lock at once.
		if err := db.ResetPassword(storetest.System(), u.ID, "temporary-pass-9"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Login(ctx, "officer", "temporary-pass-9", "10.0.0.3"); err != nil {
			t.Fatalf("after reset: %v", err)
		}
		for i := 0; i < 5; i++ {
			db.Login(ctx, "officer", "wrong password!", "10.0.0.2")
		}
		// Otherwise the lock lifts after the window.
		c.Add(16 * time.Minute)
		if _, _, err := db.Login(ctx, "officer", "temporary-pass-9", "10.0.0.3"); err != nil {
			t.Fatalf("after lockout window: %v", err)
		}

		// One address guessing many names is limited per minute.
		for i := 0; i < 20; i++ {
			db.Login(ctx, "guess"+string(rune('a'+i)), "wrong password!", "10.9.9.9")
		}
		_, _, err = db.Login(ctx, "officer", "temporary-pass-9", "10.9.9.9")
		wantCode(t, err, haven.ERATELIMIT, "")
		c.Add(2 * time.Minute)
		if _, _, err := db.Login(ctx, "officer", "temporary-pass-9", "10.9.9.9"); err != nil {
			t.Fatalf("after a minute: %v", err)
		}

		// Disabling ends sessions and refuses new ones.
		token, _, _ = db.Login(ctx, "officer", "temporary-pass-9", "10.0.0.1")
		if err := db.SetUserDisabled(storetest.System(), u.ID, true); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionActor(ctx, token)
		wantCode(t, err, haven.EUNAUTHORIZED, "")
		_, _, err = db.Login(ctx, "officer", "temporary-pass-9", "10.0.0.1")
		wantCode(t, err, haven.EUNAUTHORIZED, "")

		if n, err := db.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("prune of recent rows = %d, %v", n, err)
		}
		c.Add(48 * time.Hour)
		if n, err := db.Prune(ctx); err != nil || n == 0 {
			t.Fatalf("prune after two days = %d, %v", n, err)
		}
	})
}

func TestDatabaseFileIsPrivate(t *testing.T) {
	cfg := storetest.Config()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := os.Stat(filepath.Join(cfg.DataDir, "haven.db"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Fatalf("haven.db mode = %o, want 600", mode)
	}
}

func TestPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		token, _, _ := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")

		if err := db.ResetPassword(storetest.System(), u.ID, "temporary-pass-1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionActor(ctx, token); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Fatalf("reset must end sessions: %v", err)
		}
		if _, _, err := db.Login(ctx, "officer", storetest.Password, "10.0.0.1"); err == nil {
			t.Fatal("old password still works")
		}
		if got, _ := db.UserByID(storetest.System(), u.ID); !got.MustChangePassword {
			t.Fatal("reset must require a change")
		}
		if _, _, err := db.Login(ctx, "officer", "temporary-pass-1", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		me := storetest.As(u)
		wantCode(t, db.ChangePassword(me, "wrong-current-pw", "brand-new-pass-2"), haven.EINVALID, "current_password")
		wantCode(t, db.ChangePassword(me, "temporary-pass-1", "short"), haven.EINVALID, "new_password")
		if err := db.ChangePassword(me, "temporary-pass-1", "brand-new-pass-2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByID(storetest.System(), u.ID); got.MustChangePassword {
			t.Fatal("change must clear the flag")
		}
		if _, _, err := db.Login(ctx, "officer", "brand-new-pass-2", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		ctx := context.Background()
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)
		other := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)

		secret, tok, err := db.CreateToken(storetest.System(), u.ID, "etl", nil)
		if err != nil || tok.ID == "" || len(secret) < 40 {
			t.Fatalf("CreateToken = %q, %v", secret, err)
		}
		actor, err := db.TokenActor(ctx, secret)
		if err != nil || actor.UserID != u.ID || actor.Via != "token" {
			t.Fatalf("TokenActor = %+v, %v", actor, err)
		}
		_, err = db.TokenActor(ctx, secret+"x")
		wantCode(t, err, haven.EUNAUTHORIZED, "")
		_, _, err = db.CreateToken(storetest.As(other), u.ID, "steal", nil)
		wantCode(t, err, haven.ENOTFOUND, "")

		exp := c.Now().Add(time.Hour)
		short, _, err := db.CreateToken(storetest.As(u), u.ID, "short", &exp)
		if err != nil {
			t.Fatal(err)
		}
		past := c.Now().Add(-time.Hour)
		_, _, err = db.CreateToken(storetest.As(u), u.ID, "past", &past)
		wantCode(t, err, haven.EINVALID, "expires_at")
		c.Add(2 * time.Hour)
		_, err = db.TokenActor(ctx, short)
		wantCode(t, err, haven.EUNAUTHORIZED, "")

		list, err := db.FindTokens(storetest.As(u), u.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("FindTokens = %d, %v", len(list), err)
		}
		wantCode(t, db.RevokeToken(storetest.As(other), tok.ID), haven.ENOTFOUND, "")
		if err := db.RevokeToken(storetest.As(u), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.TokenActor(ctx, secret)
		wantCode(t, err, haven.EUNAUTHORIZED, "")
		wantCode(t, db.RevokeToken(storetest.As(u), "no-such-token"), haven.ENOTFOUND, "")
	})
}

func TestNoPlaintextSecretsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		token, _, err := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := db.CreateToken(storetest.System(), u.ID, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{storetest.Password, token, secret} {
			n, err := db.CountOccurrences(ctx, needle)
			if err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("a secret is stored in plaintext (%d rows)", n)
			}
		}
	})
}

// Account administration is in the audit log: who created, disabled,
// re-enabled or reset which account, and which tokens came and went.
func TestAdministrationIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		sys := storetest.System()
		if err := db.SetUserDisabled(sys, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserDisabled(sys, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := db.ResetPassword(sys, u.ID, "temporary-pass-1"); err != nil {
			t.Fatal(err)
		}
		if err := db.ChangePassword(storetest.As(u), "temporary-pass-1", "brand-new-pass-2"); err != nil {
			t.Fatal(err)
		}
		_, tok, err := db.CreateToken(sys, u.ID, "etl", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(sys, tok.ID); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range auditOf(t, db) {
			got = append(got, e.Action+":"+e.RecordID)
		}
		want := []string{"agency.create:" + pd.ID, "user.create:" + u.ID, "user.disable:" + u.ID, "user.enable:" + u.ID,
			"user.reset_password:" + u.ID, "user.change_password:" + u.ID, "token.create:" + tok.ID, "token.revoke:" + tok.ID}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("audit log:\n got %v\nwant %v", got, want)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}
