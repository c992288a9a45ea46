package web

// analyticsDashboardRoutes are the dashboards (web/analytics_dashboard.go):
// the page, each section's CSV (GET /analytics/{chart}.csv) and the JSON
// API. Who may see them is decided in the store.
func (s *Server) analyticsDashboardRoutes() []route {
	return []route{
		{"GET /analytics", browser, s.handleDashboardPage},
		{"GET /analytics/{file}", browser, s.handleDashboardCSV},
		{"GET /api/v1/analytics/dashboard", signed, s.apiDashboard},
	}
}
