package web

import "github.com/haven-dv/haven"

// The second-factor and audit routes' expectations for TestRoutePolicy. Its
// world has one agency that does not require a second factor and nobody
// enrolled, so no session is waiting for a code: the sign-in step moves
// straight on, and confirming an enrolment that was never begun conflicts.
func init() {
	for pattern, c := range map[string]policyCase{
		"GET /login/2fa":    {Want: everyone(303)},
		"POST /login/2fa":   {Body: "code=123456&next=/home", Want: anon(401).rest(303)},
		"GET /account/2fa":  {Want: anon(303).rest(200)},
		"POST /account/2fa": {Body: "code=123456", Want: anon(401).rest(409)},
		"POST /admin/users/{id}/reset-2fa": {Path: "/admin/users/{user}/reset-2fa",
			Want: anon(401).roles(303, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
		"GET /admin/audit":     {Path: "/admin/audit?action=person.&from=2020-01-01", Want: anon(303).roles(200, userAdmins...).rest(403)},
		"GET /admin/audit.csv": {Path: "/admin/audit.csv?action=person.", Want: anon(303).roles(200, userAdmins...).rest(403)},
		"GET /api/v1/audit":    {Path: "/api/v1/audit?action=person.&limit=10", Want: anon(401).roles(200, userAdmins...).rest(403)},
		"POST /api/v1/users/{id}/reset-2fa": {Path: "/api/v1/users/{user}/reset-2fa",
			Want: anon(401).roles(204, userAdmins...).roles(403, haven.RoleSupervisor).rest(404)},
		"POST /api/v1/agencies/{slug}/require-mfa": {Path: "/api/v1/agencies/{slug}/require-mfa", Body: `{"on":false}`,
			Want: anon(401).roles(204, userAdmins...).rest(403)},
	} {
		policyExpectations[pattern] = c
	}
}
