package hsds

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/haven-dv/haven"
)

// testdata/pkg: a small, fictional DV directory in all 21 tables.
func TestDecodePackage(t *testing.T) {
	fsys := loadPackage(t, filepath.Join("testdata", "pkg"))
	doc, err := DecodePackage(fsys, "pkg")
	if err != nil {
		t.Fatalf("%v\n%s", err, messages(problemsOf(t, err)))
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings:\n%s", messages(doc.Warnings))
	}
	want := map[string]int{"organization": 1, "program": 1, "service": 2, "attribute": 2, "service_at_location": 2,
		"location": 2, "phone": 2, "contact": 1, "address": 1, "schedule": 2, "funding": 1, "service_area": 1,
		"required_document": 1, "language": 2, "accessibility": 1, "taxonomy_term": 2, "metadata": 1,
		"meta_table_description": 1, "cost_option": 1, "organization_identifier": 1, "taxonomy": 1}
	got := doc.Counts()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d records, want %d", k, got[k], n)
		}
	}
	s := doc.Services[0]
	if !strings.Contains(s.Description, "\nCall the hotline first") {
		t.Errorf("a quoted cell over two lines: %q", s.Description)
	}
	if s.LastModified != "2026-11-20T08:15:00.250Z" || s.AssuredDate != "2026-11-01" {
		t.Errorf("dates: %q %q", s.LastModified, s.AssuredDate)
	}
	if c := doc.CostOptions[0]; c.Amount == nil || *c.Amount != 0 {
		t.Errorf("a cost of 0 is a value: %v", c.Amount)
	}
	if l := doc.Locations[0]; l.Latitude == nil || *l.Latitude != 45.5231 || *l.Longitude != -122.6765 {
		t.Errorf("coordinates: %v %v", l.Latitude, l.Longitude)
	}
	if l := doc.Locations[1]; l.Latitude != nil {
		t.Errorf("an empty cell is no number: %v", *l.Latitude)
	}
	if problems := doc.Validate(); len(problems) != 0 {
		t.Errorf("Validate:\n%s", messages(problems))
	}
}

// Round trip: package → Document → package → Document, equal; and the
// second package is byte for byte the first one written.
func TestPackageRoundTrip(t *testing.T) {
	doc, err := DecodePackage(loadPackage(t, filepath.Join("testdata", "pkg")), "pkg")
	if err != nil {
		t.Fatal(err)
	}
	var first memPackage
	if err := WritePackage(&first, doc); err != nil {
		t.Fatal(err)
	}
	if want := append([]string{"datapackage.json"}, tablePaths()...); !slices.Equal(first.order, want) {
		t.Errorf("files %v, want %v", first.order, want)
	}
	again, err := DecodePackage(first.fs("x/y"), "x/y")
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, messages(problemsOf(t, err)))
	}
	if !sameData(doc, again) {
		a, _ := json.MarshalIndent(doc, "", " ")
		b, _ := json.MarshalIndent(again, "", " ")
		t.Fatalf("round trip changed the data:\n%s\n%s", a, b)
	}
	var second memPackage
	if err := WritePackage(&second, again); err != nil {
		t.Fatal(err)
	}
	for name, b := range first.files {
		if !bytes.Equal(b.Bytes(), second.files[name].Bytes()) {
			t.Errorf("%s differs the second time", name)
		}
	}
	// An empty table is written as its header.
	var empty memPackage
	if err := WritePackage(&empty, &Document{}); err != nil {
		t.Fatal(err)
	}
	if got := empty.files["phones.csv"].String(); got != "id,location_id,service_id,organization_id,contact_id,service_at_location_id,number,extension,type,description\n" {
		t.Errorf("empty phones.csv: %q", got)
	}
}

func tablePaths() []string {
	var out []string
	for _, t := range tables {
		out = append(out, t.Path)
	}
	return out
}

// failingWriter fails on one file.
type failingWriter struct {
	memPackage
	fail   string
	closed []string
}

type closingBuffer struct {
	bytes.Buffer
	w    *failingWriter
	name string
}

func (c *closingBuffer) Close() error {
	c.w.closed = append(c.w.closed, c.name)
	if c.name == c.w.fail {
		return errors.New("disk full")
	}
	return nil
}

func (f *failingWriter) Create(name string) (io.Writer, error) {
	return &closingBuffer{w: f, name: name}, nil
}

func TestWritePackageErrors(t *testing.T) {
	w := &failingWriter{fail: "services.csv"}
	err := WritePackage(w, &Document{})
	if err == nil || !strings.Contains(err.Error(), "services.csv") || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v, want one naming services.csv", err)
	}
	if !slices.Contains(w.closed, "organizations.csv") || slices.Contains(w.closed, "attributes.csv") {
		t.Errorf("closed %v", w.closed)
	}
}

// pkg builds a package from the standard-looking test package with files
// replaced (a nil value removes the file).
func pkg(t *testing.T, replace map[string]string) fstest.MapFS {
	t.Helper()
	fsys := loadPackage(t, filepath.Join("testdata", "pkg"))
	for name, data := range replace {
		if data == "" {
			delete(fsys, "pkg/"+name)
			continue
		}
		fsys["pkg/"+name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

const (
	orgHeader     = "id,name,alternate_name,description,email,website,tax_status,tax_id,year_incorporated,legal_status,logo,uri,parent_organization_id\n"
	orgRow        = "ad008078-5bb5-406a-b0ae-cc335467cd0f,Harbor Light,,Shelter and hotline,,,,,1987,,,,\n"
	serviceHeader = "id,organization_id,program_id,name,alternate_name,description,url,email,status,interpretation_services,application_process,fees_description,wait_time,fees,accreditations,eligibility_description,minimum_age,maximum_age,assured_date,assurer_email,licenses,alert,last_modified\n"
)

// Bad input: each problem names the file, the line and the column.
func TestDecodePackageErrors(t *testing.T) {
	tests := []struct {
		name    string
		replace map[string]string
		want    []string // each must appear in one problem's Error()
		kind    Kind
	}{
		{"wrong column", map[string]string{"organizations.csv": strings.Replace(orgHeader, "tax_id", "tax_number", 1) + orgRow},
			[]string{`organizations.csv:1: tax_number: "tax_number" is not a column of organizations.csv`}, KindUnknown},
		{"bad date", map[string]string{"services.csv": serviceHeader +
			"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Shelter,,,,,active,,,,,,,,,,2026-13-01,,,,\n"},
			[]string{`services.csv:2: assured_date: "2026-13-01" is not a date (YYYY-MM-DD)`}, KindFormat},
		{"bad date-time", map[string]string{"services.csv": serviceHeader +
			"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Shelter,,,,,active,,,,,,,,,,,,,,yesterday\n"},
			[]string{`services.csv:2: last_modified: "yesterday" is not a date and time`}, KindFormat},
		{"missing id", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "ad008078-5bb5-406a-b0ae-cc335467cd0f", "", 1)},
			[]string{"organizations.csv:2: id: required, but empty"}, KindRequired},
		{"dangling organization_id", map[string]string{"services.csv": serviceHeader +
			"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,00000000-0000-4000-8000-000000000000,,Shelter,,,,,active,,,,,,,,,,,,,,\n" +
			"76eff6d8-cb38-4ef9-bc3f-2272a1043deb,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Hotline,,,,,active,,,,,,,,,,,,,,\n"},
			[]string{`services.csv:2: organization_id: no organization with id "00000000-0000-4000-8000-000000000000" in the data`}, KindReference},
		{"duplicate id", map[string]string{"organizations.csv": orgHeader + orgRow + "\n" + orgRow},
			[]string{`organizations.csv:4: id: duplicate id "ad008078-5bb5-406a-b0ae-cc335467cd0f"; first at line 2`}, KindDuplicate},
		{"truncated quote", map[string]string{"organizations.csv": orgHeader + orgRow +
			"0f6fad51-bfd4-4222-86be-ecf93b849a9c,\"Harbor Light North,,Shelter,,,,,,,,,\n"},
			[]string{`organizations.csv:3: extraneous or missing " in quoted-field`}, KindSyntax},
		{"stray quote", map[string]string{"organizations.csv": orgHeader + "0f6fad51-bfd4-4222-86be-ecf93b849a9c,Harbor \"Light\",,x,,,,,,,,,\n" + orgRow},
			[]string{`organizations.csv:2: bare " in non-quoted-field`}, KindSyntax},
		{"too few cells", map[string]string{"organizations.csv": orgHeader + "ad008078-5bb5-406a-b0ae-cc335467cd0f,Harbor Light\n"},
			[]string{"organizations.csv:2: 2 cells, but the header has 13 columns"}, KindSyntax},
		{"not a number", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "1987", "nineteen", 1)},
			[]string{"organizations.csv:2: year_incorporated: not a number"}, KindType},
		{"hex is not a number", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "1987", "0x7c3", 1)},
			[]string{"organizations.csv:2: year_incorporated: not a number"}, KindType},
		{"status outside the enum", map[string]string{"services.csv": serviceHeader +
			"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Shelter,,,,,open,,,,,,,,,,,,,,\n"},
			[]string{`services.csv:2: status: "open" is not one of: active, inactive, defunct, temporarily closed`}, KindEnum},
		{"id not a uuid", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "ad008078-5bb5-406a-b0ae-cc335467cd0f", "harbor-light", 1)},
			[]string{`organizations.csv:2: id: "harbor-light" is not a UUID`}, KindFormat},
		{"required column missing", map[string]string{"organizations.csv": "id,name\nad008078-5bb5-406a-b0ae-cc335467cd0f,Harbor Light\n"},
			[]string{`organizations.csv:1: description: required column "description" is missing`}, KindRequired},
		{"column twice", map[string]string{"organizations.csv": strings.TrimSuffix(orgHeader, "\n") + ",name\n" + strings.TrimSuffix(orgRow, "\n") + ",Again\n"},
			[]string{`organizations.csv:1: name: column "name" given twice`}, KindDuplicate},
		{"bad byday", map[string]string{"schedules.csv": "id,service_id,freq,byday,opens_at\n9827cef2-3b84-4bd5-92f0-2d1c0f88a9ff,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,WEEKLY,\"MON,TUE\",09:00\n"},
			[]string{`schedules.csv:2: byday: "MON,TUE" is not a list of weekdays`}, KindFormat},
		{"numbered byday in a weekly rule", map[string]string{"schedules.csv": "id,service_id,freq,byday\n9827cef2-3b84-4bd5-92f0-2d1c0f88a9ff,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,WEEKLY,2MO\n"},
			[]string{`schedules.csv:2: byday: "2MO": numbered weekdays (2MO) need freq MONTHLY`}, KindFormat},
		{"bad freq and wkst", map[string]string{"schedules.csv": "id,service_id,freq,wkst\n9827cef2-3b84-4bd5-92f0-2d1c0f88a9ff,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,DAILY,Monday\n"},
			[]string{`schedules.csv:2: freq: "DAILY" is not one of: WEEKLY, MONTHLY`, `schedules.csv:2: wkst: "Monday" is not one of: MO, TU`}, KindEnum},
		{"bad time", map[string]string{"schedules.csv": "id,service_id,opens_at,closes_at\n9827cef2-3b84-4bd5-92f0-2d1c0f88a9ff,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,9am,25:00\n"},
			[]string{`schedules.csv:2: opens_at: "9am" is not a time`, `schedules.csv:2: closes_at: "25:00" is not a time`}, KindFormat},
		{"bad bymonthday", map[string]string{"schedules.csv": "id,service_id,freq,bymonthday\n9827cef2-3b84-4bd5-92f0-2d1c0f88a9ff,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,MONTHLY,\"1,32\"\n"},
			[]string{`schedules.csv:2: bymonthday: "1,32" is not a list of numbers from 1 to 31`}, KindFormat},
		{"duplicate term code", map[string]string{"taxonomy_terms.csv": "id,code,name,description,taxonomy_id\n" +
			"1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e,shelter,Shelter,A,9cf98de2-54d6-436d-8e13-e6f5722a4a2d\n" +
			"71732544-49cd-4e29-bced-595330ec8d8a,shelter,Hotline,B,9cf98de2-54d6-436d-8e13-e6f5722a4a2d\n"},
			[]string{`taxonomy_terms.csv:3: code: duplicate code "shelter" in one taxonomy; first at line 2`}, KindDuplicate},
		{"dangling required link of a service at location", map[string]string{"service_at_location.csv": "id,service_id,location_id\nb0f8db32-346d-4997-9e47-419a32422676,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,00000000-0000-4000-8000-000000000001\n"},
			[]string{`service_at_location.csv:2: location_id: no location with id "00000000-0000-4000-8000-000000000001"`}, KindReference},
		{"unknown table", map[string]string{"datapackage.json": `{"resources":[{"name":"beds","path":"beds.csv"}]}`},
			[]string{`datapackage.json: resources[0]: "beds" is not a table of HSDS 3.0`}, KindUnknown},
		{"path out of the folder", map[string]string{"datapackage.json": `{"resources":[{"name":"service","path":"../services.csv"}]}`},
			[]string{`datapackage.json: resources[0]: path "../services.csv" must be a file within the package folder`}, KindFormat},
		{"broken descriptor", map[string]string{"datapackage.json": `{"resources":`},
			[]string{"datapackage.json: not a data package descriptor"}, KindSyntax},
		{"invalid UTF-8", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "Harbor Light", "Harbor \xff", 1)},
			[]string{"organizations.csv:2: name: not valid UTF-8 text"}, KindFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := DecodePackage(pkg(t, tt.replace), "pkg")
			if err == nil {
				t.Fatalf("no error; warnings:\n%s", messages(doc.Warnings))
			}
			if doc != nil {
				t.Error("a Document despite errors")
			}
			var he *haven.Error
			if !errors.As(err, &he) || he.Code != haven.EINVALID {
				t.Errorf("error %T %v is not an EINVALID haven.Error", err, err)
			}
			ps := problemsOf(t, err)
			for _, w := range tt.want {
				if !slices.ContainsFunc(ps, func(p *Problem) bool { return !p.Warning && strings.Contains(p.Error(), w) }) {
					t.Errorf("no error %q among:\n%s", w, messages(ps))
				}
			}
			if !slices.ContainsFunc(ps, func(p *Problem) bool { return p.Kind == tt.kind && p.File != "" }) {
				t.Errorf("no %s problem naming a file among:\n%s", tt.kind, messages(ps))
			}
			if !strings.Contains(he.Message, tt.want[0][:strings.Index(tt.want[0], ":")]) {
				t.Errorf("message %q does not name the file", he.Message)
			}
		})
	}
}

// Warnings do not stop an import.
func TestDecodePackageWarnings(t *testing.T) {
	tests := []struct {
		name    string
		replace map[string]string
		want    string
	}{
		{"dangling optional link", map[string]string{"locations.csv": "id,location_type,organization_id\n1c19f88c-9f41-4ee5-bb90-0bd9ce53d2fc,physical,00000000-0000-4000-8000-000000000000\n47b32e5d-8d19-4208-a6b5-30310ffe6d97,virtual,\n"},
			`locations.csv:2: organization_id: no organization with id "00000000-0000-4000-8000-000000000000" in the data`},
		{"unusual phone type", map[string]string{"phones.csv": "id,number,type\n674187b7-8726-4bab-a6fe-62a83f2cf6c5,+1 555 0100,landline\n533731cd-2f5b-4b18-b1b1-7c31d485026f,+1 555 0101,\n"},
			`phones.csv:2: type: "landline" is not one of the standard's phone types`},
		{"latitude out of range", map[string]string{"locations.csv": "id,location_type,latitude,longitude\n1c19f88c-9f41-4ee5-bb90-0bd9ce53d2fc,physical,100,101\n47b32e5d-8d19-4208-a6b5-30310ffe6d97,virtual,,\n"},
			"locations.csv:2: latitude: out of range (-90 to 90)"},
		{"bad e-mail", map[string]string{"organizations.csv": orgHeader + strings.Replace(orgRow, "Shelter and hotline,,", "Shelter and hotline,help at example,", 1)},
			"organizations.csv:2: email: not an e-mail address"},
		{"no descriptor", map[string]string{"datapackage.json": ""},
			"datapackage.json: missing; the tables are read from the standard's file names"},
		{"stray csv", map[string]string{"beds.csv": "id,beds\n"},
			"beds.csv: not a table of the package; ignored"},
		{"listed but missing", map[string]string{"funding.csv": ""},
			"funding.csv: listed for table funding but missing; read as empty"},
		{"empty file", map[string]string{"funding.csv": "\n"},
			"funding.csv: empty file, without even a header"},
		{"max below min", map[string]string{"services.csv": serviceHeader +
			"ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Shelter,,,,,active,,,,,,,,18,16,,,,,\n" +
			"76eff6d8-cb38-4ef9-bc3f-2272a1043deb,ad008078-5bb5-406a-b0ae-cc335467cd0f,,Hotline,,,,,active,,,,,,,,,,,,,,\n"},
			"services.csv:2: maximum_age: below minimum_age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := DecodePackage(pkg(t, tt.replace), "pkg")
			if err != nil {
				t.Fatalf("%v\n%s", err, messages(problemsOf(t, err)))
			}
			if !slices.ContainsFunc(doc.Warnings, func(p *Problem) bool { return p.Warning && strings.Contains(p.Error(), tt.want) }) {
				t.Errorf("no warning %q among:\n%s", tt.want, messages(doc.Warnings))
			}
		})
	}
}

// Columns in any order, a byte-order mark, CRLF line ends, no descriptor.
func TestDecodePackageLenient(t *testing.T) {
	fsys := fstest.MapFS{
		"organizations.csv": {Data: []byte("\uFEFFdescription,name,id\r\nShelter and hotline,Harbor Light,ad008078-5bb5-406a-b0ae-cc335467cd0f\r\n")},
		"services.csv":      {Data: []byte("status,name,organization_id,id,minimum_age\r\nactive,Shelter,ad008078-5bb5-406a-b0ae-cc335467cd0f,ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66, 16 \r\n")},
	}
	doc, err := DecodePackage(fsys, ".")
	if err != nil {
		t.Fatalf("%v\n%s", err, messages(problemsOf(t, err)))
	}
	if len(doc.Organizations) != 1 || doc.Organizations[0].Name != "Harbor Light" || doc.Organizations[0].ID != "ad008078-5bb5-406a-b0ae-cc335467cd0f" {
		t.Errorf("organizations %+v", doc.Organizations)
	}
	if s := doc.Services[0]; s.MinimumAge == nil || *s.MinimumAge != 16 {
		t.Errorf("minimum_age %v", s.MinimumAge)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].Error(), "datapackage.json: missing") {
		t.Errorf("warnings:\n%s", messages(doc.Warnings))
	}
}

// The decoder stops at MaxErrors errors and says so.
func TestDecodePackageLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(orgHeader)
	for range 300 {
		b.WriteString("not-a-uuid,x,,y,,,,,,,,,\n")
	}
	_, err := DecodePackage(fstest.MapFS{"organizations.csv": {Data: []byte(b.String())}}, ".")
	ps := problemsOf(t, err)
	if n := len(ps.Errors()); n != MaxErrors+1 {
		t.Errorf("%d errors, want %d", n, MaxErrors+1)
	}
	if last := ps[len(ps)-1]; last.Kind != KindLimit {
		t.Errorf("last problem %v, want the limit", last)
	}
}

func TestDecodePackageNoFolder(t *testing.T) {
	_, err := DecodePackage(fstest.MapFS{}, "nowhere")
	if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Kind != KindFile || !strings.Contains(ps[0].Error(), "cannot read the package folder") {
		t.Errorf("problems:\n%s", messages(ps))
	}
}

// The assembled documents of testdata/pkg, as golden files: what the HSDS
// API will serve. go test -update rewrites them.
func TestGolden(t *testing.T) {
	doc, err := DecodePackage(loadPackage(t, filepath.Join("testdata", "pkg")), "pkg")
	if err != nil {
		t.Fatal(err)
	}
	x := doc.Index()
	shelter, _ := x.Service("ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66")
	org, _ := x.Organization("ad008078-5bb5-406a-b0ae-cc335467cd0f")
	sal, _ := x.ServiceAtLocation("1def1bf4-f8f6-4381-9285-0f5230e1ac9b")
	var items []Service
	for _, s := range doc.Services {
		item, _ := x.ServiceSummary(s.ID)
		items = append(items, *item)
	}
	for name, v := range map[string]any{
		"service.json":             shelter,
		"organization.json":        org,
		"service_at_location.json": sal,
		"services_page.json":       NewPage(items, 2, 1, 10),
	} {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		file := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
		}
		// And each reads back into the same records it came from.
		back, err := DecodeJSON(bytes.NewReader(got))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, messages(problemsOf(t, err)))
		}
		for _, tb := range tables {
			s := tb.slice(back)
			for i := range s.Len() {
				id := recordID(s.Index(i))
				if !containsRecord(doc, tb, s.Index(i).Interface()) {
					t.Errorf("%s: %s %s read back differently", name, tb.Name, id)
				}
			}
		}
	}
}

// containsRecord reports whether doc's table tb holds rec, or a record with
// its id of which rec is a part (the list forms leave links out).
func containsRecord(doc *Document, tb *table, rec any) bool {
	s := tb.slice(doc)
	want := reflect.ValueOf(rec)
	for i := range s.Len() {
		v := s.Index(i)
		if recordID(v) != recordID(want) {
			continue
		}
		for _, c := range tb.Columns {
			if !c.empty(want) && c.str(want) != c.str(v) {
				return false
			}
		}
		return true
	}
	return false
}

func TestWriteThenValidate(t *testing.T) {
	doc, err := DecodePackage(loadPackage(t, filepath.Join("testdata", "pkg")), "pkg")
	if err != nil {
		t.Fatal(err)
	}
	validateOutput(t, doc)
}
