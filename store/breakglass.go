package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

var _ haven.BreakGlassService = (*DB)(nil)

// breakGlassTypes are the records that can be opened in an emergency.
var breakGlassTypes = map[string]bool{"person": true}

// OpenBreakGlass lets the actor reach one record outside their normal
// access for Config.BreakGlassTTL, on a stated reason. It does not say
// whether the record exists: the opening is granted and logged either way,
// and the read that follows answers as for any record.
func (db *DB) OpenBreakGlass(ctx context.Context, recordType, recordID, reason string) (*haven.BreakGlass, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.BreakGlassOpen, access.Target{AgencyID: actor.AgencyID}); err != nil {
		return nil, err
	}
	if actor.UserID == "" {
		return nil, haven.Errorf(haven.EFORBIDDEN, "emergency access is for people, not processes")
	}
	reason = strings.TrimSpace(reason)
	switch {
	case !breakGlassTypes[recordType]:
		return nil, haven.FieldErrorf(haven.EINVALID, "record_type", "record_type must be person")
	case strings.TrimSpace(recordID) == "" || len(recordID) > 100:
		return nil, haven.FieldErrorf(haven.EINVALID, "record_id", "record_id is required")
	case utf8.RuneCountInString(reason) < 15:
		return nil, haven.FieldErrorf(haven.EINVALID, "reason", "state the emergency in at least 15 characters; your supervisor will review it")
	case len(reason) > 1000 || !utf8.ValidString(reason):
		return nil, haven.FieldErrorf(haven.EINVALID, "reason", "the reason must be text of at most 1000 characters")
	}
	now := db.now()
	bg := &haven.BreakGlass{ID: newID(), UserID: actor.UserID, Username: actor.Username, AgencyID: actor.AgencyID,
		RecordType: recordType, RecordID: recordID, Reason: reason, OpenedAt: now, ExpiresAt: now.Add(db.cfg.BreakGlassTTL)}
	err := db.inTx(ctx, true, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO break_glass (id, user_id, agency_id, record_type, record_id, reason, opened_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, bg.ID, bg.UserID, bg.AgencyID, recordType, recordID, reason, now, bg.ExpiresAt); err != nil {
			return err
		}
		e := auditEntry(ctx, "breakglass.open", audit.Allowed, recordType, recordID, "", "break_glass:"+bg.ID,
			map[string]string{"expires_at": bg.ExpiresAt.Format("2006-01-02T15:04:05Z"), "break_glass": "true"})
		e.Reason = reason
		return db.appendAudit(ctx, t, e)
	})
	if err != nil {
		return nil, err
	}
	return bg, nil
}

const breakGlassCols = `b.id, b.user_id, u.username, b.agency_id, b.record_type, b.record_id, b.reason, b.opened_at, b.expires_at,
	COALESCE(b.reviewed_by, ''), b.reviewed_at, b.review_note`

func scanBreakGlass(s interface{ Scan(...any) error }) (*haven.BreakGlass, error) {
	var b haven.BreakGlass
	var opened, expires, reviewed nullTime
	if err := s.Scan(&b.ID, &b.UserID, &b.Username, &b.AgencyID, &b.RecordType, &b.RecordID, &b.Reason, &opened, &expires,
		&b.ReviewedBy, &reviewed, &b.ReviewNote); err != nil {
		return nil, err
	}
	b.OpenedAt, b.ExpiresAt, b.ReviewedAt = opened.Time, expires.Time, reviewed.ptr()
	return &b, nil
}

// PendingBreakGlass lists the unreviewed emergency openings by users of the
// actor's agency, oldest first, for its supervisors.
func (db *DB) PendingBreakGlass(ctx context.Context) ([]*haven.BreakGlass, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.BreakGlassReview, access.Target{AgencyID: actor.AgencyID}); err != nil {
		return nil, err
	}
	var out []*haven.BreakGlass
	err := db.inTx(ctx, false, func(t *tx) (err error) {
		out, err = queryAll(ctx, t, scanBreakGlass, `SELECT `+breakGlassCols+` FROM break_glass b JOIN users u ON u.id = b.user_id
			WHERE b.agency_id = ? AND b.reviewed_at IS NULL ORDER BY b.opened_at`, actor.AgencyID)
		return err
	})
	return out, err
}

// ReviewBreakGlass marks an opening reviewed, with the supervisor's note.
func (db *DB) ReviewBreakGlass(ctx context.Context, id, note string) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	note = strings.TrimSpace(note)
	if len(note) > 1000 || !utf8.ValidString(note) {
		return haven.FieldErrorf(haven.EINVALID, "note", "the note must be text of at most 1000 characters")
	}
	return db.inTx(ctx, true, func(t *tx) error {
		b, err := scanBreakGlass(t.queryRow(ctx, `SELECT `+breakGlassCols+` FROM break_glass b JOIN users u ON u.id = b.user_id WHERE b.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return haven.Errorf(haven.ENOTFOUND, "emergency access record not found")
		} else if err != nil {
			return err
		}
		if !access.Decide(actor, access.BreakGlassReview, access.Target{AgencyID: b.AgencyID}).Allow {
			return haven.Errorf(haven.ENOTFOUND, "emergency access record not found")
		}
		if b.ReviewedAt != nil {
			return haven.Errorf(haven.ECONFLICT, "already reviewed")
		}
		if b.UserID == actor.UserID {
			return haven.Errorf(haven.EFORBIDDEN, "another supervisor must review your own emergency access")
		}
		if _, err := t.exec(ctx, `UPDATE break_glass SET reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?`,
			actor.UserID, db.now(), note, id); err != nil {
			return err
		}
		e := auditEntry(ctx, "breakglass.review", audit.Allowed, "break_glass", id, b.AgencyID, "", nil)
		e.Reason = note
		return db.appendAudit(ctx, t, e)
	})
}
