package web

// consentRoutes are the consent routes: recording and revoking a
// survivor's consent to share, reading a grant and its plain-language
// printout, what other agencies share with the caller's agency, and the
// reports a grant shares. Who may do what is decided in the store.
func (s *Server) consentRoutes() []route {
	return []route{
		{"GET /shared", browser, s.handleSharedPage},
		{"GET /shared/incidents/{id}", browser, s.handleSharedIncidentPage},
		{"POST /consents", browser, s.handleRecordConsentPage},
		{"GET /consents/{id}", browser, s.handleConsentPage},
		{"GET /consents/{id}/print", browser, s.handleConsentPrintPage},
		{"POST /consents/{id}/revoke", browser, s.handleRevokeConsentPage},

		{"POST /api/v1/consents", signed, s.apiRecordConsent},
		{"GET /api/v1/consents/shared", signed, s.apiSharedWithMe},
		{"GET /api/v1/consents/{id}", signed, s.apiConsent},
		{"POST /api/v1/consents/{id}/revoke", signed, s.apiRevokeConsent},
		{"GET /api/v1/consents/{id}/incidents", signed, s.apiConsentIncidents},
		{"GET /api/v1/persons/{id}/consents", signed, s.apiPersonConsents},
	}
}
