package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/safetyplan"
)

// maxSuggestIncidents bounds how many of the person's reports (the most
// recent) suggestions look at.
const maxSuggestIncidents = 200

// SuggestPlanItems proposes plan items from the person's risk factors, as
// the agency that holds the person's record knows them:
//
//   - the latest assessment of each built-in instrument (not superseded,
//     recorded by that agency for this person), whose answers indicate
//     factors (safetyplan.Factors);
//   - the agency's incident reports naming the person as a victim, whose
//     facts do (firearms present, strangulation, a weapon used).
//
// Items already in the latest plan are not suggested again. Only the
// owning agency's staff get suggestions (another agency's reader does not
// see the risk records they come from); anyone else is answered "person
// not found". One audit entry names the person and the assessments,
// reports and plan version read, never the factors found.
func (db *DB) SuggestPlanItems(ctx context.Context, personID string) ([]haven.PlanSection, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	personID = strings.TrimSpace(personID)
	var factors, assessments, incidents []string
	var latest *haven.SafetyPlan
	d, agencyID, err := db.readPlan(ctx, access.PlanSuggest, personID, func(t *tx, agencyID string) error {
		var err error
		if assessments, factors, err = db.assessmentFactors(ctx, t, personID, agencyID); err != nil {
			return err
		}
		var more []string
		if incidents, more, err = incidentFactors(ctx, t, personID, agencyID); err != nil {
			return err
		}
		factors = append(factors, more...)
		r, err := scanPlan(t.queryRow(ctx, `SELECT `+planCols+` FROM safety_plans WHERE person_id = ? AND agency_id = ?
			ORDER BY version DESC LIMIT 1`, personID, agencyID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		latest, err = db.openPlan(ctx, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !d.Allow {
		return nil, db.refusePlan(ctx, access.PlanSuggest, personID, agencyID, d.Reason, personNotFound)
	}
	planID := ""
	if latest != nil {
		planID = latest.ID
	}
	details := planDetails(d, "assessments", strings.Join(assessments, ","), "incidents", strings.Join(incidents, ","), "plan_id", planID)
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.PlanSuggest), audit.Allowed, "person", personID, agencyID,
		basisLabel(d), details)); err != nil {
		return nil, err
	}
	return safetyplan.Without(safetyplan.Suggest(factors), latest), nil
}

// assessmentFactors opens the person's latest assessment of each built-in
// instrument (at the version the mapping knows) and returns the ids read
// and the factors their answers indicate.
func (db *DB) assessmentFactors(ctx context.Context, t *tx, personID, agencyID string) (ids, factors []string, err error) {
	type row struct {
		id, instrument, version string
		sealed                  []byte
	}
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.instrument, &r.version, &r.sealed)
	}, `SELECT a.id, a.instrument, a.version, a.sealed FROM risk_assessments a
		WHERE a.person_id = ? AND a.agency_id = ?
		AND NOT EXISTS (SELECT 1 FROM risk_assessments s WHERE s.supersedes = a.id)
		ORDER BY a.assessed_at DESC, a.created_at DESC, a.id DESC`, personID, agencyID)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.instrument] || !safetyplan.Knows(r.instrument, r.version) {
			continue
		}
		seen[r.instrument] = true
		s, err := db.openAssessmentSecret(ctx, r.id, r.sealed)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, r.id)
		factors = append(factors, safetyplan.Factors(r.instrument, s.Answers)...)
	}
	return ids, factors, nil
}

// incidentFactors reads the facts (never sealed) of the agency's most
// recent reports naming the person as a victim, and returns the report ids
// read and the factors their facts indicate.
func incidentFactors(ctx context.Context, t *tx, personID, agencyID string) (ids, factors []string, err error) {
	type row struct{ id, facts string }
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.facts)
	}, `SELECT i.id, i.facts FROM incidents i WHERE i.agency_id = ?
		AND i.id IN (SELECT incident_id FROM incident_parties WHERE person_id = ? AND role = ?)
		ORDER BY i.event_at DESC, i.id DESC LIMIT ?`, agencyID, personID, string(haven.PartyVictim), maxSuggestIncidents)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		var f incidentFacts
		if err := json.Unmarshal([]byte(r.facts), &f); err != nil {
			return nil, nil, haven.Internal(fmt.Errorf("incident %s facts: %w", r.id, err))
		}
		var in haven.Incident
		f.into(&in)
		ids = append(ids, r.id)
		factors = append(factors, safetyplan.IncidentFactors(&in)...)
	}
	return ids, factors, nil
}
