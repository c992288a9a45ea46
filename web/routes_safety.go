package web

// safetyRoutes are the second-factor and audit-viewer routes.
func (s *Server) safetyRoutes() []route {
	return []route{
		{"GET /login/2fa", browser, s.handleVerifyPage},
		{"POST /login/2fa", browser, s.handleVerify},
		{"GET /account/2fa", browser, s.handleEnrolPage},
		{"POST /account/2fa", browser, s.handleEnrolConfirm},
		{"POST /admin/users/{id}/reset-2fa", browser, s.handleResetMFAPage},
		{"GET /admin/audit", browser, s.handleAuditPage},
		{"GET /admin/audit.csv", browser, s.handleAuditCSV},

		{"POST /api/v1/users/{id}/reset-2fa", signed, s.apiResetMFA},
		{"POST /api/v1/agencies/{slug}/require-mfa", signed, s.apiSetRequireMFA},
		{"GET /api/v1/audit", signed, s.apiAudit},
	}
}
