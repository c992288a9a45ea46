package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/auth"
)

var _ haven.UserService = (*DB)(nil)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}[a-z0-9]$|^[a-z0-9]$`)

// NormalizeUsername is how usernames are compared: trimmed and lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateUser(u *haven.User) error {
	u.Username = NormalizeUsername(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	switch {
	case !usernameRE.MatchString(u.Username):
		return haven.FieldErrorf(haven.EINVALID, "username", "username must be 1–64 lowercase letters, digits, dots, hyphens or underscores")
	case len(u.DisplayName) > 200:
		return haven.FieldErrorf(haven.EINVALID, "display_name", "display name must be at most 200 characters")
	case !u.Role.Valid():
		return haven.FieldErrorf(haven.EINVALID, "role", "role must be one of officer, supervisor, advocate, shelter_staff, analyst, trainer, agency_admin, system_admin")
	case u.AgencyID == "":
		return haven.FieldErrorf(haven.EINVALID, "agency", "agency is required")
	}
	return nil
}

// CreateUser stores a new user with an argon2id hash of password.
func (db *DB) CreateUser(ctx context.Context, u *haven.User, password string) error {
	actor := haven.ActorFromContext(ctx)
	if err := validateUser(u); err != nil {
		return err
	}
	if err := auth.ValidatePassword(password); err != nil {
		return haven.FieldErrorf(haven.EINVALID, "password", "%s", err.Error())
	}
	if err := access.Require(actor, access.CreateUser, access.Target{AgencyID: u.AgencyID, Role: u.Role}); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password, db.cfg.PasswordParams)
	if err != nil {
		return haven.Internal(err)
	}
	return db.inTx(ctx, true, func(t *tx) error {
		ag, err := agencyWhere(ctx, t, `a.id = ?`, u.AgencyID)
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			return haven.FieldErrorf(haven.EINVALID, "agency", "no such agency")
		} else if err != nil {
			return err
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return haven.FieldErrorf(haven.ECONFLICT, "username", "the username %q is taken", u.Username)
		}
		now := db.now()
		u.ID, u.CreatedAt, u.UpdatedAt, u.Agency = newID(), now, now, ag
		if _, err = t.exec(ctx, `INSERT INTO users (id, agency_id, username, display_name, role, password_hash,
			must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.AgencyID, u.Username, u.DisplayName, string(u.Role), hash, u.MustChangePassword, now, now); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.CreateUser), "allowed", "user", u.ID, u.AgencyID, "",
			map[string]string{"role": string(u.Role)}))
	})
}

const userCols = `u.id, u.agency_id, u.username, u.display_name, u.role, u.must_change_password, u.totp_enabled_at,
	u.disabled_at, u.last_login_at, u.created_at, u.updated_at, ` + agencyCols

const userFrom = ` FROM users u JOIN agencies a ON a.id = u.agency_id `

func scanUser(s interface{ Scan(...any) error }) (*haven.User, error) {
	var u haven.User
	var a haven.Agency
	var totp, disabled, lastLogin, created, updated, aCreated, aUpdated nullTime
	err := s.Scan(append([]any{&u.ID, &u.AgencyID, &u.Username, &u.DisplayName, &u.Role, &u.MustChangePassword, &totp,
		&disabled, &lastLogin, &created, &updated}, agencyDest(&a, &aCreated, &aUpdated)...)...)
	if err != nil {
		return nil, err
	}
	u.Disabled, u.LastLoginAt, u.MFAEnrolled = disabled.Valid, lastLogin.ptr(), totp.Valid
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	a.CreatedAt, a.UpdatedAt = aCreated.Time, aUpdated.Time
	u.Agency = &a
	return &u, nil
}

func userWhere(ctx context.Context, t *tx, where string, args ...any) (*haven.User, error) {
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userCols+userFrom+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, haven.Errorf(haven.ENOTFOUND, "user not found")
	}
	return u, err
}

// FindUsers lists users the actor may see: everyone for a system
// administrator, their own agency's users for agency admins and supervisors.
func (db *DB) FindUsers(ctx context.Context, f haven.UserFilter) ([]*haven.User, error) {
	actor := haven.ActorFromContext(ctx)
	if actor.Role != haven.RoleSystemAdmin {
		f.AgencyID = actor.AgencyID // scope in SQL as well as in the policy
	}
	if err := access.Require(actor, access.ListUsers, access.Target{AgencyID: f.AgencyID}); err != nil {
		return nil, err
	}
	q := `SELECT ` + userCols + userFrom + `WHERE 1=1`
	var args []any
	if f.AgencyID != "" {
		q += ` AND u.agency_id = ?`
		args = append(args, f.AgencyID)
	}
	if f.Role != "" {
		q += ` AND u.role = ?`
		args = append(args, string(f.Role))
	}
	q += ` ORDER BY a.name, u.username`
	var out []*haven.User
	err := db.inTx(ctx, false, func(t *tx) (err error) {
		out, err = queryAll(ctx, t, scanUser, q, args...)
		return err
	})
	return out, err
}

// UserByID returns a user the actor may see; others are "not found".
func (db *DB) UserByID(ctx context.Context, id string) (*haven.User, error) {
	return db.readUser(ctx, `u.id = ?`, id)
}

// UserByUsername returns a user the actor may see; others are "not found".
func (db *DB) UserByUsername(ctx context.Context, username string) (*haven.User, error) {
	return db.readUser(ctx, `u.username = ?`, NormalizeUsername(username))
}

func (db *DB) readUser(ctx context.Context, where string, arg any) (*haven.User, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	var u *haven.User
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		if u, err = userWhere(ctx, t, where, arg); err != nil {
			return err
		}
		if !access.Decide(actor, access.ReadUser, access.Target{AgencyID: u.AgencyID, UserID: u.ID}).Allow {
			return haven.Errorf(haven.ENOTFOUND, "user not found")
		}
		return nil
	})
	return u, err
}

// modifyUser loads a user, asks the policy, and runs fn in one transaction.
func (db *DB) modifyUser(ctx context.Context, id string, action access.Action, fn func(t *tx, u *haven.User) error) error {
	return db.withUser(ctx, id, action, true, fn)
}

// withUser is modifyUser for reads too: a read-only action runs in a read
// transaction, so it never waits for or holds SQLite's one writer.
func (db *DB) withUser(ctx context.Context, id string, action access.Action, writable bool, fn func(t *tx, u *haven.User) error) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	return db.inTx(ctx, writable, func(t *tx) error {
		u, err := userWhere(ctx, t, `u.id = ?`, id)
		if err != nil {
			return err
		}
		target := access.Target{AgencyID: u.AgencyID, UserID: u.ID, Role: u.Role}
		if !access.Decide(actor, access.ReadUser, target).Allow {
			return haven.Errorf(haven.ENOTFOUND, "user not found")
		}
		if err := access.Require(actor, action, target); err != nil {
			return err
		}
		return fn(t, u)
	})
}

// SetUserDisabled disables or re-enables an account. Disabling ends the
// user's sessions and API tokens at once.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return db.modifyUser(ctx, id, access.DisableUser, func(t *tx, u *haven.User) error {
		now := db.now()
		var at *nullTime
		if disabled {
			at = &nullTime{Time: now, Valid: true}
			if err := revokeUserSessions(ctx, t, u.ID, now); err != nil {
				return err
			}
		} else {
			at = &nullTime{}
			if err := clearFailedLogins(ctx, t, u.Username); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, at.ptr(), now, u.ID); err != nil {
			return err
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, action, "allowed", "user", u.ID, u.AgencyID, "", nil))
	})
}

// ResetPassword sets a new password that must be changed at the next login,
// and ends the user's sessions.
func (db *DB) ResetPassword(ctx context.Context, id, password string) error {
	if err := auth.ValidatePassword(password); err != nil {
		return haven.FieldErrorf(haven.EINVALID, "password", "%s", err.Error())
	}
	hash, err := auth.HashPassword(password, db.cfg.PasswordParams)
	if err != nil {
		return haven.Internal(err)
	}
	return db.modifyUser(ctx, id, access.ResetPassword, func(t *tx, u *haven.User) error {
		now := db.now()
		if err := revokeUserSessions(ctx, t, u.ID, now); err != nil {
			return err
		}
		// A reset is how an administrator lifts a lockout, as its message says.
		if err := clearFailedLogins(ctx, t, u.Username); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = TRUE, updated_at = ? WHERE id = ?`,
			hash, now, u.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.ResetPassword), "allowed", "user", u.ID, u.AgencyID, "", nil))
	})
}

// ChangePassword changes the actor's own password after checking the current one.
func (db *DB) ChangePassword(ctx context.Context, current, next string) error {
	actor := haven.ActorFromContext(ctx)
	if actor.UserID == "" {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if err := auth.ValidatePassword(next); err != nil {
		return haven.FieldErrorf(haven.EINVALID, "new_password", "%s", err.Error())
	}
	if current == next {
		return haven.FieldErrorf(haven.EINVALID, "new_password", "the new password must differ from the current one")
	}
	hash, err := auth.HashPassword(next, db.cfg.PasswordParams)
	if err != nil {
		return haven.Internal(err)
	}
	return db.inTx(ctx, true, func(t *tx) error {
		var stored string
		if err := t.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, actor.UserID).Scan(&stored); err != nil {
			return err
		}
		if ok, err := auth.CheckPassword(stored, current); err != nil || !ok {
			return haven.FieldErrorf(haven.EINVALID, "current_password", "the current password is not right")
		}
		if _, err := t.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, updated_at = ? WHERE id = ?`,
			hash, db.now(), actor.UserID); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, "user.change_password", "allowed", "user", actor.UserID, actor.AgencyID, "", nil))
	})
}
