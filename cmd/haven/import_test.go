package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haven-dv/haven/importer"
)

// chicagoSample is ../shared/data/chicago/crimes_2016_sample.csv when it is
// there, else a synthetic file in the same (portal) format, so that the
// command is tested everywhere. It returns the path and the source ids of
// the file's rows.
func chicagoSample(t *testing.T) (string, []string) {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "chicago", "crimes_2016_sample.csv")
	if _, err := os.Stat(p); err != nil {
		t.Logf("%s is not here (%v): using a synthetic file", p, err)
		p = filepath.Join(t.TempDir(), "synthetic.csv")
		var b strings.Builder
		b.WriteString("ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location\n")
		for i := 1; i <= 1500; i++ {
			fmt.Fprintf(&b, "%d,HZ%06d,05/03/2016 11:%02d:00 PM,013XX S SAWYER AVE,0486,BATTERY,DOMESTIC BATTERY SIMPLE,APARTMENT,True,%s,1022,10.0,24.0,29.0,08B,1154907.0,1893681.0,2016,05/10/2016 03:56:50 PM,41.864073157,-87.706818608,\"(41.864073157, -87.706818608)\"\n",
				10000+i, i, i%60, []string{"True", "False"}[i%2])
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p, fileIDs(t, p)
}

// fileIDs reads the ID column of a Chicago CSV (gzip or not), sorted.
func fileIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r *csv.Reader
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = csv.NewReader(zr)
	} else {
		r = csv.NewReader(bufio.NewReader(f))
	}
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(header, "ID")
	var ids []string
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		ids = append(ids, rec[col])
	}
	slices.Sort(ids)
	return ids
}

// storedIDs returns the source ids of the agency's incidents and how many
// are domestic, read from the database directly.
func storedIDs(t *testing.T, tg target) ([]string, int) {
	t.Helper()
	rows, err := rawDB(t, tg).db.Query(`SELECT i.source_id, i.domestic FROM incidents i JOIN agencies a ON a.id = i.agency_id WHERE a.slug = 'metro-pd' AND i.source = 'chicago'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	domestic := 0
	for rows.Next() {
		var id string
		var d bool
		if err := rows.Scan(&id, &d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if d {
			domestic++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids, domestic
}

func importArgs(tg target, file string, extra ...string) []string {
	args := append([]string{"import", "incidents", "--agency", "metro-pd", "--format", "chicago"}, extra...)
	args = append(args, tg.flags...)
	return append(args, file) // FILE last, after the database flags
}

func decodeImportJSON(t *testing.T, stdout string) importJSON {
	t.Helper()
	var out importJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", stdout)
	}
	return out
}

// Importing the 2016 sample stores every row; a second run stores nothing
// and counts every row as a duplicate.
func TestImportIncidents(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police", "--tz", "America/Chicago")
		file, ids := chicagoSample(t)
		rejects := filepath.Join(t.TempDir(), "rejects.csv") // the shared folder is not ours to write

		r := runMain(t, testMain(nil), importArgs(tg, file, "--json", "--rejects", rejects)...)
		if r.err != nil {
			t.Fatalf("import: %v\n%s", r.err, r.stderr)
		}
		got := decodeImportJSON(t, r.stdout)
		if want := (importJSON{Imported: len(ids)}); got != want {
			t.Errorf("JSON %+v, want %+v", got, want)
		}
		if _, err := os.Stat(rejects); !os.IsNotExist(err) {
			t.Errorf("rejects file left with no rejects: %v", err)
		}
		stored, domestic := storedIDs(t, tg)
		if !reflect.DeepEqual(stored, ids) {
			t.Errorf("stored %d incidents, want the file's %d", len(stored), len(ids))
		}
		if filepath.Base(file) == "crimes_2016_sample.csv" && (len(stored) != 4517 || domestic != 691) {
			t.Errorf("stored %d incidents, %d domestic; want 4517 and 691", len(stored), domestic)
		}

		// Audited as the import system actor, one summary entry a batch.
		var batches, imported int
		for _, e := range allEntries(t, tg.open(t)) {
			if e.Action == "incident.import" {
				batches++
				if e.ActorName != "import" || e.Via != "system" {
					t.Errorf("import audited as %q via %q", e.ActorName, e.Via)
				}
				var n int
				fmt.Sscan(e.Details["imported"], &n)
				imported += n
			}
		}
		if want := (len(ids) + importer.DefaultBatchSize - 1) / importer.DefaultBatchSize; batches != want || imported != len(ids) {
			t.Errorf("%d incident.import entries counting %d; want %d counting %d", batches, imported, want, len(ids))
		}

		// Again: nothing new, every row a duplicate. The human summary.
		r = runMain(t, testMain(nil), importArgs(tg, file, "--rejects", rejects)...)
		if r.err != nil {
			t.Fatalf("second import: %v\n%s", r.err, r.stderr)
		}
		want := fmt.Sprintf(`(?m)^Read %d rows of .+ in \S+, \d+ rows/s: 0 imported into metro-pd, %d already there \(duplicates\), 0 rejected\.$`, len(ids), len(ids))
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("second import said %q", r.stdout)
		}
		if again, _ := storedIDs(t, tg); len(again) != len(ids) {
			t.Errorf("%d incidents after the second run", len(again))
		}
	})
}

// brokenFile writes 50 lines — the header and 49 rows of the sample, or
// synthetic ones — with five rows broken, and returns its path, the broken
// lines with the start of their reasons, and the ids that should import.
func brokenFile(t *testing.T, dir string) (string, map[int]string, []string) {
	t.Helper()
	src, _ := chicagoSample(t)
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(lines) < 50 {
		lines = append(lines, sc.Text())
	}
	broken := map[int]string{
		7:  "column Date: cannot parse",
		15: "has 21 fields; the header has 22",
		23: "malformed CSV at column",
		31: "column Latitude: latitude \"95.5\" is outside -90 to 90",
		42: "column Domestic: \"perhaps\" is not true or false",
	}
	var good []string
	for n := 2; n <= 50; n++ {
		rec, err := csv.NewReader(strings.NewReader(lines[n-1])).Read()
		if err != nil {
			t.Fatal(err)
		}
		switch n {
		case 7:
			rec[2] = "13/45/2016 11:40:00 PM"
		case 15:
			rec = rec[:21]
		case 23:
			rec[3] = `013XX S SAW"YER AVE` // written raw below: a bare quote
		case 31:
			rec[19] = "95.5"
		case 42:
			rec[9] = "perhaps"
		default:
			good = append(good, rec[0])
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(rec)
		w.Flush()
		lines[n-1] = strings.TrimSuffix(b.String(), "\n")
		if n == 23 {
			lines[n-1] = strings.Replace(lines[n-1], `"013XX S SAW""YER AVE"`, `013XX S SAW"YER AVE`, 1)
		}
	}
	p := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	slices.Sort(good)
	return p, broken, good
}

// A file with broken rows imports the good ones, exits 0, and writes the
// bad ones with their line numbers to FILE.rejects.csv next to it.
func TestImportBrokenFile(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		dir := t.TempDir()
		file, broken, good := brokenFile(t, dir)
		r := runMain(t, testMain(nil), importArgs(tg, file, "--batch", "10")...)
		if r.code != 0 {
			t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.stderr)
		}
		rejectsPath := filepath.Join(dir, "broken.rejects.csv")
		if !strings.Contains(r.stdout, "44 imported into metro-pd, 0 already there (duplicates), 5 rejected.") ||
			!strings.Contains(r.stdout, "Rejected rows, with line numbers and reasons: "+rejectsPath) {
			t.Errorf("stdout %q", r.stdout)
		}
		if !strings.Contains(r.stderr, "rejected line 7: column Date: cannot parse \"13/45/2016 11:40:00 PM\" as MM/DD/YYYY hh:mm:ss AM/PM") {
			t.Errorf("stderr does not name the first reject: %q", r.stderr)
		}
		fi, err := os.Stat(rejectsPath)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("rejects file mode %v, want 0600", fi.Mode().Perm())
		}
		b, _ := os.ReadFile(rejectsPath)
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) != 6 || !reflect.DeepEqual(rows[0], []string{"line", "reason", "record"}) {
			t.Fatalf("rejects file (%v):\n%s", err, b)
		}
		for _, row := range rows[1:] {
			var n int
			fmt.Sscan(row[0], &n)
			if want, ok := broken[n]; !ok || !strings.HasPrefix(row[1], want) {
				t.Errorf("reject %q, want line %d to start %q", row, n, want)
			}
		}
		if stored, _ := storedIDs(t, tg); !reflect.DeepEqual(stored, good) {
			t.Errorf("stored %v, want %v", stored, good)
		}

		// --json names the rejects file; the same rows are rejected again.
		r = runMain(t, testMain(nil), importArgs(tg, file, "--json")...)
		if got := decodeImportJSON(t, r.stdout); r.code != 0 || got != (importJSON{Duplicates: 44, Rejected: 5, RejectsFile: rejectsPath}) {
			t.Errorf("exit %d, JSON %+v", r.code, got)
		}
	})
}

// stderrTrigger runs the import with a stderr that calls act when the
// progress first shows trigger.
func importUntil(t *testing.T, ctx context.Context, args []string, trigger string, act func()) result {
	t.Helper()
	stderr := &triggerWriter{trigger: trigger, act: act}
	var stdout, rep bytes.Buffer
	err := testMain(nil).Run(ctx, args, &stdout, stderr)
	code := report(&rep, err)
	return result{stdout: stdout.String(), stderr: stderr.b.String() + rep.String(), err: err, code: code}
}

// An import interrupted after its first batch — by a cancelled context or
// a real SIGINT — stops between batches, says how to resume, and running
// it again ends with exactly the incidents of an uninterrupted run.
func TestImportInterrupted(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		file, ids := chicagoSample(t)
		rejects := filepath.Join(t.TempDir(), "rejects.csv")
		args := importArgs(tg, file, "--batch", "200", "--rejects", rejects)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := importUntil(t, ctx, args, " 200 imported,", cancel)
		if r.code != 1 || !strings.Contains(r.stderr, "import stopped: 200 rows were imported and 0 were duplicates before it stopped; run the same command again to carry on") {
			t.Fatalf("cancelled import: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if stored, _ := storedIDs(t, tg); len(stored) != 200 {
			t.Fatalf("%d stored after one batch of 200", len(stored))
		}

		// A real SIGINT once the resumed import has stored 400 more.
		r = importUntil(t, context.Background(), args, " 400 imported,", func() {
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Error(err)
			}
			time.Sleep(200 * time.Millisecond) // for the signal to arrive
		})
		if r.code != 1 || !strings.Contains(r.stderr, "import interrupted: ") || !strings.Contains(r.stderr, "run the same command again to carry on") {
			t.Fatalf("import after SIGINT: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		stored, _ := storedIDs(t, tg)
		if len(stored) < 600 || len(stored)%200 != 0 {
			t.Fatalf("%d stored after SIGINT: not whole batches", len(stored))
		}

		r = runMain(t, testMain(nil), append(args, "--json")...)
		got := decodeImportJSON(t, r.stdout)
		if r.code != 0 || got.Imported != len(ids)-len(stored) || got.Duplicates != len(stored) {
			t.Fatalf("resumed import: exit %d %+v\n%s", r.code, got, r.stderr)
		}
		if final, _ := storedIDs(t, tg); !reflect.DeepEqual(final, ids) {
			t.Errorf("after resuming, %d incidents; want exactly the file's %d", len(final), len(ids))
		}
	})
}

func TestImportErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		dir := t.TempDir()
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("ID,Date,Domestic\n1,01/01/2020 01:00:00 AM,true\n"), 0o600)
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("ID,Block\n1,X\n"), 0o600)
		empty := filepath.Join(dir, "empty.csv")
		os.WriteFile(empty, nil, 0o600)

		base := []string{"import", "incidents", "--agency", "metro-pd", "--format", "chicago"}
		tests := []struct {
			name     string
			args     []string
			code     int
			contains string
		}{
			{"no file", base, 2, "name the FILE to import"},
			{"two files", append(slices.Clone(base), good, bad), 2, "import one FILE at a time"},
			{"no format", []string{"import", "incidents", "--agency", "metro-pd", good}, 2, "--format is required"},
			{"bad format", []string{"import", "incidents", "--agency", "metro-pd", "--format", "nibrs", good}, 2, "--format: want one of chicago, generic"},
			{"no agency", []string{"import", "incidents", "--format", "chicago", good}, 2, "--agency is required"},
			{"zero batch", append(slices.Clone(base), "--batch", "0", good), 2, "--batch must be 1 to 50000"},
			{"rejects is the input", append(slices.Clone(base), "--rejects", good, good), 2, "is the file being imported"},
			{"unknown agency", []string{"import", "incidents", "--agency", "nowhere", "--format", "chicago", good}, 1, `no agency with slug "nowhere"`},
			{"missing file", append(slices.Clone(base), filepath.Join(dir, "nope.csv")), 1, "cannot open the file to import"},
			{"a directory", append(slices.Clone(base), dir), 1, "is a directory"},
			{"missing columns", append(slices.Clone(base), bad), 1, bad + ", line 1: the header lacks the columns Date, Domestic, which the chicago format requires; nothing was imported"},
			{"empty file", append(slices.Clone(base), empty), 1, "the file is empty"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), tt.args...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
					t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tt.code, tt.contains)
				}
			})
		}
		// Flags after FILE work too; --json reports a failure as JSON as well.
		r := tg.try(t, testMain(nil), "import", "incidents", bad, "--agency", "metro-pd", "--format", "chicago", "--json")
		got := decodeImportJSON(t, r.stdout)
		if r.code != 1 || !strings.Contains(got.Error, "the header lacks the columns Date, Domestic") {
			t.Errorf("exit %d, JSON %+v", r.code, got)
		}
		r = tg.try(t, testMain(nil), "import", "incidents", good, "--agency", "metro-pd", "--format", "chicago", "--json")
		if got := decodeImportJSON(t, r.stdout); r.code != 0 || got != (importJSON{Imported: 1}) {
			t.Errorf("exit %d, JSON %+v, %s", r.code, got, r.stderr)
		}
	})
}

// When the input's folder cannot be written (or has no write permission
// at all, which root could ignore), the rejects go to the current directory.
func TestImportRejectsFallback(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		ro := t.TempDir()
		file := filepath.Join(ro, "in.csv")
		os.WriteFile(file, []byte("ID,Date,Domestic\n1,bad,true\n"), 0o600)
		os.Chmod(ro, 0o555)
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		t.Chdir(t.TempDir())
		r := runMain(t, testMain(nil), importArgs(tg, file, "--json")...)
		got := decodeImportJSON(t, r.stdout)
		if r.code != 0 || got.RejectsFile != "in.rejects.csv" || got.Rejected != 1 {
			t.Fatalf("exit %d, %+v, %s", r.code, got, r.stderr)
		}
		if _, err := os.Stat("in.rejects.csv"); err != nil {
			t.Error(err)
		}
	})
}

func TestRejectsName(t *testing.T) {
	for in, want := range map[string]string{
		"crimes_2016_sample.csv":     "crimes_2016_sample.rejects.csv",
		"/x/chicago_crimes.csv.gz":   "chicago_crimes.rejects.csv",
		"EXPORT.CSV":                 "EXPORT.rejects.csv",
		"feed.txt":                   "feed.rejects.csv",
		"noext":                      "noext.rejects.csv",
		"data/.csv":                  ".csv.rejects.csv",
		"archive.tar.gz":             "archive.tar.rejects.csv",
		"../shared/weird name.csv":   "weird name.rejects.csv",
		"chicago_crimes_100k.csv.gz": "chicago_crimes_100k.rejects.csv",
	} {
		if got := rejectsName(in); got != want {
			t.Errorf("rejectsName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The real 100,000-row file, on SQLite: every row imports. Slow; skipped
// with -short. The time and rate are logged.
func TestImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows: skipped with -short")
	}
	file := filepath.Join("..", "..", "..", "shared", "data", "chicago", "chicago_crimes_100k.csv.gz")
	if _, err := os.Stat(file); err != nil {
		t.Skipf("real data not available (%s): %v", file, err)
	}
	eachDB(t, func(t *testing.T, tg target) {
		if tg.driver != "sqlite" {
			t.Skip("the 100k import runs on SQLite only")
		}
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police", "--tz", "America/Chicago")
		rejects := filepath.Join(t.TempDir(), "rejects.csv")
		start := time.Now()
		r := runMain(t, testMain(nil), importArgs(tg, file, "--json", "--rejects", rejects)...)
		elapsed := time.Since(start)
		if r.err != nil {
			t.Fatalf("import: %v\n%s", r.err, r.stderr)
		}
		if got := decodeImportJSON(t, r.stdout); got != (importJSON{Imported: 100000}) {
			t.Errorf("JSON %+v", got)
		}
		t.Logf("imported 100,000 rows in %s: %.0f rows/s", elapsed.Round(time.Millisecond), 100000/elapsed.Seconds())
		stored, domestic := storedIDs(t, tg)
		if len(stored) != 100000 || domestic != 13364 {
			t.Errorf("stored %d, %d domestic; want 100000 and 13364", len(stored), domestic)
		}
		start = time.Now()
		r = runMain(t, testMain(nil), importArgs(tg, file, "--json", "--rejects", rejects)...)
		if got := decodeImportJSON(t, r.stdout); got != (importJSON{Duplicates: 100000}) {
			t.Errorf("second run: JSON %+v %s", got, r.stderr)
		}
		t.Logf("second run (all duplicates) in %s", time.Since(start).Round(time.Millisecond))
	})
}
