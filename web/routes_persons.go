package web

// personRoutes are the person registry and break-glass routes.
func (s *Server) personRoutes() []route {
	return []route{}
}
