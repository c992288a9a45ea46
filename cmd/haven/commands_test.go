package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		var versions []string
		re := regexp.MustCompile(`schema version (\d+) \(` + tg.driver + `\)`)
		for range 2 {
			r := tg.run(t, "migrate")
			m := re.FindStringSubmatch(r.stdout)
			if m == nil || m[1] == "0" {
				t.Fatalf("migrate printed %q", r.stdout)
			}
			versions = append(versions, m[1])
		}
		if versions[0] != versions[1] {
			t.Errorf("second migrate moved the schema from %s to %s", versions[0], versions[1])
		}
	})
}

func TestAgency(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		r := tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro City Police Department", "--kind", "police", "--tz", "America/Chicago", "--require-mfa=false")
		if !strings.Contains(r.stdout, "second factor optional") {
			t.Errorf("create --require-mfa=false said %q", r.stdout)
		}
		r = tg.run(t, "agency", "create", "--slug", "safe-harbor", "--name", "Safe Harbor Advocacy Center", "--kind", "advocacy")
		if !strings.Contains(r.stdout, "second factor required") {
			t.Errorf("create said %q", r.stdout)
		}
		// HAVEN_REQUIRE_MFA sets it too.
		if r := tg.try(t, testMain(map[string]string{"HAVEN_REQUIRE_MFA": "false"}), "agency", "create", "--slug", "county-legal", "--name", "County Legal Aid", "--kind", "legal_aid"); r.err != nil {
			t.Fatalf("create with HAVEN_REQUIRE_MFA: %v %s", r.err, r.stderr)
		}

		r = tg.run(t, "agency", "list")
		want := []*regexp.Regexp{
			regexp.MustCompile(`(?m)^SLUG\s+KIND\s+TIME ZONE\s+MFA\s+PARTNER\s+HOTLINE\s+NAME$`),
			regexp.MustCompile(`(?m)^metro-pd\s+police\s+America/Chicago\s+optional\s+-\s+-\s+Metro City Police Department$`),
			regexp.MustCompile(`(?m)^safe-harbor\s+advocacy\s+UTC\s+required\s+-\s+-\s+Safe Harbor Advocacy Center$`),
			regexp.MustCompile(`(?m)^county-legal\s+legal_aid\s+UTC\s+optional\s+-\s+-\s+County Legal Aid$`),
		}
		for _, re := range want {
			if !re.MatchString(r.stdout) {
				t.Errorf("agency list lacks %s:\n%s", re, r.stdout)
			}
		}

		tests := []struct {
			name     string
			args     []string
			code     int
			contains string
		}{
			{"duplicate slug", []string{"--slug", "metro-pd", "--name", "X", "--kind", "police"}, 1, "already exists (field slug)"},
			{"bad kind", []string{"--slug", "x", "--name", "X", "--kind", "bakery"}, 1, "(field kind)"},
			{"bad time zone", []string{"--slug", "x", "--name", "X", "--kind", "court", "--tz", "Mars/Olympus"}, 1, "(field time_zone)"},
			{"bad slug", []string{"--slug", "Not A Slug", "--name", "X", "--kind", "court"}, 1, "(field slug)"},
			{"missing name", []string{"--slug", "x", "--kind", "court"}, 2, "--name is required (or set HAVEN_NAME)"},
			{"bad require-mfa", []string{"--slug", "x", "--name", "X", "--kind", "court", "--require-mfa=sometimes"}, 2, "--require-mfa"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), append([]string{"agency", "create"}, tt.args...)...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
					t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tt.code, tt.contains)
				}
			})
		}
	})
}

func TestUser(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		ctx := storetest.System()
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		tg.run(t, "agency", "create", "--slug", "safe-harbor", "--name", "Safe Harbor", "--kind", "advocacy")

		// A generated password is printed last and must be changed.
		r := tg.run(t, "user", "create", "--agency", "metro-pd", "--username", "Officer.One", "--role", "officer", "--name", "Dana Reyes")
		generated := r.lastLine()
		if auth.ValidatePassword(generated) != nil {
			t.Fatalf("last line %q is not a password", generated)
		}
		db := tg.open(t)
		u, err := db.UserByUsername(ctx, "officer.one")
		if err != nil {
			t.Fatal(err)
		}
		if !u.MustChangePassword || u.DisplayName != "Dana Reyes" || u.Role != haven.RoleOfficer || u.Agency.Slug != "metro-pd" {
			t.Errorf("created %+v", u)
		}
		if _, _, err := db.Login(ctx, "officer.one", generated, "192.0.2.1"); err != nil {
			t.Errorf("login with generated password: %v", err)
		}

		// A password from standard input is kept as given.
		m := testMain(nil)
		m.Stdin = strings.NewReader("advocate-pass-phrase\nignored second line\n")
		if r := tg.try(t, m, "user", "create", "--agency", "safe-harbor", "--username", "advocate", "--role", "advocate", "--password-stdin"); r.err != nil {
			t.Fatalf("create with --password-stdin: %v %s", r.err, r.stderr)
		} else if strings.Contains(r.stdout, "advocate-pass-phrase") {
			t.Error("password from stdin was echoed")
		}
		if u, _ := db.UserByUsername(ctx, "advocate"); u == nil || u.MustChangePassword {
			t.Errorf("stdin password user: %+v", u)
		}
		if _, _, err := db.Login(ctx, "advocate", "advocate-pass-phrase", "192.0.2.1"); err != nil {
			t.Errorf("login with stdin password: %v", err)
		}

		r = tg.run(t, "user", "list")
		for _, re := range []string{
			`(?m)^USERNAME\s+ROLE\s+AGENCY\s+STATUS\s+LAST SIGN-IN\s+NAME$`,
			`(?m)^officer\.one\s+officer\s+metro-pd\s+must-change-password\s+\S+ \S+\s+Dana Reyes$`,
			`(?m)^advocate\s+advocate\s+safe-harbor\s+active\s+\S+ \S+\s+advocate$`,
		} {
			if !regexp.MustCompile(re).MatchString(r.stdout) {
				t.Errorf("user list lacks %s:\n%s", re, r.stdout)
			}
		}
		r = tg.run(t, "user", "list", "--agency", "safe-harbor")
		if strings.Contains(r.stdout, "officer.one") || !strings.Contains(r.stdout, "advocate") {
			t.Errorf("user list --agency safe-harbor:\n%s", r.stdout)
		}
		r = tg.run(t, "user", "list", "--role", "officer")
		if !strings.Contains(r.stdout, "officer.one") || strings.Contains(r.stdout, "\nadvocate") {
			t.Errorf("user list --role officer:\n%s", r.stdout)
		}

		tg.run(t, "user", "disable", "--user", "advocate")
		if u, _ := db.UserByUsername(ctx, "advocate"); !u.Disabled {
			t.Error("disable: user still enabled")
		}
		if r := tg.run(t, "user", "list", "--agency", "safe-harbor"); !regexp.MustCompile(`advocate\s+advocate\s+safe-harbor\s+disabled`).MatchString(r.stdout) {
			t.Errorf("list after disable:\n%s", r.stdout)
		}
		tg.run(t, "user", "enable", "--user", "ADVOCATE") // usernames are case-insensitive
		if u, _ := db.UserByUsername(ctx, "advocate"); u.Disabled {
			t.Error("enable: user still disabled")
		}

		r = tg.run(t, "user", "reset-password", "--user", "advocate")
		reset := r.lastLine()
		if _, _, err := db.Login(ctx, "advocate", reset, "192.0.2.2"); err != nil {
			t.Errorf("login with reset password: %v", err)
		}
		if u, _ := db.UserByUsername(ctx, "advocate"); !u.MustChangePassword {
			t.Error("reset-password: must change = false")
		}

		tests := []struct {
			name     string
			stdin    string
			args     []string
			code     int
			contains string
		}{
			{"unknown agency", "", []string{"create", "--agency", "nowhere", "--username", "x", "--role", "officer"}, 1, `no agency with slug "nowhere"`},
			{"bad role", "", []string{"create", "--agency", "metro-pd", "--username", "x", "--role", "sheriff"}, 1, "(field role)"},
			{"taken username", "", []string{"create", "--agency", "metro-pd", "--username", "advocate", "--role", "officer"}, 1, "(field username)"},
			{"short stdin password", "short\n", []string{"create", "--agency", "metro-pd", "--username", "x", "--role", "officer", "--password-stdin"}, 1, "(field password)"},
			{"empty stdin", "", []string{"create", "--agency", "metro-pd", "--username", "x", "--role", "officer", "--password-stdin"}, 1, "no password on standard input"},
			{"missing role", "", []string{"create", "--agency", "metro-pd", "--username", "x"}, 2, "--role is required"},
			{"unknown user", "", []string{"disable", "--user", "nobody"}, 1, `no user named "nobody"`},
			{"list bad role", "", []string{"list", "--role", "sheriff"}, 2, "--role"},
			{"missing user", "", []string{"reset-password"}, 2, "--user is required"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := testMain(nil)
				m.Stdin = strings.NewReader(tt.stdin)
				r := tg.try(t, m, append([]string{"user"}, tt.args...)...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
					t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tt.code, tt.contains)
				}
			})
		}
	})
}

func TestToken(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		ctx := storetest.System()
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		tg.run(t, "user", "create", "--agency", "metro-pd", "--username", "cad-feed", "--role", "analyst")
		db := tg.open(t)

		r := tg.run(t, "token", "create", "--user", "cad-feed", "--name", "dispatch import")
		token := r.lastLine()
		actor, err := db.TokenActor(ctx, token)
		if err != nil {
			t.Fatalf("TokenActor(last line %q): %v", token, err)
		}
		if actor.Username != "cad-feed" || actor.Via != "token" {
			t.Errorf("token acts as %+v", actor)
		}

		r = tg.run(t, "token", "create", "--user", "cad-feed", "--name", "short-lived", "--expires", "1h")
		short := r.lastLine()
		if _, err := db.TokenActor(ctx, short); err != nil {
			t.Errorf("expiring token: %v", err)
		}
		if !strings.Contains(r.stdout, "expires 20") {
			t.Errorf("no expiry shown: %s", r.stdout)
		}

		toks, err := db.FindTokens(ctx, actor.UserID)
		if err != nil || len(toks) != 2 {
			t.Fatalf("FindTokens = %d, %v", len(toks), err)
		}
		var id string
		for _, tok := range toks {
			if tok.Name == "dispatch import" {
				id = tok.ID
			}
		}
		r = tg.run(t, "token", "list", "--user", "cad-feed")
		if !regexp.MustCompile(`(?m)^` + id + `\s+dispatch import\s+hvn_\S+\s+active\s`).MatchString(r.stdout) {
			t.Errorf("token list:\n%s", r.stdout)
		}
		if strings.Contains(r.stdout, token) {
			t.Error("token list shows the secret")
		}

		tg.run(t, "token", "revoke", "--id", id)
		if _, err := db.TokenActor(ctx, token); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Errorf("revoked token: err = %v", err)
		}
		if _, err := db.TokenActor(ctx, short); err != nil {
			t.Errorf("other token after revoke: %v", err)
		}
		r = tg.run(t, "token", "list", "--user", "cad-feed")
		if !regexp.MustCompile(`(?m)^` + id + `\s+dispatch import\s+hvn_\S+\s+revoked\s`).MatchString(r.stdout) {
			t.Errorf("token list after revoke:\n%s", r.stdout)
		}

		tests := []struct {
			name     string
			args     []string
			code     int
			contains string
		}{
			{"negative expiry", []string{"create", "--user", "cad-feed", "--expires", "-1h"}, 2, "--expires must be 0"},
			{"bad expiry", []string{"create", "--user", "cad-feed", "--expires", "soon"}, 2, "--expires"},
			{"unknown user", []string{"create", "--user", "nobody"}, 1, `no user named "nobody"`},
			{"unknown id", []string{"revoke", "--id", "not-an-id"}, 1, `no API token with id "not-an-id"`},
			{"missing id", []string{"revoke"}, 2, "--id is required"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), append([]string{"token"}, tt.args...)...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
					t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tt.code, tt.contains)
				}
			})
		}
	})
}

// Disabling a user stops their tokens, and a disabled user gets none.
func TestTokenDisabledUser(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		tg.run(t, "user", "create", "--agency", "metro-pd", "--username", "feed", "--role", "analyst")
		token := tg.run(t, "token", "create", "--user", "feed").lastLine()
		tg.run(t, "user", "disable", "--user", "feed")
		if _, err := tg.open(t).TokenActor(storetest.System(), token); err == nil {
			t.Error("token of a disabled user accepted")
		}
		if r := tg.try(t, testMain(nil), "token", "create", "--user", "feed"); r.code != 1 || !strings.Contains(r.stderr, "disabled") {
			t.Errorf("token for disabled user: exit %d %q", r.code, r.stderr)
		}
	})
}

// A database that cannot be opened is reported with its cause.
func TestOpenFailure(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, testMain(nil), "migrate", "--data", filepath.Join(file, "sub"))
	if r.code != 1 || !strings.Contains(r.stderr, "haven: cannot open the") || !strings.Contains(r.stderr, "cause:") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
