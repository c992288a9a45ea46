package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// How a grant reaches the access policy. Every read of another agency's
// person (and of that person's risk assessments and incident reports)
// looks the grants up afresh, inside the read's transaction: a grant that
// has expired or been revoked stops working on the next request, and one
// that starts later does not work yet.

// consentGrant is a grant in force naming the actor's agency, as a basis.
type consentGrant struct {
	personID string
	basis    access.Basis
}

// grantsFor returns the grants in force now that name agencyID, for the
// given persons: those that cover contact details first (so a person read
// uses the grant that shows the most the survivor allowed), then the
// newest.
func (db *DB) grantsFor(ctx context.Context, t *tx, agencyID string, personIDs []string) ([]consentGrant, error) {
	if agencyID == "" || len(personIDs) == 0 {
		return nil, nil
	}
	now := db.now()
	var out []consentGrant
	for start := 0; start < len(personIDs); start += 500 {
		chunk := personIDs[start:min(start+500, len(personIDs))]
		args := []any{agencyID, now, now}
		for _, id := range chunk {
			args = append(args, id)
		}
		type rec struct {
			g      consentGrant
			scopes string
			exp    nullTime
			at     nullTime
		}
		recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
			var r rec
			return r, s.Scan(&r.g.basis.ID, &r.g.personID, &r.scopes, &r.exp, &r.at)
		}, `SELECT c.id, c.person_id, c.scopes, c.expires_at, c.created_at FROM consents c
			JOIN consent_recipients r ON r.consent_id = c.id
			WHERE r.agency_id = ? AND c.revoked_at IS NULL AND c.starts_at <= ? AND c.expires_at > ?
			AND c.person_id IN (`+placeholders(len(chunk))+`)
			ORDER BY c.created_at DESC, c.id DESC`, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			r.g.basis.Kind, r.g.basis.ExpiresAt = access.BasisConsent, r.exp.Time
			if err := json.Unmarshal([]byte(r.scopes), &r.g.basis.Scopes); err != nil {
				return nil, haven.Internal(fmt.Errorf("consent %s scopes: %w", r.g.basis.ID, err))
			}
			if r.g.basis.Scopes == nil {
				r.g.basis.Scopes = []string{} // never "all": a grant covers exactly its scopes
			}
			out = append(out, r.g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return slices.Contains(out[i].basis.Scopes, haven.ScopeContact) && !slices.Contains(out[j].basis.Scopes, haven.ScopeContact)
	})
	return out, nil
}

// consentBases are the consent bases actor has for one person: db.bases
// adds them for person records.
func (db *DB) consentBases(ctx context.Context, t *tx, actor haven.Actor, personID string) ([]access.Basis, error) {
	gs, err := db.grantsFor(ctx, t, actor.AgencyID, []string{personID})
	if err != nil {
		return nil, err
	}
	out := make([]access.Basis, len(gs))
	for i, g := range gs {
		out[i] = g.basis
	}
	return out, nil
}

// ---- incident reports under consent ----

// consentShared reports whether a report in status s may be shown under
// consent: a report is shared once submitted for review, and not while
// it is a draft or back with its author for correction.
func consentShared(s haven.IncidentStatus) bool { return !incidentEditable(s) }

// incidentGrants returns the grants in force naming actor's agency from
// the persons who are parties to the report r.
func (db *DB) incidentGrants(ctx context.Context, actor haven.Actor, r *incidentRow) ([]consentGrant, error) {
	if actor.UserID == "" || actor.AgencyID == "" || r.in.AgencyID == actor.AgencyID || !consentShared(r.in.Status) {
		return nil, nil
	}
	var out []consentGrant
	err := db.inTx(ctx, false, func(t *tx) error {
		parties, err := loadParties(ctx, t, []string{r.in.ID})
		if err != nil {
			return err
		}
		out, err = db.grantsFor(ctx, t, actor.AgencyID, partyPersons(parties[r.in.ID]))
		return err
	})
	return out, err
}

func partyPersons(ps []haven.Party) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		if p.PersonID != "" && !seen[p.PersonID] {
			seen[p.PersonID] = true
			out = append(out, p.PersonID)
		}
	}
	return out
}

func grantBases(gs []consentGrant) []access.Basis {
	out := make([]access.Basis, len(gs))
	for i, g := range gs {
		out[i] = g.basis
	}
	return out
}

// consentIncidentRead answers Incident for a caller the policy allowed on
// a consent basis (d): the consent view of the report, audited with the
// grants it was shown under.
func (db *DB) consentIncidentRead(ctx context.Context, actor haven.Actor, r *incidentRow, d access.Decision, grants []consentGrant) (*haven.Incident, error) {
	var in *haven.Incident
	var used, shown []string
	err := db.inTx(ctx, false, func(t *tx) (err error) {
		in, used, shown, err = db.openConsentIncident(ctx, t, actor, r, grants)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := db.auditNow(ctx, consentIncidentEntry(ctx, r, d, used, shown, "")); err != nil {
		return nil, err
	}
	return in, nil
}

func consentIncidentEntry(ctx context.Context, r *incidentRow, d access.Decision, used, shown []string, via string) audit.Entry {
	details := map[string]string{"view": "consent", "grants": strings.Join(used, ",")}
	if len(shown) > 0 {
		details["names_shown"] = strings.Join(shown, ",")
	}
	if via != "" {
		details["via"] = via
	}
	return auditEntry(ctx, string(access.IncidentRead), audit.Allowed, "incident", r.in.ID, r.in.AgencyID, basisLabel(d), details)
}

// openConsentIncident opens one report in the consent view, given the
// grants in force from its parties naming the actor's agency:
//   - statements only of the persons whose grant covers the "incident"
//     scope (the survivor's own words), and no review comment;
//   - no address text and no coordinates (beat and district stay): a
//     report's place is often the survivor's home;
//   - party names, and person ids, only of persons the caller may see
//     under a grant; the others keep their role and relationship;
//   - supplements, history, protocol notes, evidence and assessments are
//     not part of it (their own reads stay with the owning agency).
//
// It returns the report, the ids of the grants covering the incident
// scope that it was shown under, and the persons whose names were shown.
func (db *DB) openConsentIncident(ctx context.Context, t *tx, actor haven.Actor, r *incidentRow, grants []consentGrant) (*haven.Incident, []string, []string, error) {
	parties, err := loadParties(ctx, t, []string{r.in.ID})
	if err != nil {
		return nil, nil, nil, err
	}
	in, err := db.openIncident(ctx, r, parties[r.in.ID], viewFull)
	if err != nil {
		return nil, nil, nil, err
	}
	onReport := map[string]bool{}
	for _, id := range partyPersons(in.Parties) {
		onReport[id] = true
	}
	bases := map[string][]access.Basis{}
	consenting := map[string]bool{}
	var used []string
	for _, g := range grants {
		if !onReport[g.personID] {
			continue
		}
		bases[g.personID] = append(bases[g.personID], g.basis)
		if slices.Contains(g.basis.Scopes, haven.ScopeIncident) {
			consenting[g.personID] = true
			if !slices.Contains(used, g.basis.ID) {
				used = append(used, g.basis.ID)
			}
		}
	}
	shown, err := db.partyNamesOn(ctx, t, actor, []*haven.Incident{in}, bases)
	if err != nil {
		return nil, nil, nil, err
	}
	named := map[string]bool{}
	for _, id := range shown {
		named[id] = true
	}
	consentView(in, consenting, named)
	sort.Strings(used)
	return in, used, shown, nil
}

// consentView strips from an opened report what the consent view does not
// show (see openConsentIncident).
func consentView(in *haven.Incident, consenting, named map[string]bool) {
	keep := func(id string) string {
		if named[id] {
			return id
		}
		return ""
	}
	for i := range in.Parties {
		p := &in.Parties[i]
		p.PersonID, p.SuspectPersonID = keep(p.PersonID), keep(p.SuspectPersonID)
		if p.PersonID == "" {
			p.Name = ""
		}
	}
	for i := range in.Injuries {
		in.Injuries[i].PersonID = keep(in.Injuries[i].PersonID)
	}
	for i := range in.Arrests {
		in.Arrests[i].PersonID = keep(in.Arrests[i].PersonID)
	}
	statements := []haven.Statement{}
	for _, s := range in.Statements {
		if s.PersonID != "" && consenting[s.PersonID] {
			statements = append(statements, s)
		}
	}
	in.Statements = statements
	in.Location.Address, in.Location.Latitude, in.Location.Longitude = "", nil, nil
	in.ReviewComment = ""
}

// ConsentIncidents lists, newest first, the reports a grant shares with
// the actor's agency: those the grant's person is a party to, once
// submitted, in the consent view. Only a recipient's staff who work with
// people, while the grant is in force, and only for a grant covering the
// "incident" scope (an empty list otherwise); everyone else gets "not
// found". Each report shown is audited as a read under the grant.
func (db *DB) ConsentIncidents(ctx context.Context, consentID string) ([]*haven.Incident, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	consentID = strings.TrimSpace(consentID)
	var row *consentRow
	var d access.Decision
	var out []*haven.Incident
	var entries []audit.Entry
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		if row, err = loadConsentRow(ctx, t, consentID, false); err != nil || row == nil {
			return err
		}
		bases, err := db.readerBases(ctx, t, actor, row)
		if err != nil {
			return err
		}
		d = access.Decide(actor, access.ConsentRead, access.Target{AgencyID: row.c.AgencyID, Bases: bases, Now: db.now()})
		if !d.Allow || d.Basis.Kind != access.BasisConsent {
			d.Allow, d.Reason = false, "reports are listed under a consent only for the agencies it names"
			return nil
		}
		out = []*haven.Incident{}
		if !slices.Contains(row.c.Scopes, haven.ScopeIncident) {
			return nil
		}
		rows, err := queryAll(ctx, t, scanIncident, `SELECT `+incidentCols+` FROM incidents WHERE agency_id = ? AND status NOT IN (?, ?)
			AND id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)
			ORDER BY reported_at DESC, id DESC LIMIT ?`, row.c.AgencyID, string(haven.StatusDraft), string(haven.StatusReturned),
			row.c.PersonID, consentListMax)
		if err != nil {
			return err
		}
		for _, r := range rows {
			parties, err := loadParties(ctx, t, []string{r.in.ID})
			if err != nil {
				return err
			}
			grants, err := db.grantsFor(ctx, t, actor.AgencyID, partyPersons(parties[r.in.ID]))
			if err != nil {
				return err
			}
			rd := access.Decide(actor, access.IncidentRead, access.Target{AgencyID: r.in.AgencyID, UserID: r.in.CreatedBy,
				Bases: grantBases(grants), Now: db.now()})
			if !rd.Allow {
				continue
			}
			in, used, shown, err := db.openConsentIncident(ctx, t, actor, r, grants)
			if err != nil {
				return err
			}
			out = append(out, in)
			entries = append(entries, consentIncidentEntry(ctx, r, rd, used, shown, "consent:"+row.c.ID))
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case row == nil:
		return nil, db.refuseConsent(ctx, access.ConsentRead, consentID, "", "", "no such record")
	case !d.Allow:
		return nil, db.refuseConsent(ctx, access.ConsentRead, consentID, row.c.PersonID, row.c.AgencyID, d.Reason)
	}
	entries = append(entries, auditEntry(ctx, "consent.incidents", audit.Allowed, "person", row.c.PersonID, row.c.AgencyID,
		basisLabel(d), map[string]string{"consent_id": row.c.ID, "results": fmt.Sprint(len(out))}))
	if err := db.auditNow(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}
