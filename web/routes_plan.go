package web

import (
	"net/http"

	"github.com/haven-dv/haven"
)

// planRoutes are the safety-plan routes: the plan, its versions, the
// phone-first form with suggested items, the printouts (plain and
// discreet) and the API. Who may do what is decided in the store.
func (s *Server) planRoutes() []route {
	return []route{
		{"GET /persons/{id}/safety-plan", browser, s.handlePlanPage},
		{"GET /persons/{id}/safety-plan/edit", browser, s.handlePlanEditPage},
		{"POST /persons/{id}/safety-plan", browser, s.handleSavePlanPage},
		{"GET /persons/{id}/safety-plan/versions/{version}", browser, s.handlePlanVersionPage},
		{"GET /persons/{id}/safety-plan/print", browser, s.handlePlanPrintPage},
		// The stylesheet under a name that says nothing, for printouts
		// whose source must not name Haven (the discreet one).
		{"GET /static/print.css", public, s.handlePrintCSS},

		{"GET /api/v1/persons/{id}/safety-plan", signed, s.apiSafetyPlan},
		{"PUT /api/v1/persons/{id}/safety-plan", signed, s.apiSaveSafetyPlan},
		{"GET /api/v1/persons/{id}/safety-plan/versions", signed, s.apiSafetyPlanVersions},
		{"GET /api/v1/persons/{id}/safety-plan/versions/{version}", signed, s.apiSafetyPlanVersion},
		{"GET /api/v1/persons/{id}/safety-plan/suggestions", signed, s.apiSafetyPlanSuggestions},
	}
}

// personPlanView is the person page's safety-plan part.
type personPlanView struct {
	PersonID string
	Own      bool              // the caller's agency holds the record (and so writes the plan)
	Latest   *haven.SafetyPlan // the latest version, without content; nil when there is none
	Versions int
}

// personPlan is the person page's part for safety plans: the latest
// version's date and the links. It is nil (and the part not shown) when
// the caller may not see the person's plan.
func (s *Server) personPlan(r *http.Request, p *haven.Person, me *haven.User) any {
	vs, err := s.svc.Plans.SafetyPlanVersions(r.Context(), p.ID)
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	v := &personPlanView{PersonID: p.ID, Own: p.Access != nil && p.Access.Basis == "own_agency", Versions: len(vs)}
	if len(vs) > 0 {
		v.Latest = &vs[0]
	}
	return v
}
