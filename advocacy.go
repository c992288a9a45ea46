package haven

import (
	"context"
	"time"
)

// Advocacy and interagency work: the survivor's consent to share, survivor
// cases, safety plans and closed-loop referrals.

// Data scopes a consent grant can share.
const (
	ScopeContact    = "contact"     // phones, e-mail, addresses (never confidential ones), safe-contact preferences
	ScopeIncident   = "incident"    // police incident reports the person is a party to
	ScopeRisk       = "risk"        // risk assessments and their results
	ScopeSafetyPlan = "safety_plan" // safety plans
	ScopeCaseNotes  = "case_notes"  // case notes of survivor cases
	ScopeDocuments  = "documents"   // documents kept on survivor cases
)

// ConsentScopes lists every scope, in display order.
var ConsentScopes = []string{ScopeContact, ScopeIncident, ScopeRisk, ScopeSafetyPlan, ScopeCaseNotes, ScopeDocuments}

// How consent was given.
const (
	ConsentWritten    = "written"    // written and signed
	ConsentVerbal     = "verbal"     // verbal, with a witness named
	ConsentElectronic = "electronic" // given electronically (e-signature, portal)
)

// Consent is a survivor's recorded, time-limited permission for named
// agencies to see named scopes of their data. It is the basis the access
// policy uses for another agency's reads; revoking it takes effect on the
// next request.
type Consent struct {
	ID       string `json:"id"`
	AgencyID string `json:"agency_id"` // the agency that recorded it (owns the person record)
	PersonID string `json:"person_id"`
	// RecipientAgencies are the slugs of the agencies that may see.
	RecipientAgencies []string   `json:"recipient_agencies"`
	Scopes            []string   `json:"scopes"`
	Purpose           string     `json:"purpose"` // sealed
	Method            string     `json:"method"`
	Witness           string     `json:"witness,omitempty"` // sealed; required for verbal consent
	RecordedBy        string     `json:"recorded_by"`
	RecordedByName    string     `json:"recorded_by_name,omitempty"`
	StartsAt          time.Time  `json:"starts_at"`
	ExpiresAt         time.Time  `json:"expires_at"`
	RevokedAt         *time.Time `json:"revoked_at,omitempty"`
	RevokedBy         string     `json:"revoked_by,omitempty"`
	RevokeReason      string     `json:"revoke_reason,omitempty"` // sealed
	CreatedAt         time.Time  `json:"created_at"`
	// Status is computed on read: active, expired, revoked or pending (starts later).
	Status string `json:"status"`
}

// ConsentInput is what is recorded. ExpiresAt is required: consent is
// "reasonably time-limited"; DefaultConsentDays is the suggestion.
type ConsentInput struct {
	PersonID          string     `json:"person_id"`
	RecipientAgencies []string   `json:"recipient_agencies"`
	Scopes            []string   `json:"scopes"`
	Purpose           string     `json:"purpose"`
	Method            string     `json:"method"`
	Witness           string     `json:"witness"`
	StartsAt          *time.Time `json:"starts_at"` // default now
	ExpiresAt         *time.Time `json:"expires_at"`
}

// DefaultConsentDays is how long a consent lasts unless the form says otherwise.
const DefaultConsentDays = 90

// MaxConsentDays bounds a consent's life.
const MaxConsentDays = 366

// ConsentService records and revokes consent grants.
type ConsentService interface {
	// RecordConsent stores a grant for a person of the actor's agency.
	RecordConsent(ctx context.Context, in ConsentInput) (*Consent, error)
	// Consent reads a grant: the recording agency, and the recipients.
	Consent(ctx context.Context, id string) (*Consent, error)
	// PersonConsents lists a person's grants, newest first (recording agency).
	PersonConsents(ctx context.Context, personID string) ([]*Consent, error)
	// RevokeConsent ends a grant now, with a reason.
	RevokeConsent(ctx context.Context, id, reason string) (*Consent, error)
	// SharedWithMe lists the active grants naming the actor's agency, with
	// the person's name opened under each.
	SharedWithMe(ctx context.Context) ([]*SharedPerson, error)
}

// SharedPerson is a person another agency shares with the caller's agency
// under a consent grant.
type SharedPerson struct {
	Consent *Consent `json:"consent"`
	Name    string   `json:"name"`
	Agency  string   `json:"agency"` // the owning agency's name
}

// Case statuses.
const (
	CaseOpen     = "open"
	CaseActive   = "active"
	CaseInactive = "inactive"
	CaseClosed   = "closed"
)

// CaseNeeds lists the needs a case records.
var CaseNeeds = []string{"housing", "legal", "medical", "counselling", "financial", "children", "immigration", "employment", "transport"}

// Case is a survivor's case at an advocacy agency. The person is a record
// of the case's own agency.
type Case struct {
	ID         string `json:"id"`
	AgencyID   string `json:"agency_id"`
	Number     string `json:"number"` // SH-2026-000012
	PersonID   string `json:"person_id"`
	PersonName string `json:"person_name,omitempty"` // filled on reads
	// SourcePersonID is the referring agency's record of the same person
	// (from a referral or a high-risk task); what of it the agency sees
	// depends on the survivor's consent.
	SourcePersonID string     `json:"source_person_id,omitempty"`
	LeadAdvocate   string     `json:"lead_advocate"` // user id
	LeadName       string     `json:"lead_name,omitempty"`
	Status         string     `json:"status"`
	ClosedReason   string     `json:"closed_reason,omitempty"`
	Needs          []string   `json:"needs"`
	RiskLevel      string     `json:"risk_level,omitempty"`   // band label of the latest assessment of the person, filled on reads
	RiskHigh       bool       `json:"risk_high"`              // the latest assessment is a high band
	ReferralID     string     `json:"referral_id,omitempty"`  // the referral it was opened from
	RiskTaskID     string     `json:"risk_task_id,omitempty"` // the high-risk task it was opened from
	OpenedAt       time.Time  `json:"opened_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int        `json:"version"`
	NextDue        *time.Time `json:"next_due,omitempty"` // the earliest open task or court date, filled on lists
	OverdueTasks   int        `json:"overdue_tasks"`
}

// CaseInput opens a case.
type CaseInput struct {
	PersonID     string   `json:"person_id"`
	LeadAdvocate string   `json:"lead_advocate"` // default the actor
	Needs        []string `json:"needs"`
}

// CasePatch changes a case; nil fields stay.
type CasePatch struct {
	LeadAdvocate *string   `json:"lead_advocate"`
	Status       *string   `json:"status"`
	ClosedReason *string   `json:"closed_reason"` // required when closing
	Needs        *[]string `json:"needs"`
	Version      *int      `json:"version"`
}

// ServiceDelivered is one service given on a case: the basis of grant reporting.
type ServiceDelivered struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	Type     string    `json:"type"` // advocacy, counselling, court_accompaniment, safety_planning, shelter_referral, legal_help, transport, financial_help, children_services, other
	Date     string    `json:"date"` // YYYY-MM-DD
	Minutes  int       `json:"minutes"`
	By       string    `json:"by"` // user id
	ByName   string    `json:"by_name,omitempty"`
	Note     string    `json:"note,omitempty"` // sealed
	Recorded time.Time `json:"recorded_at"`
}

// ServiceTypes lists the types of service delivered.
var ServiceTypes = []string{"advocacy", "counselling", "court_accompaniment", "safety_planning", "shelter_referral", "legal_help",
	"transport", "financial_help", "children_services", "other"}

// CaseNote is a sealed note on a case.
type CaseNote struct {
	ID     string    `json:"id"`
	CaseID string    `json:"case_id"`
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"`
	At     time.Time `json:"at"`
	Text   string    `json:"text"` // sealed
}

// CaseTask is a to-do on a case with a due date and an optional reminder.
type CaseTask struct {
	ID         string     `json:"id"`
	CaseID     string     `json:"case_id"`
	Title      string     `json:"title"` // sealed
	DueAt      time.Time  `json:"due_at"`
	RemindAt   *time.Time `json:"remind_at,omitempty"`
	AssignedTo string     `json:"assigned_to"` // user id
	// AssignedName and CaseNumber are filled on reads.
	AssignedName string     `json:"assigned_name,omitempty"`
	CaseNumber   string     `json:"case_number,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
	DoneBy       string     `json:"done_by,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	Overdue      bool       `json:"overdue"` // computed on read
}

// CourtDate is a hearing on a case, with whether an advocate accompanies.
type CourtDate struct {
	ID              string    `json:"id"`
	CaseID          string    `json:"case_id"`
	At              time.Time `json:"at"`
	Court           string    `json:"court"`   // sealed
	Purpose         string    `json:"purpose"` // protective order hearing, …; sealed
	Accompaniment   bool      `json:"accompaniment"`
	Accompanier     string    `json:"accompanier,omitempty"`      // user id
	AccompanierName string    `json:"accompanier_name,omitempty"` // filled on reads
	Outcome         string    `json:"outcome,omitempty"`          // sealed
	CreatedAt       time.Time `json:"created_at"`
}

// CaseDocument is a document kept on a case (sealed in the database).
type CaseDocument struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Name        string    `json:"name"` // sealed
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	By          string    `json:"by"`
	ByName      string    `json:"by_name,omitempty"` // filled on reads
	At          time.Time `json:"at"`
}

// CaseFilter narrows FindCases to the actor's agency.
type CaseFilter struct {
	Lead   string // lead advocate user id
	Status string // "" open, active and inactive; "all"; or one status
	Limit  int
	// PersonID lists one person's cases (any lead, unless Lead is given).
	PersonID string
}

// CaseloadRow is one advocate's line in the supervisor's view.
type CaseloadRow struct {
	UserID       string `json:"user_id"`
	Name         string `json:"name"`
	Open         int    `json:"open_cases"`
	HighRisk     int    `json:"high_risk_cases"`
	TasksDue     int    `json:"tasks_due_7d"`
	TasksOverdue int    `json:"tasks_overdue"`
	CourtDates   int    `json:"court_dates_7d"`
}

// CaseService keeps survivor cases.
type CaseService interface {
	CreateCase(ctx context.Context, in CaseInput) (*Case, error)
	Case(ctx context.Context, id string) (*Case, error)
	UpdateCase(ctx context.Context, id string, p CasePatch) (*Case, error)
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, error)
	// Caseloads is the supervisor's view across the agency's advocates.
	Caseloads(ctx context.Context) ([]CaseloadRow, error)
	AddService(ctx context.Context, caseID string, s ServiceDelivered) (*ServiceDelivered, error)
	Services(ctx context.Context, caseID string) ([]ServiceDelivered, error)
	AddNote(ctx context.Context, caseID, text string) (*CaseNote, error)
	Notes(ctx context.Context, caseID string) ([]CaseNote, error)
	AddTask(ctx context.Context, caseID string, t CaseTask) (*CaseTask, error)
	CompleteTask(ctx context.Context, taskID string) (*CaseTask, error)
	// Tasks lists a case's tasks; caseID "" lists the actor's own open
	// tasks across cases (their "what is due"), soonest first.
	Tasks(ctx context.Context, caseID string) ([]CaseTask, error)
	// Reminders lists the actor's open tasks whose reminder time has come.
	Reminders(ctx context.Context) ([]CaseTask, error)
	AddCourtDate(ctx context.Context, caseID string, c CourtDate) (*CourtDate, error)
	CourtDates(ctx context.Context, caseID string) ([]CourtDate, error)
	AddDocument(ctx context.Context, caseID string, d CaseDocument, body []byte) (*CaseDocument, error)
	Documents(ctx context.Context, caseID string) ([]CaseDocument, error)
	Document(ctx context.Context, id string) (*CaseDocument, []byte, error)
	// OpenCaseFromRiskTask accepts an open high-risk task of the actor's
	// queue and opens a case for it (or updates the person's open case),
	// copying into the agency's own person record what a valid consent
	// lets it see. Without a consent that covers contact, it fails with
	// a conflict saying consent is needed first.
	OpenCaseFromRiskTask(ctx context.Context, taskID string) (*Case, error)
}

// SafetyPlanSections are the plan's sections, in order.
var SafetyPlanSections = []struct{ Key, Title string }{
	{"during_incident", "During an incident"},
	{"preparing_to_leave", "Preparing to leave"},
	{"after_leaving", "After leaving"},
	{"work_school", "At work or school"},
	{"children", "Children"},
	{"technology", "Technology and digital safety"},
	{"emotional_health", "Emotional health"},
	{"protective_order", "Protective-order safety"},
}

// PlanItem is one checklist item of a section.
type PlanItem struct {
	Text      string `json:"text"`
	Done      bool   `json:"done"`
	Suggested string `json:"suggested,omitempty"` // the risk factor that suggested it (firearms, strangulation, stalking, …)
}

// PlanSection is one section of a safety plan.
type PlanSection struct {
	Key   string     `json:"key"`
	Title string     `json:"title"`
	Items []PlanItem `json:"items"`
	Notes string     `json:"notes"`
}

// PlanContact is an emergency contact.
type PlanContact struct {
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	Relationship string `json:"relationship,omitempty"`
}

// SafetyPlan is one version of a survivor's safety plan. Every save is a
// new version; earlier versions are kept. The whole plan is sealed.
type SafetyPlan struct {
	ID                string        `json:"id"`
	AgencyID          string        `json:"agency_id"`
	PersonID          string        `json:"person_id"`
	CaseID            string        `json:"case_id,omitempty"`
	Version           int           `json:"version"`
	Sections          []PlanSection `json:"sections"`
	EmergencyContacts []PlanContact `json:"emergency_contacts"`
	CodeWord          string        `json:"code_word"`
	SafePlaces        []string      `json:"safe_places"`
	DocumentsReady    []string      `json:"documents_ready"`
	CreatedBy         string        `json:"created_by"`
	CreatedByName     string        `json:"created_by_name,omitempty"`
	CreatedAt         time.Time     `json:"created_at"`
	Access            *AccessNote   `json:"access,omitempty"`
}

// SafetyPlanService keeps versioned safety plans.
type SafetyPlanService interface {
	// SaveSafetyPlan stores a new version of the person's plan; version
	// must be the latest version the caller read (0 for the first).
	SaveSafetyPlan(ctx context.Context, p *SafetyPlan, version int) (*SafetyPlan, error)
	// SafetyPlan returns the person's latest plan (version 0) or one version.
	SafetyPlan(ctx context.Context, personID string, version int) (*SafetyPlan, error)
	// SafetyPlanVersions lists every version, newest first, without content.
	SafetyPlanVersions(ctx context.Context, personID string) ([]SafetyPlan, error)
	// SuggestPlanItems proposes items from the person's latest risk
	// factors (firearms, strangulation, stalking, threats to children, …).
	SuggestPlanItems(ctx context.Context, personID string) ([]PlanSection, error)
}

// Referral states.
const (
	ReferralSent       = "sent"
	ReferralReceived   = "received"
	ReferralAccepted   = "accepted"
	ReferralDeclined   = "declined"
	ReferralInProgress = "in_progress"
	ReferralCompleted  = "completed"
	ReferralClosed     = "closed"
)

// Referral urgencies.
const (
	UrgencyEmergency = "emergency" // acknowledged within 1 hour
	UrgencyUrgent    = "urgent"    // acknowledged within 24 hours
	UrgencyRoutine   = "routine"   // acknowledged within 3 working days (72 hours)
)

// Referral is a closed-loop referral of a person from one agency to
// another (or to a directory service).
type Referral struct {
	ID            string               `json:"id"`
	FromAgencyID  string               `json:"from_agency_id"`
	FromAgency    string               `json:"from_agency"` // slug
	FromUser      string               `json:"from_user"`
	PersonID      string               `json:"person_id"`
	PersonName    string               `json:"person_name,omitempty"` // filled when the caller may see the person
	ToAgencyID    string               `json:"to_agency_id,omitempty"`
	ToAgency      string               `json:"to_agency,omitempty"` // slug
	ToService     string               `json:"to_service,omitempty"`
	ConsentID     string               `json:"consent_id"`
	Need          string               `json:"need"`
	Urgency       string               `json:"urgency"`
	Notes         string               `json:"notes,omitempty"` // sealed
	Status        string               `json:"status"`
	Reason        string               `json:"reason,omitempty"` // why declined or closed; sealed
	CaseID        string               `json:"case_id,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
	AcknowledgeBy time.Time            `json:"acknowledge_by"` // the service-level target for accepting or declining
	Overdue       bool                 `json:"overdue"`        // computed on read against the clock
	Transitions   []ReferralTransition `json:"transitions"`
	Direction     string               `json:"direction,omitempty"` // incoming or outgoing, for the caller

	// StartBy is the target for starting once accepted; Missed names the
	// target an overdue referral missed (acknowledge or start).
	StartBy *time.Time `json:"start_by,omitempty"`
	Missed  string     `json:"missed,omitempty"`
}

// ReferralTransition is one step of a referral's life.
type ReferralTransition struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"`
}

// ReferralInput creates a referral.
type ReferralInput struct {
	PersonID  string `json:"person_id"`
	ToAgency  string `json:"to_agency"`  // slug
	ToService string `json:"to_service"` // a directory service id (when the directory exists)
	ConsentID string `json:"consent_id"`
	Need      string `json:"need"`
	Urgency   string `json:"urgency"`
	Notes     string `json:"notes"`
}

// ReferralFilter narrows FindReferrals for the actor's agency.
type ReferralFilter struct {
	Direction string // incoming, outgoing or "" both
	Status    string
	Overdue   bool
	Limit     int
	PersonID  string // one person's referrals (of the actor's agency's record)
}

// ReferralService keeps referrals and their life cycle.
type ReferralService interface {
	CreateReferral(ctx context.Context, in ReferralInput) (*Referral, error)
	Referral(ctx context.Context, id string) (*Referral, error)
	FindReferrals(ctx context.Context, f ReferralFilter) ([]*Referral, error)
	// ActOnReferral moves a referral: accept, decline (reason), start,
	// complete, close (reason).
	ActOnReferral(ctx context.Context, id, action, reason string) (*Referral, error)
	// CaseFromReferral turns an accepted referral into a case of the
	// actor's agency in one step (creating the agency's own person record
	// from what the consent shows) and marks it in progress.
	CaseFromReferral(ctx context.Context, id string) (*Case, error)
}
