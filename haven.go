// Package haven holds Haven's domain: the types every other package speaks,
// the error codes that are the contract between layers, and the Actor that
// says who is asking. It imports nothing of ours.
package haven

import (
	"context"
	"time"
)

// Version is set at build time with -ldflags "-X github.com/haven-dv/haven.Version=…".
var Version = "dev"

// AgencyKind is what an agency does in the coordinated response.
type AgencyKind string

const (
	KindPolice      AgencyKind = "police"
	KindAdvocacy    AgencyKind = "advocacy"
	KindShelter     AgencyKind = "shelter"
	KindLegalAid    AgencyKind = "legal_aid"
	KindHealth      AgencyKind = "health"
	KindProsecution AgencyKind = "prosecution"
	KindProbation   AgencyKind = "probation"
	KindCourt       AgencyKind = "court"
	KindCommunity   AgencyKind = "community"
)

// AgencyKinds lists every kind in display order.
var AgencyKinds = []AgencyKind{KindPolice, KindAdvocacy, KindShelter, KindLegalAid, KindHealth,
	KindProsecution, KindProbation, KindCourt, KindCommunity}

// Valid reports whether k is one of AgencyKinds.
func (k AgencyKind) Valid() bool {
	for _, v := range AgencyKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Role is a user's one role within their agency.
type Role string

const (
	RoleOfficer      Role = "officer"
	RoleSupervisor   Role = "supervisor"
	RoleAdvocate     Role = "advocate"
	RoleShelterStaff Role = "shelter_staff"
	RoleAnalyst      Role = "analyst"
	RoleTrainer      Role = "trainer"
	RoleAgencyAdmin  Role = "agency_admin"
	RoleSystemAdmin  Role = "system_admin"
)

// Roles lists every role in display order.
var Roles = []Role{RoleOfficer, RoleSupervisor, RoleAdvocate, RoleShelterStaff, RoleAnalyst,
	RoleTrainer, RoleAgencyAdmin, RoleSystemAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Agency is one organisation taking part: a police department, an advocacy
// programme, a shelter, and so on. Slug is its short, stable, URL-safe name.
type Agency struct {
	ID       string     `json:"id"`
	Slug     string     `json:"slug"`
	Name     string     `json:"name"`
	Kind     AgencyKind `json:"kind"`
	TimeZone string     `json:"time_zone"`
	// RequireMFA: staff in roles that see personal data must complete a
	// second factor first. On for every agency except in demo data.
	RequireMFA bool `json:"require_mfa"`
	// HotlineName and HotlinePhone are the local DV hotline officers call
	// after a lethality screen-in, until the directory names one.
	HotlineName  string `json:"hotline_name,omitempty"`
	HotlinePhone string `json:"hotline_phone,omitempty"`
	// PartnerAgencyID is the advocacy agency whose queue receives this
	// agency's high-risk results.
	PartnerAgencyID string `json:"partner_agency_id,omitempty"`
	// ConsentDays is how long a consent recorded here lasts unless the
	// form says otherwise (the form's suggestion; 1 to MaxConsentDays).
	ConsentDays int       `json:"consent_days"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AgencySettings changes an agency's risk-response settings; nil fields
// stay as they are. PartnerSlug "" clears the partner.
type AgencySettings struct {
	HotlineName  *string `json:"hotline_name"`
	HotlinePhone *string `json:"hotline_phone"`
	PartnerSlug  *string `json:"partner"`
	// ConsentDays is the default life of a consent, 1 to MaxConsentDays.
	ConsentDays *int `json:"consent_days"`
}

// Location returns the agency's time zone, or UTC when it cannot be loaded.
func (a *Agency) Location() *time.Location {
	if loc, err := time.LoadLocation(a.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// User is a member of staff. Users belong to exactly one agency with one role.
type User struct {
	ID                 string     `json:"id"`
	AgencyID           string     `json:"agency_id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Role               Role       `json:"role"`
	Disabled           bool       `json:"disabled"`
	MustChangePassword bool       `json:"must_change_password"`
	MFAEnrolled        bool       `json:"mfa_enrolled"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`

	// Agency is filled in by lookups that join it.
	Agency *Agency `json:"agency,omitempty"`
}

// UserFilter narrows FindUsers. Empty fields do not filter.
type UserFilter struct {
	AgencyID string
	Role     Role
}

// Session is a browser login. The token itself is never stored, only its hash.
type Session struct {
	ID         string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute limit
}

// APIToken is a bearer token for an integration. Only its hash is stored.
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Active reports whether the token may still be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// AgencyService manages agencies.
type AgencyService interface {
	CreateAgency(ctx context.Context, a *Agency) error
	// SetRequireMFA turns the second-factor requirement on or off.
	SetRequireMFA(ctx context.Context, agencyID string, on bool) error
	// UpdateAgencySettings changes the hotline and the partner advocacy agency.
	UpdateAgencySettings(ctx context.Context, agencyID string, s AgencySettings) (*Agency, error)
	FindAgencies(ctx context.Context) ([]*Agency, error)
	AgencyBySlug(ctx context.Context, slug string) (*Agency, error)
}

// UserService manages staff accounts.
type UserService interface {
	// CreateUser stores u with the given password (hashed with argon2id).
	CreateUser(ctx context.Context, u *User, password string) error
	FindUsers(ctx context.Context, f UserFilter) ([]*User, error)
	UserByID(ctx context.Context, id string) (*User, error)
	UserByUsername(ctx context.Context, username string) (*User, error)
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	// ResetPassword sets a new password that must be changed at next login.
	ResetPassword(ctx context.Context, id, password string) error
	// ChangePassword changes the calling actor's own password.
	ChangePassword(ctx context.Context, current, next string) error
}

// AuthService authenticates people and integrations.
type AuthService interface {
	// Login checks a username and password from a client address, applying
	// rate limits and lockout, and returns a new session with its token.
	Login(ctx context.Context, username, password, clientIP string) (token string, s *Session, err error)
	// SessionActor resolves a session token to its actor and refreshes its idle timer.
	SessionActor(ctx context.Context, token string) (Actor, *Session, error)
	// Logout revokes a session.
	Logout(ctx context.Context, token string) error
	// TokenActor resolves an API bearer token to its actor.
	TokenActor(ctx context.Context, bearer string) (Actor, error)
	// CreateToken issues a bearer token for a user; the plaintext is returned once.
	CreateToken(ctx context.Context, userID, name string, expiresAt *time.Time) (string, *APIToken, error)
	FindTokens(ctx context.Context, userID string) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id string) error
}

// MFAService enrols and checks the second factor (TOTP, RFC 6238).
type MFAService interface {
	// BeginTOTP makes a new secret for the actor, pending confirmation.
	BeginTOTP(ctx context.Context) (secret, uri string, err error)
	// ConfirmTOTP checks a code against the pending secret, turns the
	// factor on, marks the session (when sessionID is set) as completed with
	// it, and returns single-use recovery codes, shown once.
	ConfirmTOTP(ctx context.Context, sessionID, code string) (recovery []string, err error)
	// VerifySecondFactor completes a signed-in session with a TOTP or
	// recovery code and returns the session's new token (the old one is
	// revoked).
	VerifySecondFactor(ctx context.Context, sessionToken, code, clientIP string) (string, error)
	// ResetSecondFactor removes a user's factor (administrators), ending their sessions.
	ResetSecondFactor(ctx context.Context, userID string) error
}
