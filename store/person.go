package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/crypt"
)

var _ haven.PersonService = (*DB)(nil)

// personData is what is sealed: every identifying field, as JSON.
type personData struct {
	GivenName   string             `json:"g,omitempty"`
	FamilyName  string             `json:"f,omitempty"`
	Aliases     []string           `json:"a,omitempty"`
	DateOfBirth string             `json:"d,omitempty"`
	Sex         string             `json:"s,omitempty"`
	Gender      string             `json:"ge,omitempty"`
	Languages   []string           `json:"l,omitempty"`
	Phones      []haven.Phone      `json:"p,omitempty"`
	Emails      []string           `json:"e,omitempty"`
	Addresses   []haven.Address    `json:"ad,omitempty"`
	SafeContact *haven.SafeContact `json:"sc,omitempty"`
}

func dataOf(p *haven.Person) personData {
	return personData{p.GivenName, p.FamilyName, p.Aliases, p.DateOfBirth, p.Sex, p.Gender, p.Languages,
		p.Phones, p.Emails, p.Addresses, p.SafeContact}
}

func (d personData) into(p *haven.Person) {
	p.GivenName, p.FamilyName, p.Aliases, p.DateOfBirth = d.GivenName, d.FamilyName, d.Aliases, d.DateOfBirth
	p.Sex, p.Gender, p.Languages, p.Phones, p.Emails = d.Sex, d.Gender, d.Languages, d.Phones, d.Emails
	p.Addresses, p.SafeContact = d.Addresses, d.SafeContact
}

var (
	dobRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

var sexes = map[string]bool{"": true, "female": true, "male": true, "intersex": true, "unknown": true}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00") {
		return haven.FieldErrorf(haven.EINVALID, field, "%s has characters that are not text", field)
	}
	if len(s) > max {
		return haven.FieldErrorf(haven.EINVALID, field, "%s must be at most %d characters", field, max)
	}
	return nil
}

// validatePerson trims and checks every field, naming the first at fault
// with its position ("phones[1].number").
func validatePerson(p *haven.Person, now time.Time) error {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	trim(&p.GivenName)
	trim(&p.FamilyName)
	trim(&p.DateOfBirth)
	p.Sex = strings.ToLower(strings.TrimSpace(p.Sex))
	trim(&p.Gender)
	if p.GivenName == "" && p.FamilyName == "" {
		return haven.FieldErrorf(haven.EINVALID, "given_name", "a given or a family name is required")
	}
	for field, v := range map[string]string{"given_name": p.GivenName, "family_name": p.FamilyName, "gender": p.Gender} {
		if err := checkText(field, v, 200); err != nil {
			return err
		}
	}
	if p.DateOfBirth != "" {
		d, err := time.Parse("2006-01-02", p.DateOfBirth)
		if !dobRE.MatchString(p.DateOfBirth) || err != nil {
			return haven.FieldErrorf(haven.EINVALID, "date_of_birth", "date_of_birth must be a date as YYYY-MM-DD")
		}
		if d.After(now) || d.Year() < 1900 {
			return haven.FieldErrorf(haven.EINVALID, "date_of_birth", "date_of_birth must be between 1900 and today")
		}
	}
	if !sexes[p.Sex] {
		return haven.FieldErrorf(haven.EINVALID, "sex", "sex must be female, male, intersex or unknown")
	}
	cleanList := func(field string, in []string, max int) ([]string, error) {
		out := []string{}
		for i, s := range in {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if err := checkText(fmt.Sprintf("%s[%d]", field, i), s, max); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		if len(out) > 20 {
			return nil, haven.FieldErrorf(haven.EINVALID, field, "at most 20 %s", field)
		}
		return out, nil
	}
	var err error
	if p.Aliases, err = cleanList("aliases", p.Aliases, 200); err != nil {
		return err
	}
	if p.Languages, err = cleanList("languages", p.Languages, 50); err != nil {
		return err
	}
	if p.Emails, err = cleanList("emails", p.Emails, 254); err != nil {
		return err
	}
	for i, e := range p.Emails {
		if !emailRE.MatchString(e) {
			return haven.FieldErrorf(haven.EINVALID, fmt.Sprintf("emails[%d]", i), "emails[%d] is not an e-mail address", i)
		}
	}
	if len(p.Phones) > 20 || len(p.Addresses) > 20 {
		return haven.FieldErrorf(haven.EINVALID, "phones", "at most 20 phones and 20 addresses")
	}
	for i := range p.Phones {
		ph := &p.Phones[i]
		ph.Number, ph.Kind, ph.Note = strings.TrimSpace(ph.Number), strings.TrimSpace(ph.Kind), strings.TrimSpace(ph.Note)
		f := fmt.Sprintf("phones[%d].number", i)
		if err := checkText(f, ph.Number, 40); err != nil {
			return err
		}
		if len(crypt.NormalizePhone(ph.Number)) < 3 {
			return haven.FieldErrorf(haven.EINVALID, f, "%s must have at least 3 digits", f)
		}
		if err := checkText(fmt.Sprintf("phones[%d].note", i), ph.Note, 200); err != nil {
			return err
		}
	}
	for i := range p.Addresses {
		a := &p.Addresses[i]
		for name, v := range map[string]*string{"line1": &a.Line1, "line2": &a.Line2, "city": &a.City, "region": &a.Region,
			"postal_code": &a.PostalCode, "country": &a.Country, "kind": &a.Kind} {
			*v = strings.TrimSpace(*v)
			if err := checkText(fmt.Sprintf("addresses[%d].%s", i, name), *v, 200); err != nil {
				return err
			}
		}
		if a.Line1 == "" && a.City == "" {
			return haven.FieldErrorf(haven.EINVALID, fmt.Sprintf("addresses[%d].line1", i), "addresses[%d] needs at least a street line or a city", i)
		}
	}
	if sc := p.SafeContact; sc != nil {
		for name, v := range map[string]*string{"safe_phone": &sc.SafePhone, "safe_times": &sc.SafeTimes, "notes": &sc.Notes} {
			*v = strings.TrimSpace(*v)
			if err := checkText("safe_contact."+name, *v, 500); err != nil {
				return err
			}
		}
	}
	for _, l := range []*[]string{&p.Aliases, &p.Languages, &p.Emails} {
		if *l == nil {
			*l = []string{}
		}
	}
	if p.Phones == nil {
		p.Phones = []haven.Phone{}
	}
	if p.Addresses == nil {
		p.Addresses = []haven.Address{}
	}
	return nil
}

// indexEntry is one blind-index row.
type indexEntry struct{ kind, value string }

// personIndex computes the blind indexes of p under its agency's key:
// the full name, each name word, each word's sounds-like codes, the date
// of birth, phones and e-mails. Nothing here can be reversed or compared
// with another agency's values.
func (db *DB) personIndex(p *haven.Person) []indexEntry {
	ix := db.indexer(p.AgencyID)
	seen := map[indexEntry]bool{}
	var out []indexEntry
	add := func(kind, value string) {
		e := indexEntry{kind, value}
		if value != "" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	names := append([]string{strings.TrimSpace(p.GivenName + " " + p.FamilyName)}, p.Aliases...)
	for _, n := range names {
		if crypt.Normalize(n) == "" {
			continue
		}
		add("name", ix.Exact("name", n))
		for _, w := range strings.Fields(crypt.Normalize(n)) {
			add("word", ix.Exact("word", w))
		}
		for _, code := range ix.Phonetic("name", n) {
			add("phonetic", code)
		}
	}
	if p.DateOfBirth != "" {
		add("dob", ix.Exact("dob", p.DateOfBirth))
	}
	for _, ph := range p.Phones {
		add("phone", ix.Exact("phone", crypt.NormalizePhone(ph.Number)))
	}
	for _, e := range p.Emails {
		add("email", ix.Exact("email", crypt.NormalizeEmail(e)))
	}
	return out
}

func (db *DB) writeIndex(ctx context.Context, t *tx, p *haven.Person) error {
	if _, err := t.exec(ctx, `DELETE FROM person_index WHERE person_id = ?`, p.ID); err != nil {
		return err
	}
	for _, e := range db.personIndex(p) {
		if _, err := t.exec(ctx, `INSERT INTO person_index (person_id, agency_id, kind, value) VALUES (?, ?, ?, ?)`,
			p.ID, p.AgencyID, e.kind, e.value); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) sealPerson(ctx context.Context, p *haven.Person) ([]byte, string, error) {
	plain, err := json.Marshal(dataOf(p))
	if err != nil {
		return nil, "", err
	}
	return db.seal(ctx, plain, personAAD(p.ID))
}

// denyPerson records a refusal and answers exactly as for a record that
// does not exist, so a denial is no oracle for existence.
func (db *DB) denyPerson(ctx context.Context, action access.Action, id, agencyID, reason string) error {
	e := auditEntry(ctx, string(action), audit.Denied, "person", id, agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	return haven.Errorf(haven.ENOTFOUND, "person not found")
}

// CreatePerson stores p for the actor's agency (a system actor must name
// the agency) and returns possible duplicates already there.
func (db *DB) CreatePerson(ctx context.Context, p *haven.Person) ([]haven.PersonMatch, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.System == "" {
		p.AgencyID = actor.AgencyID
	} else if p.AgencyID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "agency_id", "a system process must name the agency that owns the person")
	}
	d := access.Decide(actor, access.PersonCreate, access.Target{AgencyID: p.AgencyID, Now: db.now()})
	if !d.Allow {
		e := auditEntry(ctx, string(access.PersonCreate), audit.Denied, "person", "", p.AgencyID, "", map[string]string{"policy": d.Reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	now := db.now()
	if err := validatePerson(p, now); err != nil {
		return nil, err
	}
	// A possible duplicate shares at least the full name, two name words,
	// or a name word and the date of birth.
	dups, err := db.matchPersons(ctx, p.AgencyID, p.GivenName+" "+p.FamilyName, p.DateOfBirth, 5, 20)
	if err != nil {
		return nil, err
	}
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = newID(), now, now, 1
	p.Access = &haven.AccessNote{Basis: string(d.Basis.Kind)}
	sealed, keyID, err := db.sealPerson(ctx, p)
	if err != nil {
		return nil, haven.Internal(err)
	}
	entries := []audit.Entry{auditEntry(ctx, string(access.PersonCreate), audit.Allowed, "person", p.ID, p.AgencyID, basisLabel(d), nil)}
	if len(dups) > 0 {
		ids := make([]string, len(dups))
		for i, m := range dups {
			ids[i] = m.Person.ID
		}
		entries = append(entries, auditEntry(ctx, "person.duplicate_check", audit.Allowed, "person", p.ID, p.AgencyID, basisLabel(d),
			map[string]string{"shown": strings.Join(ids, ",")}))
	}
	err = db.inTx(ctx, true, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO persons (id, agency_id, data, key_id, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.AgencyID, sealed, keyID, p.Version, actorLabel(actor), now, now); err != nil {
			return err
		}
		if err := db.writeIndex(ctx, t, p); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, entries...)
	})
	if err != nil {
		return nil, err
	}
	return dups, nil
}

func actorLabel(a haven.Actor) string {
	if a.System != "" {
		return "system:" + a.System
	}
	return a.UserID
}

type personRow struct {
	id, agencyID string
	data         []byte
	version      int
	created      nullTime
	updated      nullTime
}

// rowFunc runs one single-row query: a transaction's queryRow, or the
// reader pool's readRow when one statement needs no transaction.
type rowFunc func(ctx context.Context, q string, args ...any) *sql.Row

func loadPersonRow(ctx context.Context, queryRow rowFunc, id string) (*personRow, error) {
	var r personRow
	err := queryRow(ctx, `SELECT id, agency_id, data, version, created_at, updated_at FROM persons WHERE id = ?`, id).
		Scan(&r.id, &r.agencyID, &r.data, &r.version, &r.created, &r.updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// bases finds what could let actor reach a record of another agency:
// the actor's break-glass openings of it, and for a person the survivor's
// consent grants in force that name the actor's agency (consent_access.go).
// Referral, conference and court-order grants arrive with later features;
// they will be looked up here.
func (db *DB) bases(ctx context.Context, t *tx, actor haven.Actor, recordType, recordID string) ([]access.Basis, error) {
	if actor.UserID == "" {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT id, expires_at FROM break_glass WHERE user_id = ? AND record_type = ? AND record_id = ? AND expires_at > ?`,
		actor.UserID, recordType, recordID, db.now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.Basis
	for rows.Next() {
		var b access.Basis
		var exp nullTime
		if err := rows.Scan(&b.ID, &exp); err != nil {
			return nil, err
		}
		b.Kind, b.ExpiresAt = access.BasisBreakGlass, exp.Time
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if recordType == "person" {
		consents, err := db.consentBases(ctx, t, actor, recordID)
		if err != nil {
			return nil, err
		}
		out = append(out, consents...)
	}
	return out, nil
}

// openPerson opens a row into a Person shaped for the decision: what the
// basis does not cover is withheld, and a confidential address never
// leaves its owning agency.
func (db *DB) openPerson(ctx context.Context, r *personRow, d access.Decision) (*haven.Person, error) {
	plain, err := db.open(ctx, r.data, personAAD(r.id))
	if err != nil {
		return nil, err
	}
	var pd personData
	if err := json.Unmarshal(plain, &pd); err != nil {
		return nil, haven.Internal(fmt.Errorf("person %s: %w", r.id, err))
	}
	p := &haven.Person{ID: r.id, AgencyID: r.agencyID, Version: r.version, CreatedAt: r.created.Time, UpdatedAt: r.updated.Time}
	pd.into(p)
	note := &haven.AccessNote{Basis: string(d.Basis.Kind), BasisID: d.Basis.ID}
	if !d.Basis.ExpiresAt.IsZero() {
		exp := d.Basis.ExpiresAt
		note.ExpiresAt = &exp
	}
	owner := d.Basis.Kind == access.BasisOwnAgency || d.Basis.Kind == access.BasisSystem
	if !owner {
		kept := p.Addresses[:0:0]
		for _, a := range p.Addresses {
			if !a.Confidential {
				kept = append(kept, a)
			}
		}
		if len(kept) < len(p.Addresses) {
			note.Withheld = append(note.Withheld, "confidential addresses")
		}
		p.Addresses = kept
		if d.Basis.Scopes != nil && !contains(d.Basis.Scopes, access.ScopeContact) {
			p.Phones, p.Emails, p.Addresses, p.SafeContact = []haven.Phone{}, []string{}, []haven.Address{}, nil
			note.Withheld = append(note.Withheld, "contact details (not in the consent's scope)")
		}
	}
	for _, l := range []*[]string{&p.Aliases, &p.Languages, &p.Emails} {
		if *l == nil {
			*l = []string{}
		}
	}
	if p.Phones == nil {
		p.Phones = []haven.Phone{}
	}
	if p.Addresses == nil {
		p.Addresses = []haven.Address{}
	}
	p.Access = note
	return p, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Person returns one person, if the policy allows the actor a basis. A
// refusal and a missing record give the same "not found"; both are audited.
// The data is released only after the read is in the audit log.
func (db *DB) Person(ctx context.Context, id string) (*haven.Person, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	// One statement for the record; the grants that could open another
	// agency's record are looked up only when it is another agency's.
	row, err := loadPersonRow(ctx, db.readRow, id)
	if err != nil {
		return nil, dbErr(err)
	}
	if row == nil {
		return nil, db.denyPerson(ctx, access.PersonRead, id, "", "no such record")
	}
	var bases []access.Basis
	if row.agencyID != actor.AgencyID && actor.UserID != "" {
		if err := db.inTx(ctx, false, func(t *tx) error {
			bases, err = db.bases(ctx, t, actor, "person", id)
			return err
		}); err != nil {
			return nil, err
		}
	}
	d := access.Decide(actor, access.PersonRead, access.Target{AgencyID: row.agencyID, Bases: bases, Now: db.now()})
	if !d.Allow {
		return nil, db.denyPerson(ctx, access.PersonRead, id, row.agencyID, d.Reason)
	}
	p, err := db.openPerson(ctx, row, d)
	if err != nil {
		return nil, err
	}
	e := auditEntry(ctx, string(access.PersonRead), audit.Allowed, "person", id, row.agencyID, basisLabel(d), nil)
	if d.Basis.Kind == access.BasisBreakGlass {
		e.Details = map[string]string{"break_glass": "true"}
	}
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePerson applies patch, checking the optional version, re-sealing and
// re-indexing in one transaction with its audit entry (which names the
// fields changed, never their values).
func (db *DB) UpdatePerson(ctx context.Context, id string, patch haven.PersonPatch) (*haven.Person, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	var out *haven.Person
	var denied, missing bool
	var deniedReason, ownerAgency string
	err := db.inTx(ctx, true, func(t *tx) error {
		row, err := loadPersonRow(ctx, t.queryRow, id)
		if err != nil {
			return err
		}
		if row == nil {
			missing = true
			return nil
		}
		ownerAgency = row.agencyID
		d := access.Decide(actor, access.PersonUpdate, access.Target{AgencyID: row.agencyID, Now: db.now()})
		if !d.Allow {
			denied, deniedReason = true, d.Reason
			return nil
		}
		p, err := db.openPerson(ctx, row, d)
		if err != nil {
			return err
		}
		if patch.Version != nil && *patch.Version != p.Version {
			return haven.FieldErrorf(haven.ECONFLICT, "version", "the record was changed by someone else (version %d, you sent %d); reload it and try again", p.Version, *patch.Version)
		}
		changed := applyPatch(p, patch)
		if err := validatePerson(p, db.now()); err != nil {
			return err
		}
		p.Version++
		p.UpdatedAt = db.now()
		sealed, keyID, err := db.sealPerson(ctx, p)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE persons SET data = ?, key_id = ?, version = ?, updated_at = ? WHERE id = ?`,
			sealed, keyID, p.Version, p.UpdatedAt, p.ID); err != nil {
			return err
		}
		if err := db.writeIndex(ctx, t, p); err != nil {
			return err
		}
		out = p
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.PersonUpdate), audit.Allowed, "person", id, row.agencyID, basisLabel(d),
			map[string]string{"fields": strings.Join(changed, ",")}))
	})
	switch {
	case err != nil:
		return nil, err
	case missing:
		return nil, db.denyPerson(ctx, access.PersonUpdate, id, "", "no such record")
	case denied:
		return nil, db.denyPerson(ctx, access.PersonUpdate, id, ownerAgency, deniedReason)
	}
	return out, nil
}

func applyPatch(p *haven.Person, q haven.PersonPatch) []string {
	var changed []string
	set := func(name string, ok bool, apply func()) {
		if ok {
			apply()
			changed = append(changed, name)
		}
	}
	set("given_name", q.GivenName != nil, func() { p.GivenName = *q.GivenName })
	set("family_name", q.FamilyName != nil, func() { p.FamilyName = *q.FamilyName })
	set("aliases", q.Aliases != nil, func() { p.Aliases = *q.Aliases })
	set("date_of_birth", q.DateOfBirth != nil, func() { p.DateOfBirth = *q.DateOfBirth })
	set("sex", q.Sex != nil, func() { p.Sex = *q.Sex })
	set("gender", q.Gender != nil, func() { p.Gender = *q.Gender })
	set("languages", q.Languages != nil, func() { p.Languages = *q.Languages })
	set("phones", q.Phones != nil, func() { p.Phones = *q.Phones })
	set("emails", q.Emails != nil, func() { p.Emails = *q.Emails })
	set("addresses", q.Addresses != nil, func() { p.Addresses = *q.Addresses })
	set("safe_contact", q.SafeContact != nil, func() { p.SafeContact = q.SafeContact })
	return changed
}

// SearchPersons finds persons of the actor's own agency by name (exact
// words, regardless of case and accents, and sounds-like codes) and date of
// birth, all through the agency's blind indexes. The audit entry records
// which kinds of term were used and what was shown, never the terms.
func (db *DB) SearchPersons(ctx context.Context, q haven.PersonQuery) ([]haven.PersonMatch, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	q.Name, q.DateOfBirth = strings.TrimSpace(q.Name), strings.TrimSpace(q.DateOfBirth)
	if q.Name == "" && q.DateOfBirth == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "name", "give a name, a date of birth, or both")
	}
	if err := checkText("name", q.Name, 200); err != nil {
		return nil, err
	}
	if q.DateOfBirth != "" {
		if _, err := time.Parse("2006-01-02", q.DateOfBirth); err != nil || !dobRE.MatchString(q.DateOfBirth) {
			return nil, haven.FieldErrorf(haven.EINVALID, "dob", "dob must be a date as YYYY-MM-DD")
		}
	}
	d := access.Decide(actor, access.PersonSearch, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow {
		e := auditEntry(ctx, string(access.PersonSearch), audit.Denied, "person", "", actor.AgencyID, "", map[string]string{"policy": d.Reason})
		if err := db.auditNow(ctx, e); err != nil {
			return nil, err
		}
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 25
	}
	matches, err := db.matchPersons(ctx, actor.AgencyID, q.Name, q.DateOfBirth, q.Limit, 1)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.Person.ID
	}
	terms := []string{}
	if q.Name != "" {
		terms = append(terms, "name")
	}
	if q.DateOfBirth != "" {
		terms = append(terms, "dob")
	}
	e := auditEntry(ctx, string(access.PersonSearch), audit.Allowed, "person", "", actor.AgencyID, basisLabel(d),
		map[string]string{"terms": strings.Join(terms, "+"), "results": fmt.Sprint(len(ids)), "shown": strings.Join(ids, ",")})
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	return matches, nil
}

// matchPersons scores candidates of one agency in one query: an exact full
// name counts most, then exact words, then shared sounds-like codes; a date
// of birth narrows to those born that day. Candidates scoring below
// minScore are dropped (duplicate checks ask for more than a shared first
// name).
func (db *DB) matchPersons(ctx context.Context, agencyID, name, dob string, limit, minScore int) ([]haven.PersonMatch, error) {
	ix := db.indexer(agencyID)
	words := strings.Fields(crypt.Normalize(name))
	// One indexed lookup per kind of term, each using (agency_id, kind,
	// value), summed per person: an OR across kinds would scan the agency.
	var parts []string
	var args []any
	part := func(kind string, weight, exact int, values []string) {
		if len(values) == 0 {
			return
		}
		parts = append(parts, fmt.Sprintf(`SELECT person_id, %d AS w, %d AS ew FROM person_index WHERE agency_id = ? AND kind = '%s' AND value IN (%s)`,
			weight, exact, kind, placeholders(len(values))))
		args = append(args, agencyID)
		for _, v := range values {
			args = append(args, v)
		}
	}
	if len(words) > 0 {
		part("name", 20, 0, []string{ix.Exact("name", name)})
		var ws []string
		for _, w := range words {
			ws = append(ws, ix.Exact("word", w))
		}
		part("word", 10, 1, ws)
		part("phonetic", 3, 0, ix.Phonetic("name", name))
	}
	var dobHash string
	if dob != "" {
		dobHash = ix.Exact("dob", dob)
		part("dob", 15, 0, []string{dobHash})
	}
	if len(parts) == 0 {
		return nil, nil // nothing searchable: punctuation only
	}
	q := `SELECT person_id, SUM(w) AS score, SUM(ew) AS exact_words FROM (` + strings.Join(parts, " UNION ALL ") + `) m`
	if dob != "" {
		q += ` WHERE person_id IN (SELECT person_id FROM person_index WHERE agency_id = ? AND kind = 'dob' AND value = ?)`
		args = append(args, agencyID, dobHash)
	}
	q += ` GROUP BY person_id HAVING SUM(w) >= ? ORDER BY score DESC, person_id LIMIT ?`
	args = append(args, minScore, limit)
	type cand struct {
		id           string
		score, exact int
	}
	own := access.Decision{Allow: true, Basis: access.Basis{Kind: access.BasisOwnAgency}}
	var out []haven.PersonMatch
	err := db.inTx(ctx, false, func(t *tx) error {
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		var cands []cand
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.score, &c.exact); err != nil {
				rows.Close()
				return err
			}
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(cands) == 0 {
			return nil
		}
		// The candidates' records in one query.
		ids := make([]any, 0, len(cands)+1)
		ids = append(ids, agencyID)
		for _, c := range cands {
			ids = append(ids, c.id)
		}
		prows, err := t.query(ctx, `SELECT id, agency_id, data, version, created_at, updated_at FROM persons
			WHERE agency_id = ? AND id IN (`+placeholders(len(cands))+`)`, ids...)
		if err != nil {
			return err
		}
		byID := map[string]*personRow{}
		for prows.Next() {
			var r personRow
			if err := prows.Scan(&r.id, &r.agencyID, &r.data, &r.version, &r.created, &r.updated); err != nil {
				prows.Close()
				return err
			}
			byID[r.id] = &r
		}
		prows.Close()
		if err := prows.Err(); err != nil {
			return err
		}
		for _, c := range cands {
			row := byID[c.id]
			if row == nil {
				continue
			}
			p, err := db.openPerson(ctx, row, own)
			if err != nil {
				return err
			}
			match := "sounds_like"
			if c.exact >= len(words) {
				match = "exact"
			}
			out = append(out, haven.PersonMatch{Person: p, Match: match, Score: c.score})
		}
		return nil
	})
	return out, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
