package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/importer"
	"github.com/haven-dv/haven/store"
)

var benchImportCommand = &command{
	name:     "bench import",
	synopsis: "[--rows N] [--postgres URL] [--batch N] [--sqlite3 PATH] [--resample PATH] [--cpuprofile FILE] [FILE]",
	summary:  "measure the incident import against the sqlite3 tool's .import of the same CSV",
	about: `Measures, in one process on one machine, how fast Haven imports incidents,
next to the speed of the sqlite3 command-line tool loading the same CSV into a
bare table (no keys, no indexes, no checks, one transaction):

  1. FILE (default: the real 100,000-row Chicago sample,
     chicago_crimes_100k.csv.gz, looked for in ../shared/data/chicago,
     ./shared/data/chicago, next to the binary, or HAVEN_DEMO_INCIDENTS) is
     decompressed to a temporary file, so that both sides read the same plain CSV.
  2. sqlite3 BARE.db runs ".mode csv" and ".import FILE bare" on a new database;
     the time of an sqlite3 run that imports nothing is subtracted, so that only
     the .import is timed. Skipped, with a message, when the sqlite3 tool is missing.
  3. Haven imports the file (--format chicago, as 'haven import incidents' does:
     parsing, validation, sealing, numbering, batches of --batch per
     transaction, audit) into agency metro-pd of a new, empty data directory
     (SQLite), and with --postgres URL also into a new database created on that
     server for the run and dropped after it.

Each line gives rows, seconds and rows per second; the ratio is Haven's rate
over the sqlite3 tool's. The load average and the machine are printed with the
figures, because they matter: run it on a quiet machine.

--rows N makes N rows with the resampling tool (python3 resample_chicago.py,
from ../shared/tools or --resample): real offences and places of the 100k
sample, each point moved by up to ~150 m, with new ids and dates. They are not
real incidents; the output says so.

Everything is written in a temporary directory that is removed at the end.
Exits 0 when every measurement ran; 1 when one failed.`,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var o benchOptions
		f.Int(&o.rows, "rows", 0, "N", "Import N rows resampled from the 100k sample (real places, jittered; not real incidents) instead of FILE.")
		f.String(&o.postgres, "postgres", "", "URL", "Also import into PostgreSQL: a new database is created on this server (the URL's user needs CREATEDB) and dropped afterwards.")
		f.Int(&o.batch, "batch", importer.DefaultBatchSize, "N", fmt.Sprintf("Incidents stored per transaction by Haven, 1 to %d, as for 'haven import incidents'.", maxImportBatch))
		f.String(&o.sqlite3, "sqlite3", "sqlite3", "PATH", "The sqlite3 command-line tool (looked up in PATH).")
		f.String(&o.resample, "resample", "", "PATH", "The resampling tool for --rows; default resample_chicago.py in ../shared/tools, ./shared/tools or next to the binary.")
		f.String(&o.cpuprofile, "cpuprofile", "", "FILE", "Write a CPU profile of Haven's SQLite import to FILE (go tool pprof).")
		f.String(&o.tmp, "tmp", "", "DIR", "Where to make the temporary directory (default: the system's).")
		f.Operands(&o.files)
		return func(ctx context.Context) error {
			switch {
			case len(o.files) > 1:
				return usageErrorf("measure one FILE at a time (got %d)", len(o.files))
			case len(o.files) == 1 && o.rows > 0:
				return usageErrorf("give FILE or --rows, not both")
			case o.rows < 0:
				return usageErrorf("--rows must be positive")
			case o.batch < 1 || o.batch > maxImportBatch:
				return usageErrorf("--batch must be 1 to %d (got %d)", maxImportBatch, o.batch)
			}
			if o.postgres != "" && !store.IsPostgres(o.postgres) {
				return usageErrorf("--postgres wants a postgres://… URL")
			}
			return benchImport(ctx, e, o)
		}
	},
}

type benchOptions struct {
	rows                                         int
	batch                                        int
	postgres, sqlite3, resample, cpuprofile, tmp string
	files                                        []string
}

// benchResult is one measured import.
type benchResult struct {
	name      string
	rows      int
	elapsed   time.Duration
	user, sys time.Duration // CPU time of the process doing the import
}

func (r benchResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.rows) / r.elapsed.Seconds()
}

func benchImport(ctx context.Context, e *env, o benchOptions) error {
	tmp, err := os.MkdirTemp(o.tmp, "haven-bench-")
	if err != nil {
		return haven.Errorf(haven.EUNAVAILABLE, "cannot make a temporary directory: %v", err)
	}
	defer os.RemoveAll(tmp)
	out := e.stdout

	csvPath := filepath.Join(tmp, "input.csv")
	var what string
	if o.rows > 0 {
		tool := o.resample
		if tool == "" {
			tool = demo.FindShared(filepath.Join("tools", "resample_chicago.py"))
		}
		if tool == "" {
			return haven.Errorf(haven.EINVALID, "--rows needs the resampling tool resample_chicago.py: not found in ../shared/tools, ./shared/tools or next to the binary; give it with --resample")
		}
		fmt.Fprintf(out, "Making %d rows with %s …\n", o.rows, tool)
		cmd := exec.CommandContext(ctx, "python3", tool, fmt.Sprint(o.rows), csvPath, "--seed", "1")
		cmd.Stderr = e.stderr
		if err := cmd.Run(); err != nil {
			return haven.Errorf(haven.EUNAVAILABLE, "the resampling tool failed: %v", err)
		}
		what = fmt.Sprintf("%d rows RESAMPLED from the real 100k Chicago sample (real offences and places, points jittered by up to ~150 m, new ids and dates 2015–2024: not real incidents)", o.rows)
	} else {
		src := ""
		if len(o.files) == 1 {
			src = o.files[0]
		} else if src = demo.FindChicago(e.m.lookupEnv); src == "" {
			return haven.Errorf(haven.EINVALID, "name the CSV FILE to measure: the 100k Chicago sample (chicago_crimes_100k.csv.gz) was not found in ../shared/data/chicago, ./shared/data/chicago, next to the binary or HAVEN_DEMO_INCIDENTS")
		}
		if err := decompressTo(src, csvPath); err != nil {
			return err
		}
		what = src
	}
	rows, err := countCSVRows(csvPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Input: %s — %d data rows, %d bytes uncompressed\n", what, rows, fileSize(csvPath))
	fmt.Fprintf(out, "Machine: %s; load average before: %s\n\n", machine(), loadAvg())

	var results []benchResult
	failed := false
	report := func(r benchResult) {
		results = append(results, r)
		fmt.Fprintf(out, "%-28s %9d rows %7.2f s %9.0f rows/s  CPU %.2f s user %.2f s sys  (load %s)\n",
			r.name, r.rows, r.elapsed.Seconds(), r.rate(), r.user.Seconds(), r.sys.Seconds(), loadAvg())
	}

	// (a) The sqlite3 tool.
	var base benchResult
	if bin, err := exec.LookPath(o.sqlite3); err != nil {
		fmt.Fprintf(out, "sqlite3 .import: skipped — the sqlite3 command-line tool (%s) is not installed\n", o.sqlite3)
	} else if r, err := benchSQLite3(ctx, bin, tmp, csvPath); err != nil {
		fmt.Fprintf(out, "sqlite3 .import: failed: %v\n", err)
		failed = true
	} else {
		base = r
		report(r)
	}

	// References that tell how far below the sqlite3 tool any Go import
	// can be: the same tool into a table indexed like Haven's, and the
	// CSV through this binary's SQLite driver into a bare table.
	if base.rows > 0 {
		bin, _ := exec.LookPath(o.sqlite3)
		if r, err := benchSQLite3Indexed(ctx, bin, tmp, csvPath); err != nil {
			fmt.Fprintf(out, "sqlite3 .import (indexed): failed: %v\n", err)
			failed = true
		} else {
			report(r)
		}
	}
	if r, err := benchDriverBare(ctx, filepath.Join(tmp, "driver.db"), csvPath); err != nil {
		fmt.Fprintf(out, "Go driver (bare table): failed: %v\n", err)
		failed = true
	} else {
		report(r)
	}

	// (b) Haven into SQLite, (c) into PostgreSQL.
	r, err := benchHaven(ctx, e, o, filepath.Join(tmp, "data"), "", csvPath, o.cpuprofile)
	if err != nil {
		fmt.Fprintf(out, "haven import (SQLite): failed: %v\n", err)
		failed = true
	} else {
		report(r)
	}
	if o.postgres != "" {
		r, err := benchPostgres(ctx, e, o, tmp, csvPath)
		if err != nil {
			fmt.Fprintf(out, "haven import (PostgreSQL): failed: %v\n", err)
			failed = true
		} else {
			report(r)
		}
	}
	if base.rows > 0 {
		fmt.Fprintln(out)
		for _, r := range results[1:] {
			fmt.Fprintf(out, "ratio %s / sqlite3 .import: %.3f (%.1f× slower)\n", r.name, r.rate()/base.rate(), base.rate()/max(r.rate(), 1e-9))
		}
		for _, ref := range results {
			if ref.name != indexedName {
				continue
			}
			for _, r := range results {
				if strings.HasPrefix(r.name, "haven") {
					fmt.Fprintf(out, "ratio %s / %s: %.3f\n", r.name, ref.name, r.rate()/ref.rate())
				}
			}
		}
	}
	if failed {
		return haven.Errorf(haven.EUNAVAILABLE, "a measurement failed (see above)")
	}
	return nil
}

// benchSQLite3 times the sqlite3 tool's .import of csvPath into a bare
// table of a new database, less the time of the same tool run importing
// nothing (start-up, opening the database).
func benchSQLite3(ctx context.Context, bin, tmp, csvPath string) (benchResult, error) {
	empty, _, _, err := runSQLite3(ctx, bin, filepath.Join(tmp, "empty.db"), ".mode csv\n")
	if err != nil {
		return benchResult{}, err
	}
	bare := filepath.Join(tmp, "bare.db")
	d, importUser, importSys, err := runSQLite3(ctx, bin, bare, ".mode csv\n.import '"+strings.ReplaceAll(csvPath, "'", "''")+"' bare\n")
	if err != nil {
		return benchResult{}, err
	}
	var n int
	cmd := exec.CommandContext(ctx, bin, bare, "SELECT count(*) FROM bare")
	b, err := cmd.Output()
	if err == nil {
		_, err = fmt.Sscan(string(b), &n)
	}
	if err != nil {
		return benchResult{}, fmt.Errorf("counting the imported rows: %v", err)
	}
	return benchResult{name: "sqlite3 .import (bare table)", rows: n, elapsed: max(d-empty, time.Microsecond), user: importUser, sys: importSys}, nil
}

// runSQLite3 runs the sqlite3 tool bin on the database db with script on
// its standard input, and returns its wall, user and system time. Anything
// the tool writes on standard error is an error.
func runSQLite3(ctx context.Context, bin, db, script string) (wall, user, sys time.Duration, err error) {
	cmd := exec.CommandContext(ctx, bin, db)
	cmd.Stdin = strings.NewReader(script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err == nil && stderr.Len() > 0 {
		err = fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
	}
	if cmd.ProcessState != nil {
		user, sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
	}
	return wall, user, sys, err
}

// benchIndexes are secondary indexes for the sqlite3 tool's indexed
// reference, one for each B-tree Haven's incidents table keeps besides the
// table itself, on the CSV's columns that play the same part: the source
// key (ID), the report number (Case Number), status and author (one flag
// with the date each, the date as text in no time order like Haven's
// event_at), the key id (Year) and the covering analytics index. Each names
// the columns it may use; those the file lacks are left out (the portal's
// export has Latitude and Longitude, the 100k sample x and y). Not unique:
// the tool would skip rows on a clash, and Haven checks uniqueness itself.
var benchIndexes = [][]string{
	{"ID"},
	{"Case Number"},
	{"Arrest", "Date"},
	{"Domestic", "Date"},
	{"Year"},
	{"Date", "Domestic", "District", "Beat", "IUCR", "Arrest", "FBI Code", "Ward", "Community Area", "x", "y", "Latitude", "Longitude"},
}

// benchIndexDDL is the CREATE TABLE and CREATE INDEX statements of the
// indexed reference for a CSV with this header.
func benchIndexDDL(header []string) string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	has := map[string]bool{}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = quote(h) + " TEXT"
		has[h] = true
	}
	ddl := "CREATE TABLE t (" + strings.Join(cols, ", ") + ");\n"
	for i, ix := range benchIndexes {
		var use []string
		for _, c := range ix {
			if has[c] {
				use = append(use, quote(c))
			}
		}
		if len(use) > 0 {
			ddl += fmt.Sprintf("CREATE INDEX t_%d ON t (%s);\n", i, strings.Join(use, ", "))
		}
	}
	return ddl
}

const indexedName = "sqlite3 .import (indexed)"

// benchSQLite3Indexed times the sqlite3 tool's .import of csvPath into a
// table with benchIndexes, made before the import (as Haven's are), with
// the page cache Haven's imports use. The table's columns are the CSV
// header's.
func benchSQLite3Indexed(ctx context.Context, bin, tmp, csvPath string) (benchResult, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return benchResult{}, err
	}
	header, err := csv.NewReader(f).Read()
	f.Close()
	if err != nil {
		return benchResult{}, fmt.Errorf("reading the header: %v", err)
	}
	ddl := benchIndexDDL(header)
	db := filepath.Join(tmp, "indexed.db")
	if _, _, _, err := runSQLite3(ctx, bin, db, ddl); err != nil {
		return benchResult{}, fmt.Errorf("creating the table: %v", err)
	}
	empty, _, _, err := runSQLite3(ctx, bin, db, ".mode csv\n")
	if err != nil {
		return benchResult{}, err
	}
	// The same page cache as Haven's imports (store's bulkCacheKiB).
	d, user, sys, err := runSQLite3(ctx, bin, db, "PRAGMA cache_size = -32768;\n.mode csv\n.import --skip 1 '"+strings.ReplaceAll(csvPath, "'", "''")+"' t\n")
	if err != nil {
		return benchResult{}, err
	}
	n, err := countRows(ctx, "sqlite", db, "t")
	if err != nil {
		return benchResult{}, err
	}
	return benchResult{name: indexedName, rows: n, elapsed: max(d-empty, time.Microsecond), user: user, sys: sys}, nil
}

// benchDriverBare times what this binary's SQLite driver (modernc.org's
// pure-Go SQLite) can do with the CSV at best: encoding/csv reads it, one
// prepared INSERT per record writes every field as text into a bare table
// (no keys, no indexes), in one transaction — the sqlite3 tool's .import
// done from Go, with no validation, sealing or numbering.
func benchDriverBare(ctx context.Context, path, csvPath string) (benchResult, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return benchResult{}, err
	}
	defer f.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return benchResult{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	u0, s0 := cpuTimes()
	start := time.Now()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return benchResult{}, fmt.Errorf("reading the header: %v", err)
	}
	width := len(header)
	cols := make([]string, width)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE bare ("+strings.Join(cols, ", ")+")"); err != nil {
		return benchResult{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return benchResult{}, err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO bare VALUES ("+strings.TrimSuffix(strings.Repeat("?, ", width), ", ")+")")
	if err != nil {
		return benchResult{}, err
	}
	args := make([]any, width)
	n := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return benchResult{}, err
		}
		for i := range args {
			args[i] = nil
			if i < len(rec) {
				args[i] = rec[i]
			}
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return benchResult{}, err
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return benchResult{}, err
	}
	d := time.Since(start)
	u1, s1 := cpuTimes()
	return benchResult{name: "Go driver (bare table)", rows: n, elapsed: d, user: u1 - u0, sys: s1 - s0}, nil
}

// countRows counts the rows of table in the database at path.
func countRows(ctx context.Context, driver, path, table string) (int, error) {
	db, err := sql.Open(driver, "file:"+path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the imported rows: %v", err)
	}
	return n, nil
}

// benchHaven imports csvPath into a new data directory (and the database
// dsn, when not empty), as 'haven import incidents --format chicago' does,
// and times the import alone (not opening or migrating the database).
func benchHaven(ctx context.Context, e *env, o benchOptions, dataDir, dsn, csvPath, profile string) (benchResult, error) {
	name := "haven import (SQLite)"
	if dsn != "" {
		name = "haven import (PostgreSQL)"
	}
	mk, _, err := crypt.LoadMasterKey(crypt.MasterKeyOptions{DataDir: dataDir})
	if err != nil {
		return benchResult{}, err
	}
	cfg := store.Config{DataDir: dataDir, DSN: dsn, Logger: e.log, MasterKey: mk}
	if e.m.StoreConfig != nil {
		e.m.StoreConfig(&cfg)
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return benchResult{}, err
	}
	defer db.Close()
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("import"))
	ag := &haven.Agency{Slug: "metro-pd", Name: "Metro City Police Department", Kind: haven.KindPolice, TimeZone: "America/Chicago"}
	if err := db.CreateAgency(ctx, ag); err != nil {
		return benchResult{}, err
	}
	in, err := os.Open(csvPath)
	if err != nil {
		return benchResult{}, err
	}
	defer in.Close()
	if profile != "" {
		pf, err := os.Create(profile)
		if err != nil {
			return benchResult{}, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return benchResult{}, err
		}
		defer pprof.StopCPUProfile()
	}
	u0, s0 := cpuTimes()
	start := time.Now()
	sum, err := importer.Run(ctx, in, importer.Options{
		Format:    importer.Chicago(),
		BatchSize: o.batch,
		Sink: func(ctx context.Context, batch []*haven.Incident) (haven.ImportResult, error) {
			return db.ImportIncidents(ctx, ag.ID, batch)
		},
	})
	d := time.Since(start)
	u1, s1 := cpuTimes()
	if err != nil {
		return benchResult{}, err
	}
	if sum.Rejected > 0 {
		fmt.Fprintf(e.stdout, "(%s rejected %d rows)\n", name, sum.Rejected)
	}
	return benchResult{name: name, rows: sum.Imported, elapsed: d, user: u1 - u0, sys: s1 - s0}, nil
}

// benchPostgres creates a database for the run on o.postgres's server,
// imports into it and drops it.
func benchPostgres(ctx context.Context, e *env, o benchOptions, tmp, csvPath string) (benchResult, error) {
	admin, err := sql.Open("pgx", o.postgres)
	if err != nil {
		return benchResult{}, err
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "haven_bench_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return benchResult{}, fmt.Errorf("creating a database for the run: %w", err)
	}
	defer func() {
		if _, err := admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(e.stderr, "could not drop the benchmark database %s: %v\n", name, err)
		}
	}()
	u, err := url.Parse(o.postgres)
	if err != nil {
		return benchResult{}, err
	}
	u.Path = "/" + name
	return benchHaven(ctx, e, o, filepath.Join(tmp, "pgdata"), u.String(), csvPath, "")
}

// decompressTo writes src, gunzipped when it is gzip, to dst.
func decompressTo(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return haven.Errorf(haven.EINVALID, "cannot open %s: %v", src, err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return haven.Errorf(haven.EINVALID, "%s looks gzip-compressed but is not readable: %v", src, err)
		}
		r = zr
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return haven.Errorf(haven.EINVALID, "cannot read %s: %v", src, err)
	}
	return out.Close()
}

// countCSVRows counts the lines after the header (the files measured have
// no line breaks inside fields).
func countCSVRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<16)
	last := byte('\n')
	for {
		k, err := f.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	return max(n-1, 0), nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// loadAvg is the first three fields of /proc/loadavg, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// machine describes the CPU and the Go build.
func machine() string {
	cpu := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s/%s, %s", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// cpuTimes is this process's user and system CPU time so far.
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
