package access

import "github.com/haven-dv/haven"

// Survivor cases. A case belongs to one agency and is worked there only:
// its advocates and supervisors (and, in a shelter, its shelter staff) read
// and work every case of their agency. Another agency reaches nothing of a
// case except, under a basis on the case's person, its notes (scope
// case_notes) and its documents (scope documents), read-only, by staff
// whose role works with personal records.
const (
	CaseCreate       Action = "case.create"        // open a case (also from a referral or a high-risk task)
	CaseRead         Action = "case.read"          // the case, its services, tasks and court dates
	CaseUpdate       Action = "case.update"        // status, needs; services, tasks, court dates, documents added
	CaseAssign       Action = "case.assign"        // change the lead advocate; Target.UserID is the current lead
	CaseList         Action = "case.list"          // a caseload; Target.UserID is the lead asked for
	CaseloadView     Action = "case.caseloads"     // the supervisor's view across the agency's advocates
	CaseNoteAdd      Action = "case.note.add"      // append a note
	CaseNoteRead     Action = "case.note.read"     // read the notes
	CaseDocumentRead Action = "case.document.read" // list and download documents
)

// CaseRole reports whether a role works survivor cases.
func CaseRole(r haven.Role) bool {
	return r == haven.RoleAdvocate || r == haven.RoleSupervisor || r == haven.RoleShelterStaff
}

// CaseLeadRole reports whether a user of this role can lead a case.
func CaseLeadRole(r haven.Role) bool { return r == haven.RoleAdvocate || r == haven.RoleSupervisor }

// caseBases are the grants that can open another agency's case notes or
// documents, in the order tried (break-glass first, so an emergency
// opening is recorded as such).
var caseBases = []BasisKind{BasisBreakGlass, BasisCourtOrder, BasisConsent, BasisReferral, BasisConference}

// decideCase is the rule for the case actions; ok is false for actions it
// does not know. Target.AgencyID is the case's agency (the actor's own for
// creating and listing); for CaseNoteRead and CaseDocumentRead of another
// agency, Target.Bases are the grants found on the case's person.
func decideCase(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case CaseCreate, CaseRead, CaseUpdate, CaseAssign, CaseList, CaseloadView, CaseNoteAdd, CaseNoteRead, CaseDocumentRead:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	shared := !own && (action == CaseNoteRead || action == CaseDocumentRead)
	switch {
	case shared && !PersonDataRole(a.Role):
		// Another agency's staff read notes and documents as person data.
		return deny("your role does not give access to personal records"), true
	case !shared && !CaseRole(a.Role):
		return deny("your role does not work survivor cases"), true
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see survivor cases"), true
	}
	ownAgency := Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	supervisor := a.Role == haven.RoleSupervisor
	switch action {
	case CaseNoteRead, CaseDocumentRead:
		if own {
			return ownAgency, true
		}
		scope, what := haven.ScopeCaseNotes, "notes"
		if action == CaseDocumentRead {
			scope, what = haven.ScopeDocuments, "documents"
		}
		for _, kind := range caseBases {
			for _, b := range t.Bases {
				if b.Kind != kind || !b.Valid(t.Now) {
					continue
				}
				if kind == BasisBreakGlass || b.Scopes == nil || contains(b.Scopes, scope) {
					return Decision{Allow: true, Reason: string(kind), Basis: b}, true
				}
			}
		}
		return deny("no basis to see this case's " + what), true
	}
	if !own {
		return deny("cases are worked only by their own agency"), true
	}
	switch action {
	case CaseloadView:
		if supervisor {
			return ownAgency, true
		}
		return deny("only a supervisor sees the caseloads of the agency's advocates"), true
	case CaseAssign:
		if supervisor || (t.UserID != "" && t.UserID == a.UserID) {
			return ownAgency, true
		}
		return deny("only the case's lead or a supervisor hands the case to another lead"), true
	case CaseList:
		if t.UserID == "" || t.UserID == a.UserID || supervisor {
			return ownAgency, true
		}
		return deny("only a supervisor sees another advocate's caseload"), true
	}
	return ownAgency, true
}
