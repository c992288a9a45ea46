package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/totp"
)

// Tests of the safety-core commands: audit verify and head, keys rotate,
// user reset-2fa and agency set-mfa.

var intactRE = regexp.MustCompile(`(?m)^audit log intact: (\d+) entries, head (\d+) ([0-9a-f]{64})$`)

// demoDB loads the demo data into the target's database, as serve --demo
// does, and returns the database opened directly.
func demoDB(t *testing.T, tg target) *store.DB {
	t.Helper()
	db := tg.open(t)
	if _, _, err := demo.Ensure(context.Background(), db, tg.cfg.DataDir); err != nil {
		t.Fatalf("demo: %v", err)
	}
	return db
}

// activity does what users do: sign in, search, read, be refused.
func activity(t *testing.T, db *store.DB, dataDir string) {
	t.Helper()
	ctx := storetest.System()
	creds, err := demo.ReadCredentials(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		if _, _, err := db.Login(ctx, c.Username, c.Password, "192.0.2.7"); err != nil {
			t.Fatalf("login %s: %v", c.Username, err)
		}
	}
	_, _, _ = db.Login(ctx, "officer", "not the password", "192.0.2.7")
	officer, err := db.UserByUsername(ctx, "officer")
	if err != nil {
		t.Fatal(err)
	}
	advocate, err := db.UserByUsername(ctx, "advocate")
	if err != nil {
		t.Fatal(err)
	}
	found, err := db.SearchPersons(storetest.As(officer), haven.PersonQuery{Name: "Quillfeather"})
	if err != nil || len(found) == 0 {
		t.Fatalf("officer's search: %d, %v", len(found), err)
	}
	// The advocate sees the survivor, who consented to share with her
	// agency (demo data), and no one else of the household.
	refused := 0
	for _, m := range found {
		id := m.Person.ID
		if _, err := db.Person(storetest.As(officer), id); err != nil {
			t.Fatalf("officer reads: %v", err)
		}
		p, err := db.Person(storetest.As(advocate), id)
		switch {
		case m.Person.GivenName == "Marisol":
			if err != nil || p.Access == nil || p.Access.Basis != "consent" {
				t.Fatalf("advocate reads the consenting survivor: %+v, %v", p, err)
			}
		case haven.ErrorCode(err) != haven.ENOTFOUND:
			t.Fatalf("advocate reads the police's record of %s: %v", m.Person.GivenName, err)
		default:
			refused++
		}
	}
	if refused == 0 {
		t.Fatalf("no refusal among %d persons found", len(found))
	}
}

// rawDB opens the target's database behind the store's back, as someone
// with access to the file or the server could.
func rawDB(t *testing.T, tg target) *rawConn {
	t.Helper()
	driver, dsn := "sqlite", "file:"+filepath.Join(tg.cfg.DataDir, "haven.db")+"?_pragma=busy_timeout(10000)"
	if tg.driver == "postgres" {
		driver, dsn = "pgx", tg.cfg.DSN // the drivers are registered by store
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &rawConn{t: t, db: db, pg: tg.driver == "postgres"}
}

type rawConn struct {
	t  *testing.T
	db *sql.DB
	pg bool
}

// exec runs q, written with ? placeholders, and fails the test on error.
func (r *rawConn) exec(q string, args ...any) {
	r.t.Helper()
	if r.pg {
		n := 0
		q = regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return fmt.Sprintf("$%d", n) })
	}
	if _, err := r.db.Exec(q, args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

// allEntries returns the log in ascending order.
func allEntries(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	entries, err := db.FindAudit(storetest.System(), audit.Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
	return entries
}

func TestAuditVerify(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		// An empty log is intact.
		r := tg.run(t, "audit", "verify")
		if m := intactRE.FindStringSubmatch(r.stdout); m == nil || m[1] != "0" || m[3] != audit.Genesis {
			t.Errorf("empty log: %q", r.stdout)
		}
		if r := tg.run(t, "audit", "head"); r.stdout != "0 "+audit.Genesis+"\n" {
			t.Errorf("head of an empty log: %q", r.stdout)
		}

		// A fresh demo database.
		db := demoDB(t, tg)
		r = tg.run(t, "audit", "verify")
		m := intactRE.FindStringSubmatch(r.stdout)
		if m == nil || m[1] != m[2] || m[1] == "0" {
			t.Fatalf("fresh demo: %q", r.stdout)
		}
		anchor := strings.TrimSpace(tg.run(t, "audit", "head").stdout)
		if anchor != m[2]+" "+m[3] {
			t.Errorf("audit head %q, verify said head %s %s", anchor, m[2], m[3])
		}

		// After some activity, and a key rotation: still intact, and the
		// earlier head is still in the log.
		activity(t, db, tg.cfg.DataDir)
		tg.run(t, "keys", "rotate")
		r = tg.run(t, "audit", "verify", "--anchor", anchor)
		m2 := intactRE.FindStringSubmatch(r.stdout)
		if m2 == nil || m2[1] == m[1] || !strings.Contains(r.stdout, "anchor "+anchor+" matches") {
			t.Fatalf("after activity: %q", r.stdout)
		}
		seq, _, _ := strings.Cut(anchor, " ")
		colon := strings.Replace(anchor, " ", ":", 1)
		if r := tg.try(t, testMain(map[string]string{"HAVEN_ANCHOR": colon}), "audit", "verify"); r.err != nil {
			t.Errorf("HAVEN_ANCHOR=%s: %v %s", colon, r.err, r.stderr)
		}

		// Anchors that the log does not match.
		for _, tc := range []struct{ anchor, names string }{
			{seq + " " + strings.Repeat("ab", 32), "entry " + seq + " (id "},
			{"999999 " + strings.Repeat("ab", 32), "entry 999999: the log ends at sequence " + m2[2]},
		} {
			r := tg.try(t, testMain(nil), "audit", "verify", "--anchor", tc.anchor)
			if r.code != 1 || !strings.Contains(r.stdout, "audit log TAMPERED: "+tc.names) {
				t.Errorf("--anchor %s: exit %d, stdout %q", tc.anchor, r.code, r.stdout)
			}
		}
		for _, bad := range []string{"12", "x " + audit.Genesis, "3 abc", "-1 " + audit.Genesis} {
			if r := tg.try(t, testMain(nil), "audit", "verify", "--anchor", bad); r.code != 2 || !strings.Contains(r.stderr, "--anchor") {
				t.Errorf("--anchor %q: exit %d, %q", bad, r.code, r.stderr)
			}
		}
	})
}

// Verifying while servers append is never mistaken for tampering.
func TestAuditVerifyLive(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		db := demoDB(t, tg)
		a, err := db.AgencyBySlug(storetest.System(), "metro-pd")
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() {
			for on := true; ctx.Err() == nil; on = !on {
				db.SetRequireMFA(storetest.System(), a.ID, on) // appends an entry
				time.Sleep(time.Millisecond)
			}
		})
		defer func() { stop(); wg.Wait() }()
		for range 10 {
			r := tg.try(t, testMain(nil), "audit", "verify")
			if strings.Contains(r.stdout, "TAMPERED") || (r.code != 0 && !strings.Contains(r.stderr, "kept growing")) {
				t.Fatalf("live log: exit %d, %q, %q", r.code, r.stdout, r.stderr)
			}
			if m := intactRE.FindStringSubmatch(r.stdout); r.code == 0 && (m == nil || m[1] != m[2]) {
				t.Fatalf("live log: %q", r.stdout)
			}
		}
	})
}

// Every single-row change to the audit table is caught and the first bad
// entry named, on both databases.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(r *rawConn, head int64)
		names  string // what the verdict must say
	}{
		{"changed", func(r *rawConn, _ int64) {
			r.exec(`UPDATE audit_log SET record_id = 'someone-else' WHERE seq = 3`)
		}, "audit log TAMPERED: entry 3 (id "},
		{"changed address", func(r *rawConn, _ int64) {
			r.exec(`UPDATE audit_log SET client_ip = '198.51.100.1' WHERE seq = 3`)
		}, "audit log TAMPERED: entry 3 (id "},
		{"removed", func(r *rawConn, _ int64) {
			r.exec(`DELETE FROM audit_log WHERE seq = 5`)
		}, "audit log TAMPERED: entry 6 (id "},
		{"swapped", func(r *rawConn, _ int64) {
			r.exec(`UPDATE audit_log SET seq = -3 WHERE seq = 3`)
			r.exec(`UPDATE audit_log SET seq = 3 WHERE seq = 4`)
			r.exec(`UPDATE audit_log SET seq = 4 WHERE seq = -3`)
		}, "audit log TAMPERED: entry 3 (id "},
		{"removed last", func(r *rawConn, head int64) {
			r.exec(`DELETE FROM audit_log WHERE seq = ?`, head)
		}, "audit log TAMPERED: entry %d: the log ends at sequence"},
		{"inserted", func(r *rawConn, _ int64) {
			r.exec(`UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4`)
			r.exec(`UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1004`)
			r.exec(`INSERT INTO audit_log SELECT 4, 'forged', at, actor_user_id, actor_name, actor_agency_id, role, via, action, outcome,
				record_type, record_id, record_agency_id, basis, reason, request_id, client_ip, details, prev_hash, hash FROM audit_log WHERE seq = 3`)
		}, "audit log TAMPERED: entry 4 (id forged)"},
		{"head removed", func(r *rawConn, _ int64) {
			r.exec(`DELETE FROM audit_head`)
		}, "audit log TAMPERED: its recorded head"},
		{"details not JSON", func(r *rawConn, _ int64) {
			r.exec(`UPDATE audit_log SET details = 'not json' WHERE seq = 2`)
		}, "audit log TAMPERED: entry 2: cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, tg target) {
				db := demoDB(t, tg)
				activity(t, db, tg.cfg.DataDir)
				r := tg.run(t, "audit", "verify")
				m := intactRE.FindStringSubmatch(r.stdout)
				if m == nil {
					t.Fatalf("before tampering: %q", r.stdout)
				}
				var head int64
				fmt.Sscan(m[2], &head)
				if head < 8 {
					t.Fatalf("only %d entries", head)
				}
				tc.tamper(rawDB(t, tg), head)

				r = tg.try(t, testMain(nil), "audit", "verify")
				names := tc.names
				if strings.Contains(names, "%d") {
					names = fmt.Sprintf(names, head)
				}
				if r.code != 1 || r.err == nil {
					t.Fatalf("exit %d after tampering: %q", r.code, r.stdout)
				}
				if !strings.Contains(r.stdout, names) {
					t.Errorf("stdout %q lacks %q", r.stdout, names)
				}
				if !strings.Contains(r.stderr, "haven: the audit log failed verification") {
					t.Errorf("stderr %q", r.stderr)
				}
				if strings.Contains(r.stdout, "intact") {
					t.Errorf("tampered log called intact: %q", r.stdout)
				}
			})
		})
	}
}

// Rewriting an entry and recomputing every hash after it (and the head)
// makes a consistent chain that only a saved anchor exposes.
func TestAuditVerifyAnchorCatchesRewrite(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		db := demoDB(t, tg)
		anchor := strings.TrimSpace(tg.run(t, "audit", "head").stdout)
		activity(t, db, tg.cfg.DataDir)

		entries := allEntries(t, db)
		raw := rawDB(t, tg)
		entries[1].RecordID = "someone-else"
		for i := 1; i < len(entries); i++ {
			entries[i].PrevHash = entries[i-1].Hash
			entries[i].Hash = audit.ComputeHash(entries[i])
			raw.exec(`UPDATE audit_log SET record_id = ?, prev_hash = ?, hash = ? WHERE seq = ?`,
				entries[i].RecordID, entries[i].PrevHash, entries[i].Hash, entries[i].Seq)
		}
		raw.exec(`UPDATE audit_head SET hash = ? WHERE id = 1`, entries[len(entries)-1].Hash)

		if r := tg.run(t, "audit", "verify"); !intactRE.MatchString(r.stdout) {
			t.Fatalf("a consistent rewrite without an anchor: %q", r.stdout)
		}
		seq, _, _ := strings.Cut(anchor, " ")
		r := tg.try(t, testMain(nil), "audit", "verify", "--anchor", anchor)
		if r.code != 1 || !strings.Contains(r.stdout, "audit log TAMPERED: entry "+seq+" (id ") ||
			!strings.Contains(r.stdout, "differs from the anchor") {
			t.Errorf("rewrite with anchor %s: exit %d %q", anchor, r.code, r.stdout)
		}
	})
}

// createPersons stores n persons in the agency as a system actor.
func createPersons(t *testing.T, db *store.DB, agency *haven.Agency, n int) []string {
	t.Helper()
	actor := haven.SystemActor("test")
	actor.AgencyID = agency.ID
	ctx := haven.NewContextWithActor(context.Background(), actor)
	var ids []string
	for i := range n {
		p := &haven.Person{AgencyID: agency.ID, GivenName: fmt.Sprintf("Rotation%d", i), FamilyName: "Testperson", DateOfBirth: "1990-01-02",
			Phones: []haven.Phone{{Number: fmt.Sprintf("312-555-01%02d", i%100)}}}
		if _, err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(causeText(err))
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// readable checks that every person opens, with the name it was given.
func readable(t *testing.T, db *store.DB, ids []string) {
	t.Helper()
	for i, id := range ids {
		p, err := db.Person(storetest.System(), id)
		if err != nil {
			t.Fatalf("person %d after rotation: %v", i, err)
		}
		if p.GivenName != fmt.Sprintf("Rotation%d", i) {
			t.Fatalf("person %d is %q", i, p.GivenName)
		}
	}
}

var rotatedRE = regexp.MustCompile(`(?m)^rotated: (\d+) records re-sealed under (dk-\S+); older keys retired$`)

func TestKeysRotate(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		db := tg.open(t)
		a, err := db.AgencyBySlug(storetest.System(), "metro-pd")
		if err != nil {
			t.Fatal(err)
		}
		ids := createPersons(t, db, a, 5)

		var keys []string
		for range 2 { // and again: a second rotation works the same
			r := tg.run(t, "keys", "rotate")
			m := rotatedRE.FindStringSubmatch(r.stdout)
			if m == nil || m[1] != "5" {
				t.Fatalf("keys rotate: %q", r.stdout)
			}
			if !strings.Contains(r.stderr, "[####################] 5/5 re-sealed under "+m[2]) ||
				!strings.Contains(r.stderr, "[--------------------] 0/5 re-sealed under "+m[2]) {
				t.Errorf("no progress bar: %q", r.stderr)
			}
			keys = append(keys, m[2])
			// db loaded the old key ring; it finds the new key by itself.
			readable(t, db, ids)
		}
		if keys[0] == keys[1] {
			t.Errorf("both rotations used key %s", keys[0])
		}
		if r := tg.run(t, "audit", "verify"); !intactRE.MatchString(r.stdout) {
			t.Errorf("audit after rotation: %q", r.stdout)
		}
	})
}

// triggerWriter calls act once, when what is written to it first contains
// trigger: the moment a user presses Ctrl-C.
type triggerWriter struct {
	mu      sync.Mutex
	b       bytes.Buffer
	trigger string
	act     func()
	done    bool
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if !w.done && strings.Contains(w.b.String(), w.trigger) {
		w.done = true
		w.act()
	}
	return len(p), nil
}

// rotateUntil runs keys rotate, calling act when stderr shows trigger.
func rotateUntil(t *testing.T, ctx context.Context, tg target, trigger string, act func()) result {
	t.Helper()
	stderr := &triggerWriter{trigger: trigger, act: act}
	var stdout, rep bytes.Buffer
	err := testMain(nil).Run(ctx, append([]string{"keys", "rotate"}, tg.flags...), &stdout, stderr)
	code := report(&rep, err)
	return result{stdout: stdout.String(), stderr: stderr.b.String() + rep.String(), err: err, code: code}
}

// An interrupted rotation stops after the batch in progress, says how to
// resume, leaves everything readable, and the next run finishes it.
func TestKeysRotateInterrupted(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		db := tg.open(t)
		a, err := db.AgencyBySlug(storetest.System(), "metro-pd")
		if err != nil {
			t.Fatal(err)
		}
		const n = 250 // the store re-seals 200 a batch
		ids := createPersons(t, db, a, n)

		// Cancelled (as by the first Ctrl-C) once the first batch is done.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := rotateUntil(t, ctx, tg, "] 200/250 re-sealed", cancel)
		if r.code != 1 || !strings.Contains(r.stderr, "interrupted after re-sealing 200 of 250 records under dk-") ||
			!strings.Contains(r.stderr, "Run 'haven keys rotate' again to resume") {
			t.Fatalf("interrupted rotation: exit %d, %q, %q", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "rotated:") {
			t.Errorf("interrupted rotation claims success: %q", r.stdout)
		}
		key := regexp.MustCompile(`under (dk-[0-9a-f-]+)`).FindStringSubmatch(r.stderr)[1]
		readable(t, db, ids)

		// A real SIGINT, before the resumed rotation's first batch.
		r = rotateUntil(t, context.Background(), tg, "] 0/50 re-sealed under "+key, func() {
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Error(err)
			}
			time.Sleep(200 * time.Millisecond) // for the signal to arrive
		})
		if r.code != 1 || !strings.Contains(r.stderr, "interrupted after re-sealing 0 of 50 records under "+key) {
			t.Fatalf("rotation after SIGINT: exit %d, %q, %q", r.code, r.stdout, r.stderr)
		}
		readable(t, db, ids)

		r = tg.run(t, "keys", "rotate")
		m := rotatedRE.FindStringSubmatch(r.stdout)
		if m == nil || m[1] != "50" || m[2] != key {
			t.Fatalf("resumed rotation: %q, want 50 under %s", r.stdout, key)
		}
		readable(t, db, ids)
	})
}

func TestUserResetSecondFactor(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		ctx := storetest.System()
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		m := testMain(nil)
		m.Stdin = strings.NewReader(storetest.Password + "\n")
		if r := tg.try(t, m, "user", "create", "--agency", "metro-pd", "--username", "officer", "--role", "officer", "--password-stdin"); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		db := tg.open(t)
		u, err := db.UserByUsername(ctx, "officer")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := db.BeginTOTP(storetest.As(u))
		if err != nil {
			t.Fatal(err)
		}
		code, err := totp.Code(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmTOTP(storetest.As(u), "", code); err != nil {
			t.Fatal(err)
		}
		token, _, err := db.Login(ctx, "officer", storetest.Password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}

		r := tg.run(t, "user", "reset-2fa", "--user", "Officer")
		if !strings.Contains(r.stdout, "Removed the second factor of officer") {
			t.Errorf("reset-2fa said %q", r.stdout)
		}
		if u, _ := db.UserByUsername(ctx, "officer"); u.MFAEnrolled {
			t.Error("still enrolled after reset-2fa")
		}
		if _, _, err := db.SessionActor(ctx, token); err == nil {
			t.Error("session survived reset-2fa")
		}
		if _, _, err := db.BeginTOTP(storetest.As(u)); err != nil {
			t.Errorf("enrolling again: %v", err)
		}
		if r := tg.run(t, "user", "reset-2fa", "--user", "officer"); !strings.Contains(r.stdout, "had no second factor set up") {
			t.Errorf("second reset-2fa said %q", r.stdout)
		}

		for _, tt := range []struct {
			args     []string
			code     int
			contains string
		}{
			{[]string{"user", "reset-2fa"}, 2, "--user is required (or set HAVEN_USER)"},
			{[]string{"user", "reset-2fa", "--user", "nobody"}, 1, `no user named "nobody"`},
		} {
			if r := tg.try(t, testMain(nil), tt.args...); r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
				t.Errorf("%v: exit %d, %q", tt.args, r.code, r.stderr)
			}
		}
	})
}

func TestAgencySetMFA(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		ctx := storetest.System()
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		db := tg.open(t)
		required := func() bool {
			t.Helper()
			a, err := db.AgencyBySlug(ctx, "metro-pd")
			if err != nil {
				t.Fatal(err)
			}
			return a.RequireMFA
		}
		if !required() {
			t.Fatal("agency create: second factor not required by default")
		}

		if r := tg.run(t, "agency", "set-mfa", "--slug", "metro-pd", "--on=false"); !strings.Contains(r.stdout, "metro-pd: second factor optional") {
			t.Errorf("set-mfa --on=false said %q", r.stdout)
		}
		if required() {
			t.Error("--on=false left it required")
		}
		if r := tg.run(t, "agency", "list"); !regexp.MustCompile(`(?m)^metro-pd\s+police\s+UTC\s+optional\s+-\s+-\s+Metro PD$`).MatchString(r.stdout) {
			t.Errorf("agency list:\n%s", r.stdout)
		}
		tg.run(t, "agency", "set-mfa", "--slug", "metro-pd", "--on")
		if !required() {
			t.Error("--on left it optional")
		}
		if r := tg.try(t, testMain(map[string]string{"HAVEN_ON": "false", "HAVEN_SLUG": "metro-pd"}), "agency", "set-mfa"); r.err != nil || required() {
			t.Errorf("HAVEN_ON=false: %v %s", r.err, r.stderr)
		}
		// The creation and each change are in the audit log, which is intact.
		if r := tg.run(t, "audit", "verify"); !strings.Contains(r.stdout, "audit log intact: 4 entries") {
			t.Errorf("audit verify: %q", r.stdout)
		}

		for _, tt := range []struct {
			args     []string
			code     int
			contains string
		}{
			{[]string{"--slug", "metro-pd"}, 2, "--on is required"},
			{[]string{"--on"}, 2, "--slug is required"},
			{[]string{"--slug", "metro-pd", "--on=maybe"}, 2, "--on"},
			{[]string{"--slug", "nowhere", "--on"}, 1, `no agency with slug "nowhere"`},
		} {
			r := tg.try(t, testMain(nil), append([]string{"agency", "set-mfa"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
				t.Errorf("%v: exit %d, %q", tt.args, r.code, r.stderr)
			}
		}
	})
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	for _, done := range []int{0, 200, 400, 450, 1000} {
		p.bar(done, 1000, "re-sealed under dk-1")
	}
	p.end()
	want := "[--------------------] 0/1000 re-sealed under dk-1\n" +
		"[####----------------] 200/1000 re-sealed under dk-1\n" +
		"[########------------] 400/1000 re-sealed under dk-1\n" +
		"[####################] 1000/1000 re-sealed under dk-1\n"
	if b.String() != want {
		t.Errorf("plain progress:\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	p = &progress{w: &b, tty: true, step: -1}
	p.bar(0, 0, "re-sealed under dk-1")
	p.count("verified %d entries", 10000)
	p.end()
	if got := b.String(); !strings.HasPrefix(got, "\r[####################] 0/0 re-sealed under dk-1") ||
		!strings.Contains(got, "\rverified 10000 entries") || !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("terminal progress: %q", got)
	}
}
