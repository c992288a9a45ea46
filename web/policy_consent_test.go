package web

import (
	"time"
)

// The consent routes' expectations. Recording follows the person's record:
// staff who work with people reach the recipients check, which refuses
// the only agency of the world (their own: it holds the record already),
// and everyone else is told the person is not found. The world has no
// grants, so routes naming one are "not found" for everyone: a grant the
// caller may not see answers exactly like one that does not exist.
// "Shared with us" is for staff who work with people.

func init() {
	// A consent must end in the future and within a year.
	until := time.Now().AddDate(0, 0, 30)
	for pattern, c := range map[string]policyCase{
		"GET /shared":                {Want: anon(303).roles(200, peopleRoles...).rest(403)},
		"GET /shared/incidents/{id}": {Path: "/shared/incidents/{person}", Want: anon(303).rest(404)},
		"POST /consents": {Body: "person_id={person}&recipient_agencies=metro-pd&scopes=contact&purpose=advocacy&method=written&expires_on=" +
			until.Format("2006-01-02"), Want: anon(401).roles(422, peopleRoles...).rest(404)},
		"GET /consents/{id}":          {Path: "/consents/{person}", Want: anon(303).rest(404)},
		"GET /consents/{id}/print":    {Path: "/consents/{person}/print", Want: anon(303).rest(404)},
		"POST /consents/{id}/revoke":  {Path: "/consents/{person}/revoke", Body: "reason=withdrawn", Want: anon(401).rest(404)},
		"GET /api/v1/consents/shared": {Want: anon(401).roles(200, peopleRoles...).rest(403)},
		"GET /api/v1/consents/{id}":   {Path: "/api/v1/consents/{person}", Want: anon(401).rest(404)},
		"POST /api/v1/consents/{id}/revoke": {Path: "/api/v1/consents/{person}/revoke", Body: `{"reason":"withdrawn"}`,
			Want: anon(401).rest(404)},
		"GET /api/v1/consents/{id}/incidents": {Path: "/api/v1/consents/{person}/incidents", Want: anon(401).rest(404)},
		"GET /api/v1/persons/{id}/consents":   {Path: "/api/v1/persons/{person}/consents", Want: anon(401).roles(200, peopleRoles...).rest(404)},
		"POST /api/v1/consents": {Body: `{"person_id":"{person}","recipient_agencies":["metro-pd"],"scopes":["contact"],"purpose":"advocacy",` +
			`"method":"written","expires_at":"` + until.Format(time.RFC3339) + `"}`, Want: anon(401).roles(422, peopleRoles...).rest(404)},
	} {
		policyExpectations[pattern] = c
	}
}
