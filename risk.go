package haven

import (
	"context"
	"time"
)

// Risk assessment: instruments, their results, recorded assessments and
// what a result sets in motion. The instruments themselves are data (see
// package risk); these are the types every layer speaks.

// Answer values every item accepts. An instrument may add special options
// of its own (the Danger Assessment's "never lived together").
const (
	AnswerYes      = "yes"
	AnswerNo       = "no"
	AnswerUnknown  = "unknown"
	AnswerDeclined = "declined"
)

// Scoring rules an instrument can use.
const (
	// RuleScreen: screened in when any AnyOf item is yes, or at least
	// CountAtLeast of the CountOf items are yes (the Lethality Screen).
	RuleScreen = "screen"
	// RuleWeightedSum: the sum of the weights of the yes answers plus the
	// scores of special options chosen (the Danger Assessment).
	RuleWeightedSum = "weighted_sum"
	// RuleCountYes: the number of yes answers (DASH), optionally prorated
	// for missing items (ODARA).
	RuleCountYes = "count_yes"
)

// Actions a band can trigger.
const (
	ActionHotlineCall        = "hotline_call"        // call the local DV hotline from the scene
	ActionOfferInformation   = "offer_information"   // give the victim written information on help
	ActionFlagHighRisk       = "flag_high_risk"      // mark the person high-risk
	ActionAdvocacyTask       = "advocacy_task"       // a task in the partner advocacy agency's queue
	ActionConferenceProposal = "conference_proposal" // propose the case for the next high-risk team conference
	ActionMARACReferral      = "marac_referral"      // refer to the MARAC (the UK's high-risk conference)
)

// RiskActions lists every action id, for validation and display.
var RiskActions = []string{ActionHotlineCall, ActionOfferInformation, ActionFlagHighRisk,
	ActionAdvocacyTask, ActionConferenceProposal, ActionMARACReferral}

// Instrument is one validated risk instrument, as loaded from its data file.
type Instrument struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	Source      string `json:"source"`  // the publication or form it follows
	Licence     string `json:"licence"` // the conditions of use
	Wording     string `json:"wording"` // "paraphrase" (Haven's plain-language wording) or "official"
	Description string `json:"description,omitempty"`
	// Subject names whom the items ask about, for forms: "victim" (asked
	// of the victim) or "offender" (ODARA: coded from records).
	Subject string            `json:"subject,omitempty"`
	Items   []InstrumentItem  `json:"items"`
	Scoring InstrumentScoring `json:"scoring"`
	Bands   []InstrumentBand  `json:"bands"`
	// File is where the definition was loaded from ("builtin:lap.json" or a path).
	File string `json:"file,omitempty"`
}

// InstrumentItem is one question, q1…qN in the published order.
type InstrumentItem struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Help    string       `json:"help,omitempty"`
	Weight  float64      `json:"weight"`            // for weighted sums; count rules count 1
	Options []ItemOption `json:"options,omitempty"` // special options beyond yes/no/unknown/declined
}

// ItemOption is a special answer with its own score.
type ItemOption struct {
	Value string  `json:"value"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// InstrumentScoring is how an instrument turns answers into a score and band.
type InstrumentScoring struct {
	Rule string `json:"rule"` // RuleScreen, RuleWeightedSum or RuleCountYes

	// RuleScreen: the band when screened in and when not.
	AnyOf        []string `json:"any_of,omitempty"`
	CountOf      []string `json:"count_of,omitempty"`
	CountAtLeast int      `json:"count_at_least,omitempty"`
	ScreenedIn   string   `json:"screened_in,omitempty"`
	NotScreened  string   `json:"not_screened_in,omitempty"`

	// JudgementBand is the band professional judgement raises the result
	// to (never lowers); empty means the instrument takes no judgement.
	JudgementBand string `json:"judgement_band,omitempty"`

	// MaxMissing is how many items may be unanswered (unknown, declined or
	// absent) before the instrument cannot be scored; -1 means any number.
	// With Prorate, the count is scaled to the full item count (ODARA).
	MaxMissing int  `json:"max_missing"`
	Prorate    bool `json:"prorate,omitempty"`

	// EscalationCallouts, when above zero, makes the result EscalationBand
	// when the pair had at least that many police call-outs for domestic
	// abuse in the past 12 months (DASH "potential escalation").
	EscalationCallouts int    `json:"escalation_callouts,omitempty"`
	EscalationBand     string `json:"escalation_band,omitempty"`
	// RepeatBand, when set, is the band a new assessment gets when the
	// person was referred to the MARAC within the past 12 months (DASH
	// "repeat MARAC referral").
	RepeatBand string `json:"repeat_band,omitempty"`
}

// InstrumentBand is one result band. A score falls in the band with the
// highest Min not above it; the first band has no minimum.
type InstrumentBand struct {
	ID      string   `json:"id"`
	Label   string   `json:"label"`
	Min     *float64 `json:"min,omitempty"`
	Note    string   `json:"note,omitempty"` // e.g. ODARA's published recidivism rate
	Actions []string `json:"actions"`
	// High marks the bands that count as high risk in analytics and lists.
	High bool `json:"high,omitempty"`
}

// RiskFacts are what Haven knows besides the answers.
type RiskFacts struct {
	ProfessionalJudgement bool `json:"professional_judgement"`
	// PoliceCallouts12m is the number of police call-outs for domestic
	// abuse involving the pair in the 12 months to the assessment, this
	// incident included.
	PoliceCallouts12m int `json:"police_callouts_12m"`
	// MARACReferral12m says the person was referred to the high-risk
	// conference within the 12 months before.
	MARACReferral12m bool `json:"marac_referral_12m"`
}

// RiskResult is a scored result: what the instrument says and why.
type RiskResult struct {
	Instrument string   `json:"instrument"`
	Version    string   `json:"version"`
	Score      float64  `json:"score"`
	RawScore   float64  `json:"raw_score"` // before prorating
	Band       string   `json:"band"`
	BandLabel  string   `json:"band_label"`
	BandNote   string   `json:"band_note,omitempty"`
	High       bool     `json:"high"`
	Reasons    []string `json:"reasons"` // which rules fired, in plain words
	Actions    []string `json:"actions"`
	Answered   int      `json:"answered"` // items answered yes or no (or a special option)
	Missing    int      `json:"missing"`  // unknown, declined or absent
	Prorated   bool     `json:"prorated"`
}

// Assessment is one recorded result of an instrument for a person. It is
// immutable: a correction is a new assessment that supersedes it.
type Assessment struct {
	ID              string `json:"id"`
	AgencyID        string `json:"agency_id"`
	PersonID        string `json:"person_id"`
	IncidentID      string `json:"incident_id,omitempty"`
	CaseID          string `json:"case_id,omitempty"`
	SuspectPersonID string `json:"suspect_person_id,omitempty"`

	Answers               map[string]string `json:"answers"` // sealed
	ProfessionalJudgement bool              `json:"professional_judgement"`
	JudgementNote         string            `json:"judgement_note,omitempty"` // sealed
	Facts                 RiskFacts         `json:"facts"`
	Result                RiskResult        `json:"result"`

	Supersedes   string `json:"supersedes,omitempty"`
	SupersededBy string `json:"superseded_by,omitempty"` // filled on reads

	AssessedBy     string    `json:"assessed_by"`
	AssessedByName string    `json:"assessed_by_name,omitempty"`
	AssessedAt     time.Time `json:"assessed_at"`
	CreatedAt      time.Time `json:"created_at"`

	Triggers []RiskTrigger   `json:"triggers"`
	Hotline  *HotlineContact `json:"hotline,omitempty"`
	Access   *AccessNote     `json:"access,omitempty"`
}

// AssessmentInput is what a user records.
type AssessmentInput struct {
	PersonID              string            `json:"person_id"`
	IncidentID            string            `json:"incident_id"`
	CaseID                string            `json:"case_id"`
	SuspectPersonID       string            `json:"suspect_person_id"`
	Instrument            string            `json:"instrument"`
	Answers               map[string]string `json:"answers"`
	ProfessionalJudgement bool              `json:"professional_judgement"`
	JudgementNote         string            `json:"judgement_note"`
	Supersedes            string            `json:"supersedes"`
	AssessedAt            *time.Time        `json:"assessed_at"` // default now; not in the future
}

// RiskTrigger is one action a result set in motion, with the rule that fired.
type RiskTrigger struct {
	ID           string    `json:"id"`
	AssessmentID string    `json:"assessment_id"`
	Action       string    `json:"action"`
	Rule         string    `json:"rule"`
	TaskID       string    `json:"task_id,omitempty"` // the queue task it made, if any
	Note         string    `json:"note,omitempty"`    // e.g. "no partner advocacy agency is set"
	CreatedAt    time.Time `json:"created_at"`
}

// Hotline outcomes of a lethality-screen call.
const (
	HotlineSpoke       = "spoke"       // the victim spoke with the hotline advocate
	HotlineDeclined    = "declined"    // the victim declined to speak
	HotlineUnreachable = "unreachable" // the hotline could not be reached
)

// HotlineContact records the call to the hotline after a screen-in.
type HotlineContact struct {
	Outcome string    `json:"outcome"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	// InformationOffered: the victim was given written information on
	// help (always offered when they decline).
	InformationOffered bool   `json:"information_offered"`
	HotlineName        string `json:"hotline_name,omitempty"`
	HotlinePhone       string `json:"hotline_phone,omitempty"`
	Note               string `json:"note,omitempty"` // sealed
}

// Hotline is the DV hotline an agency's officers call.
type Hotline struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Source string `json:"source"` // "directory" or "agency settings"
}

// Risk task states.
const (
	TaskOpen     = "open"
	TaskAccepted = "accepted"
	TaskDeclined = "declined"
)

// RiskTask is an item in an advocacy agency's queue: a high-risk result
// from a partner agency to follow up. It names the person only by id; who
// they are is visible to the queue's agency only on a basis (consent,
// referral) like any other record.
type RiskTask struct {
	ID             string     `json:"id"`
	AgencyID       string     `json:"agency_id"` // whose queue
	FromAgencyID   string     `json:"from_agency_id"`
	FromAgencyName string     `json:"from_agency_name"`
	PersonID       string     `json:"person_id"`
	AssessmentID   string     `json:"assessment_id"`
	IncidentNumber string     `json:"incident_number,omitempty"`
	Instrument     string     `json:"instrument"`
	Band           string     `json:"band"`
	BandLabel      string     `json:"band_label"`
	Rule           string     `json:"rule"`
	Hotline        string     `json:"hotline,omitempty"` // the hotline outcome, when recorded
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	Reason         string     `json:"reason,omitempty"` // why declined
}

// HighRiskEntry is a person flagged high-risk in the caller's agency, with
// whether the case is proposed for the next high-risk conference.
type HighRiskEntry struct {
	PersonID     string    `json:"person_id"`
	Name         string    `json:"name,omitempty"` // opened for the owning agency
	AssessmentID string    `json:"assessment_id"`
	Instrument   string    `json:"instrument"`
	Band         string    `json:"band"`
	BandLabel    string    `json:"band_label"`
	Rule         string    `json:"rule"`
	FlaggedAt    time.Time `json:"flagged_at"`
	Proposed     bool      `json:"proposed_for_conference"`
}

// ScreeningRow counts lethality screens for one officer or beat.
type ScreeningRow struct {
	Key        string `json:"key"`   // user id or beat
	Label      string `json:"label"` // officer's name or "Beat 1234"
	Incidents  int    `json:"domestic_incidents"`
	Offered    int    `json:"offered"`
	Answered   int    `json:"answered"`
	ScreenedIn int    `json:"screened_in"`
	Connected  int    `json:"connected_to_hotline"`
}

// ScreeningStats are a police agency's screening rates over a period.
type ScreeningStats struct {
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Total     ScreeningRow   `json:"total"`
	ByOfficer []ScreeningRow `json:"by_officer"`
	ByBeat    []ScreeningRow `json:"by_beat"`
}

// RiskService records and reads assessments and keeps the queues they feed.
type RiskService interface {
	// Instruments lists the instruments the actor's agency uses (the
	// built-in ones, replaced by any the agency loaded).
	Instruments(ctx context.Context) ([]*Instrument, error)
	// ScoreRisk scores answers without storing anything.
	ScoreRisk(ctx context.Context, instrument string, answers map[string]string, f RiskFacts) (RiskResult, error)
	// RecordAssessment scores and stores an assessment, and records and
	// carries out the actions its result triggers, in one transaction.
	RecordAssessment(ctx context.Context, in AssessmentInput) (*Assessment, error)
	Assessment(ctx context.Context, id string) (*Assessment, error)
	// PersonAssessments lists a person's assessments, newest first.
	PersonAssessments(ctx context.Context, personID string) ([]*Assessment, error)
	// IncidentAssessments lists the assessments recorded against an incident.
	IncidentAssessments(ctx context.Context, incidentID string) ([]*Assessment, error)
	// RecordHotline records the hotline call of a screened-in assessment.
	RecordHotline(ctx context.Context, assessmentID string, h HotlineContact) (*Assessment, error)
	// Hotline returns the hotline the actor's agency calls.
	Hotline(ctx context.Context) (Hotline, error)
	// RiskTasks lists the actor's agency's queue; status "" lists all.
	RiskTasks(ctx context.Context, status string) ([]*RiskTask, error)
	// DecideRiskTask accepts or declines (with a reason) a queue task.
	DecideRiskTask(ctx context.Context, id string, accept bool, reason string) (*RiskTask, error)
	// HighRisk lists the actor's agency's persons flagged high-risk.
	HighRisk(ctx context.Context) ([]*HighRiskEntry, error)
	// Screening counts the actor's agency's lethality screens in [from, to).
	Screening(ctx context.Context, from, to time.Time) (*ScreeningStats, error)
}
