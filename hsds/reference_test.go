package hsds

// The standard's own examples and schemas (../shared/reference/hsds): every
// example decodes, and what Haven encodes from it validates for real against
// the standard's JSON Schemas, with additionalProperties false throughout as
// upstream's validate_examples_json_schema.sh sets it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaBase is where the standard's schemas live online; the loader maps it
// to the local folder and never goes to the network.
const schemaBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// referenceLoader loads the standard's schemas from the local folder, with
// additionalProperties false on every object schema.
type referenceLoader struct{ dir string }

func (l referenceLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		return nil, fmt.Errorf("not a reference schema (the tests do not use the network): %s", url)
	}
	doc, err := readJSON(filepath.Join(l.dir, "schema", filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	strict(doc)
	return doc, nil
}

func readJSON(path string) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// strict sets additionalProperties false on every object schema in doc that
// does not say otherwise.
func strict(doc any) {
	switch v := doc.(type) {
	case map[string]any:
		if _, ok := v["properties"].(map[string]any); ok && v["type"] == "object" {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, x := range v {
			strict(x)
		}
	case []any:
		for _, x := range v {
			strict(x)
		}
	}
}

// The schemas Haven's output must meet.
const (
	schemaService           = "compiled/service.json"
	schemaOrganization      = "compiled/organization.json"
	schemaServiceAtLocation = "compiled/service_at_location.json"
	schemaTaxonomy          = "taxonomy.json"
	schemaTaxonomyTerm      = "taxonomy_term.json"
	schemaLocation          = "location.json"
	schemaTabular           = "compiled/tabular.json"
	schemaRoot              = "openapi.json#/ (GET /)"
)

// pageSchemas are the paginated lists of schema/openapi.json, by path.
var pageSchemas = []string{"/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"}

type schemaSet struct {
	schemas map[string]*jsonschema.Schema
	err     error
}

var (
	schemasOnce sync.Once
	schemasSet  schemaSet
)

// referenceSchemas compiles the standard's schemas once per test binary
// (they are large).
func referenceSchemas(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	dir := referenceDir(t)
	schemasOnce.Do(func() { schemasSet = compileSchemas(dir) })
	if schemasSet.err != nil {
		t.Fatal(schemasSet.err)
	}
	return schemasSet.schemas
}

func compileSchemas(dir string) schemaSet {
	c := jsonschema.NewCompiler()
	c.UseLoader(referenceLoader{dir})
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{schemaService, schemaOrganization, schemaServiceAtLocation, schemaTaxonomy, schemaTaxonomyTerm, schemaLocation} {
		s, err := c.Compile(schemaBase + name)
		if err != nil {
			return schemaSet{err: fmt.Errorf("compiling %s: %w", name, err)}
		}
		out[name] = s
	}

	// compiled/tabular.json refers to its tables by relative names
	// ("attribute.json") that live in schema/, not schema/compiled/: give
	// it the URL of schema/ so that they resolve.
	tab, err := readJSON(filepath.Join(dir, "schema", "compiled", "tabular.json"))
	if err != nil {
		return schemaSet{err: err}
	}
	strict(tab)
	if err := c.AddResource(schemaBase+"tabular.json", tab); err != nil {
		return schemaSet{err: err}
	}
	if out[schemaTabular], err = c.Compile(schemaBase + "tabular.json"); err != nil {
		return schemaSet{err: fmt.Errorf("compiling tabular.json: %w", err)}
	}

	// The API's responses, from schema/openapi.json: the root document and
	// the paginated lists (the Page object with its contents).
	api, err := readJSON(filepath.Join(dir, "schema", "openapi.json"))
	if err != nil {
		return schemaSet{err: err}
	}
	pageSchema := dig(api, "components", "schemas", "Page").(map[string]any)
	root := dig(api, "paths", "/", "get", "responses", "200", "content", "application/json", "schema").(map[string]any)
	root["additionalProperties"] = false
	root["required"] = []any{"version"}
	if err := c.AddResource(schemaBase+"api/root.json", root); err != nil {
		return schemaSet{err: err}
	}
	if out[schemaRoot], err = c.Compile(schemaBase + "api/root.json"); err != nil {
		return schemaSet{err: err}
	}
	for _, path := range pageSchemas {
		s := dig(api, "paths", path, "get", "responses", "200", "content", "application/json", "schema").(map[string]any)
		page := map[string]any{}
		for k, v := range pageSchema {
			page[k] = v
		}
		// The reference's text: "The header returned must include these
		// properties".
		page["required"] = []any{"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"}
		s["allOf"] = []any{page}
		s["required"] = []any{"contents"}
		s["unevaluatedProperties"] = false
		url := schemaBase + "api/page" + strings.ReplaceAll(path, "/", "_") + ".json"
		if err := c.AddResource(url, s); err != nil {
			return schemaSet{err: err}
		}
		if out[path], err = c.Compile(url); err != nil {
			return schemaSet{err: fmt.Errorf("compiling the %s page: %w", path, err)}
		}
	}
	return schemaSet{schemas: out}
}

func dig(doc any, keys ...string) any {
	for _, k := range keys {
		doc = doc.(map[string]any)[k]
	}
	return doc
}

// mustValidate marshals v and validates it against the schema name.
func mustValidate(t *testing.T, schemas map[string]*jsonschema.Schema, name, what string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas[name].Validate(inst); err != nil {
		t.Errorf("%s does not validate against %s:\n%v\n%s", what, name, err, data)
	}
}

// validateOutput encodes every document the HSDS API would serve from doc
// and validates each against the standard's schema for it. It returns how
// many documents it validated.
func validateOutput(t *testing.T, doc *Document) int {
	t.Helper()
	schemas := referenceSchemas(t)
	x := doc.Index()
	n := 0
	check := func(name, what string, v any) {
		mustValidate(t, schemas, name, what, v)
		n++
	}
	var serviceItems []Service
	for _, s := range doc.Services {
		full, ok := x.Service(s.ID)
		if !ok {
			t.Fatalf("service %s not found", s.ID)
		}
		check(schemaService, "service "+s.ID, full)
		item, _ := x.ServiceSummary(s.ID)
		serviceItems = append(serviceItems, *item)
	}
	var orgItems []Organization
	for _, o := range doc.Organizations {
		full, _ := x.Organization(o.ID)
		check(schemaOrganization, "organization "+o.ID, full)
		withServices, _ := x.OrganizationWithFullServices(o.ID)
		check(schemaOrganization, "organization "+o.ID+" with full services", withServices)
		item, _ := x.OrganizationSummary(o.ID)
		orgItems = append(orgItems, *item)
	}
	var salItems []ServiceAtLocation
	for _, s := range doc.ServiceAtLocations {
		full, _ := x.ServiceAtLocation(s.ID)
		check(schemaServiceAtLocation, "service at location "+s.ID, full)
		item, _ := x.ServiceAtLocationSummary(s.ID)
		salItems = append(salItems, *item)
	}
	for _, l := range doc.Locations {
		v, _ := x.Location(l.ID)
		check(schemaLocation, "location "+l.ID, v)
	}
	var taxonomies []Taxonomy
	for _, tx := range doc.Taxonomies {
		v, _ := x.Taxonomy(tx.ID)
		check(schemaTaxonomy, "taxonomy "+tx.ID, v)
		taxonomies = append(taxonomies, *v)
	}
	var terms []TaxonomyTerm
	for _, term := range doc.TaxonomyTerms {
		v, _ := x.TaxonomyTerm(term.ID)
		check(schemaTaxonomyTerm, "taxonomy term "+term.ID, v)
		terms = append(terms, *v)
	}
	for _, perPage := range []int{1, 10} {
		check("/services", "services page", Paginate(serviceItems, 1, perPage))
		check("/organizations", "organizations page", Paginate(orgItems, 1, perPage))
		check("/service_at_locations", "service_at_locations page", Paginate(salItems, 1, perPage))
		check("/taxonomies", "taxonomies page", Paginate(taxonomies, 1, perPage))
		check("/taxonomy_terms", "taxonomy_terms page", Paginate(terms, 1, perPage))
	}
	check(schemaTabular, "the document in tabular form", doc)
	return n
}

// exampleWarnings are the warnings expected when decoding each example: the
// standard's examples are not flawless.
var exampleWarnings = map[string][]string{
	"location.json":                 {"$.latitude: out of range"},
	"organization_full.json":        {"$.locations[0].latitude: out of range"},
	"service_full.json":             {"$.organization.locations[0].latitude: out of range"},
	"service_at_location_full.json": {"$.location.latitude: out of range"},
	"service_at_location_list.json": {"$.contents[0].location.latitude: out of range"},
	"tabular.json": {
		`$["organization_identifiers.csv"][0].identifier: a number where HSDS has text`,
		`$["locations.csv"][0].external_identifier: a number where HSDS has text`,
		`$["locations.csv"][0].latitude: out of range`,
		`$["locations.csv"][0].organization_id: no organization with id`,
		`$["contacts.csv"][0].organization_id: no organization with id`,
		`$["contacts.csv"][0].service_at_location_id: no service at location with id`,
		`$["taxonomy_terms.csv"][0].taxonomy_id: no taxonomy with id`,
	},
}

func TestReferenceExamples(t *testing.T) {
	dir := referenceDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := DecodeJSON(bytes.NewReader(data))
			if name == "base.json" {
				// The API's root document: no data, but Root reads it and
				// what Root writes validates.
				if err == nil || !strings.Contains(err.Error(), "root document of an HSDS API") {
					t.Fatalf("DecodeJSON(base.json): %v, want the root-document error", err)
				}
				var root Root
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&root); err != nil {
					t.Fatal(err)
				}
				mustValidate(t, referenceSchemas(t), schemaRoot, "base.json", root)
				mustValidate(t, referenceSchemas(t), schemaRoot, "Haven's root", Root{Version: Version, OpenAPIURL: OpenAPIURL})
				return
			}
			if err != nil {
				t.Fatalf("DecodeJSON: %v\n%s", err, messages(problemsOf(t, err)))
			}
			checkWarnings(t, doc.Warnings, exampleWarnings[name])
			if doc.Len() == 0 {
				t.Fatal("no records")
			}
			n := validateOutput(t, doc)
			t.Logf("%s: %d records; %d documents validated", name, doc.Len(), n)
		})
	}
}

// checkWarnings fails unless every warning contains one of want and every
// want is met.
func checkWarnings(t *testing.T, got Problems, want []string) {
	t.Helper()
	met := make([]bool, len(want))
	for _, p := range got {
		if !p.Warning {
			t.Errorf("not a warning: %v", p)
		}
		i := slices.IndexFunc(want, func(w string) bool { return strings.Contains(p.Error(), w) })
		if i < 0 {
			t.Errorf("unexpected warning: %v", p)
			continue
		}
		met[i] = true
	}
	for i, ok := range met {
		if !ok {
			t.Errorf("no warning %q among:\n%s", want[i], messages(got))
		}
	}
}

// The standard's example data package imports cleanly: no errors; the
// warnings are the flaws of the example itself.
func TestReferencePackage(t *testing.T) {
	dir := referenceDir(t)
	fsys := os.DirFS(filepath.Join(dir, "examples"))
	doc, err := DecodePackage(fsys, "csv")
	if err != nil {
		t.Fatalf("DecodePackage(examples/csv): %v\n%s", err, messages(problemsOf(t, err)))
	}
	checkWarnings(t, doc.Warnings, []string{
		`datapackage.json: is a link to "../../datapackage.json"`,
		"locations.csv:2: organization_id: no organization with id",
		"contacts.csv:2: organization_id: no organization with id",
		"contacts.csv:2: service_at_location_id: no service at location with id",
		"taxonomy_terms.csv:2: taxonomy_id: no taxonomy with id",
		"locations.csv:2: latitude: out of range",
	})
	for _, tb := range tables {
		if n := tb.slice(doc).Len(); n != 1 {
			t.Errorf("%s: %d records, want 1", tb.Path, n)
		}
	}
	n := validateOutput(t, doc)
	t.Logf("examples/csv: %d records; %d documents validated", doc.Len(), n)

	// The tabular JSON example holds the same data as the CSV files.
	data, err := os.ReadFile(filepath.Join(dir, "examples", "tabular.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := DecodeJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !sameData(doc, fromJSON) {
		a, _ := json.MarshalIndent(doc, "", " ")
		b, _ := json.MarshalIndent(fromJSON, "", " ")
		t.Errorf("examples/csv and examples/tabular.json differ:\n%s\n%s", a, b)
	}

	// Round trip: package → Document → package → Document.
	var out memPackage
	if err := WritePackage(&out, doc); err != nil {
		t.Fatal(err)
	}
	again, err := DecodePackage(out.fs("out"), "out")
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	if !sameData(doc, again) {
		t.Error("examples/csv changed in a round trip through WritePackage")
	}
	if got := out.files["datapackage.json"].Bytes(); !bytes.Equal(got, StandardDescriptor()) {
		t.Error("WritePackage did not write the standard's descriptor")
	}
	// Every CSV file keeps the standard's column order: the written header
	// is the example's header.
	for _, tb := range tables {
		want, err := os.ReadFile(filepath.Join(dir, "examples", "csv", tb.Path))
		if err != nil {
			t.Fatal(err)
		}
		wantHeader, _, _ := strings.Cut(string(want), "\n")
		gotHeader, _, _ := strings.Cut(out.files[tb.Path].String(), "\n")
		if strings.TrimRight(wantHeader, "\r") != gotHeader {
			t.Errorf("%s header:\n got %s\nwant %s", tb.Path, gotHeader, wantHeader)
		}
	}
}

// The embedded descriptor is the standard's, byte for byte.
func TestEmbeddedDescriptor(t *testing.T) {
	dir := referenceDir(t)
	want, err := os.ReadFile(filepath.Join(dir, "schema", "datapackage.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(StandardDescriptor(), want) {
		t.Error("standard/datapackage.json differs from the reference's schema/datapackage.json")
	}
}

// The Go types have exactly the standard's fields, and write without
// omitempty exactly the fields the schema requires.
func TestTypesMatchSchemas(t *testing.T) {
	dir := referenceDir(t)
	extra := map[string][]string{"organization": {"services"}, "service_at_location": {"service"}}
	for _, tb := range tables {
		doc, err := readJSON(filepath.Join(dir, "schema", tb.Name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var props, required []string
		for k := range dig(doc, "properties").(map[string]any) {
			props = append(props, k)
		}
		if r, ok := doc.(map[string]any)["required"].([]any); ok {
			for _, k := range r {
				required = append(required, k.(string))
			}
		}
		props = append(props, extra[tb.Name]...)
		var fields, mustWrite []string
		for i := range tb.typ.NumField() {
			name, opts, _ := strings.Cut(tb.typ.Field(i).Tag.Get("json"), ",")
			fields = append(fields, name)
			if opts != "omitempty" {
				mustWrite = append(mustWrite, name)
			}
		}
		slices.Sort(props)
		slices.Sort(fields)
		slices.Sort(required)
		slices.Sort(mustWrite)
		if !slices.Equal(props, fields) {
			t.Errorf("%s: fields %v, schema %v", tb.typ.Name(), fields, props)
		}
		if !slices.Equal(required, mustWrite) {
			t.Errorf("%s: always written %v, schema requires %v", tb.typ.Name(), mustWrite, required)
		}
	}
}

// The validation above is real: the schemas reject a field HSDS does not
// have, a missing required field and a malformed id.
func TestSchemasReject(t *testing.T) {
	schemas := referenceSchemas(t)
	for name, doc := range map[string]string{
		"unknown field":          `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"active","bogus":1}`,
		"unknown nested field":   `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"active","phones":[{"id":"1554f2e2-a373-45db-a3fa-9fc48a61c15e","number":"1","bogus":1}]}`,
		"missing status":         `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x"}`,
		"not a uuid":             `{"id":"42","name":"x","status":"active"}`,
		"status outside enum":    `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"open"}`,
		"number as string":       `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"active","minimum_age":"12"}`,
		"nested object for list": `{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"active","phones":{}}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if schemas[schemaService].Validate(inst) == nil {
			t.Errorf("%s: %s validates against %s", name, doc, schemaService)
		}
	}
	page := `{"total_items":1,"total_pages":1,"page_number":1,"size":1,"first_page":true,"last_page":true,"empty":false,"contents":[],"extra":1}`
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(page))
	if schemas["/services"].Validate(inst) == nil {
		t.Error("a page with an extra field validates")
	}
	inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(`{"total_items":1,"contents":[]}`))
	if schemas["/services"].Validate(inst) == nil {
		t.Error("a page without its header validates")
	}
	inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(`{"total_items":1,"total_pages":1,"page_number":1,"size":1,"first_page":true,"last_page":true,"empty":false,"contents":[{"id":"ac148810-d857-441c-9679-408f346de14b","name":"x","status":"active","phones":[]}]}`))
	if schemas["/services"].Validate(inst) == nil {
		t.Error("a services page whose item has phones validates (the list form has none)")
	}
}
