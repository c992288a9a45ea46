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
)

// What a result sets in motion after it is recorded: the hotline call of
// a screen-in, the partner advocacy agency's queue, and the high-risk list.

var hotlineOutcomes = map[string]bool{haven.HotlineSpoke: true, haven.HotlineDeclined: true, haven.HotlineUnreachable: true}

// RecordHotline records the call to the hotline after a screen-in: once
// per assessment, and only for a result whose actions include
// hotline_call. The hotline's name and number are taken from the agency's
// settings at the time. A victim who declines to speak with the hotline is
// still offered written information on help (the Lethality Assessment
// Program's protocol: a screened-in victim never leaves with nothing), so
// "declined" always records InformationOffered. The report's
// "hotline_call" protocol step is completed with the outcome while the
// report is a draft or returned, and the partner agency's tasks for the
// assessment show the outcome.
func (db *DB) RecordHotline(ctx context.Context, assessmentID string, h haven.HotlineContact) (*haven.Assessment, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	assessmentID = strings.TrimSpace(assessmentID)
	h.Outcome, h.Note = strings.ToLower(strings.TrimSpace(h.Outcome)), strings.TrimSpace(h.Note)
	if !hotlineOutcomes[h.Outcome] {
		return nil, haven.FieldErrorf(haven.EINVALID, "outcome", "outcome must be spoke, declined or unreachable")
	}
	if err := checkText("note", h.Note, riskNoteText); err != nil {
		return nil, err
	}
	now := utcMicro(db.now())
	if h.At.IsZero() {
		h.At = now
	}
	h.At = utcMicro(h.At)
	if h.At.After(now.Add(incidentClockSkew)) {
		return nil, haven.FieldErrorf(haven.EINVALID, "at", "at cannot be in the future")
	}
	if h.At.Year() < 1900 {
		return nil, haven.FieldErrorf(haven.EINVALID, "at", "at must be after 1900")
	}
	if h.Outcome == haven.HotlineDeclined {
		h.InformationOffered = true
	}
	h.By = actorLabel(actor)
	var out *haven.Assessment
	var refused bool
	var refusedRow *assessmentRow
	var reason string
	err := db.inTx(ctx, true, func(t *tx) error {
		r, err := loadAssessmentRow(ctx, t.queryRow, assessmentID)
		if err != nil {
			return err
		}
		if r == nil {
			refused, reason = true, "no such record"
			return nil
		}
		d := access.Decide(actor, access.HotlineRecord, access.Target{AgencyID: r.a.AgencyID, Now: now})
		if !d.Allow {
			refused, refusedRow, reason = true, r, d.Reason
			return nil
		}
		a, err := db.openAssessment(ctx, r)
		if err != nil {
			return err
		}
		switch {
		case !contains(a.Result.Actions, haven.ActionHotlineCall):
			return haven.Errorf(haven.ECONFLICT, "this result (%s) does not call for a hotline call", a.Result.BandLabel)
		case a.SupersededBy != "":
			return haven.Errorf(haven.ECONFLICT, "this assessment is superseded by %s: record the call on that one", a.SupersededBy)
		}
		var hl haven.Hotline
		if err := t.queryRow(ctx, `SELECT hotline_name, hotline_phone FROM agencies WHERE id = ?`, a.AgencyID).Scan(&hl.Name, &hl.Phone); err != nil {
			return err
		}
		h.HotlineName, h.HotlinePhone = hl.Name, hl.Phone
		var sealed []byte
		var keyID any
		if h.Note != "" {
			var k string
			if sealed, k, err = db.seal(ctx, []byte(h.Note), riskHotlineAAD(a.ID)); err != nil {
				return err
			}
			keyID = k
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM risk_hotline WHERE assessment_id = ?`, a.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return haven.Errorf(haven.ECONFLICT, "the hotline call of this assessment is already recorded")
		}
		if _, err := t.exec(ctx, `INSERT INTO risk_hotline (assessment_id, outcome, at, by_actor, information_offered, hotline_name,
			hotline_phone, note, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, h.Outcome, h.At, h.By, h.InformationOffered, h.HotlineName, h.HotlinePhone, sealed, keyID, now); err != nil {
			if isUniqueViolation(err) {
				return haven.Errorf(haven.ECONFLICT, "the hotline call of this assessment is already recorded")
			}
			return err
		}
		if _, err := t.exec(ctx, `UPDATE risk_tasks SET hotline = ? WHERE assessment_id = ?`, h.Outcome, a.ID); err != nil {
			return err
		}
		entries := []audit.Entry{auditEntry(ctx, string(access.HotlineRecord), audit.Allowed, "person", a.PersonID, a.AgencyID, basisLabel(d),
			map[string]string{"assessment_id": a.ID, "outcome": h.Outcome, "information_offered": fmt.Sprint(h.InformationOffered)})}
		if a.IncidentID != "" {
			step, err := db.hotlineProtocol(ctx, t, a.IncidentID, h.Outcome, now, h.By)
			if err != nil {
				return err
			}
			if step {
				entries = append(entries, auditEntry(ctx, "incident.protocol", audit.Allowed, "incident", a.IncidentID, a.AgencyID, basisLabel(d),
					map[string]string{"steps": "hotline_call", "assessment_id": a.ID}))
			}
		}
		filled, err := db.fillAssessments(ctx, t, []*assessmentRow{r}, d)
		if err != nil {
			return err
		}
		out = filled[0]
		return db.appendAudit(ctx, t, entries...)
	})
	if err != nil {
		return nil, err
	}
	if refused {
		personID, agencyID := "", ""
		if refusedRow != nil {
			personID, agencyID = refusedRow.a.PersonID, refusedRow.a.AgencyID
		}
		return nil, db.refuseRisk(ctx, access.HotlineRecord, "risk_assessment", assessmentID, personID, agencyID, reason)
	}
	return out, nil
}

// hotlineProtocol completes the report's "hotline_call" step with the
// outcome, when the report is still a draft or returned and the step open.
func (db *DB) hotlineProtocol(ctx context.Context, t *tx, incidentID, outcome string, at time.Time, by string) (bool, error) {
	r, err := loadIncidentRow(ctx, t.queryRow, t.d, incidentID, true)
	if err != nil || r == nil || !incidentEditable(r.in.Status) {
		return false, err
	}
	stored, err := loadProtocol(ctx, t, incidentID)
	if err != nil {
		return false, err
	}
	ok, err := db.recordProtocolStep(ctx, t, incidentID, stored, "hotline_call", "done", outcome, "", at, by)
	if err != nil || !ok {
		return false, err
	}
	return true, insertChanges(ctx, t, []changeInsert{{incidentID: incidentID, at: at, by: by, action: "protocol", fields: []string{"hotline_call"}}})
}

// ---- the partner agency's queue ----

var taskStatuses = map[string]bool{haven.TaskOpen: true, haven.TaskAccepted: true, haven.TaskDeclined: true}

// maxRiskTasks bounds one listing of a queue.
const maxRiskTasks = 500

const riskTaskCols = `t.id, t.agency_id, t.from_agency_id, fa.name, t.person_id, t.assessment_id, COALESCE(i.number, ''),
	a.instrument, a.band, a.band_label, a.sealed, t.hotline, t.status, t.created_at, t.decided_at, t.decided_by, t.reason`

const riskTaskFrom = ` FROM risk_tasks t JOIN risk_assessments a ON a.id = t.assessment_id
	JOIN agencies fa ON fa.id = t.from_agency_id LEFT JOIN incidents i ON i.id = a.incident_id`

type taskRow struct {
	t                haven.RiskTask
	assessmentSealed []byte
	reason           []byte
}

func scanTask(s interface{ Scan(...any) error }) (*taskRow, error) {
	var r taskRow
	t := &r.t
	var created, decided nullTime
	err := s.Scan(&t.ID, &t.AgencyID, &t.FromAgencyID, &t.FromAgencyName, &t.PersonID, &t.AssessmentID, &t.IncidentNumber,
		&t.Instrument, &t.Band, &t.BandLabel, &r.assessmentSealed, &t.Hotline, &t.Status, &created, &decided, &t.DecidedBy, &r.reason)
	t.CreatedAt, t.DecidedAt = created.Time, decided.ptr()
	return &r, err
}

// openTask opens what a task shows from sealed values: the rule that fired
// (the assessment's reasons) and the reason it was declined. The person is
// shown by id only: the partner agency sees who it is only on a basis
// (consent, referral), like any other record.
func (db *DB) openTask(ctx context.Context, r *taskRow) (*haven.RiskTask, error) {
	t := r.t
	s, err := db.openAssessmentSecret(ctx, t.AssessmentID, r.assessmentSealed)
	if err != nil {
		return nil, err
	}
	t.Rule = ruleOf(s.Reasons)
	if r.reason != nil {
		plain, err := db.open(ctx, r.reason, riskTaskAAD(t.ID))
		if err != nil {
			return nil, err
		}
		t.Reason = string(plain)
	}
	return &t, nil
}

// RiskTasks lists the actor's agency's queue, newest first (status ""
// lists every task). One audit entry records the listing and the tasks
// shown.
func (db *DB) RiskTasks(ctx context.Context, status string) ([]*haven.RiskTask, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	status = strings.TrimSpace(status)
	if status != "" && !taskStatuses[status] {
		return nil, haven.FieldErrorf(haven.EINVALID, "status", "status must be open, accepted or declined")
	}
	if actor.AgencyID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to list its queue")
	}
	d := access.Decide(actor, access.RiskTaskRead, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.refuseRiskList(ctx, "risk.task.list", "risk_task", actor.AgencyID, d.Reason)
	}
	q := `SELECT ` + riskTaskCols + riskTaskFrom + ` WHERE t.agency_id = ?`
	args := []any{actor.AgencyID}
	if status != "" {
		q += ` AND t.status = ?`
		args = append(args, status)
	}
	q += fmt.Sprintf(` ORDER BY t.created_at DESC, t.id DESC LIMIT %d`, maxRiskTasks)
	out := []*haven.RiskTask{}
	err := db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanTask, q, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			task, err := db.openTask(ctx, r)
			if err != nil {
				return err
			}
			out = append(out, task)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, task := range out {
		ids[i] = task.ID
	}
	if err := db.auditNow(ctx, auditEntry(ctx, "risk.task.list", audit.Allowed, "risk_task", "", actor.AgencyID, basisLabel(d),
		map[string]string{"status": status, "results": fmt.Sprint(len(out)), "shown": strings.Join(ids, ",")})); err != nil {
		return nil, err
	}
	return out, nil
}

// DecideRiskTask accepts or declines an open task of the actor's agency's
// queue; declining needs a reason (sealed: it is staff's free text).
func (db *DB) DecideRiskTask(ctx context.Context, id string, accept bool, reason string) (*haven.RiskTask, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id, reason = strings.TrimSpace(id), strings.TrimSpace(reason)
	if !accept && reason == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "reason", "say why the task is declined")
	}
	if err := checkText("reason", reason, riskNoteText); err != nil {
		return nil, err
	}
	status := haven.TaskAccepted
	if !accept {
		status = haven.TaskDeclined
	}
	var out *haven.RiskTask
	var refused bool
	var refusedAgency, refusedReason string
	err := db.inTx(ctx, true, func(t *tx) error {
		q := `SELECT ` + riskTaskCols + riskTaskFrom + ` WHERE t.id = ?`
		if t.d.name == "postgres" {
			q += ` FOR UPDATE OF t`
		}
		r, err := scanTask(t.queryRow(ctx, q, id))
		if errors.Is(err, sql.ErrNoRows) {
			refused, refusedReason = true, "no such record"
			return nil
		} else if err != nil {
			return err
		}
		d := access.Decide(actor, access.RiskTaskDecide, access.Target{AgencyID: r.t.AgencyID, Now: db.now()})
		if !d.Allow {
			refused, refusedAgency, refusedReason = true, r.t.AgencyID, d.Reason
			return nil
		}
		if r.t.Status != haven.TaskOpen {
			return haven.Errorf(haven.ECONFLICT, "the task is already %s", r.t.Status)
		}
		now := utcMicro(db.now())
		var sealed []byte
		var keyID any
		if reason != "" {
			var k string
			if sealed, k, err = db.seal(ctx, []byte(reason), riskTaskAAD(id)); err != nil {
				return err
			}
			keyID = k
		}
		res, err := t.exec(ctx, `UPDATE risk_tasks SET status = ?, decided_at = ?, decided_by = ?, reason = ?, key_id = ?
			WHERE id = ? AND status = ?`, status, now, actorLabel(actor), sealed, keyID, id, haven.TaskOpen)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return haven.Errorf(haven.ECONFLICT, "the task was decided meanwhile")
		}
		r.reason = sealed
		r.t.Status, r.t.DecidedAt, r.t.DecidedBy = status, &now, actorLabel(actor)
		if out, err = db.openTask(ctx, r); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.RiskTaskDecide), audit.Allowed, "risk_task", id, r.t.AgencyID,
			basisLabel(d), map[string]string{"status": status, "assessment_id": r.t.AssessmentID, "person_id": r.t.PersonID}))
	})
	if err != nil {
		return nil, err
	}
	if refused {
		e := auditEntry(ctx, string(access.RiskTaskDecide), audit.Denied, "risk_task", id, refusedAgency, "",
			map[string]string{"policy": refusedReason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.ENOTFOUND, "task not found")
	}
	return out, nil
}

// ---- the high-risk list ----

// HighRisk lists the persons of the actor's agency flagged high-risk,
// newest first, with their names (the agency's own records). Audited as
// one read of person data naming everyone shown.
func (db *DB) HighRisk(ctx context.Context) ([]*haven.HighRiskEntry, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.AgencyID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to list its high-risk persons")
	}
	d := access.Decide(actor, access.HighRiskList, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.refuseRiskList(ctx, access.HighRiskList, "person", actor.AgencyID, d.Reason)
	}
	out := []*haven.HighRiskEntry{}
	err := db.inTx(ctx, false, func(t *tx) error {
		type row struct {
			e       haven.HighRiskEntry
			sealed  []byte
			flagged nullTime
			p       personRow
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (*row, error) {
			var r row
			err := s.Scan(&r.e.PersonID, &r.e.AssessmentID, &r.flagged, &r.e.Proposed, &r.e.Instrument, &r.e.Band, &r.e.BandLabel, &r.sealed,
				&r.p.id, &r.p.agencyID, &r.p.data, &r.p.version, &r.p.created, &r.p.updated)
			return &r, err
		}, `SELECT f.person_id, f.assessment_id, f.flagged_at, f.proposed, a.instrument, a.band, a.band_label, a.sealed,
			p.id, p.agency_id, p.data, p.version, p.created_at, p.updated_at
			FROM risk_flags f JOIN risk_assessments a ON a.id = f.assessment_id JOIN persons p ON p.id = f.person_id
			WHERE f.agency_id = ? AND p.agency_id = ? AND f.cleared_at IS NULL ORDER BY f.flagged_at DESC, f.id DESC`,
			actor.AgencyID, actor.AgencyID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			s, err := db.openAssessmentSecret(ctx, r.e.AssessmentID, r.sealed)
			if err != nil {
				return err
			}
			p, err := db.openPerson(ctx, &r.p, d)
			if err != nil {
				return err
			}
			e := r.e
			e.Rule, e.FlaggedAt = ruleOf(s.Reasons), r.flagged.Time
			e.Name = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
			out = append(out, &e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, e := range out {
		ids[i] = e.PersonID
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.HighRiskList), audit.Allowed, "person", "", actor.AgencyID, basisLabel(d),
		map[string]string{"results": fmt.Sprint(len(out)), "shown": strings.Join(ids, ","), "names_shown": strings.Join(ids, ",")})); err != nil {
		return nil, err
	}
	return out, nil
}
