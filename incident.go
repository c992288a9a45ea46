package haven

import (
	"context"
	"time"
)

// IncidentStatus is where a report is in its review workflow.
type IncidentStatus string

const (
	StatusDraft     IncidentStatus = "draft"
	StatusSubmitted IncidentStatus = "submitted"
	StatusReturned  IncidentStatus = "returned" // sent back by a supervisor with comments
	StatusApproved  IncidentStatus = "approved"
	StatusClosed    IncidentStatus = "closed"
)

// Incident is one incident report. Narratives, statements and the address
// are sealed at rest; the rest (codes, times, coordinates, beat) is what
// analytics work from.
type Incident struct {
	ID       string         `json:"id"`
	AgencyID string         `json:"agency_id"`
	Number   string         `json:"number"` // PD-2026-000123, per agency and year
	Status   IncidentStatus `json:"status"`

	ReportedAt time.Time  `json:"reported_at"`
	OccurredAt *time.Time `json:"occurred_at,omitempty"`

	Location Location `json:"location"`

	Domestic bool `json:"domestic"`
	// Source and SourceID identify imported records (e.g. "chicago", the
	// portal's ID); together they make re-imports idempotent.
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	// Code fields as the source had them (Chicago IUCR, FBI code, primary
	// type, description).
	SourceCodes map[string]string `json:"source_codes,omitempty"`

	Parties    []Party     `json:"parties"`
	Offenses   []Offense   `json:"offenses"`
	Injuries   []Injury    `json:"injuries"`
	Arrests    []Arrest    `json:"arrests"`
	Statements []Statement `json:"statements"`

	Strangulation       *Strangulation `json:"strangulation,omitempty"`
	Weapons             []string       `json:"weapons"`          // NIBRS weapon/force codes (85 asphyxiation, 11 firearm, …)
	FirearmsPresent     bool           `json:"firearms_present"` // present or accessible at the scene
	SubstanceUse        []string       `json:"substance_use"`    // alcohol, drugs, … by whom is in the narrative
	ChildrenPresent     bool           `json:"children_present"`
	ChildrenWitnessed   bool           `json:"children_witnessed"`
	PriorIncidentsKnown bool           `json:"prior_incidents_known"`
	Narrative           string         `json:"narrative,omitempty"` // sealed

	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Version     int        `json:"version"`
	// ReviewComment is the supervisor's comment when returned or approved.
	ReviewComment string `json:"review_comment,omitempty"`
}

// Location is where an incident happened. The address text is sealed; the
// coordinates and beat are not, for maps and counts.
type Location struct {
	Address      string   `json:"address,omitempty"` // sealed
	Latitude     *float64 `json:"latitude,omitempty"`
	Longitude    *float64 `json:"longitude,omitempty"`
	Beat         string   `json:"beat,omitempty"`
	District     string   `json:"district,omitempty"`
	LocationType string   `json:"location_type,omitempty"` // RESIDENCE, APARTMENT, STREET, …
}

// PartyRole is how a person is involved in an incident.
type PartyRole string

const (
	PartyVictim  PartyRole = "victim"
	PartySuspect PartyRole = "suspect"
	PartyWitness PartyRole = "witness"
	PartyChild   PartyRole = "child" // a child present
)

// Party links a person record to an incident.
type Party struct {
	PersonID string    `json:"person_id"`
	Role     PartyRole `json:"role"`
	// RelationshipToSuspect is the NIBRS victim-to-offender relationship
	// code (SE, CS, XS, BG, XR, PA, CH, SB, OF, …), for victims.
	RelationshipToSuspect string `json:"relationship_to_suspect,omitempty"`
	// SuspectPersonID names which suspect the relationship is to, when
	// there are several.
	SuspectPersonID string `json:"suspect_person_id,omitempty"`
	// Name is filled in on reads for the caller's convenience, only when
	// the caller may see the person.
	Name string `json:"name,omitempty"`
}

// Offense is one NIBRS offence in an incident.
type Offense struct {
	Code          string   `json:"code"`                    // NIBRS offence code: 13A, 13B, 13C, 11A, 120, 290, 90Z, …
	Circumstances []string `json:"circumstances,omitempty"` // aggravated-assault circumstance codes, e.g. 06 domestic violence
	Description   string   `json:"description,omitempty"`   // e.g. "protective-order violation" for 90Z
}

// Injury is one injury observed or reported.
type Injury struct {
	PersonID          string `json:"person_id,omitempty"`
	Type              string `json:"type"`          // NIBRS injury type: M minor, B broken bones, I internal, L laceration, …
	BodyLocation      string `json:"body_location"` // neck, face, arm, …
	TreatmentOffered  bool   `json:"treatment_offered"`
	TreatmentAccepted bool   `json:"treatment_accepted"`
}

// Strangulation records non-fatal strangulation, a leading predictor of homicide.
type Strangulation struct {
	Occurred bool     `json:"occurred"`
	Signs    []string `json:"signs"` // petechiae, neck marks, hoarse voice, difficulty swallowing, loss of consciousness, …
}

// Arrest is one arrest made at or after the incident.
type Arrest struct {
	PersonID string    `json:"person_id"`
	At       time.Time `json:"at"`
	Charges  []string  `json:"charges"`
}

// Statement is a victim, suspect or witness statement. The text is sealed.
type Statement struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // victim, suspect, witness
	PersonID string    `json:"person_id,omitempty"`
	TakenAt  time.Time `json:"taken_at"`
	HowTaken string    `json:"how_taken"` // written, verbal, audio, video, interpreter
	Text     string    `json:"text"`      // sealed
}

// ProtocolStep is one step of the immediate-actions protocol, in order.
type ProtocolStep struct {
	Key         string     `json:"key"` // scene_secured, medical_aid, parties_separated, victim_interviewed_privately, children_checked, interpreter, rights_explained, lethality_screen, hotline_call
	Title       string     `json:"title"`
	Done        bool       `json:"done"`
	Skipped     bool       `json:"skipped"`
	SkipReason  string     `json:"skip_reason,omitempty"`
	Note        string     `json:"note,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CompletedBy string     `json:"completed_by,omitempty"`
}

// ProtocolSteps is the immediate-actions protocol, in the order officers
// complete it.
var ProtocolSteps = []ProtocolStep{
	{Key: "scene_secured", Title: "Scene secured and threats assessed"},
	{Key: "medical_aid", Title: "Medical aid offered or given"},
	{Key: "parties_separated", Title: "Parties separated"},
	{Key: "victim_interviewed_privately", Title: "Victim interviewed privately"},
	{Key: "children_checked", Title: "Children checked"},
	{Key: "interpreter", Title: "Interpreter used when needed"},
	{Key: "rights_explained", Title: "Victim rights and resources explained"},
	{Key: "lethality_screen", Title: "Lethality screen offered"},
	// Only a screened-in victim is put through to the hotline; recording a
	// screen that is not screened in skips this step with that reason.
	{Key: "hotline_call", Title: "Hotline called for a screened-in victim"},
}

// ProtocolCount is how far a report's protocol got.
type ProtocolCount struct {
	Done, Skipped, Missing int
}

// IncidentChange is one entry of a report's history: who changed what.
type IncidentChange struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`     // user id or system actor
	Action  string    `json:"action"` // created, updated, submitted, returned, approved, closed, supplement, protocol
	Fields  []string  `json:"fields,omitempty"`
	Comment string    `json:"comment,omitempty"` // review comments; supplements are in Supplements
}

// Supplement is text added to a report after submission; the report itself
// is not silently edited.
type Supplement struct {
	ID   string    `json:"id"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"` // sealed
}

// IncidentFilter narrows FindIncidents. Empty fields do not filter.
type IncidentFilter struct {
	Status   IncidentStatus
	Domestic *bool
	From, To time.Time // occurred (or reported when unknown) in [From, To)
	District string
	Officer  string // created by this user id
	PersonID string // involving this person
	Limit    int
	Offset   int
	// Export marks a listing made for an export file, so the audit log
	// records it as an export rather than a search.
	Export bool
}

// ImportResult counts one batch of imported incidents.
type ImportResult struct {
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
}

// IncidentService keeps incident reports.
type IncidentService interface {
	CreateIncident(ctx context.Context, in *Incident) error
	Incident(ctx context.Context, id string) (*Incident, error)
	// UpdateIncident replaces the editable fields of a draft or returned
	// report; version must match. Submitted reports take supplements.
	UpdateIncident(ctx context.Context, id string, in *Incident, version int) (*Incident, error)
	FindIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error)
	SubmitIncident(ctx context.Context, id string) error
	// ReviewIncident approves or returns a submitted report (supervisors).
	ReviewIncident(ctx context.Context, id string, approve bool, comment string) error
	CloseIncident(ctx context.Context, id string) error
	AddSupplement(ctx context.Context, id, text string) (*Supplement, error)
	Supplements(ctx context.Context, id string) ([]Supplement, error)
	IncidentHistory(ctx context.Context, id string) ([]IncidentChange, error)
	// Protocol returns the report's protocol steps, in order.
	Protocol(ctx context.Context, id string) ([]ProtocolStep, error)
	// ProtocolCounts counts, for each of the caller's agency's reports
	// named, the protocol steps done, skipped and missing: the review and
	// compliance lists, in one read.
	ProtocolCounts(ctx context.Context, ids []string) (map[string]ProtocolCount, error)
	// CompleteStep marks a step done, or skipped with a reason.
	CompleteStep(ctx context.Context, id, key string, skipped bool, reason, note string) error
	// PriorIncidents lists the caller's agency's earlier incidents involving
	// the person (and, when otherPersonID is set, both of them).
	PriorIncidents(ctx context.Context, personID, otherPersonID string) ([]*Incident, error)
	// ImportIncidents stores a batch from a bulk import for agencyID, in one
	// transaction, skipping records whose (Source, SourceID) exist already.
	ImportIncidents(ctx context.Context, agencyID string, batch []*Incident) (ImportResult, error)
}
