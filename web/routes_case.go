package web

import (
	"context"
	"net/http"

	"github.com/haven-dv/haven"
)

// caseRoutes are the survivor-case routes: the advocate's caseload and
// what is due, the supervisor's view across advocates, one case with its
// services, notes, tasks, court dates and documents, and opening a case
// from a high-risk task of the queue. Who may do what is decided in the
// store.
//
// The document upload routes take up to 10 MiB; until they are added to
// the streaming-upload exception of observe's 1 MiB body limit (as the
// evidence uploads are), larger uploads are refused as too large. Their
// handlers check the CSRF token themselves as well, so they are ready for
// that exception.
func (s *Server) caseRoutes() []route {
	return []route{
		{"GET /cases", browser, s.handleCasesPage},
		{"GET /cases/team", browser, s.handleCaseTeamPage},
		{"GET /cases/new", browser, s.handleNewCasePage},
		{"POST /cases", browser, s.handleCreateCasePage},
		{"GET /cases/{id}", browser, s.handleCasePage},
		{"POST /cases/{id}", browser, s.handleUpdateCasePage},
		{"POST /cases/{id}/services", browser, s.handleCasePartPage("services")},
		{"POST /cases/{id}/notes", browser, s.handleCasePartPage("notes")},
		{"POST /cases/{id}/tasks", browser, s.handleCasePartPage("tasks")},
		{"POST /cases/{id}/court-dates", browser, s.handleCasePartPage("court-dates")},
		{"POST /cases/{id}/documents", browser, s.handleCaseDocumentPage},
		{"GET /cases/documents/{id}/file", browser, s.handleCaseDocumentFile},
		{"POST /cases/tasks/{id}/complete", browser, s.handleCompleteTaskPage},
		{"POST /cases/court-dates/{id}/outcome", browser, s.handleCourtOutcomePage},
		{"POST /risk/tasks/{id}/open-case", browser, s.handleOpenCaseFromTaskPage},

		{"POST /api/v1/cases", signed, s.apiCreateCase},
		{"GET /api/v1/cases", signed, s.apiFindCases},
		{"GET /api/v1/cases/caseloads", signed, s.apiCaseloads},
		{"GET /api/v1/cases/tasks", signed, s.apiMyTasks},
		{"GET /api/v1/cases/reminders", signed, s.apiReminders},
		{"GET /api/v1/cases/{id}", signed, s.apiCase},
		{"PATCH /api/v1/cases/{id}", signed, s.apiUpdateCase},
		{"GET /api/v1/cases/{id}/services", signed, s.apiServices},
		{"POST /api/v1/cases/{id}/services", signed, s.apiAddService},
		{"GET /api/v1/cases/{id}/notes", signed, s.apiNotes},
		{"POST /api/v1/cases/{id}/notes", signed, s.apiAddNote},
		{"GET /api/v1/cases/{id}/tasks", signed, s.apiCaseTasks},
		{"POST /api/v1/cases/{id}/tasks", signed, s.apiAddTask},
		{"GET /api/v1/cases/{id}/court-dates", signed, s.apiCourtDates},
		{"POST /api/v1/cases/{id}/court-dates", signed, s.apiAddCourtDate},
		{"GET /api/v1/cases/{id}/documents", signed, s.apiDocuments},
		{"POST /api/v1/cases/{id}/documents", signed, s.apiAddDocument},
		{"GET /api/v1/cases/documents/{id}/file", signed, s.apiDocumentFile},
		{"POST /api/v1/cases/tasks/{id}/complete", signed, s.apiCompleteTask},
		{"POST /api/v1/cases/court-dates/{id}/outcome", signed, s.apiCourtOutcome},
		{"POST /api/v1/risk/tasks/{id}/open-case", signed, s.apiOpenCaseFromTask},
	}
}

// caseExtras are what the store offers beyond haven.CaseService: the
// staff who work cases (for the forms) and a hearing's outcome.
type caseExtras interface {
	CaseStaff(ctx context.Context) ([]haven.User, error)
	SetCourtOutcome(ctx context.Context, courtDateID, outcome string) (*haven.CourtDate, error)
}

func (s *Server) caseExtras() (caseExtras, error) {
	x, ok := s.svc.Cases.(caseExtras)
	if !ok {
		return nil, haven.Errorf(haven.EUNAVAILABLE, "this server keeps no case staff or court outcomes")
	}
	return x, nil
}

// personCasesView is the cases part of a person's page.
type personCasesView struct {
	PersonID string
	Cases    []*haven.Case
	CanOpen  bool // no case in progress: offer to open one
}

// personCases lists the person's cases at the caller's agency, for staff
// who work cases and a record of their own agency; nil otherwise.
func (s *Server) personCases(r *http.Request, p *haven.Person, me *haven.User) any {
	if s.svc.Cases == nil || p.Access == nil || p.Access.Basis != "own_agency" || !caseWorker(me.Role) {
		return nil
	}
	cs, err := s.svc.Cases.FindCases(r.Context(), haven.CaseFilter{PersonID: p.ID, Status: "all"})
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	v := &personCasesView{PersonID: p.ID, Cases: cs, CanOpen: true}
	for _, c := range cs {
		if c.Status != haven.CaseClosed {
			v.CanOpen = false
		}
	}
	return v
}

func caseWorker(r haven.Role) bool {
	return r == haven.RoleAdvocate || r == haven.RoleSupervisor || r == haven.RoleShelterStaff
}
