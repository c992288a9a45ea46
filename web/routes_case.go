package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// caseRoutes: STUB, replaced by the feature's routes.
func (s *Server) caseRoutes() []route { return nil }

// personCases is the person page's part for this feature: STUB.
func (s *Server) personCases(r *http.Request, p *haven.Person, me *haven.User) any { return nil }
