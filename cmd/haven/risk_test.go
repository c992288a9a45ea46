package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/risk"
	"github.com/haven-dv/haven/store/storetest"
)

func TestAgencyUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro City Police Department", "--kind", "police")
		tg.run(t, "agency", "create", "--slug", "safe-harbor", "--name", "Safe Harbor Advocacy Center", "--kind", "advocacy")
		tg.run(t, "agency", "create", "--slug", "county-legal", "--name", "County Legal Aid", "--kind", "legal_aid")
		db := tg.open(t)
		sh, err := db.AgencyBySlug(storetest.System(), "safe-harbor")
		if err != nil {
			t.Fatal(err)
		}

		// The steps run in order, each on what the ones before left.
		type settings struct{ name, phone, partner string }
		steps := []struct {
			name     string
			env      map[string]string
			args     []string
			code     int
			contains string // in stdout when code is 0, else in stderr
			want     settings
		}{
			{"sets all", nil, []string{"metro-pd", "--hotline-name", "Metro DV Hotline", "--hotline-phone", "+1 555 0100", "--partner", "safe-harbor"},
				0, "partner  safe-harbor (Safe Harbor Advocacy Center)", settings{"Metro DV Hotline", "+1 555 0100", sh.ID}},
			{"changes only what is given", nil, []string{"metro-pd", "--hotline-phone", "(555) 0101"},
				0, "hotline  Metro DV Hotline, (555) 0101", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"environment twin", map[string]string{"HAVEN_HOTLINE_NAME": "Metro Crisis Line"}, []string{"metro-pd"},
				0, "Metro Crisis Line, (555) 0101", settings{"Metro Crisis Line", "(555) 0101", sh.ID}},
			{"slug by flag", nil, []string{"--slug", "metro-pd", "--hotline-name", "Metro DV Hotline"},
				0, "Updated agency metro-pd", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"clears the partner", nil, []string{"metro-pd", "--partner", ""},
				0, "partner  -", settings{"Metro DV Hotline", "(555) 0101", ""}},
			{"sets it again", nil, []string{"metro-pd", "--partner=safe-harbor"},
				0, "partner  safe-harbor", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"rejects a partner that is not advocacy", nil, []string{"metro-pd", "--partner", "county-legal"},
				1, "must be an advocacy agency", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"rejects an unknown partner", nil, []string{"metro-pd", "--partner", "nowhere"},
				1, "(field partner)", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"rejects a bad phone", nil, []string{"metro-pd", "--hotline-phone", "call 555-HELP"},
				1, "(field hotline_phone)", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"nothing to change", nil, []string{"metro-pd"},
				2, "nothing to change", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"no agency", nil, []string{"--partner", "safe-harbor"},
				2, "name the agency", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"two agencies", nil, []string{"metro-pd", "safe-harbor", "--partner", ""},
				2, "name one agency", settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
			{"unknown agency", nil, []string{"nowhere", "--partner", ""},
				1, `no agency with slug "nowhere"`, settings{"Metro DV Hotline", "(555) 0101", sh.ID}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				r := tg.try(t, testMain(st.env), append([]string{"agency", "update"}, st.args...)...)
				out := r.stdout
				if st.code != 0 {
					out = r.stderr
				}
				if r.code != st.code || !strings.Contains(out, st.contains) {
					t.Errorf("exit %d, stdout %q, stderr %q; want %d with %q", r.code, r.stdout, r.stderr, st.code, st.contains)
				}
				a, err := db.AgencyBySlug(storetest.System(), "metro-pd")
				if err != nil {
					t.Fatal(err)
				}
				if got := (settings{a.HotlineName, a.HotlinePhone, a.PartnerAgencyID}); got != st.want {
					t.Errorf("settings %+v, want %+v", got, st.want)
				}
			})
		}

		r := tg.run(t, "agency", "list")
		for _, re := range []string{
			`(?m)^SLUG\s+KIND\s+TIME ZONE\s+MFA\s+PARTNER\s+HOTLINE\s+NAME$`,
			`(?m)^metro-pd\s+police\s+UTC\s+required\s+safe-harbor\s+Metro DV Hotline, \(555\) 0101\s+Metro City Police Department$`,
			`(?m)^safe-harbor\s+advocacy\s+UTC\s+required\s+-\s+-\s+Safe Harbor Advocacy Center$`,
		} {
			if !regexp.MustCompile(re).MatchString(r.stdout) {
				t.Errorf("agency list lacks %s:\n%s", re, r.stdout)
			}
		}
	})
}

// builtinVersion is the version of the built-in instrument id.
func builtinVersion(t *testing.T, id string) string {
	t.Helper()
	list, err := risk.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if in.ID == id {
			return in.Version
		}
	}
	t.Fatalf("no built-in instrument %s", id)
	return ""
}

// builtinFile returns the built-in definition of id as a file's content,
// changed by change when it is not nil.
func builtinFile(t *testing.T, id string, change func(in *haven.Instrument)) []byte {
	t.Helper()
	list, err := risk.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if in.ID != id {
			continue
		}
		c := *in // shared: change a copy
		c.Items = append([]haven.InstrumentItem(nil), in.Items...)
		c.File = ""
		if change != nil {
			change(&c)
		}
		b, err := json.MarshalIndent(&c, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("no built-in instrument %s", id)
	return nil
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRiskValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good", "lap.json"), builtinFile(t, "lap", nil))
	badItem := writeFile(t, filepath.Join(dir, "bad", "lap-local.json"), builtinFile(t, "lap", func(in *haven.Instrument) {
		in.Items[4].ID = "q5x"
	}))
	badJSON := writeFile(t, filepath.Join(dir, "bad", "truncated.json"), []byte(`{"id": "lap",`))
	lapV, daV := builtinVersion(t, "lap"), builtinVersion(t, "danger-assessment")
	da := writeFile(t, filepath.Join(dir, "good", "da.json"), builtinFile(t, "danger-assessment", nil))
	twice := writeFile(t, filepath.Join(dir, "twice", "a.json"), builtinFile(t, "lap", nil))
	writeFile(t, filepath.Join(dir, "twice", "b.json"), builtinFile(t, "lap", func(in *haven.Instrument) { in.Version = "local" }))
	noteOnly := writeFile(t, filepath.Join(dir, "lap.txt"), builtinFile(t, "lap", nil))

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		unwanted string
	}{
		{"good file", []string{good}, 0, []string{"ok " + good + " (lap " + lapV + ", 11 items)"}, "", "invalid"},
		{"several good", []string{good, da}, 0, []string{"ok " + good, "ok " + da + " (danger-assessment " + daV + ", 20 items)"}, "", "invalid"},
		{"a directory", []string{filepath.Join(dir, "good")}, 0, []string{"ok " + da, "ok " + good}, "", "invalid"},
		{"item at fault", []string{good, badItem}, 1, []string{"ok " + good, "invalid " + badItem + ": ", `"q5x"`},
			"1 of 2 instrument files is invalid", ""},
		{"broken JSON", []string{badJSON}, 1, []string{"invalid " + badJSON + ": invalid JSON"}, "1 of 1 instrument files is invalid", "ok "},
		{"bad directory", []string{filepath.Join(dir, "bad")}, 1, []string{"invalid " + badItem, "invalid " + badJSON},
			"2 of 2 instrument files are invalid", "ok "},
		{"one id twice in a directory", []string{filepath.Join(dir, "twice")}, 1,
			[]string{"ok " + twice, `defines instrument "lap" again`}, "1 of 2", ""},
		{"missing file", []string{filepath.Join(dir, "nope.json")}, 1, []string{"invalid " + filepath.Join(dir, "nope.json") + ": cannot read it"}, "", ""},
		{"not named .json", []string{noteOnly}, 0, []string{"ok " + noteOnly}, "Haven loads only files named *.json", ""},
		{"no file", nil, 2, nil, "name the instrument FILE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, testMain(nil), append([]string{"risk", "validate"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q, stderr %q", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q: %q", tt.stderr, r.stderr)
			}
			if tt.unwanted != "" && strings.Contains(r.stdout, tt.unwanted) {
				t.Errorf("stdout has %q:\n%s", tt.unwanted, r.stdout)
			}
		})
	}
}

func TestRiskScore(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		// metro-pd's own version of the screen.
		writeFile(t, filepath.Join(tg.cfg.DataDir, "instruments", "metro-pd", "lap.json"),
			builtinFile(t, "lap", func(in *haven.Instrument) { in.Version = "metro-1" }))
		lapV, dashV := builtinVersion(t, "lap"), builtinVersion(t, "dash")

		tests := []struct {
			name     string
			args     []string
			code     int
			contains string // stderr, when code is not 0
			band     string
			version  string
			high     bool
		}{
			{"screened in by q1", []string{"--instrument", "lap", "--answers", "q1=yes,q2=no"}, 0, "", "screened-in", lapV, true},
			{"not screened in", []string{"--instrument", "lap", "--answers", "q1=no, q2=no, q3=no, q4=yes"}, 0, "", "not-screened-in", lapV, false},
			{"professional judgement", []string{"--instrument", "lap", "--answers", "q1=no", "--judgement"}, 0, "", "screened-in", lapV, true},
			{"the agency's own version", []string{"--instrument", "lap", "--answers", "q1=yes", "--agency", "metro-pd"}, 0, "", "screened-in", "metro-1", true},
			{"escalation by call-outs", []string{"--instrument", "dash", "--answers", "q1=yes", "--callouts", "4"}, 0, "", "high", dashV, true},
			{"unknown item", []string{"--instrument", "lap", "--answers", "q1=yes,q99=yes"}, 1, "(field answers.q99)", "", "", false},
			{"value the item does not take", []string{"--instrument", "lap", "--answers", "q2=maybe"}, 1, "(field answers.q2)", "", "", false},
			{"unknown instrument", []string{"--instrument", "crystal-ball", "--answers", "q1=yes"}, 1, `no instrument "crystal-ball"`, "", "", false},
			{"unknown agency", []string{"--instrument", "lap", "--agency", "nowhere"}, 1, `no agency with slug "nowhere"`, "", "", false},
			{"pair without value", []string{"--instrument", "lap", "--answers", "q1"}, 2, `"q1" is not ITEM=ANSWER`, "", "", false},
			{"item twice", []string{"--instrument", "lap", "--answers", "q1=yes,q1=no"}, 2, "item q1 is answered twice", "", "", false},
			{"negative call-outs", []string{"--instrument", "dash", "--callouts", "-1"}, 2, "--callouts must be 0 or more", "", "", false},
			{"no instrument", []string{"--answers", "q1=yes"}, 2, "--instrument is required", "", "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), append([]string{"risk", "score"}, tt.args...)...)
				if r.code != tt.code {
					t.Fatalf("exit %d, want %d; stdout %q, stderr %q", r.code, tt.code, r.stdout, r.stderr)
				}
				if tt.code != 0 {
					if !strings.Contains(r.stderr, tt.contains) || r.stdout != "" {
						t.Errorf("stderr %q, want %q; stdout %q", r.stderr, tt.contains, r.stdout)
					}
					return
				}
				var res haven.RiskResult
				if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
					t.Fatalf("stdout is not a result: %v\n%s", err, r.stdout)
				}
				if res.Band != tt.band || res.Version != tt.version || res.High != tt.high || len(res.Reasons) == 0 {
					t.Errorf("result %+v; want band %s, version %s, high %v", res, tt.band, tt.version, tt.high)
				}
			})
		}
		// The answers may come from the environment too.
		r := tg.try(t, testMain(map[string]string{"HAVEN_INSTRUMENT": "lap", "HAVEN_ANSWERS": "q3=yes"}), "risk", "score")
		if r.code != 0 || !strings.Contains(r.stdout, `"band": "screened-in"`) {
			t.Errorf("from the environment: exit %d, %q %q", r.code, r.stdout, r.stderr)
		}
		// Scoring stores nothing: not even an audit entry.
		seq, _, err := tg.open(t).AuditHead(storetest.System())
		if err != nil {
			t.Fatal(err)
		}
		tg.run(t, "risk", "score", "--instrument", "lap", "--answers", "q1=yes", "--agency", "metro-pd")
		if again, _, _ := tg.open(t).AuditHead(storetest.System()); again != seq {
			t.Errorf("risk score appended %d audit entries", again-seq)
		}
	})
}

func TestRiskInstruments(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		tg.run(t, "agency", "create", "--slug", "safe-harbor", "--name", "Safe Harbor", "--kind", "advocacy")

		builtin := []string{
			`(?m)^ID\s+VERSION\s+ITEMS\s+BANDS\s+SOURCE\s+NAME$`,
			`(?m)^lap\s+\S+\s+11\s+not-screened-in,screened-in\s+builtin:lap\.json\s+Lethality Screen`,
			`(?m)^danger-assessment\s+\S+\s+20\s+variable,increased,severe,extreme\s+builtin:`,
			`(?m)^dash\s+\S+\s+27\s+\S+\s+builtin:`,
			`(?m)^dash-24\s+\S+\s+24\s+\S+\s+builtin:`,
			`(?m)^odara\s+\S+\s+13\s+\S+\s+builtin:`,
		}
		check := func(t *testing.T, out string, want []string) {
			t.Helper()
			for _, re := range want {
				if !regexp.MustCompile(re).MatchString(out) {
					t.Errorf("listing lacks %s:\n%s", re, out)
				}
			}
		}
		check(t, tg.run(t, "risk", "instruments").stdout, builtin)
		check(t, tg.run(t, "risk", "instruments", "--agency", "safe-harbor").stdout, builtin)

		// An installation's DASH for everyone, and metro-pd's own screen.
		writeFile(t, filepath.Join(tg.cfg.DataDir, "instruments", "dash.json"),
			builtinFile(t, "dash", func(in *haven.Instrument) { in.Version = "county-1" }))
		writeFile(t, filepath.Join(tg.cfg.DataDir, "instruments", "metro-pd", "lap.json"),
			builtinFile(t, "lap", func(in *haven.Instrument) { in.Version = "metro-1" }))
		out := tg.run(t, "risk", "instruments").stdout
		check(t, out, []string{`(?m)^lap\s+\S+\s+11\s+\S+\s+builtin:lap\.json`, `(?m)^dash\s+county-1\s+27\s+\S+\s+\S*dash\.json`})
		out = tg.run(t, "risk", "instruments", "--agency", "metro-pd").stdout
		check(t, out, []string{`(?m)^lap\s+metro-1\s+11\s+\S+\s+\S*metro-pd/lap\.json`, `(?m)^dash\s+county-1\s`})
		if strings.Index(out, "\nlap ") > strings.Index(out, "\ndanger-assessment ") {
			t.Errorf("an agency's own version moved in the list:\n%s", out)
		}

		if r := tg.try(t, testMain(nil), "risk", "instruments", "--agency", "nowhere"); r.code != 1 || !strings.Contains(r.stderr, `no agency with slug "nowhere"`) {
			t.Errorf("unknown agency: exit %d, %q", r.code, r.stderr)
		}
	})
}

func TestRiskHelp(t *testing.T) {
	r := runMain(t, testMain(nil), "risk", "--help")
	for _, s := range []string{"Usage: haven risk SUBCOMMAND", "risk instruments", "risk validate", "risk score"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("risk --help lacks %q:\n%s", s, r.stdout)
		}
	}
	r = runMain(t, testMain(nil), "help")
	for _, s := range []string{"agency update", "risk instruments", "risk validate", "risk score"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("help lacks %q", s)
		}
	}
	if r := runMain(t, testMain(nil), "risk"); r.code != 2 || !strings.Contains(r.stderr, "risk needs a subcommand: instruments, validate, score") {
		t.Errorf("risk alone: exit %d, %q", r.code, r.stderr)
	}
}
