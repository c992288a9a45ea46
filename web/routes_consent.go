package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// consentRoutes: STUB, replaced by the feature's routes.
func (s *Server) consentRoutes() []route { return nil }

// personConsents is the person page's part for this feature: STUB.
func (s *Server) personConsents(r *http.Request, p *haven.Person, me *haven.User) any { return nil }
