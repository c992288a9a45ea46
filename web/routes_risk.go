package web

// riskRoutes are the risk-assessment routes: the instruments and their
// stateless scoring, recorded assessments and the hotline call, the
// advocacy queue the results feed, and the supervisors' screening rates.
// Who may do what is decided in the store.
func (s *Server) riskRoutes() []route {
	return []route{
		{"GET /risk", browser, s.handleRiskOverviewPage},
		{"GET /risk/assess", browser, s.handleRiskFormPage},
		{"POST /risk/assess", browser, s.handleRecordAssessmentPage},
		{"GET /risk/assessments/{id}", browser, s.handleAssessmentPage},
		{"POST /risk/assessments/{id}/hotline", browser, s.handleHotlinePage},
		{"GET /risk/queue", browser, s.handleRiskQueuePage},
		{"POST /risk/tasks/{id}/{decision}", browser, s.handleDecideTaskPage},

		{"GET /api/v1/risk/instruments", signed, s.apiInstruments},
		{"GET /api/v1/risk/instruments/{id}", signed, s.apiInstrument},
		{"POST /api/v1/risk/score", signed, s.apiScoreRisk},
		{"POST /api/v1/risk/assessments", signed, s.apiRecordAssessment},
		{"GET /api/v1/risk/assessments/{id}", signed, s.apiAssessment},
		{"POST /api/v1/risk/assessments/{id}/hotline", signed, s.apiRecordHotline},
		{"GET /api/v1/persons/{id}/assessments", signed, s.apiPersonAssessments},
		{"GET /api/v1/incidents/{id}/assessments", signed, s.apiIncidentAssessments},
		{"GET /api/v1/risk/hotline", signed, s.apiHotline},
		{"GET /api/v1/risk/tasks", signed, s.apiRiskTasks},
		{"POST /api/v1/risk/tasks/{id}/accept", signed, s.apiDecideTask(true)},
		{"POST /api/v1/risk/tasks/{id}/decline", signed, s.apiDecideTask(false)},
		{"GET /api/v1/risk/high-risk", signed, s.apiHighRisk},
		{"GET /api/v1/risk/screening", signed, s.apiScreening},
		{"PATCH /api/v1/agencies/{slug}/settings", signed, s.apiAgencySettings},
	}
}
