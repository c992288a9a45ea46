package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// referralRoutes: STUB, replaced by the feature's routes.
func (s *Server) referralRoutes() []route { return nil }

// personReferrals is the person page's part for this feature: STUB.
func (s *Server) personReferrals(r *http.Request, p *haven.Person, me *haven.User) any { return nil }
