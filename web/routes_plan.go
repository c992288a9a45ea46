package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// planRoutes: STUB, replaced by the feature's routes.
func (s *Server) planRoutes() []route { return nil }

// personPlan is the person page's part for this feature: STUB.
func (s *Server) personPlan(r *http.Request, p *haven.Person, me *haven.User) any { return nil }
