package haven

import "context"

// Actor is who is asking: a signed-in user, an integration's token, or a
// named system process (a CLI command, the demo loader). Every service call
// reads it from the context, so authorization lives with the data.
type Actor struct {
	UserID     string `json:"user_id,omitempty"`
	Username   string `json:"username,omitempty"`
	AgencyID   string `json:"agency_id,omitempty"`
	AgencySlug string `json:"agency_slug,omitempty"`
	Role       Role   `json:"role,omitempty"`
	// System names a non-human actor ("cli", "demo"); such actors act with
	// the system administrator's rights and are audited under this name.
	System string `json:"system,omitempty"`
	// Via says how the actor authenticated: "session", "token" or "system".
	Via string `json:"via,omitempty"`
	// MFA records whether the session was completed with a second factor
	// (or the token was created from such a session).
	MFA bool `json:"mfa"`
	// MFARequired says the actor's agency requires a second factor before
	// its staff see personal data.
	MFARequired bool `json:"mfa_required"`
	// MFAEnrolled says the user has a second factor set up.
	MFAEnrolled bool `json:"mfa_enrolled"`
}

// Authenticated reports whether the actor is anyone at all.
func (a Actor) Authenticated() bool { return a.UserID != "" || a.System != "" }

// SystemActor returns the actor a command-line or background job acts as.
func SystemActor(name string) Actor {
	return Actor{System: name, Role: RoleSystemAdmin, Via: "system"}
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying a.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx; the zero Actor (anonymous) when none.
func ActorFromContext(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Request is what the audit log records about the request an actor made.
type Request struct {
	ID       string // the request id (X-Request-ID)
	ClientIP string
}

type requestKey struct{}

// NewContextWithRequest returns ctx carrying r.
func NewContextWithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFromContext returns the request in ctx, zero when none.
func RequestFromContext(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
