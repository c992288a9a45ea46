package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// The review workflow: draft → submitted → approved or returned (with a
// comment) → … → closed. Each transition is one transaction that moves the
// status, bumps the version, writes a history entry and an audit entry.

// SubmitIncident sends a draft or returned report for review. Its author
// or a supervisor of the agency may submit it.
func (db *DB) SubmitIncident(ctx context.Context, id string) error {
	return db.transition(ctx, id, access.IncidentSubmit, haven.StatusSubmitted, "submitted", nil, func(s haven.IncidentStatus) error {
		if !incidentEditable(s) {
			return incidentConflict("the report is %s: only a draft or a returned report can be submitted", s)
		}
		return nil
	})
}

// ReviewIncident approves or returns a submitted report (a supervisor of
// the agency other than its author). Returning needs a comment saying what
// to change; the comment is sealed with the report and in its history.
func (db *DB) ReviewIncident(ctx context.Context, id string, approve bool, comment string) error {
	comment = strings.TrimSpace(comment)
	if !approve && comment == "" {
		return incidentInvalid("comment", "say what needs to change when returning a report")
	}
	if err := checkText("comment", comment, incidentCommentText); err != nil {
		return err
	}
	to, name := haven.StatusApproved, "approved"
	if !approve {
		to, name = haven.StatusReturned, "returned"
	}
	return db.transition(ctx, id, access.IncidentReview, to, name, &comment, func(s haven.IncidentStatus) error {
		if s != haven.StatusSubmitted {
			return incidentConflict("the report is %s: only a submitted report can be reviewed", s)
		}
		return nil
	})
}

// CloseIncident closes an approved report (supervisors).
func (db *DB) CloseIncident(ctx context.Context, id string) error {
	return db.transition(ctx, id, access.IncidentClose, haven.StatusClosed, "closed", nil, func(s haven.IncidentStatus) error {
		if s != haven.StatusApproved {
			return incidentConflict("the report is %s: only an approved report can be closed", s)
		}
		return nil
	})
}

// transition moves a report to status to. comment, when not nil, is the
// review comment: it replaces the report's (sealed) review comment and is
// sealed into the history entry.
func (db *DB) transition(ctx context.Context, id string, action access.Action, to haven.IncidentStatus, change string,
	comment *string, from func(haven.IncidentStatus) error) error {
	actor := haven.ActorFromContext(ctx)
	return db.withIncident(ctx, id, action, func(t *tx, r *incidentRow, d access.Decision) error {
		if err := from(r.in.Status); err != nil {
			return err
		}
		now := utcMicro(db.now())
		sets := `status = ?, version = version + 1, updated_at = ?`
		args := []any{string(to), now}
		if to == haven.StatusSubmitted {
			sets += `, submitted_at = ?`
			args = append(args, now)
		}
		ch := changeInsert{id: newID(), incidentID: id, at: now, by: actorLabel(actor), action: change}
		if comment != nil {
			plain, err := db.open(ctx, r.sealed, incidentAAD(id))
			if err != nil {
				return err
			}
			var s incidentSecret
			if err := json.Unmarshal(plain, &s); err != nil {
				return haven.Internal(fmt.Errorf("incident %s: %w", id, err))
			}
			s.ReviewComment = *comment
			if plain, err = json.Marshal(s); err != nil {
				return err
			}
			sealed, keyID, err := db.seal(ctx, plain, incidentAAD(id))
			if err != nil {
				return err
			}
			sets += `, sealed = ?, key_id = ?`
			args = append(args, sealed, keyID)
			if *comment != "" {
				if ch.comment, ch.commentKey, err = db.seal(ctx, []byte(*comment), changeCommentAAD(ch.id)); err != nil {
					return err
				}
			}
		}
		args = append(args, id)
		if _, err := t.exec(ctx, `UPDATE incidents SET `+sets+` WHERE id = ?`, args...); err != nil {
			return err
		}
		if err := insertChanges(ctx, t, []changeInsert{ch}); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(action), audit.Allowed, "incident", id, r.in.AgencyID, basisLabel(d),
			map[string]string{"from": string(r.in.Status), "to": string(to)}))
	})
}

// AddSupplement adds sealed text to a report that has been submitted (in
// any later status): the report itself is not silently edited.
func (db *DB) AddSupplement(ctx context.Context, id, text string) (*haven.Supplement, error) {
	actor := haven.ActorFromContext(ctx)
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, incidentInvalid("text", "the supplement is empty")
	}
	if err := checkText("text", text, incidentLongText); err != nil {
		return nil, err
	}
	var out *haven.Supplement
	err := db.withIncident(ctx, id, access.IncidentSupplement, func(t *tx, r *incidentRow, d access.Decision) error {
		if r.in.Status == haven.StatusDraft {
			return incidentConflict("the report is a draft: edit it directly; supplements are for submitted reports")
		}
		now := utcMicro(db.now())
		s := &haven.Supplement{ID: newID(), By: actorLabel(actor), At: now, Text: text}
		sealed, keyID, err := db.seal(ctx, []byte(text), supplementAAD(s.ID))
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO incident_supplements (id, incident_id, created_by, created_at, text, key_id) VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, id, s.By, now, sealed, keyID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE incidents SET updated_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		if err := insertChanges(ctx, t, []changeInsert{{incidentID: id, at: now, by: s.By, action: "supplement"}}); err != nil {
			return err
		}
		out = s
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.IncidentSupplement), audit.Allowed, "incident", id, r.in.AgencyID,
			basisLabel(d), map[string]string{"supplement_id": s.ID}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readPart reads part of one report (its supplements, history or protocol)
// for a caller allowed to read the report, and audits the read as
// incident.read with the part named. Refusals are answered as by Incident.
func (db *DB) readPart(ctx context.Context, id, part string, fn func(t *tx, r *incidentRow) error) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	r, err := loadIncidentRow(ctx, db.readRow, db.dialect, id, false)
	if err != nil {
		return dbErr(err)
	}
	if r == nil {
		return db.refuseIncident(ctx, access.IncidentRead, id, nil, "no such record")
	}
	d := access.Decide(actor, access.IncidentRead, access.Target{AgencyID: r.in.AgencyID, UserID: r.in.CreatedBy, Now: db.now()})
	if !d.Allow {
		return db.refuseIncident(ctx, access.IncidentRead, id, r, d.Reason)
	}
	if err := db.inTx(ctx, false, func(t *tx) error { return fn(t, r) }); err != nil {
		return err
	}
	return db.auditNow(ctx, auditEntry(ctx, string(access.IncidentRead), audit.Allowed, "incident", id, r.in.AgencyID, basisLabel(d),
		map[string]string{"part": part}))
}

// Supplements lists a report's supplements, oldest first.
func (db *DB) Supplements(ctx context.Context, id string) ([]haven.Supplement, error) {
	out := []haven.Supplement{}
	err := db.readPart(ctx, id, "supplements", func(t *tx, r *incidentRow) error {
		type row struct {
			s      haven.Supplement
			sealed []byte
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			var at nullTime
			err := s.Scan(&r.s.ID, &r.s.By, &at, &r.sealed)
			r.s.At = at.Time
			return r, err
		}, `SELECT id, created_by, created_at, text FROM incident_supplements WHERE incident_id = ? ORDER BY created_at, id`, id)
		if err != nil {
			return err
		}
		for _, r := range rows {
			plain, err := db.open(ctx, r.sealed, supplementAAD(r.s.ID))
			if err != nil {
				return err
			}
			r.s.Text = string(plain)
			out = append(out, r.s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IncidentHistory lists who changed what in a report, oldest first.
func (db *DB) IncidentHistory(ctx context.Context, id string) ([]haven.IncidentChange, error) {
	out := []haven.IncidentChange{}
	err := db.readPart(ctx, id, "history", func(t *tx, r *incidentRow) error {
		type row struct {
			id      string
			c       haven.IncidentChange
			fields  string
			comment []byte
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			var at nullTime
			err := s.Scan(&r.id, &at, &r.c.By, &r.c.Action, &r.fields, &r.comment)
			r.c.At = at.Time
			return r, err
		}, `SELECT id, at, changed_by, action, fields, comment FROM incident_changes WHERE incident_id = ? ORDER BY at, id`, id)
		if err != nil {
			return err
		}
		// An import stores no history row per record (one audit entry per
		// batch records it); its "imported" entry is the record's own
		// creation. Records imported before that change have a stored one.
		if r.in.Source != "" && (len(rows) == 0 || rows[0].c.Action != "imported") {
			out = append(out, haven.IncidentChange{At: r.in.CreatedAt, By: r.in.CreatedBy, Action: "imported"})
		}
		for _, r := range rows {
			if err := json.Unmarshal([]byte(r.fields), &r.c.Fields); err != nil {
				return haven.Internal(fmt.Errorf("incident change %s: %w", r.id, err))
			}
			if len(r.c.Fields) == 0 {
				r.c.Fields = nil
			}
			if r.comment != nil {
				plain, err := db.open(ctx, r.comment, changeCommentAAD(r.id))
				if err != nil {
					return err
				}
				r.c.Comment = string(plain)
			}
			out = append(out, r.c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// protocolNote is the sealed part of a protocol step.
type protocolNote struct {
	Note   string `json:"n,omitempty"`
	Reason string `json:"r,omitempty"`
}

// protocolRow is one stored step.
type protocolRow struct {
	id, step, state, by string
	sealed              []byte
	at                  nullTime
}

func loadProtocol(ctx context.Context, t *tx, incidentID string) (map[string]protocolRow, error) {
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (protocolRow, error) {
		var r protocolRow
		err := s.Scan(&r.id, &r.step, &r.state, &r.sealed, &r.at, &r.by)
		return r, err
	}, `SELECT id, step, state, sealed, completed_at, completed_by FROM incident_protocol WHERE incident_id = ?`, incidentID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]protocolRow, len(rows))
	for _, r := range rows {
		out[r.step] = r
	}
	return out, nil
}

// Protocol returns the report's immediate-actions protocol in order: every
// step of haven.ProtocolSteps, with what was recorded for it. (Imported
// reports have no stored steps: all show as open.)
func (db *DB) Protocol(ctx context.Context, id string) ([]haven.ProtocolStep, error) {
	var out []haven.ProtocolStep
	err := db.readPart(ctx, id, "protocol", func(t *tx, _ *incidentRow) error {
		stored, err := loadProtocol(ctx, t, id)
		if err != nil {
			return err
		}
		for _, s := range haven.ProtocolSteps {
			step := haven.ProtocolStep{Key: s.Key, Title: s.Title}
			if r, ok := stored[s.Key]; ok && r.state != "open" {
				step.Done, step.Skipped = r.state == "done", r.state == "skipped"
				step.CompletedAt, step.CompletedBy = r.at.ptr(), r.by
				if r.sealed != nil {
					plain, err := db.open(ctx, r.sealed, protocolAAD(r.id))
					if err != nil {
						return err
					}
					var n protocolNote
					if err := json.Unmarshal(plain, &n); err != nil {
						return haven.Internal(fmt.Errorf("protocol step %s: %w", r.id, err))
					}
					step.Note, step.SkipReason = n.Note, n.Reason
				}
			}
			out = append(out, step)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ProtocolCounts counts the protocol steps of the reports named (at most
// 1000) that belong to the caller's agency: done, skipped, and missing
// (every other step of haven.ProtocolSteps). Reports of other agencies, and
// unknown ids, are left out. One read, one audit entry naming the reports.
func (db *DB) ProtocolCounts(ctx context.Context, ids []string) (map[string]haven.ProtocolCount, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if len(ids) > 1000 {
		return nil, haven.FieldErrorf(haven.EINVALID, "ids", "at most 1000 reports at a time")
	}
	d := access.Decide(actor, access.IncidentRead, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.refuseList(ctx, string(access.IncidentRead), actor.AgencyID, d.Reason)
	}
	out := make(map[string]haven.ProtocolCount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{actor.AgencyID}
	for _, id := range ids {
		args = append(args, id)
	}
	type row struct {
		id, state string
		n         int
	}
	err := db.inTx(ctx, false, func(t *tx) error {
		// Reports with no stored step (imported ones) still get a count.
		known, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, `SELECT id FROM incidents WHERE agency_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		for _, id := range known {
			out[id] = haven.ProtocolCount{Missing: len(haven.ProtocolSteps)}
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, s.Scan(&r.id, &r.state, &r.n)
		}, `SELECT p.incident_id, p.state, COUNT(*) FROM incident_protocol p JOIN incidents i ON i.id = p.incident_id
			WHERE i.agency_id = ? AND p.incident_id IN (`+placeholders(len(ids))+`) AND p.state <> 'open' GROUP BY p.incident_id, p.state`, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			c := out[r.id]
			switch r.state {
			case "done":
				c.Done += r.n
			case "skipped":
				c.Skipped += r.n
			}
			c.Missing = len(haven.ProtocolSteps) - c.Done - c.Skipped
			out[r.id] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	shown := make([]string, 0, len(out))
	for id := range out {
		shown = append(shown, id)
	}
	slices.Sort(shown)
	return out, db.auditNow(ctx, auditEntry(ctx, string(access.IncidentRead), audit.Allowed, "incident", "", actor.AgencyID, basisLabel(d),
		map[string]string{"part": "protocol_counts", "shown": strings.Join(shown, ",")}))
}

// CompleteStep records a protocol step as done, or as skipped with a
// reason, with the time and who did it. Steps are completed in order: a step
// can be recorded only when every earlier step is done or skipped. A step
// is recorded once; the protocol belongs to the report while it is a draft
// or returned, like the rest of its content.
func (db *DB) CompleteStep(ctx context.Context, id, key string, skipped bool, reason, note string) error {
	actor := haven.ActorFromContext(ctx)
	key, reason, note = strings.TrimSpace(key), strings.TrimSpace(reason), strings.TrimSpace(note)
	pos := -1
	for i, s := range haven.ProtocolSteps {
		if s.Key == key {
			pos = i
		}
	}
	switch {
	case pos < 0:
		return incidentInvalid("key", "no protocol step is called %q", key)
	case skipped && reason == "":
		return incidentInvalid("reason", "say why the step was skipped")
	case !skipped && reason != "":
		return incidentInvalid("reason", "a reason is given only for a skipped step")
	}
	if err := checkText("reason", reason, 1000); err != nil {
		return err
	}
	if err := checkText("note", note, 2000); err != nil {
		return err
	}
	state := "done"
	if skipped {
		state = "skipped"
	}
	return db.withIncident(ctx, id, access.IncidentUpdate, func(t *tx, r *incidentRow, d access.Decision) error {
		if !incidentEditable(r.in.Status) {
			return incidentConflict("the report is %s: the protocol is recorded while the report is a draft or returned", r.in.Status)
		}
		stored, err := loadProtocol(ctx, t, id)
		if err != nil {
			return err
		}
		for _, s := range haven.ProtocolSteps[:pos] {
			if st := stored[s.Key].state; st != "done" && st != "skipped" {
				return incidentConflict("complete or skip %q (%s) first", s.Title, s.Key)
			}
		}
		row, exists := stored[key]
		if exists && row.state != "open" {
			return incidentConflict("the step %q is already recorded as %s", key, row.state)
		}
		if !exists {
			row.id = newID()
		}
		var sealed []byte
		var keyID any
		if note != "" || reason != "" {
			plain, err := json.Marshal(protocolNote{Note: note, Reason: reason})
			if err != nil {
				return err
			}
			var k string
			if sealed, k, err = db.seal(ctx, plain, protocolAAD(row.id)); err != nil {
				return err
			}
			keyID = k
		}
		now, by := utcMicro(db.now()), actorLabel(actor)
		if exists {
			res, err := t.exec(ctx, `UPDATE incident_protocol SET state = ?, sealed = ?, key_id = ?, completed_at = ?, completed_by = ?
				WHERE id = ? AND state = 'open'`, state, sealed, keyID, now, by, row.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return incidentConflict("the step %q is already recorded", key)
			}
		} else if _, err := t.exec(ctx, `INSERT INTO incident_protocol (id, incident_id, seq, step, state, sealed, key_id, completed_at, completed_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, row.id, id, pos, key, state, sealed, keyID, now, by); err != nil {
			if isUniqueViolation(err) {
				return incidentConflict("the step %q is already recorded", key)
			}
			return err
		}
		if err := insertChanges(ctx, t, []changeInsert{{incidentID: id, at: now, by: by, action: "protocol", fields: []string{key}}}); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, "incident.protocol", audit.Allowed, "incident", id, r.in.AgencyID, basisLabel(d),
			map[string]string{"step": key, "state": state}))
	})
}
