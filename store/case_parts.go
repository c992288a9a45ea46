package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// The parts of a case: services delivered, notes, tasks, court dates and
// documents. Each is added by staff of the case's agency (access.CaseUpdate;
// notes access.CaseNoteAdd) and read by them (access.CaseRead); another
// agency reads notes and documents only, on a basis covering the scope
// case_notes or documents. Free text is sealed, bound to table, column and
// row.

func caseServiceAAD(id string) string   { return "case_services/note/" + id }
func caseNoteAAD(id string) string      { return "case_notes/text/" + id }
func caseTaskAAD(id string) string      { return "case_tasks/title/" + id }
func caseCourtAAD(id string) string     { return "case_court_dates/sealed/" + id }
func caseDocNameAAD(id string) string   { return "case_documents/name/" + id }
func caseDocBodyAAD(id string) string   { return "case_documents/body/" + id }
func caseDocumentsMax() int64           { return MaxCaseDocument }
func caseOpenForWork(c haven.Case) bool { return c.Status != haven.CaseClosed }

// Limits on the parts of a case.
const (
	// MaxCaseDocument is the largest document a case keeps (10 MiB).
	MaxCaseDocument = 10 << 20
	caseNoteText    = 20_000
	caseTitleText   = 500
	caseShortText   = 2_000
	casePartsMax    = 1_000
)

// caseDocumentTypes are the kinds of document a case keeps, by the
// content type http.DetectContentType finds in the bytes.
var caseDocumentTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "text/plain": true}

func closedConflict() error {
	return haven.Errorf(haven.ECONFLICT, "the case is closed: reopen it first")
}

// partEntry is the audit entry of something done to a case's part.
func partEntry(ctx context.Context, action access.Action, r *caseRow, d access.Decision, details map[string]string) audit.Entry {
	if details == nil {
		details = map[string]string{}
	}
	details["person_id"] = r.c.PersonID
	if d.Basis.Kind == access.BasisBreakGlass {
		details["break_glass"] = "true"
	}
	return auditEntry(ctx, string(action), audit.Allowed, "case", r.c.ID, r.c.AgencyID, basisLabel(d), details)
}

// sealOptional seals s when it is not empty.
func (db *DB) sealOptional(ctx context.Context, s, aad string) ([]byte, any, error) {
	if s == "" {
		return nil, nil, nil
	}
	b, k, err := db.seal(ctx, []byte(s), aad)
	return b, k, err
}

func (db *DB) openString(ctx context.Context, b []byte, aad string) (string, error) {
	if b == nil {
		return "", nil
	}
	plain, err := db.open(ctx, b, aad)
	return string(plain), err
}

// ---- services delivered ----

var dateRE = dobRE

// AddService records a service delivered on the case: the type, the day,
// how long (1 to 1440 minutes) and by whom (a user of the agency; default
// the actor), with an optional sealed note.
func (db *DB) AddService(ctx context.Context, caseID string, sd haven.ServiceDelivered) (*haven.ServiceDelivered, error) {
	actor := haven.ActorFromContext(ctx)
	sd.Type, sd.Date, sd.By, sd.Note = strings.ToLower(strings.TrimSpace(sd.Type)), strings.TrimSpace(sd.Date), strings.TrimSpace(sd.By), strings.TrimSpace(sd.Note)
	if !contains(haven.ServiceTypes, sd.Type) {
		return nil, haven.FieldErrorf(haven.EINVALID, "type", "type must be one of %s", strings.Join(haven.ServiceTypes, ", "))
	}
	day, err := time.Parse("2006-01-02", sd.Date)
	if err != nil || !dateRE.MatchString(sd.Date) {
		return nil, haven.FieldErrorf(haven.EINVALID, "date", "date must be a date as YYYY-MM-DD")
	}
	if sd.Minutes < 1 || sd.Minutes > 1440 {
		return nil, haven.FieldErrorf(haven.EINVALID, "minutes", "minutes must be between 1 and 1440")
	}
	if err := checkText("note", sd.Note, caseShortText); err != nil {
		return nil, err
	}
	if sd.By == "" {
		sd.By = actor.UserID
	}
	var out *haven.ServiceDelivered
	err = db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		if !caseOpenForWork(r.c) {
			return nil, closedConflict()
		}
		now := utcMicro(db.now())
		if day.Year() < 2000 || day.After(now.Add(24*time.Hour)) {
			return nil, haven.FieldErrorf(haven.EINVALID, "date", "date must be a day from 2000 to today")
		}
		if sd.By == "" {
			return nil, haven.FieldErrorf(haven.EINVALID, "by", "by is required")
		}
		if err := checkStaff(ctx, t, r.c.AgencyID, sd.By, "by", access.CaseRole, "member of staff who works cases"); err != nil {
			return nil, err
		}
		s := sd
		s.ID, s.CaseID, s.Recorded = newID(), r.c.ID, now
		note, keyID, err := db.sealOptional(ctx, s.Note, caseServiceAAD(s.ID))
		if err != nil {
			return nil, err
		}
		if _, err := t.exec(ctx, `INSERT INTO case_services (id, case_id, agency_id, type, date, minutes, by_user, note, key_id, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.CaseID, r.c.AgencyID, s.Type, s.Date, s.Minutes, s.By, note, keyID, now); err != nil {
			return nil, err
		}
		names, err := userNames(ctx, t, []string{s.By})
		if err != nil {
			return nil, err
		}
		s.ByName = names[s.By]
		out = &s
		return []audit.Entry{partEntry(ctx, "case.service.add", r, d, map[string]string{"service_id": s.ID, "type": s.Type,
			"minutes": fmt.Sprint(s.Minutes)})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Services lists the services delivered on a case, newest first.
func (db *DB) Services(ctx context.Context, caseID string) ([]haven.ServiceDelivered, error) {
	out := []haven.ServiceDelivered{}
	err := db.withCase(ctx, caseID, access.CaseRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		type row struct {
			s      haven.ServiceDelivered
			sealed []byte
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			var at nullTime
			err := s.Scan(&r.s.ID, &r.s.CaseID, &r.s.Type, &r.s.Date, &r.s.Minutes, &r.s.By, &r.sealed, &at)
			r.s.Recorded = at.Time
			return r, err
		}, fmt.Sprintf(`SELECT id, case_id, type, date, minutes, by_user, note, recorded_at FROM case_services WHERE case_id = ?
			ORDER BY date DESC, recorded_at DESC, id DESC LIMIT %d`, casePartsMax), r.c.ID)
		if err != nil {
			return nil, err
		}
		users := map[string]bool{}
		for _, x := range rows {
			users[x.s.By] = true
		}
		names, err := userNames(ctx, t, sortedKeys(users))
		if err != nil {
			return nil, err
		}
		for _, x := range rows {
			s := x.s
			if s.Note, err = db.openString(ctx, x.sealed, caseServiceAAD(s.ID)); err != nil {
				return nil, err
			}
			s.ByName = names[s.By]
			out = append(out, s)
		}
		return []audit.Entry{partEntry(ctx, "case.service.list", r, d, map[string]string{"results": fmt.Sprint(len(out))})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- notes ----

// AddNote appends a sealed note to a case. Notes are never changed or
// removed: a correction is another note.
func (db *DB) AddNote(ctx context.Context, caseID, text string) (*haven.CaseNote, error) {
	actor := haven.ActorFromContext(ctx)
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "text", "write the note")
	}
	if err := checkText("text", text, caseNoteText); err != nil {
		return nil, err
	}
	var out *haven.CaseNote
	err := db.withCase(ctx, caseID, access.CaseNoteAdd, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		now := utcMicro(db.now())
		n := haven.CaseNote{ID: newID(), CaseID: r.c.ID, By: actorLabel(actor), At: now, Text: text}
		sealed, keyID, err := db.seal(ctx, []byte(text), caseNoteAAD(n.ID))
		if err != nil {
			return nil, err
		}
		if _, err := t.exec(ctx, `INSERT INTO case_notes (id, case_id, agency_id, by_user, at, text, key_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.CaseID, r.c.AgencyID, n.By, now, sealed, keyID); err != nil {
			return nil, err
		}
		names, err := userNames(ctx, t, []string{n.By})
		if err != nil {
			return nil, err
		}
		n.ByName = names[n.By]
		out = &n
		return []audit.Entry{partEntry(ctx, access.CaseNoteAdd, r, d, map[string]string{"note_id": n.ID})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Notes lists a case's notes, oldest first: for the case's agency, and for
// another agency on a basis covering case notes (read only, audited with
// the basis).
func (db *DB) Notes(ctx context.Context, caseID string) ([]haven.CaseNote, error) {
	out := []haven.CaseNote{}
	err := db.withCase(ctx, caseID, access.CaseNoteRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		type row struct {
			n      haven.CaseNote
			sealed []byte
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			var at nullTime
			err := s.Scan(&r.n.ID, &r.n.CaseID, &r.n.By, &at, &r.sealed)
			r.n.At = at.Time
			return r, err
		}, fmt.Sprintf(`SELECT id, case_id, by_user, at, text FROM case_notes WHERE case_id = ? ORDER BY at, id LIMIT %d`, casePartsMax), r.c.ID)
		if err != nil {
			return nil, err
		}
		users := map[string]bool{}
		for _, x := range rows {
			users[x.n.By] = true
		}
		names, err := userNames(ctx, t, sortedKeys(users))
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(rows))
		for _, x := range rows {
			n := x.n
			if n.Text, err = db.openString(ctx, x.sealed, caseNoteAAD(n.ID)); err != nil {
				return nil, err
			}
			n.ByName = names[n.By]
			out = append(out, n)
			ids = append(ids, n.ID)
		}
		return []audit.Entry{partEntry(ctx, access.CaseNoteRead, r, d, map[string]string{"notes": strings.Join(ids, ",")})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- tasks ----

const caseTaskCols = `k.id, k.case_id, c.number, k.title, k.due_at, k.remind_at, k.assigned_to, k.done_at, k.done_by, k.created_by, k.created_at`

type caseTaskRow struct {
	k      haven.CaseTask
	sealed []byte
}

func scanCaseTask(s interface{ Scan(...any) error }) (*caseTaskRow, error) {
	var r caseTaskRow
	k := &r.k
	var due, remind, done, created nullTime
	err := s.Scan(&k.ID, &k.CaseID, &k.CaseNumber, &r.sealed, &due, &remind, &k.AssignedTo, &done, &k.DoneBy, &k.CreatedBy, &created)
	k.DueAt, k.RemindAt, k.DoneAt, k.CreatedAt = due.Time, remind.ptr(), done.ptr(), created.Time
	return &r, err
}

// openCaseTasks opens task rows: the title, the assignee's name, and
// whether the task is overdue at now (open and past its due time).
func (db *DB) openCaseTasks(ctx context.Context, t *tx, rows []*caseTaskRow) ([]haven.CaseTask, error) {
	users := map[string]bool{}
	for _, r := range rows {
		users[r.k.AssignedTo] = true
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, err
	}
	now := db.now()
	out := make([]haven.CaseTask, 0, len(rows))
	for _, r := range rows {
		k := r.k
		if k.Title, err = db.openString(ctx, r.sealed, caseTaskAAD(k.ID)); err != nil {
			return nil, err
		}
		k.AssignedName = names[k.AssignedTo]
		k.Overdue = k.DoneAt == nil && k.DueAt.Before(now)
		out = append(out, k)
	}
	return out, nil
}

// AddTask adds a to-do to a case: a sealed title, when it is due, an
// optional reminder (not after it is due), and who does it (a user of the
// agency who works cases; default the actor).
func (db *DB) AddTask(ctx context.Context, caseID string, ct haven.CaseTask) (*haven.CaseTask, error) {
	actor := haven.ActorFromContext(ctx)
	ct.Title, ct.AssignedTo = strings.TrimSpace(ct.Title), strings.TrimSpace(ct.AssignedTo)
	if ct.Title == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "title", "say what is to be done")
	}
	if err := checkText("title", ct.Title, caseTitleText); err != nil {
		return nil, err
	}
	if ct.DueAt.IsZero() {
		return nil, haven.FieldErrorf(haven.EINVALID, "due_at", "due_at is required")
	}
	ct.DueAt = utcMicro(ct.DueAt)
	if ct.RemindAt != nil {
		ra := utcMicro(*ct.RemindAt)
		if ra.After(ct.DueAt) {
			return nil, haven.FieldErrorf(haven.EINVALID, "remind_at", "remind_at cannot be after due_at")
		}
		ct.RemindAt = &ra
	}
	if ct.AssignedTo == "" {
		ct.AssignedTo = actor.UserID
	}
	var out *haven.CaseTask
	err := db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		if !caseOpenForWork(r.c) {
			return nil, closedConflict()
		}
		now := utcMicro(db.now())
		if ct.DueAt.Year() < 2000 || ct.DueAt.After(now.AddDate(10, 0, 0)) {
			return nil, haven.FieldErrorf(haven.EINVALID, "due_at", "due_at must be between 2000 and ten years from now")
		}
		if ct.RemindAt != nil && ct.RemindAt.Year() < 2000 {
			return nil, haven.FieldErrorf(haven.EINVALID, "remind_at", "remind_at must be after 2000")
		}
		if ct.AssignedTo == "" {
			return nil, haven.FieldErrorf(haven.EINVALID, "assigned_to", "assigned_to is required")
		}
		if err := checkStaff(ctx, t, r.c.AgencyID, ct.AssignedTo, "assigned_to", access.CaseRole, "member of staff who works cases"); err != nil {
			return nil, err
		}
		k := &caseTaskRow{k: haven.CaseTask{ID: newID(), CaseID: r.c.ID, CaseNumber: r.c.Number, DueAt: ct.DueAt, RemindAt: ct.RemindAt,
			AssignedTo: ct.AssignedTo, CreatedBy: actorLabel(actor), CreatedAt: now}}
		sealed, keyID, err := db.seal(ctx, []byte(ct.Title), caseTaskAAD(k.k.ID))
		if err != nil {
			return nil, err
		}
		k.sealed = sealed
		var remind any
		if ct.RemindAt != nil {
			remind = *ct.RemindAt
		}
		if _, err := t.exec(ctx, `INSERT INTO case_tasks (id, case_id, agency_id, title, key_id, due_at, remind_at, assigned_to,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.k.ID, r.c.ID, r.c.AgencyID, sealed, keyID, k.k.DueAt, remind,
			k.k.AssignedTo, k.k.CreatedBy, now); err != nil {
			return nil, err
		}
		ks, err := db.openCaseTasks(ctx, t, []*caseTaskRow{k})
		if err != nil {
			return nil, err
		}
		out = &ks[0]
		return []audit.Entry{partEntry(ctx, "case.task.add", r, d, map[string]string{"task_id": k.k.ID, "assigned_to": k.k.AssignedTo})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// caseOfPart finds the case a part belongs to; "" when there is none.
func (db *DB) caseOfPart(ctx context.Context, table, id string) (string, error) {
	var caseID string
	err := db.readRow(ctx, `SELECT case_id FROM `+table+` WHERE id = ?`, strings.TrimSpace(id)).Scan(&caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return caseID, dbErr(err)
}

// refusePart records a refusal of a part that does not exist and answers
// not found.
func (db *DB) refusePart(ctx context.Context, action, recordType, id, what string) error {
	if err := db.auditNow(ctx, auditEntry(ctx, action, audit.Denied, recordType, strings.TrimSpace(id), "", "",
		map[string]string{"policy": "no such record"})); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "%s not found", what)
}

// CompleteTask marks a task done, once.
func (db *DB) CompleteTask(ctx context.Context, taskID string) (*haven.CaseTask, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	taskID = strings.TrimSpace(taskID)
	caseID, err := db.caseOfPart(ctx, "case_tasks", taskID)
	if err != nil {
		return nil, err
	}
	if caseID == "" {
		return nil, db.refusePart(ctx, "case.task.complete", "case_task", taskID, "task")
	}
	var out *haven.CaseTask
	err = db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		now := utcMicro(db.now())
		res, err := t.exec(ctx, `UPDATE case_tasks SET done_at = ?, done_by = ? WHERE id = ? AND case_id = ? AND done_at IS NULL`,
			now, actorLabel(actor), taskID, r.c.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, haven.Errorf(haven.ECONFLICT, "the task is already done")
		}
		k, err := scanCaseTask(t.queryRow(ctx, `SELECT `+caseTaskCols+` FROM case_tasks k JOIN cases c ON c.id = k.case_id WHERE k.id = ?`, taskID))
		if err != nil {
			return nil, err
		}
		ks, err := db.openCaseTasks(ctx, t, []*caseTaskRow{k})
		if err != nil {
			return nil, err
		}
		out = &ks[0]
		return []audit.Entry{partEntry(ctx, "case.task.complete", r, d, map[string]string{"task_id": taskID})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- court dates ----

// courtSecret is what a court date seals.
type courtSecret struct {
	Court   string `json:"c"`
	Purpose string `json:"p,omitempty"`
	Outcome string `json:"o,omitempty"`
}

func (db *DB) sealCourt(ctx context.Context, id string, s courtSecret) ([]byte, string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, "", err
	}
	return db.seal(ctx, b, caseCourtAAD(id))
}

const caseCourtCols = `id, case_id, at, sealed, accompaniment, accompanier, created_at`

type courtRow struct {
	c      haven.CourtDate
	sealed []byte
}

func scanCourt(s interface{ Scan(...any) error }) (*courtRow, error) {
	var r courtRow
	var at, created nullTime
	err := s.Scan(&r.c.ID, &r.c.CaseID, &at, &r.sealed, &r.c.Accompaniment, &r.c.Accompanier, &created)
	r.c.At, r.c.CreatedAt = at.Time, created.Time
	return &r, err
}

func (db *DB) openCourts(ctx context.Context, t *tx, rows []*courtRow) ([]haven.CourtDate, error) {
	users := map[string]bool{}
	for _, r := range rows {
		users[r.c.Accompanier] = true
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, err
	}
	out := make([]haven.CourtDate, 0, len(rows))
	for _, r := range rows {
		plain, err := db.open(ctx, r.sealed, caseCourtAAD(r.c.ID))
		if err != nil {
			return nil, err
		}
		var s courtSecret
		if err := json.Unmarshal(plain, &s); err != nil {
			return nil, haven.Internal(fmt.Errorf("court date %s: %w", r.c.ID, err))
		}
		c := r.c
		c.Court, c.Purpose, c.Outcome = s.Court, s.Purpose, s.Outcome
		c.AccompanierName = names[c.Accompanier]
		out = append(out, c)
	}
	return out, nil
}

// AddCourtDate records a hearing: when, the court and purpose (sealed),
// and whether staff accompany the survivor (the accompanier is a user of
// the agency who works cases; default the actor).
func (db *DB) AddCourtDate(ctx context.Context, caseID string, c haven.CourtDate) (*haven.CourtDate, error) {
	actor := haven.ActorFromContext(ctx)
	c.Court, c.Purpose, c.Outcome, c.Accompanier = strings.TrimSpace(c.Court), strings.TrimSpace(c.Purpose), strings.TrimSpace(c.Outcome), strings.TrimSpace(c.Accompanier)
	if c.At.IsZero() {
		return nil, haven.FieldErrorf(haven.EINVALID, "at", "at is required")
	}
	if c.Court == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "court", "name the court")
	}
	for field, v := range map[string]string{"court": c.Court, "purpose": c.Purpose, "outcome": c.Outcome} {
		if err := checkText(field, v, caseShortText); err != nil {
			return nil, err
		}
	}
	c.At = utcMicro(c.At)
	if !c.Accompaniment {
		c.Accompanier = ""
	} else if c.Accompanier == "" {
		c.Accompanier = actor.UserID
	}
	var out *haven.CourtDate
	err := db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		if !caseOpenForWork(r.c) {
			return nil, closedConflict()
		}
		now := utcMicro(db.now())
		if c.At.Year() < 2000 || c.At.After(now.AddDate(10, 0, 0)) {
			return nil, haven.FieldErrorf(haven.EINVALID, "at", "at must be between 2000 and ten years from now")
		}
		if c.Accompaniment {
			if c.Accompanier == "" {
				return nil, haven.FieldErrorf(haven.EINVALID, "accompanier", "name who accompanies")
			}
			if err := checkStaff(ctx, t, r.c.AgencyID, c.Accompanier, "accompanier", access.CaseRole, "member of staff who works cases"); err != nil {
				return nil, err
			}
		}
		row := &courtRow{c: c}
		row.c.ID, row.c.CaseID, row.c.CreatedAt = newID(), r.c.ID, now
		sealed, keyID, err := db.sealCourt(ctx, row.c.ID, courtSecret{c.Court, c.Purpose, c.Outcome})
		if err != nil {
			return nil, err
		}
		row.sealed = sealed
		if _, err := t.exec(ctx, `INSERT INTO case_court_dates (id, case_id, agency_id, at, sealed, key_id, accompaniment, accompanier,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, row.c.ID, r.c.ID, r.c.AgencyID, c.At, sealed, keyID,
			c.Accompaniment, c.Accompanier, actorLabel(actor), now, now); err != nil {
			return nil, err
		}
		cs, err := db.openCourts(ctx, t, []*courtRow{row})
		if err != nil {
			return nil, err
		}
		out = &cs[0]
		return []audit.Entry{partEntry(ctx, "case.court.add", r, d, map[string]string{"court_date_id": row.c.ID,
			"accompaniment": fmt.Sprint(c.Accompaniment)})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetCourtOutcome records (or corrects) a hearing's outcome, sealed.
func (db *DB) SetCourtOutcome(ctx context.Context, courtDateID, outcome string) (*haven.CourtDate, error) {
	if !haven.ActorFromContext(ctx).Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "outcome", "write the outcome")
	}
	if err := checkText("outcome", outcome, caseShortText); err != nil {
		return nil, err
	}
	courtDateID = strings.TrimSpace(courtDateID)
	caseID, err := db.caseOfPart(ctx, "case_court_dates", courtDateID)
	if err != nil {
		return nil, err
	}
	if caseID == "" {
		return nil, db.refusePart(ctx, "case.court.outcome", "case_court_date", courtDateID, "court date")
	}
	var out *haven.CourtDate
	err = db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		row, err := scanCourt(t.queryRow(ctx, `SELECT `+caseCourtCols+` FROM case_court_dates WHERE id = ? AND case_id = ?`, courtDateID, r.c.ID))
		if err != nil {
			return nil, err
		}
		cs, err := db.openCourts(ctx, t, []*courtRow{row})
		if err != nil {
			return nil, err
		}
		c := cs[0]
		c.Outcome = outcome
		sealed, keyID, err := db.sealCourt(ctx, c.ID, courtSecret{c.Court, c.Purpose, c.Outcome})
		if err != nil {
			return nil, err
		}
		if _, err := t.exec(ctx, `UPDATE case_court_dates SET sealed = ?, key_id = ?, updated_at = ? WHERE id = ?`,
			sealed, keyID, utcMicro(db.now()), c.ID); err != nil {
			return nil, err
		}
		out = &c
		return []audit.Entry{partEntry(ctx, "case.court.outcome", r, d, map[string]string{"court_date_id": c.ID})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CourtDates lists a case's hearings, soonest first.
func (db *DB) CourtDates(ctx context.Context, caseID string) ([]haven.CourtDate, error) {
	out := []haven.CourtDate{}
	err := db.withCase(ctx, caseID, access.CaseRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		rows, err := queryAll(ctx, t, scanCourt, fmt.Sprintf(`SELECT `+caseCourtCols+` FROM case_court_dates WHERE case_id = ?
			ORDER BY at, id LIMIT %d`, casePartsMax), r.c.ID)
		if err != nil {
			return nil, err
		}
		if out, err = db.openCourts(ctx, t, rows); err != nil {
			return nil, err
		}
		return []audit.Entry{partEntry(ctx, "case.court.list", r, d, map[string]string{"results": fmt.Sprint(len(out))})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- documents ----

// DocumentType is the content type a case keeps body as, from its bytes:
// PDF, PNG, JPEG or UTF-8 plain text; "" for anything else.
func DocumentType(body []byte) string {
	ct, params, err := mime.ParseMediaType(http.DetectContentType(body))
	if err != nil || !caseDocumentTypes[ct] {
		return ""
	}
	if ct == "text/plain" && !strings.EqualFold(params["charset"], "utf-8") {
		return ""
	}
	return ct
}

// AddDocument keeps a document on a case: at most 10 MiB of PDF, PNG,
// JPEG or plain text (the type is found from the bytes, not taken from the
// client), its name and bytes sealed, its SHA-256 recorded.
func (db *DB) AddDocument(ctx context.Context, caseID string, doc haven.CaseDocument, body []byte) (*haven.CaseDocument, error) {
	actor := haven.ActorFromContext(ctx)
	doc.Name = strings.TrimSpace(doc.Name)
	if doc.Name == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "name", "name the document")
	}
	if err := checkText("name", doc.Name, 200); err != nil {
		return nil, err
	}
	switch {
	case len(body) == 0:
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "the file is empty")
	case int64(len(body)) > caseDocumentsMax():
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "a document can be at most 10 MiB")
	}
	ct := DocumentType(body)
	if ct == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "only PDF, PNG, JPEG and plain-text (UTF-8) documents are kept")
	}
	sum := sha256.Sum256(body)
	var out *haven.CaseDocument
	err := db.withCase(ctx, caseID, access.CaseUpdate, true, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		now := utcMicro(db.now())
		dc := haven.CaseDocument{ID: newID(), CaseID: r.c.ID, Name: doc.Name, ContentType: ct, Size: int64(len(body)),
			SHA256: hex.EncodeToString(sum[:]), By: actorLabel(actor), At: now}
		name, keyID, err := db.seal(ctx, []byte(dc.Name), caseDocNameAAD(dc.ID))
		if err != nil {
			return nil, err
		}
		sealedBody, bodyKey, err := db.seal(ctx, body, caseDocBodyAAD(dc.ID))
		if err != nil {
			return nil, err
		}
		if bodyKey != keyID {
			return nil, haven.Errorf(haven.ECONFLICT, "the data key changed meanwhile; try again")
		}
		if _, err := t.exec(ctx, `INSERT INTO case_documents (id, case_id, agency_id, name, body, key_id, content_type, size, sha256,
			by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, dc.ID, r.c.ID, r.c.AgencyID, name, sealedBody, keyID, dc.ContentType,
			dc.Size, dc.SHA256, dc.By, now); err != nil {
			return nil, err
		}
		names, err := userNames(ctx, t, []string{dc.By})
		if err != nil {
			return nil, err
		}
		dc.ByName = names[dc.By]
		out = &dc
		return []audit.Entry{partEntry(ctx, "case.document.add", r, d, map[string]string{"document_id": dc.ID, "sha256": dc.SHA256,
			"content_type": ct, "size": fmt.Sprint(dc.Size)})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const caseDocCols = `id, case_id, name, content_type, size, sha256, by_user, at`

func (db *DB) scanDocs(ctx context.Context, t *tx, q string, args ...any) ([]haven.CaseDocument, error) {
	type row struct {
		d    haven.CaseDocument
		name []byte
	}
	rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		var at nullTime
		err := s.Scan(&r.d.ID, &r.d.CaseID, &r.name, &r.d.ContentType, &r.d.Size, &r.d.SHA256, &r.d.By, &at)
		r.d.At = at.Time
		return r, err
	}, q, args...)
	if err != nil {
		return nil, err
	}
	users := map[string]bool{}
	for _, r := range rows {
		users[r.d.By] = true
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, err
	}
	out := make([]haven.CaseDocument, 0, len(rows))
	for _, r := range rows {
		dc := r.d
		if dc.Name, err = db.openString(ctx, r.name, caseDocNameAAD(dc.ID)); err != nil {
			return nil, err
		}
		dc.ByName = names[dc.By]
		out = append(out, dc)
	}
	return out, nil
}

// Documents lists a case's documents (without their bytes), newest first:
// for the case's agency, and for another agency on a basis covering
// documents.
func (db *DB) Documents(ctx context.Context, caseID string) ([]haven.CaseDocument, error) {
	out := []haven.CaseDocument{}
	err := db.withCase(ctx, caseID, access.CaseDocumentRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		var err error
		if out, err = db.scanDocs(ctx, t, fmt.Sprintf(`SELECT `+caseDocCols+` FROM case_documents WHERE case_id = ?
			ORDER BY at DESC, id DESC LIMIT %d`, casePartsMax), r.c.ID); err != nil {
			return nil, err
		}
		return []audit.Entry{partEntry(ctx, "case.document.list", r, d, map[string]string{"results": fmt.Sprint(len(out))})}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Document returns one document and its bytes, under the rule of
// Documents; the download is audited with the document's SHA-256 before
// the bytes are released.
func (db *DB) Document(ctx context.Context, id string) (*haven.CaseDocument, []byte, error) {
	if !haven.ActorFromContext(ctx).Authenticated() {
		return nil, nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	caseID, err := db.caseOfPart(ctx, "case_documents", id)
	if err != nil {
		return nil, nil, err
	}
	if caseID == "" {
		return nil, nil, db.refusePart(ctx, "case.document.download", "case_document", id, "document")
	}
	var out *haven.CaseDocument
	var body []byte
	err = db.withCase(ctx, caseID, access.CaseDocumentRead, false, func(t *tx, r *caseRow, d access.Decision) ([]audit.Entry, error) {
		docs, err := db.scanDocs(ctx, t, `SELECT `+caseDocCols+` FROM case_documents WHERE id = ? AND case_id = ?`, id, r.c.ID)
		if err != nil {
			return nil, err
		}
		if len(docs) != 1 {
			return nil, haven.Errorf(haven.ENOTFOUND, "document not found")
		}
		var sealed []byte
		if err := t.queryRow(ctx, `SELECT body FROM case_documents WHERE id = ?`, id).Scan(&sealed); err != nil {
			return nil, err
		}
		if body, err = db.open(ctx, sealed, caseDocBodyAAD(id)); err != nil {
			return nil, err
		}
		out = &docs[0]
		return []audit.Entry{partEntry(ctx, "case.document.download", r, d, map[string]string{"document_id": id, "sha256": out.SHA256})}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, body, nil
}
