package web

// incidentRoutes are the incident-report routes: the phone-first pages an
// officer fills in on scene and a supervisor reviews, and the JSON API with
// its exports. Who may do what is decided in the store.
func (s *Server) incidentRoutes() []route {
	return []route{
		{"GET /incidents", browser, s.handleIncidentsPage},
		{"GET /incidents/new", browser, s.handleNewIncidentPage},
		{"POST /incidents", browser, s.handleCreateIncidentPage},
		{"GET /incidents/{id}", browser, s.handleIncidentPage},
		{"GET /incidents/{id}/edit", browser, s.handleEditIncidentPage},
		{"POST /incidents/{id}", browser, s.handleUpdateIncidentPage},
		{"POST /incidents/{id}/parties", browser, s.handleAddPartyPage},
		{"POST /incidents/{id}/parties/remove", browser, s.handleRemovePartyPage},
		{"POST /incidents/{id}/injuries", browser, s.handleAddInjuryPage},
		{"POST /incidents/{id}/statements", browser, s.handleAddStatementPage},
		{"POST /incidents/{id}/arrests", browser, s.handleAddArrestPage},
		{"POST /incidents/{id}/protocol/{step}", browser, s.handleProtocolStepPage},
		{"POST /incidents/{id}/submit", browser, s.handleSubmitIncidentPage},
		{"POST /incidents/{id}/review", browser, s.handleReviewIncidentPage},
		{"POST /incidents/{id}/close", browser, s.handleCloseIncidentPage},
		{"POST /incidents/{id}/supplements", browser, s.handleAddSupplementPage},
		{"GET /review/incidents", browser, s.handleIncidentReviewPage},

		{"POST /api/v1/incidents", signed, s.apiCreateIncident},
		{"GET /api/v1/incidents", signed, s.apiFindIncidents},
		{"GET /api/v1/incidents/export.csv", signed, s.apiExportIncidentsCSV},
		{"GET /api/v1/incidents/export.geojson", signed, s.apiExportIncidentsGeoJSON},
		{"GET /api/v1/incidents/{id}", signed, s.apiGetIncident},
		{"PATCH /api/v1/incidents/{id}", signed, s.apiUpdateIncident},
		{"POST /api/v1/incidents/{id}/submit", signed, s.apiSubmitIncident},
		{"POST /api/v1/incidents/{id}/review", signed, s.apiReviewIncident},
		{"POST /api/v1/incidents/{id}/close", signed, s.apiCloseIncident},
		{"POST /api/v1/incidents/{id}/supplements", signed, s.apiAddSupplement},
		{"GET /api/v1/incidents/{id}/supplements", signed, s.apiSupplements},
		{"GET /api/v1/incidents/{id}/history", signed, s.apiIncidentHistory},
		{"GET /api/v1/incidents/{id}/protocol", signed, s.apiProtocol},
		{"POST /api/v1/incidents/{id}/protocol/{step}", signed, s.apiCompleteStep},
		{"GET /api/v1/persons/{id}/prior-incidents", signed, s.apiPriorIncidents},
	}
}
