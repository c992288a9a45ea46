package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/totp"
)

var _ haven.MFAService = (*DB)(nil)

// totpIssuer names Haven in authenticator apps.
const totpIssuer = "Haven"

// BeginTOTP makes a new secret for the actor, sealed like personal data,
// pending confirmation. A factor already in use must be reset first.
func (db *DB) BeginTOTP(ctx context.Context) (string, string, error) {
	actor := haven.ActorFromContext(ctx)
	if actor.UserID == "" {
		return "", "", haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	secret := totp.GenerateSecret()
	sealed, _, err := db.seal(ctx, []byte(secret), totpAAD(actor.UserID))
	if err != nil {
		return "", "", haven.Internal(err)
	}
	err = db.inTx(ctx, true, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ? AND totp_enabled_at IS NULL`, sealed, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return haven.Errorf(haven.ECONFLICT, "a second factor is already set up; ask an administrator to reset it to set up a new one")
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return secret, totp.URI(secret, totpIssuer, actor.Username), nil
}

// ConfirmTOTP turns the pending factor on when code matches it.
func (db *DB) ConfirmTOTP(ctx context.Context, sessionID, code string) ([]string, error) {
	actor := haven.ActorFromContext(ctx)
	if actor.UserID == "" {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	var codes []string
	err := db.inTx(ctx, true, func(t *tx) error {
		var sealed []byte
		var enabled nullTime
		err := t.queryRow(ctx, `SELECT totp_secret, totp_enabled_at FROM users WHERE id = ?`, actor.UserID).Scan(&sealed, &enabled)
		if err != nil {
			return err
		}
		if sealed == nil || enabled.Valid {
			return haven.Errorf(haven.ECONFLICT, "there is no second factor waiting to be confirmed; start again")
		}
		secret, err := db.open(ctx, sealed, totpAAD(actor.UserID))
		if err != nil {
			return err
		}
		step, ok := totp.Validate(string(secret), code, db.now(), 0)
		if !ok {
			return haven.FieldErrorf(haven.EINVALID, "code", "that code is not right: enter the 6 digits your app shows now")
		}
		now := db.now()
		if _, err := t.exec(ctx, `UPDATE users SET totp_enabled_at = ?, totp_last_step = ? WHERE id = ?`, now, step, actor.UserID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, actor.UserID); err != nil {
			return err
		}
		codes = totp.NewRecoveryCodes(totp.RecoveryCodeCount)
		for _, c := range codes {
			if _, err := t.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, actor.UserID, totp.HashRecoveryCode(c)); err != nil {
				return err
			}
		}
		if sessionID != "" {
			if _, err := t.exec(ctx, `UPDATE sessions SET mfa_at = ? WHERE id = ? AND user_id = ?`, now, sessionID, actor.UserID); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, "mfa.enrol", audit.Allowed, "user", actor.UserID, actor.AgencyID, "", nil))
	})
	return codes, err
}

// VerifySecondFactor completes a session with a TOTP code or an unused
// recovery code, and returns the session's new token: the password-only
// session is revoked and a new one issued with the factor recorded, so a
// token seen before the second step is worth nothing after it. The new
// session keeps the old one's absolute expiry. Failures count towards the
// account's lockout like wrong passwords.
func (db *DB) VerifySecondFactor(ctx context.Context, sessionToken, code, clientIP string) (string, error) {
	sid := auth.HashSecret(sessionToken)
	now := db.now()
	var userID, username, agencyID string
	var sealed []byte
	var lastStep int64
	var enabled, mfa, revoked, expires nullTime
	err := db.readRow(ctx, `SELECT u.id, u.username, u.agency_id, u.totp_secret, u.totp_last_step, u.totp_enabled_at, s.mfa_at, s.revoked_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, sid).
		Scan(&userID, &username, &agencyID, &sealed, &lastStep, &enabled, &mfa, &revoked, &expires)
	if errors.Is(err, sql.ErrNoRows) || revoked.Valid || (err == nil && !now.Before(expires.Time)) {
		return "", errNoSession
	} else if err != nil {
		return "", dbErr(err)
	}
	if !enabled.Valid {
		return "", haven.Errorf(haven.ECONFLICT, "no second factor is set up for this account")
	}
	if mfa.Valid {
		return sessionToken, nil
	}
	var fails int
	if err := db.readRow(ctx, `SELECT COUNT(*) FROM login_attempts WHERE username = ? AND success = FALSE AND at > ?`,
		username, now.Add(-db.cfg.LockoutWindow)).Scan(&fails); err != nil {
		return "", dbErr(err)
	}
	if fails >= db.cfg.LoginMaxFailures {
		return "", haven.Errorf(haven.ERATELIMIT, "too many wrong codes; try again in %s or ask an administrator", db.cfg.LockoutWindow)
	}
	secret, err := db.open(ctx, sealed, totpAAD(userID))
	if err != nil {
		return "", err
	}
	newToken := auth.NewSecret("")
	step, ok := totp.Validate(string(secret), code, now, lastStep)
	method := "totp"
	err = db.inTx(ctx, true, func(t *tx) error {
		if !ok && len(totp.NormalizeRecoveryCode(code)) == 12 {
			res, err := t.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
				now, userID, totp.HashRecoveryCode(code))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ok, method, step = n == 1, "recovery_code", lastStep
		}
		e := auditEntry(ctx, "login.mfa", audit.Allowed, "user", userID, agencyID, "", map[string]string{"method": method})
		e.ActorUserID, e.ActorName, e.ActorAgencyID, e.Via, e.ClientIP = userID, username, agencyID, "session", clientIP
		if !ok {
			e.Action, e.Outcome = "login.mfa_failed", audit.Failed
			if _, err := t.exec(ctx, `INSERT INTO login_attempts (id, username, client_ip, success, at) VALUES (?, ?, ?, FALSE, ?)`,
				newID(), username, clientIP, now); err != nil {
				return err
			}
			if err := db.appendAudit(ctx, t, e); err != nil {
				return err
			}
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, userID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ?`, now, sid); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, mfa_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, auth.HashSecret(newToken), userID, auth.NewSecret(""), now, now, expires.Time, now); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, e)
	})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", haven.FieldErrorf(haven.EUNAUTHORIZED, "code", "that code is not right")
	}
	return newToken, nil
}

// ResetSecondFactor removes a user's factor and recovery codes and ends
// their sessions; they set up a new one at next sign-in.
func (db *DB) ResetSecondFactor(ctx context.Context, userID string) error {
	return db.modifyUser(ctx, userID, access.ResetPassword, func(t *tx, u *haven.User) error {
		now := db.now()
		if err := revokeUserSessions(ctx, t, u.ID, now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0, updated_at = ? WHERE id = ?`, now, u.ID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, "mfa.reset", audit.Allowed, "user", u.ID, u.AgencyID, "", nil))
	})
}
