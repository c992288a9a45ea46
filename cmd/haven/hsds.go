package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/store"
)

// problemsShown is how many of an HSDS document's problems are printed.
const problemsShown = 100

var importHSDSCommand = &command{
	name:     "import hsds",
	synopsis: "--agency SLUG [--replace] [--confidential ID,…] [--area-label ID=LABEL,…] [--json] [flags] PATH",
	summary:  "import the agency's resource directory from Open Referral HSDS 3.0 data",
	about: `Imports PATH into the agency's resource directory: PATH is an HSDS 3.0 JSON
document (one organization, service, location, … with what it nests, a list
of them, an API page, or the tabular form) or a folder holding the standard's
tabular data package (datapackage.json and the CSV files). docs/HSDS.md
describes what is accepted.

Records are stored by their HSDS id, in one transaction, by the system actor
"import", and audited (directory.import). Running the same data again
changes nothing and says so; a changed record is updated; records not in
PATH are kept. An id already in another agency's directory is refused (the
same taxonomy or term, unchanged, may be shared).

--replace makes the directory what PATH says, for a feed that is the
agency's whole directory: a service PATH no longer has is retired — its
status becomes "defunct", so the finder and the service search stop
showing it, while referrals that name it still can (importing it again
brings it back) — and the details PATH no longer has (services at
locations, phones, schedules, addresses, attributes, contacts, …) are
deleted. Organizations, programs and locations are kept (services and
shelter histories point at them); shared taxonomies are never touched.

Every location of a service tagged with the haven-dv terms emergency_shelter
or transitional_housing is confidential: its address, coordinates,
transportation notes and identifiers never leave the agency — not through
the public HSDS API at /hsds/ nor through 'haven export hsds' — and its name
becomes its area label and "(confidential location)". --confidential marks
more locations so (an import cannot make one public again); the area label
is the location's --area-label, else its address's city (or region).

Problems with the data are printed on standard error one per line, with the
file, line and column (CSV) or the JSON path; nothing is imported when there
is any error. Warnings are printed and do not stop the import. Progress is
shown on standard error. Exits 0 when imported, 1 when not, 2 for a usage
mistake.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var o hsdsImportOptions
		f.String(&o.agency, "agency", "", "SLUG", "The agency whose directory this is (required).")
		f.String(&o.confidential, "confidential", "", "ID,…", "Location ids to mark confidential, besides the shelters'.")
		f.String(&o.areaLabels, "area-label", "", "ID=LABEL,…", "Area labels of locations, shown in place of a confidential location's name.")
		f.Bool(&o.replace, "replace", false, "Retire the agency's services that PATH no longer has and delete the details it no longer has (see above).")
		f.Bool(&o.json, "json", false, `Print one JSON object on standard output: {"created": N, "updated": N, "unchanged": N, "confidential_locations": N, "retired": N, "removed": N, "by_kind": {…}}.`)
		f.Operands(&o.paths)
		return func(ctx context.Context) error {
			if err := f.required("agency"); err != nil {
				return err
			}
			switch {
			case len(o.paths) == 0:
				return usageErrorf("name the PATH to import: an HSDS JSON file or a data package folder")
			case len(o.paths) > 1:
				return usageErrorf("import one PATH at a time (got %d)", len(o.paths))
			}
			opts, err := o.storeOptions()
			if err != nil {
				return err
			}
			return importHSDS(ctx, e, o, opts)
		}
	},
}

type hsdsImportOptions struct {
	agency, confidential, areaLabels string
	json, replace                    bool
	paths                            []string
}

func (o hsdsImportOptions) storeOptions() (store.DirectoryImportOptions, error) {
	opts := store.DirectoryImportOptions{Replace: o.replace}
	for _, id := range strings.Split(o.confidential, ",") {
		if id = strings.TrimSpace(id); id != "" {
			opts.Confidential = append(opts.Confidential, id)
		}
	}
	for _, kv := range strings.Split(o.areaLabels, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		id, label, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(id) == "" || strings.TrimSpace(label) == "" {
			return opts, usageErrorf("--area-label wants ID=LABEL pairs separated by commas (got %q)", kv)
		}
		if opts.AreaLabels == nil {
			opts.AreaLabels = map[string]string{}
		}
		opts.AreaLabels[strings.TrimSpace(id)] = strings.TrimSpace(label)
	}
	return opts, nil
}

// readHSDS reads PATH: a folder is a data package, a file a JSON document.
func readHSDS(path string) (*hsds.Document, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, haven.Errorf(haven.EINVALID, "cannot read %s: %v", path, err)
	}
	if fi.IsDir() {
		return hsds.DecodePackage(os.DirFS(path), ".")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, haven.Errorf(haven.EINVALID, "cannot open %s: %v", path, err)
	}
	defer f.Close()
	return hsds.DecodeJSON(f)
}

func importHSDS(ctx context.Context, e *env, o hsdsImportOptions, opts store.DirectoryImportOptions) error {
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("import"))
	path := o.paths[0]
	bar := newProgress(e.stderr)
	bar.line("reading " + path + " …")
	doc, err := readHSDS(path)
	bar.end()
	var problems hsds.Problems
	if errors.As(err, &problems) {
		errs := problems.Errors()
		for i, p := range errs {
			if i == problemsShown {
				fmt.Fprintf(e.stderr, "… and %d more problems\n", len(errs)-i)
				break
			}
			fmt.Fprintln(e.stderr, p.Error())
		}
		return haven.Errorf(haven.EINVALID, "%s: %d problems, nothing imported (the first: %s)", path, len(errs), haven.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	for _, w := range doc.Warnings {
		fmt.Fprintln(e.stderr, w.Error()) // "warning: …"
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
	bar.line(fmt.Sprintf("storing %d records in %s's directory …", doc.Len(), agency.Slug))
	c, err := db.ImportDirectoryOptions(ctx, agency.ID, doc, opts)
	bar.end()
	if err != nil {
		return err
	}
	if o.json {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	if !c.Changed() {
		fmt.Fprintf(e.stdout, "Nothing changed: all %d records of %s were already in %s's directory (%d confidential locations).\n",
			c.Unchanged, path, agency.Slug, c.Confidential)
		return nil
	}
	kinds := make([]string, 0, len(c.ByKind))
	for k, n := range c.ByKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	replaced := ""
	if opts.Replace {
		replaced = fmt.Sprintf(" %d services retired (defunct), %d records removed;", c.Retired, c.Removed)
	}
	fmt.Fprintf(e.stdout, "Imported %s into %s's directory: %d created, %d updated, %d unchanged (%s);%s %d locations reclassified; %d confidential locations.\n",
		path, agency.Slug, c.Created, c.Updated, c.Unchanged, strings.Join(kinds, ", "), replaced, c.Reclassified, c.Confidential)
	return nil
}

var directoryPublishLocationCommand = &command{
	name:     "directory publish-location",
	synopsis: "--agency SLUG --location ID --reason TEXT [flags]",
	summary:  "make a confidential location of the agency's directory public again",
	about: `Makes the location ID of the agency's resource directory public: its address
and coordinates are then shown by the public HSDS API, the finder and
'haven export hsds'. No import ever does this — once confidential, a
location stays so whatever later data says — so this is the one way back,
for a location marked confidential by mistake or one that no longer houses
a shelter.

It is refused while the directory's own tags make the location a shelter's
(the haven-dv term emergency_shelter or transitional_housing on it or on a
service at it): remove the tag in the agency's data and import it first.
--reason is kept in the audit log (directory.publish_location). A location
already public is left as it is. Exits 0 when done, 1 when refused, 2 for a
usage mistake.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var slug, location, reason string
		f.String(&slug, "agency", "", "SLUG", "The agency whose directory holds the location (required).")
		f.String(&location, "location", "", "ID", "The location's HSDS id (required).")
		f.String(&reason, "reason", "", "TEXT", "Why it may be public, for the audit log (required).")
		return func(ctx context.Context) error {
			for _, name := range []string{"agency", "location", "reason"} {
				if err := f.required(name); err != nil {
					return err
				}
			}
			db, a, err := e.openAgency(ctx, slug)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.PublishLocation(ctx, a.ID, strings.TrimSpace(location), reason); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Location %s of %s's directory is public.\n", strings.TrimSpace(location), a.Slug)
			return nil
		}
	},
}

var exportHSDSCommand = &command{
	name:     "export hsds",
	synopsis: "--agency SLUG --out DIR|FILE.zip [--include-confidential] [flags]",
	summary:  "export the agency's resource directory as an HSDS 3.0 data package",
	about: `Writes the agency's resource directory as the Open Referral HSDS 3.0 tabular
data package: datapackage.json and the standard's 21 CSV files, into the
folder DIR (created when missing; existing files of the same names are
replaced) or, when --out ends in .zip, into a new zip file.

Confidential locations are redacted as the public HSDS API shows them: no
address rows, coordinates, transportation notes, identifiers or metadata
about them, and their name is their area label and "(confidential
location)". --include-confidential writes them in full: only for the
agency's own use (a backup, a move) — the package then holds shelter
addresses and must be kept as carefully as the database. The export is
audited (directory.export).`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var agency, out string
		var full bool
		f.String(&agency, "agency", "", "SLUG", "The agency whose directory to export (required).")
		f.String(&out, "out", "", "DIR|FILE.zip", "Where to write the data package: a folder, or a zip file (required).")
		f.Bool(&full, "include-confidential", false, "Write confidential locations in full (addresses, coordinates): for the agency's own use only.")
		return func(ctx context.Context) error {
			if err := f.required("agency", "out"); err != nil {
				return err
			}
			return exportHSDS(ctx, e, agency, out, full)
		}
	},
}

// dirPackage writes a data package into a folder.
type dirPackage string

func (d dirPackage) Create(name string) (io.Writer, error) {
	return os.OpenFile(filepath.Join(string(d), filepath.Base(name)), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
}

func exportHSDS(ctx context.Context, e *env, slug, out string, full bool) error {
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("export"))
	db, err := e.openDB(ctx, e.common.data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	agency, err := agencyBySlug(ctx, db, slug)
	if err != nil {
		return err
	}
	doc, err := db.ExportDirectory(ctx, agency.ID, full)
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.ToLower(out), ".zip") {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return haven.FieldErrorf(haven.EINVALID, "out", "cannot create %s: %v", out, err)
		}
		zw := zip.NewWriter(f)
		err = hsds.WritePackage(zw, doc)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
			return haven.Errorf(haven.EUNAVAILABLE, "cannot write %s: %v", out, err)
		}
	} else {
		if err := os.MkdirAll(out, 0o700); err != nil {
			return haven.FieldErrorf(haven.EINVALID, "out", "cannot create the folder %s: %v", out, err)
		}
		if err := hsds.WritePackage(dirPackage(out), doc); err != nil {
			return haven.Errorf(haven.EUNAVAILABLE, "cannot write into %s: %v", out, err)
		}
	}
	what := "confidential locations redacted"
	if full {
		what = "confidential locations IN FULL: keep it as safe as the database"
	}
	fmt.Fprintf(e.stdout, "Exported %d records of %s's directory to %s (%s).\n", doc.Len(), agency.Slug, out, what)
	return nil
}
