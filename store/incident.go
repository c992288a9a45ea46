package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/nibrs"
)

var _ haven.IncidentService = (*DB)(nil)

// What is sealed and what is not. An incident row keeps in the clear what
// analytics count and map: the number, status, times, coordinates, beat,
// district, location type, the domestic flag, the source's codes, and (in
// the facts JSON) offence, weapon and injury codes, arrests and their
// charges, strangulation and its signs, substance use and the flags. The
// address text, the narrative, every statement (kind, time, text) and the
// supervisor's review comment are sealed together under
// incidents/sealed/<id>. Person ids link parties to the (sealed) person
// registry; they are not identifying on their own, but the analysts' view
// drops them too.

// incidentFacts is the incident's plain JSON column.
type incidentFacts struct {
	SourceCodes         map[string]string    `json:"source_codes,omitempty"`
	Offenses            []haven.Offense      `json:"offenses,omitempty"`
	Injuries            []haven.Injury       `json:"injuries,omitempty"`
	Arrests             []haven.Arrest       `json:"arrests,omitempty"`
	Strangulation       *haven.Strangulation `json:"strangulation,omitempty"`
	Weapons             []string             `json:"weapons,omitempty"`
	FirearmsPresent     bool                 `json:"firearms_present,omitempty"`
	SubstanceUse        []string             `json:"substance_use,omitempty"`
	ChildrenPresent     bool                 `json:"children_present,omitempty"`
	ChildrenWitnessed   bool                 `json:"children_witnessed,omitempty"`
	PriorIncidentsKnown bool                 `json:"prior_incidents_known,omitempty"`
}

func factsOf(in *haven.Incident) incidentFacts {
	return incidentFacts{SourceCodes: in.SourceCodes, Offenses: in.Offenses, Injuries: in.Injuries, Arrests: in.Arrests,
		Strangulation: in.Strangulation, Weapons: in.Weapons, FirearmsPresent: in.FirearmsPresent, SubstanceUse: in.SubstanceUse,
		ChildrenPresent: in.ChildrenPresent, ChildrenWitnessed: in.ChildrenWitnessed, PriorIncidentsKnown: in.PriorIncidentsKnown}
}

func (f incidentFacts) into(in *haven.Incident) {
	in.SourceCodes, in.Offenses, in.Injuries, in.Arrests = f.SourceCodes, f.Offenses, f.Injuries, f.Arrests
	in.Strangulation, in.Weapons, in.FirearmsPresent, in.SubstanceUse = f.Strangulation, f.Weapons, f.FirearmsPresent, f.SubstanceUse
	in.ChildrenPresent, in.ChildrenWitnessed, in.PriorIncidentsKnown = f.ChildrenPresent, f.ChildrenWitnessed, f.PriorIncidentsKnown
}

// incidentSecret is what is sealed.
type incidentSecret struct {
	Address       string            `json:"a,omitempty"`
	Narrative     string            `json:"n,omitempty"`
	Statements    []haven.Statement `json:"s,omitempty"`
	ReviewComment string            `json:"rc,omitempty"`
}

func secretOf(in *haven.Incident) incidentSecret {
	return incidentSecret{Address: in.Location.Address, Narrative: in.Narrative, Statements: in.Statements, ReviewComment: in.ReviewComment}
}

func incidentAAD(id string) string      { return "incidents/sealed/" + id }
func supplementAAD(id string) string    { return "incident_supplements/text/" + id }
func changeCommentAAD(id string) string { return "incident_changes/comment/" + id }
func protocolAAD(rowID string) string   { return "incident_protocol/sealed/" + rowID }

// incidentSourceKey is the key that makes imports idempotent (sources
// never contain a colon, so the key is unambiguous).
func incidentSourceKey(source, id string) any {
	if source == "" && id == "" {
		return nil // reports made in Haven: NULL never collides
	}
	return source + ":" + id
}

func (db *DB) sealIncident(ctx context.Context, in *haven.Incident) ([]byte, string, error) {
	plain, err := json.Marshal(secretOf(in))
	if err != nil {
		return nil, "", err
	}
	return db.seal(ctx, plain, incidentAAD(in.ID))
}

// ---- validation ----

// Limits on what one report holds.
const (
	incidentMaxParties  = 50
	incidentMaxOffenses = 10 // as NIBRS allows per incident
	incidentMaxItems    = 50
	incidentShortText   = 200
	incidentLongText    = 100_000 // narratives, statements, supplements
	incidentCommentText = 5_000
	incidentClockSkew   = 5 * time.Minute // how far in the future a time may be
)

var (
	partyRoles        = map[haven.PartyRole]bool{haven.PartyVictim: true, haven.PartySuspect: true, haven.PartyWitness: true, haven.PartyChild: true}
	stmtKinds         = map[string]bool{"victim": true, "suspect": true, "witness": true}
	statementHowTaken = map[string]bool{"written": true, "verbal": true, "audio": true, "video": true, "interpreter": true}
	incidentStatuses  = map[haven.IncidentStatus]bool{haven.StatusDraft: true, haven.StatusSubmitted: true, haven.StatusReturned: true,
		haven.StatusApproved: true, haven.StatusClosed: true}
)

func incidentInvalid(field, format string, args ...any) error {
	return haven.FieldErrorf(haven.EINVALID, field, format, args...)
}

// utcMicro is t in UTC at the precision both databases keep.
func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// validateIncident trims, normalises (codes upper case, times UTC) and
// checks the editable fields of in, naming the first field at fault with its
// position ("offenses[0].code"). It does not look at the database: that
// parties are persons of the agency is checked in the transaction.
func validateIncident(in *haven.Incident, now time.Time) error {
	if in.ReportedAt.IsZero() {
		in.ReportedAt = now
	}
	in.ReportedAt = utcMicro(in.ReportedAt)
	if in.ReportedAt.After(now.Add(incidentClockSkew)) {
		return incidentInvalid("reported_at", "reported_at cannot be in the future")
	}
	if in.ReportedAt.Year() < 1900 {
		return incidentInvalid("reported_at", "reported_at must be after 1900")
	}
	if in.OccurredAt != nil {
		if in.OccurredAt.IsZero() {
			in.OccurredAt = nil
		} else {
			t := utcMicro(*in.OccurredAt)
			in.OccurredAt = &t
			if t.After(in.ReportedAt.Add(incidentClockSkew)) {
				return incidentInvalid("occurred_at", "occurred_at cannot be after reported_at")
			}
			if t.Year() < 1900 {
				return incidentInvalid("occurred_at", "occurred_at must be after 1900")
			}
		}
	}

	loc := &in.Location
	loc.Address = strings.TrimSpace(loc.Address)
	if err := checkText("location.address", loc.Address, 500); err != nil {
		return err
	}
	for name, v := range map[string]*string{"location.beat": &loc.Beat, "location.district": &loc.District, "location.location_type": &loc.LocationType} {
		*v = strings.TrimSpace(*v)
		if err := checkText(name, *v, 100); err != nil {
			return err
		}
	}
	if (loc.Latitude == nil) != (loc.Longitude == nil) {
		return incidentInvalid("location.latitude", "give both latitude and longitude, or neither")
	}
	if loc.Latitude != nil {
		lat, lon := *loc.Latitude, *loc.Longitude
		if math.IsNaN(lat) || lat < -90 || lat > 90 {
			return incidentInvalid("location.latitude", "latitude must be between -90 and 90")
		}
		if math.IsNaN(lon) || lon < -180 || lon > 180 {
			return incidentInvalid("location.longitude", "longitude must be between -180 and 180")
		}
	}

	in.Source, in.SourceID = strings.TrimSpace(in.Source), strings.TrimSpace(in.SourceID)
	if (in.Source == "") != (in.SourceID == "") {
		return incidentInvalid("source_id", "give both source and source_id, or neither")
	}
	if err := checkText("source", in.Source, 50); err != nil {
		return err
	}
	if strings.Contains(in.Source, ":") {
		// source ":" source_id is the key of imported records; a colon in
		// the source would let two different pairs make the same key.
		return incidentInvalid("source", "source cannot contain a colon")
	}
	if err := checkText("source_id", in.SourceID, incidentShortText); err != nil {
		return err
	}
	if len(in.SourceCodes) > 20 {
		return incidentInvalid("source_codes", "at most 20 source codes")
	}
	for k, v := range in.SourceCodes {
		if strings.TrimSpace(k) == "" {
			return incidentInvalid("source_codes", "source code names cannot be empty")
		}
		if err := checkText("source_codes."+k, k+v, incidentShortText); err != nil {
			return err
		}
	}
	if len(in.SourceCodes) == 0 {
		in.SourceCodes = nil
	}

	if err := validateParties(in); err != nil {
		return err
	}
	isParty := map[string]bool{}
	for _, p := range in.Parties {
		isParty[p.PersonID] = true
	}
	partyRef := func(field, id string, required bool) error {
		switch {
		case id == "" && required:
			return incidentInvalid(field, "%s is required", field)
		case id != "" && !isParty[id]:
			return incidentInvalid(field, "%s must be one of the report's parties", field)
		}
		return nil
	}

	if len(in.Offenses) > incidentMaxOffenses {
		return incidentInvalid("offenses", "at most %d offenses", incidentMaxOffenses)
	}
	for i := range in.Offenses {
		o := &in.Offenses[i]
		f := fmt.Sprintf("offenses[%d]", i)
		o.Code = nibrs.Canonical(o.Code)
		if !nibrs.ValidOffense(o.Code) {
			return incidentInvalid(f+".code", "%s.code %q is not a NIBRS offense code", f, o.Code)
		}
		for j := range o.Circumstances {
			c := nibrs.Canonical(o.Circumstances[j])
			o.Circumstances[j] = c
			cf := fmt.Sprintf("%s.circumstances[%d]", f, j)
			if !nibrs.ValidCircumstance(c) {
				return incidentInvalid(cf, "%s %q is not a NIBRS circumstance code", cf, c)
			}
			if !nibrs.CircumstanceAllowed(o.Code, c) {
				return incidentInvalid(cf, "circumstance %s does not apply to offense %s", c, o.Code)
			}
		}
		if len(o.Circumstances) > 2 {
			return incidentInvalid(f+".circumstances", "at most 2 circumstances per offense")
		}
		o.Description = strings.TrimSpace(o.Description)
		if err := checkText(f+".description", o.Description, incidentShortText); err != nil {
			return err
		}
	}

	if len(in.Injuries) > incidentMaxItems {
		return incidentInvalid("injuries", "at most %d injuries", incidentMaxItems)
	}
	for i := range in.Injuries {
		j := &in.Injuries[i]
		f := fmt.Sprintf("injuries[%d]", i)
		j.Type = nibrs.Canonical(j.Type)
		if !nibrs.ValidInjury(j.Type) {
			return incidentInvalid(f+".type", "%s.type %q is not a NIBRS injury code", f, j.Type)
		}
		j.BodyLocation = strings.TrimSpace(j.BodyLocation)
		if err := checkText(f+".body_location", j.BodyLocation, 100); err != nil {
			return err
		}
		if err := partyRef(f+".person_id", j.PersonID, false); err != nil {
			return err
		}
		if j.TreatmentAccepted && !j.TreatmentOffered {
			return incidentInvalid(f+".treatment_accepted", "treatment can only be accepted when it was offered")
		}
	}

	if s := in.Strangulation; s != nil {
		var err error
		if s.Signs, err = cleanStrings("strangulation.signs", s.Signs, 20, 100); err != nil {
			return err
		}
		if len(s.Signs) > 0 && !s.Occurred {
			return incidentInvalid("strangulation.occurred", "signs of strangulation were recorded: set occurred")
		}
	}

	if len(in.Weapons) > 10 {
		return incidentInvalid("weapons", "at most 10 weapons")
	}
	for i := range in.Weapons {
		in.Weapons[i] = nibrs.Canonical(in.Weapons[i])
		if !nibrs.ValidWeapon(in.Weapons[i]) {
			return incidentInvalid(fmt.Sprintf("weapons[%d]", i), "weapons[%d] %q is not a NIBRS weapon/force code", i, in.Weapons[i])
		}
	}
	var err error
	if in.SubstanceUse, err = cleanStrings("substance_use", in.SubstanceUse, 10, 50); err != nil {
		return err
	}
	if in.ChildrenWitnessed && !in.ChildrenPresent {
		return incidentInvalid("children_present", "children witnessed it: set children_present")
	}

	if len(in.Arrests) > 20 {
		return incidentInvalid("arrests", "at most 20 arrests")
	}
	for i := range in.Arrests {
		a := &in.Arrests[i]
		f := fmt.Sprintf("arrests[%d]", i)
		if err := partyRef(f+".person_id", a.PersonID, true); err != nil {
			return err
		}
		if a.At.IsZero() {
			return incidentInvalid(f+".at", "%s.at is required", f)
		}
		a.At = utcMicro(a.At)
		if a.At.After(now.Add(incidentClockSkew)) {
			return incidentInvalid(f+".at", "%s.at cannot be in the future", f)
		}
		if a.Charges, err = cleanStrings(f+".charges", a.Charges, 20, incidentShortText); err != nil {
			return err
		}
	}

	if len(in.Statements) > incidentMaxItems {
		return incidentInvalid("statements", "at most %d statements", incidentMaxItems)
	}
	for i := range in.Statements {
		s := &in.Statements[i]
		f := fmt.Sprintf("statements[%d]", i)
		s.Kind, s.HowTaken = strings.ToLower(strings.TrimSpace(s.Kind)), strings.ToLower(strings.TrimSpace(s.HowTaken))
		if !stmtKinds[s.Kind] {
			return incidentInvalid(f+".kind", "%s.kind must be victim, suspect or witness", f)
		}
		if err := partyRef(f+".person_id", s.PersonID, false); err != nil {
			return err
		}
		if s.TakenAt.IsZero() {
			return incidentInvalid(f+".taken_at", "%s.taken_at is required", f)
		}
		s.TakenAt = utcMicro(s.TakenAt)
		if s.TakenAt.After(now.Add(incidentClockSkew)) {
			return incidentInvalid(f+".taken_at", "%s.taken_at cannot be in the future", f)
		}
		if !statementHowTaken[s.HowTaken] {
			return incidentInvalid(f+".how_taken", "%s.how_taken must be written, verbal, audio, video or interpreter", f)
		}
		s.Text = strings.TrimSpace(s.Text)
		if s.Text == "" {
			return incidentInvalid(f+".text", "%s.text is required", f)
		}
		if err := checkText(f+".text", s.Text, incidentLongText); err != nil {
			return err
		}
		if s.ID == "" {
			s.ID = newID()
		} else if err := checkText(f+".id", s.ID, 100); err != nil {
			return err
		}
	}

	in.Narrative = strings.TrimSpace(in.Narrative)
	if err := checkText("narrative", in.Narrative, incidentLongText); err != nil {
		return err
	}
	normalizeIncidentLists(in)
	return nil
}

// validateParties checks the parties among themselves: roles, codes, who
// the relationship is to.
func validateParties(in *haven.Incident) error {
	if len(in.Parties) > incidentMaxParties {
		return incidentInvalid("parties", "at most %d parties", incidentMaxParties)
	}
	type pr struct {
		id   string
		role haven.PartyRole
	}
	seen := map[pr]bool{}
	var suspects []string
	for i := range in.Parties {
		p := &in.Parties[i]
		f := fmt.Sprintf("parties[%d]", i)
		p.PersonID = strings.TrimSpace(p.PersonID)
		p.Role = haven.PartyRole(strings.ToLower(strings.TrimSpace(string(p.Role))))
		p.Name = "" // filled in on reads only
		if p.PersonID == "" {
			return incidentInvalid(f+".person_id", "%s.person_id is required", f)
		}
		if err := checkText(f+".person_id", p.PersonID, 100); err != nil {
			return err
		}
		if !partyRoles[p.Role] {
			return incidentInvalid(f+".role", "%s.role must be victim, suspect, witness or child", f)
		}
		if seen[pr{p.PersonID, p.Role}] {
			return incidentInvalid(f+".person_id", "%s is the same person in the same role as an earlier party", f)
		}
		seen[pr{p.PersonID, p.Role}] = true
		if p.Role == haven.PartySuspect {
			suspects = append(suspects, p.PersonID)
		}
	}
	for i := range in.Parties {
		p := &in.Parties[i]
		f := fmt.Sprintf("parties[%d]", i)
		p.RelationshipToSuspect = nibrs.Canonical(p.RelationshipToSuspect)
		p.SuspectPersonID = strings.TrimSpace(p.SuspectPersonID)
		if p.Role != haven.PartyVictim {
			if p.RelationshipToSuspect != "" {
				return incidentInvalid(f+".relationship_to_suspect", "only victims have a relationship to the suspect")
			}
			if p.SuspectPersonID != "" {
				return incidentInvalid(f+".suspect_person_id", "only victims name a suspect")
			}
			continue
		}
		if p.RelationshipToSuspect != "" && !nibrs.ValidRelationship(p.RelationshipToSuspect) {
			return incidentInvalid(f+".relationship_to_suspect", "%s.relationship_to_suspect %q is not a NIBRS relationship code", f, p.RelationshipToSuspect)
		}
		if p.SuspectPersonID != "" {
			if !contains(suspects, p.SuspectPersonID) {
				return incidentInvalid(f+".suspect_person_id", "%s.suspect_person_id must be a suspect of this report", f)
			}
			if p.RelationshipToSuspect == "" {
				return incidentInvalid(f+".relationship_to_suspect", "give the relationship to the named suspect")
			}
		} else if p.RelationshipToSuspect != "" {
			// With one suspect the relationship is to them; with several,
			// the officer must say which.
			switch len(suspects) {
			case 1:
				p.SuspectPersonID = suspects[0]
			case 0:
				// The suspect is not (yet) a person record.
			default:
				return incidentInvalid(f+".suspect_person_id", "there are several suspects: name the one the relationship is to")
			}
		}
	}
	return nil
}

// cleanStrings trims a list, drops empty entries and checks each.
func cleanStrings(field string, in []string, maxItems, maxLen int) ([]string, error) {
	out := []string{}
	for i, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if err := checkText(fmt.Sprintf("%s[%d]", field, i), s, maxLen); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) > maxItems {
		return nil, incidentInvalid(field, "at most %d %s", maxItems, field)
	}
	return out, nil
}

// normalizeIncidentLists makes absent lists empty, so JSON shows [] not null.
func normalizeIncidentLists(in *haven.Incident) {
	if in.Parties == nil {
		in.Parties = []haven.Party{}
	}
	if in.Offenses == nil {
		in.Offenses = []haven.Offense{}
	}
	if in.Injuries == nil {
		in.Injuries = []haven.Injury{}
	}
	if in.Arrests == nil {
		in.Arrests = []haven.Arrest{}
	}
	if in.Statements == nil {
		in.Statements = []haven.Statement{}
	}
	if in.Weapons == nil {
		in.Weapons = []string{}
	}
	if in.SubstanceUse == nil {
		in.SubstanceUse = []string{}
	}
	for i := range in.Arrests {
		if in.Arrests[i].Charges == nil {
			in.Arrests[i].Charges = []string{}
		}
	}
}

// checkPartyPersons makes sure every person the report names is a person of
// its agency. A person of another agency and one that does not exist get
// the same answer.
func checkPartyPersons(ctx context.Context, t *tx, agencyID string, ins []*haven.Incident, fieldPrefix func(i int) string) error {
	want := map[string]bool{}
	for _, in := range ins {
		for _, p := range in.Parties {
			want[p.PersonID] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	found := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{agencyID}
		for _, id := range chunk {
			args = append(args, id)
		}
		got, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, `SELECT id FROM persons WHERE agency_id = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return err
		}
		for _, id := range got {
			found[id] = true
		}
	}
	for i, in := range ins {
		for j, p := range in.Parties {
			if !found[p.PersonID] {
				f := fmt.Sprintf("parties[%d].person_id", j)
				return prefixBatchField(incidentInvalid(f, "%s is not a person of your agency", f), fieldPrefix(i))
			}
		}
	}
	return nil
}

// ---- numbers ----

// numberAgency is what numbering needs to know about an agency.
type numberAgency struct {
	id, slug string
	kind     haven.AgencyKind
	loc      *time.Location
}

func loadNumberAgency(ctx context.Context, t *tx, agencyID string) (*numberAgency, error) {
	a := numberAgency{id: agencyID}
	var tz string
	err := t.queryRow(ctx, `SELECT slug, kind, time_zone FROM agencies WHERE id = ?`, agencyID).Scan(&a.slug, &a.kind, &tz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, incidentInvalid("agency_id", "no such agency")
	} else if err != nil {
		return nil, err
	}
	ag := haven.Agency{TimeZone: tz}
	a.loc = ag.Location()
	return &a, nil
}

// numberPrefix is the first part of an agency's incident numbers: "PD" for
// a police agency (PD-2026-000123), otherwise the first three letters or
// digits of its slug in upper case (safe-harbor → SAF-2026-000001).
// Numbers are unique per agency, so two police agencies both using "PD" do
// not clash. A configurable prefix per agency can replace this later.
func numberPrefix(kind haven.AgencyKind, slug string) string {
	if kind == haven.KindPolice {
		return "PD"
	}
	var b strings.Builder
	for _, r := range slug {
		if b.Len() == 3 {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	if b.Len() == 0 {
		return "INC"
	}
	return b.String()
}

// numberYear is the year an incident is numbered in: the year it was
// reported, in the agency's time zone.
func (a *numberAgency) numberYear(reported time.Time) int { return reported.In(a.loc).Year() }

func (a *numberAgency) format(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%06d", numberPrefix(a.kind, a.slug), year, n)
}

// reserveNumbers takes the next n numbers of the agency's series for year,
// in the caller's transaction, and returns the first. The upsert locks the
// counter row (PostgreSQL) or runs under SQLite's one writer, so concurrent
// reports never share a number, and a rolled-back transaction gives its
// numbers back: the series has no gaps.
func reserveNumbers(ctx context.Context, t *tx, agencyID string, year, n int) (int64, error) {
	var last int64
	err := t.queryRow(ctx, `INSERT INTO incident_counters (agency_id, year, last_number) VALUES (?, ?, ?)
		ON CONFLICT (agency_id, year) DO UPDATE SET last_number = incident_counters.last_number + excluded.last_number
		RETURNING last_number`, agencyID, year, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("incident number: %w", err)
	}
	return last - int64(n) + 1, nil
}

// ---- rows ----

const incidentCols = `id, agency_id, number, status, reported_at, occurred_at, latitude, longitude, beat, district, location_type,
	domestic, source, source_id, facts, sealed, version, created_by, created_at, updated_at, submitted_at`

type incidentRow struct {
	in     haven.Incident // the plain columns
	facts  string
	sealed []byte
}

func scanIncident(s interface{ Scan(...any) error }) (*incidentRow, error) {
	var r incidentRow
	in := &r.in
	var reported, occurred, created, updated, submitted nullTime
	var lat, lon sql.NullFloat64
	err := s.Scan(&in.ID, &in.AgencyID, &in.Number, &in.Status, &reported, &occurred, &lat, &lon, &in.Location.Beat,
		&in.Location.District, &in.Location.LocationType, &in.Domestic, &in.Source, &in.SourceID, &r.facts, &r.sealed,
		&in.Version, &in.CreatedBy, &created, &updated, &submitted)
	if err != nil {
		return nil, err
	}
	in.ReportedAt, in.OccurredAt, in.CreatedAt, in.UpdatedAt, in.SubmittedAt = reported.Time, occurred.ptr(), created.Time, updated.Time, submitted.ptr()
	if lat.Valid && lon.Valid {
		in.Location.Latitude, in.Location.Longitude = &lat.Float64, &lon.Float64
	}
	return &r, nil
}

// loadIncidentRow reads one incident; nil when there is none. forUpdate
// locks the row on PostgreSQL for a transition.
func loadIncidentRow(ctx context.Context, queryRow rowFunc, d dialect, id string, forUpdate bool) (*incidentRow, error) {
	q := `SELECT ` + incidentCols + ` FROM incidents WHERE id = ?`
	if forUpdate && d.name == "postgres" {
		q += ` FOR UPDATE`
	}
	r, err := scanIncident(queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// incidentView is how much of a report the caller gets.
type incidentView int

const (
	viewFull      incidentView = iota // everything, party names as the person policy allows
	viewAggregate                     // analysts: no sealed text, no names or person ids, coarse coordinates
)

func viewOf(d access.Decision) incidentView {
	if d.Basis.Kind == access.BasisAggregate {
		return viewAggregate
	}
	return viewFull
}

// openIncident turns a row into an Incident for the view: the full view
// opens the sealed part; the aggregate view never does.
func (db *DB) openIncident(ctx context.Context, r *incidentRow, parties []haven.Party, view incidentView) (*haven.Incident, error) {
	in := r.in // a copy
	var f incidentFacts
	if err := json.Unmarshal([]byte(r.facts), &f); err != nil {
		return nil, haven.Internal(fmt.Errorf("incident %s facts: %w", in.ID, err))
	}
	f.into(&in)
	in.Parties = append([]haven.Party(nil), parties...)
	if view == viewFull {
		plain, err := db.open(ctx, r.sealed, incidentAAD(in.ID))
		if err != nil {
			return nil, err
		}
		var s incidentSecret
		if err := json.Unmarshal(plain, &s); err != nil {
			return nil, haven.Internal(fmt.Errorf("incident %s: %w", in.ID, err))
		}
		in.Location.Address, in.Narrative, in.Statements, in.ReviewComment = s.Address, s.Narrative, s.Statements, s.ReviewComment
	} else {
		aggregateIncident(&in)
	}
	normalizeIncidentLists(&in)
	return &in, nil
}

// aggregateIncident strips what analysts do not see: who was involved
// (names and person ids; roles and relationships stay), and coordinates
// finer than about 100 metres, which at a home are as telling as the
// address. The sealed fields were never opened.
func aggregateIncident(in *haven.Incident) {
	for i := range in.Parties {
		in.Parties[i].PersonID, in.Parties[i].SuspectPersonID, in.Parties[i].Name = "", "", ""
	}
	for i := range in.Injuries {
		in.Injuries[i].PersonID = ""
	}
	arrests := make([]haven.Arrest, len(in.Arrests))
	for i, a := range in.Arrests {
		arrests[i] = haven.Arrest{At: a.At, Charges: a.Charges}
	}
	in.Arrests = arrests
	round := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		v := math.Round(*p*1000) / 1000
		return &v
	}
	in.Location.Latitude, in.Location.Longitude = round(in.Location.Latitude), round(in.Location.Longitude)
	in.Location.Address, in.Narrative, in.Statements, in.ReviewComment = "", "", nil, ""
}

// loadParties returns the parties of the given incidents, in order.
func loadParties(ctx context.Context, t *tx, ids []string) (map[string][]haven.Party, error) {
	out := map[string][]haven.Party{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		type row struct {
			incident string
			p        haven.Party
		}
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			err := s.Scan(&r.incident, &r.p.PersonID, &r.p.Role, &r.p.RelationshipToSuspect, &r.p.SuspectPersonID)
			return r, err
		}, `SELECT incident_id, person_id, role, relationship, suspect_person_id FROM incident_parties
			WHERE incident_id IN (`+placeholders(len(chunk))+`) ORDER BY incident_id, seq`, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.incident] = append(out[r.incident], r.p)
		}
	}
	return out, nil
}

// partyNames fills in the names of parties the caller may see under the
// person policy, and returns the ids of the persons whose names were shown.
// The names are not audited one by one: the one incident read (or search)
// entry that releases them lists these ids.
func (db *DB) partyNames(ctx context.Context, t *tx, actor haven.Actor, ins []*haven.Incident) ([]string, error) {
	return db.partyNamesOn(ctx, t, actor, ins, nil)
}

// partyNamesOn is partyNames with the grants the store found for the
// actor per person (the consent view of a report names the parties the
// caller may see under a survivor's consent).
func (db *DB) partyNamesOn(ctx context.Context, t *tx, actor haven.Actor, ins []*haven.Incident, bases map[string][]access.Basis) ([]string, error) {
	want := map[string]bool{}
	for _, in := range ins {
		for _, p := range in.Parties {
			if p.PersonID != "" {
				want[p.PersonID] = true
			}
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	names := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (*personRow, error) {
			var r personRow
			err := s.Scan(&r.id, &r.agencyID, &r.data, &r.version, &r.created, &r.updated)
			return &r, err
		}, `SELECT id, agency_id, data, version, created_at, updated_at FROM persons WHERE id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			// Parties are persons of the report's own agency; a basis for
			// another agency's person is not looked up here, only used
			// when the caller passes it.
			d := access.Decide(actor, access.PersonRead, access.Target{AgencyID: r.agencyID, Bases: bases[r.id], Now: db.now()})
			if !d.Allow {
				continue
			}
			p, err := db.openPerson(ctx, r, d)
			if err != nil {
				return nil, err
			}
			names[r.id] = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
		}
	}
	var shown []string
	for _, in := range ins {
		for i := range in.Parties {
			if n, ok := names[in.Parties[i].PersonID]; ok {
				in.Parties[i].Name = n
			}
		}
	}
	for id := range names {
		shown = append(shown, id)
	}
	slices.Sort(shown)
	return shown, nil
}

// loadIncidents opens rows with their parties (and names, in the full view)
// inside t, and returns the ids of persons whose names were shown.
func (db *DB) loadIncidents(ctx context.Context, t *tx, actor haven.Actor, rows []*incidentRow, view incidentView) ([]*haven.Incident, []string, error) {
	if len(rows) == 0 {
		return []*haven.Incident{}, nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.in.ID
	}
	parties, err := loadParties(ctx, t, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*haven.Incident, len(rows))
	for i, r := range rows {
		if out[i], err = db.openIncident(ctx, r, parties[r.in.ID], view); err != nil {
			return nil, nil, err
		}
	}
	if view != viewFull {
		return out, nil, nil
	}
	shown, err := db.partyNames(ctx, t, actor, out)
	return out, shown, err
}

// ---- refusals ----

// notFoundIncident returns the one not-found answer, the same for a report
// that does not exist and one the caller may not know exists.
func notFoundIncident() error { return haven.Errorf(haven.ENOTFOUND, "incident not found") }

// refuseIncident records a refusal of action on one report and answers it.
// To a caller who may not read the report it looks exactly like a report
// that does not exist; a caller who may read it (an officer asking to
// approve) is told why instead, since its existence is no secret to them.
func (db *DB) refuseIncident(ctx context.Context, action access.Action, id string, r *incidentRow, reason string) error {
	agencyID, readable := "", false
	if r != nil {
		agencyID = r.in.AgencyID
		if action != access.IncidentRead {
			readable = access.Decide(haven.ActorFromContext(ctx), access.IncidentRead,
				access.Target{AgencyID: r.in.AgencyID, UserID: r.in.CreatedBy, Now: db.now()}).Allow
		}
	}
	e := auditEntry(ctx, string(action), audit.Denied, "incident", id, agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	if readable {
		return haven.Errorf(haven.EFORBIDDEN, "%s", reason)
	}
	return notFoundIncident()
}

// refuseList records a refused create, search or import (no one record)
// and answers forbidden, as for persons.
func (db *DB) refuseList(ctx context.Context, action, agencyID, reason string) error {
	e := auditEntry(ctx, action, audit.Denied, "incident", "", agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	return haven.Errorf(haven.EFORBIDDEN, "%s", reason)
}

// ---- create, read, update ----

// CreateIncident stores a new draft report for the actor's agency (a system
// process names the agency in in.AgencyID) with the next number of the
// agency's series for the year it was reported, and the protocol's steps,
// all open. The caller's ID, Number, Status and workflow fields are
// replaced; parties must be persons of the same agency.
func (db *DB) CreateIncident(ctx context.Context, in *haven.Incident) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if in == nil {
		return haven.Errorf(haven.EBADREQUEST, "no report given")
	}
	if actor.System == "" {
		in.AgencyID = actor.AgencyID
	} else if in.AgencyID == "" {
		return incidentInvalid("agency_id", "a system process must name the agency that owns the report")
	}
	d := access.Decide(actor, access.IncidentCreate, access.Target{AgencyID: in.AgencyID, Now: db.now()})
	if !d.Allow {
		return db.refuseList(ctx, string(access.IncidentCreate), in.AgencyID, d.Reason)
	}
	now := utcMicro(db.now())
	if err := validateIncident(in, now); err != nil {
		return err
	}
	in.ID, in.Status, in.Version, in.CreatedBy = newID(), haven.StatusDraft, 1, actorLabel(actor)
	in.CreatedAt, in.UpdatedAt, in.SubmittedAt, in.ReviewComment = now, now, nil, ""
	sealed, keyID, err := db.sealIncident(ctx, in)
	if err != nil {
		return haven.Internal(err)
	}
	facts, err := json.Marshal(factsOf(in))
	if err != nil {
		return haven.Internal(err)
	}
	err = db.inTx(ctx, true, func(t *tx) error {
		ag, err := loadNumberAgency(ctx, t, in.AgencyID)
		if err != nil {
			return err
		}
		if err := checkPartyPersons(ctx, t, in.AgencyID, []*haven.Incident{in}, func(int) string { return "" }); err != nil {
			return err
		}
		year := ag.numberYear(in.ReportedAt)
		n, err := reserveNumbers(ctx, t, in.AgencyID, year, 1)
		if err != nil {
			return err
		}
		in.Number = ag.format(year, n)
		if err := insertIncidents(ctx, t, []incidentInsert{{in: in, facts: string(facts), sealed: sealed, keyID: keyID, loc: ag.loc}}); err != nil {
			return err
		}
		if err := insertParties(ctx, t, []*haven.Incident{in}); err != nil {
			return err
		}
		args := make([]any, 0, 4*len(haven.ProtocolSteps))
		for i, s := range haven.ProtocolSteps {
			args = append(args, newID(), in.ID, i, s.Key)
		}
		if _, err := t.exec(ctx, `INSERT INTO incident_protocol (id, incident_id, seq, step, state) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, 'open'), ", len(haven.ProtocolSteps)), ", "), args...); err != nil {
			return err
		}
		if err := insertChanges(ctx, t, []changeInsert{{incidentID: in.ID, at: now, by: in.CreatedBy, action: "created"}}); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.IncidentCreate), audit.Allowed, "incident", in.ID, in.AgencyID, basisLabel(d),
			map[string]string{"number": in.Number}))
	})
	if err != nil {
		in.ID, in.Number = "", ""
		return err
	}
	return nil
}

// incidentInsert is one row for insertIncidents.
type incidentInsert struct {
	in     *haven.Incident
	facts  string
	sealed []byte
	keyID  string
	loc    *time.Location // the agency's time zone, for the analytics columns
}

// incidentInsertChunk bounds the rows of one multi-row INSERT, so that an import
// batch of 500 is one statement per table: 29 columns × 500 rows is 14,500
// parameters, below both SQLite's (32,766) and PostgreSQL's (65,535) limits.
const incidentInsertChunk = 500

// insertIncidents writes incident rows.
//
// On SQLite a batch of several rows runs one prepared single-row INSERT
// per row. A multi-row INSERT into a table with unique indexes makes SQLite
// keep a statement journal (so that a failing row undoes its whole
// statement), copying every page the statement touches: a quarter of the
// CPU of a 100k-row import (docs/BENCHMARKS.md). A single-row INSERT checks
// its constraints before it writes, needs no statement journal, and the
// statement is compiled once; the transaction still makes the batch all or
// nothing. On PostgreSQL, where each statement is a round trip, rows go in
// one INSERT … SELECT FROM unnest per chunk of pgIncidentChunk rows, with an
// array per column (incident_pgbulk.go). It stores the same values as
// multi-row INSERTs of 29 parameters a row (insertIncidentsValues), whose
// 2.9 million parameters per 100k rows cost pgx about 0.7 s of CPU: 100k
// rows alone went in 2.7 s instead of 3.2 s. In a transaction begun with
// inRawTx (imports), several rows go in with COPY instead (1.8 s).
func insertIncidents(ctx context.Context, t *tx, rows []incidentInsert) error {
	if t.d.name == "postgres" {
		if t.raw != nil && len(rows) > 1 {
			return copyIncidentsPG(ctx, t, rows)
		}
		return insertIncidentsPG(ctx, t, rows, pgIncidentChunk)
	}
	return insertIncidentsValues(ctx, t, rows)
}

// insertIncidentsValues writes incident rows with multi-row INSERTs (one
// row each on SQLite; see insertIncidents). On PostgreSQL only tests use
// it, as the reference insertIncidentsPG must store the same rows as.
func insertIncidentsValues(ctx context.Context, t *tx, rows []incidentInsert) error {
	const cols = `id, agency_id, number, status, reported_at, occurred_at, event_at, latitude, longitude, beat, district,
		location_type, domestic, source, source_id, source_key, facts, sealed, key_id, version, created_by, created_at, updated_at, submitted_at,
		offense, arrested, event_day, event_hour, event_dow`
	const one = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	query := func(n int) string {
		return `INSERT INTO incidents (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
	}
	chunkSize := incidentInsertChunk
	if t.d.name == "sqlite" {
		chunkSize = 1
	}
	var full *sql.Stmt
	if len(rows) >= 2*chunkSize {
		st, err := t.PrepareContext(ctx, t.d.rebind(query(chunkSize)))
		if err != nil {
			return err
		}
		defer st.Close()
		full = st
	}
	args := make([]any, 0, min(len(rows), chunkSize)*29)
	for start := 0; start < len(rows); start += chunkSize {
		chunk := rows[start:min(start+chunkSize, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			in := r.in
			event := incidentEventAt(in)
			var lat, lon any
			if in.Location.Latitude != nil {
				lat, lon = *in.Location.Latitude, *in.Location.Longitude
			}
			args = append(args, in.ID, in.AgencyID, in.Number, string(in.Status), in.ReportedAt, in.OccurredAt, event, lat, lon,
				in.Location.Beat, in.Location.District, in.Location.LocationType, in.Domestic, in.Source, in.SourceID,
				incidentSourceKey(in.Source, in.SourceID), r.facts, r.sealed, r.keyID, in.Version, in.CreatedBy, in.CreatedAt,
				in.UpdatedAt, in.SubmittedAt)
			a := analyticsOf(in, r.loc)
			args = append(args, a.offense, a.arrested, a.day, a.hour, a.dow)
		}
		var err error
		if full != nil && len(chunk) == chunkSize {
			_, err = full.ExecContext(ctx, t.d.args(args)...)
		} else {
			_, err = t.exec(ctx, query(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertParties writes the parties of the given incidents.
func insertParties(ctx context.Context, t *tx, ins []*haven.Incident) error {
	var args []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := `INSERT INTO incident_parties (incident_id, seq, person_id, role, relationship, suspect_person_id) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")
		_, err := t.exec(ctx, q, args...)
		args, n = args[:0], 0
		return err
	}
	for _, in := range ins {
		for i, p := range in.Parties {
			args = append(args, in.ID, i, p.PersonID, string(p.Role), p.RelationshipToSuspect, p.SuspectPersonID)
			if n++; n == incidentInsertChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// changeInsert is one history entry.
type changeInsert struct {
	incidentID string
	at         time.Time
	by         string
	action     string
	fields     []string
	comment    []byte // sealed, or nil
	commentKey string
	id         string // set when the comment was sealed for it
}

// insertChanges writes history entries with multi-row INSERTs.
func insertChanges(ctx context.Context, t *tx, cs []changeInsert) error {
	for start := 0; start < len(cs); start += incidentInsertChunk {
		chunk := cs[start:min(start+incidentInsertChunk, len(cs))]
		args := make([]any, 0, len(chunk)*8)
		for _, c := range chunk {
			id := c.id
			if id == "" {
				id = newID()
			}
			fields := "[]"
			if len(c.fields) > 0 {
				b, err := json.Marshal(c.fields)
				if err != nil {
					return err
				}
				fields = string(b)
			}
			var key any
			if c.comment != nil {
				key = c.commentKey
			}
			args = append(args, id, c.incidentID, c.at, c.by, c.action, fields, c.comment, key)
		}
		q := `INSERT INTO incident_changes (id, incident_id, at, changed_by, action, fields, comment, key_id) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// Incident returns one report for a caller of its agency who works with
// reports, or, in the consent view, for staff of another agency named in
// a party's consent covering the "incident" scope (consent_access.go). A
// refusal and a missing report give the same "not found"; both are
// audited. The read is in the audit log before the data is released;
// party names the caller may see are part of that one entry (listed as
// names_shown), not audited one by one.
func (db *DB) Incident(ctx context.Context, id string) (*haven.Incident, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	r, err := loadIncidentRow(ctx, db.readRow, db.dialect, id, false)
	if err != nil {
		return nil, dbErr(err)
	}
	if r == nil {
		return nil, db.refuseIncident(ctx, access.IncidentRead, id, nil, "no such record")
	}
	grants, err := db.incidentGrants(ctx, actor, r)
	if err != nil {
		return nil, err
	}
	d := access.Decide(actor, access.IncidentRead, access.Target{AgencyID: r.in.AgencyID, UserID: r.in.CreatedBy,
		Bases: grantBases(grants), Now: db.now()})
	if !d.Allow {
		return nil, db.refuseIncident(ctx, access.IncidentRead, id, r, d.Reason)
	}
	if d.Basis.Kind == access.BasisConsent {
		return db.consentIncidentRead(ctx, actor, r, d, grants)
	}
	var out []*haven.Incident
	var shown []string
	if err := db.inTx(ctx, false, func(t *tx) (err error) {
		out, shown, err = db.loadIncidents(ctx, t, actor, []*incidentRow{r}, viewOf(d))
		return err
	}); err != nil {
		return nil, err
	}
	e := auditEntry(ctx, string(access.IncidentRead), audit.Allowed, "incident", id, r.in.AgencyID, basisLabel(d), nil)
	if len(shown) > 0 {
		e.Details = map[string]string{"names_shown": strings.Join(shown, ",")}
	}
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	return out[0], nil
}

// incidentEditable says whether a report in status s may be edited in place.
func incidentEditable(s haven.IncidentStatus) bool {
	return s == haven.StatusDraft || s == haven.StatusReturned
}

// withIncident runs fn on one report in a write transaction, after the
// policy allowed action on it; the row is locked on PostgreSQL. A refusal is
// answered by refuseIncident once the transaction has ended.
func (db *DB) withIncident(ctx context.Context, id string, action access.Action, fn func(t *tx, r *incidentRow, d access.Decision) error) error {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	var refused bool
	var refusedRow *incidentRow
	var reason string
	err := db.inTx(ctx, true, func(t *tx) error {
		r, err := loadIncidentRow(ctx, t.queryRow, t.d, id, true)
		if err != nil {
			return err
		}
		if r == nil {
			refused, reason = true, "no such record"
			return nil
		}
		d := access.Decide(actor, action, access.Target{AgencyID: r.in.AgencyID, UserID: r.in.CreatedBy, Now: db.now()})
		if !d.Allow {
			refused, refusedRow, reason = true, r, d.Reason
			return nil
		}
		return fn(t, r, d)
	})
	if err != nil {
		return err
	}
	if refused {
		return db.refuseIncident(ctx, action, id, refusedRow, reason)
	}
	return nil
}

func incidentConflict(format string, args ...any) error {
	return haven.Errorf(haven.ECONFLICT, format, args...)
}

// UpdateIncident replaces the editable fields of a draft or returned report
// with those of in, if version is the stored version. Submitted, approved
// and closed reports are not edited: they take supplements. The history
// and the audit entry name the fields changed, never their values.
func (db *DB) UpdateIncident(ctx context.Context, id string, in *haven.Incident, version int) (*haven.Incident, error) {
	actor := haven.ActorFromContext(ctx)
	if in == nil {
		return nil, haven.Errorf(haven.EBADREQUEST, "no report given")
	}
	var out *haven.Incident
	err := db.withIncident(ctx, id, access.IncidentUpdate, func(t *tx, r *incidentRow, d access.Decision) error {
		if !incidentEditable(r.in.Status) {
			return incidentConflict("the report is %s: submitted reports take supplements, not edits", r.in.Status)
		}
		if version != r.in.Version {
			return haven.FieldErrorf(haven.ECONFLICT, "version", "the report was changed by someone else (version %d, you sent %d); reload it and try again", r.in.Version, version)
		}
		parties, err := loadParties(ctx, t, []string{id})
		if err != nil {
			return err
		}
		old, err := db.openIncident(ctx, r, parties[id], viewFull)
		if err != nil {
			return err
		}
		now := utcMicro(db.now())
		next := *in
		if next.ReportedAt.IsZero() {
			next.ReportedAt = old.ReportedAt
		}
		// Imported records keep their source; the rest is the caller's.
		next.Source, next.SourceID = old.Source, old.SourceID
		if err := validateIncident(&next, now); err != nil {
			return err
		}
		if err := checkPartyPersons(ctx, t, old.AgencyID, []*haven.Incident{&next}, func(int) string { return "" }); err != nil {
			return err
		}
		next.ID, next.AgencyID, next.Number, next.Status = old.ID, old.AgencyID, old.Number, old.Status
		next.CreatedBy, next.CreatedAt, next.SubmittedAt, next.ReviewComment = old.CreatedBy, old.CreatedAt, old.SubmittedAt, old.ReviewComment
		next.Version, next.UpdatedAt = old.Version+1, now
		changed := changedFields(old, &next)
		sealed, keyID, err := db.sealIncident(ctx, &next)
		if err != nil {
			return err
		}
		facts, err := json.Marshal(factsOf(&next))
		if err != nil {
			return err
		}
		event := next.ReportedAt
		if next.OccurredAt != nil {
			event = *next.OccurredAt
		}
		var lat, lon any
		if next.Location.Latitude != nil {
			lat, lon = *next.Location.Latitude, *next.Location.Longitude
		}
		ag, err := loadNumberAgency(ctx, t, old.AgencyID)
		if err != nil {
			return err
		}
		a := analyticsOf(&next, ag.loc)
		res, err := t.exec(ctx, `UPDATE incidents SET reported_at = ?, occurred_at = ?, event_at = ?, latitude = ?, longitude = ?,
			beat = ?, district = ?, location_type = ?, domestic = ?, facts = ?, sealed = ?, key_id = ?, version = ?, updated_at = ?,
			offense = ?, arrested = ?, event_day = ?, event_hour = ?, event_dow = ?
			WHERE id = ? AND version = ?`,
			next.ReportedAt, next.OccurredAt, event, lat, lon, next.Location.Beat, next.Location.District, next.Location.LocationType,
			next.Domestic, string(facts), sealed, keyID, next.Version, now, a.offense, a.arrested, a.day, a.hour, a.dow, id, old.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return haven.FieldErrorf(haven.ECONFLICT, "version", "the report was changed by someone else; reload it and try again")
		}
		if _, err := t.exec(ctx, `DELETE FROM incident_parties WHERE incident_id = ?`, id); err != nil {
			return err
		}
		if err := insertParties(ctx, t, []*haven.Incident{&next}); err != nil {
			return err
		}
		if err := insertChanges(ctx, t, []changeInsert{{incidentID: id, at: now, by: actorLabel(actor), action: "updated", fields: changed}}); err != nil {
			return err
		}
		shown, err := db.partyNames(ctx, t, actor, []*haven.Incident{&next})
		if err != nil {
			return err
		}
		details := map[string]string{"fields": strings.Join(changed, ",")}
		if len(shown) > 0 {
			details["names_shown"] = strings.Join(shown, ",")
		}
		normalizeIncidentLists(&next)
		out = &next
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.IncidentUpdate), audit.Allowed, "incident", id, old.AgencyID, basisLabel(d), details))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// changedFields names the editable fields that differ between two reports.
func changedFields(a, b *haven.Incident) []string {
	strip := func(ps []haven.Party) []haven.Party {
		out := make([]haven.Party, len(ps))
		for i, p := range ps {
			p.Name = ""
			out[i] = p
		}
		return out
	}
	pairs := []struct {
		name string
		x, y any
	}{
		{"reported_at", a.ReportedAt, b.ReportedAt},
		{"occurred_at", a.OccurredAt, b.OccurredAt},
		{"location.address", a.Location.Address, b.Location.Address},
		{"location.coordinates", [2]*float64{a.Location.Latitude, a.Location.Longitude}, [2]*float64{b.Location.Latitude, b.Location.Longitude}},
		{"location.beat", a.Location.Beat, b.Location.Beat},
		{"location.district", a.Location.District, b.Location.District},
		{"location.location_type", a.Location.LocationType, b.Location.LocationType},
		{"domestic", a.Domestic, b.Domestic},
		{"source_codes", a.SourceCodes, b.SourceCodes},
		{"parties", strip(a.Parties), strip(b.Parties)},
		{"offenses", a.Offenses, b.Offenses},
		{"injuries", a.Injuries, b.Injuries},
		{"arrests", a.Arrests, b.Arrests},
		{"statements", a.Statements, b.Statements},
		{"strangulation", a.Strangulation, b.Strangulation},
		{"weapons", a.Weapons, b.Weapons},
		{"firearms_present", a.FirearmsPresent, b.FirearmsPresent},
		{"substance_use", a.SubstanceUse, b.SubstanceUse},
		{"children_present", a.ChildrenPresent, b.ChildrenPresent},
		{"children_witnessed", a.ChildrenWitnessed, b.ChildrenWitnessed},
		{"prior_incidents_known", a.PriorIncidentsKnown, b.PriorIncidentsKnown},
		{"narrative", a.Narrative, b.Narrative},
	}
	var out []string
	for _, p := range pairs {
		x, _ := json.Marshal(p.x)
		y, _ := json.Marshal(p.y)
		if string(x) != string(y) {
			out = append(out, p.name)
		}
	}
	return out
}

// ---- lists ----

// maxIncidentPage bounds one page of FindIncidents.
const maxIncidentPage = 1000

// FindIncidents lists the actor's agency's reports matching f, newest
// first (by when they occurred, or were reported when that is unknown).
// Officers and supervisors get the full reports; analysts get the
// aggregate view (no sealed text, no names or person ids, coordinates to
// about 100 m) and may not filter by person. One audit entry records the
// search: the kinds of filter used and, for full views, the reports shown.
func (db *DB) FindIncidents(ctx context.Context, f haven.IncidentFilter) ([]*haven.Incident, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if actor.AgencyID == "" {
		return nil, incidentInvalid("agency_id", "a system process must act for an agency to list its reports")
	}
	target := access.Target{AgencyID: actor.AgencyID, Now: db.now()}
	action := "incident.search"
	d := access.Decide(actor, access.IncidentRead, target)
	if !d.Allow {
		if e := access.Decide(actor, access.IncidentExport, target); e.Allow {
			d, action = e, string(access.IncidentExport)
		}
	} else if f.Export {
		action = string(access.IncidentExport)
	}
	if !d.Allow {
		return nil, db.refuseList(ctx, action, actor.AgencyID, d.Reason)
	}
	view := viewOf(d)
	if f.Status != "" && !incidentStatuses[f.Status] {
		return nil, incidentInvalid("status", "status must be draft, submitted, returned, approved or closed")
	}
	if view == viewAggregate && f.PersonID != "" {
		return nil, haven.FieldErrorf(haven.EFORBIDDEN, "person_id", "the aggregate view cannot be filtered by person")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > maxIncidentPage {
		f.Limit = maxIncidentPage
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	q := `SELECT ` + incidentCols + ` FROM incidents WHERE agency_id = ?`
	args := []any{actor.AgencyID}
	var used []string
	add := func(name, cond string, v any) {
		q += ` AND ` + cond
		args = append(args, v)
		used = append(used, name)
	}
	if f.Status != "" {
		add("status", `status = ?`, string(f.Status))
	}
	if f.Domestic != nil {
		add("domestic", `domestic = ?`, *f.Domestic)
	}
	if !f.From.IsZero() {
		add("from", `event_at >= ?`, f.From.UTC())
	}
	if !f.To.IsZero() {
		add("to", `event_at < ?`, f.To.UTC())
	}
	if f.District != "" {
		add("district", `district = ?`, f.District)
	}
	if f.Officer != "" {
		add("officer", `created_by = ?`, f.Officer)
	}
	if f.PersonID != "" {
		add("person", `id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)`, f.PersonID)
	}
	q += fmt.Sprintf(` ORDER BY event_at DESC, id DESC LIMIT %d OFFSET %d`, f.Limit, f.Offset)
	var out []*haven.Incident
	var shown []string
	err := db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanIncident, q, args...)
		if err != nil {
			return err
		}
		out, shown, err = db.loadIncidents(ctx, t, actor, rows, view)
		return err
	})
	if err != nil {
		return nil, err
	}
	details := map[string]string{"filters": strings.Join(used, "+"), "results": fmt.Sprint(len(out))}
	if view == viewFull {
		ids := make([]string, len(out))
		for i, in := range out {
			ids[i] = in.ID
		}
		details["shown"] = strings.Join(ids, ",")
		if len(shown) > 0 {
			details["names_shown"] = strings.Join(shown, ",")
		}
	} else {
		details["view"] = "aggregate"
	}
	if err := db.auditNow(ctx, auditEntry(ctx, action, audit.Allowed, "incident", "", actor.AgencyID, basisLabel(d), details)); err != nil {
		return nil, err
	}
	return out, nil
}

// maxPrior bounds PriorIncidents.
const maxPrior = 50

// PriorIncidents lists the actor's agency's reports in which personID is a
// party (and, when otherPersonID is given, so is that person), newest
// first, at most 50. Leaving out the report being written is the caller's
// job. Audited as one entry naming the persons asked about and the reports
// shown.
func (db *DB) PriorIncidents(ctx context.Context, personID, otherPersonID string) ([]*haven.Incident, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	personID, otherPersonID = strings.TrimSpace(personID), strings.TrimSpace(otherPersonID)
	if personID == "" {
		return nil, incidentInvalid("person_id", "person_id is required")
	}
	d := access.Decide(actor, access.IncidentRead, access.Target{AgencyID: actor.AgencyID, Now: db.now()})
	if !d.Allow || actor.AgencyID == "" {
		reason := d.Reason
		if d.Allow {
			reason = "a system process must act for an agency"
		}
		return nil, db.refuseList(ctx, "incident.prior", actor.AgencyID, reason)
	}
	q := `SELECT ` + incidentCols + ` FROM incidents WHERE agency_id = ? AND id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)`
	args := []any{actor.AgencyID, personID}
	if otherPersonID != "" {
		q += ` AND id IN (SELECT incident_id FROM incident_parties WHERE person_id = ?)`
		args = append(args, otherPersonID)
	}
	q += fmt.Sprintf(` ORDER BY event_at DESC, id DESC LIMIT %d`, maxPrior)
	var out []*haven.Incident
	var shown []string
	err := db.inTx(ctx, false, func(t *tx) error {
		rows, err := queryAll(ctx, t, scanIncident, q, args...)
		if err != nil {
			return err
		}
		out, shown, err = db.loadIncidents(ctx, t, actor, rows, viewOf(d))
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, in := range out {
		ids[i] = in.ID
	}
	details := map[string]string{"person_id": personID, "results": fmt.Sprint(len(out)), "shown": strings.Join(ids, ",")}
	if otherPersonID != "" {
		details["other_person_id"] = otherPersonID
	}
	if len(shown) > 0 {
		details["names_shown"] = strings.Join(shown, ",")
	}
	if err := db.auditNow(ctx, auditEntry(ctx, "incident.prior", audit.Allowed, "incident", "", actor.AgencyID, basisLabel(d), details)); err != nil {
		return nil, err
	}
	return out, nil
}
