// Package hsdstest validates documents against the standard's JSON Schemas
// in ../shared/reference/hsds (or $HAVEN_HSDS_REFERENCE), for tests outside
// package hsds (the HSDS API's). It is the harness of hsds/reference_test.go:
// an offline loader (never the network), additionalProperties false on every
// object schema, format assertions on, and the API's page and root
// responses cut from openapi.json. Tests skip with a message when the
// reference folder is absent.
package hsdstest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// Schema names: the object schemas, Root for GET /, and the page
// responses by path ("/services", …).
const (
	Service           = "compiled/service.json"
	Organization      = "compiled/organization.json"
	ServiceAtLocation = "compiled/service_at_location.json"
	Taxonomy          = "taxonomy.json"
	TaxonomyTerm      = "taxonomy_term.json"
	Tabular           = "compiled/tabular.json"
	Root              = "openapi.json#/ (GET /)"
)

// Pages are the paginated lists of schema/openapi.json, by path.
var Pages = []string{"/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"}

// Dir returns the reference folder, or skips t when it is absent.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HAVEN_HSDS_REFERENCE")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "reference", "hsds")
	}
	if _, err := os.Stat(filepath.Join(dir, "schema", "datapackage.json")); err != nil {
		t.Skipf("the HSDS 3.0 reference files are not at %s (set HAVEN_HSDS_REFERENCE to their folder): %v", dir, err)
	}
	return dir
}

type loader struct{ dir string }

func (l loader) Load(url string) (any, error) {
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

var (
	once    sync.Once
	schemas map[string]*jsonschema.Schema
	loadErr error
)

// Schemas compiles the standard's schemas once per test binary.
func Schemas(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	dir := Dir(t)
	once.Do(func() { schemas, loadErr = compile(dir) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return schemas
}

// Validate checks the JSON data against the schema name; the error says
// where it fails.
func Validate(t testing.TB, name string, data []byte) error {
	t.Helper()
	s := Schemas(t)[name]
	if s == nil {
		return fmt.Errorf("no schema %q", name)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

func dig(doc any, keys ...string) any {
	for _, k := range keys {
		doc = doc.(map[string]any)[k]
	}
	return doc
}

func compile(dir string) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(loader{dir})
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{Service, Organization, ServiceAtLocation, Taxonomy, TaxonomyTerm} {
		s, err := c.Compile(schemaBase + name)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", name, err)
		}
		out[name] = s
	}
	tab, err := readJSON(filepath.Join(dir, "schema", "compiled", "tabular.json"))
	if err != nil {
		return nil, err
	}
	strict(tab)
	if err := c.AddResource(schemaBase+"tabular.json", tab); err != nil {
		return nil, err
	}
	if out[Tabular], err = c.Compile(schemaBase + "tabular.json"); err != nil {
		return nil, fmt.Errorf("compiling tabular.json: %w", err)
	}
	api, err := readJSON(filepath.Join(dir, "schema", "openapi.json"))
	if err != nil {
		return nil, err
	}
	pageSchema := dig(api, "components", "schemas", "Page").(map[string]any)
	root := dig(api, "paths", "/", "get", "responses", "200", "content", "application/json", "schema").(map[string]any)
	root["additionalProperties"] = false
	root["required"] = []any{"version"}
	if err := c.AddResource(schemaBase+"api/root.json", root); err != nil {
		return nil, err
	}
	if out[Root], err = c.Compile(schemaBase + "api/root.json"); err != nil {
		return nil, err
	}
	for _, path := range Pages {
		s := dig(api, "paths", path, "get", "responses", "200", "content", "application/json", "schema").(map[string]any)
		page := map[string]any{}
		for k, v := range pageSchema {
			page[k] = v
		}
		page["required"] = []any{"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"}
		s["allOf"] = []any{page}
		s["required"] = []any{"contents"}
		s["unevaluatedProperties"] = false
		url := schemaBase + "api/page" + strings.ReplaceAll(path, "/", "_") + ".json"
		if err := c.AddResource(url, s); err != nil {
			return nil, err
		}
		if out[path], err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("compiling the %s page: %w", path, err)
		}
	}
	return out, nil
}
