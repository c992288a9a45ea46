package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// Survivor cases: a case of an agency about a person record of that same
// agency, with a lead advocate, a status, needs, and the risk level of the
// person's latest assessment. The case row keeps in the clear what is
// counted (status, needs, who leads it); the reason a case was closed is
// staff's free text about a survivor and is sealed under
// cases/closed_reason/<id>. Services, notes, tasks, court dates and
// documents are in case_parts.go; caseloads and what is due in
// case_views.go.

var _ haven.CaseService = (*DB)(nil)

func caseReasonAAD(id string) string { return "cases/closed_reason/" + id }

// Limits on what a case holds.
const (
	caseReasonText = 2_000
	caseListMax    = 500
	caseListLimit  = 100
)

// consentNeeded is the answer when the actor's agency may not see the
// other agency's record of the person: the same whether the record is
// missing or only not shared, so it is no oracle for existence.
const consentNeeded = "the survivor's consent to share with your agency is needed first"

var caseStatuses = map[string]bool{haven.CaseOpen: true, haven.CaseActive: true, haven.CaseInactive: true, haven.CaseClosed: true}

// caseMoves are the status changes allowed: open is where a case starts
// (not yet worked); a closed case can be reopened, to active.
var caseMoves = map[string][]string{
	haven.CaseOpen:     {haven.CaseActive, haven.CaseInactive, haven.CaseClosed},
	haven.CaseActive:   {haven.CaseInactive, haven.CaseClosed},
	haven.CaseInactive: {haven.CaseActive, haven.CaseClosed},
	haven.CaseClosed:   {haven.CaseActive},
}

// ---- refusals ----

// caseRefusal is a refusal decided inside a transaction that is then
// rolled back: it carries the audit entries to write afterwards, with
// auditRefusal, so the refusal is logged although the transaction is not
// kept. It unwraps to the Haven error the caller sees.
type caseRefusal struct {
	err     *haven.Error
	entries []audit.Entry
}

func (r *caseRefusal) Error() string { return r.err.Error() }
func (r *caseRefusal) Unwrap() error { return r.err }

// auditRefusal writes the audit entries of a caseRefusal in err (after
// the transaction that made it has rolled back) and returns the Haven
// error; any other error is returned as it is. Callers of openCase call it
// on the error of their inTx.
func (db *DB) auditRefusal(ctx context.Context, err error) error {
	var r *caseRefusal
	if errors.As(err, &r) {
		if aerr := db.auditNow(ctx, r.entries...); aerr != nil {
			return aerr
		}
		return r.err
	}
	return err
}

func refuseCase(ctx context.Context, err *haven.Error, action, recordType, recordID, agencyID, reason string, details map[string]string) *caseRefusal {
	if details == nil {
		details = map[string]string{}
	}
	details["policy"] = reason
	return &caseRefusal{err: err, entries: []audit.Entry{auditEntry(ctx, action, audit.Denied, recordType, recordID, agencyID, "", details)}}
}

func caseNotFound() *haven.Error { return haven.Errorf(haven.ENOTFOUND, "case not found") }

// ---- rows ----

const caseCols = `c.id, c.agency_id, c.number, c.person_id, c.source_person_id, c.lead_advocate, c.status, c.needs, c.closed_reason,
	c.referral_id, c.risk_task_id, c.opened_at, c.closed_at, c.updated_at, c.version`

type caseRow struct {
	c      haven.Case // the plain columns
	needs  string
	reason []byte
}

func scanCase(s interface{ Scan(...any) error }) (*caseRow, error) {
	var r caseRow
	c := &r.c
	var opened, closed, updated nullTime
	err := s.Scan(&c.ID, &c.AgencyID, &c.Number, &c.PersonID, &c.SourcePersonID, &c.LeadAdvocate, &c.Status, &r.needs, &r.reason,
		&c.ReferralID, &c.RiskTaskID, &opened, &closed, &updated, &c.Version)
	c.OpenedAt, c.ClosedAt, c.UpdatedAt = opened.Time, closed.ptr(), updated.Time
	return &r, err
}

// loadCaseRow reads one case; nil when there is none. forUpdate locks the
// row on PostgreSQL (SQLite has one writer anyway).
func loadCaseRow(ctx context.Context, t *tx, id string, forUpdate bool) (*caseRow, error) {
	q := `SELECT ` + caseCols + ` FROM cases c WHERE c.id = ?`
	if forUpdate && t.d.name == "postgres" {
		q += ` FOR UPDATE`
	}
	r, err := scanCase(t.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// ---- validation ----

// cleanNeeds checks needs against haven.CaseNeeds and returns them once
// each, in that list's order.
func cleanNeeds(needs []string) ([]string, error) {
	want := map[string]bool{}
	for i, n := range needs {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if !contains(haven.CaseNeeds, n) {
			return nil, haven.FieldErrorf(haven.EINVALID, "needs", "needs[%d] must be one of %s", i, strings.Join(haven.CaseNeeds, ", "))
		}
		want[n] = true
	}
	out := []string{}
	for _, n := range haven.CaseNeeds {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// checkStaff checks that userID is an active user of agencyID whose role
// passes ok; field names the input for the error.
func checkStaff(ctx context.Context, t *tx, agencyID, userID, field string, ok func(haven.Role) bool, what string) error {
	var agency, role string
	var disabled nullTime
	err := t.queryRow(ctx, `SELECT agency_id, role, disabled_at FROM users WHERE id = ?`, userID).Scan(&agency, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (agency != agencyID || !ok(haven.Role(role)) || disabled.Valid)) {
		return haven.FieldErrorf(haven.EINVALID, field, "%s must be an active %s of your agency", field, what)
	}
	return err
}

func checkLead(ctx context.Context, t *tx, agencyID, userID string) error {
	if userID == "" {
		return haven.FieldErrorf(haven.EINVALID, "lead_advocate", "lead_advocate is required")
	}
	return checkStaff(ctx, t, agencyID, userID, "lead_advocate", access.CaseLeadRole, "advocate or supervisor")
}

// ---- numbering ----

// reserveCaseNumber takes the next number of the agency's case series for
// year, in the caller's transaction (the same upsert as incident numbers,
// on a counter of its own: case numbers have no gaps either).
func reserveCaseNumber(ctx context.Context, t *tx, agencyID string, year int) (int64, error) {
	var last int64
	err := t.queryRow(ctx, `INSERT INTO case_counters (agency_id, year, last_number) VALUES (?, ?, 1)
		ON CONFLICT (agency_id, year) DO UPDATE SET last_number = case_counters.last_number + 1
		RETURNING last_number`, agencyID, year).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("case number: %w", err)
	}
	return last, nil
}

// ---- opening ----

// CreateCase opens a case for a person of the actor's own agency. A
// person has at most one case in progress (open, active or inactive) per
// agency: asking for a second is a conflict naming the first.
func (db *DB) CreateCase(ctx context.Context, in haven.CaseInput) (*haven.Case, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	in.PersonID = strings.TrimSpace(in.PersonID)
	if in.PersonID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "person_id", "person_id is required")
	}
	var out *haven.Case
	var entries []audit.Entry
	err := db.inTx(ctx, true, func(t *tx) error {
		var err error
		out, entries, err = db.openCaseTx(ctx, t, actor, in, "", "", "")
		return err
	})
	if err != nil {
		return nil, db.auditRefusal(ctx, err)
	}
	if err := db.auditNow(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// openCase opens a case in t for the actor's agency. When sourcePersonID
// is set (another agency's record of the person), it first reads that
// record as the actor may (person.read with the grants db.bases finds: a
// consent decides what is visible, and openPerson withholds contact
// details outside the consent's scope and confidential addresses always)
// and creates the agency's own person record from it, then opens the case
// linked to both; in.PersonID is then ignored. When the agency already has
// a case in progress for the same person (the same source record, or the
// same own record), that case is returned, linked to referralID or
// riskTaskID, instead of a second one. Audited inside t.
//
// A refusal (no basis to see the source record: consentNeeded, a
// conflict; or no right to open cases) is returned as an error that
// carries its audit entry: callers pass the error of their inTx through
// db.auditRefusal, which writes the entry after the rollback.
func (db *DB) openCase(ctx context.Context, t *tx, actor haven.Actor, in haven.CaseInput, sourcePersonID, referralID, riskTaskID string) (*haven.Case, error) {
	c, entries, err := db.openCaseTx(ctx, t, actor, in, sourcePersonID, referralID, riskTaskID)
	if err != nil {
		return nil, err
	}
	if err := db.appendAudit(ctx, t, entries...); err != nil {
		return nil, err
	}
	return c, nil
}

// openCaseTx is openCase that returns its audit entries (those of the
// writes and of the reads made to show the case) instead of appending
// them, for callers that append them themselves.
func (db *DB) openCaseTx(ctx context.Context, t *tx, actor haven.Actor, in haven.CaseInput, sourcePersonID, referralID, riskTaskID string) (*haven.Case, []audit.Entry, error) {
	if !actor.Authenticated() {
		return nil, nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.AgencyID == "" {
		return nil, nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to open a case")
	}
	now := utcMicro(db.now())
	d := access.Decide(actor, access.CaseCreate, access.Target{AgencyID: actor.AgencyID, Now: now})
	if !d.Allow {
		return nil, nil, refuseCase(ctx, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason), string(access.CaseCreate), "case", "", actor.AgencyID, d.Reason, nil)
	}
	in.PersonID, in.LeadAdvocate = strings.TrimSpace(in.PersonID), strings.TrimSpace(in.LeadAdvocate)
	sourcePersonID = strings.TrimSpace(sourcePersonID)
	if in.LeadAdvocate == "" {
		in.LeadAdvocate = actor.UserID
	}
	needs, err := cleanNeeds(in.Needs)
	if err != nil {
		return nil, nil, err
	}
	if err := checkLead(ctx, t, actor.AgencyID, in.LeadAdvocate); err != nil {
		return nil, nil, err
	}
	var entries []audit.Entry
	var source *haven.Person
	if sourcePersonID != "" {
		row, err := loadPersonRow(ctx, t.queryRow, sourcePersonID)
		if err != nil {
			return nil, nil, err
		}
		refuse := func(agencyID, reason string) error {
			return refuseCase(ctx, haven.Errorf(haven.ECONFLICT, consentNeeded), string(access.PersonRead), "person", sourcePersonID,
				agencyID, reason, map[string]string{"purpose": "open_case"})
		}
		switch {
		case row == nil:
			return nil, nil, refuse("", "no such record")
		case row.agencyID == actor.AgencyID:
			// The agency's own record: nothing to copy.
			in.PersonID, sourcePersonID = sourcePersonID, ""
		default:
			bases, err := db.bases(ctx, t, actor, "person", sourcePersonID)
			if err != nil {
				return nil, nil, err
			}
			pd := access.Decide(actor, access.PersonRead, access.Target{AgencyID: row.agencyID, Bases: bases, Now: now})
			if !pd.Allow {
				return nil, nil, refuse(row.agencyID, pd.Reason)
			}
			if pd.Basis.Kind == access.BasisBreakGlass {
				// An emergency opening lets one read; it is no basis to
				// copy a record into another agency.
				return nil, nil, refuse(row.agencyID, "an emergency opening is no basis to copy a record")
			}
			if source, err = db.openPerson(ctx, row, pd); err != nil {
				return nil, nil, err
			}
			details := map[string]string{"purpose": "open_case"}
			if len(source.Access.Withheld) > 0 {
				details["withheld"] = strings.Join(source.Access.Withheld, "; ")
			}
			entries = append(entries, auditEntry(ctx, string(access.PersonRead), audit.Allowed, "person", sourcePersonID, row.agencyID,
				basisLabel(pd), details))
		}
	} else if in.PersonID == "" {
		return nil, nil, haven.FieldErrorf(haven.EINVALID, "person_id", "person_id is required")
	}
	linked := referralID != "" || riskTaskID != ""

	// A case already in progress for this person?
	var existing *caseRow
	if sourcePersonID != "" {
		existing, err = scanCaseMaybe(t.queryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.agency_id = ? AND c.source_person_id = ?
			AND c.status <> ? ORDER BY c.opened_at, c.id LIMIT 1`, actor.AgencyID, sourcePersonID, haven.CaseClosed))
	} else {
		var own *personRow
		if own, err = loadPersonRow(ctx, t.queryRow, in.PersonID); err != nil {
			return nil, nil, err
		}
		if own == nil || own.agencyID != actor.AgencyID {
			agencyID := ""
			if own != nil {
				agencyID = own.agencyID
			}
			return nil, nil, refuseCase(ctx, haven.Errorf(haven.ENOTFOUND, "person not found"), string(access.CaseCreate), "person", in.PersonID,
				agencyID, "a case is opened for a person record of the agency's own", nil)
		}
		existing, err = scanCaseMaybe(t.queryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.agency_id = ? AND c.person_id = ?
			AND c.status <> ? ORDER BY c.opened_at, c.id LIMIT 1`, actor.AgencyID, in.PersonID, haven.CaseClosed))
	}
	if err != nil {
		return nil, nil, err
	}
	if existing != nil {
		if !linked {
			return nil, nil, haven.FieldErrorf(haven.ECONFLICT, "person_id", "this person already has a case in progress: %s", existing.c.Number)
		}
		c, more, err := db.linkCase(ctx, t, actor, d, existing, needs, referralID, riskTaskID, now)
		if err != nil {
			return nil, nil, err
		}
		return c, append(entries, more...), nil
	}

	if source != nil {
		p := &haven.Person{AgencyID: actor.AgencyID, GivenName: source.GivenName, FamilyName: source.FamilyName, Aliases: source.Aliases,
			DateOfBirth: source.DateOfBirth, Sex: source.Sex, Gender: source.Gender, Languages: source.Languages,
			Phones: source.Phones, Emails: source.Emails, Addresses: source.Addresses, SafeContact: source.SafeContact}
		e, err := db.createPersonTx(ctx, t, actor, p, map[string]string{"source_person_id": sourcePersonID, "from_basis": source.Access.Basis + ":" + source.Access.BasisID})
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
		in.PersonID = p.ID
	}

	na, err := loadNumberAgency(ctx, t, actor.AgencyID)
	if err != nil {
		return nil, nil, err
	}
	year := now.In(na.loc).Year()
	n, err := reserveCaseNumber(ctx, t, actor.AgencyID, year)
	if err != nil {
		return nil, nil, err
	}
	needsJSON, _ := json.Marshal(needs)
	r := &caseRow{needs: string(needsJSON)}
	r.c = haven.Case{ID: newID(), AgencyID: actor.AgencyID, Number: na.format(year, n), PersonID: in.PersonID, SourcePersonID: sourcePersonID,
		LeadAdvocate: in.LeadAdvocate, Status: haven.CaseOpen, ReferralID: referralID, RiskTaskID: riskTaskID,
		OpenedAt: now, UpdatedAt: now, Version: 1}
	if _, err := t.exec(ctx, `INSERT INTO cases (id, agency_id, number, person_id, source_person_id, lead_advocate, status, needs,
		referral_id, risk_task_id, opened_at, updated_at, version, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.c.ID, r.c.AgencyID, r.c.Number, r.c.PersonID, r.c.SourcePersonID, r.c.LeadAdvocate, r.c.Status, r.needs,
		r.c.ReferralID, r.c.RiskTaskID, now, now, r.c.Version, actorLabel(actor)); err != nil {
		return nil, nil, err
	}
	if err := insertCaseLinks(ctx, t, actor, r.c.ID, referralID, riskTaskID, now); err != nil {
		return nil, nil, err
	}
	details := map[string]string{"person_id": r.c.PersonID, "number": r.c.Number, "lead_advocate": r.c.LeadAdvocate, "needs": strings.Join(needs, ",")}
	for k, v := range map[string]string{"source_person_id": sourcePersonID, "referral_id": referralID, "risk_task_id": riskTaskID} {
		if v != "" {
			details[k] = v
		}
	}
	entries = append(entries, auditEntry(ctx, string(access.CaseCreate), audit.Allowed, "case", r.c.ID, r.c.AgencyID, basisLabel(d), details))
	cs, more, err := db.fillCases(ctx, t, actor, []*caseRow{r})
	if err != nil {
		return nil, nil, err
	}
	return cs[0], append(entries, more...), nil
}

func scanCaseMaybe(row *sql.Row) (*caseRow, error) {
	r, err := scanCase(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

func insertCaseLinks(ctx context.Context, t *tx, actor haven.Actor, caseID, referralID, riskTaskID string, now time.Time) error {
	for kind, id := range map[string]string{"referral": referralID, "risk_task": riskTaskID} {
		if id == "" {
			continue
		}
		if _, err := t.exec(ctx, `INSERT INTO case_links (case_id, kind, link_id, linked_at, linked_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (case_id, kind, link_id) DO NOTHING`, caseID, kind, id, now, actorLabel(actor)); err != nil {
			return err
		}
	}
	return nil
}

// linkCase links a referral or a high-risk task to a case in progress: the
// case names the latest of each, case_links keeps them all, and the needs
// it brings are added to the case's.
func (db *DB) linkCase(ctx context.Context, t *tx, actor haven.Actor, d access.Decision, r *caseRow, needs []string, referralID, riskTaskID string, now time.Time) (*haven.Case, []audit.Entry, error) {
	if referralID != "" {
		r.c.ReferralID = referralID
	}
	if riskTaskID != "" {
		r.c.RiskTaskID = riskTaskID
	}
	var had []string
	if err := json.Unmarshal([]byte(r.needs), &had); err != nil {
		return nil, nil, haven.Internal(fmt.Errorf("case %s needs: %w", r.c.ID, err))
	}
	merged, err := cleanNeeds(append(had, needs...))
	if err != nil {
		return nil, nil, err
	}
	b, _ := json.Marshal(merged)
	r.needs = string(b)
	r.c.Version++
	r.c.UpdatedAt = now
	if _, err := t.exec(ctx, `UPDATE cases SET referral_id = ?, risk_task_id = ?, needs = ?, version = ?, updated_at = ? WHERE id = ?`,
		r.c.ReferralID, r.c.RiskTaskID, r.needs, r.c.Version, now, r.c.ID); err != nil {
		return nil, nil, err
	}
	if err := insertCaseLinks(ctx, t, actor, r.c.ID, referralID, riskTaskID, now); err != nil {
		return nil, nil, err
	}
	details := map[string]string{"person_id": r.c.PersonID, "linked": "true", "needs": strings.Join(merged, ",")}
	if referralID != "" {
		details["referral_id"] = referralID
	}
	if riskTaskID != "" {
		details["risk_task_id"] = riskTaskID
	}
	entries := []audit.Entry{auditEntry(ctx, string(access.CaseUpdate), audit.Allowed, "case", r.c.ID, r.c.AgencyID, basisLabel(d), details)}
	cs, more, err := db.fillCases(ctx, t, actor, []*caseRow{r})
	if err != nil {
		return nil, nil, err
	}
	return cs[0], append(entries, more...), nil
}

// createPersonTx creates p for the actor's agency inside t, as
// CreatePerson does (validated, sealed, indexed), and returns the audit
// entry for the caller to append. details are added to the entry.
func (db *DB) createPersonTx(ctx context.Context, t *tx, actor haven.Actor, p *haven.Person, details map[string]string) (audit.Entry, error) {
	p.AgencyID = actor.AgencyID
	d := access.Decide(actor, access.PersonCreate, access.Target{AgencyID: p.AgencyID, Now: db.now()})
	if !d.Allow {
		return audit.Entry{}, refuseCase(ctx, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason), string(access.PersonCreate), "person", "", p.AgencyID, d.Reason, nil)
	}
	now := db.now()
	if err := validatePerson(p, now); err != nil {
		return audit.Entry{}, err
	}
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = newID(), now, now, 1
	p.Access = &haven.AccessNote{Basis: string(d.Basis.Kind)}
	sealed, keyID, err := db.sealPerson(ctx, p)
	if err != nil {
		return audit.Entry{}, haven.Internal(err)
	}
	if _, err := t.exec(ctx, `INSERT INTO persons (id, agency_id, data, key_id, version, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.AgencyID, sealed, keyID, p.Version, actorLabel(actor), now, now); err != nil {
		return audit.Entry{}, err
	}
	if err := db.writeIndex(ctx, t, p); err != nil {
		return audit.Entry{}, err
	}
	return auditEntry(ctx, string(access.PersonCreate), audit.Allowed, "person", p.ID, p.AgencyID, basisLabel(d), details), nil
}

// ---- filling ----

// fillCases opens rows into cases with what a case shows besides its
// columns: the person's name (the agency's own record), the lead's name,
// the risk level, the next due date and the overdue tasks. It returns the
// audit entries of the reads of other agencies' risk assessments it made
// (the source record's, when a basis covering risk lets the actor see
// them).
func (db *DB) fillCases(ctx context.Context, t *tx, actor haven.Actor, rows []*caseRow) ([]*haven.Case, []audit.Entry, error) {
	out := make([]*haven.Case, 0, len(rows))
	if len(rows) == 0 {
		return out, nil, nil
	}
	own := access.Decision{Allow: true, Basis: access.Basis{Kind: access.BasisOwnAgency}}
	users := map[string]bool{}
	persons := map[string]bool{}
	byID := map[string]*haven.Case{}
	ids := make([]any, 0, len(rows))
	for _, r := range rows {
		c := r.c
		if err := json.Unmarshal([]byte(r.needs), &c.Needs); err != nil {
			return nil, nil, haven.Internal(fmt.Errorf("case %s needs: %w", c.ID, err))
		}
		if c.Needs == nil {
			c.Needs = []string{}
		}
		if r.reason != nil {
			plain, err := db.open(ctx, r.reason, caseReasonAAD(c.ID))
			if err != nil {
				return nil, nil, err
			}
			c.ClosedReason = string(plain)
		}
		users[c.LeadAdvocate] = true
		persons[c.PersonID] = true
		out = append(out, &c)
		byID[c.ID] = &c
		ids = append(ids, c.ID)
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, nil, err
	}
	pnames := map[string]string{}
	pids := make([]any, 0, len(persons))
	for _, id := range sortedKeys(persons) {
		pids = append(pids, id)
	}
	for start := 0; start < len(pids); start += 500 {
		chunk := pids[start:min(start+500, len(pids))]
		prs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (*personRow, error) {
			var r personRow
			return &r, s.Scan(&r.id, &r.agencyID, &r.data, &r.version, &r.created, &r.updated)
		}, `SELECT id, agency_id, data, version, created_at, updated_at FROM persons WHERE id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, nil, err
		}
		for _, pr := range prs {
			p, err := db.openPerson(ctx, pr, own)
			if err != nil {
				return nil, nil, err
			}
			pnames[p.ID] = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
		}
	}
	now := db.now()
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		type due struct {
			caseID  string
			next    nullTime
			overdue int
		}
		dues, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (due, error) {
			var d due
			return d, s.Scan(&d.caseID, &d.next, &d.overdue)
		}, `SELECT case_id, MIN(due_at), SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) FROM case_tasks
			WHERE done_at IS NULL AND case_id IN (`+placeholders(len(chunk))+`) GROUP BY case_id`, append([]any{now}, chunk...)...)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range dues {
			c := byID[d.caseID]
			c.NextDue, c.OverdueTasks = d.next.ptr(), d.overdue
		}
		courts, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (due, error) {
			var d due
			return d, s.Scan(&d.caseID, &d.next)
		}, `SELECT case_id, MIN(at) FROM case_court_dates WHERE at >= ? AND case_id IN (`+placeholders(len(chunk))+`) GROUP BY case_id`,
			append([]any{now}, chunk...)...)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range courts {
			c := byID[d.caseID]
			if d.next.Valid && (c.NextDue == nil || d.next.Time.Before(*c.NextDue)) {
				c.NextDue = d.next.ptr()
			}
		}
	}
	for _, c := range out {
		c.LeadName, c.PersonName = names[c.LeadAdvocate], pnames[c.PersonID]
	}
	entries, err := db.caseRisk(ctx, t, actor, out)
	return out, entries, err
}

// latestRisk is a person's latest assessment that no correction
// supersedes.
type latestRisk struct {
	personID, assessmentID, label string
	high                          bool
	at                            time.Time
}

// latestRisks finds the latest non-superseded assessment of each person.
func latestRisks(ctx context.Context, t *tx, personIDs []string) (map[string]latestRisk, error) {
	out := map[string]latestRisk{}
	for start := 0; start < len(personIDs); start += 500 {
		chunk := make([]any, 0, 500)
		for _, id := range personIDs[start:min(start+500, len(personIDs))] {
			chunk = append(chunk, id)
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (latestRisk, error) {
			var l latestRisk
			var at nullTime
			err := s.Scan(&l.personID, &l.assessmentID, &l.label, &l.high, &at)
			l.at = at.Time
			return l, err
		}, `SELECT a.person_id, a.id, a.band_label, a.high, a.assessed_at FROM risk_assessments a
			WHERE a.person_id IN (`+placeholders(len(chunk))+`)
			AND NOT EXISTS (SELECT 1 FROM risk_assessments s WHERE s.supersedes = a.id)
			ORDER BY a.person_id, a.assessed_at DESC, a.created_at DESC, a.id DESC`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, l := range rows {
			if _, seen := out[l.personID]; !seen {
				out[l.personID] = l
			}
		}
	}
	return out, nil
}

// caseRisk fills each case's risk level: the band of the latest
// assessment of its person or, when a basis covering risk lets the actor
// see them (consent with the risk scope, a referral, …; not break-glass,
// which is for one record the user opened), of its source person,
// whichever is later. Each read of another agency's assessment is
// returned as an audit entry.
func (db *DB) caseRisk(ctx context.Context, t *tx, actor haven.Actor, cases []*haven.Case) ([]audit.Entry, error) {
	persons := map[string]bool{}
	for _, c := range cases {
		persons[c.PersonID] = true
	}
	own, err := latestRisks(ctx, t, sortedKeys(persons))
	if err != nil {
		return nil, err
	}
	var entries []audit.Entry
	sources := map[string]*latestRisk{} // visible source persons' latest
	decided := map[string]bool{}
	for _, c := range cases {
		best, ok := own[c.PersonID]
		if src := c.SourcePersonID; src != "" {
			if !decided[src] {
				decided[src] = true
				l, e, err := db.sourceRisk(ctx, t, actor, src)
				if err != nil {
					return nil, err
				}
				sources[src] = l
				if e != nil {
					entries = append(entries, *e)
				}
			}
			if l := sources[src]; l != nil && (!ok || l.at.After(best.at)) {
				best, ok = *l, true
			}
		}
		if ok {
			c.RiskLevel, c.RiskHigh = best.label, best.high
		}
	}
	return entries, nil
}

// sourceRisk reads another agency's person's latest assessment when the
// actor has a basis for it, with the audit entry of that read.
func (db *DB) sourceRisk(ctx context.Context, t *tx, actor haven.Actor, personID string) (*latestRisk, *audit.Entry, error) {
	var agencyID string
	err := t.queryRow(ctx, `SELECT agency_id FROM persons WHERE id = ?`, personID).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	bases, err := db.bases(ctx, t, actor, "person", personID)
	if err != nil {
		return nil, nil, err
	}
	kept := bases[:0:0]
	for _, b := range bases {
		if b.Kind != access.BasisBreakGlass {
			kept = append(kept, b)
		}
	}
	d := access.Decide(actor, access.AssessmentRead, access.Target{AgencyID: agencyID, Bases: kept, Now: db.now()})
	if !d.Allow {
		return nil, nil, nil
	}
	ls, err := latestRisks(ctx, t, []string{personID})
	if err != nil {
		return nil, nil, err
	}
	l, ok := ls[personID]
	if !ok {
		return nil, nil, nil
	}
	e := auditEntry(ctx, string(access.AssessmentRead), audit.Allowed, "person", personID, agencyID, basisLabel(d),
		map[string]string{"assessments": l.assessmentID, "purpose": "case_risk_level"})
	return &l, &e, nil
}

// ---- reading and changing ----

// withCase runs fn on case id in a transaction once the policy allows
// action on it. A missing case and a refusal answer alike ("case not
// found") and are audited. fn returns the audit entries of what it did:
// appended inside a writable transaction, or written once a read-only one
// has committed (before anything is released).
func (db *DB) withCase(ctx context.Context, id string, action access.Action, writable bool,
	fn func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error)) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	var entries []audit.Entry
	err := db.inTx(ctx, writable, func(t *tx) error {
		r, err := loadCaseRow(ctx, t, id, writable)
		if err != nil {
			return err
		}
		if r == nil {
			return refuseCase(ctx, caseNotFound(), string(action), "case", id, "", "no such record", nil)
		}
		var bases []access.Basis
		if r.c.AgencyID != actor.AgencyID && (action == access.CaseNoteRead || action == access.CaseDocumentRead) {
			if bases, err = db.bases(ctx, t, actor, "person", r.c.PersonID); err != nil {
				return err
			}
		}
		d := access.Decide(actor, action, access.Target{AgencyID: r.c.AgencyID, UserID: r.c.LeadAdvocate, Bases: bases, Now: db.now()})
		if !d.Allow {
			return refuseCase(ctx, caseNotFound(), string(action), "case", id, r.c.AgencyID, d.Reason, map[string]string{"person_id": r.c.PersonID})
		}
		if entries, err = fn(t, r, d); err != nil {
			return err
		}
		if writable {
			return db.appendAudit(ctx, t, entries...)
		}
		return nil
	})
	if err != nil {
		return db.auditRefusal(ctx, err)
	}
	if !writable {
		return db.auditNow(ctx, entries...)
	}
	return nil
}

// Case returns one case of the actor's agency.
func (db *DB) Case(ctx context.Context, id string) (*haven.Case, error) {
	actor := haven.ActorFromContext(ctx)
	var out *haven.Case
	err := db.withCase(ctx, id, access.CaseRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		cs, entries, err := db.fillCases(ctx, t, actor, []*caseRow{r})
		if err != nil {
			return nil, err
		}
		out = cs[0]
		return append([]audit.Entry{auditEntry(ctx, string(access.CaseRead), audit.Allowed, "case", r.c.ID, r.c.AgencyID, basisLabel(d),
			map[string]string{"person_id": r.c.PersonID})}, entries...), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCase changes a case's status, lead or needs. Closing needs a
// reason; a closed case can be reopened (to active), which clears the
// reason. Changing the lead is for the current lead or a supervisor.
func (db *DB) UpdateCase(ctx context.Context, id string, p haven.CasePatch) (*haven.Case, error) {
	actor := haven.ActorFromContext(ctx)
	if p.LeadAdvocate == nil && p.Status == nil && p.Needs == nil && p.ClosedReason == nil {
		return nil, haven.Errorf(haven.EINVALID, "nothing to change: give lead_advocate, status, closed_reason or needs")
	}
	var out *haven.Case
	err := db.withCase(ctx, id, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		c := &r.c
		if p.Version != nil && *p.Version != c.Version {
			return nil, haven.FieldErrorf(haven.ECONFLICT, "version", "the case was changed by someone else (version %d, you sent %d); reload it and try again", c.Version, *p.Version)
		}
		now := utcMicro(db.now())
		var changed []string
		details := map[string]string{"person_id": c.PersonID}
		if p.LeadAdvocate != nil && strings.TrimSpace(*p.LeadAdvocate) != c.LeadAdvocate {
			lead := strings.TrimSpace(*p.LeadAdvocate)
			if ad := access.Decide(actor, access.CaseAssign, access.Target{AgencyID: c.AgencyID, UserID: c.LeadAdvocate, Now: now}); !ad.Allow {
				return nil, haven.FieldErrorf(haven.EFORBIDDEN, "lead_advocate", "%s", ad.Reason)
			}
			if err := checkLead(ctx, t, c.AgencyID, lead); err != nil {
				return nil, err
			}
			details["lead_from"], details["lead_to"] = c.LeadAdvocate, lead
			c.LeadAdvocate = lead
			changed = append(changed, "lead_advocate")
		}
		if p.Needs != nil {
			needs, err := cleanNeeds(*p.Needs)
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(needs)
			if string(b) != r.needs {
				r.needs = string(b)
				details["needs"] = strings.Join(needs, ",")
				changed = append(changed, "needs")
			}
		}
		reasonText := ""
		if p.ClosedReason != nil {
			reasonText = strings.TrimSpace(*p.ClosedReason)
			if err := checkText("closed_reason", reasonText, caseReasonText); err != nil {
				return nil, err
			}
		}
		if p.Status != nil && strings.TrimSpace(*p.Status) != c.Status {
			to := strings.ToLower(strings.TrimSpace(*p.Status))
			if !caseStatuses[to] {
				return nil, haven.FieldErrorf(haven.EINVALID, "status", "status must be open, active, inactive or closed")
			}
			if !contains(caseMoves[c.Status], to) {
				return nil, haven.FieldErrorf(haven.ECONFLICT, "status", "a %s case cannot be made %s", c.Status, to)
			}
			switch {
			case to == haven.CaseClosed:
				if reasonText == "" {
					return nil, haven.FieldErrorf(haven.EINVALID, "closed_reason", "say why the case is closed")
				}
				sealed, keyID, err := db.seal(ctx, []byte(reasonText), caseReasonAAD(c.ID))
				if err != nil {
					return nil, err
				}
				if _, err := t.exec(ctx, `UPDATE cases SET closed_reason = ?, key_id = ?, closed_at = ? WHERE id = ?`, sealed, keyID, now, c.ID); err != nil {
					return nil, err
				}
				r.reason, c.ClosedAt = sealed, &now
			case c.Status == haven.CaseClosed:
				details["reopened"] = "true"
				if _, err := t.exec(ctx, `UPDATE cases SET closed_reason = NULL, key_id = NULL, closed_at = NULL WHERE id = ?`, c.ID); err != nil {
					return nil, err
				}
				r.reason, c.ClosedAt = nil, nil
			}
			details["status_from"], details["status_to"] = c.Status, to
			c.Status = to
			changed = append(changed, "status")
		} else if reasonText != "" && c.Status != haven.CaseClosed {
			return nil, haven.FieldErrorf(haven.EINVALID, "closed_reason", "closed_reason is given only when closing the case")
		}
		if len(changed) > 0 {
			c.Version++
			c.UpdatedAt = now
			if _, err := t.exec(ctx, `UPDATE cases SET lead_advocate = ?, status = ?, needs = ?, version = ?, updated_at = ? WHERE id = ?`,
				c.LeadAdvocate, c.Status, r.needs, c.Version, now, c.ID); err != nil {
				return nil, err
			}
		}
		cs, entries, err := db.fillCases(ctx, t, actor, []*caseRow{r})
		if err != nil {
			return nil, err
		}
		out = cs[0]
		if len(changed) == 0 {
			return entries, nil
		}
		sort.Strings(changed)
		details["fields"] = strings.Join(changed, ",")
		return append([]audit.Entry{auditEntry(ctx, string(access.CaseUpdate), audit.Allowed, "case", c.ID, c.AgencyID, basisLabel(d), details)}, entries...), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OpenCaseFromRiskTask accepts an open high-risk task of the actor's
// agency's queue and opens a case for the task's person (or links the
// agency's case in progress for that person), in one transaction: the
// agency's own person record is made from what the survivor's consent lets
// it see of the assessing agency's record. Without such a consent it is a
// conflict saying so, and the task stays open.
func (db *DB) OpenCaseFromRiskTask(ctx context.Context, taskID string) (*haven.Case, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	taskID = strings.TrimSpace(taskID)
	var out *haven.Case
	err := db.inTx(ctx, true, func(t *tx) error {
		q := `SELECT ` + riskTaskCols + riskTaskFrom + ` WHERE t.id = ?`
		if t.d.name == "postgres" {
			q += ` FOR UPDATE OF t`
		}
		r, err := scanTask(t.queryRow(ctx, q, taskID))
		if errors.Is(err, sql.ErrNoRows) {
			return refuseCase(ctx, haven.Errorf(haven.ENOTFOUND, "task not found"), string(access.RiskTaskDecide), "risk_task", taskID, "", "no such record", nil)
		} else if err != nil {
			return err
		}
		d := access.Decide(actor, access.RiskTaskDecide, access.Target{AgencyID: r.t.AgencyID, Now: db.now()})
		if !d.Allow {
			return refuseCase(ctx, haven.Errorf(haven.ENOTFOUND, "task not found"), string(access.RiskTaskDecide), "risk_task", taskID, r.t.AgencyID, d.Reason, nil)
		}
		if r.t.Status != haven.TaskOpen {
			return haven.Errorf(haven.ECONFLICT, "the task is already %s", r.t.Status)
		}
		c, err := db.openCase(ctx, t, actor, haven.CaseInput{}, r.t.PersonID, "", r.t.ID)
		if err != nil {
			return err
		}
		now := utcMicro(db.now())
		res, err := t.exec(ctx, `UPDATE risk_tasks SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = ?`,
			haven.TaskAccepted, now, actorLabel(actor), taskID, haven.TaskOpen)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return haven.Errorf(haven.ECONFLICT, "the task was decided meanwhile")
		}
		out = c
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.RiskTaskDecide), audit.Allowed, "risk_task", taskID, r.t.AgencyID,
			basisLabel(d), map[string]string{"status": haven.TaskAccepted, "assessment_id": r.t.AssessmentID, "person_id": r.t.PersonID, "case_id": c.ID}))
	})
	if err != nil {
		return nil, db.auditRefusal(ctx, err)
	}
	return out, nil
}
