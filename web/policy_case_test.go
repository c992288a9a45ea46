package web

import "github.com/haven-dv/haven"

// The survivor-case routes' expectations. Cases are worked by advocates,
// supervisors and shelter staff of the case's agency; the team view is
// for supervisors. Opening a case needs a lead who is an advocate or a
// supervisor: shelter staff who open one for themselves are told so (422).
// The world has no cases, tasks, court dates or documents, so routes
// naming one are "not found" for everyone: a case the caller may not see
// answers exactly like one that does not exist. Document uploads are
// multipart: the world's form and JSON bodies are refused as malformed
// (the upload itself is tested in case_test.go).

var (
	caseRoles = []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleShelterStaff}
	caseLeads = []haven.Role{haven.RoleAdvocate, haven.RoleSupervisor}
)

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /cases":                           {Want: anon(303).roles(200, caseRoles...).rest(403)},
		"GET /cases/team":                      {Want: anon(303).roles(200, haven.RoleSupervisor).rest(403)},
		"GET /cases/new":                       {Path: "/cases/new?person={person}", Want: anon(303).roles(200, caseRoles...).rest(403)},
		"POST /cases":                          {Body: "person_id={person}&needs=housing", Want: anon(401).roles(303, caseLeads...).roles(422, haven.RoleShelterStaff).rest(403)},
		"GET /cases/{id}":                      {Path: "/cases/{person}", Want: anon(303).rest(404)},
		"POST /cases/{id}":                     {Path: "/cases/{person}", Body: "status=active", Want: anon(401).rest(404)},
		"POST /cases/{id}/services":            {Path: "/cases/{person}/services", Body: "type=advocacy&date=2026-01-02&minutes=30", Want: anon(401).rest(404)},
		"POST /cases/{id}/notes":               {Path: "/cases/{person}/notes", Body: "text=a+note", Want: anon(401).rest(404)},
		"POST /cases/{id}/tasks":               {Path: "/cases/{person}/tasks", Body: "title=call&due_at=2030-01-02T10:00", Want: anon(401).rest(404)},
		"POST /cases/{id}/court-dates":         {Path: "/cases/{person}/court-dates", Body: "court=Family+court&at=2030-01-02T10:00", Want: anon(401).rest(404)},
		"POST /cases/{id}/documents":           {Path: "/cases/{person}/documents", Body: "name=x", Want: anon(401).rest(400)},
		"GET /cases/documents/{id}/file":       {Path: "/cases/documents/{person}/file", Want: anon(303).rest(404)},
		"POST /cases/tasks/{id}/complete":      {Path: "/cases/tasks/{person}/complete", Want: anon(401).rest(404)},
		"POST /cases/court-dates/{id}/outcome": {Path: "/cases/court-dates/{person}/outcome", Body: "outcome=granted", Want: anon(401).rest(404)},
		"POST /risk/tasks/{id}/open-case":      {Path: "/risk/tasks/{person}/open-case", Want: anon(401).rest(404)},

		"POST /api/v1/cases":                          {Body: `{"person_id":"{person}","needs":["housing"]}`, Want: anon(401).roles(201, caseLeads...).roles(422, haven.RoleShelterStaff).rest(403)},
		"GET /api/v1/cases":                           {Want: anon(401).roles(200, caseRoles...).rest(403)},
		"GET /api/v1/cases/caseloads":                 {Want: anon(401).roles(200, haven.RoleSupervisor).rest(403)},
		"GET /api/v1/cases/tasks":                     {Want: anon(401).roles(200, caseRoles...).rest(403)},
		"GET /api/v1/cases/reminders":                 {Want: anon(401).roles(200, caseRoles...).rest(403)},
		"GET /api/v1/cases/{id}":                      {Path: "/api/v1/cases/{person}", Want: anon(401).rest(404)},
		"PATCH /api/v1/cases/{id}":                    {Path: "/api/v1/cases/{person}", Body: `{"status":"active"}`, Want: anon(401).rest(404)},
		"GET /api/v1/cases/{id}/services":             {Path: "/api/v1/cases/{person}/services", Want: anon(401).rest(404)},
		"POST /api/v1/cases/{id}/services":            {Path: "/api/v1/cases/{person}/services", Body: `{"type":"advocacy","date":"2026-01-02","minutes":30}`, Want: anon(401).rest(404)},
		"GET /api/v1/cases/{id}/notes":                {Path: "/api/v1/cases/{person}/notes", Want: anon(401).rest(404)},
		"POST /api/v1/cases/{id}/notes":               {Path: "/api/v1/cases/{person}/notes", Body: `{"text":"a note"}`, Want: anon(401).rest(404)},
		"GET /api/v1/cases/{id}/tasks":                {Path: "/api/v1/cases/{person}/tasks", Want: anon(401).rest(404)},
		"POST /api/v1/cases/{id}/tasks":               {Path: "/api/v1/cases/{person}/tasks", Body: `{"title":"call","due_at":"2030-01-02T10:00:00Z"}`, Want: anon(401).rest(404)},
		"GET /api/v1/cases/{id}/court-dates":          {Path: "/api/v1/cases/{person}/court-dates", Want: anon(401).rest(404)},
		"POST /api/v1/cases/{id}/court-dates":         {Path: "/api/v1/cases/{person}/court-dates", Body: `{"at":"2030-01-02T10:00:00Z","court":"Family court"}`, Want: anon(401).rest(404)},
		"GET /api/v1/cases/{id}/documents":            {Path: "/api/v1/cases/{person}/documents", Want: anon(401).rest(404)},
		"POST /api/v1/cases/{id}/documents":           {Path: "/api/v1/cases/{person}/documents", Body: `{"name":"x"}`, Want: anon(401).rest(400)},
		"GET /api/v1/cases/documents/{id}/file":       {Path: "/api/v1/cases/documents/{person}/file", Want: anon(401).rest(404)},
		"POST /api/v1/cases/tasks/{id}/complete":      {Path: "/api/v1/cases/tasks/{person}/complete", Want: anon(401).rest(404)},
		"POST /api/v1/cases/court-dates/{id}/outcome": {Path: "/api/v1/cases/court-dates/{person}/outcome", Body: `{"outcome":"granted"}`, Want: anon(401).rest(404)},
		"POST /api/v1/risk/tasks/{id}/open-case":      {Path: "/api/v1/risk/tasks/{person}/open-case", Want: anon(401).rest(404)},
	} {
		policyExpectations[pattern] = c
	}
}
