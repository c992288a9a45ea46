package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// Caseloads and what is due: an advocate's own cases and open tasks, the
// reminders that have come, and the supervisor's view across the
// agency's advocates. All of it is the actor's own agency's.

// caseListCheck asks the policy for a listing of the actor's agency (lead:
// whose caseload; "" for the whole agency's or the actor's own) and
// records a refusal.
func (db *DB) caseListCheck(ctx context.Context, action access.Action, lead string) (haven.Actor, access.Decision, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return actor, access.Decision{}, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.AgencyID == "" {
		return actor, access.Decision{}, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to list its cases")
	}
	d := access.Decide(actor, action, access.Target{AgencyID: actor.AgencyID, UserID: lead, Now: db.now()})
	if !d.Allow {
		return actor, d, db.refuseRiskList(ctx, action, "case", actor.AgencyID, d.Reason)
	}
	return actor, d, nil
}

// FindCases lists cases of the actor's agency, newest first. A supervisor
// lists the whole agency's or one lead's (f.Lead); anyone else lists their
// own caseload (f.Lead empty or their own id). One person's cases
// (f.PersonID, a record of the agency) are listed whoever leads them.
// Status "" lists cases in progress (open, active, inactive), "all" every
// case, or one status.
func (db *DB) FindCases(ctx context.Context, f haven.CaseFilter) ([]*haven.Case, error) {
	f.Lead, f.Status, f.PersonID = strings.TrimSpace(f.Lead), strings.ToLower(strings.TrimSpace(f.Status)), strings.TrimSpace(f.PersonID)
	if f.Status != "" && f.Status != "all" && !caseStatuses[f.Status] {
		return nil, haven.FieldErrorf(haven.EINVALID, "status", "status must be open, active, inactive, closed or all")
	}
	if err := checkText("lead", f.Lead, 100); err != nil {
		return nil, err
	}
	if err := checkText("person_id", f.PersonID, 100); err != nil {
		return nil, err
	}
	actor, d, err := db.caseListCheck(ctx, access.CaseList, f.Lead)
	if err != nil {
		return nil, err
	}
	if f.Lead == "" && f.PersonID == "" && actor.Role != haven.RoleSupervisor && actor.System == "" {
		f.Lead = actor.UserID
	}
	if f.Limit <= 0 {
		f.Limit = caseListLimit
	}
	f.Limit = min(f.Limit, caseListMax)
	q := `SELECT ` + caseCols + ` FROM cases c WHERE c.agency_id = ?`
	args := []any{actor.AgencyID}
	if f.Lead != "" {
		q += ` AND c.lead_advocate = ?`
		args = append(args, f.Lead)
	}
	if f.PersonID != "" {
		q += ` AND c.person_id = ?`
		args = append(args, f.PersonID)
	}
	switch f.Status {
	case "":
		q += ` AND c.status <> ?`
		args = append(args, haven.CaseClosed)
	case "all":
	default:
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	q += fmt.Sprintf(` ORDER BY c.opened_at DESC, c.id DESC LIMIT %d`, f.Limit)
	out := []*haven.Case{}
	var entries []audit.Entry
	err = db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanCase, q, args...)
		if err != nil {
			return err
		}
		out, entries, err = db.fillCases(ctx, t, actor, rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	ids, persons := make([]string, len(out)), make([]string, len(out))
	for i, c := range out {
		ids[i], persons[i] = c.ID, c.PersonID
	}
	entries = append([]audit.Entry{auditEntry(ctx, string(access.CaseList), audit.Allowed, "case", "", actor.AgencyID, basisLabel(d),
		map[string]string{"lead": f.Lead, "person_id": f.PersonID, "status": f.Status, "results": fmt.Sprint(len(out)), "shown": strings.Join(ids, ","),
			"names_shown": strings.Join(persons, ",")})}, entries...)
	if err := db.auditNow(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// Tasks lists a case's tasks (open first, soonest due first) or, with
// caseID "", the actor's own open tasks across the agency's cases in
// progress, soonest due first: their "what is due".
func (db *DB) Tasks(ctx context.Context, caseID string) ([]haven.CaseTask, error) {
	if strings.TrimSpace(caseID) == "" {
		return db.myTasks(ctx, false)
	}
	out := []haven.CaseTask{}
	err := db.withCase(ctx, caseID, access.CaseRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		rows, err := queryAll(ctx, t, scanCaseTask, fmt.Sprintf(`SELECT `+caseTaskCols+` FROM case_tasks k JOIN cases c ON c.id = k.case_id
			WHERE k.case_id = ? ORDER BY CASE WHEN k.done_at IS NULL THEN 0 ELSE 1 END, k.due_at, k.id LIMIT %d`, casePartsMax), r.c.ID)
		if err != nil {
			return nil, err
		}
		if out, err = db.openCaseTasks(ctx, t, rows); err != nil {
			return nil, err
		}
		return []audit.Entry{partEntry(ctx, "case.task.list", r, d, map[string]string{"results": fmt.Sprint(len(out))})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Reminders lists the actor's open tasks whose reminder time has come,
// soonest due first.
func (db *DB) Reminders(ctx context.Context) ([]haven.CaseTask, error) { return db.myTasks(ctx, true) }

func (db *DB) myTasks(ctx context.Context, reminders bool) ([]haven.CaseTask, error) {
	actor, d, err := db.caseListCheck(ctx, access.CaseList, "")
	if err != nil {
		return nil, err
	}
	if actor.UserID == "" {
		return []haven.CaseTask{}, nil
	}
	now := utcMicro(db.now())
	q := `SELECT ` + caseTaskCols + ` FROM case_tasks k JOIN cases c ON c.id = k.case_id
		WHERE k.agency_id = ? AND c.agency_id = ? AND k.assigned_to = ? AND k.done_at IS NULL`
	args := []any{actor.AgencyID, actor.AgencyID, actor.UserID}
	if reminders {
		q += ` AND k.remind_at IS NOT NULL AND k.remind_at <= ?`
		args = append(args, now)
	}
	q += fmt.Sprintf(` ORDER BY k.due_at, k.id LIMIT %d`, casePartsMax)
	out := []haven.CaseTask{}
	err = db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanCaseTask, q, args...)
		if err != nil {
			return err
		}
		out, err = db.openCaseTasks(ctx, t, rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	action := "case.task.mine"
	if reminders {
		action = "case.task.reminders"
	}
	cases := map[string]bool{}
	for _, k := range out {
		cases[k.CaseID] = true
	}
	if err := db.auditNow(ctx, auditEntry(ctx, action, audit.Allowed, "case_task", "", actor.AgencyID, basisLabel(d),
		map[string]string{"results": fmt.Sprint(len(out)), "cases": strings.Join(sortedKeys(cases), ",")})); err != nil {
		return nil, err
	}
	return out, nil
}

// Caseloads is the supervisor's view: for each advocate and supervisor of
// the agency (and anyone else leading a case), the cases in progress they
// lead, how many of those are high-risk, their open tasks due in the next
// seven days and overdue, and the court dates of their cases in the next
// seven days. Counts only; audited as one entry.
func (db *DB) Caseloads(ctx context.Context) ([]haven.CaseloadRow, error) {
	actor, d, err := db.caseListCheck(ctx, access.CaseloadView, "")
	if err != nil {
		return nil, err
	}
	now := utcMicro(db.now())
	week := now.Add(7 * 24 * time.Hour)
	out := []haven.CaseloadRow{}
	var entries []audit.Entry
	err = db.inTx(ctx, false, func(t *tx) error {
		type staff struct{ id, display, username, role string }
		users, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (staff, error) {
			var u staff
			return u, s.Scan(&u.id, &u.display, &u.username, &u.role)
		}, `SELECT id, display_name, username, role FROM users WHERE agency_id = ?
			AND ((role IN (?, ?) AND disabled_at IS NULL) OR id IN (SELECT lead_advocate FROM cases WHERE agency_id = ? AND status <> ?))
			ORDER BY display_name, username, id`, actor.AgencyID, string(haven.RoleAdvocate), string(haven.RoleSupervisor), actor.AgencyID, haven.CaseClosed)
		if err != nil {
			return err
		}
		byID := map[string]*haven.CaseloadRow{}
		out = make([]haven.CaseloadRow, len(users))
		for i, u := range users {
			name := u.display
			if name == "" {
				name = u.username
			}
			out[i] = haven.CaseloadRow{UserID: u.id, Name: name}
			byID[u.id] = &out[i]
		}
		// Cases in progress, and their risk (for the high-risk count).
		rows, err := queryAll(ctx, t, scanCase, `SELECT `+caseCols+` FROM cases c WHERE c.agency_id = ? AND c.status <> ?`,
			actor.AgencyID, haven.CaseClosed)
		if err != nil {
			return err
		}
		cases := make([]*haven.Case, len(rows))
		for i, r := range rows {
			c := r.c
			cases[i] = &c
		}
		if entries, err = db.caseRisk(ctx, t, actor, cases); err != nil {
			return err
		}
		for _, c := range cases {
			if row := byID[c.LeadAdvocate]; row != nil {
				row.Open++
				if c.RiskHigh {
					row.HighRisk++
				}
			}
		}
		type count struct {
			user         string
			due, overdue int
		}
		tasks, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (count, error) {
			var c count
			return c, s.Scan(&c.user, &c.due, &c.overdue)
		}, `SELECT k.assigned_to, SUM(CASE WHEN k.due_at >= ? AND k.due_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN k.due_at < ? THEN 1 ELSE 0 END)
			FROM case_tasks k JOIN cases c ON c.id = k.case_id
			WHERE k.agency_id = ? AND k.done_at IS NULL AND c.status <> ? GROUP BY k.assigned_to`,
			now, week, now, actor.AgencyID, haven.CaseClosed)
		if err != nil {
			return err
		}
		for _, c := range tasks {
			if row := byID[c.user]; row != nil {
				row.TasksDue, row.TasksOverdue = c.due, c.overdue
			}
		}
		courts, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (count, error) {
			var c count
			return c, s.Scan(&c.user, &c.due)
		}, `SELECT c.lead_advocate, COUNT(*) FROM case_court_dates d JOIN cases c ON c.id = d.case_id
			WHERE d.agency_id = ? AND d.at >= ? AND d.at < ? AND c.status <> ? GROUP BY c.lead_advocate`,
			actor.AgencyID, now, week, haven.CaseClosed)
		if err != nil {
			return err
		}
		for _, c := range courts {
			if row := byID[c.user]; row != nil {
				row.CourtDates = c.due
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries = append([]audit.Entry{auditEntry(ctx, string(access.CaseloadView), audit.Allowed, "case", "", actor.AgencyID, basisLabel(d),
		map[string]string{"advocates": fmt.Sprint(len(out))})}, entries...)
	if err := db.auditNow(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// CaseStaff lists the active users of the actor's agency who work cases
// (advocates, supervisors, shelter staff), by name, for the forms that
// choose a lead, an assignee or an accompanier. Staff names are not
// survivors' data; the list is for case workers of the agency only.
func (db *DB) CaseStaff(ctx context.Context) ([]haven.User, error) {
	actor, _, err := db.caseListCheck(ctx, access.CaseRead, "")
	if err != nil {
		return nil, err
	}
	var out []haven.User
	err = db.inTx(ctx, false, func(t *tx) error {
		out, err = queryAll(ctx, t, func(s interface{ Scan(...any) error }) (haven.User, error) {
			var u haven.User
			err := s.Scan(&u.ID, &u.AgencyID, &u.Username, &u.DisplayName, &u.Role)
			if u.DisplayName == "" {
				u.DisplayName = u.Username
			}
			return u, err
		}, `SELECT id, agency_id, username, display_name, role FROM users WHERE agency_id = ? AND role IN (?, ?, ?) AND disabled_at IS NULL
			ORDER BY display_name, username, id`, actor.AgencyID, string(haven.RoleAdvocate), string(haven.RoleSupervisor), string(haven.RoleShelterStaff))
		return err
	})
	if out == nil {
		out = []haven.User{}
	}
	return out, err
}
