package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runMain(t, testMain(nil), args...)
		if r.err != nil || !strings.HasPrefix(r.stdout, "haven "+haven.Version+"\n") || !strings.Contains(r.stdout, runtime.Version()) {
			t.Errorf("%v: %v %q", args, r.err, r.stdout)
		}
	}
}

// Every command explains itself and every flag it takes, with the flag's
// environment variable, both as `haven help CMD` and `haven CMD --help`.
func TestHelp(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			e := &env{}
			c.build(e)
			words := strings.Fields(c.name)
			for _, args := range [][]string{
				append([]string{"help"}, words...),
				append(words, "--help"),
				append(words, "-h"),
			} {
				r := runMain(t, testMain(nil), args...)
				if r.err != nil {
					t.Fatalf("%v: %v", args, r.err)
				}
				if !strings.HasPrefix(r.stdout, "Usage: haven "+c.name) {
					t.Errorf("%v: help starts %q", args, firstLine(r.stdout))
				}
				for _, d := range e.flags.defs {
					if !strings.Contains(r.stdout, "--"+d.name) || !strings.Contains(r.stdout, "env "+d.env) {
						t.Errorf("%v: help does not explain --%s and %s", args, d.name, d.env)
					}
					if d.usage == "" {
						t.Errorf("--%s has no description", d.name)
					}
				}
			}
			if c.summary == "" || c.about == "" {
				t.Error("no summary or about text")
			}
		})
	}
}

func TestHelpOverviewAndGroups(t *testing.T) {
	tests := []struct {
		args     []string
		contains []string
	}{
		{[]string{"help"}, []string{"Usage: haven COMMAND", "serve", "user reset-password", "token revoke", "HAVEN_SESSION_IDLE"}},
		{[]string{"--help"}, []string{"Usage: haven COMMAND"}},
		{[]string{"help", "help"}, []string{"Usage: haven COMMAND"}},
		{[]string{"help", "user"}, []string{"Usage: haven user SUBCOMMAND", "user create", "user reset-password"}},
		{[]string{"agency", "--help"}, []string{"agency create", "agency list"}},
		{[]string{"token", "help"}, []string{"token create", "token list", "token revoke"}},
		{[]string{"help"}, []string{"audit verify", "audit head", "keys rotate", "user reset-2fa", "agency set-mfa"}},
		{[]string{"help", "audit"}, []string{"Usage: haven audit SUBCOMMAND", "audit verify", "audit head"}},
		{[]string{"keys", "--help"}, []string{"keys rotate"}},
		{[]string{"agency", "--help"}, []string{"agency set-mfa"}},
	}
	for _, tt := range tests {
		r := runMain(t, testMain(nil), tt.args...)
		if r.err != nil {
			t.Errorf("%v: %v", tt.args, r.err)
		}
		for _, s := range tt.contains {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v: output lacks %q", tt.args, s)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		contains string
	}{
		{"no command", nil, nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"user", "delete"}, nil, `unknown command "user delete"`},
		{"group alone", []string{"token"}, nil, "token needs a subcommand: create, list, revoke"},
		{"keys alone", []string{"keys"}, nil, "keys needs a subcommand: rotate"},
		{"bad anchor env", []string{"audit", "verify"}, map[string]string{"HAVEN_ANCHOR": "latest"}, `invalid value "latest" for HAVEN_ANCHOR (--anchor)`},
		{"bad require-mfa env", []string{"agency", "create"}, map[string]string{"HAVEN_REQUIRE_MFA": "sometimes"}, "HAVEN_REQUIRE_MFA (--require-mfa): want true or false"},
		{"help for nothing", []string{"help", "nothing"}, nil, `no help for "nothing"`},
		{"unknown flag", []string{"agency", "list", "--colour"}, nil, "unknown flag --colour"},
		{"flag without value", []string{"agency", "list", "--data"}, nil, "flag --data needs a value"},
		{"positional argument", []string{"user", "disable", "alice"}, nil, `unexpected argument "alice"`},
		{"bad duration flag", []string{"config", "--session-idle", "soon"}, nil, `invalid value "soon" for flag --session-idle`},
		{"bad duration env", []string{"config"}, map[string]string{"HAVEN_SESSION_IDLE": "soon"}, `invalid value "soon" for HAVEN_SESSION_IDLE (--session-idle)`},
		{"zero duration", []string{"config", "--session-max", "0"}, nil, "--session-max must be longer than 0 (flag --session-max gave 0s)"},
		{"zero from env", []string{"config"}, map[string]string{"HAVEN_LOCKOUT": "0s"}, "--lockout must be longer than 0 (env HAVEN_LOCKOUT gave 0s)"},
		{"bad int", []string{"config", "--login-max-failures", "five"}, nil, "--login-max-failures: want a whole number"},
		{"zero int", []string{"config", "--login-max-failures", "0"}, nil, "--login-max-failures must be at least 1"},
		{"bad rate", []string{"config", "--login-ip-limit", "20/hour"}, nil, "--login-ip-limit: want a number per minute"},
		{"bad bool env", []string{"config"}, map[string]string{"HAVEN_DEMO": "maybe"}, "HAVEN_DEMO (--demo): want true or false"},
		{"bad secure cookies", []string{"config", "--secure-cookies=sometimes"}, nil, `invalid boolean value "sometimes" for flag --secure-cookies: want true, false or auto`},
		{"bad bool flag", []string{"config", "--demo=maybe"}, nil, `invalid boolean value "maybe" for flag --demo: want true or false`},
		{"bad log level", []string{"migrate", "--log-level", "loud"}, nil, "--log-level: want one of debug, info, warn, error"},
		{"bad log format env", []string{"migrate"}, map[string]string{"HAVEN_LOG_FORMAT": "xml"}, "HAVEN_LOG_FORMAT (--log-format): want one of json, text"},
		{"bad addr", []string{"config", "--addr", "8080"}, nil, `invalid value "8080" for --addr`},
		{"cert without key", []string{"serve", "--tls-cert", "cert.pem"}, nil, "--tls-cert and --tls-key go together"},
		{"finder exit not a URL", []string{"serve", "--finder-exit-url", "weather"}, nil, "want an absolute http(s) URL"},
		{"finder exit from the environment", []string{"config"}, map[string]string{"HAVEN_FINDER_EXIT_URL": "javascript:alert(1)"}, "invalid value \"javascript:alert(1)\" for --finder-exit-url (env HAVEN_FINDER_EXIT_URL)"},
		{"key without cert", []string{"config"}, map[string]string{"HAVEN_TLS_KEY": "key.pem"}, "--tls-cert and --tls-key go together"},
		{"unsupported db", []string{"migrate", "--db", "mysql://root:hunter2@db/haven"}, nil, "--db mysql://root:xxxxx@db/haven is not supported"},
		{"db and db-file flags", []string{"config", "--db", "postgres://h/db", "--db-file", "dsn.txt"}, nil, "give only one of --db and --db-file"},
		{"db and db-file env", []string{"config"}, map[string]string{"HAVEN_DB": "postgres://h/db", "HAVEN_DB_FILE": "dsn.txt"}, "give only one of --db and --db-file (env HAVEN_DB, env HAVEN_DB_FILE)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, testMain(tt.env), tt.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (err %v)", r.code, r.err)
			}
			if !strings.Contains(r.stderr, tt.contains) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.contains)
			}
			if strings.Contains(r.stderr, "hunter2") {
				t.Error("error shows a password")
			}
			if strings.Contains(r.stderr, "goroutine") {
				t.Error("error shows a stack")
			}
		})
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		want string
	}{
		{"nil", nil, 0, ""},
		{"usage", &usageError{cmd: "user create", msg: "--role is required"}, 2, "haven: --role is required\nRun 'haven help user create' for usage.\n"},
		{"field", haven.FieldErrorf(haven.EINVALID, "slug", "slug is bad"), 1, "haven: slug is bad (field slug)\n"},
		{"no field", haven.Errorf(haven.ECONFLICT, "that already exists"), 1, "haven: that already exists\n"},
		{"unavailable", &haven.Error{Code: haven.EUNAVAILABLE, Message: "database not reachable", Err: errors.New("dial tcp: refused")}, 1,
			"haven: database not reachable\n  cause: dial tcp: refused\n"},
		{"wrapped internal", fmt.Errorf("migrate: %w", haven.Internal(errors.New("disk full"))), 1,
			"haven: internal error\n  cause: disk full\n"},
		{"foreign", errors.New("boom"), 1, "haven: internal error\n  cause: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := report(&b, tt.err); code != tt.code || b.String() != tt.want {
				t.Errorf("report = %d %q, want %d %q", code, b.String(), tt.code, tt.want)
			}
		})
	}
}

// Environment variables (read through os.LookupEnv, as in the real binary)
// set flags; flags override them.
func TestEnvOverride(t *testing.T) {
	envDir, flagDir := t.TempDir(), t.TempDir()
	t.Setenv("HAVEN_DATA", envDir)
	t.Setenv("HAVEN_SESSION_IDLE", "45m")
	t.Setenv("HAVEN_LOGIN_IP_LIMIT", "7")
	m := testMain(nil)
	m.LookupEnv = nil

	if r := runMain(t, m, "migrate"); r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := os.Stat(filepath.Join(envDir, "haven.db")); err != nil {
		t.Errorf("HAVEN_DATA ignored: %v", err)
	}
	if r := runMain(t, m, "migrate", "--data", flagDir); r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := os.Stat(filepath.Join(flagDir, "haven.db")); err != nil {
		t.Errorf("--data did not override HAVEN_DATA: %v", err)
	}

	r := runMain(t, m, "config", "--login-ip-limit", "9/min")
	for _, re := range []string{
		`(?m)^--session-idle\s+45m\s+env HAVEN_SESSION_IDLE$`,
		`(?m)^--login-ip-limit\s+9/min\s+flag --login-ip-limit$`,
		`(?m)^--data\s+` + regexp.QuoteMeta(envDir) + `\s+env HAVEN_DATA$`,
		`(?m)^--session-max\s+12h\s+default$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("config lacks %s:\n%s", re, r.stdout)
		}
	}
}

func TestConfig(t *testing.T) {
	dsnFile := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(dsnFile, []byte("postgres://haven:file-secret@db.internal/haven?sslmode=verify-full\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    []string
		secrets []string
	}{
		{"defaults", nil, nil, []string{
			`(?m)^--addr\s+127\.0\.0\.1:8080\s+default$`,
			`(?m)^--data\s+\./haven-data\s+default$`,
			`(?m)^data directory\s+\./haven-data$`,
			`(?m)^database\s+embedded SQLite at haven-data/haven\.db$`,
			`(?m)^secure cookies\s+false \(auto: not serving TLS\)$`,
			`(?m)^URL\s+http://127\.0\.0\.1:8080/$`,
		}, nil},
		{"demo data dir", []string{"--demo"}, nil, []string{`(?m)^data directory\s+\./haven-demo$`}, nil},
		{"demo with data env", []string{"--demo"}, map[string]string{"HAVEN_DATA": "/srv/haven"}, []string{`(?m)^data directory\s+/srv/haven$`}, nil},
		{"tls", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--addr", ":8443"}, nil, []string{
			`(?m)^secure cookies\s+true \(auto: serving TLS\)$`,
			`(?m)^URL\s+https://localhost:8443/$`,
		}, nil},
		{"secure cookies behind proxy", []string{"--secure-cookies", "--trust-proxy"}, nil, []string{
			`(?m)^secure cookies\s+true$`,
			`(?m)^--trust-proxy\s+true\s+flag --trust-proxy$`,
		}, nil},
		{"postgres password redacted", []string{"--db", "postgres://haven:hunter2@db.internal:5432/haven?sslmode=require&password=also-secret"}, nil, []string{
			`(?m)^database\s+PostgreSQL postgres://haven:xxxxx@db\.internal:5432/haven\?`,
		}, []string{"hunter2", "also-secret"}},
		{"dsn from file", nil, map[string]string{"HAVEN_DB_FILE": dsnFile}, []string{
			`(?m)^--db-file\s+` + regexp.QuoteMeta(dsnFile) + `\s+env HAVEN_DB_FILE$`,
			`(?m)^database\s+PostgreSQL postgres://haven:xxxxx@db\.internal/haven\?sslmode=verify-full$`,
		}, []string{"file-secret"}},
		{"db flag beats db file env", []string{"--db", "postgres://flag@h/db"}, map[string]string{"HAVEN_DB_FILE": dsnFile}, []string{
			`(?m)^database\s+PostgreSQL postgres://flag@h/db$`,
		}, []string{"file-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, testMain(tt.env), append([]string{"config"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			for _, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(r.stdout) {
					t.Errorf("config lacks %s:\n%s", re, r.stdout)
				}
			}
			for _, s := range tt.secrets {
				if strings.Contains(r.stdout, s) {
					t.Errorf("config shows secret %q", s)
				}
			}
		})
	}
}

// HAVEN_DB_FILE really selects the database (here an SQLite file).
func TestDBFile(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "elsewhere.db")
	dsnFile := filepath.Join(dir, "dsn")
	if err := os.WriteFile(dsnFile, []byte("sqlite:"+dbPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, testMain(map[string]string{"HAVEN_DB_FILE": dsnFile}), "migrate", "--data", filepath.Join(dir, "data"))
	if r.err != nil {
		t.Fatalf("%v %s", r.err, r.stderr)
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("database not at the DSN from the file: %v", err)
	}
	r = runMain(t, testMain(map[string]string{"HAVEN_DB_FILE": filepath.Join(dir, "missing")}), "migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot read the database DSN file (env HAVEN_DB_FILE)") {
		t.Errorf("missing DSN file: exit %d %q", r.code, r.stderr)
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[string]string{"30m": "30m", "12h": "12h", "15s": "15s", "1h30m": "1h30m", "0": "0s", "90m": "1h30m", "1h0m30s": "1h0m30s"} {
		var d durationValue
		if err := d.Set(in); err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != want {
			t.Errorf("%s → %q, want %q", in, got, want)
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
