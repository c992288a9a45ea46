package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/auth"
)

var _ haven.AuthService = (*DB)(nil)

// dummyHash is checked against when a username does not exist, so that a
// wrong username takes as long as a wrong password. Made on first use, with
// the configured cost.
func (db *DB) dummyHash() string {
	db.dummyOnce.Do(func() { db.dummy, _ = auth.HashPassword("not-a-real-password", db.cfg.PasswordParams) })
	return db.dummy
}

var errBadLogin = haven.Errorf(haven.EUNAUTHORIZED, "The username or password is not right.")

// touchEvery bounds how often a session's or token's last-use time is written.
const touchEvery = time.Minute

// Login checks credentials with rate limiting by client address and lockout
// by account name (applied to unknown names too, so that the answers reveal
// nothing about which accounts exist). The password hash is computed outside
// any transaction, so a slow hash never holds the write lock.
func (db *DB) Login(ctx context.Context, username, password, clientIP string) (string, *haven.Session, error) {
	username = NormalizeUsername(username)
	if username == "" || password == "" {
		return "", nil, haven.Errorf(haven.EINVALID, "enter your username and password")
	}
	if len(username) > 200 || len(password) > 1024 {
		return "", nil, errBadLogin
	}
	now := db.now()
	var (
		userID, agencyID, hash string
		disabled               nullTime
		limited                error
	)
	err := db.inTx(ctx, false, func(t *tx) error {
		var ipFails, nameFails int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM login_attempts WHERE client_ip = ? AND success = FALSE AND at > ?`,
			clientIP, now.Add(-time.Minute)).Scan(&ipFails); err != nil {
			return err
		}
		if ipFails >= db.cfg.LoginIPLimit {
			limited = haven.Errorf(haven.ERATELIMIT, "too many sign-in attempts from your network; wait a minute and try again")
			return nil
		}
		since := now.Add(-db.cfg.LockoutWindow)
		var lastOK nullTime
		if err := t.queryRow(ctx, `SELECT MAX(at) FROM login_attempts WHERE username = ? AND success = TRUE`, username).Scan(&lastOK); err != nil {
			return err
		}
		if lastOK.Valid && lastOK.Time.After(since) {
			since = lastOK.Time
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM login_attempts WHERE username = ? AND success = FALSE AND at > ?`,
			username, since).Scan(&nameFails); err != nil {
			return err
		}
		if nameFails >= db.cfg.LoginMaxFailures {
			limited = haven.Errorf(haven.ERATELIMIT, "this account is locked after %d failed sign-ins; try again in %s or ask an administrator to reset the password",
				db.cfg.LoginMaxFailures, db.cfg.LockoutWindow)
			return nil
		}
		err := t.queryRow(ctx, `SELECT id, agency_id, password_hash, disabled_at FROM users WHERE username = ?`, username).Scan(&userID, &agencyID, &hash, &disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if limited != nil {
		return "", nil, limited
	}
	ok := false
	if userID == "" {
		_, _ = auth.CheckPassword(db.dummyHash(), password)
	} else if ok, err = auth.CheckPassword(hash, password); err != nil {
		db.cfg.Logger.Error("stored password hash unreadable", "user_id", userID, "err", err)
		ok = false
	}
	success := ok && !disabled.Valid
	var token string
	var sess *haven.Session
	err = db.inTx(ctx, true, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO login_attempts (id, username, client_ip, success, at) VALUES (?, ?, ?, ?, ?)`,
			newID(), username, clientIP, success, now); err != nil {
			return err
		}
		// The log names the account only when it exists: a mistyped
		// password in the username box must not be kept.
		e := auditEntry(ctx, "login", audit.Allowed, "user", userID, agencyID, "", nil)
		e.ActorUserID, e.ActorAgencyID, e.Via, e.ClientIP = userID, agencyID, "session", clientIP
		if userID != "" {
			e.ActorName = username
		}
		if !success {
			e.Action, e.Outcome = "login.failed", audit.Failed
		}
		if err := db.appendAudit(ctx, t, e); err != nil {
			return err
		}
		if !success {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, now, userID); err != nil {
			return err
		}
		token = auth.NewSecret("")
		sess = &haven.Session{ID: auth.HashSecret(token), UserID: userID, CSRFToken: auth.NewSecret(""),
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(db.cfg.SessionMax)}
		_, err := t.exec(ctx, `INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, sess.ID, sess.UserID, sess.CSRFToken, now, now, sess.ExpiresAt)
		return err
	})
	switch {
	case err != nil:
		return "", nil, err
	case ok && disabled.Valid:
		return "", nil, haven.Errorf(haven.EUNAUTHORIZED, "this account is disabled; ask your agency's administrator")
	case !success:
		return "", nil, errBadLogin
	}
	return token, sess, nil
}

func actorOf(u *haven.User, via string, mfa bool) haven.Actor {
	return haven.Actor{UserID: u.ID, Username: u.Username, AgencyID: u.AgencyID, AgencySlug: u.Agency.Slug, Role: u.Role, Via: via,
		MFA: mfa, MFAEnrolled: u.MFAEnrolled, MFARequired: u.Agency.RequireMFA && access.PersonDataRole(u.Role)}
}

var errNoSession = haven.Errorf(haven.EUNAUTHORIZED, "your session has ended; sign in again")

// SessionActor resolves a session token, enforcing the idle and absolute
// timeouts, revocation and account disabling.
func (db *DB) SessionActor(ctx context.Context, token string) (haven.Actor, *haven.Session, error) {
	if token == "" || len(token) > 200 {
		return haven.Actor{}, nil, errNoSession
	}
	now := db.now()
	id := auth.HashSecret(token)
	var s haven.Session
	var revoked, created, seen, expires, mfa nullTime
	// One statement: the session, its user and the user's agency.
	row := db.readRow(ctx, `SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, s.mfa_at, `+userCols+
		userFrom+`JOIN sessions s ON s.user_id = u.id WHERE s.id = ?`, id)
	u, err := scanUser(scanPrefix{row, []any{&s.CSRFToken, &created, &seen, &expires, &revoked, &mfa}})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return haven.Actor{}, nil, errNoSession
	case err != nil:
		return haven.Actor{}, nil, dbErr(err)
	case revoked.Valid, !now.Before(expires.Time), now.Sub(seen.Time) >= db.cfg.SessionIdle, u.Disabled:
		return haven.Actor{}, nil, errNoSession
	}
	s.UserID = u.ID
	s.ID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = id, created.Time, seen.Time, expires.Time
	if now.Sub(seen.Time) >= touchEvery {
		s.LastSeenAt = now
		if err := db.inTx(ctx, true, func(t *tx) error {
			_, err := t.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, now, id)
			return err
		}); err != nil {
			return haven.Actor{}, nil, err
		}
	}
	return actorOf(u, "session", mfa.Valid), &s, nil
}

// Logout revokes the session; a token that names no session is not an error.
func (db *DB) Logout(ctx context.Context, token string) error {
	return db.inTx(ctx, true, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, db.now(), auth.HashSecret(token))
		return err
	})
}

func revokeUserSessions(ctx context.Context, t *tx, userID string, now time.Time) error {
	_, err := t.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, userID)
	return err
}

func clearFailedLogins(ctx context.Context, t *tx, username string) error {
	_, err := t.exec(ctx, `DELETE FROM login_attempts WHERE username = ? AND success = FALSE`, username)
	return err
}

const tokenPrefix = "hvn_"

var errBadToken = haven.Errorf(haven.EUNAUTHORIZED, "the API token is not valid, has expired or was revoked")

// TokenActor resolves an API bearer token.
func (db *DB) TokenActor(ctx context.Context, bearer string) (haven.Actor, error) {
	if !strings.HasPrefix(bearer, tokenPrefix) || len(bearer) > 200 {
		return haven.Actor{}, errBadToken
	}
	now := db.now()
	var tok haven.APIToken
	var expires, revoked, used nullTime
	var mfa bool
	row := db.readRow(ctx, `SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, t.mfa, `+userCols+
		userFrom+`JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = ?`, auth.HashSecret(bearer))
	u, err := scanUser(scanPrefix{row, []any{&tok.ID, &expires, &revoked, &used, &mfa}})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return haven.Actor{}, errBadToken
	case err != nil:
		return haven.Actor{}, dbErr(err)
	}
	tok.ExpiresAt, tok.RevokedAt, tok.LastUsedAt = expires.ptr(), revoked.ptr(), used.ptr()
	if !tok.Active(now) || u.Disabled {
		return haven.Actor{}, errBadToken
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= touchEvery {
		if err := db.inTx(ctx, true, func(t *tx) error {
			_, err := t.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, tok.ID)
			return err
		}); err != nil {
			return haven.Actor{}, err
		}
	}
	return actorOf(u, "token", mfa), nil
}

// CreateToken issues a bearer token for userID. The plaintext is returned
// once and only its hash is kept.
func (db *DB) CreateToken(ctx context.Context, userID, name string, expiresAt *time.Time) (string, *haven.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	if len(name) > 100 {
		return "", nil, haven.FieldErrorf(haven.EINVALID, "name", "token name must be at most 100 characters")
	}
	now := db.now()
	if expiresAt != nil && !expiresAt.After(now) {
		return "", nil, haven.FieldErrorf(haven.EINVALID, "expires_at", "expiry must be in the future")
	}
	actor := haven.ActorFromContext(ctx)
	secret := auth.NewSecret(tokenPrefix)
	tok := &haven.APIToken{ID: newID(), UserID: userID, Name: name, Prefix: secret[:len(tokenPrefix)+6], CreatedAt: now, ExpiresAt: expiresAt}
	err := db.modifyUser(ctx, userID, access.CreateToken, func(t *tx, u *haven.User) error {
		if u.Disabled {
			return haven.FieldErrorf(haven.EINVALID, "user", "the account is disabled")
		}
		// A token records whether it was made from a session completed with
		// a second factor.
		mfa := actor.Via == "session" && actor.MFA
		if _, err := t.exec(ctx, `INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, expires_at, mfa)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tok.ID, userID, name, tok.Prefix, auth.HashSecret(secret), now, expiresAt, mfa); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.CreateToken), "allowed", "api_token", tok.ID, u.AgencyID, "",
			map[string]string{"user_id": u.ID, "mfa": fmt.Sprint(mfa)}))
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// FindTokens lists a user's tokens (never their secrets).
func (db *DB) FindTokens(ctx context.Context, userID string) ([]*haven.APIToken, error) {
	var out []*haven.APIToken
	err := db.withUser(ctx, userID, access.ListTokens, false, func(t *tx, u *haven.User) (err error) {
		out, err = queryAll(ctx, t, scanToken, `SELECT id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at
			FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC`, userID)
		return err
	})
	return out, err
}

func scanToken(s interface{ Scan(...any) error }) (*haven.APIToken, error) {
	var tok haven.APIToken
	var created, expires, revoked, used nullTime
	if err := s.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Prefix, &created, &expires, &revoked, &used); err != nil {
		return nil, err
	}
	tok.CreatedAt, tok.ExpiresAt, tok.RevokedAt, tok.LastUsedAt = created.Time, expires.ptr(), revoked.ptr(), used.ptr()
	return &tok, nil
}

// RevokeToken ends a token at once.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	var owner string
	err := db.inTx(ctx, false, func(t *tx) error {
		return t.queryRow(ctx, `SELECT user_id FROM api_tokens WHERE id = ?`, id).Scan(&owner)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return haven.Errorf(haven.ENOTFOUND, "token not found")
	} else if err != nil {
		return err
	}
	return db.modifyUser(ctx, owner, access.RevokeToken, func(t *tx, u *haven.User) error {
		if _, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, db.now(), id); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.RevokeToken), "allowed", "api_token", id, u.AgencyID, "",
			map[string]string{"user_id": u.ID}))
	})
}

// Prune deletes login attempts older than a day, sessions that ended more
// than a day ago, and evidence uploads a crash left unfinished. It is safe
// to run from several processes.
func (db *DB) Prune(ctx context.Context) (int64, error) {
	cutoff := db.now().Add(-24 * time.Hour)
	var n int64
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, q := range []string{
			`DELETE FROM login_attempts WHERE at < ?`,
			`DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?`,
		} {
			args := []any{cutoff}
			if strings.Count(q, "?") == 2 {
				args = append(args, cutoff)
			}
			res, err := t.exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	k, err := db.PruneEvidenceUploads(ctx)
	return n + int64(k), err
}

// scanPrefix scans leading columns into prefix and hands the rest on, so a
// joined row can reuse scanUser.
type scanPrefix struct {
	row    interface{ Scan(...any) error }
	prefix []any
}

func (p scanPrefix) Scan(dest ...any) error { return p.row.Scan(append(p.prefix, dest...)...) }
