package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
)

// TestImportExportHSDS runs 'haven import hsds' and 'haven export hsds'
// on both databases: the fixture as JSON (a confidential shelter), the
// standard's example package when the reference files are there, a second
// run that changes nothing, broken data, and exports with and without
// confidential locations.
func TestImportExportHSDS(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "harbor-house", "--name", "Harbor House", "--kind", "shelter")
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		dir := t.TempDir()
		fixture := filepath.Join(dir, "fixture.json")
		if err := os.WriteFile(fixture, []byte(hsdstest.FixtureWithTaxonomy()), 0o600); err != nil {
			t.Fatal(err)
		}
		// The fixture without the legal clinic and its service at location.
		fewer := filepath.Join(dir, "fewer.json")
		less := hsdstest.Fixture()
		less.Services = slices.DeleteFunc(less.Services, func(s hsds.Service) bool { return s.ID == hsdstest.LegalID })
		less.ServiceAtLocations = slices.DeleteFunc(less.ServiceAtLocations, func(s hsds.ServiceAtLocation) bool { return s.ID == hsdstest.LegalSALID })
		if b, err := json.Marshal(less); err != nil {
			t.Fatal(err)
		} else if err := os.WriteFile(fewer, b, 0o600); err != nil {
			t.Fatal(err)
		}
		broken := filepath.Join(dir, "broken")
		if err := os.MkdirAll(broken, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(broken, "services.csv"), []byte("id,organization_id,name,status\nnot-a-uuid,,Helpline,open\n"), 0o600)

		steps := []struct {
			name   string
			args   []string
			fails  bool
			stdout string
			stderr string
		}{
			{"import json", []string{"import", "hsds", "--agency", "harbor-house", fixture}, false, "1 confidential locations", "reading"},
			{"again", []string{"import", "hsds", "--agency", "harbor-house", fixture}, false, "Nothing changed", ""},
			{"again as json", []string{"import", "hsds", "--agency", "harbor-house", "--json", fixture}, false, `"created":0`, ""},
			{"mark the office", []string{"import", "hsds", "--agency", "harbor-house", "--confidential", hsdstest.OfficeLocID,
				"--area-label", hsdstest.OfficeLocID + "=Town centre", fixture}, false, "1 locations reclassified; 2 confidential", ""},
			{"fewer records", []string{"import", "hsds", "--agency", "harbor-house", fewer}, false, "Nothing changed", ""},
			{"fewer records, replace", []string{"import", "hsds", "--agency", "harbor-house", "--replace", fewer}, false,
				"1 services retired (defunct), 1 records removed;", ""},
			{"replace again as json", []string{"import", "hsds", "--agency", "harbor-house", "--replace", "--json", fewer}, false, `"retired":0,"removed":0`, ""},
			{"all records again", []string{"import", "hsds", "--agency", "harbor-house", fixture}, false, "1 created, 1 updated", ""},
			{"publish the refuge", []string{"directory", "publish-location", "--location", hsdstest.ShelterLocID,
				"--reason", "moved", "--agency=harbor-house"}, true, "", "stays confidential"},
			{"publish without a reason", []string{"directory", "publish-location", "--location", hsdstest.OfficeLocID, "--agency=harbor-house"},
				true, "", "--reason"},
			{"publish the office", []string{"directory", "publish-location", "--location", hsdstest.OfficeLocID, "--reason", "marked by mistake",
				"--agency=harbor-house"}, false, "is public", ""},
			{"mark the office again", []string{"import", "hsds", "--agency", "harbor-house", "--confidential", hsdstest.OfficeLocID, fixture},
				false, "1 locations reclassified; 2 confidential", ""},
			{"another agency's ids", []string{"import", "hsds", "--agency", "metro-pd", fixture}, true, "", "belongs to another agency"},
			{"broken package", []string{"import", "hsds", "--agency", "metro-pd", broken}, true, "", "services.csv:2"},
			{"no such path", []string{"import", "hsds", "--agency", "metro-pd", filepath.Join(dir, "nope")}, true, "", "cannot read"},
			{"no such agency", []string{"import", "hsds", "--agency", "nope", fixture}, true, "", "no agency with slug"},
			{"bad area label", []string{"import", "hsds", "--agency", "metro-pd", "--area-label", "x", fixture}, true, "", "ID=LABEL"},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), append(s.args[:len(s.args)-1:len(s.args)-1], append(tg.flags, s.args[len(s.args)-1])...)...)
				if (r.err != nil) != s.fails {
					t.Fatalf("err %v, want failure %v\n%s\n%s", r.err, s.fails, r.stdout, r.stderr)
				}
				if !strings.Contains(r.stdout, s.stdout) {
					t.Errorf("stdout %q lacks %q", r.stdout, s.stdout)
				}
				if !strings.Contains(r.stderr+errString(r.err), s.stderr) {
					t.Errorf("stderr %q (%v) lacks %q", r.stderr, r.err, s.stderr)
				}
			})
		}

		db := tg.open(t)
		locs, err := db.DirectoryLocations(t.Context(), mustAgencyID(t, db, "harbor-house"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locs {
			if !l.Confidential {
				t.Errorf("location %s is not confidential", l.ID)
			}
		}

		// The standard's example package imports cleanly, twice.
		{
			ref := os.Getenv("HAVEN_HSDS_REFERENCE")
			example := filepath.Join("..", "..", "..", "shared", "reference", "hsds", "examples", "csv")
			if ref != "" {
				example = filepath.Join(ref, "examples", "csv")
			}
			if _, err := os.Stat(example); err != nil {
				t.Logf("the standard's examples are not at %s: skipping that import", example)
			} else {
				r := tg.run(t, "import", "hsds", "--agency", "metro-pd", "--data", tg.cfg.DataDir, example)
				if !strings.Contains(r.stdout, "Imported") {
					t.Errorf("example import: %s", r.stdout)
				}
				r = tg.run(t, "import", "hsds", "--agency", "metro-pd", "--data", tg.cfg.DataDir, example)
				if !strings.Contains(r.stdout, "Nothing changed") {
					t.Errorf("example import again: %s", r.stdout)
				}
			}
		}

		// Exports: redacted by default, in full only with the flag.
		out := filepath.Join(dir, "out")
		tg.run(t, "export", "hsds", "--agency", "harbor-house", "--out", out)
		redacted := readDirPackage(t, out)
		if l := secretsIn(redacted); len(l) > 0 {
			t.Errorf("the default export shows %v", l)
		}
		zipPath := filepath.Join(dir, "full.zip")
		tg.run(t, "export", "hsds", "--agency", "harbor-house", "--out", zipPath, "--include-confidential")
		full := readZipPackage(t, zipPath)
		if l := secretsIn(full); len(l) != len(hsdstest.Secrets) {
			t.Errorf("the full export shows only %v", l)
		}
		// What was exported in full imports again and is the same data.
		doc, err := hsds.DecodePackage(os.DirFS(out), ".")
		if err != nil {
			t.Fatalf("the redacted export does not read back: %v", err)
		}
		if doc.Len() == 0 {
			t.Error("empty export")
		}
		if r := tg.try(t, testMain(nil), "export", "hsds", "--agency", "harbor-house", "--out", zipPath); r.err == nil {
			t.Error("an existing zip was overwritten")
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustAgencyID(t *testing.T, db *store.DB, slug string) string {
	t.Helper()
	a, err := db.AgencyBySlug(haven.NewContextWithActor(t.Context(), haven.SystemActor("test")), slug)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func secretsIn(s string) []string {
	var out []string
	for _, x := range hsdstest.Secrets {
		if strings.Contains(s, x) {
			out = append(out, x)
		}
	}
	return out
}

func readDirPackage(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func readZipPackage(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&b, rc)
		rc.Close()
	}
	return b.String()
}
