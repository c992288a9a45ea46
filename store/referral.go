package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/referral"
)

// Closed-loop referrals. The sending agency (the person's owner) refers a
// person to another agency, under the survivor's consent naming that
// agency, or to a directory service. The receiving agency's first read
// marks the referral received; it then accepts or declines, starts,
// completes or closes it, and its intake can open a case from an accepted
// one. Every step is a row of referral_transitions that the sender sees.
// The life cycle and the service-level targets are the referral package's.

var _ haven.ReferralService = (*DB)(nil)

func referralNotesAAD(id string) string  { return "referrals/notes/" + id }
func referralReasonAAD(id string) string { return "referral_transitions/reason/" + id }

// Limits of what a referral holds.
const (
	referralNotesText  = 4000
	referralReasonText = 1000
	referralIDText     = 100
	maxReferrals       = 500
	defaultReferrals   = 100
)

const referralCols = `r.id, r.from_agency_id, fa.slug, r.from_user, r.person_id, COALESCE(r.to_agency_id, ''), COALESCE(ta.slug, ''),
	r.to_service, r.consent_id, r.need, r.urgency, r.notes, r.status, r.case_id, r.created_at, r.updated_at, r.acknowledge_by,
	r.accepted_at, r.start_by, r.version`

const referralFrom = ` FROM referrals r JOIN agencies fa ON fa.id = r.from_agency_id LEFT JOIN agencies ta ON ta.id = r.to_agency_id`

// referralRow is a stored referral before its sealed notes are opened.
type referralRow struct {
	r        haven.Referral
	notes    []byte
	accepted nullTime
	startBy  nullTime
	version  int
}

func scanReferral(s interface{ Scan(...any) error }) (*referralRow, error) {
	var row referralRow
	r := &row.r
	var created, updated, ack nullTime
	err := s.Scan(&r.ID, &r.FromAgencyID, &r.FromAgency, &r.FromUser, &r.PersonID, &r.ToAgencyID, &r.ToAgency, &r.ToService,
		&r.ConsentID, &r.Need, &r.Urgency, &row.notes, &r.Status, &r.CaseID, &created, &updated, &ack, &row.accepted, &row.startBy,
		&row.version)
	r.CreatedAt, r.UpdatedAt, r.AcknowledgeBy = created.Time, updated.Time, ack.Time
	return &row, err
}

// loadReferral reads one referral in t, locking it on PostgreSQL when the
// transaction will change it; nil when there is none.
func loadReferral(ctx context.Context, t *tx, id string, lock bool) (*referralRow, error) {
	q := `SELECT ` + referralCols + referralFrom + ` WHERE r.id = ?`
	if lock && t.d.name == "postgres" {
		q += ` FOR UPDATE OF r`
	}
	row, err := scanReferral(t.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// partyOf is the side the actor is on: the sending agency (the tracker,
// for a referral to a directory service) or the receiving agency.
func partyOf(actor haven.Actor, r *haven.Referral) (referral.Party, bool) {
	switch {
	case actor.AgencyID == "":
	case actor.AgencyID == r.FromAgencyID && r.ToAgencyID == "":
		return referral.Tracker, true
	case actor.AgencyID == r.FromAgencyID:
		return referral.Sender, true
	case actor.AgencyID == r.ToAgencyID:
		return referral.Receiver, true
	}
	return "", false
}

// referralTarget is what the policy is asked about: the sending agency
// owns the referral, and the receiving agency's actor arrives with the
// referral itself as a basis.
func referralTarget(actor haven.Actor, r *haven.Referral, now time.Time) access.Target {
	tg := access.Target{AgencyID: r.FromAgencyID, Now: now}
	if actor.AgencyID != "" && r.ToAgencyID != "" && actor.AgencyID == r.ToAgencyID {
		tg.Bases = []access.Basis{{Kind: access.BasisReferral, ID: r.ID}}
	}
	return tg
}

// refuseReferral records a refusal and answers exactly as for a referral
// that does not exist. When the referral was found the entry is about its
// person, naming the referral.
func (db *DB) refuseReferral(ctx context.Context, action access.Action, id string, row *referralRow, reason string) error {
	details := map[string]string{"policy": reason}
	rt, rid, agency := "referral", id, ""
	if row != nil {
		details["referral_id"] = id
		rt, rid, agency = "person", row.r.PersonID, row.r.FromAgencyID
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(action), audit.Denied, rt, rid, agency, "", details)); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "referral not found")
}

// referralEntry is the audit entry of a step on one referral: about its
// person, naming the referral.
func referralEntry(ctx context.Context, action string, r *haven.Referral, d access.Decision, details map[string]string) audit.Entry {
	if details == nil {
		details = map[string]string{}
	}
	details["referral_id"] = r.ID
	return auditEntry(ctx, action, audit.Allowed, "person", r.PersonID, r.FromAgencyID, basisLabel(d), details)
}

// ---- creating ----

// cleanReferralInput trims and checks what needs no database.
func cleanReferralInput(in *haven.ReferralInput) error {
	for _, s := range []*string{&in.PersonID, &in.ToAgency, &in.ToService, &in.ConsentID, &in.Notes} {
		*s = strings.TrimSpace(*s)
	}
	in.Need, in.Urgency = strings.ToLower(strings.TrimSpace(in.Need)), strings.ToLower(strings.TrimSpace(in.Urgency))
	in.ToAgency = strings.ToLower(in.ToAgency)
	for field, v := range map[string]string{"person_id": in.PersonID, "to_agency": in.ToAgency, "to_service": in.ToService,
		"consent_id": in.ConsentID, "need": in.Need, "urgency": in.Urgency} {
		if err := checkText(field, v, referralIDText); err != nil {
			return err
		}
	}
	switch {
	case in.PersonID == "":
		return haven.FieldErrorf(haven.EINVALID, "person_id", "person_id is required")
	case in.ToAgency != "" && in.ToService != "":
		return haven.FieldErrorf(haven.EINVALID, "to_agency", "refer to an agency (to_agency) or to a directory service (to_service), not both")
	case in.ToAgency == "" && in.ToService == "":
		return haven.FieldErrorf(haven.EINVALID, "to_agency", "say where the person is referred: to_agency (an agency's slug) or to_service (a directory service id)")
	case in.ToAgency != "" && in.ConsentID == "":
		return haven.FieldErrorf(haven.EINVALID, "consent_id", "a referral to another agency needs the survivor's consent naming that agency: give consent_id")
	case !referral.ValidNeed(in.Need):
		return haven.FieldErrorf(haven.EINVALID, "need", "need must be one of %s", strings.Join(referral.Needs, ", "))
	case !referral.ValidUrgency(in.Urgency):
		return haven.FieldErrorf(haven.EINVALID, "urgency", "urgency must be emergency, urgent or routine")
	}
	return checkText("notes", in.Notes, referralNotesText)
}

// checkReferralConsent checks the grant a referral is sent under: recorded
// by the sending agency, for this person, in force now, and, for a
// referral to an agency, naming it (toAgencyID "" for a directory
// service). Someone else's grant answers like a missing one.
func checkReferralConsent(ctx context.Context, t *tx, id, personID, senderID, toAgencyID string, now time.Time) error {
	var agencyID, person string
	var starts, expires, revoked nullTime
	err := t.queryRow(ctx, `SELECT agency_id, person_id, starts_at, expires_at, revoked_at FROM consents WHERE id = ?`, id).
		Scan(&agencyID, &person, &starts, &expires, &revoked)
	bad := func(format string, args ...any) error {
		return haven.FieldErrorf(haven.EINVALID, "consent_id", format, args...)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && agencyID != senderID:
		return bad("consent_id names no consent recorded by your agency")
	case err != nil:
		return err
	case person != personID:
		return bad("the consent is for another person")
	case revoked.Valid && !now.Before(revoked.Time):
		return bad("the consent was revoked")
	case now.Before(starts.Time):
		return bad("the consent starts later, on %s", starts.Time.Format("2 Jan 2006 15:04 MST"))
	case !now.Before(expires.Time):
		return bad("the consent has expired; record a new one with the survivor")
	}
	if toAgencyID == "" {
		return nil
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM consent_recipients WHERE consent_id = ? AND agency_id = ?`, id, toAgencyID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return bad("the consent does not name the agency referred to; record a consent that does")
	}
	return nil
}

// CreateReferral refers a person of the actor's agency to another agency
// (under the survivor's consent naming it) or to a directory service. A
// person the actor may not refer answers "not found", audited.
func (db *DB) CreateReferral(ctx context.Context, in haven.ReferralInput) (*haven.Referral, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if err := cleanReferralInput(&in); err != nil {
		return nil, err
	}
	var out *haven.Referral
	var refused bool
	var refusedAgency, reason string
	err := db.inTx(ctx, true, func(t *tx) error {
		now := utcMicro(db.now())
		p, err := loadPersonRow(ctx, t.queryRow, in.PersonID)
		if err != nil {
			return err
		}
		if p == nil {
			refused, reason = true, "no such record"
			return nil
		}
		d := access.Decide(actor, access.ReferralCreate, access.Target{AgencyID: p.agencyID, Now: now})
		if !d.Allow {
			refused, refusedAgency, reason = true, p.agencyID, d.Reason
			return nil
		}
		var toAgencyID any
		toID := ""
		if in.ToAgency != "" {
			a, err := agencyWhere(ctx, t, `a.slug = ?`, in.ToAgency)
			if haven.ErrorCode(err) == haven.ENOTFOUND {
				return haven.FieldErrorf(haven.EINVALID, "to_agency", "no agency %q", in.ToAgency)
			} else if err != nil {
				return err
			}
			if a.ID == p.agencyID {
				return haven.FieldErrorf(haven.EINVALID, "to_agency", "a person is referred to another agency, not to their own")
			}
			toAgencyID, toID = a.ID, a.ID
		}
		if in.ConsentID != "" {
			if err := checkReferralConsent(ctx, t, in.ConsentID, p.id, p.agencyID, toID, now); err != nil {
				return err
			}
		}
		id := newID()
		var notes []byte
		var keyID any
		if in.Notes != "" {
			var k string
			if notes, k, err = db.seal(ctx, []byte(in.Notes), referralNotesAAD(id)); err != nil {
				return err
			}
			keyID = k
		}
		if _, err := t.exec(ctx, `INSERT INTO referrals (id, from_agency_id, from_user, person_id, to_agency_id, to_service, consent_id,
			need, urgency, notes, key_id, status, case_id, created_at, updated_at, acknowledge_by, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, 1)`,
			id, p.agencyID, actorLabel(actor), p.id, toAgencyID, in.ToService, in.ConsentID, in.Need, in.Urgency, notes, keyID,
			haven.ReferralSent, now, now, referral.AcknowledgeBy(now, in.Urgency)); err != nil {
			return err
		}
		if err := db.addTransition(ctx, t, id, haven.ReferralSent, now, actorLabel(actor), ""); err != nil {
			return err
		}
		row, err := loadReferral(ctx, t, id, false)
		if err != nil {
			return err
		}
		views, entries, err := db.fillReferrals(ctx, t, actor, []*referralRow{row}, now)
		if err != nil {
			return err
		}
		out = views[0]
		create := referralEntry(ctx, string(access.ReferralCreate), out, d, map[string]string{"to_agency": in.ToAgency,
			"to_service": in.ToService, "consent_id": in.ConsentID, "need": in.Need, "urgency": in.Urgency})
		return db.appendAudit(ctx, t, append([]audit.Entry{create}, entries...)...)
	})
	if err != nil {
		return nil, err
	}
	if refused {
		e := auditEntry(ctx, string(access.ReferralCreate), audit.Denied, "person", in.PersonID, refusedAgency, "", map[string]string{"policy": reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.ENOTFOUND, "person not found")
	}
	return out, nil
}

// addTransition records one step, its reason sealed.
func (db *DB) addTransition(ctx context.Context, t *tx, referralID, status string, at time.Time, by, reason string) error {
	var seq int
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM referral_transitions WHERE referral_id = ?`, referralID).Scan(&seq); err != nil {
		return err
	}
	id := newID()
	var sealed []byte
	var keyID any
	if reason != "" {
		s, k, err := db.seal(ctx, []byte(reason), referralReasonAAD(id))
		if err != nil {
			return err
		}
		sealed, keyID = s, k
	}
	_, err := t.exec(ctx, `INSERT INTO referral_transitions (id, referral_id, seq, status, at, by_actor, reason, key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, referralID, seq+1, status, at, by, sealed, keyID)
	return err
}

// moveReferral changes a referral's status from `from` (which the update
// checks, so a step taken meanwhile is a conflict) and records the step.
func (db *DB) moveReferral(ctx context.Context, t *tx, row *referralRow, from, to string, now time.Time, by, reason string) error {
	set := `status = ?, updated_at = ?, version = version + 1`
	args := []any{to, now}
	if to == haven.ReferralAccepted {
		set += `, accepted_at = ?, start_by = ?`
		args = append(args, now, referral.StartBy(now, row.r.Urgency))
	}
	args = append(args, row.r.ID, from)
	res, err := t.exec(ctx, `UPDATE referrals SET `+set+` WHERE id = ? AND status = ?`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return haven.Errorf(haven.ECONFLICT, "the referral was changed meanwhile; reload it and try again")
	}
	return db.addTransition(ctx, t, row.r.ID, to, now, by, reason)
}

// ---- reading ----

type transitionRow struct {
	referralID string
	tr         haven.ReferralTransition
	id         string
	reason     []byte
}

// fillReferrals turns rows into what the actor sees: the transitions and
// who took them, the targets against now, the direction, and, when the
// actor may see the person (own agency, or the receiving agency under
// the survivor's consent, through the person read rule), the person's
// name and the notes. It returns the audit entries of the person reads
// made on a basis other than the actor's own agency (one each, naming the
// basis); own-agency names are listed in the caller's own entry
// (names_shown, see ownNames).
func (db *DB) fillReferrals(ctx context.Context, t *tx, actor haven.Actor, rows []*referralRow, now time.Time) ([]*haven.Referral, []audit.Entry, error) {
	out := make([]*haven.Referral, len(rows))
	if len(rows) == 0 {
		return out, nil, nil
	}
	ids := make([]any, len(rows))
	byID := map[string]*haven.Referral{}
	users := map[string]bool{}
	for i, row := range rows {
		r := row.r
		r.Transitions = []haven.ReferralTransition{}
		r.StartBy = row.startBy.ptr()
		f := referral.Fields{Status: r.Status, Urgency: r.Urgency, Created: r.CreatedAt, Accepted: row.accepted.ptr()}
		if missed, late := referral.Overdue(f, now); late {
			r.Overdue, r.Missed = true, missed.Name
		}
		switch p, _ := partyOf(actor, &r); p {
		case referral.Sender, referral.Tracker:
			r.Direction = "outgoing"
		case referral.Receiver:
			r.Direction = "incoming"
		}
		out[i], ids[i], byID[r.ID] = &r, r.ID, &r
		users[r.FromUser] = true
	}
	trs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (transitionRow, error) {
		var tr transitionRow
		var at nullTime
		err := s.Scan(&tr.id, &tr.referralID, &tr.tr.Status, &at, &tr.tr.By, &tr.reason)
		tr.tr.At = at.Time
		return tr, err
	}, `SELECT id, referral_id, status, at, by_actor, reason FROM referral_transitions WHERE referral_id IN (`+placeholders(len(ids))+`)
		ORDER BY referral_id, seq`, ids...)
	if err != nil {
		return nil, nil, err
	}
	for _, tr := range trs {
		r := byID[tr.referralID]
		r.Transitions = append(r.Transitions, tr.tr)
		users[tr.tr.By] = true
		if tr.reason != nil && (tr.tr.Status == haven.ReferralDeclined || tr.tr.Status == haven.ReferralClosed) {
			plain, err := db.open(ctx, tr.reason, referralReasonAAD(tr.id))
			if err != nil {
				return nil, nil, err
			}
			r.Reason = string(plain)
		}
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, nil, err
	}
	persons, entries, err := db.referralPersons(ctx, t, actor, rows, now)
	if err != nil {
		return nil, nil, err
	}
	for i, row := range rows {
		r := out[i]
		for j := range r.Transitions {
			r.Transitions[j].ByName = names[r.Transitions[j].By]
		}
		name, ok := persons[r.PersonID]
		if !ok {
			continue
		}
		r.PersonName = name
		if row.notes != nil {
			plain, err := db.open(ctx, row.notes, referralNotesAAD(r.ID))
			if err != nil {
				return nil, nil, err
			}
			r.Notes = string(plain)
		}
	}
	return out, entries, nil
}

// referralPersons opens the names of the referrals' persons the actor may
// see, through the person read rule: the actor's own agency's records,
// and another agency's on a basis the policy accepts (the survivor's
// consent naming the actor's agency). Each read on such a basis gets its
// audit entry, naming the basis and the referral.
func (db *DB) referralPersons(ctx context.Context, t *tx, actor haven.Actor, rows []*referralRow, now time.Time) (map[string]string, []audit.Entry, error) {
	out := map[string]string{}
	var entries []audit.Entry
	seen := map[string]bool{}
	for _, row := range rows {
		id := row.r.PersonID
		if seen[id] {
			continue
		}
		seen[id] = true
		p, err := loadPersonRow(ctx, t.queryRow, id)
		if err != nil {
			return nil, nil, err
		}
		if p == nil {
			continue
		}
		var bases []access.Basis
		if p.agencyID != actor.AgencyID && actor.UserID != "" {
			if bases, err = db.bases(ctx, t, actor, "person", id); err != nil {
				return nil, nil, err
			}
		}
		d := access.Decide(actor, access.PersonRead, access.Target{AgencyID: p.agencyID, Bases: bases, Now: now})
		if !d.Allow {
			continue
		}
		person, err := db.openPerson(ctx, p, d)
		if err != nil {
			return nil, nil, err
		}
		out[id] = strings.TrimSpace(person.GivenName + " " + person.FamilyName)
		if d.Basis.Kind != access.BasisOwnAgency && d.Basis.Kind != access.BasisSystem {
			e := auditEntry(ctx, string(access.PersonRead), audit.Allowed, "person", id, p.agencyID, basisLabel(d),
				map[string]string{"via": "referral", "referral_id": row.r.ID, "shown": "name,referral_notes"})
			if d.Basis.Kind == access.BasisBreakGlass {
				e.Details["break_glass"] = "true"
			}
			entries = append(entries, e)
		}
	}
	return out, entries, nil
}

// ownNames lists the persons of the actor's own agency whose names were
// shown: the list entry records them, as the high-risk list does.
func ownNames(actor haven.Actor, views []*haven.Referral, rows []*referralRow) string {
	var ids []string
	seen := map[string]bool{}
	for i, r := range views {
		if r.PersonName != "" && rows[i].r.FromAgencyID == actor.AgencyID && !seen[r.PersonID] {
			seen[r.PersonID] = true
			ids = append(ids, r.PersonID)
		}
	}
	return strings.Join(ids, ",")
}

// referralRefused is returned by an inReferral step that refuses an actor
// the policy allowed; inReferral answers it like any refusal.
type referralRefused struct{ why string }

func (r *referralRefused) Error() string { return r.why }

// inReferral runs fn on referral id, loaded for update in a write
// transaction, when the policy allows action on it. A missing referral, a
// refusal by the policy, or a referralRefused from fn answers "not found"
// and is audited once the transaction is over.
func (db *DB) inReferral(ctx context.Context, id string, action access.Action,
	fn func(t *tx, row *referralRow, d access.Decision, now time.Time) error) error {
	actor := haven.ActorFromContext(ctx)
	var refused bool
	var refusedRow *referralRow
	var why string
	err := db.inTx(ctx, true, func(t *tx) error {
		now := utcMicro(db.now())
		row, err := loadReferral(ctx, t, id, true)
		if err != nil {
			return err
		}
		if row == nil {
			refused, why = true, "no such record"
			return nil
		}
		d := access.Decide(actor, action, referralTarget(actor, &row.r, now))
		if !d.Allow {
			refused, refusedRow, why = true, row, d.Reason
			return nil
		}
		err = fn(t, row, d, now)
		var rr *referralRefused
		if errors.As(err, &rr) {
			refused, refusedRow, why = true, row, rr.why
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if refused {
		return db.refuseReferral(ctx, action, id, refusedRow, why)
	}
	return nil
}

// Referral returns one referral to its sending or receiving agency; the
// receiving agency's first read marks it received, in the same
// transaction as the read's audit entry. Anyone else gets "not found".
func (db *DB) Referral(ctx context.Context, id string) (*haven.Referral, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	var out *haven.Referral
	err := db.inReferral(ctx, id, access.ReferralRead, func(t *tx, row *referralRow, d access.Decision, now time.Time) error {
		var entries []audit.Entry
		if p, _ := partyOf(actor, &row.r); p == referral.Receiver && row.r.Status == haven.ReferralSent {
			if err := db.moveReferral(ctx, t, row, haven.ReferralSent, haven.ReferralReceived, now, actorLabel(actor), ""); err != nil {
				return err
			}
			entries = append(entries, referralEntry(ctx, "referral."+referral.Receive, &row.r, d, map[string]string{"status": haven.ReferralReceived}))
			var err error
			if row, err = loadReferral(ctx, t, id, false); err != nil {
				return err
			}
		}
		views, personEntries, err := db.fillReferrals(ctx, t, actor, []*referralRow{row}, now)
		if err != nil {
			return err
		}
		out = views[0]
		read := referralEntry(ctx, string(access.ReferralRead), out, d, nil)
		if out.PersonName != "" && row.r.FromAgencyID == actor.AgencyID {
			read.Details["names_shown"] = out.PersonID
		}
		entries = append(append([]audit.Entry{read}, entries...), personEntries...)
		return db.appendAudit(ctx, t, entries...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// referralDirections are the directions FindReferrals lists.
var referralDirections = map[string]bool{"": true, "both": true, "incoming": true, "outgoing": true}

// FindReferrals lists the actor's agency's referrals, newest first:
// incoming (to it), outgoing (from it) or both, by status, only the
// overdue, or one person's. The incoming ones still "sent" are marked
// received, in the transaction that records the listing.
func (db *DB) FindReferrals(ctx context.Context, f haven.ReferralFilter) ([]*haven.Referral, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	f.Direction, f.Status, f.PersonID = strings.ToLower(strings.TrimSpace(f.Direction)), strings.ToLower(strings.TrimSpace(f.Status)), strings.TrimSpace(f.PersonID)
	switch {
	case !referralDirections[f.Direction]:
		return nil, haven.FieldErrorf(haven.EINVALID, "direction", "direction must be incoming, outgoing or both")
	case f.Status != "" && !referral.ValidStatus(f.Status):
		return nil, haven.FieldErrorf(haven.EINVALID, "status", "status must be one of %s", strings.Join(referral.Statuses, ", "))
	}
	if err := checkText("person", f.PersonID, referralIDText); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = defaultReferrals
	}
	f.Limit = min(f.Limit, maxReferrals)
	if actor.AgencyID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must act for an agency to list its referrals")
	}
	now := utcMicro(db.now())
	d := access.Decide(actor, access.ReferralList, access.Target{AgencyID: actor.AgencyID, Now: now})
	if !d.Allow {
		e := auditEntry(ctx, string(access.ReferralList), audit.Denied, "referral", "", actor.AgencyID, "", map[string]string{"policy": d.Reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	q := `SELECT ` + referralCols + referralFrom + ` WHERE `
	var args []any
	switch f.Direction {
	case "incoming":
		q += `r.to_agency_id = ?`
		args = append(args, actor.AgencyID)
	case "outgoing":
		q += `r.from_agency_id = ?`
		args = append(args, actor.AgencyID)
	default:
		q += `(r.from_agency_id = ? OR r.to_agency_id = ?)`
		args = append(args, actor.AgencyID, actor.AgencyID)
	}
	if f.Status != "" {
		q += ` AND r.status = ?`
		args = append(args, f.Status)
	}
	if f.PersonID != "" {
		q += ` AND r.person_id = ?`
		args = append(args, f.PersonID)
	}
	if f.Overdue {
		// referral.Overdue in SQL: waiting on a target that passed.
		q += ` AND ((r.status IN (?, ?) AND r.acknowledge_by < ?) OR (r.status = ? AND r.start_by < ?))`
		args = append(args, haven.ReferralSent, haven.ReferralReceived, now, haven.ReferralAccepted, now)
	}
	q += fmt.Sprintf(` ORDER BY r.created_at DESC, r.id DESC LIMIT %d`, f.Limit)

	var rows []*referralRow
	var out []*haven.Referral
	var personEntries []audit.Entry
	var toReceive []*referralRow
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		if rows, err = queryAll(ctx, t, scanReferral, q, args...); err != nil {
			return err
		}
		for _, row := range rows {
			if p, _ := partyOf(actor, &row.r); p == referral.Receiver && row.r.Status == haven.ReferralSent {
				toReceive = append(toReceive, row)
			}
		}
		out, personEntries, err = db.fillReferrals(ctx, t, actor, rows, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*haven.Referral{}
	}
	ids, persons := make([]string, len(out)), make([]string, len(out))
	for i, r := range out {
		ids[i], persons[i] = r.ID, r.PersonID
	}
	list := auditEntry(ctx, string(access.ReferralList), audit.Allowed, "referral", "", actor.AgencyID, basisLabel(d),
		map[string]string{"direction": f.Direction, "status": f.Status, "overdue": fmt.Sprint(f.Overdue), "person_id": f.PersonID,
			"results": fmt.Sprint(len(out)), "shown": strings.Join(ids, ","), "persons": strings.Join(persons, ","),
			"names_shown": ownNames(actor, out, rows)})
	entries := append([]audit.Entry{list}, personEntries...)
	if len(toReceive) == 0 {
		if err := db.auditNow(ctx, entries...); err != nil {
			return nil, err
		}
		return out, nil
	}
	// The receiving agency has now seen these: received, with the
	// listing's audit entries in the same transaction.
	by := actorLabel(actor)
	byName := ""
	received := map[string]bool{}
	err = db.inTx(ctx, true, func(t *tx) error {
		names, err := userNames(ctx, t, []string{by})
		if err != nil {
			return err
		}
		byName = names[by]
		for _, row := range toReceive {
			res, err := t.exec(ctx, `UPDATE referrals SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
				haven.ReferralReceived, now, row.r.ID, haven.ReferralSent)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // received meanwhile by a colleague's read
			}
			if err := db.addTransition(ctx, t, row.r.ID, haven.ReferralReceived, now, by, ""); err != nil {
				return err
			}
			received[row.r.ID] = true
			rd := access.Decide(actor, access.ReferralRead, referralTarget(actor, &row.r, now))
			entries = append(entries, referralEntry(ctx, "referral."+referral.Receive, &row.r, rd, map[string]string{"status": haven.ReferralReceived}))
		}
		return db.appendAudit(ctx, t, entries...)
	})
	if err != nil {
		return nil, err
	}
	for _, r := range out {
		if r.Direction != "incoming" || r.Status != haven.ReferralSent {
			continue
		}
		// Received now, by this read or a colleague's a moment ago.
		r.Status = haven.ReferralReceived
		if received[r.ID] {
			r.UpdatedAt = now
			r.Transitions = append(r.Transitions, haven.ReferralTransition{Status: haven.ReferralReceived, At: now, By: by, ByName: byName})
		}
	}
	if f.Status == haven.ReferralSent {
		// They are no longer sent (whoever received them).
		out = slices.DeleteFunc(out, func(r *haven.Referral) bool {
			return slices.ContainsFunc(toReceive, func(row *referralRow) bool { return row.r.ID == r.ID })
		})
	}
	return out, nil
}

// ---- acting ----

// ActOnReferral takes one step of the life cycle: accept, decline (with a
// reason), start, complete or close (with a reason). The receiving agency
// takes them; the sending agency may close (withdraw) a referral not yet
// accepted; a referral to a directory service is tracked by its sender,
// who records every step. Acting on a referral still "sent" receives it
// first. A referral the actor may not see answers "not found".
func (db *DB) ActOnReferral(ctx context.Context, id, action, reason string) (*haven.Referral, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id, action, reason = strings.TrimSpace(id), strings.ToLower(strings.TrimSpace(action)), strings.TrimSpace(reason)
	if !slices.Contains(referral.UserActions, action) {
		return nil, haven.FieldErrorf(haven.EINVALID, "action", "action must be accept, decline, start, complete or close")
	}
	if err := checkText("reason", reason, referralReasonText); err != nil {
		return nil, err
	}
	if referral.NeedsReason(action) && reason == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "reason", "say why the referral is %s", map[string]string{referral.Decline: "declined", referral.Close: "closed"}[action])
	}
	if !referral.NeedsReason(action) {
		reason = ""
	}
	var out *haven.Referral
	var refusedWhy string
	var stepRefused *referralRow
	err := db.inReferral(ctx, id, access.ReferralAct, func(t *tx, row *referralRow, d access.Decision, now time.Time) error {
		party, ok := partyOf(actor, &row.r)
		if !ok {
			return &referralRefused{"only the sending and the receiving agency act on a referral"}
		}
		by := actorLabel(actor)
		status := row.r.Status
		var entries []audit.Entry
		if status == haven.ReferralSent && (party == referral.Receiver || (party == referral.Tracker && action != referral.Close)) {
			if err := db.moveReferral(ctx, t, row, status, haven.ReferralReceived, now, by, ""); err != nil {
				return err
			}
			entries = append(entries, referralEntry(ctx, "referral."+referral.Receive, &row.r, d, map[string]string{"status": haven.ReferralReceived}))
			status = haven.ReferralReceived
		}
		if err := referral.May(party, status, action); err != nil {
			if haven.ErrorCode(err) == haven.EFORBIDDEN {
				stepRefused, refusedWhy = row, haven.ErrorMessage(err)
			}
			return err
		}
		to, err := referral.Next(status, action)
		if err != nil {
			return err
		}
		if err := db.moveReferral(ctx, t, row, status, to, now, by, reason); err != nil {
			return err
		}
		if row, err = loadReferral(ctx, t, id, false); err != nil {
			return err
		}
		views, personEntries, err := db.fillReferrals(ctx, t, actor, []*referralRow{row}, now)
		if err != nil {
			return err
		}
		out = views[0]
		entries = append(entries, referralEntry(ctx, "referral."+action, out, d, map[string]string{"status": to, "party": string(party)}))
		return db.appendAudit(ctx, t, append(entries, personEntries...)...)
	})
	if stepRefused != nil {
		e := referralEntry(ctx, "referral."+action, &stepRefused.r, access.Decision{}, map[string]string{"policy": refusedWhy})
		e.Outcome = audit.Denied
		if aerr := db.auditNow(ctx, e); aerr != nil {
			return nil, aerr
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CaseFromReferral is the receiving agency's intake turning an accepted
// referral into a case in one step: the case is opened (with the agency's
// own record of the person, made from what the survivor's consent shows)
// and the referral moves to in progress, naming the case, in one
// transaction.
func (db *DB) CaseFromReferral(ctx context.Context, id string) (*haven.Case, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	var out *haven.Case
	err := db.inReferral(ctx, id, access.ReferralCase, func(t *tx, row *referralRow, d access.Decision, now time.Time) error {
		switch row.r.Status {
		case haven.ReferralAccepted:
		case haven.ReferralInProgress, haven.ReferralCompleted, haven.ReferralClosed:
			if row.r.CaseID != "" {
				return haven.Errorf(haven.ECONFLICT, "a case was already opened from this referral")
			}
			fallthrough
		default:
			return haven.Errorf(haven.ECONFLICT, "a referral that is %s cannot be turned into a case: only an accepted one can",
				strings.ReplaceAll(row.r.Status, "_", " "))
		}
		needs := []string{}
		if referral.CaseNeed(row.r.Need) {
			needs = append(needs, row.r.Need)
		}
		c, err := db.openCase(ctx, t, actor, haven.CaseInput{Needs: needs}, row.r.PersonID, row.r.ID, "")
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE referrals SET status = ?, case_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
			haven.ReferralInProgress, c.ID, now, row.r.ID, haven.ReferralAccepted)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return haven.Errorf(haven.ECONFLICT, "the referral was changed meanwhile; reload it and try again")
		}
		if err := db.addTransition(ctx, t, row.r.ID, haven.ReferralInProgress, now, actorLabel(actor), ""); err != nil {
			return err
		}
		out = c
		return db.appendAudit(ctx, t, referralEntry(ctx, string(access.ReferralCase), &row.r, d,
			map[string]string{"status": haven.ReferralInProgress, "case_id": c.ID}))
	})
	if err != nil {
		// A refusal inside openCase carries its audit entry, written now
		// that the transaction is rolled back.
		return nil, db.auditRefusal(ctx, err)
	}
	return out, nil
}
