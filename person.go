package haven

import (
	"context"
	"time"
)

// Person is someone Haven holds data about: a victim, a suspect, a witness,
// a child. Every identifying value is sealed at rest; a Person in memory is
// already opened, and only for an actor the access policy allowed.
type Person struct {
	ID       string `json:"id"`
	AgencyID string `json:"agency_id"` // the owning agency

	GivenName   string       `json:"given_name"`
	FamilyName  string       `json:"family_name"`
	Aliases     []string     `json:"aliases"`
	DateOfBirth string       `json:"date_of_birth,omitempty"` // YYYY-MM-DD
	Sex         string       `json:"sex,omitempty"`           // as recorded: female, male, intersex, unknown
	Gender      string       `json:"gender,omitempty"`        // self-described
	Languages   []string     `json:"languages"`               // BCP 47 tags or names
	Phones      []Phone      `json:"phones"`
	Emails      []string     `json:"emails"`
	Addresses   []Address    `json:"addresses"`
	SafeContact *SafeContact `json:"safe_contact,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`

	// Access says on what basis the caller sees this record and what was
	// withheld from them; filled in by the store on every read.
	Access *AccessNote `json:"access,omitempty"`
}

// Phone is a phone number with what it is for.
type Phone struct {
	Number string `json:"number"`
	Kind   string `json:"kind,omitempty"` // mobile, home, work, other
	Note   string `json:"note,omitempty"`
}

// Address is a postal address. A confidential one (a shelter, a survivor's
// new home) never leaves the owning agency.
type Address struct {
	Line1        string `json:"line1,omitempty"`
	Line2        string `json:"line2,omitempty"`
	City         string `json:"city,omitempty"`
	Region       string `json:"region,omitempty"`
	PostalCode   string `json:"postal_code,omitempty"`
	Country      string `json:"country,omitempty"`
	Kind         string `json:"kind,omitempty"` // home, work, mailing, other
	Confidential bool   `json:"confidential"`
}

// SafeContact is how the person may be contacted without putting them at
// risk.
type SafeContact struct {
	SafePhone   string `json:"safe_phone,omitempty"`
	SafeTimes   string `json:"safe_times,omitempty"`
	NoVoicemail bool   `json:"no_voicemail"`
	NoLetters   bool   `json:"no_letters"`
	Notes       string `json:"notes,omitempty"`
}

// AccessNote tells the reader how they came to see a record.
type AccessNote struct {
	Basis     string     `json:"basis"`              // own_agency, break_glass, consent, …
	BasisID   string     `json:"basis_id,omitempty"` // the grant's id
	Withheld  []string   `json:"withheld,omitempty"` // fields not shown, e.g. confidential addresses
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// PersonPatch changes some fields of a person; nil fields stay as they are.
type PersonPatch struct {
	GivenName   *string      `json:"given_name"`
	FamilyName  *string      `json:"family_name"`
	Aliases     *[]string    `json:"aliases"`
	DateOfBirth *string      `json:"date_of_birth"`
	Sex         *string      `json:"sex"`
	Gender      *string      `json:"gender"`
	Languages   *[]string    `json:"languages"`
	Phones      *[]Phone     `json:"phones"`
	Emails      *[]string    `json:"emails"`
	Addresses   *[]Address   `json:"addresses"`
	SafeContact *SafeContact `json:"safe_contact"`
	// Version, when set, must equal the stored version (optimistic locking).
	Version *int `json:"version"`
}

// PersonQuery searches the caller's own agency's persons.
type PersonQuery struct {
	Name        string // a full or partial name: exact words and sounds-like
	DateOfBirth string // YYYY-MM-DD, narrows
	Limit       int
}

// PersonMatch is one search result.
type PersonMatch struct {
	Person *Person `json:"person"`
	Match  string  `json:"match"` // exact, sounds_like
	Score  int     `json:"score"`
}

// PersonService keeps the person registry.
type PersonService interface {
	// CreatePerson stores p for the actor's agency and returns possible
	// duplicates already in that agency.
	CreatePerson(ctx context.Context, p *Person) (dups []PersonMatch, err error)
	Person(ctx context.Context, id string) (*Person, error)
	UpdatePerson(ctx context.Context, id string, patch PersonPatch) (*Person, error)
	SearchPersons(ctx context.Context, q PersonQuery) ([]PersonMatch, error)
}

// BreakGlass is an emergency opening of a record outside normal access.
type BreakGlass struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Username   string     `json:"username"`
	AgencyID   string     `json:"agency_id"`
	RecordType string     `json:"record_type"`
	RecordID   string     `json:"record_id"`
	Reason     string     `json:"reason"`
	OpenedAt   time.Time  `json:"opened_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	ReviewedBy string     `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
	ReviewNote string     `json:"review_note,omitempty"`
}

// BreakGlassService opens records in an emergency and lets supervisors
// review each opening.
type BreakGlassService interface {
	OpenBreakGlass(ctx context.Context, recordType, recordID, reason string) (*BreakGlass, error)
	// PendingBreakGlass lists the actor's agency's unreviewed openings (supervisors).
	PendingBreakGlass(ctx context.Context) ([]*BreakGlass, error)
	ReviewBreakGlass(ctx context.Context, id, note string) error
}
