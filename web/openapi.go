package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// The OpenAPI 3.1 description of /api/v1 is written by hand, one file per
// feature in openapi/: 00-base.json holds info, security and shared
// components; every other file adds its "paths" and "components". They are
// merged once at start-up; a test keeps the result and the route table in
// step.
//
//go:embed openapi/*.json
var openAPIFS embed.FS

var openAPI = mustMergeOpenAPI()

func mustMergeOpenAPI() []byte {
	b, err := mergeOpenAPI(openAPIFS)
	if err != nil {
		panic(err) // a broken embedded document is a build mistake, caught by every test
	}
	return b
}

func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			doc = part
			continue
		}
		if err := mergeInto(doc, part, name); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

// mergeInto adds part's paths and components to doc; a name defined twice
// is an error rather than a silent overwrite.
func mergeInto(doc, part map[string]any, file string) error {
	for _, top := range []string{"paths", "components"} {
		src, _ := part[top].(map[string]any)
		if src == nil {
			continue
		}
		dst, _ := doc[top].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			doc[top] = dst
		}
		if top == "paths" {
			for k, v := range src {
				if _, dup := dst[k]; dup {
					return fmt.Errorf("%s: path %s is defined twice", file, k)
				}
				dst[k] = v
			}
			continue
		}
		for section, v := range src {
			items, _ := v.(map[string]any)
			have, _ := dst[section].(map[string]any)
			if have == nil {
				have = map[string]any{}
				dst[section] = have
			}
			for k, item := range items {
				if _, dup := have[k]; dup {
					return fmt.Errorf("%s: components.%s.%s is defined twice", file, section, k)
				}
				have[k] = item
			}
		}
	}
	return nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
