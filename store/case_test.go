package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// caseWorld is the risk tests' world (metro-pd and safe-harbor) with more
// safe-harbor staff and a survivor of safe-harbor's own.
type caseWorld struct {
	*riskWorld
	advocate2, shelter         *haven.User
	advocate2Ctx, shelterCtx   context.Context
	survivor                   *haven.Person
	shAdmin                    *haven.User
	shAdminCtx, officerCtxOfPD context.Context
}

func newCaseWorld(t *testing.T, db *store.DB, c *clock) *caseWorld {
	t.Helper()
	w := &caseWorld{riskWorld: newRiskWorld(t, db, c)}
	w.advocate2 = storetest.MustUser(t, db, w.sh, "advocate2", haven.RoleAdvocate)
	w.shelter = storetest.MustUser(t, db, w.sh, "shelter", haven.RoleShelterStaff)
	w.shAdmin = storetest.MustUser(t, db, w.sh, "sh-admin", haven.RoleAgencyAdmin)
	w.advocate2Ctx, w.shelterCtx, w.shAdminCtx = storetest.As(w.advocate2), storetest.As(w.shelter), storetest.As(w.shAdmin)
	w.survivor = mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Marisol", FamilyName: "Quenneville"})
	return w
}

func (w *caseWorld) mustCase(t *testing.T, ctx context.Context, in haven.CaseInput) *haven.Case {
	t.Helper()
	c, err := w.db.CreateCase(ctx, in)
	if err != nil {
		t.Fatalf("create case: %v", err)
	}
	return c
}

// consent records metro-pd's consent for p to share scopes with safe-harbor.
func (w *caseWorld) consent(t *testing.T, ctx context.Context, p *haven.Person, to string, scopes ...string) *haven.Consent {
	t.Helper()
	exp := w.c.Now().Add(30 * 24 * time.Hour)
	c, err := w.db.RecordConsent(ctx, haven.ConsentInput{PersonID: p.ID, RecipientAgencies: []string{to}, Scopes: scopes,
		Purpose: "advocacy follow-up", Method: haven.ConsentWritten, ExpiresAt: &exp})
	if err != nil {
		t.Fatalf("record consent: %v", err)
	}
	return c
}

func strptr(s string) *string { return &s }

// auditFor returns the newest entry with action and outcome about recordID.
func auditFor(t *testing.T, db *store.DB, action, outcome, recordID string) *audit.Entry {
	t.Helper()
	es := auditOf(t, db)
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action && es[i].Outcome == outcome && es[i].RecordID == recordID {
			return &es[i]
		}
	}
	return nil
}

func TestCaseCreateRules(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		got := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID, Needs: []string{" Legal", "housing", "legal", ""}})
		if got.Number != "SAF-2026-000001" || got.Status != haven.CaseOpen || got.LeadAdvocate != w.advocate.ID || got.LeadName == "" ||
			got.PersonName != "Marisol Quenneville" || strings.Join(got.Needs, ",") != "housing,legal" || got.Version != 1 {
			t.Fatalf("created = %+v", got)
		}
		if e := lastAudit(t, db, "case.create", audit.Allowed); e == nil || e.RecordID != got.ID || e.Details["person_id"] != w.survivor.ID {
			t.Fatalf("audit = %+v", e)
		}
		other := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Odile", FamilyName: "Brackenridge"})
		// The number series goes on.
		second := w.mustCase(t, w.shSupervisorCtx, haven.CaseInput{PersonID: other.ID, LeadAdvocate: w.advocate2.ID})
		if second.Number != "SAF-2026-000002" || second.LeadAdvocate != w.advocate2.ID {
			t.Fatalf("second = %+v", second)
		}
		third := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Thea", FamilyName: "Lindqvist"})
		for _, tc := range []struct {
			name        string
			ctx         context.Context
			in          haven.CaseInput
			code, field string
		}{
			{"unknown need", w.advocateCtx, haven.CaseInput{PersonID: third.ID, Needs: []string{"yachting"}}, haven.EINVALID, "needs"},
			{"lead of another agency", w.advocateCtx, haven.CaseInput{PersonID: third.ID, LeadAdvocate: w.officer.ID}, haven.EINVALID, "lead_advocate"},
			{"lead not an advocate", w.advocateCtx, haven.CaseInput{PersonID: third.ID, LeadAdvocate: w.shelter.ID}, haven.EINVALID, "lead_advocate"},
			{"shelter staff leading themselves", w.shelterCtx, haven.CaseInput{PersonID: third.ID}, haven.EINVALID, "lead_advocate"},
			{"unknown lead", w.advocateCtx, haven.CaseInput{PersonID: third.ID, LeadAdvocate: "nobody"}, haven.EINVALID, "lead_advocate"},
			{"no person", w.advocateCtx, haven.CaseInput{}, haven.EINVALID, "person_id"},
			{"another agency's person", w.advocateCtx, haven.CaseInput{PersonID: w.victim.ID}, haven.ENOTFOUND, ""},
			{"no such person", w.advocateCtx, haven.CaseInput{PersonID: "nope"}, haven.ENOTFOUND, ""},
			{"a case in progress already", w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID}, haven.ECONFLICT, "person_id"},
			{"an officer", w.officerCtx, haven.CaseInput{PersonID: w.victim.ID}, haven.EFORBIDDEN, ""},
			{"an administrator", w.shAdminCtx, haven.CaseInput{PersonID: third.ID}, haven.EFORBIDDEN, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.CreateCase(tc.ctx, tc.in)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		if e := lastAudit(t, db, "case.create", audit.Denied); e == nil || e.ActorUserID != w.shAdmin.ID {
			t.Fatalf("refusal not audited: %+v", e)
		}
		// Shelter staff open a case with an advocate as its lead.
		if c, err := db.CreateCase(w.shelterCtx, haven.CaseInput{PersonID: third.ID, LeadAdvocate: w.advocate.ID}); err != nil || c.LeadAdvocate != w.advocate.ID {
			t.Fatalf("shelter staff: %+v, %v", c, err)
		}
	})
}

func TestCaseUpdateRules(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		const reason = "Moved-to-Saskatoon with her sister"
		steps := []struct {
			name        string
			ctx         context.Context
			p           haven.CasePatch
			code, field string
			status      string
		}{
			{"nothing", w.advocateCtx, haven.CasePatch{}, haven.EINVALID, "", ""},
			{"bad status", w.advocateCtx, haven.CasePatch{Status: strptr("paused")}, haven.EINVALID, "status", ""},
			{"active", w.advocateCtx, haven.CasePatch{Status: strptr("active"), Needs: &[]string{"medical"}}, "", "", haven.CaseActive},
			{"back to open", w.advocateCtx, haven.CasePatch{Status: strptr("open")}, haven.ECONFLICT, "status", ""},
			{"stale version", w.advocateCtx, haven.CasePatch{Status: strptr("inactive"), Version: intptr(1)}, haven.ECONFLICT, "version", ""},
			{"bad need", w.advocateCtx, haven.CasePatch{Needs: &[]string{"x"}}, haven.EINVALID, "needs", ""},
			{"reason without closing", w.advocateCtx, haven.CasePatch{ClosedReason: strptr("x")}, haven.EINVALID, "closed_reason", ""},
			{"close without reason", w.advocateCtx, haven.CasePatch{Status: strptr("closed")}, haven.EINVALID, "closed_reason", ""},
			{"another advocate hands it on", w.advocate2Ctx, haven.CasePatch{LeadAdvocate: strptr(w.advocate2.ID)}, haven.EFORBIDDEN, "lead_advocate", ""},
			{"lead to shelter staff", w.shSupervisorCtx, haven.CasePatch{LeadAdvocate: strptr(w.shelter.ID)}, haven.EINVALID, "lead_advocate", ""},
			{"supervisor hands it on", w.shSupervisorCtx, haven.CasePatch{LeadAdvocate: strptr(w.advocate2.ID)}, "", "", haven.CaseActive},
			{"close", w.advocate2Ctx, haven.CasePatch{Status: strptr("closed"), ClosedReason: strptr(reason)}, "", "", haven.CaseClosed},
			{"closed to inactive", w.advocate2Ctx, haven.CasePatch{Status: strptr("inactive")}, haven.ECONFLICT, "status", ""},
			{"an officer", w.officerCtx, haven.CasePatch{Status: strptr("active")}, haven.ENOTFOUND, "", ""},
		}
		for _, s := range steps {
			got, err := db.UpdateCase(s.ctx, cs.ID, s.p)
			if s.code != "" {
				if haven.ErrorCode(err) != s.code || (s.field != "" && haven.ErrorField(err) != s.field) {
					t.Fatalf("%s: err = %v (%s %s), want %s %s", s.name, err, haven.ErrorCode(err), haven.ErrorField(err), s.code, s.field)
				}
				continue
			}
			if err != nil || got.Status != s.status {
				t.Fatalf("%s: %+v, %v", s.name, got, err)
			}
		}
		got, err := db.Case(w.advocateCtx, cs.ID)
		if err != nil || got.Status != haven.CaseClosed || got.ClosedReason != reason || got.ClosedAt == nil ||
			got.LeadAdvocate != w.advocate2.ID || strings.Join(got.Needs, ",") != "medical" || got.Version != 4 {
			t.Fatalf("closed case = %+v, %v", got, err)
		}
		if n, _ := db.CountAllTables(context.Background(), "Saskatoon"); n != 0 {
			t.Fatal("the reason for closing is stored in the clear")
		}
		if e := lastAudit(t, db, "case.update", audit.Allowed); e == nil || e.Details["status_to"] != "closed" || strings.Contains(e.Details["fields"], "reason") {
			t.Fatalf("audit = %+v", e)
		}
		// Closed: work on it waits for reopening; a note may still be added.
		_, err = db.AddTask(w.advocateCtx, cs.ID, haven.CaseTask{Title: "call back", DueAt: c.Now().Add(time.Hour)})
		wantCode(t, err, haven.ECONFLICT, "")
		if _, err := db.AddNote(w.advocateCtx, cs.ID, "after closing"); err != nil {
			t.Fatal(err)
		}
		// Reopening goes back to active and clears the reason.
		got, err = db.UpdateCase(w.advocate2Ctx, cs.ID, haven.CasePatch{Status: strptr("active")})
		if err != nil || got.Status != haven.CaseActive || got.ClosedReason != "" || got.ClosedAt != nil {
			t.Fatalf("reopened = %+v, %v", got, err)
		}
		if e := lastAudit(t, db, "case.update", audit.Allowed); e == nil || e.Details["reopened"] != "true" {
			t.Fatalf("audit = %+v", e)
		}
	})
}

func intptr(i int) *int { return &i }

func TestCaseServicesAndNotes(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		for _, tc := range []struct {
			name        string
			s           haven.ServiceDelivered
			code, field string
		}{
			{"one minute", haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 1}, "", ""},
			{"a whole day", haven.ServiceDelivered{Type: "court_accompaniment", Date: "2026-02-27", Minutes: 1440, By: "", Note: "Spoke of the lilac-door"}, "", ""},
			{"no minutes", haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 0}, haven.EINVALID, "minutes"},
			{"more than a day", haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 1441}, haven.EINVALID, "minutes"},
			{"unknown type", haven.ServiceDelivered{Type: "juggling", Date: "2026-03-01", Minutes: 10}, haven.EINVALID, "type"},
			{"bad date", haven.ServiceDelivered{Type: "advocacy", Date: "1/3/2026", Minutes: 10}, haven.EINVALID, "date"},
			{"future date", haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-09", Minutes: 10}, haven.EINVALID, "date"},
			{"by an officer", haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 10, By: w.officer.ID}, haven.EINVALID, "by"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.AddService(w.advocateCtx, cs.ID, tc.s)
				wantCode(t, err, tc.code, tc.field)
				if err == nil && (got.By != w.advocate.ID || got.Minutes != tc.s.Minutes || got.ByName == "") {
					t.Fatalf("service = %+v", got)
				}
			})
		}
		list, err := db.Services(w.advocateCtx, cs.ID)
		if err != nil || len(list) != 2 || list[0].Date != "2026-03-01" || list[1].Note != "Spoke of the lilac-door" {
			t.Fatalf("services = %+v, %v", list, err)
		}
		// Notes: sealed, in order, append-only.
		const first, second = "She keeps the car keys in the biscuit tin", "Second note"
		if _, err := db.AddNote(w.advocateCtx, cs.ID, first); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Minute)
		if _, err := db.AddNote(w.shelterCtx, cs.ID, second); err != nil {
			t.Fatal(err)
		}
		_, err = db.AddNote(w.advocateCtx, cs.ID, "  ")
		wantCode(t, err, haven.EINVALID, "text")
		notes, err := db.Notes(w.advocate2Ctx, cs.ID)
		if err != nil || len(notes) != 2 || notes[0].Text != first || notes[1].Text != second || notes[1].By != w.shelter.ID || notes[0].ByName == "" {
			t.Fatalf("notes = %+v, %v", notes, err)
		}
		for _, secret := range []string{"biscuit tin", "lilac-door"} {
			if n, err := db.CountAllTables(context.Background(), secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		if e := lastAudit(t, db, "case.note.read", audit.Allowed); e == nil || e.RecordID != cs.ID || e.Basis != "own_agency" ||
			e.Details["notes"] != notes[0].ID+","+notes[1].ID {
			t.Fatalf("audit = %+v", e)
		}
		// Another agency without a basis: not found, audited.
		for name, call := range map[string]func() error{
			"notes":    func() error { _, err := db.Notes(w.officerCtx, cs.ID); return err },
			"services": func() error { _, err := db.Services(w.officerCtx, cs.ID); return err },
			"case":     func() error { _, err := db.Case(w.officerCtx, cs.ID); return err },
			"add note": func() error { _, err := db.AddNote(w.officerCtx, cs.ID, "x"); return err },
			"missing":  func() error { _, err := db.Case(w.advocateCtx, "no-such-case"); return err },
		} {
			if err := call(); haven.ErrorCode(err) != haven.ENOTFOUND || haven.ErrorMessage(err) != "case not found" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if e := auditFor(t, db, "case.read", audit.Denied, "no-such-case"); e == nil || e.Details["policy"] != "no such record" {
			t.Fatalf("refusal audit = %+v", e)
		}
	})
}

func TestCaseTasksAndReminders(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		now := c.Now()
		due, remind := now.Add(48*time.Hour), now.Add(24*time.Hour)
		for _, tc := range []struct {
			name        string
			k           haven.CaseTask
			code, field string
		}{
			{"no title", haven.CaseTask{DueAt: due}, haven.EINVALID, "title"},
			{"no due date", haven.CaseTask{Title: "x"}, haven.EINVALID, "due_at"},
			{"reminder after due", haven.CaseTask{Title: "x", DueAt: due, RemindAt: &[]time.Time{due.Add(time.Minute)}[0]}, haven.EINVALID, "remind_at"},
			{"due in a century", haven.CaseTask{Title: "x", DueAt: now.AddDate(100, 0, 0)}, haven.EINVALID, "due_at"},
			{"assigned to an officer", haven.CaseTask{Title: "x", DueAt: due, AssignedTo: w.officer.ID}, haven.EINVALID, "assigned_to"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.AddTask(w.advocateCtx, cs.ID, tc.k)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		const title = "Ring the Wexford housing office"
		k, err := db.AddTask(w.advocateCtx, cs.ID, haven.CaseTask{Title: title, DueAt: due, RemindAt: &remind})
		if err != nil || k.AssignedTo != w.advocate.ID || k.Overdue || k.CaseNumber != cs.Number || k.Title != title {
			t.Fatalf("task = %+v, %v", k, err)
		}
		later, err := db.AddTask(w.shSupervisorCtx, cs.ID, haven.CaseTask{Title: "Second", DueAt: now.Add(10 * 24 * time.Hour), AssignedTo: w.advocate.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddTask(w.advocateCtx, cs.ID, haven.CaseTask{Title: "Someone else's", DueAt: due, AssignedTo: w.advocate2.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountAllTables(context.Background(), "Wexford"); n != 0 {
			t.Fatal("the task title is stored in the clear")
		}
		mine := func() []haven.CaseTask {
			t.Helper()
			ks, err := db.Tasks(w.advocateCtx, "")
			if err != nil {
				t.Fatal(err)
			}
			return ks
		}
		reminders := func() []haven.CaseTask {
			t.Helper()
			ks, err := db.Reminders(w.advocateCtx)
			if err != nil {
				t.Fatal(err)
			}
			return ks
		}
		if ks := mine(); len(ks) != 2 || ks[0].ID != k.ID || ks[1].ID != later.ID {
			t.Fatalf("my tasks = %+v", ks)
		}
		if rs := reminders(); len(rs) != 0 {
			t.Fatalf("reminders before their time = %+v", rs)
		}
		c.Add(25 * time.Hour)
		if rs := reminders(); len(rs) != 1 || rs[0].ID != k.ID || rs[0].Overdue {
			t.Fatalf("reminders = %+v", rs)
		}
		c.Add(24 * time.Hour) // past due
		if ks := mine(); !ks[0].Overdue || ks[1].Overdue {
			t.Fatalf("overdue = %+v", ks)
		}
		got, err := db.Case(w.advocateCtx, cs.ID)
		if err != nil || got.OverdueTasks != 2 || got.NextDue == nil || !got.NextDue.Equal(due) {
			t.Fatalf("case = %+v, %v", got, err)
		}
		done, err := db.CompleteTask(w.advocateCtx, k.ID)
		if err != nil || done.DoneAt == nil || done.DoneBy != w.advocate.ID || done.Overdue {
			t.Fatalf("done = %+v, %v", done, err)
		}
		_, err = db.CompleteTask(w.advocateCtx, k.ID)
		wantCode(t, err, haven.ECONFLICT, "")
		_, err = db.CompleteTask(w.officerCtx, later.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		_, err = db.CompleteTask(w.advocateCtx, "no-such-task")
		wantCode(t, err, haven.ENOTFOUND, "")
		if rs := reminders(); len(rs) != 0 {
			t.Fatalf("a done task still reminds: %+v", rs)
		}
		ks, err := db.Tasks(w.advocateCtx, cs.ID)
		if err != nil || len(ks) != 3 || ks[2].ID != k.ID {
			t.Fatalf("case tasks (open first) = %+v, %v", ks, err)
		}
	})
}

func TestCaseCourtDates(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		at := c.Now().Add(72 * time.Hour)
		for _, tc := range []struct {
			name        string
			d           haven.CourtDate
			code, field string
		}{
			{"no time", haven.CourtDate{Court: "x"}, haven.EINVALID, "at"},
			{"no court", haven.CourtDate{At: at}, haven.EINVALID, "court"},
			{"accompanied by an officer", haven.CourtDate{At: at, Court: "x", Accompaniment: true, Accompanier: w.officer.ID}, haven.EINVALID, "accompanier"},
		} {
			_, err := db.AddCourtDate(w.advocateCtx, cs.ID, tc.d)
			wantCode(t, err, tc.code, tc.field)
		}
		d, err := db.AddCourtDate(w.advocateCtx, cs.ID, haven.CourtDate{At: at, Court: "Cook County Domestic Relations, Room 1204",
			Purpose: "order of protection hearing", Accompaniment: true, Accompanier: ""})
		if err != nil || d.Accompanier != w.advocate.ID || d.AccompanierName == "" || d.Court == "" {
			t.Fatalf("court date = %+v, %v", d, err)
		}
		if _, err := db.AddCourtDate(w.advocateCtx, cs.ID, haven.CourtDate{At: at.Add(-time.Hour), Court: "Traffic", Accompanier: w.advocate2.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountAllTables(context.Background(), "Room 1204"); n != 0 {
			t.Fatal("the court is stored in the clear")
		}
		got, err := db.SetCourtOutcome(w.advocate2Ctx, d.ID, "Plenary order granted for two years")
		if err != nil || got.Outcome == "" || got.Court != d.Court {
			t.Fatalf("outcome = %+v, %v", got, err)
		}
		_, err = db.SetCourtOutcome(w.officerCtx, d.ID, "x")
		wantCode(t, err, haven.ENOTFOUND, "")
		list, err := db.CourtDates(w.advocateCtx, cs.ID)
		if err != nil || len(list) != 2 || list[1].ID != d.ID || list[1].Outcome != "Plenary order granted for two years" ||
			list[0].Accompaniment || list[0].Accompanier != "" {
			t.Fatalf("court dates = %+v, %v", list, err)
		}
		if c, err := db.Case(w.advocateCtx, cs.ID); err != nil || c.NextDue == nil || !c.NextDue.Equal(at.Add(-time.Hour)) {
			t.Fatalf("next due = %+v, %v", c, err)
		}
	})
}

var (
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
)

func TestCaseDocuments(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		text := []byte("Lease signed at the Juniper Street flat\n")
		for _, tc := range []struct {
			name, docName string
			body          []byte
			code, field   string
			ct            string
		}{
			{"pdf", "order.pdf", pdfBytes, "", "", "application/pdf"},
			{"png", "photo.png", pngBytes, "", "", "image/png"},
			{"jpeg", "photo.jpg", jpegBytes, "", "", "image/jpeg"},
			{"text", "Juniper lease notes", text, "", "", "text/plain"},
			{"html", "page.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), haven.EINVALID, "file", ""},
			{"executable", "a.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), haven.EINVALID, "file", ""},
			{"empty", "empty.txt", nil, haven.EINVALID, "file", ""},
			{"too big", "big.txt", bytes.Repeat([]byte("a"), store.MaxCaseDocument+1), haven.EINVALID, "file", ""},
			{"no name", " ", pdfBytes, haven.EINVALID, "name", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d, err := db.AddDocument(w.advocateCtx, cs.ID, haven.CaseDocument{Name: tc.docName}, tc.body)
				wantCode(t, err, tc.code, tc.field)
				if err != nil {
					return
				}
				sum := sha256.Sum256(tc.body)
				if d.ContentType != tc.ct || d.Size != int64(len(tc.body)) || d.SHA256 != hex.EncodeToString(sum[:]) || d.By != w.advocate.ID {
					t.Fatalf("document = %+v", d)
				}
				got, body, err := db.Document(w.advocate2Ctx, d.ID)
				if err != nil || !bytes.Equal(body, tc.body) || got.Name != tc.docName {
					t.Fatalf("download = %+v, %d bytes, %v", got, len(body), err)
				}
				if e := lastAudit(t, db, "case.document.download", audit.Allowed); e == nil || e.Details["sha256"] != d.SHA256 || e.ActorUserID != w.advocate2.ID {
					t.Fatalf("download audit = %+v", e)
				}
			})
		}
		// Exactly 10 MiB is kept.
		if _, err := db.AddDocument(w.advocateCtx, cs.ID, haven.CaseDocument{Name: "max"}, bytes.Repeat([]byte("b"), store.MaxCaseDocument)); err != nil {
			t.Fatal(err)
		}
		docs, err := db.Documents(w.advocateCtx, cs.ID)
		if err != nil || len(docs) != 5 {
			t.Fatalf("documents = %d, %v", len(docs), err)
		}
		for _, secret := range []string{"Juniper"} {
			if n, err := db.CountAllTables(context.Background(), secret); err != nil || n != 0 {
				t.Errorf("%q is stored in the clear (%d, %v)", secret, n, err)
			}
		}
		_, _, err = db.Document(w.officerCtx, docs[0].ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		_, _, err = db.Document(w.advocateCtx, "no-such-document")
		wantCode(t, err, haven.ENOTFOUND, "")
	})
}

func TestCaseloads(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		now := c.Now()
		// The advocate leads two cases, one of them high-risk; the second
		// advocate one, closed.
		high := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		w.lapOf(t, w.advocateCtx, w.survivor, true)
		other := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Odile", FamilyName: "Brackenridge"})
		low := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: other.ID})
		w.lapOf(t, w.advocateCtx, other, false)
		third := mustCreate(t, db, w.advocate, &haven.Person{GivenName: "Thea", FamilyName: "Lindqvist"})
		closed := w.mustCase(t, w.advocate2Ctx, haven.CaseInput{PersonID: third.ID})
		for _, k := range []struct {
			caseID string
			due    time.Duration
			to     *haven.User
		}{
			{high.ID, 2 * 24 * time.Hour, w.advocate},    // due this week
			{low.ID, 6 * 24 * time.Hour, w.advocate},     // due this week
			{low.ID, 9 * 24 * time.Hour, w.advocate},     // later
			{high.ID, 30 * time.Minute, w.advocate2},     // soon overdue
			{closed.ID, 2 * 24 * time.Hour, w.advocate2}, // on a case about to close
		} {
			if _, err := db.AddTask(w.advocateCtx, k.caseID, haven.CaseTask{Title: "t", DueAt: now.Add(k.due), AssignedTo: k.to.ID}); err != nil {
				t.Fatal(err)
			}
		}
		for _, at := range []time.Duration{3 * 24 * time.Hour, 8 * 24 * time.Hour} {
			if _, err := db.AddCourtDate(w.advocateCtx, low.ID, haven.CourtDate{At: now.Add(at), Court: "c"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.UpdateCase(w.advocate2Ctx, closed.ID, haven.CasePatch{Status: strptr("closed"), ClosedReason: strptr("done")}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Hour)
		rows, err := db.Caseloads(w.shSupervisorCtx)
		if err != nil {
			t.Fatal(err)
		}
		byUser := map[string]haven.CaseloadRow{}
		for _, r := range rows {
			byUser[r.UserID] = r
		}
		if _, ok := byUser[w.shelter.ID]; ok {
			t.Error("shelter staff lead no cases and are not advocates")
		}
		want := map[string]haven.CaseloadRow{
			w.advocate.ID:     {UserID: w.advocate.ID, Name: "advocate", Open: 2, HighRisk: 1, TasksDue: 2, TasksOverdue: 0, CourtDates: 1},
			w.advocate2.ID:    {UserID: w.advocate2.ID, Name: "advocate2", Open: 0, HighRisk: 0, TasksDue: 0, TasksOverdue: 1, CourtDates: 0},
			w.shSupervisor.ID: {UserID: w.shSupervisor.ID, Name: "sh-supervisor"},
		}
		for id, wr := range want {
			if got := byUser[id]; got != wr {
				t.Errorf("caseload of %s = %+v, want %+v", wr.Name, got, wr)
			}
		}
		_, err = db.Caseloads(w.advocateCtx)
		wantCode(t, err, haven.EFORBIDDEN, "")

		// Lists: the advocate's own by default; another's only for a supervisor.
		list, err := db.FindCases(w.advocateCtx, haven.CaseFilter{})
		if err != nil || len(list) != 2 || list[0].ID != low.ID || list[1].RiskLevel == "" || !list[1].RiskHigh || list[0].RiskHigh {
			t.Fatalf("my caseload = %+v, %v", list, err)
		}
		_, err = db.FindCases(w.advocateCtx, haven.CaseFilter{Lead: w.advocate2.ID})
		wantCode(t, err, haven.EFORBIDDEN, "")
		if list, err := db.FindCases(w.shSupervisorCtx, haven.CaseFilter{Lead: w.advocate2.ID, Status: "all"}); err != nil || len(list) != 1 || list[0].ID != closed.ID {
			t.Fatalf("supervisor's view of advocate2 = %+v, %v", list, err)
		}
		if list, err := db.FindCases(w.shSupervisorCtx, haven.CaseFilter{}); err != nil || len(list) != 2 {
			t.Fatalf("agency cases in progress = %d, %v", len(list), err)
		}
		if list, err := db.FindCases(w.shSupervisorCtx, haven.CaseFilter{Status: "closed"}); err != nil || len(list) != 1 || list[0].ClosedReason != "done" {
			t.Fatalf("closed = %+v, %v", list, err)
		}
		_, err = db.FindCases(w.shSupervisorCtx, haven.CaseFilter{Status: "lost"})
		wantCode(t, err, haven.EINVALID, "status")
		_, err = db.FindCases(w.officerCtx, haven.CaseFilter{})
		wantCode(t, err, haven.EFORBIDDEN, "")
		if e := lastAudit(t, db, "case.list", audit.Allowed); e == nil || e.Details["results"] != "1" {
			t.Fatalf("list audit = %+v", e)
		}
	})
}

// riskTask records a screened-in Lethality Screen of metro-pd's victim and
// returns the task it puts in safe-harbor's queue.
func (w *caseWorld) riskTask(t *testing.T) (*haven.Assessment, string) {
	t.Helper()
	a := w.lapOf(t, w.officerCtx, w.victim, true)
	return a, triggerOf(t, a, "advocacy_task").TaskID
}

func taskStatus(t *testing.T, w *caseWorld, id string) string {
	t.Helper()
	tasks, err := w.db.RiskTasks(w.advocateCtx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range tasks {
		if k.ID == id {
			return k.Status
		}
	}
	t.Fatalf("no task %s", id)
	return ""
}

func TestOpenCaseFromRiskTask(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		w.setPartner(t)
		_, err := db.UpdatePerson(w.officerCtx, w.victim.ID, haven.PersonPatch{
			Phones:      &[]haven.Phone{{Number: "(312) 555-0147", Kind: "mobile"}},
			Addresses:   &[]haven.Address{{Line1: "1 Hidden Way", City: "Metro City", Confidential: true}, {Line1: "9 Work St", City: "Metro City"}},
			DateOfBirth: strptr("1991-04-05"), Languages: &[]string{"pl"}})
		if err != nil {
			t.Fatal(err)
		}
		a, taskID := w.riskTask(t)

		// Without the survivor's consent: a conflict saying so; the task stays open.
		_, err = db.OpenCaseFromRiskTask(w.advocateCtx, taskID)
		wantCode(t, err, haven.ECONFLICT, "")
		if !strings.Contains(haven.ErrorMessage(err), "consent") {
			t.Fatalf("message = %q", haven.ErrorMessage(err))
		}
		if s := taskStatus(t, w, taskID); s != haven.TaskOpen {
			t.Fatalf("task = %s", s)
		}
		if e := lastAudit(t, db, "person.read", audit.Denied); e == nil || e.RecordID != w.victim.ID || e.Details["purpose"] != "open_case" {
			t.Fatalf("refusal audit = %+v", e)
		}
		// Not in the queue's agency, or no such task: not found.
		_, err = db.OpenCaseFromRiskTask(w.officerCtx, taskID)
		wantCode(t, err, haven.ENOTFOUND, "")
		_, err = db.OpenCaseFromRiskTask(w.advocateCtx, "no-such-task")
		wantCode(t, err, haven.ENOTFOUND, "")

		// A consent to share risk results, not contact details.
		grant := w.consent(t, w.officerCtx, w.victim, "safe-harbor", haven.ScopeRisk)
		cs, err := db.OpenCaseFromRiskTask(w.advocateCtx, taskID)
		if err != nil {
			t.Fatal(err)
		}
		if cs.SourcePersonID != w.victim.ID || cs.PersonID == w.victim.ID || cs.RiskTaskID != taskID || cs.AgencyID != w.sh.ID ||
			cs.LeadAdvocate != w.advocate.ID || cs.PersonName != "Valentina Okonkwo" {
			t.Fatalf("case = %+v", cs)
		}
		if cs.RiskLevel != a.Result.BandLabel || !cs.RiskHigh {
			t.Fatalf("risk = %q %v, want %q", cs.RiskLevel, cs.RiskHigh, a.Result.BandLabel)
		}
		p, err := db.Person(w.advocateCtx, cs.PersonID)
		if err != nil || p.AgencyID != w.sh.ID || p.DateOfBirth != "1991-04-05" || len(p.Languages) != 1 || len(p.Phones) != 0 || len(p.Addresses) != 0 {
			t.Fatalf("own record = %+v, %v", p, err)
		}
		if s := taskStatus(t, w, taskID); s != haven.TaskAccepted {
			t.Fatalf("task = %s", s)
		}
		if e := auditFor(t, db, "person.read", audit.Allowed, w.victim.ID); e == nil || e.Basis != "consent:"+grant.ID || e.Details["purpose"] != "open_case" {
			t.Fatalf("read audit = %+v", e)
		}
		if e := lastAudit(t, db, "person.create", audit.Allowed); e == nil || e.RecordID != cs.PersonID || e.Details["source_person_id"] != w.victim.ID {
			t.Fatalf("create audit = %+v", e)
		}
		if e := lastAudit(t, db, "risk.task.decide", audit.Allowed); e == nil || e.Details["case_id"] != cs.ID {
			t.Fatalf("task audit = %+v", e)
		}
		// A task that is no longer open.
		_, err = db.OpenCaseFromRiskTask(w.advocateCtx, taskID)
		wantCode(t, err, haven.ECONFLICT, "")

		// A second high-risk result updates the same case.
		c.Add(time.Hour)
		_, task2 := w.riskTask(t)
		again, err := db.OpenCaseFromRiskTask(w.advocate2Ctx, task2)
		if err != nil || again.ID != cs.ID || again.RiskTaskID != task2 || again.Version != 2 {
			t.Fatalf("again = %+v, %v", again, err)
		}
		if list, err := db.FindCases(w.shSupervisorCtx, haven.CaseFilter{Status: "all"}); err != nil || len(list) != 1 {
			t.Fatalf("cases = %d, %v", len(list), err)
		}
		// Once closed, the next task opens a new case.
		if _, err := db.UpdateCase(w.advocateCtx, cs.ID, haven.CasePatch{Status: strptr("closed"), ClosedReason: strptr("moved away")}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Hour)
		_, task3 := w.riskTask(t)
		fresh, err := db.OpenCaseFromRiskTask(w.advocateCtx, task3)
		if err != nil || fresh.ID == cs.ID || fresh.SourcePersonID != w.victim.ID {
			t.Fatalf("fresh = %+v, %v", fresh, err)
		}
		// Revoking the consent takes the risk level away, not the case.
		if _, err := db.RevokeConsent(w.officerCtx, grant.ID, "asked to stop"); err != nil {
			t.Fatal(err)
		}
		got, err := db.Case(w.advocateCtx, fresh.ID)
		if err != nil || got.RiskLevel != "" {
			t.Fatalf("after revocation = %+v, %v", got, err)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOpenCaseContactScope copies contact details only under a consent
// with the contact scope, and never a confidential address.
func TestOpenCaseContactScope(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		w.setPartner(t)
		_, err := db.UpdatePerson(w.officerCtx, w.victim.ID, haven.PersonPatch{
			Phones:      &[]haven.Phone{{Number: "(312) 555-0147", Kind: "mobile"}},
			Emails:      &[]string{"val@example.org"},
			Addresses:   &[]haven.Address{{Line1: "1 Hidden Way", City: "Metro City", Confidential: true}, {Line1: "9 Work St", City: "Metro City"}},
			SafeContact: &haven.SafeContact{SafePhone: "555-0199"}})
		if err != nil {
			t.Fatal(err)
		}
		w.consent(t, w.officerCtx, w.victim, "safe-harbor", haven.ScopeContact)
		_, taskID := w.riskTask(t)
		cs, err := db.OpenCaseFromRiskTask(w.advocateCtx, taskID)
		if err != nil {
			t.Fatal(err)
		}
		// No risk scope: the case shows no risk level from metro-pd.
		if cs.RiskLevel != "" {
			t.Fatalf("risk level without the risk scope: %q", cs.RiskLevel)
		}
		p, err := db.Person(w.advocateCtx, cs.PersonID)
		if err != nil || len(p.Phones) != 1 || len(p.Emails) != 1 || p.SafeContact == nil || len(p.Addresses) != 1 || p.Addresses[0].Line1 != "9 Work St" {
			t.Fatalf("own record = %+v, %v", p, err)
		}
	})
}

// TestCaseSharedNotesAndDocuments: another agency reads a case's notes
// under a consent with the case_notes scope and its documents under the
// documents scope; nothing else of the case.
func TestCaseSharedNotesAndDocuments(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		if _, err := db.AddNote(w.advocateCtx, cs.ID, "Shared note"); err != nil {
			t.Fatal(err)
		}
		doc, err := db.AddDocument(w.advocateCtx, cs.ID, haven.CaseDocument{Name: "order.pdf"}, pdfBytes)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Notes(w.officerCtx, cs.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
		grant := w.consent(t, w.advocateCtx, w.survivor, "metro-pd", haven.ScopeCaseNotes)
		notes, err := db.Notes(w.officerCtx, cs.ID)
		if err != nil || len(notes) != 1 || notes[0].Text != "Shared note" {
			t.Fatalf("shared notes = %+v, %v", notes, err)
		}
		if e := lastAudit(t, db, "case.note.read", audit.Allowed); e == nil || e.Basis != "consent:"+grant.ID || e.ActorUserID != w.officer.ID {
			t.Fatalf("audit = %+v", e)
		}
		for name, call := range map[string]func() error{
			"documents": func() error { _, err := db.Documents(w.officerCtx, cs.ID); return err },
			"download":  func() error { _, _, err := db.Document(w.officerCtx, doc.ID); return err },
			"case":      func() error { _, err := db.Case(w.officerCtx, cs.ID); return err },
			"tasks":     func() error { _, err := db.Tasks(w.officerCtx, cs.ID); return err },
			"add note":  func() error { _, err := db.AddNote(w.officerCtx, cs.ID, "x"); return err },
			"analyst":   func() error { _, err := db.Notes(w.analystCtx, cs.ID); return err },
			"court":     func() error { _, err := db.CourtDates(w.officerCtx, cs.ID); return err },
			"services":  func() error { _, err := db.Services(w.officerCtx, cs.ID); return err },
			"add a task": func() error {
				_, err := db.AddTask(w.officerCtx, cs.ID, haven.CaseTask{Title: "x", DueAt: c.Now()})
				return err
			},
		} {
			if err := call(); haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Errorf("%s: %v", name, err)
			}
		}
		docsGrant := w.consent(t, w.advocateCtx, w.survivor, "metro-pd", haven.ScopeDocuments)
		if _, body, err := db.Document(w.officerCtx, doc.ID); err != nil || !bytes.Equal(body, pdfBytes) {
			t.Fatalf("shared document: %v", err)
		}
		if e := lastAudit(t, db, "case.document.download", audit.Allowed); e == nil || e.Basis != "consent:"+docsGrant.ID {
			t.Fatalf("audit = %+v", e)
		}
		// Expiry ends it.
		c.Add(31 * 24 * time.Hour)
		_, err = db.Notes(w.officerCtx, cs.ID)
		wantCode(t, err, haven.ENOTFOUND, "")
	})
}

func TestCaseSealedAndRotated(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		w := newCaseWorld(t, db, c)
		cs := w.mustCase(t, w.advocateCtx, haven.CaseInput{PersonID: w.survivor.ID})
		now := c.Now()
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.AddService(w.advocateCtx, cs.ID, haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 30, Note: "Quokka service"}))
		must(db.AddService(w.advocateCtx, cs.ID, haven.ServiceDelivered{Type: "advocacy", Date: "2026-03-01", Minutes: 30}))
		must(db.AddNote(w.advocateCtx, cs.ID, "Quokka note"))
		must(db.AddTask(w.advocateCtx, cs.ID, haven.CaseTask{Title: "Quokka task", DueAt: now.Add(time.Hour)}))
		must(db.AddCourtDate(w.advocateCtx, cs.ID, haven.CourtDate{At: now.Add(time.Hour), Court: "Quokka court"}))
		doc, err := db.AddDocument(w.advocateCtx, cs.ID, haven.CaseDocument{Name: "Quokka doc"}, []byte("Quokka body text\n"))
		must(doc, err)
		must(db.UpdateCase(w.advocateCtx, cs.ID, haven.CasePatch{Status: strptr("closed"), ClosedReason: strptr("Quokka reason")}))
		ctx := context.Background()
		if n, err := db.CountAllTables(ctx, "Quokka"); err != nil || n != 0 {
			t.Fatalf("%d values in the clear (%v)", n, err)
		}
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		if n, err := db.CaseSealedLeft(ctx); err != nil || n != 0 {
			t.Fatalf("%d case rows left under an old key (%v)", n, err)
		}
		got, err := db.Case(w.advocateCtx, cs.ID)
		if err != nil || got.ClosedReason != "Quokka reason" {
			t.Fatalf("case = %+v, %v", got, err)
		}
		notes, _ := db.Notes(w.advocateCtx, cs.ID)
		tasks, _ := db.Tasks(w.advocateCtx, cs.ID)
		courts, _ := db.CourtDates(w.advocateCtx, cs.ID)
		services, _ := db.Services(w.advocateCtx, cs.ID)
		_, body, err := db.Document(w.advocateCtx, doc.ID)
		if err != nil || notes[0].Text != "Quokka note" || tasks[0].Title != "Quokka task" || courts[0].Court != "Quokka court" ||
			string(body) != "Quokka body text\n" || len(services) != 2 {
			t.Fatalf("after rotation: %v %+v %+v %+v %+v", err, notes, tasks, courts, services)
		}
	})
}

// FuzzDocumentType: whatever the bytes, the type is one of the four kept or "".
func FuzzDocumentType(f *testing.F) {
	for _, s := range [][]byte{pdfBytes, pngBytes, jpegBytes, []byte("plain"), []byte("<html>"), {0xff, 0xfe, 'a', 0}, nil} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		switch ct := store.DocumentType(b); ct {
		case "", "application/pdf", "image/png", "image/jpeg", "text/plain":
		default:
			t.Fatalf("type %q", ct)
		}
	})
}
