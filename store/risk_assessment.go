package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/risk"
)

// What is sealed and what is not. An assessment row keeps in the clear
// what is counted: the instrument and version, score and band, whether the
// band is high, how many items were answered or missing, whether
// professional judgement was used, the facts Haven supplied (call-out
// counts) and the actions. The answers, the judgement note and the
// reasons (which name the items answered yes) are sealed together under
// risk_assessments/sealed/<id>. Triggers, tasks and flags show the rule
// that fired from those sealed reasons; they do not repeat it in the clear.

// assessmentSecret is what is sealed.
type assessmentSecret struct {
	Answers       map[string]string `json:"a"`
	JudgementNote string            `json:"j,omitempty"`
	Reasons       []string          `json:"r,omitempty"`
}

func riskAssessmentAAD(id string) string { return "risk_assessments/sealed/" + id }
func riskHotlineAAD(id string) string    { return "risk_hotline/note/" + id }
func riskTaskAAD(id string) string       { return "risk_tasks/reason/" + id }

// Limits on what an assessment holds.
const (
	riskMaxAnswers  = 200
	riskNoteText    = 5_000
	riskInstrumentL = "lap" // the Lethality Screen: the instrument that drives the protocol's last steps
)

// assessmentRow is one stored assessment, still sealed.
type assessmentRow struct {
	a      haven.Assessment // the plain columns
	facts  string
	acts   string
	sealed []byte
}

const assessmentCols = `a.id, a.agency_id, a.person_id, a.incident_id, a.case_id, a.suspect_person_id, a.instrument, a.version,
	a.score, a.raw_score, a.band, a.band_label, a.band_note, a.high, a.answered, a.missing, a.prorated, a.judgement, a.sealed,
	a.facts, a.actions, a.supersedes, a.assessed_by, a.assessed_at, a.created_at,
	COALESCE((SELECT s.id FROM risk_assessments s WHERE s.supersedes = a.id), '')`

func scanAssessment(s interface{ Scan(...any) error }) (*assessmentRow, error) {
	var r assessmentRow
	a := &r.a
	res := &a.Result
	var assessed, created nullTime
	err := s.Scan(&a.ID, &a.AgencyID, &a.PersonID, &a.IncidentID, &a.CaseID, &a.SuspectPersonID, &res.Instrument, &res.Version,
		&res.Score, &res.RawScore, &res.Band, &res.BandLabel, &res.BandNote, &res.High, &res.Answered, &res.Missing, &res.Prorated,
		&a.ProfessionalJudgement, &r.sealed, &r.facts, &r.acts, &a.Supersedes, &a.AssessedBy, &assessed, &created, &a.SupersededBy)
	if err != nil {
		return nil, err
	}
	a.AssessedAt, a.CreatedAt = assessed.Time, created.Time
	return &r, nil
}

// loadAssessmentRow reads one assessment; nil when there is none.
func loadAssessmentRow(ctx context.Context, queryRow rowFunc, id string) (*assessmentRow, error) {
	r, err := scanAssessment(queryRow(ctx, `SELECT `+assessmentCols+` FROM risk_assessments a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// openAssessment opens a row into an Assessment (without its triggers,
// hotline call and names: fillAssessments adds those).
func (db *DB) openAssessment(ctx context.Context, r *assessmentRow) (*haven.Assessment, error) {
	a := r.a // a copy
	if err := json.Unmarshal([]byte(r.facts), &a.Facts); err != nil {
		return nil, haven.Internal(fmt.Errorf("assessment %s facts: %w", a.ID, err))
	}
	if err := json.Unmarshal([]byte(r.acts), &a.Result.Actions); err != nil {
		return nil, haven.Internal(fmt.Errorf("assessment %s actions: %w", a.ID, err))
	}
	s, err := db.openAssessmentSecret(ctx, a.ID, r.sealed)
	if err != nil {
		return nil, err
	}
	a.Answers, a.JudgementNote, a.Result.Reasons = s.Answers, s.JudgementNote, s.Reasons
	normalizeAssessment(&a)
	return &a, nil
}

func (db *DB) openAssessmentSecret(ctx context.Context, id string, sealed []byte) (*assessmentSecret, error) {
	plain, err := db.open(ctx, sealed, riskAssessmentAAD(id))
	if err != nil {
		return nil, err
	}
	var s assessmentSecret
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, haven.Internal(fmt.Errorf("assessment %s: %w", id, err))
	}
	return &s, nil
}

// ruleOf is the rule a result's actions show: its reasons, in order.
func ruleOf(reasons []string) string { return strings.Join(reasons, "; ") }

// normalizeAssessment makes absent lists empty, so JSON shows [] not null.
func normalizeAssessment(a *haven.Assessment) {
	if a.Answers == nil {
		a.Answers = map[string]string{}
	}
	if a.Result.Reasons == nil {
		a.Result.Reasons = []string{}
	}
	if a.Result.Actions == nil {
		a.Result.Actions = []string{}
	}
	if a.Triggers == nil {
		a.Triggers = []haven.RiskTrigger{}
	}
}

// accessNote is the Access note of a decision.
func accessNote(d access.Decision) *haven.AccessNote {
	n := &haven.AccessNote{Basis: string(d.Basis.Kind), BasisID: d.Basis.ID}
	if !d.Basis.ExpiresAt.IsZero() {
		exp := d.Basis.ExpiresAt
		n.ExpiresAt = &exp
	}
	return n
}

// fillAssessments opens rows and adds what each assessment shows besides
// its own columns: the triggers (with the rule that fired), the hotline
// call, the assessor's name, and the access note of d.
func (db *DB) fillAssessments(ctx context.Context, t *tx, rows []*assessmentRow, d access.Decision) ([]*haven.Assessment, error) {
	out := make([]*haven.Assessment, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	byID := map[string]*haven.Assessment{}
	ids := make([]any, 0, len(rows))
	users := map[string]bool{}
	for _, r := range rows {
		a, err := db.openAssessment(ctx, r)
		if err != nil {
			return nil, err
		}
		a.Access = accessNote(d)
		out = append(out, a)
		byID[a.ID] = a
		ids = append(ids, a.ID)
		users[a.AssessedBy] = true
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		trs, err := queryAll(ctx, t, scanTrigger, `SELECT id, assessment_id, action, task_id, note, created_at FROM risk_triggers
			WHERE assessment_id IN (`+placeholders(len(chunk))+`) ORDER BY created_at, id`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, tr := range trs {
			a := byID[tr.AssessmentID]
			tr.Rule = ruleOf(a.Result.Reasons)
			a.Triggers = append(a.Triggers, tr)
		}
		hs, err := queryAll(ctx, t, scanHotline, `SELECT assessment_id, outcome, at, by_actor, information_offered, hotline_name,
			hotline_phone, note FROM risk_hotline WHERE assessment_id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if h.sealed != nil {
				plain, err := db.open(ctx, h.sealed, riskHotlineAAD(h.assessmentID))
				if err != nil {
					return nil, err
				}
				h.h.Note = string(plain)
			}
			byID[h.assessmentID].Hotline = &h.h
		}
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, err
	}
	for _, a := range out {
		a.AssessedByName = names[a.AssessedBy]
	}
	return out, nil
}

func scanTrigger(s interface{ Scan(...any) error }) (haven.RiskTrigger, error) {
	var tr haven.RiskTrigger
	var at nullTime
	err := s.Scan(&tr.ID, &tr.AssessmentID, &tr.Action, &tr.TaskID, &tr.Note, &at)
	tr.CreatedAt = at.Time
	return tr, err
}

type hotlineRow struct {
	assessmentID string
	h            haven.HotlineContact
	sealed       []byte
}

func scanHotline(s interface{ Scan(...any) error }) (*hotlineRow, error) {
	var r hotlineRow
	var at nullTime
	err := s.Scan(&r.assessmentID, &r.h.Outcome, &at, &r.h.By, &r.h.InformationOffered, &r.h.HotlineName, &r.h.HotlinePhone, &r.sealed)
	r.h.At = at.Time
	return &r, err
}

// userNames maps user ids (or system:<name> labels) to display names:
// staff names, which are not personal data of the people Haven serves.
func userNames(ctx context.Context, t *tx, ids []string) (map[string]string, error) {
	out := map[string]string{}
	var args []any
	for _, id := range ids {
		if name, ok := strings.CutPrefix(id, "system:"); ok {
			out[id] = name
		} else if id != "" {
			args = append(args, id)
		}
	}
	for start := 0; start < len(args); start += 500 {
		chunk := args[start:min(start+500, len(args))]
		type row struct{ id, display, username string }
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, s.Scan(&r.id, &r.display, &r.username)
		}, `SELECT id, display_name, username FROM users WHERE id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.id] = r.display
			if r.display == "" {
				out[r.id] = r.username
			}
		}
	}
	return out, nil
}

// ---- refusals ----

// refuseRisk records a refusal of action on a record and answers exactly
// as for a record that does not exist. personID names the person when the
// record was found (the entry is then about the person); otherwise the
// entry names the record asked for.
func (db *DB) refuseRisk(ctx context.Context, action access.Action, recordType, recordID, personID, agencyID, reason string) error {
	details := map[string]string{"policy": reason}
	rt, rid := recordType, recordID
	if personID != "" {
		if recordType != "person" {
			details[recordType+"_id"] = recordID
		}
		rt, rid = "person", personID
	}
	e := auditEntry(ctx, string(action), audit.Denied, rt, rid, agencyID, "", details)
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "%s not found", strings.ReplaceAll(recordType, "_", " "))
}

// refuseRiskList records a refused listing (no one record) and answers
// forbidden, as for person searches.
func (db *DB) refuseRiskList(ctx context.Context, action access.Action, recordType, agencyID, reason string) error {
	e := auditEntry(ctx, string(action), audit.Denied, recordType, "", agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	return haven.Errorf(haven.EFORBIDDEN, "%s", reason)
}

// ---- recording ----

// validateAssessmentInput trims and checks what does not need the
// database, and returns when the assessment was made.
func validateAssessmentInput(in *haven.AssessmentInput, now time.Time) (time.Time, error) {
	for _, s := range []*string{&in.PersonID, &in.IncidentID, &in.CaseID, &in.SuspectPersonID, &in.Instrument, &in.JudgementNote, &in.Supersedes} {
		*s = strings.TrimSpace(*s)
	}
	if in.PersonID == "" {
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, "person_id", "person_id is required")
	}
	for field, v := range map[string]string{"person_id": in.PersonID, "incident_id": in.IncidentID, "case_id": in.CaseID,
		"suspect_person_id": in.SuspectPersonID, "supersedes": in.Supersedes} {
		if err := checkText(field, v, 100); err != nil {
			return time.Time{}, err
		}
	}
	if err := checkText("judgement_note", in.JudgementNote, riskNoteText); err != nil {
		return time.Time{}, err
	}
	if in.SuspectPersonID != "" && in.SuspectPersonID == in.PersonID {
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, "suspect_person_id", "the suspect cannot be the person assessed")
	}
	if len(in.Answers) > riskMaxAnswers {
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, "answers", "at most %d answers", riskMaxAnswers)
	}
	for k, v := range in.Answers {
		if err := checkText("answers."+k, k+v, 200); err != nil {
			return time.Time{}, err
		}
	}
	at := now
	if in.AssessedAt != nil && !in.AssessedAt.IsZero() {
		at = *in.AssessedAt
	}
	at = utcMicro(at)
	if at.After(now.Add(incidentClockSkew)) {
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, "assessed_at", "assessed_at cannot be in the future")
	}
	if at.Year() < 1900 {
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, "assessed_at", "assessed_at must be after 1900")
	}
	return at, nil
}

// RecordAssessment scores and stores an assessment of a person of the
// actor's agency, and records and carries out what its result sets in
// motion, in one transaction with its audit entries:
//   - every action gets a risk_triggers row;
//   - flag_high_risk (and conference_proposal) flag the person high-risk;
//   - advocacy_task puts a task in the partner advocacy agency's queue;
//   - a Lethality Screen on a draft or returned report marks its
//     "lethality_screen" protocol step done and, when not screened in,
//     skips "hotline_call".
//
// The facts are Haven's, not the caller's: the call-outs involving the
// pair in the 12 months to the assessment, and whether the person was
// referred to the MARAC in the 12 months before.
func (db *DB) RecordAssessment(ctx context.Context, in haven.AssessmentInput) (*haven.Assessment, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	now := utcMicro(db.now())
	assessedAt, err := validateAssessmentInput(&in, now)
	if err != nil {
		return nil, err
	}
	var out *haven.Assessment
	var refused bool
	var refusedAgency, reason string
	err = db.inTx(ctx, true, func(t *tx) error {
		// The person's row is locked (PostgreSQL) for the transaction, so
		// that a person's assessments are recorded one at a time: the
		// facts, the supersedes check and the one active flag each see the
		// one before.
		q := `SELECT agency_id FROM persons WHERE id = ?`
		if t.d.name == "postgres" {
			q += ` FOR UPDATE`
		}
		var personAgency string
		err := t.queryRow(ctx, q, in.PersonID).Scan(&personAgency)
		if errors.Is(err, sql.ErrNoRows) {
			refused, reason = true, "no such record"
			return nil
		} else if err != nil {
			return err
		}
		d := access.Decide(actor, access.AssessmentCreate, access.Target{AgencyID: personAgency, Now: now})
		if !d.Allow {
			refused, refusedAgency, reason = true, personAgency, d.Reason
			return nil
		}
		var agencySlug, partnerID string
		if err := t.queryRow(ctx, `SELECT slug, partner_agency_id FROM agencies WHERE id = ?`, personAgency).Scan(&agencySlug, &partnerID); err != nil {
			return err
		}
		inst, err := instrument(db.agencyInstruments(agencySlug), in.Instrument)
		if err != nil {
			return err
		}
		var incident *incidentRow
		if in.IncidentID != "" {
			if incident, in.SuspectPersonID, err = assessmentIncident(ctx, t, in, personAgency); err != nil {
				return err
			}
		}
		if in.IncidentID == "" && in.SuspectPersonID != "" {
			if err := checkAssessmentSuspect(ctx, t, in.SuspectPersonID, personAgency); err != nil {
				return err
			}
		}
		var superseded *assessmentRow
		if in.Supersedes != "" {
			if superseded, err = supersedable(ctx, t, in, personAgency); err != nil {
				return err
			}
		}
		facts, err := riskFacts(ctx, t, personAgency, in, assessedAt)
		if err != nil {
			return err
		}
		res, err := risk.Score(inst, in.Answers, facts)
		if err != nil {
			return scoreErr(err)
		}
		a := &haven.Assessment{ID: newID(), AgencyID: personAgency, PersonID: in.PersonID, IncidentID: in.IncidentID,
			CaseID: in.CaseID, SuspectPersonID: in.SuspectPersonID, Answers: in.Answers,
			ProfessionalJudgement: in.ProfessionalJudgement, JudgementNote: in.JudgementNote, Facts: facts, Result: res,
			Supersedes: in.Supersedes, AssessedBy: actorLabel(actor), AssessedAt: assessedAt, CreatedAt: now}
		a.Result.Actions = dedupe(res.Actions)
		normalizeAssessment(a)
		if err := db.insertAssessment(ctx, t, a); err != nil {
			return err
		}
		if err := db.carryOut(ctx, t, a, partnerID, superseded); err != nil {
			return err
		}
		details := map[string]string{"assessment_id": a.ID, "instrument": res.Instrument, "version": res.Version,
			"band": res.Band, "high": fmt.Sprint(res.High), "actions": strings.Join(a.Result.Actions, ",")}
		if a.IncidentID != "" {
			details["incident_id"] = a.IncidentID
		}
		if a.Supersedes != "" {
			details["supersedes"] = a.Supersedes
		}
		entries := []audit.Entry{auditEntry(ctx, string(access.AssessmentCreate), audit.Allowed, "person", a.PersonID, personAgency,
			basisLabel(d), details)}
		if incident != nil && inst.ID == riskInstrumentL && incidentEditable(incident.in.Status) {
			steps, err := db.screenProtocol(ctx, t, incident.in.ID, a)
			if err != nil {
				return err
			}
			if len(steps) > 0 {
				entries = append(entries, auditEntry(ctx, "incident.protocol", audit.Allowed, "incident", incident.in.ID, personAgency,
					basisLabel(d), map[string]string{"steps": strings.Join(steps, ","), "assessment_id": a.ID}))
			}
		}
		names, err := userNames(ctx, t, []string{a.AssessedBy})
		if err != nil {
			return err
		}
		a.AssessedByName = names[a.AssessedBy]
		a.Access = accessNote(d)
		out = a
		return db.appendAudit(ctx, t, entries...)
	})
	if err != nil {
		return nil, err
	}
	if refused {
		return nil, db.refuseRisk(ctx, access.AssessmentCreate, "person", in.PersonID, "", refusedAgency, reason)
	}
	return out, nil
}

// assessmentIncident checks the report an assessment is recorded against
// (a report of the person's agency that lists the person) and returns it
// with the suspect: the one given, else the suspect the victim's party
// names, else the report's only suspect. A report of another agency, a
// missing one and one without the person get the same answer.
func assessmentIncident(ctx context.Context, t *tx, in haven.AssessmentInput, agencyID string) (*incidentRow, string, error) {
	bad := haven.FieldErrorf(haven.EINVALID, "incident_id", "incident_id must be a report of your agency that lists the person as a party")
	r, err := loadIncidentRow(ctx, t.queryRow, t.d, in.IncidentID, true)
	if err != nil {
		return nil, "", err
	}
	if r == nil || r.in.AgencyID != agencyID {
		return nil, "", bad
	}
	parties, err := loadParties(ctx, t, []string{r.in.ID})
	if err != nil {
		return nil, "", err
	}
	listed := false
	named := ""
	var suspects []string
	for _, p := range parties[r.in.ID] {
		if p.PersonID == in.PersonID {
			listed = true
			if p.Role == haven.PartyVictim && p.SuspectPersonID != "" {
				named = p.SuspectPersonID
			}
		}
		if p.Role == haven.PartySuspect && p.PersonID != in.PersonID {
			suspects = append(suspects, p.PersonID)
		}
	}
	if !listed {
		return nil, "", bad
	}
	switch {
	case in.SuspectPersonID != "":
		return r, in.SuspectPersonID, checkAssessmentSuspect(ctx, t, in.SuspectPersonID, agencyID)
	case named != "":
		return r, named, nil
	case len(suspects) == 1:
		return r, suspects[0], nil
	}
	return r, "", nil
}

// checkAssessmentSuspect makes sure a named suspect is a person of the
// agency; one of another agency and one that does not exist get the same
// answer.
func checkAssessmentSuspect(ctx context.Context, t *tx, suspectID, agencyID string) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM persons WHERE id = ? AND agency_id = ?`, suspectID, agencyID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return haven.FieldErrorf(haven.EINVALID, "suspect_person_id", "suspect_person_id is not a person of your agency")
	}
	return nil
}

// supersedable checks that the assessment in.Supersedes names is one of
// the same person and agency that nothing supersedes yet.
func supersedable(ctx context.Context, t *tx, in haven.AssessmentInput, agencyID string) (*assessmentRow, error) {
	r, err := loadAssessmentRow(ctx, t.queryRow, in.Supersedes)
	if err != nil {
		return nil, err
	}
	if r == nil || r.a.PersonID != in.PersonID || r.a.AgencyID != agencyID {
		return nil, haven.FieldErrorf(haven.EINVALID, "supersedes", "supersedes must name an assessment of the same person")
	}
	if r.a.SupersededBy != "" {
		return nil, haven.FieldErrorf(haven.ECONFLICT, "supersedes", "that assessment is already superseded by %s; supersede that one instead", r.a.SupersededBy)
	}
	return r, nil
}

// riskFacts computes what Haven knows besides the answers, as at the time
// of the assessment:
//
//   - PoliceCallouts12m counts the agency's domestic incidents in the 12
//     months up to the assessment in which both the person and the suspect
//     are parties, the assessment's own incident always included. When no
//     suspect is known, it counts the person's own domestic incidents: the
//     call-outs to this victim are the best history Haven has, and DASH's
//     escalation question is about the abuse the victim suffers, which a
//     missing suspect record does not make smaller.
//   - MARACReferral12m says a marac_referral was triggered for the person
//     by an assessment made in the 12 months before this one (not counting
//     superseded assessments, nor the one this one corrects).
func riskFacts(ctx context.Context, t *tx, agencyID string, in haven.AssessmentInput, at time.Time) (haven.RiskFacts, error) {
	f := haven.RiskFacts{ProfessionalJudgement: in.ProfessionalJudgement}
	since := at.AddDate(-1, 0, 0)
	q := `SELECT COUNT(*) FROM incidents i WHERE i.agency_id = ?
		AND i.id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)`
	args := []any{agencyID, in.PersonID}
	if in.SuspectPersonID != "" {
		q += ` AND i.id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)`
		args = append(args, in.SuspectPersonID)
	}
	q += ` AND ((i.domestic = ? AND i.event_at > ? AND i.event_at <= ?) OR i.id = ?)`
	args = append(args, true, since, at, in.IncidentID)
	if err := t.queryRow(ctx, q, args...).Scan(&f.PoliceCallouts12m); err != nil {
		return f, err
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM risk_triggers tr JOIN risk_assessments a ON a.id = tr.assessment_id
		WHERE tr.person_id = ? AND tr.action = ? AND a.assessed_at >= ? AND a.assessed_at < ? AND a.id <> ?
		AND NOT EXISTS (SELECT 1 FROM risk_assessments s WHERE s.supersedes = a.id)`,
		in.PersonID, haven.ActionMARACReferral, since, at, in.Supersedes).Scan(&n)
	f.MARACReferral12m = n > 0
	return f, err
}

func (db *DB) insertAssessment(ctx context.Context, t *tx, a *haven.Assessment) error {
	plain, err := json.Marshal(assessmentSecret{Answers: a.Answers, JudgementNote: a.JudgementNote, Reasons: a.Result.Reasons})
	if err != nil {
		return err
	}
	sealed, keyID, err := db.seal(ctx, plain, riskAssessmentAAD(a.ID))
	if err != nil {
		return err
	}
	facts, err := json.Marshal(a.Facts)
	if err != nil {
		return err
	}
	acts, err := json.Marshal(a.Result.Actions)
	if err != nil {
		return err
	}
	r := a.Result
	_, err = t.exec(ctx, `INSERT INTO risk_assessments (id, agency_id, person_id, incident_id, case_id, suspect_person_id,
		instrument, version, score, raw_score, band, band_label, band_note, high, answered, missing, prorated, judgement,
		sealed, key_id, facts, actions, supersedes, assessed_by, assessed_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.AgencyID, a.PersonID, a.IncidentID, a.CaseID, a.SuspectPersonID, r.Instrument, r.Version, r.Score, r.RawScore,
		r.Band, r.BandLabel, r.BandNote, r.High, r.Answered, r.Missing, r.Prorated, a.ProfessionalJudgement,
		sealed, keyID, string(facts), string(acts), a.Supersedes, a.AssessedBy, a.AssessedAt, a.CreatedAt)
	if err != nil && isUniqueViolation(err) && a.Supersedes != "" {
		return haven.FieldErrorf(haven.ECONFLICT, "supersedes", "that assessment has just been superseded by another")
	}
	return err
}

// noPartnerNote is the trigger note when an advocacy task has nowhere to go.
const noPartnerNote = "no partner advocacy agency is set; set one with `haven agency update --partner`"

// carryOut records one trigger per action of a's result and does what the
// action says. superseded is the assessment a corrects, if any.
func (db *DB) carryOut(ctx context.Context, t *tx, a *haven.Assessment, partnerID string, superseded *assessmentRow) error {
	acts := a.Result.Actions
	flag, propose := contains(acts, haven.ActionFlagHighRisk), contains(acts, haven.ActionConferenceProposal)
	if err := db.updateFlag(ctx, t, a, flag || propose, propose, superseded); err != nil {
		return err
	}
	rule := ruleOf(a.Result.Reasons)
	for _, act := range acts {
		tr := haven.RiskTrigger{ID: newID(), AssessmentID: a.ID, Action: act, Rule: rule, CreatedAt: a.CreatedAt}
		if act == haven.ActionAdvocacyTask {
			if partnerID == "" {
				tr.Note = noPartnerNote
			} else {
				tr.TaskID = newID()
			}
		}
		if _, err := t.exec(ctx, `INSERT INTO risk_triggers (id, assessment_id, agency_id, person_id, action, task_id, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tr.ID, a.ID, a.AgencyID, a.PersonID, tr.Action, tr.TaskID, tr.Note, tr.CreatedAt); err != nil {
			return err
		}
		if tr.TaskID != "" {
			if _, err := t.exec(ctx, `INSERT INTO risk_tasks (id, agency_id, from_agency_id, person_id, assessment_id, trigger_id, status, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tr.TaskID, partnerID, a.AgencyID, a.PersonID, a.ID, tr.ID, haven.TaskOpen, a.CreatedAt); err != nil {
				return err
			}
		}
		a.Triggers = append(a.Triggers, tr)
	}
	return nil
}

// updateFlag keeps the person's one active high-risk flag. A flagging
// result replaces the active flag; a proposal for the conference already
// made stays unless this assessment corrects the one that made it. A
// correction that no longer flags clears the flag its superseded
// assessment set.
func (db *DB) updateFlag(ctx context.Context, t *tx, a *haven.Assessment, flag, propose bool, superseded *assessmentRow) error {
	var activeID, activeAssessment string
	var activeProposed bool
	err := t.queryRow(ctx, `SELECT id, assessment_id, proposed FROM risk_flags WHERE person_id = ? AND cleared_at IS NULL`, a.PersonID).
		Scan(&activeID, &activeAssessment, &activeProposed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	corrects := superseded != nil && activeAssessment == superseded.a.ID
	if !flag {
		if activeID != "" && corrects {
			_, err := t.exec(ctx, `UPDATE risk_flags SET cleared_at = ? WHERE id = ?`, a.CreatedAt, activeID)
			return err
		}
		return nil
	}
	if activeID != "" {
		if !corrects {
			propose = propose || activeProposed
		}
		if _, err := t.exec(ctx, `UPDATE risk_flags SET cleared_at = ? WHERE id = ?`, a.CreatedAt, activeID); err != nil {
			return err
		}
	}
	_, err = t.exec(ctx, `INSERT INTO risk_flags (id, person_id, agency_id, assessment_id, flagged_at, proposed) VALUES (?, ?, ?, ?, ?, ?)`,
		newID(), a.PersonID, a.AgencyID, a.ID, a.CreatedAt, propose)
	return err
}

// screenProtocol records what a Lethality Screen settles in its report's
// protocol: the screen was offered ("lethality_screen" done) and, when the
// result does not call for the hotline, "hotline_call" is skipped as not
// screened in. Unlike CompleteStep it does not ask for the earlier steps
// first: the screen happened, whatever else is still to be recorded. Steps
// already recorded are left as they are. It returns the steps it recorded.
func (db *DB) screenProtocol(ctx context.Context, t *tx, incidentID string, a *haven.Assessment) ([]string, error) {
	stored, err := loadProtocol(ctx, t, incidentID)
	if err != nil {
		return nil, err
	}
	type step struct{ key, state, note, reason string }
	steps := []step{{"lethality_screen", "done", "recorded with assessment " + a.ID, ""}}
	if !contains(a.Result.Actions, haven.ActionHotlineCall) {
		steps = append(steps, step{"hotline_call", "skipped", "", "not screened in"})
	}
	var done []string
	for _, s := range steps {
		ok, err := db.recordProtocolStep(ctx, t, incidentID, stored, s.key, s.state, s.note, s.reason, a.CreatedAt, a.AssessedBy)
		if err != nil {
			return nil, err
		}
		if ok {
			done = append(done, s.key)
		}
	}
	if len(done) > 0 {
		if err := insertChanges(ctx, t, []changeInsert{{incidentID: incidentID, at: a.CreatedAt, by: a.AssessedBy, action: "protocol", fields: done}}); err != nil {
			return nil, err
		}
	}
	return done, nil
}

// recordProtocolStep records one protocol step as CompleteStep stores it,
// when it is still open (or, on a report made before the step existed, not
// stored at all); it reports whether it did.
func (db *DB) recordProtocolStep(ctx context.Context, t *tx, incidentID string, stored map[string]protocolRow,
	key, state, note, reason string, at time.Time, by string) (bool, error) {
	pos := -1
	for i, s := range haven.ProtocolSteps {
		if s.Key == key {
			pos = i
		}
	}
	if pos < 0 {
		return false, haven.Internal(fmt.Errorf("no protocol step %q", key))
	}
	row, exists := stored[key]
	if exists && row.state != "open" {
		return false, nil
	}
	if !exists {
		row.id = newID()
	}
	var sealed []byte
	var keyID any
	if note != "" || reason != "" {
		plain, err := json.Marshal(protocolNote{Note: note, Reason: reason})
		if err != nil {
			return false, err
		}
		var k string
		if sealed, k, err = db.seal(ctx, plain, protocolAAD(row.id)); err != nil {
			return false, err
		}
		keyID = k
	}
	if exists {
		res, err := t.exec(ctx, `UPDATE incident_protocol SET state = ?, sealed = ?, key_id = ?, completed_at = ?, completed_by = ?
			WHERE id = ? AND state = 'open'`, state, sealed, keyID, at, by, row.id)
		if err != nil {
			return false, err
		}
		n, _ := res.RowsAffected()
		return n == 1, nil
	}
	_, err := t.exec(ctx, `INSERT INTO incident_protocol (id, incident_id, seq, step, state, sealed, key_id, completed_at, completed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, row.id, incidentID, pos, key, state, sealed, keyID, at, by)
	return err == nil, err
}

func dedupe(list []string) []string {
	out := []string{}
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ---- reads ----

// Assessment returns one assessment, if the policy gives the actor a basis
// for the person's risk assessments (their own agency; another agency on
// a basis covering the "risk" scope, or break-glass). A refusal and a
// missing record give the same "not found"; both are audited, and the read
// is in the log before the data is released.
func (db *DB) Assessment(ctx context.Context, id string) (*haven.Assessment, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	r, err := loadAssessmentRow(ctx, db.readRow, id)
	if err != nil {
		return nil, dbErr(err)
	}
	if r == nil {
		return nil, db.refuseRisk(ctx, access.AssessmentRead, "risk_assessment", id, "", "", "no such record")
	}
	out, err := db.readAssessments(ctx, actor, "risk_assessment", id, r.a.PersonID, r.a.AgencyID, func(t *tx) ([]*assessmentRow, error) {
		return []*assessmentRow{r}, nil
	})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// PersonAssessments lists a person's assessments, newest first, under the
// same rule as Assessment.
func (db *DB) PersonAssessments(ctx context.Context, personID string) ([]*haven.Assessment, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	personID = strings.TrimSpace(personID)
	var agencyID string
	err := db.readRow(ctx, `SELECT agency_id FROM persons WHERE id = ?`, personID).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.refuseRisk(ctx, access.AssessmentRead, "person", personID, "", "", "no such record")
	} else if err != nil {
		return nil, dbErr(err)
	}
	return db.readAssessments(ctx, actor, "person", personID, personID, agencyID, func(t *tx) ([]*assessmentRow, error) {
		return queryAll(ctx, t, scanAssessment, `SELECT `+assessmentCols+` FROM risk_assessments a
			WHERE a.person_id = ? AND a.agency_id = ? ORDER BY a.assessed_at DESC, a.created_at DESC, a.id DESC`, personID, agencyID)
	})
}

// readAssessments decides the actor's basis for one person's assessments
// (looking up grants only for another agency's person), loads them with
// load, and audits the read as one entry naming the person, the basis and
// the assessments shown.
func (db *DB) readAssessments(ctx context.Context, actor haven.Actor, recordType, recordID, personID, agencyID string,
	load func(t *tx) ([]*assessmentRow, error)) ([]*haven.Assessment, error) {
	var out []*haven.Assessment
	var d access.Decision
	err := db.inTx(ctx, false, func(t *tx) error {
		var bases []access.Basis
		if agencyID != actor.AgencyID && actor.UserID != "" {
			var err error
			if bases, err = db.bases(ctx, t, actor, "person", personID); err != nil {
				return err
			}
		}
		d = access.Decide(actor, access.AssessmentRead, access.Target{AgencyID: agencyID, Bases: bases, Now: db.now()})
		if !d.Allow {
			return nil
		}
		rows, err := load(t)
		if err != nil {
			return err
		}
		out, err = db.fillAssessments(ctx, t, rows, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !d.Allow {
		return nil, db.refuseRisk(ctx, access.AssessmentRead, recordType, recordID, personID, agencyID, d.Reason)
	}
	ids := make([]string, len(out))
	for i, a := range out {
		ids[i] = a.ID
	}
	details := map[string]string{"assessments": strings.Join(ids, ",")}
	if d.Basis.Kind == access.BasisBreakGlass {
		details["break_glass"] = "true"
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.AssessmentRead), audit.Allowed, "person", personID, agencyID,
		basisLabel(d), details)); err != nil {
		return nil, err
	}
	return out, nil
}

// IncidentAssessments lists the assessments recorded against a report,
// newest first. Reports are seen only by their own agency, and so are the
// assessments listed through them (another agency reaches a person's
// assessments through the person, on a basis). One audit entry names the
// report and the persons whose assessments were shown.
func (db *DB) IncidentAssessments(ctx context.Context, incidentID string) ([]*haven.Assessment, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	incidentID = strings.TrimSpace(incidentID)
	r, err := loadIncidentRow(ctx, db.readRow, db.dialect, incidentID, false)
	if err != nil {
		return nil, dbErr(err)
	}
	refuse := func(agencyID, reason string) error {
		e := auditEntry(ctx, string(access.AssessmentRead), audit.Denied, "incident", incidentID, agencyID, "", map[string]string{"policy": reason})
		if err := db.auditNow(ctx, e); err != nil {
			return err
		}
		return notFoundIncident()
	}
	if r == nil {
		return nil, refuse("", "no such record")
	}
	d := access.Decide(actor, access.AssessmentRead, access.Target{AgencyID: r.in.AgencyID, Now: db.now()})
	if !d.Allow {
		return nil, refuse(r.in.AgencyID, d.Reason)
	}
	var out []*haven.Assessment
	err = db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanAssessment, `SELECT `+assessmentCols+` FROM risk_assessments a
			WHERE a.incident_id = ? AND a.agency_id = ? ORDER BY a.assessed_at DESC, a.created_at DESC, a.id DESC`, incidentID, r.in.AgencyID)
		if err != nil {
			return err
		}
		out, err = db.fillAssessments(ctx, t, rows, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	persons := map[string]bool{}
	for i, a := range out {
		ids[i] = a.ID
		persons[a.PersonID] = true
	}
	details := map[string]string{"assessments": strings.Join(ids, ","), "person_ids": strings.Join(sortedKeys(persons), ",")}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.AssessmentRead), audit.Allowed, "incident", incidentID, r.in.AgencyID,
		basisLabel(d), details)); err != nil {
		return nil, err
	}
	return out, nil
}
