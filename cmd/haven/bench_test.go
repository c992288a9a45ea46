package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tinyChicago writes a gzip-compressed CSV of n rows in the 100k sample's
// 21-column layout.
func tinyChicago(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	fmt.Fprintln(zw, "x,y,ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(zw, "-87.65336282,41.945412776,%d,HL%06d,11/22/2005 11:%02d:00 AM,009XX W CORNELIA AVE,0486,BATTERY,DOMESTIC BATTERY SIMPLE,\"SCHOOL, PUBLIC, BUILDING\",false,%v,2331,019,44,6,08B,1169233,1923432,2005,02/10/2018 03:50:01 PM\n",
			100+i, i, i%60, i%2 == 0)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "tiny.csv.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The benchmark command measures both sides on a tiny file and prints
// rows, seconds, rows/s and the ratio; no timing is asserted.
func TestBenchImport(t *testing.T) {
	file := tinyChicago(t, 120)
	tmp := t.TempDir()
	args := []string{"bench", "import", "--tmp", tmp, "--batch", "50"}
	if dsn := os.Getenv("HAVEN_TEST_POSTGRES"); dsn != "" {
		args = append(args, "--postgres", dsn)
	}
	r := runMain(t, testMain(nil), append(args, file)...)
	if r.err != nil {
		t.Fatalf("bench import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	line := func(name string) *regexp.Regexp {
		return regexp.MustCompile(regexp.QuoteMeta(name) + `\s+120 rows\s+[0-9.]+ s\s+[0-9]+ rows/s`)
	}
	if !line("haven import (SQLite)").MatchString(r.stdout) {
		t.Errorf("no Haven SQLite line:\n%s", r.stdout)
	}
	if _, err := exec.LookPath("sqlite3"); err == nil {
		if !line("sqlite3 .import (bare table)").MatchString(r.stdout) || !strings.Contains(r.stdout, "ratio haven import (SQLite) / sqlite3 .import: ") {
			t.Errorf("no sqlite3 line or ratio:\n%s", r.stdout)
		}
		if !line("sqlite3 .import (indexed)").MatchString(r.stdout) || !strings.Contains(r.stdout, "ratio haven import (SQLite) / sqlite3 .import (indexed): ") {
			t.Errorf("no indexed sqlite3 line or its ratio:\n%s", r.stdout)
		}
	} else {
		t.Log("sqlite3 is not installed: only its skip message is checked")
	}
	if !line("Go driver (bare table)").MatchString(r.stdout) {
		t.Errorf("no Go driver line:\n%s", r.stdout)
	}
	if os.Getenv("HAVEN_TEST_POSTGRES") != "" && !line("haven import (PostgreSQL)").MatchString(r.stdout) {
		t.Errorf("no Haven PostgreSQL line:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Machine: ") || !strings.Contains(r.stdout, "load average") {
		t.Errorf("the machine and load are not reported:\n%s", r.stdout)
	}
	// Everything it made is removed.
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind in --tmp: %v", left)
	}
}

// Without the sqlite3 tool the comparison is skipped with a message, and
// Haven's import is still measured.
func TestBenchImportWithoutSQLite3(t *testing.T) {
	r := runMain(t, testMain(nil), "bench", "import", "--tmp", t.TempDir(), "--sqlite3", "/nonexistent/sqlite3", tinyChicago(t, 10))
	if r.err != nil {
		t.Fatalf("bench import: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "sqlite3 .import: skipped") || !strings.Contains(r.stdout, "haven import (SQLite)") || strings.Contains(r.stdout, "ratio") {
		t.Errorf("output:\n%s", r.stdout)
	}
}

// --rows runs the resampling tool and says the rows are resampled.
func TestBenchImportRows(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	// A stand-in for resample_chicago.py: N rows in the portal's layout.
	tool := filepath.Join(t.TempDir(), "resample.py")
	script := `import sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location\n")
    for i in range(n):
        f.write('%d,RS%08d,05/03/2016 11:00:00 PM,013XX S SAWYER AVE,0486,BATTERY,DOMESTIC BATTERY SIMPLE,APARTMENT,true,true,1022,010,24,29,08B,1154907,1893681,2016,05/10/2016 03:56:50 PM,41.864073157,-87.706818608,"(41.864073157, -87.706818608)"\n' % (20000000 + i, i))
`
	if err := os.WriteFile(tool, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	// The portal's layout (Latitude and Longitude, no x and y) with the
	// sqlite3 tool too, when installed: the indexed reference uses the
	// columns this layout has.
	_, noSQLite3 := exec.LookPath("sqlite3")
	r := runMain(t, testMain(nil), "bench", "import", "--tmp", t.TempDir(), "--rows", "25", "--resample", tool)
	if r.err != nil {
		t.Fatalf("bench import --rows: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	want := []string{`25 rows RESAMPLED`, `haven import \(SQLite\)\s+25 rows`, `Go driver \(bare table\)\s+25 rows`}
	if noSQLite3 == nil {
		want = append(want, `sqlite3 \.import \(indexed\)\s+25 rows`)
	}
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(r.stdout) {
			t.Errorf("no %q in output:\n%s", w, r.stdout)
		}
	}
}

// The indexed reference's statements name only columns the file has.
func TestBenchIndexDDL(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   []string // substrings
		not    []string
	}{
		{"100k sample", strings.Split("x,y,ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On", ","),
			[]string{`CREATE INDEX t_0 ON t ("ID")`, `CREATE INDEX t_1 ON t ("Case Number")`, `"Community Area", "x", "y")`, `CREATE INDEX t_4 ON t ("Year")`},
			[]string{`"Latitude"`}},
		{"portal export", strings.Split("ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location", ","),
			[]string{`"Community Area", "Latitude", "Longitude")`, `"Location" TEXT`},
			[]string{`"x"`}},
		{"unrelated file", []string{"a", "b\"q"}, []string{`CREATE TABLE t ("a" TEXT, "b""q" TEXT);`}, []string{"CREATE INDEX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := benchIndexDDL(tt.header)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %s in\n%s", w, got)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("%s in\n%s", w, got)
				}
			}
		})
	}
}

func TestBenchImportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "import", "--rows", "10", "a.csv"},
		{"bench", "import", "a.csv", "b.csv"},
		{"bench", "import", "--batch", "0", "a.csv"},
		{"bench", "import", "--postgres", "mysql://x", "a.csv"},
	} {
		if r := runMain(t, testMain(nil), args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%v)", args, r.code, r.err)
		}
	}
}
