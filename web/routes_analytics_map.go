package web

// analyticsMapRoutes are the analytics map (web/analytics_map.go): the
// page, and the hotspot, density and boundary GeoJSON it draws. Who may
// see them is decided in the store.
func (s *Server) analyticsMapRoutes() []route {
	return []route{
		{"GET /analytics/map", browser, s.handleMapPage},
		{"GET /api/v1/analytics/hotspots", signed, s.apiHotspots},
		{"GET /api/v1/analytics/density", signed, s.apiDensity},
		{"GET /api/v1/analytics/boundaries", signed, s.apiBoundaries},
	}
}
