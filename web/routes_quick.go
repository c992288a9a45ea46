package web

// quickRoutes are the officer's quick list (docs/SHELTERS.md).
func (s *Server) quickRoutes() []route {
	return []route{
		{"GET /quick", browser, s.handleQuickPage},
	}
}
