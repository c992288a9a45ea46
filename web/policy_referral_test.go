package web

// The referral routes' expectations. Referrals are for staff who work with
// people (officers, supervisors, advocates, shelter staff), in their own
// agency; a referral or person the caller may not see is "not found". The
// policy world has one agency and no referrals, so creating one goes to a
// directory service (no other agency to name, no consent needed), and the
// routes naming a referral are "not found" for everyone. The two-agency
// cases (who may take which step) are in referral_test.go.

func init() {
	for pattern, c := range map[string]policyCase{
		"GET /referrals":                {Path: "/referrals?direction=outgoing&overdue=true", Want: anon(303).roles(200, peopleRoles...).rest(403)},
		"GET /referrals/new":            {Path: "/referrals/new?person={person}", Want: anon(303).roles(200, peopleRoles...).rest(404)},
		"POST /referrals":               {Body: "person_id={person}&to_service=svc-legal-1&need=legal&urgency=routine", Want: anon(401).roles(303, peopleRoles...).rest(404)},
		"GET /referrals/{id}":           {Path: "/referrals/{person}", Want: anon(303).rest(404)},
		"POST /referrals/{id}/case":     {Path: "/referrals/{person}/case", Want: anon(401).rest(404)},
		"POST /referrals/{id}/{action}": {Path: "/referrals/{person}/decline", Body: "reason=full", Want: anon(401).rest(404)},

		"POST /api/v1/referrals": {Body: `{"person_id":"{person}","to_service":"svc-legal-1","need":"legal","urgency":"routine"}`,
			Want: anon(401).roles(201, peopleRoles...).rest(404)},
		"GET /api/v1/referrals":                {Path: "/api/v1/referrals?direction=incoming&overdue=true", Want: anon(401).roles(200, peopleRoles...).rest(403)},
		"GET /api/v1/referrals/{id}":           {Path: "/api/v1/referrals/{person}", Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/accept":   {Path: "/api/v1/referrals/{person}/accept", Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/decline":  {Path: "/api/v1/referrals/{person}/decline", Body: `{"reason":"full"}`, Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/start":    {Path: "/api/v1/referrals/{person}/start", Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/complete": {Path: "/api/v1/referrals/{person}/complete", Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/close":    {Path: "/api/v1/referrals/{person}/close", Body: `{"reason":"moved away"}`, Want: anon(401).rest(404)},
		"POST /api/v1/referrals/{id}/case":     {Path: "/api/v1/referrals/{person}/case", Want: anon(401).rest(404)},
	} {
		policyExpectations[pattern] = c
	}
}
