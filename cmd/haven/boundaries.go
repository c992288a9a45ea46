package main

import (
	"context"
	"fmt"
	"os"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
)

var importBoundariesCommand = &command{
	name:     "import boundaries",
	synopsis: "--agency SLUG --kind KIND --name-property PROP [flags] FILE.geojson",
	summary:  "import the agency's boundary set of a kind (police districts) from GeoJSON",
	about: `Replaces the agency's boundaries of --kind (for example district) with the
features of FILE, a GeoJSON FeatureCollection whose geometries are Polygons or
MultiPolygons in WGS84 longitude/latitude. Each boundary is named by the
feature property --name-property (a string or a number, unique in the file).
The analytics map draws the agency's districts under its hotspot cells.

Nothing is stored when any feature is wrong: the problem is printed with the
feature's index and the property at fault (a missing name, a Point geometry,
an unclosed ring, a latitude out of range, …). Stored in one transaction by
the system actor "import", and audited (boundary.put). Exits 0 when
imported, 1 when not, 2 for a usage mistake.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var agency, kind, prop string
		var files []string
		f.String(&agency, "agency", "", "SLUG", "The agency whose boundaries these are (required).")
		f.String(&kind, "kind", "district", "KIND", "The set's kind: district, beat, ward, … (lower case).")
		f.String(&prop, "name-property", "", "PROP", "The feature property that names each boundary, e.g. dist_num (required).")
		f.Operands(&files)
		return func(ctx context.Context) error {
			if err := f.required("agency", "name-property"); err != nil {
				return err
			}
			if len(files) != 1 {
				return usageErrorf("name one GeoJSON FILE to import (got %d)", len(files))
			}
			return importBoundaries(ctx, e, agency, kind, prop, files[0])
		}
	},
}

func importBoundaries(ctx context.Context, e *env, agency, kind, prop, path string) error {
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("import"))
	data, err := os.ReadFile(path)
	if err != nil {
		return haven.Errorf(haven.EINVALID, "cannot read %s: %v", path, err)
	}
	bs, err := store.ParseBoundaries(data, kind, prop)
	if err != nil {
		return haven.Errorf(haven.EINVALID, "%s: %s", path, haven.ErrorMessage(err))
	}
	db, a, err := e.openAgency(ctx, agency)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.PutBoundaries(ctx, a.ID, kind, bs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Imported %d %s boundaries into %s.\n", n, kind, a.Slug)
	return nil
}
