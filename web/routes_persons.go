package web

// personRoutes are the person registry and break-glass routes. Who may do
// what is decided in the store (access.Decide inside each transaction);
// these handlers only decode, call and render.
func (s *Server) personRoutes() []route {
	return []route{
		{"GET /persons", browser, s.handlePersonsPage},
		{"GET /persons/new", browser, s.handleNewPersonPage},
		{"POST /persons", browser, s.handleCreatePersonPage},
		{"GET /persons/{id}", browser, s.handlePersonPage},
		{"GET /persons/{id}/edit", browser, s.handleEditPersonPage},
		{"POST /persons/{id}", browser, s.handleUpdatePersonPage},
		{"POST /persons/{id}/break-glass", browser, s.handleBreakGlassPage},
		{"GET /review/break-glass", browser, s.handleReviewListPage},
		{"POST /review/break-glass/{id}", browser, s.handleReviewPage},

		{"POST /api/v1/persons", signed, s.apiCreatePerson},
		{"GET /api/v1/persons", signed, s.apiSearchPersons},
		{"GET /api/v1/persons/{id}", signed, s.apiGetPerson},
		{"PATCH /api/v1/persons/{id}", signed, s.apiUpdatePerson},
		{"POST /api/v1/break-glass", signed, s.apiOpenBreakGlass},
		{"GET /api/v1/break-glass/pending", signed, s.apiPendingBreakGlass},
		{"POST /api/v1/break-glass/{id}/review", signed, s.apiReviewBreakGlass},
	}
}
