package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

var _ haven.ConsentService = (*DB)(nil)

// What is sealed and what is not. A consents row keeps in the clear what
// the access policy looks up on every read of another agency's record and
// what is counted: the person, the recording agency, the recipients (in
// consent_recipients), the scopes, the method, who recorded and revoked it
// and when it starts, expires and was revoked. The purpose, the witness of
// verbal consent and the reason for revoking are sealed together under
// consents/sealed/<id>; revoking re-seals them with the reason added.

// consentSecret is what is sealed.
type consentSecret struct {
	Purpose      string `json:"p"`
	Witness      string `json:"w,omitempty"`
	RevokeReason string `json:"r,omitempty"`
}

func consentAAD(id string) string { return "consents/sealed/" + id }

// Limits on what a grant holds.
const (
	consentTextMax       = 2_000 // purpose, revoke reason
	consentWitnessMax    = 200
	consentMaxRecipients = 20
	consentListMax       = 500 // grants listed at once
)

// Consent statuses, computed on read.
const (
	consentActive  = "active"
	consentPending = "pending"
	consentExpired = "expired"
	consentRevoked = "revoked"
)

var consentMethods = map[string]bool{haven.ConsentWritten: true, haven.ConsentVerbal: true, haven.ConsentElectronic: true}

// consentStatus is a grant's status at now.
func consentStatus(c *haven.Consent, now time.Time) string {
	switch {
	case c.RevokedAt != nil:
		return consentRevoked
	case now.Before(c.StartsAt):
		return consentPending
	case !now.Before(c.ExpiresAt):
		return consentExpired
	}
	return consentActive
}

// consentRow is one stored grant, still sealed.
type consentRow struct {
	c      haven.Consent // the plain columns
	sealed []byte
}

const consentCols = `c.id, c.agency_id, c.person_id, c.scopes, c.method, c.sealed, c.recorded_by, c.starts_at, c.expires_at,
	c.revoked_at, c.revoked_by, c.created_at`

func scanConsent(s interface{ Scan(...any) error }) (*consentRow, error) {
	var r consentRow
	c := &r.c
	var scopes string
	var starts, expires, revoked, created nullTime
	if err := s.Scan(&c.ID, &c.AgencyID, &c.PersonID, &scopes, &c.Method, &r.sealed, &c.RecordedBy, &starts, &expires,
		&revoked, &c.RevokedBy, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return nil, haven.Internal(fmt.Errorf("consent %s scopes: %w", c.ID, err))
	}
	c.StartsAt, c.ExpiresAt, c.RevokedAt, c.CreatedAt = starts.Time, expires.Time, revoked.ptr(), created.Time
	return &r, nil
}

// loadConsentRow reads one grant; nil when there is none. forUpdate locks
// the row on PostgreSQL.
func loadConsentRow(ctx context.Context, t *tx, id string, forUpdate bool) (*consentRow, error) {
	q := `SELECT ` + consentCols + ` FROM consents c WHERE c.id = ?`
	if forUpdate && t.d.name == "postgres" {
		q += ` FOR UPDATE`
	}
	r, err := scanConsent(t.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// consentBasis is the basis a grant gives its recipients.
func consentBasis(c *haven.Consent) access.Basis {
	return access.Basis{Kind: access.BasisConsent, ID: c.ID, Scopes: slices.Clone(c.Scopes), ExpiresAt: c.ExpiresAt}
}

// isRecipient reports whether the grant names agencyID.
func isRecipient(ctx context.Context, t *tx, consentID, agencyID string) (bool, error) {
	if agencyID == "" {
		return false, nil
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM consent_recipients WHERE consent_id = ? AND agency_id = ?`, consentID, agencyID).Scan(&n)
	return n > 0, err
}

// readerBases are the bases a grant gives actor to read it: itself, when
// the actor's agency is named and the grant is in force now.
func (db *DB) readerBases(ctx context.Context, t *tx, actor haven.Actor, r *consentRow) ([]access.Basis, error) {
	if actor.AgencyID == "" || actor.AgencyID == r.c.AgencyID || consentStatus(&r.c, db.now()) != consentActive {
		return nil, nil
	}
	ok, err := isRecipient(ctx, t, r.c.ID, actor.AgencyID)
	if err != nil || !ok {
		return nil, err
	}
	return []access.Basis{consentBasis(&r.c)}, nil
}

// openConsents opens rows into grants for the decision: the recording
// agency sees everything; a recipient does not see the witness (a person
// the survivor chose, not theirs to know) or why a grant was revoked.
// Recipients' slugs and staff names are filled in.
func (db *DB) openConsents(ctx context.Context, t *tx, rows []*consentRow, d access.Decision) ([]*haven.Consent, error) {
	out := make([]*haven.Consent, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	now := db.now()
	byID := map[string]*haven.Consent{}
	ids := make([]any, 0, len(rows))
	users := map[string]bool{}
	owner := d.Basis.Kind == access.BasisOwnAgency || d.Basis.Kind == access.BasisSystem
	for _, r := range rows {
		c := r.c // a copy
		plain, err := db.open(ctx, r.sealed, consentAAD(c.ID))
		if err != nil {
			return nil, err
		}
		var s consentSecret
		if err := json.Unmarshal(plain, &s); err != nil {
			return nil, haven.Internal(fmt.Errorf("consent %s: %w", c.ID, err))
		}
		c.Purpose, c.Witness, c.RevokeReason = s.Purpose, s.Witness, s.RevokeReason
		if !owner {
			c.Witness, c.RevokeReason, c.RevokedBy = "", "", ""
		}
		c.Status = consentStatus(&c, now)
		c.RecipientAgencies = []string{}
		out = append(out, &c)
		byID[c.ID] = &c
		ids = append(ids, c.ID)
		users[c.RecordedBy] = true
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		type rec struct{ consent, slug string }
		recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
			var r rec
			return r, s.Scan(&r.consent, &r.slug)
		}, `SELECT r.consent_id, a.slug FROM consent_recipients r JOIN agencies a ON a.id = r.agency_id
			WHERE r.consent_id IN (`+placeholders(len(chunk))+`) ORDER BY a.slug`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			byID[r.consent].RecipientAgencies = append(byID[r.consent].RecipientAgencies, r.slug)
		}
	}
	names, err := userNames(ctx, t, sortedKeys(users))
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		c.RecordedByName = names[c.RecordedBy]
	}
	return out, nil
}

// refuseConsent records a refusal and answers exactly as for a grant that
// does not exist. personID names the person when the grant was found (the
// entry is then about the person, with the grant in its details).
func (db *DB) refuseConsent(ctx context.Context, action access.Action, consentID, personID, agencyID, reason string) error {
	details := map[string]string{"policy": reason}
	rt, rid := "consent", consentID
	if personID != "" {
		details["consent_id"] = consentID
		rt, rid = "person", personID
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(action), audit.Denied, rt, rid, agencyID, "", details)); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "consent not found")
}

// ---- recording ----

// consentInput is a validated ConsentInput.
type consentInput struct {
	personID            string
	recipients, scopes  []string
	purpose, method     string
	witness             string
	startsAt, expiresAt time.Time
}

// validateConsentInput trims and checks what does not need the database.
func validateConsentInput(in haven.ConsentInput, now time.Time) (*consentInput, error) {
	v := &consentInput{personID: strings.TrimSpace(in.PersonID), purpose: strings.TrimSpace(in.Purpose),
		method: strings.ToLower(strings.TrimSpace(in.Method)), witness: strings.TrimSpace(in.Witness)}
	if v.personID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "person_id", "person_id is required: whose consent is it?")
	}
	if err := checkText("person_id", v.personID, 100); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range in.RecipientAgencies {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || seen[s] {
			continue
		}
		if !slugRE.MatchString(s) {
			return nil, haven.FieldErrorf(haven.EINVALID, "recipient_agencies", "recipient_agencies: %q is not an agency slug", clip(s, 40))
		}
		seen[s] = true
		v.recipients = append(v.recipients, s)
	}
	switch {
	case len(v.recipients) == 0:
		return nil, haven.FieldErrorf(haven.EINVALID, "recipient_agencies", "name at least one agency the survivor agrees to share with")
	case len(v.recipients) > consentMaxRecipients:
		return nil, haven.FieldErrorf(haven.EINVALID, "recipient_agencies", "at most %d agencies per consent", consentMaxRecipients)
	}
	slices.Sort(v.recipients)
	want := map[string]bool{}
	for _, s := range in.Scopes {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !slices.Contains(haven.ConsentScopes, s) {
			return nil, haven.FieldErrorf(haven.EINVALID, "scopes", "scopes: %q is not one of %s", clip(s, 40), strings.Join(haven.ConsentScopes, ", "))
		}
		want[s] = true
	}
	for _, s := range haven.ConsentScopes { // in display order, once each
		if want[s] {
			v.scopes = append(v.scopes, s)
		}
	}
	if len(v.scopes) == 0 {
		return nil, haven.FieldErrorf(haven.EINVALID, "scopes", "choose at least one kind of information to share")
	}
	if v.purpose == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "purpose", "say what the information is shared for")
	}
	if err := checkText("purpose", v.purpose, consentTextMax); err != nil {
		return nil, err
	}
	if !consentMethods[v.method] {
		return nil, haven.FieldErrorf(haven.EINVALID, "method", "method must be written, verbal or electronic")
	}
	if err := checkText("witness", v.witness, consentWitnessMax); err != nil {
		return nil, err
	}
	if v.method == haven.ConsentVerbal && v.witness == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "witness", "verbal consent needs a witness: name who heard it")
	}
	v.startsAt = utcMicro(now)
	if in.StartsAt != nil && !in.StartsAt.IsZero() {
		v.startsAt = utcMicro(*in.StartsAt)
	}
	maxLife := time.Duration(haven.MaxConsentDays) * 24 * time.Hour
	switch {
	case v.startsAt.Year() < 2000:
		return nil, haven.FieldErrorf(haven.EINVALID, "starts_at", "starts_at must be after 2000")
	case v.startsAt.After(now.Add(maxLife)):
		return nil, haven.FieldErrorf(haven.EINVALID, "starts_at", "starts_at can be at most %d days ahead", haven.MaxConsentDays)
	}
	if in.ExpiresAt == nil || in.ExpiresAt.IsZero() {
		return nil, haven.FieldErrorf(haven.EINVALID, "expires_at",
			"expires_at is required: consent is time-limited (the agency's default is a suggestion, at most %d days)", haven.MaxConsentDays)
	}
	v.expiresAt = utcMicro(*in.ExpiresAt)
	switch {
	case !v.expiresAt.After(v.startsAt):
		return nil, haven.FieldErrorf(haven.EINVALID, "expires_at", "expires_at must be after starts_at")
	case !v.expiresAt.After(now):
		return nil, haven.FieldErrorf(haven.EINVALID, "expires_at", "expires_at must be in the future")
	case v.expiresAt.Sub(v.startsAt) > maxLife:
		return nil, haven.FieldErrorf(haven.EINVALID, "expires_at", "a consent lasts at most %d days from its start", haven.MaxConsentDays)
	}
	return v, nil
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// RecordConsent stores a grant for a person of the actor's agency, with
// its audit entry, in one transaction. The recipients must be other
// agencies that exist.
func (db *DB) RecordConsent(ctx context.Context, in haven.ConsentInput) (*haven.Consent, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	now := utcMicro(db.now())
	v, err := validateConsentInput(in, now)
	if err != nil {
		return nil, err
	}
	var out *haven.Consent
	var refused bool
	var refusedAgency, reason string
	err = db.inTx(ctx, true, func(t *tx) error {
		var personAgency string
		err := t.queryRow(ctx, `SELECT agency_id FROM persons WHERE id = ?`, v.personID).Scan(&personAgency)
		if errors.Is(err, sql.ErrNoRows) {
			refused, reason = true, "no such record"
			return nil
		} else if err != nil {
			return err
		}
		d := access.Decide(actor, access.ConsentRecord, access.Target{AgencyID: personAgency, Now: now})
		if !d.Allow {
			refused, refusedAgency, reason = true, personAgency, d.Reason
			return nil
		}
		recipientIDs, err := resolveRecipients(ctx, t, v.recipients, personAgency)
		if err != nil {
			return err
		}
		c := &haven.Consent{ID: newID(), AgencyID: personAgency, PersonID: v.personID, RecipientAgencies: v.recipients,
			Scopes: v.scopes, Purpose: v.purpose, Method: v.method, Witness: v.witness, RecordedBy: actorLabel(actor),
			StartsAt: v.startsAt, ExpiresAt: v.expiresAt, CreatedAt: now}
		plain, err := json.Marshal(consentSecret{Purpose: c.Purpose, Witness: c.Witness})
		if err != nil {
			return err
		}
		sealed, keyID, err := db.seal(ctx, plain, consentAAD(c.ID))
		if err != nil {
			return err
		}
		scopes, err := json.Marshal(c.Scopes)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO consents (id, agency_id, person_id, scopes, method, sealed, key_id, recorded_by,
			starts_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.AgencyID, c.PersonID, string(scopes),
			c.Method, sealed, keyID, c.RecordedBy, c.StartsAt, c.ExpiresAt, c.CreatedAt); err != nil {
			return err
		}
		for _, id := range recipientIDs {
			if _, err := t.exec(ctx, `INSERT INTO consent_recipients (consent_id, agency_id) VALUES (?, ?)`, c.ID, id); err != nil {
				return err
			}
		}
		opened, err := db.openConsents(ctx, t, []*consentRow{{c: *c, sealed: sealed}}, d)
		if err != nil {
			return err
		}
		out = opened[0]
		// Who may see what, and for how long, is the point of the entry;
		// the purpose and the witness stay sealed.
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.ConsentRecord), audit.Allowed, "person", c.PersonID, c.AgencyID,
			basisLabel(d), map[string]string{"consent_id": c.ID, "recipients": strings.Join(c.RecipientAgencies, ","),
				"scopes": strings.Join(c.Scopes, ","), "method": c.Method, "starts_at": c.StartsAt.Format(time.RFC3339),
				"expires_at": c.ExpiresAt.Format(time.RFC3339)}))
	})
	if err != nil {
		return nil, err
	}
	if refused {
		return nil, db.denyPerson(ctx, access.ConsentRecord, v.personID, refusedAgency, reason)
	}
	return out, nil
}

// resolveRecipients turns slugs into agency ids: each must exist and not
// be the recording agency (which holds the record already).
func resolveRecipients(ctx context.Context, t *tx, slugs []string, ownAgency string) ([]string, error) {
	args := make([]any, len(slugs))
	for i, s := range slugs {
		args[i] = s
	}
	type rec struct{ id, slug string }
	recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
		var r rec
		return r, s.Scan(&r.id, &r.slug)
	}, `SELECT id, slug FROM agencies WHERE slug IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]string{}
	for _, r := range recs {
		bySlug[r.slug] = r.id
	}
	ids := make([]string, 0, len(slugs))
	for _, s := range slugs {
		id, ok := bySlug[s]
		switch {
		case !ok:
			return nil, haven.FieldErrorf(haven.EINVALID, "recipient_agencies", "no agency has the slug %q", s)
		case id == ownAgency:
			return nil, haven.FieldErrorf(haven.EINVALID, "recipient_agencies",
				"%q is the agency recording the consent, which holds the record already: name the other agencies", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// ---- reading ----

// Consent reads one grant: the recording agency's staff who work with
// people, and a recipient agency's while the grant is in force. A
// recipient does not see the witness or a revocation's reason. A refusal
// and a missing grant answer alike; both are audited, and the read is in
// the log before the grant is released.
func (db *DB) Consent(ctx context.Context, id string) (*haven.Consent, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id = strings.TrimSpace(id)
	var out *haven.Consent
	var d access.Decision
	var row *consentRow
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		if row, err = loadConsentRow(ctx, t, id, false); err != nil || row == nil {
			return err
		}
		bases, err := db.readerBases(ctx, t, actor, row)
		if err != nil {
			return err
		}
		d = access.Decide(actor, access.ConsentRead, access.Target{AgencyID: row.c.AgencyID, Bases: bases, Now: db.now()})
		if !d.Allow {
			return nil
		}
		opened, err := db.openConsents(ctx, t, []*consentRow{row}, d)
		if err == nil {
			out = opened[0]
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case row == nil:
		return nil, db.refuseConsent(ctx, access.ConsentRead, id, "", "", "no such record")
	case !d.Allow:
		return nil, db.refuseConsent(ctx, access.ConsentRead, id, row.c.PersonID, row.c.AgencyID, d.Reason)
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.ConsentRead), audit.Allowed, "person", out.PersonID, out.AgencyID,
		basisLabel(d), map[string]string{"consent_id": out.ID})); err != nil {
		return nil, err
	}
	return out, nil
}

// PersonConsents lists a person's grants, newest first, for the recording
// agency's staff who work with people.
func (db *DB) PersonConsents(ctx context.Context, personID string) ([]*haven.Consent, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	personID = strings.TrimSpace(personID)
	var agencyID string
	err := db.readRow(ctx, `SELECT agency_id FROM persons WHERE id = ?`, personID).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.denyPerson(ctx, access.ConsentList, personID, "", "no such record")
	} else if err != nil {
		return nil, dbErr(err)
	}
	d := access.Decide(actor, access.ConsentList, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.denyPerson(ctx, access.ConsentList, personID, agencyID, d.Reason)
	}
	var out []*haven.Consent
	err = db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanConsent, `SELECT `+consentCols+` FROM consents c WHERE c.person_id = ? AND c.agency_id = ?
			ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, personID, agencyID, consentListMax)
		if err != nil {
			return err
		}
		out, err = db.openConsents(ctx, t, rows, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.ConsentList), audit.Allowed, "person", personID, agencyID,
		basisLabel(d), map[string]string{"consents": strings.Join(ids, ",")})); err != nil {
		return nil, err
	}
	return out, nil
}

// ---- revoking ----

// RevokeConsent ends a grant now, with a reason (sealed). The recording
// agency's staff who work with people revoke; it takes effect on the next
// request, since every read looks its grants up afresh. A recipient that
// may still read the grant is told who revokes it; anyone else gets "not
// found".
func (db *DB) RevokeConsent(ctx context.Context, id, reason string) (*haven.Consent, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	id, reason = strings.TrimSpace(id), strings.TrimSpace(reason)
	if reason == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "reason", "say why the consent is revoked (for example: the survivor withdrew it)")
	}
	if err := checkText("reason", reason, consentTextMax); err != nil {
		return nil, err
	}
	var out *haven.Consent
	var row *consentRow
	var refusal string
	var readable bool
	err := db.inTx(ctx, true, func(t *tx) error {
		var err error
		if row, err = loadConsentRow(ctx, t, id, true); err != nil || row == nil {
			return err
		}
		now := utcMicro(db.now())
		bases, err := db.readerBases(ctx, t, actor, row)
		if err != nil {
			return err
		}
		d := access.Decide(actor, access.ConsentRevoke, access.Target{AgencyID: row.c.AgencyID, Bases: bases, Now: now})
		if !d.Allow {
			refusal = d.Reason
			readable = access.Decide(actor, access.ConsentRead, access.Target{AgencyID: row.c.AgencyID, Bases: bases, Now: now}).Allow
			return nil
		}
		switch consentStatus(&row.c, now) {
		case consentRevoked:
			return haven.Errorf(haven.ECONFLICT, "the consent was already revoked")
		case consentExpired:
			return haven.Errorf(haven.ECONFLICT, "the consent has already expired: nothing is shared under it")
		}
		// Re-seal with everything: a recipient who records the revocation
		// is shown less of the grant than is kept.
		full, err := db.openConsents(ctx, t, []*consentRow{row}, access.Decision{Allow: true, Basis: access.Basis{Kind: access.BasisOwnAgency}})
		if err != nil {
			return err
		}
		c := full[0]
		plain, err := json.Marshal(consentSecret{Purpose: c.Purpose, Witness: c.Witness, RevokeReason: reason})
		if err != nil {
			return err
		}
		sealed, keyID, err := db.seal(ctx, plain, consentAAD(c.ID))
		if err != nil {
			return err
		}
		by := actorLabel(actor)
		res, err := t.exec(ctx, `UPDATE consents SET sealed = ?, key_id = ?, revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
			sealed, keyID, now, by, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return haven.Errorf(haven.ECONFLICT, "the consent was already revoked")
		}
		c.RevokedAt, c.RevokedBy, c.RevokeReason, c.Status = &now, by, reason, consentRevoked
		out = c
		if d.Basis.Kind != access.BasisOwnAgency && d.Basis.Kind != access.BasisSystem {
			// The recipient sees what a recipient sees of a grant.
			out.Witness, out.RevokeReason = "", ""
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.ConsentRevoke), audit.Allowed, "person", c.PersonID, c.AgencyID,
			basisLabel(d), map[string]string{"consent_id": c.ID, "recipients": strings.Join(c.RecipientAgencies, ",")}))
	})
	switch {
	case err != nil:
		return nil, err
	case row == nil:
		return nil, db.refuseConsent(ctx, access.ConsentRevoke, id, "", "", "no such record")
	case refusal != "":
		err := db.refuseConsent(ctx, access.ConsentRevoke, id, row.c.PersonID, row.c.AgencyID, refusal)
		if readable && haven.ErrorCode(err) == haven.ENOTFOUND {
			return nil, haven.Errorf(haven.EFORBIDDEN, "%s", refusal)
		}
		return nil, err
	}
	return out, nil
}

// ---- shared with the actor's agency ----

// SharedWithMe lists the grants in force that name the actor's agency,
// soonest to expire first, each with the person's name opened under that
// grant (each a read of the person, audited with the grant's id) and the
// owning agency's name.
func (db *DB) SharedWithMe(ctx context.Context) ([]*haven.SharedPerson, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	d := access.Decide(actor, access.ConsentShared, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow || actor.AgencyID == "" {
		reason := d.Reason
		if d.Allow {
			reason = "a system process belongs to no agency"
		}
		e := auditEntry(ctx, string(access.ConsentShared), audit.Denied, "consent", "", actor.AgencyID, "", map[string]string{"policy": reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", reason)
	}
	out := []*haven.SharedPerson{}
	var entries []audit.Entry
	err := db.inTx(ctx, false, func(t *tx) error {
		now := db.now()
		rows, err := queryAll(ctx, t, scanConsent, `SELECT `+consentCols+` FROM consents c
			JOIN consent_recipients r ON r.consent_id = c.id
			WHERE r.agency_id = ? AND c.revoked_at IS NULL AND c.starts_at <= ? AND c.expires_at > ?
			ORDER BY c.expires_at, c.id LIMIT ?`, actor.AgencyID, now, now, consentListMax)
		if err != nil {
			return err
		}
		for _, r := range rows {
			b := consentBasis(&r.c)
			cd := access.Decide(actor, access.ConsentRead, access.Target{AgencyID: r.c.AgencyID, Bases: []access.Basis{b}, Now: now})
			if !cd.Allow {
				continue
			}
			opened, err := db.openConsents(ctx, t, []*consentRow{r}, cd)
			if err != nil {
				return err
			}
			prow, err := loadPersonRow(ctx, t.queryRow, r.c.PersonID)
			if err != nil {
				return err
			}
			pd := access.Decide(actor, access.PersonRead, access.Target{AgencyID: r.c.AgencyID, Bases: []access.Basis{b}, Now: now})
			if prow == nil || !pd.Allow {
				continue
			}
			p, err := db.openPerson(ctx, prow, pd)
			if err != nil {
				return err
			}
			var agencyName string
			if err := t.queryRow(ctx, `SELECT name FROM agencies WHERE id = ?`, r.c.AgencyID).Scan(&agencyName); err != nil {
				return err
			}
			out = append(out, &haven.SharedPerson{Consent: opened[0], Name: strings.TrimSpace(p.GivenName + " " + p.FamilyName), Agency: agencyName})
			entries = append(entries, auditEntry(ctx, string(access.PersonRead), audit.Allowed, "person", p.ID, r.c.AgencyID,
				basisLabel(pd), map[string]string{"consent_id": r.c.ID, "shown": "name", "via": "shared_with_us"}))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries = append(entries, auditEntry(ctx, string(access.ConsentShared), audit.Allowed, "consent", "", actor.AgencyID,
		basisLabel(d), map[string]string{"results": fmt.Sprint(len(out))}))
	if err := db.auditNow(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// notBuilt is the answer of the advocacy services' stubs that are not
// built yet (the scaffolding's other features use it until they are).
func notBuilt() error { return haven.Errorf(haven.EUNAVAILABLE, "not built yet") }
