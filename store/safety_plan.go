package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/safetyplan"
)

var _ haven.SafetyPlanService = (*DB)(nil)

// What is sealed and what is not. A plan version keeps in the clear only
// that it exists: the person, the agency, the version number, the case it
// was written on, who saved it and when. Its whole content (sections,
// items, notes, contacts, the code word, safe places, documents) is one
// sealed JSON value under safety_plans/sealed/<id>. Versions are only ever
// inserted: a save is a new row, so the history is the table.

// planSecret is what is sealed.
type planSecret struct {
	Sections          []haven.PlanSection `json:"s"`
	EmergencyContacts []haven.PlanContact `json:"c"`
	CodeWord          string              `json:"w,omitempty"`
	SafePlaces        []string            `json:"p"`
	DocumentsReady    []string            `json:"d"`
}

func safetyPlanAAD(id string) string { return "safety_plans/sealed/" + id }

// maxPlanCaseID bounds a case id; ids are UUIDs.
const maxPlanCaseID = 64

// Messages of refusals, the same whether the record is missing or not the
// caller's to see.
const (
	planNotFound   = "safety plan not found"
	personNotFound = "person not found"
)

// planRow is one stored version, still sealed.
type planRow struct {
	p      haven.SafetyPlan // the plain columns
	sealed []byte
}

const planCols = `id, agency_id, person_id, version, case_id, sealed, created_by, created_at`

func scanPlan(s interface{ Scan(...any) error }) (*planRow, error) {
	var r planRow
	var created nullTime
	err := s.Scan(&r.p.ID, &r.p.AgencyID, &r.p.PersonID, &r.p.Version, &r.p.CaseID, &r.sealed, &r.p.CreatedBy, &created)
	r.p.CreatedAt = created.Time
	return &r, err
}

// openPlan opens a row into a plan.
func (db *DB) openPlan(ctx context.Context, r *planRow) (*haven.SafetyPlan, error) {
	plain, err := db.open(ctx, r.sealed, safetyPlanAAD(r.p.ID))
	if err != nil {
		return nil, err
	}
	var s planSecret
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, haven.Internal(fmt.Errorf("safety plan %s: %w", r.p.ID, err))
	}
	p := r.p // a copy
	p.Sections, p.EmergencyContacts, p.CodeWord, p.SafePlaces, p.DocumentsReady =
		s.Sections, s.EmergencyContacts, s.CodeWord, s.SafePlaces, s.DocumentsReady
	// Normalize brings a version stored before a section was added (or a
	// list left empty) into today's shape; what was stored passed it once.
	if err := safetyplan.Normalize(&p); err != nil {
		return nil, haven.Internal(fmt.Errorf("safety plan %s: %w", r.p.ID, err))
	}
	return &p, nil
}

// plausibleID reports whether s could name a record: text, not too long.
// Anything else names nothing, and is answered as a missing record (not as
// a database error about bytes that are not text).
func plausibleID(s string) bool {
	return s != "" && len(s) <= 100 && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// personAgency returns the agency that holds a person's record; "" when
// there is no such person.
func (db *DB) personAgency(ctx context.Context, queryRow rowFunc, personID string) (string, error) {
	if !plausibleID(personID) {
		return "", nil
	}
	var agencyID string
	err := queryRow(ctx, `SELECT agency_id FROM persons WHERE id = ?`, personID).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return agencyID, err
}

// refusePlan records a refusal about a person's plan and answers exactly as
// for a person or plan that does not exist.
func (db *DB) refusePlan(ctx context.Context, action access.Action, personID, agencyID, reason, message string) error {
	if !plausibleID(personID) {
		personID = ""
	}
	e := auditEntry(ctx, string(action), audit.Denied, "person", personID, agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "%s", message)
}

// planDetails are the audit details of a read or write: ids and numbers,
// never content.
func planDetails(d access.Decision, kv ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out[kv[i]] = kv[i+1]
		}
	}
	if d.Basis.Kind == access.BasisBreakGlass {
		out["break_glass"] = "true"
	}
	return out
}

// SaveSafetyPlan stores a new version of the person's plan. version is the
// latest version the caller read (0 when there was no plan): when someone
// saved another version since, the save is refused as a conflict and
// nothing is stored. Only the agency that holds the person's record writes
// its plans; anyone else is answered "not found", as for a missing person.
// The new version and its audit entry are written in one transaction.
func (db *DB) SaveSafetyPlan(ctx context.Context, p *haven.SafetyPlan, version int) (*haven.SafetyPlan, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if p == nil {
		return nil, haven.Errorf(haven.EINVALID, "send the plan")
	}
	if version < 0 {
		return nil, haven.FieldErrorf(haven.EINVALID, "version", "version must be the version you last read, or 0 for a new plan")
	}
	personID := strings.TrimSpace(p.PersonID)
	plan := haven.SafetyPlan{PersonID: personID, Sections: p.Sections, EmergencyContacts: p.EmergencyContacts,
		CodeWord: p.CodeWord, SafePlaces: p.SafePlaces, DocumentsReady: p.DocumentsReady}
	if err := safetyplan.Normalize(&plan); err != nil {
		return nil, err
	}
	plan.CaseID = strings.TrimSpace(p.CaseID)
	if plan.CaseID != "" && (!plausibleID(plan.CaseID) || len(plan.CaseID) > maxPlanCaseID) {
		return nil, haven.FieldErrorf(haven.EINVALID, "case_id", "case_id must be a case of this person at your agency")
	}
	var out *haven.SafetyPlan
	var refused bool
	var reason, agencyID string
	err := db.inTx(ctx, true, func(t *tx) error {
		var err error
		if agencyID, err = db.personAgency(ctx, t.queryRow, personID); err != nil {
			return err
		}
		if agencyID == "" {
			refused, reason = true, "no such record"
			return nil
		}
		d := access.Decide(actor, access.PlanCreate, access.Target{AgencyID: agencyID, Now: db.now()})
		if !d.Allow {
			refused, reason = true, d.Reason
			return nil
		}
		var latest int
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM safety_plans WHERE person_id = ?`, personID).Scan(&latest); err != nil {
			return err
		}
		if version != latest {
			return staleVersion(version, latest)
		}
		if plan.CaseID != "" {
			var n int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE id = ? AND agency_id = ? AND person_id = ?`,
				plan.CaseID, agencyID, personID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return haven.FieldErrorf(haven.EINVALID, "case_id", "case_id must be a case of this person at your agency")
			}
		}
		plan.ID, plan.AgencyID, plan.Version = newID(), agencyID, latest+1
		plan.CreatedBy, plan.CreatedAt = actorLabel(actor), db.now()
		plain, err := json.Marshal(planSecret{Sections: plan.Sections, EmergencyContacts: plan.EmergencyContacts,
			CodeWord: plan.CodeWord, SafePlaces: plan.SafePlaces, DocumentsReady: plan.DocumentsReady})
		if err != nil {
			return err
		}
		sealed, keyID, err := db.seal(ctx, plain, safetyPlanAAD(plan.ID))
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO safety_plans (id, agency_id, person_id, version, case_id, sealed, key_id, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, plan.ID, plan.AgencyID, plan.PersonID, plan.Version, plan.CaseID, sealed, keyID,
			plan.CreatedBy, plan.CreatedAt)
		if err != nil {
			if isUniqueViolation(err) {
				// Another save of the same version committed first.
				return staleVersion(version, version+1)
			}
			return err
		}
		names, err := userNames(ctx, t, []string{plan.CreatedBy})
		if err != nil {
			return err
		}
		plan.CreatedByName = names[plan.CreatedBy]
		plan.Access = accessNote(d)
		out = &plan
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.PlanCreate), audit.Allowed, "person", personID, agencyID,
			basisLabel(d), planDetails(d, "plan_id", plan.ID, "version", strconv.Itoa(plan.Version), "case_id", plan.CaseID)))
	})
	if err != nil {
		return nil, err
	}
	if refused {
		return nil, db.refusePlan(ctx, access.PlanCreate, personID, agencyID, reason, personNotFound)
	}
	return out, nil
}

// staleVersion is the conflict of a save that did not start from the
// latest version.
func staleVersion(sent, latest int) error {
	if sent > latest {
		return haven.FieldErrorf(haven.ECONFLICT, "version", "there is no version %d of this plan (the latest is %d); reload it and try again", sent, latest)
	}
	return haven.FieldErrorf(haven.ECONFLICT, "version",
		"someone saved a newer version of this plan (version %d) after the version %d you started from; reload it, check their changes and save again", latest, sent)
}

// readPlan decides the actor's basis for one person's plan (looking up
// grants only for another agency's person) and, when allowed, runs load in
// a read transaction. It returns the decision and the person's agency
// ("" when there is no such person).
func (db *DB) readPlan(ctx context.Context, action access.Action, personID string, load func(t *tx, agencyID string) error) (access.Decision, string, error) {
	actor := haven.ActorFromContext(ctx)
	var d access.Decision
	agencyID, err := db.personAgency(ctx, db.readRow, personID)
	if err != nil {
		return d, "", dbErr(err)
	}
	if agencyID == "" {
		return access.Decision{Reason: "no such record"}, "", nil
	}
	err = db.inTx(ctx, false, func(t *tx) error {
		var bases []access.Basis
		if agencyID != actor.AgencyID && actor.UserID != "" && action == access.PlanRead {
			var err error
			if bases, err = db.bases(ctx, t, actor, "person", personID); err != nil {
				return err
			}
		}
		d = access.Decide(actor, action, access.Target{AgencyID: agencyID, Bases: bases, Now: db.now()})
		if !d.Allow {
			return nil
		}
		return load(t, agencyID)
	})
	return d, agencyID, err
}

// SafetyPlan returns the person's latest plan (version 0) or one version.
// The agency that holds the person's record reads it; another agency only
// on the survivor's consent covering safety_plan, or on break-glass. A
// refusal, a missing person and a person without a plan (or without that
// version) all answer "safety plan not found"; every read is audited, and
// the plan is released only once the read is in the log.
func (db *DB) SafetyPlan(ctx context.Context, personID string, version int) (*haven.SafetyPlan, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if version < 0 {
		return nil, haven.FieldErrorf(haven.EINVALID, "version", "version must be 1 or more (0 for the latest)")
	}
	personID = strings.TrimSpace(personID)
	var out *haven.SafetyPlan
	d, agencyID, err := db.readPlan(ctx, access.PlanRead, personID, func(t *tx, agencyID string) error {
		q := `SELECT ` + planCols + ` FROM safety_plans WHERE person_id = ? AND agency_id = ?`
		args := []any{personID, agencyID}
		if version == 0 {
			q += ` ORDER BY version DESC LIMIT 1`
		} else {
			q += ` AND version = ?`
			args = append(args, version)
		}
		r, err := scanPlan(t.queryRow(ctx, q, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if out, err = db.openPlan(ctx, r); err != nil {
			return err
		}
		names, err := userNames(ctx, t, []string{out.CreatedBy})
		if err != nil {
			return err
		}
		out.CreatedByName = names[out.CreatedBy]
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !d.Allow {
		return nil, db.refusePlan(ctx, access.PlanRead, personID, agencyID, d.Reason, planNotFound)
	}
	details := planDetails(d, "version", "none")
	if out != nil {
		out.Access = accessNote(d)
		details = planDetails(d, "plan_id", out.ID, "version", strconv.Itoa(out.Version))
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.PlanRead), audit.Allowed, "person", personID, agencyID,
		basisLabel(d), details)); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, haven.Errorf(haven.ENOTFOUND, "%s", planNotFound)
	}
	return out, nil
}

// SafetyPlanVersions lists every version of the person's plan, newest
// first, without content: the version, its case, who saved it and when.
// It answers as SafetyPlan does, except that a person without a plan
// (whom the caller may see) has an empty list.
func (db *DB) SafetyPlanVersions(ctx context.Context, personID string) ([]haven.SafetyPlan, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	personID = strings.TrimSpace(personID)
	out := []haven.SafetyPlan{}
	d, agencyID, err := db.readPlan(ctx, access.PlanRead, personID, func(t *tx, agencyID string) error {
		type row struct {
			p       haven.SafetyPlan
			created nullTime
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			err := s.Scan(&r.p.ID, &r.p.AgencyID, &r.p.PersonID, &r.p.Version, &r.p.CaseID, &r.p.CreatedBy, &r.created)
			r.p.CreatedAt = r.created.Time
			return r, err
		}, `SELECT id, agency_id, person_id, version, case_id, created_by, created_at FROM safety_plans
			WHERE person_id = ? AND agency_id = ? ORDER BY version DESC`, personID, agencyID)
		if err != nil {
			return err
		}
		users := map[string]bool{}
		for _, r := range rows {
			out = append(out, r.p)
			users[r.p.CreatedBy] = true
		}
		names, err := userNames(ctx, t, sortedKeys(users))
		if err != nil {
			return err
		}
		for i := range out {
			out[i].CreatedByName = names[out[i].CreatedBy]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !d.Allow {
		return nil, db.refusePlan(ctx, access.PlanRead, personID, agencyID, d.Reason, planNotFound)
	}
	for i := range out {
		out[i].Access = accessNote(d)
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.PlanRead), audit.Allowed, "person", personID, agencyID,
		basisLabel(d), planDetails(d, "versions", strconv.Itoa(len(out))))); err != nil {
		return nil, err
	}
	return out, nil
}
