package hsds

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/haven-dv/haven"
)

// FuzzDecodeJSON: DecodeJSON never panics; its errors are EINVALID with
// problems that name a JSON path; what it accepts validates, and survives a
// trip through a data package.
func FuzzDecodeJSON(f *testing.F) {
	for _, name := range []string{"service.json", "organization.json", "service_at_location.json", "services_page.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"organization":[{"id":"` + orgID + `","name":"x","description":"x","year_incorporated":"1987"}]}`))
	f.Add([]byte(`[{"id":"` + locID + `","location_type":"virtual"},{"id":"` + locID + `","location_type":"physical"}]`))
	f.Add([]byte(`{"version":"3.0"}`))
	f.Add([]byte(`{"contents":[{"id":"` + termID + `","name":"x","description":"y","taxonomy_detail":{"id":"` + DVTaxonomyID + `","name":"haven-dv","description":"z"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := DecodeJSON(bytes.NewReader(data))
		if err != nil {
			var he *haven.Error
			var ps Problems
			if !errors.As(err, &he) || he.Code != haven.EINVALID || !errors.As(err, &ps) || len(ps.Errors()) == 0 {
				t.Fatalf("error %v is not an EINVALID with problems", err)
			}
			for _, p := range ps {
				if p.Kind != KindLimit && !strings.HasPrefix(p.Path, "$") {
					t.Fatalf("problem without a path: %v", p)
				}
			}
			return
		}
		if ps := doc.Validate(); ps.Err() != nil {
			t.Fatalf("DecodeJSON accepted what Validate rejects:\n%s", messages(ps))
		}
		roundTrip(t, doc)
	})
}

// FuzzDecodePackage: DecodePackage never panics on any package; its errors
// are EINVALID with problems that name a file; what it accepts validates and
// round-trips through WritePackage unchanged.
func FuzzDecodePackage(f *testing.F) {
	fsys := loadPackage(f, filepath.Join("testdata", "pkg"))
	file := func(name string) []byte { return fsys["pkg/"+name].Data }
	f.Add(file("datapackage.json"), file("organizations.csv"), file("services.csv"), file("locations.csv"),
		file("service_at_location.csv"), file("phones.csv"), file("schedules.csv"))
	f.Add([]byte("../../datapackage.json\n"), []byte(orgHeader+orgRow), []byte(serviceHeader+"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,"+orgID+",,\"a\r\nb\",,,,,active,,,,,,,,1e3,,,,,,\n"),
		[]byte("id,location_type\n"), []byte(""), []byte("id,number\n\""), []byte("id,freq,byday\nx,WEEKLY,\"2MO\n"))
	f.Fuzz(func(t *testing.T, desc, orgs, services, locations, sals, phones, schedules []byte) {
		fsys := fstest.MapFS{}
		for name, data := range map[string][]byte{"datapackage.json": desc, "organizations.csv": orgs, "services.csv": services,
			"locations.csv": locations, "service_at_location.csv": sals, "phones.csv": phones, "schedules.csv": schedules} {
			if len(data) > 0 { // empty: no such file
				fsys["p/"+name] = &fstest.MapFile{Data: data}
			}
		}
		doc, err := DecodePackage(fsys, "p")
		if err != nil {
			var he *haven.Error
			var ps Problems
			if !errors.As(err, &he) || he.Code != haven.EINVALID || !errors.As(err, &ps) || len(ps.Errors()) == 0 {
				t.Fatalf("error %v is not an EINVALID with problems", err)
			}
			for _, p := range ps {
				if p.Kind != KindLimit && p.File == "" {
					t.Fatalf("problem without a file: %v", p)
				}
			}
			return
		}
		if ps := doc.Validate(); ps.Err() != nil {
			t.Fatalf("DecodePackage accepted what Validate rejects:\n%s", messages(ps))
		}
		roundTrip(t, doc)
	})
}

// roundTrip writes doc as a package and reads it back: the same data. CSV
// reads a line end within a cell as "\n", so "\r\n" in text comes back as
// "\n".
func roundTrip(t *testing.T, doc *Document) {
	t.Helper()
	var out memPackage
	if err := WritePackage(&out, doc); err != nil {
		t.Fatal(err)
	}
	again, err := DecodePackage(out.fs("out"), "out")
	if err != nil {
		t.Fatalf("reading back what WritePackage wrote: %v", err)
	}
	want := *doc
	normalizeLineEnds(&want)
	if !sameData(&want, again) {
		t.Fatal("the data changed in a round trip through a data package")
	}
}

func normalizeLineEnds(d *Document) {
	for _, tb := range tables {
		s := tb.slice(d)
		fresh := reflect.MakeSlice(s.Type(), s.Len(), s.Len())
		for i := range s.Len() {
			v := flatCopy(s.Index(i))
			for _, c := range tb.Columns {
				if c.Type != "number" {
					f := v.Field(c.field)
					f.SetString(strings.ReplaceAll(f.String(), "\r\n", "\n"))
				}
			}
			fresh.Index(i).Set(v)
		}
		if s.Len() > 0 {
			s.Set(fresh)
		}
	}
}
