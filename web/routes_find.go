package web

// routes_find.go: the public finder (issue 7 item 6, docs/FINDER.md).

// findRoutes are the public finder's pages: no login, no cookies, a
// discreet layout of their own (web/templates/find/).
func (s *Server) findRoutes() []route {
	return []route{
		{"GET /find", public, s.handleFind},
	}
}
