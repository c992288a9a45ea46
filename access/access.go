// Package access decides what an actor may do. It is pure: no I/O, no
// clock, no database. The store asks it inside every transaction; handlers
// never decide on their own. Deny by default: an action not named here is
// refused.
package access

import (
	"time"

	"github.com/haven-dv/haven"
)

// Action is something an actor wants to do.
type Action string

const (
	CreateAgency  Action = "agency.create"
	UpdateAgency  Action = "agency.update"
	ListAgencies  Action = "agency.list"
	ReadAgency    Action = "agency.read"
	CreateUser    Action = "user.create"
	ListUsers     Action = "user.list"
	ReadUser      Action = "user.read"
	DisableUser   Action = "user.disable"
	ResetPassword Action = "user.reset_password"
	CreateToken   Action = "token.create"
	ListTokens    Action = "token.list"
	RevokeToken   Action = "token.revoke"

	PersonCreate     Action = "person.create"
	PersonRead       Action = "person.read"
	PersonUpdate     Action = "person.update"
	PersonSearch     Action = "person.search"
	BreakGlassOpen   Action = "breakglass.open"
	BreakGlassReview Action = "breakglass.review"
	AuditView        Action = "audit.view"
)

// BasisKind names why an actor may reach a record.
type BasisKind string

const (
	BasisOwnAgency  BasisKind = "own_agency"
	BasisConsent    BasisKind = "consent"     // the survivor's recorded, time-limited consent
	BasisReferral   BasisKind = "referral"    // an accepted referral to the actor's agency
	BasisConference BasisKind = "conference"  // membership of a case conference on the person
	BasisCourtOrder BasisKind = "court_order" // a recorded court order
	BasisBreakGlass BasisKind = "break_glass" // an emergency opening with a stated reason
	BasisSystem     BasisKind = "system"      // a named system process (CLI, importer)
)

// Basis is one grant the store found that could let the actor reach a
// record of another agency. The policy decides whether it applies.
type Basis struct {
	Kind      BasisKind
	ID        string
	Scopes    []string  // data scopes it covers; nil means all
	ExpiresAt time.Time // zero: does not expire
}

// Valid reports whether the basis is in force at now.
func (b Basis) Valid(now time.Time) bool { return b.ExpiresAt.IsZero() || now.Before(b.ExpiresAt) }

// ScopeContact is the data scope of contact details: phones, e-mail,
// addresses, safe-contact preferences.
const ScopeContact = "contact"

// Target describes the record an action touches, as far as the policy needs.
type Target struct {
	AgencyID string     // the agency that owns the record
	UserID   string     // for user and token records: whose
	Role     haven.Role // for user records: the role being created or changed
	// Bases are the grants the store found for this actor and record; Now
	// is the time to judge their expiry by (the policy keeps no clock).
	Bases []Basis
	Now   time.Time
}

// Decision is the policy's answer. Reason is for the audit log and for the
// error message; it never contains personal data. For person data, Basis
// is the basis used: the store records it in the audit log and, through
// Basis.Scopes, withholds what the basis does not cover.
type Decision struct {
	Allow  bool
	Reason string
	Basis  Basis
}

func allow(reason string) Decision { return Decision{Allow: true, Reason: reason} }
func deny(reason string) Decision  { return Decision{Reason: reason} }

// PersonDataRole reports whether a role works with people's records.
// Analysts see aggregates only; trainers and administrators administer.
func PersonDataRole(r haven.Role) bool {
	switch r {
	case haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleShelterStaff:
		return true
	}
	return false
}

// decidePerson is the rule for person records.
func decidePerson(a haven.Actor, action Action, t Target) Decision {
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}
	}
	if !PersonDataRole(a.Role) {
		return deny("your role does not give access to personal records")
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see personal records")
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	switch action {
	case PersonCreate, PersonSearch, PersonUpdate:
		// Search runs only over the actor's own agency; other agencies'
		// records are changed only by their owners.
		if own {
			return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
		}
		return deny("records of another agency can only be read, on a stated basis")
	case PersonRead:
		if own {
			return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
		}
		// Break-glass first: it covers everything and must be visible as such.
		for _, kind := range []BasisKind{BasisBreakGlass, BasisCourtOrder, BasisConsent, BasisReferral, BasisConference} {
			for _, b := range t.Bases {
				if b.Kind == kind && b.Valid(t.Now) {
					return Decision{Allow: true, Reason: string(kind), Basis: b}
				}
			}
		}
		return deny("no basis to see this record")
	}
	return deny("action not permitted")
}

// Decide answers whether actor may do action on target.
func Decide(a haven.Actor, action Action, t Target) Decision {
	if !a.Authenticated() {
		return deny("not signed in")
	}
	sysadmin := a.Role == haven.RoleSystemAdmin
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	self := t.UserID != "" && t.UserID == a.UserID
	agencyAdmin := a.Role == haven.RoleAgencyAdmin && own

	for _, decide := range []func(haven.Actor, Action, Target) (Decision, bool){decideConsent, decideCase, decidePlan, decideReferral, decideDirectory, decideShelter, decideAnalytics, decideBoundary} {
		if d, ok := decide(a, action, t); ok {
			return d
		}
	}
	switch action {
	case PersonCreate, PersonRead, PersonUpdate, PersonSearch:
		return decidePerson(a, action, t)
	case IncidentCreate, IncidentRead, IncidentUpdate, IncidentSubmit, IncidentReview, IncidentClose,
		IncidentSupplement, IncidentExport, IncidentImport:
		return decideIncident(a, action, t)
	case EvidenceCreate, EvidenceRead, EvidenceDownload, EvidenceView, EvidenceCustody, EvidenceVerify:
		return decideEvidence(a, action, t)
	case RiskInstruments, RiskScore, AssessmentCreate, AssessmentRead, HotlineRecord, RiskTaskRead, RiskTaskDecide, HighRiskList, ScreeningView:
		return decideRisk(a, action, t)
	case BreakGlassOpen:
		if PersonDataRole(a.Role) {
			return allow("staff who work with people may open a record in an emergency")
		}
		return deny("your role does not work with personal records")
	case BreakGlassReview:
		if (a.Role == haven.RoleSupervisor || a.Role == haven.RoleAgencyAdmin) && own {
			return allow("supervisor of the user's agency")
		}
		return deny("only a supervisor of the user's agency reviews emergency access")
	case AuditView:
		switch {
		case sysadmin:
			return allow("system administrator")
		case a.Role == haven.RoleAgencyAdmin && own:
			return allow("agency administrator of the agency")
		}
		return deny("only administrators see the audit log")
	case ListAgencies, ReadAgency:
		// Every signed-in user may see which agencies take part (names and
		// kinds, nothing about people): referrals and consent name them.
		return allow("agencies are public to staff")
	case UpdateAgency:
		if sysadmin || (a.Role == haven.RoleAgencyAdmin && own) {
			return allow("administrator of the agency")
		}
		return deny("only an administrator of the agency can change its settings")
	case CreateAgency:
		if sysadmin {
			return allow("system administrator")
		}
		return deny("only a system administrator can create agencies")
	case ListUsers, ReadUser:
		switch {
		case sysadmin:
			return allow("system administrator")
		case agencyAdmin:
			return allow("agency administrator of the user's agency")
		case self:
			return allow("own account")
		case own && (a.Role == haven.RoleSupervisor):
			return allow("supervisor within own agency")
		}
		return deny("only administrators can see other users")
	case CreateUser, DisableUser, ResetPassword:
		switch {
		case sysadmin:
			return allow("system administrator")
		case agencyAdmin && t.Role != haven.RoleSystemAdmin:
			if action == DisableUser && self {
				return deny("you cannot disable your own account")
			}
			return allow("agency administrator of the user's agency")
		}
		return deny("only an administrator of the user's agency can do this")
	case CreateToken, ListTokens, RevokeToken:
		switch {
		case self:
			return allow("own token")
		case sysadmin:
			return allow("system administrator")
		case agencyAdmin:
			return allow("agency administrator of the token owner's agency")
		}
		return deny("only the token's owner or an administrator can do this")
	}
	return deny("action not permitted")
}

// Require returns a forbidden error when the decision denies.
func Require(a haven.Actor, action Action, t Target) error {
	if !a.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if d := Decide(a, action, t); !d.Allow {
		return haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	return nil
}

// Incident reports.
const (
	IncidentCreate     Action = "incident.create"
	IncidentRead       Action = "incident.read"
	IncidentUpdate     Action = "incident.update" // edit a draft or returned report; complete protocol steps
	IncidentSubmit     Action = "incident.submit"
	IncidentReview     Action = "incident.review" // approve or return a submitted report
	IncidentClose      Action = "incident.close"
	IncidentSupplement Action = "incident.supplement"
	IncidentExport     Action = "incident.export" // lists and exports; analysts get the aggregate view
	IncidentImport     Action = "incident.import" // bulk import, by a system process only
)

// BasisAggregate is the basis of an analyst's view of incidents: codes,
// times, places and flags for counting and mapping, and no sealed text,
// names or person ids. The store shapes the records accordingly.
const BasisAggregate BasisKind = "aggregate"

// IncidentRole reports whether a role works with incident reports: the
// police officer who writes them and the supervisor who reviews them.
func IncidentRole(r haven.Role) bool {
	return r == haven.RoleOfficer || r == haven.RoleSupervisor
}

// decideIncident is the rule for incident reports. For reports, Target.UserID
// is the report's author (its created_by). Every action needs the owning
// agency, with one exception: staff of another agency may read a report
// under a party's consent covering the "incident" scope (Target.Bases
// holds such grants when the store found any); the store then shows the
// consent view of the report.
func decideIncident(a haven.Actor, action Action, t Target) Decision {
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}
	}
	if action == IncidentImport {
		return deny("bulk imports run as a system process (haven import incidents)")
	}
	// Another agency reads a report only on a party's consent to share
	// the "incident" scope (access_consent.go).
	if d, ok := consentIncidentRead(a, action, t); ok {
		return d
	}
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	if a.Role == haven.RoleAnalyst {
		if action == IncidentExport && own {
			return Decision{Allow: true, Reason: "analyst: aggregate view of own agency", Basis: Basis{Kind: BasisAggregate}}
		}
		return deny("analysts see incidents in aggregate only")
	}
	if !IncidentRole(a.Role) {
		return deny("your role does not give access to incident reports")
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see incident reports")
	}
	if !own {
		return deny("incident reports are seen only by their own agency")
	}
	ownAgency := Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	author := t.UserID != "" && t.UserID == a.UserID
	supervisor := a.Role == haven.RoleSupervisor
	switch action {
	case IncidentCreate, IncidentRead, IncidentUpdate, IncidentSupplement, IncidentExport:
		return ownAgency
	case IncidentSubmit:
		if author || supervisor {
			return ownAgency
		}
		return deny("only the report's author or a supervisor submits it")
	case IncidentReview:
		if !supervisor {
			return deny("only a supervisor reviews reports")
		}
		if author {
			return deny("a report is reviewed by someone other than its author")
		}
		return ownAgency
	case IncidentClose:
		if supervisor {
			return ownAgency
		}
		return deny("only a supervisor closes reports")
	}
	return deny("action not permitted")
}

// Evidence items of incidents: photos, documents, recordings, videos and
// physical items, their files and their chain of custody.
const (
	EvidenceCreate   Action = "evidence.create"
	EvidenceRead     Action = "evidence.read"     // the item's record, the list, the custody log
	EvidenceDownload Action = "evidence.download" // the file itself
	EvidenceView     Action = "evidence.view"     // a photo's thumbnail
	EvidenceCustody  Action = "evidence.custody"  // transfer or release
	EvidenceVerify   Action = "evidence.verify"   // recompute the file's SHA-256
)

// decideEvidence is the rule for evidence: the incident's. The owning
// agency's officers and supervisors do everything; nobody else does
// anything, and no basis (break-glass, consent, …) reaches evidence. For
// evidence, Target.AgencyID is the incident's agency.
func decideEvidence(a haven.Actor, action Action, t Target) Decision {
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}
	}
	if !IncidentRole(a.Role) {
		return deny("your role does not give access to evidence")
	}
	if a.MFARequired && !a.MFA && a.Via == "session" {
		return deny("sign in with your second factor to see evidence")
	}
	if t.AgencyID == "" || t.AgencyID != a.AgencyID {
		return deny("evidence is seen only by the agency whose incident it belongs to")
	}
	switch action {
	case EvidenceCreate, EvidenceRead, EvidenceDownload, EvidenceView, EvidenceCustody, EvidenceVerify:
		return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}
	}
	return deny("action not permitted")
}
