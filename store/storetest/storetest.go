// Package storetest opens real databases for tests: SQLite in a temporary
// directory and PostgreSQL in a fresh schema of the server named by
// HAVEN_TEST_POSTGRES. Each runs the same test against both, which is how
// the store's contract suite proves one SQL layer serves both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/store"
)

// Drivers are the databases Each runs against.
var Drivers = []string{"sqlite", "postgres"}

// Config is the store configuration tests use: cheap password hashing and
// a fresh master key.
func Config() store.Config {
	return store.Config{PasswordParams: auth.TestParams, MasterKey: crypt.GenerateMasterKey()}
}

// Each runs fn once per database, as subtests named after the driver.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Drivers {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d, Config())) })
	}
}

// Open returns a fresh, migrated database of the given driver, closed when
// the test ends. PostgreSQL is skipped, with a message, when
// HAVEN_TEST_POSTGRES is not set, and fails the test when
// HAVEN_TEST_REQUIRE_POSTGRES=1 (the project's test command sets both).
func Open(t testing.TB, driver string, cfg store.Config) *store.DB {
	t.Helper()
	ctx := context.Background()
	switch driver {
	case "sqlite":
		cfg.DataDir = t.TempDir()
	case "postgres":
		cfg.DSN = PostgresDSN(t)
	default:
		t.Fatalf("unknown driver %q", driver)
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN creates an empty schema on the test server and returns a DSN
// whose search_path points at it; the schema is dropped after the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("HAVEN_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("HAVEN_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("HAVEN_TEST_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES is empty")
		}
		t.Skip("PostgreSQL not configured: set HAVEN_TEST_POSTGRES=postgres://… (scripts/test starts a throwaway server and sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HAVEN_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// System returns a context acting as the named system actor.
func System() context.Context {
	return haven.NewContextWithActor(context.Background(), haven.SystemActor("test"))
}

// As returns a context acting as u.
func As(u *haven.User) context.Context {
	return haven.NewContextWithActor(context.Background(), haven.Actor{
		UserID: u.ID, Username: u.Username, AgencyID: u.AgencyID, AgencySlug: u.Agency.Slug, Role: u.Role, Via: "session"})
}

// Password is the password MustUser gives every user.
const Password = "correct-horse-battery"

// MustAgency creates an agency or fails the test.
func MustAgency(t testing.TB, db *store.DB, slug string, kind haven.AgencyKind) *haven.Agency {
	t.Helper()
	a := &haven.Agency{Slug: slug, Name: "Agency " + slug, Kind: kind, TimeZone: "America/Chicago"}
	if err := db.CreateAgency(System(), a); err != nil {
		t.Fatalf("create agency %s: %v", slug, err)
	}
	return a
}

// MustUser creates a user with Password or fails the test.
func MustUser(t testing.TB, db *store.DB, a *haven.Agency, username string, role haven.Role) *haven.User {
	t.Helper()
	u := &haven.User{AgencyID: a.ID, Username: username, Role: role}
	if err := db.CreateUser(System(), u, Password); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}
