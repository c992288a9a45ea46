package web

// The HSDS API's expectations: public and read-only, the same for everyone.
// The policy world has no directory records, so lists are empty pages and
// every id is "not found".

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /hsds/{$}":                       {Path: "/hsds/", Want: anon(200).rest(200)},
		"GET /hsds/services":                  {Path: "/hsds/services?search=shelter&page=1&per_page=10", Want: anon(200).rest(200)},
		"GET /hsds/services/{id}":             {Path: "/hsds/services/{person}", Want: anon(404).rest(404)},
		"GET /hsds/organizations":             {Path: "/hsds/organizations", Want: anon(200).rest(200)},
		"GET /hsds/organizations/{id}":        {Path: "/hsds/organizations/{person}", Want: anon(404).rest(404)},
		"GET /hsds/service_at_locations":      {Path: "/hsds/service_at_locations", Want: anon(200).rest(200)},
		"GET /hsds/service_at_locations/{id}": {Path: "/hsds/service_at_locations/{person}", Want: anon(404).rest(404)},
		"GET /hsds/taxonomies":                {Path: "/hsds/taxonomies", Want: anon(200).rest(200)},
		"GET /hsds/taxonomies/{id}":           {Path: "/hsds/taxonomies/{person}", Want: anon(404).rest(404)},
		"GET /hsds/taxonomy_terms":            {Path: "/hsds/taxonomy_terms?top_only=true", Want: anon(200).rest(200)},
		"GET /hsds/taxonomy_terms/{id}":       {Path: "/hsds/taxonomy_terms/{person}", Want: anon(404).rest(404)},
	} {
		policyExpectations[pattern] = c
	}
}
