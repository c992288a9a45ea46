package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// result is what one in-process run of the command produced.
type result struct {
	stdout, stderr string
	err            error
	code           int // the exit status main would return
}

// lastLine is the final non-empty line of standard output.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

// syncBuffer is safe to write from serve's goroutines while a test waits.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testMain returns a Main with cheap password hashing that sees only the
// given environment, so a developer's own HAVEN_* variables cannot leak in.
func testMain(env map[string]string) *Main {
	return &Main{
		LookupEnv:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		StoreConfig: func(c *store.Config) { c.PasswordParams = auth.TestParams },
	}
}

func runMain(t *testing.T, m *Main, args ...string) result {
	t.Helper()
	var stdout, stderr, rep bytes.Buffer
	err := m.Run(context.Background(), args, &stdout, &stderr)
	code := report(&rep, err)
	return result{stdout: stdout.String(), stderr: stderr.String() + rep.String(), err: err, code: code}
}

// target is a fresh database for one test, and the flags that select it.
type target struct {
	driver string
	flags  []string
	cfg    store.Config
}

// eachDB runs fn against a fresh SQLite database in a temporary directory
// and a fresh PostgreSQL schema (skipped when HAVEN_TEST_POSTGRES is unset).
func eachDB(t *testing.T, fn func(t *testing.T, tg target)) {
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			tg := target{driver: driver, cfg: storetest.Config()}
			tg.cfg.DataDir = t.TempDir()
			tg.flags = []string{"--data", tg.cfg.DataDir}
			// The commands load DIR/keys/master.key; tests opening the
			// store directly must use the same key.
			mk, _, err := crypt.LoadMasterKey(crypt.MasterKeyOptions{DataDir: tg.cfg.DataDir})
			if err != nil {
				t.Fatal(err)
			}
			tg.cfg.MasterKey = mk
			if driver == "postgres" {
				tg.cfg.DSN = storetest.PostgresDSN(t)
				tg.flags = append(tg.flags, "--db", tg.cfg.DSN)
			}
			fn(t, tg)
		})
	}
}

// run runs a command against the target's database; it must succeed.
func (tg target) run(t *testing.T, args ...string) result {
	t.Helper()
	r := runMain(t, testMain(nil), append(args, tg.flags...)...)
	if r.err != nil {
		t.Fatalf("haven %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// try runs a command that may fail.
func (tg target) try(t *testing.T, m *Main, args ...string) result {
	t.Helper()
	return runMain(t, m, append(args, tg.flags...)...)
}

// open opens the target's database directly, to check what commands did.
func (tg target) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), tg.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
