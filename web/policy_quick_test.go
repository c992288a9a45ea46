package web

// The officer's quick list: the store's service search decides who may
// open it (the roles that work with people); a bad position is the page
// with an error (422), never a 500.

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /quick": {Path: "/quick?lat=51.5&lon=-0.1", Want: anon(303).roles(200, peopleRoles...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}
