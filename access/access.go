// Package access decides what an actor may do. It is pure: no I/O, no
// clock, no database. The store asks it inside every transaction; handlers
// never decide on their own. Deny by default: an action not named here is
// refused.
package access

import "github.com/haven-dv/haven"

// Action is something an actor wants to do.
type Action string

const (
	CreateAgency  Action = "agency.create"
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
)

// Target describes the record an action touches, as far as the policy needs.
type Target struct {
	AgencyID string     // the agency that owns the record
	UserID   string     // for user and token records: whose
	Role     haven.Role // for user records: the role being created or changed
}

// Decision is the policy's answer. Reason is for the audit log and for the
// error message; it never contains personal data.
type Decision struct {
	Allow  bool
	Reason string
}

func allow(reason string) Decision { return Decision{Allow: true, Reason: reason} }
func deny(reason string) Decision  { return Decision{Reason: reason} }

// Decide answers whether actor may do action on target.
func Decide(a haven.Actor, action Action, t Target) Decision {
	if !a.Authenticated() {
		return deny("not signed in")
	}
	sysadmin := a.Role == haven.RoleSystemAdmin
	own := t.AgencyID != "" && t.AgencyID == a.AgencyID
	self := t.UserID != "" && t.UserID == a.UserID
	agencyAdmin := a.Role == haven.RoleAgencyAdmin && own

	switch action {
	case ListAgencies, ReadAgency:
		// Every signed-in user may see which agencies take part (names and
		// kinds, nothing about people): referrals and consent name them.
		return allow("agencies are public to staff")
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
