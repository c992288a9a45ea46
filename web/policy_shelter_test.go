package web

// The shelter routes' expectations. The policy world has no directory, so
// a route naming a location is "not found" for every signed-in caller;
// the lists and the search are for the roles that work with people.
// Who may update whose shelter is tested with a real directory in
// shelter_test.go.

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /shelters":                    {Want: anon(303).roles(200, peopleRoles...).rest(403)},
		"GET /shelters/{id}":               {Path: "/shelters/{person}", Want: anon(303).rest(404)},
		"POST /shelters/{id}/availability": {Path: "/shelters/{person}/availability", Body: "available_families=1&total_families=2", Want: anon(401).rest(404)},

		"GET /api/v1/shelters":                   {Want: anon(401).roles(200, peopleRoles...).rest(403)},
		"GET /api/v1/shelters/{id}/availability": {Path: "/api/v1/shelters/{person}/availability", Want: anon(401).rest(404)},
		"PUT /api/v1/shelters/{id}/availability": {Path: "/api/v1/shelters/{person}/availability", Body: `{"units":[{"category":"families","total":2,"available":1}]}`, Want: anon(401).rest(404)},
		"GET /api/v1/services/search":            {Path: "/api/v1/services/search?need=emergency_shelter&lat=51.5&lon=-0.1&beds=true", Want: anon(401).roles(200, peopleRoles...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}
