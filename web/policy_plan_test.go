package web

// The safety-plan routes' expectations. Staff who work with people read
// and write the plans of their own agency's persons; everyone else gets
// "not found", as for a person they may not see. The world's person has
// no plan yet, so reading it (and printing it, and any one version) is
// "not found" for everyone, while the history is an empty list and the
// first save (from version 0) succeeds for staff who work with people.

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /persons/{id}/safety-plan":                    {Path: "/persons/{person}/safety-plan", Want: anon(303).roles(200, peopleRoles...).rest(404)},
		"GET /persons/{id}/safety-plan/edit":               {Path: "/persons/{person}/safety-plan/edit", Want: anon(303).roles(200, peopleRoles...).rest(404)},
		"POST /persons/{id}/safety-plan":                   {Path: "/persons/{person}/safety-plan", Body: "version=0&s.during_incident.0.text=Keep+the+phone+charged&code_word=pineapple", Want: anon(401).roles(303, peopleRoles...).rest(404)},
		"GET /persons/{id}/safety-plan/versions/{version}": {Path: "/persons/{person}/safety-plan/versions/1", Want: anon(303).rest(404)},
		"GET /persons/{id}/safety-plan/print":              {Path: "/persons/{person}/safety-plan/print?discreet=1", Want: anon(303).rest(404)},
		"GET /static/print.css":                            {Want: everyone(200)},

		"GET /api/v1/persons/{id}/safety-plan": {Path: "/api/v1/persons/{person}/safety-plan", Want: anon(401).rest(404)},
		"PUT /api/v1/persons/{id}/safety-plan": {Path: "/api/v1/persons/{person}/safety-plan",
			Body: `{"version":0,"sections":[{"key":"children","items":[{"text":"School pick-up list","done":false}]}],"code_word":"pineapple"}`,
			Want: anon(401).roles(200, peopleRoles...).rest(404)},
		"GET /api/v1/persons/{id}/safety-plan/versions":           {Path: "/api/v1/persons/{person}/safety-plan/versions", Want: anon(401).roles(200, peopleRoles...).rest(404)},
		"GET /api/v1/persons/{id}/safety-plan/versions/{version}": {Path: "/api/v1/persons/{person}/safety-plan/versions/1", Want: anon(401).rest(404)},
		"GET /api/v1/persons/{id}/safety-plan/suggestions":        {Path: "/api/v1/persons/{person}/safety-plan/suggestions", Want: anon(401).roles(200, peopleRoles...).rest(404)},
	} {
		policyExpectations[pattern] = c
	}
}
