package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/importer"
)

// maxImportBatch bounds --batch: one batch is one transaction held in memory.
const maxImportBatch = 50000

// rejectsShown is how many rejected lines are named on standard error; the
// rejects file has them all.
const rejectsShown = 5

var importIncidentsCommand = &command{
	name:     "import incidents",
	synopsis: "--agency SLUG --format chicago|generic [--batch N] [--rejects FILE] [--json] [flags] FILE",
	summary:  "import incident records in bulk from a CSV file (City of Chicago open data, or generic)",
	about: `Imports the incidents in FILE, a CSV file or a gzip-compressed one (recognised
by its content, not its name), into the agency's records. --format chicago
reads the City of Chicago open-data format ("Crimes - 2001 to present", the
portal's 22 columns or the 21 of the 100k sample with x/y); --format generic
reads Haven's own columns. docs/CONFIGURATION.md ("Importing incidents")
lists both mappings.

The file is streamed: memory stays the same whatever its size. Incidents are
stored in batches, each one transaction and one audit entry, by the system
actor "import". Each source record is imported once per agency: running the
same file again imports nothing twice and counts those rows as duplicates.

Rows that cannot be imported (a date that does not parse, a wrong number of
fields, a malformed quote, a latitude out of range, …) are skipped and written
to a rejects file, with their line number, the reason and the raw row; the
import goes on. By default the rejects file is FILE's name with
.rejects.csv instead of .csv/.csv.gz, next to FILE, or in the current
directory when FILE's directory cannot be written. It holds the rows as they
were in FILE, so it is as sensitive as FILE itself (mode 0600); it is removed
again when no row was rejected.

Interrupted — by Ctrl-C (SIGINT) or SIGTERM, which stop it after the batch
in progress, or killed outright — the import can simply be run again: rows
already stored count as duplicates and the rest are imported, ending with
the same records as an uninterrupted run.

Prints a summary, or with --json exactly one JSON object on standard
output: {"imported": N, "duplicates": N, "rejected": N, "rejects_file": "…"}
(rejects_file empty when nothing was rejected; an "error" member is added
when the import stopped after it began reading FILE). A progress bar is shown on standard error.
Exits 0 when the whole file was read, rejected rows or not; 1 when the
import could not finish; 2 for a usage mistake.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var o importOptions
		f.String(&o.agency, "agency", "", "SLUG", "The agency whose records these are (required).")
		f.Enum(&o.format, "format", "", []string{"chicago", "generic"},
			"The file's layout: chicago (City of Chicago open data) or generic (Haven's columns) (required).")
		f.Int(&o.batch, "batch", importer.DefaultBatchSize, "N",
			fmt.Sprintf("Incidents stored per transaction, 1 to %d.", maxImportBatch))
		f.String(&o.rejects, "rejects", "", "FILE",
			"Where to write the rejected rows (CSV: line, reason, record). Default: next to the input, named after it with .rejects.csv, or in the current directory when the input's directory cannot be written.")
		f.Bool(&o.json, "json", false, `Print one JSON object on standard output: {"imported": N, "duplicates": N, "rejected": N, "rejects_file": "…"}.`)
		f.Operands(&o.files)
		return func(ctx context.Context) error {
			if err := f.required("agency", "format"); err != nil {
				return err
			}
			switch {
			case len(o.files) == 0:
				return usageErrorf("name the FILE to import")
			case len(o.files) > 1:
				return usageErrorf("import one FILE at a time (got %d: %s)", len(o.files), strings.Join(o.files, ", "))
			case o.batch < 1 || o.batch > maxImportBatch:
				return usageErrorf("--batch must be 1 to %d (%s gave %d)", maxImportBatch, f.describe("batch"), o.batch)
			}
			return importIncidents(ctx, e, o)
		}
	},
}

type importOptions struct {
	agency, format, rejects string
	batch                   int
	json                    bool
	files                   []string
}

// importJSON is the --json answer; Error only when the import stopped.
type importJSON struct {
	Imported    int    `json:"imported"`
	Duplicates  int    `json:"duplicates"`
	Rejected    int    `json:"rejected"`
	RejectsFile string `json:"rejects_file"`
	Error       string `json:"error,omitempty"`
}

func importIncidents(ctx context.Context, e *env, o importOptions) error {
	// Imports are done, audited and authorized as their own system actor.
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("import"))
	format, _ := importer.FormatNamed(o.format) // --format admits only known names
	path := o.files[0]
	in, err := os.Open(path)
	if err != nil {
		return haven.Errorf(haven.EINVALID, "cannot open the file to import: %v", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return haven.Errorf(haven.EINVALID, "cannot read %s: %v", path, err)
	}
	if fi.IsDir() {
		return haven.Errorf(haven.EINVALID, "%s is a directory, not a file to import", path)
	}

	db, err := e.openDB(ctx, e.common.data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	agency, err := agencyBySlug(ctx, db, o.agency)
	if err != nil {
		return err
	}

	rejectsPath, rejects, err := createRejects(path, fi, o.rejects)
	if err != nil {
		return err
	}
	rejectsDone := false
	closeRejects := func(n int) (string, error) {
		if rejectsDone {
			return rejectsPath, nil
		}
		rejectsDone = true
		cerr := rejects.Close()
		if n == 0 {
			os.Remove(rejectsPath)
			return "", nil
		}
		if cerr != nil {
			return rejectsPath, haven.Errorf(haven.EUNAVAILABLE, "cannot write the rejects file %s: %v", rejectsPath, cerr)
		}
		return rejectsPath, nil
	}
	defer closeRejects(1) // on a panic, keep whatever was written

	// The first SIGINT or SIGTERM stops the import before its next batch;
	// the batch being stored is stored under a context no signal cancels.
	// A second signal ends the process at once, which is safe too: the
	// batch's transaction rolls back.
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	storeCtx := context.WithoutCancel(ctx)
	// A signal, not the caller's own cancellation, interrupted the import.
	signalled := func() bool { return sig.Err() != nil && ctx.Err() == nil }
	interrupted := false
	bar := newProgress(e.stderr)
	var shown []string
	hidden := 0
	started := time.Now()
	sum, runErr := importer.Run(sig, in, importer.Options{
		Format:    format,
		BatchSize: o.batch,
		Rejects:   rejects,
		Size:      fi.Size(),
		Sink: func(_ context.Context, batch []*haven.Incident) (haven.ImportResult, error) {
			return db.ImportIncidents(storeCtx, agency.ID, batch)
		},
		OnReject: func(line int, reason string) {
			if len(shown) < rejectsShown {
				shown = append(shown, fmt.Sprintf("line %d: %s", line, reason))
			} else {
				hidden++
			}
		},
		Progress: func(p importer.Progress) {
			bar.bar(int(p.Read>>10), int(p.Total>>10), fmt.Sprintf("KiB: %d imported, %d duplicates, %d rejected",
				p.Imported, p.Duplicates, p.Rejected))
			if !interrupted && signalled() {
				interrupted = true
				stop() // a second signal ends the process at once
			}
		},
	})
	bar.end()
	interrupted = interrupted || signalled()
	elapsed := time.Since(started)
	rejectsPath, cerr := closeRejects(sum.Rejected)
	if runErr == nil {
		runErr = cerr
	}
	e.log.Info("import incidents", "agency", agency.Slug, "format", format.Name(), "lines", sum.Lines,
		"imported", sum.Imported, "duplicates", sum.Duplicates, "rejected", sum.Rejected,
		"seconds", elapsed.Seconds(), "ok", runErr == nil)

	for _, s := range shown {
		fmt.Fprintf(e.stderr, "rejected %s\n", s)
	}
	if hidden > 0 {
		fmt.Fprintf(e.stderr, "… and %d more rejected rows\n", hidden)
	}
	var failure error
	if runErr != nil {
		failure = importFailure(runErr, path, sum, interrupted)
	}
	if o.json {
		out := importJSON{Imported: sum.Imported, Duplicates: sum.Duplicates, Rejected: sum.Rejected, RejectsFile: rejectsPath}
		if failure != nil {
			out.Error = haven.ErrorMessage(failure)
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(e.stdout, "%s\n", b)
		return failure
	}
	if failure != nil {
		if sum.Rejected > 0 {
			fmt.Fprintf(e.stdout, "Rejected rows so far, with line numbers and reasons: %s\n", rejectsPath)
		}
		return failure
	}
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(", %.0f rows/s", float64(sum.Lines)/s)
	}
	fmt.Fprintf(e.stdout, "Read %d rows of %s in %s%s: %d imported into %s, %d already there (duplicates), %d rejected.\n",
		sum.Lines, path, elapsed.Round(time.Millisecond), rate, sum.Imported, agency.Slug, sum.Duplicates, sum.Rejected)
	if sum.Rejected > 0 {
		fmt.Fprintf(e.stdout, "Rejected rows, with line numbers and reasons: %s\n", rejectsPath)
	}
	return nil
}

// importFailure turns the importer's error into Haven's, saying what was
// done and that running the command again carries on.
func importFailure(err error, path string, sum importer.Summary, interrupted bool) error {
	done := fmt.Sprintf("%d rows were imported and %d were duplicates before it stopped", sum.Imported, sum.Duplicates)
	again := "run the same command again to carry on: rows already imported are skipped"
	var he *importer.HeaderError
	var be *importer.BatchError
	switch {
	case interrupted:
		return haven.Errorf(haven.EUNAVAILABLE, "import interrupted: %s; %s", done, again)
	case errors.As(err, &he):
		return haven.Errorf(haven.EINVALID, "%s, %s; nothing was imported", path, he.Error())
	case errors.As(err, &be):
		code := haven.ErrorCode(be.Err)
		if code == haven.EINTERNAL {
			code = haven.EUNAVAILABLE
		}
		return &haven.Error{Code: code, Err: be.Err,
			Message: fmt.Sprintf("could not store the rows of lines %d–%d: %s; %s; %s", be.First, be.Last, haven.ErrorMessage(be.Err), done, again)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return haven.Errorf(haven.EUNAVAILABLE, "import stopped: %s; %s", done, again)
	case haven.ErrorCode(err) != haven.EINTERNAL:
		return err // the rejects file could not be written, …
	}
	return haven.Errorf(haven.EINVALID, "the import stopped: %s; %s",
		strings.TrimPrefix(err.Error(), "importer: "), done)
}

// createRejects creates the rejects file, mode 0600: at explicit when
// given, else next to the input, else in the current directory.
func createRejects(input string, in fs.FileInfo, explicit string) (string, *os.File, error) {
	create := func(p string) (*os.File, error) {
		if fi, err := os.Stat(p); err == nil && os.SameFile(fi, in) {
			return nil, usageErrorf("the rejects file %s is the file being imported; choose another with --rejects", p)
		}
		return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	}
	if explicit != "" {
		f, err := create(explicit)
		if err != nil {
			if isUsage(err) {
				return "", nil, err
			}
			return "", nil, haven.FieldErrorf(haven.EINVALID, "rejects", "cannot create the rejects file: %v", err)
		}
		return explicit, f, nil
	}
	name := rejectsName(input)
	dir := filepath.Dir(input)
	p := filepath.Join(dir, name)
	var err error
	if di, serr := os.Stat(dir); serr == nil && di.Mode().Perm()&0o222 == 0 {
		// A folder no one may write (a shared data folder) is left alone,
		// even by root, who could.
		err = fmt.Errorf("%s is read-only: %w", dir, fs.ErrPermission)
	} else {
		var f *os.File
		if f, err = create(p); err == nil {
			return p, f, nil
		}
	}
	if isUsage(err) || !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EROFS) {
		return "", nil, haven.FieldErrorf(haven.EINVALID, "rejects", "cannot create the rejects file %s: %v", p, err)
	}
	// The input's directory is read-only (a shared data folder): use the
	// current directory.
	if f, err2 := create(name); err2 == nil {
		return name, f, nil
	}
	return "", nil, haven.FieldErrorf(haven.EINVALID, "rejects",
		"cannot create the rejects file next to the input (%v) nor in the current directory; choose one with --rejects", err)
}

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

// rejectsName is the input's base name with .rejects.csv in place of
// .csv, .csv.gz or .gz: crimes.csv.gz → crimes.rejects.csv.
func rejectsName(input string) string {
	base := filepath.Base(input)
	for _, ext := range []string{".gz", ".csv", ".txt"} {
		if len(base) > len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
			base = base[:len(base)-len(ext)]
		}
	}
	return base + ".rejects.csv"
}
