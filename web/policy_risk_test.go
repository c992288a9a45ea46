package web

import "github.com/haven-dv/haven"

// The risk routes' expectations. Instruments and stateless scoring are
// for every signed-in user; recording and reading assessments follow the
// person's record (a person or assessment the caller may not see is "not
// found"); the queue is for advocates, supervisors and administrators; the
// high-risk list for staff who work with people, but not shelters; the
// screening rates are aggregates for supervisors, administrators and
// analysts. The world has no assessments or tasks, so routes naming one
// are "not found" for everyone: a task or assessment the caller may not
// see answers exactly like one that does not exist.

var (
	queueReaders   = []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleAgencyAdmin}
	highRiskRoles  = []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate}
	screeningRoles = []haven.Role{haven.RoleSupervisor, haven.RoleAgencyAdmin, haven.RoleAnalyst}
	riskPageRoles  = []haven.Role{haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleAgencyAdmin, haven.RoleAnalyst}
)

func init() {
	for pattern, c := range map[string]policyCase{
		"POST /admin/agencies/settings":       {Body: "slug={slug}&hotline_name=Metro+DV+Hotline&hotline_phone=%2B1+555+0100&partner=", Want: anon(401).roles(303, userAdmins...).rest(403)},
		"GET /risk":                           {Want: anon(303).roles(200, riskPageRoles...).rest(403)},
		"GET /risk/assess":                    {Path: "/risk/assess?person={person}&instrument=lap", Want: anon(303).roles(200, peopleRoles...).rest(404)},
		"POST /risk/assess":                   {Body: "person_id={person}&instrument=lap&q1=yes", Want: anon(401).roles(303, peopleRoles...).rest(404)},
		"GET /risk/assessments/{id}":          {Path: "/risk/assessments/{person}", Want: anon(303).rest(404)},
		"POST /risk/assessments/{id}/hotline": {Path: "/risk/assessments/{person}/hotline", Body: "outcome=spoke", Want: anon(401).rest(404)},
		"GET /risk/queue":                     {Want: anon(303).roles(200, queueReaders...).rest(403)},
		"POST /risk/tasks/{id}/{decision}":    {Path: "/risk/tasks/{person}/accept", Want: anon(401).rest(404)},

		"GET /api/v1/risk/instruments":      {Want: anon(401).rest(200)},
		"GET /api/v1/risk/instruments/{id}": {Path: "/api/v1/risk/instruments/lap", Want: anon(401).rest(200)},
		"POST /api/v1/risk/score":           {Body: `{"instrument":"lap","answers":{"q1":"yes"}}`, Want: anon(401).rest(200)},
		"POST /api/v1/risk/assessments": {Body: `{"person_id":"{person}","instrument":"lap","answers":{"q1":"yes"}}`,
			Want: anon(401).roles(201, peopleRoles...).rest(404)},
		"GET /api/v1/risk/assessments/{id}":          {Path: "/api/v1/risk/assessments/{person}", Want: anon(401).rest(404)},
		"POST /api/v1/risk/assessments/{id}/hotline": {Path: "/api/v1/risk/assessments/{person}/hotline", Body: `{"outcome":"spoke"}`, Want: anon(401).rest(404)},
		"GET /api/v1/persons/{id}/assessments":       {Path: "/api/v1/persons/{person}/assessments", Want: anon(401).roles(200, peopleRoles...).rest(404)},
		"GET /api/v1/incidents/{id}/assessments":     {Path: "/api/v1/incidents/{person}/assessments", Want: anon(401).rest(404)},
		"GET /api/v1/risk/hotline":                   {Want: anon(401).rest(200)},
		"GET /api/v1/risk/tasks":                     {Want: anon(401).roles(200, queueReaders...).rest(403)},
		"POST /api/v1/risk/tasks/{id}/accept":        {Path: "/api/v1/risk/tasks/{person}/accept", Want: anon(401).rest(404)},
		"POST /api/v1/risk/tasks/{id}/decline":       {Path: "/api/v1/risk/tasks/{person}/decline", Body: `{"reason":"not ours"}`, Want: anon(401).rest(404)},
		"GET /api/v1/risk/high-risk":                 {Want: anon(401).roles(200, highRiskRoles...).rest(403)},
		"GET /api/v1/risk/screening":                 {Want: anon(401).roles(200, screeningRoles...).rest(403)},
		"PATCH /api/v1/agencies/{slug}/settings":     {Path: "/api/v1/agencies/{slug}/settings", Body: `{"hotline_name":"Metro DV Hotline","hotline_phone":"+1 555 0100"}`, Want: anon(401).roles(200, userAdmins...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}
