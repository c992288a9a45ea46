package web

// safetyRoutes are the second-factor and audit-viewer routes.
func (s *Server) safetyRoutes() []route {
	return []route{}
}
