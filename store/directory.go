package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/hsds"
)

// The resource directory (issue 7, docs/HSDS.md). Each HSDS object is one
// row of directory_records (kind, id, owning agency, its JSON); beside each
// location, directory_locations keeps whether it is confidential and the
// area label shown in its place. Every Document this file hands out goes
// through redactDirectory unless the owning agency asked for its own
// directory in full (ExportDirectory with includeConfidential): the rule
// lives here, in one place, so that no output path can forget it.

// Terms of the haven-dv taxonomy whose services' locations are
// confidential by default.
var confidentialTerms = map[string]bool{
	"1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e": true, // emergency_shelter
	"7b6ba9f1-dd28-497c-8f44-31feced2ce8b": true, // transitional_housing
}

// sharedKinds are the tables whose records several agencies may import
// alike (a taxonomy such as haven-dv): an identical record owned by another
// agency is left as it is rather than refused.
var sharedKinds = map[string]bool{"taxonomy": true, "taxonomy_term": true}

// DirectoryImportOptions are what an import says beyond the HSDS data.
type DirectoryImportOptions struct {
	// Confidential marks these locations (ids) confidential, whatever
	// their services. A location of an emergency-shelter or
	// transitional-housing service is confidential anyway; an import
	// cannot make it public.
	Confidential []string
	// AreaLabels gives a location's area label (id → label), shown in
	// place of a confidential location's name. Without one the label is
	// kept from before, or taken from its address (city, else region).
	AreaLabels map[string]string
	// Replace makes the agency's directory what the data says: a service
	// of the agency's that the data no longer has is retired (its status
	// becomes defunct: referrals name it, so it is kept, and the finder and
	// the service search stop listing it; a later import of it brings it
	// back as the data says), and a detail record (replaceRemoved: a
	// service at a location, phone, schedule, address, …) it no longer has
	// is deleted. Organizations, programs and locations are kept: services
	// and shelter histories point at them, and without their links they
	// show nowhere. Shared taxonomies and terms are never touched.
	Replace bool
}

// replaceRemoved are the kinds a Replace import deletes when the data no
// longer has them: details that only hang off other records.
var replaceRemoved = map[string]bool{
	"attribute": true, "service_at_location": true, "phone": true, "contact": true, "address": true,
	"schedule": true, "funding": true, "service_area": true, "required_document": true, "language": true,
	"accessibility": true, "metadata": true, "meta_table_description": true, "cost_option": true,
	"organization_identifier": true,
}

// DirectoryCounts is what an import did.
type DirectoryCounts struct {
	Created      int            `json:"created"`
	Updated      int            `json:"updated"`
	Unchanged    int            `json:"unchanged"`
	Confidential int            `json:"confidential_locations"` // of the agency, after the import
	Reclassified int            `json:"reclassified_locations"` // locations whose confidentiality or area label changed
	ByKind       map[string]int `json:"by_kind"`                // records created or updated, per table
	Retired      int            `json:"retired"`                // services marked defunct (Replace)
	Removed      int            `json:"removed"`                // detail records deleted (Replace)
}

// Changed reports whether the import changed anything.
func (c DirectoryCounts) Changed() bool {
	return c.Created+c.Updated+c.Reclassified+c.Retired+c.Removed > 0
}

// docTable is one table of a Document, found by reflection over its
// fields: the resource name is the field's JSON name.
type docTable struct {
	kind  string
	field int
}

var docTables = func() []docTable {
	var out []docTable
	t := reflect.TypeOf(hsds.Document{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Slice || f.Tag.Get("json") == "-" {
			continue
		}
		out = append(out, docTable{kind: strings.Split(f.Tag.Get("json"), ",")[0], field: i})
	}
	return out
}()

var docKinds = func() map[string]int {
	m := map[string]int{}
	for _, t := range docTables {
		m[t.kind] = t.field
	}
	return m
}()

// ImportDirectory upserts doc's records for the agency, by id, in one
// transaction; see ImportDirectoryOptions.
func (db *DB) ImportDirectory(ctx context.Context, agencyID string, doc *hsds.Document) (DirectoryCounts, error) {
	return db.ImportDirectoryOptions(ctx, agencyID, doc, DirectoryImportOptions{})
}

// ImportDirectoryOptions upserts doc's records for the agency, by id, in
// one transaction. A record identical to the stored one is left alone (a
// second import of the same data changes nothing); an id another agency
// owns is refused (an identical taxonomy or term is shared). Records not
// in doc are kept, unless opts.Replace says otherwise. Afterwards every
// location of the agency is classified confidential or not, and the import
// is audited (directory.import).
func (db *DB) ImportDirectoryOptions(ctx context.Context, agencyID string, doc *hsds.Document, opts DirectoryImportOptions) (DirectoryCounts, error) {
	counts := DirectoryCounts{ByKind: map[string]int{}}
	if doc == nil {
		return counts, haven.Errorf(haven.EINVALID, "no directory data")
	}
	for _, l := range doc.Locations {
		// A redacted export imported back would overwrite the real
		// location with its public stand-in.
		if strings.HasSuffix(l.Name, ConfidentialSuffix) {
			return counts, haven.FieldErrorf(haven.EINVALID, "location.name",
				"location %s is a redacted confidential location (from an export without --include-confidential): import the full export instead", l.ID)
		}
	}
	actor := haven.ActorFromContext(ctx)
	d := access.Decide(actor, access.DirectoryImport, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return counts, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	now := db.now()
	err := db.inTx(ctx, true, func(t *tx) error {
		var exists int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE id = ?`, agencyID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return haven.FieldErrorf(haven.ENOTFOUND, "agency", "no such agency")
		}
		dv := reflect.ValueOf(doc).Elem()
		for _, tb := range docTables {
			rows := dv.Field(tb.field)
			for i := 0; i < rows.Len(); i++ {
				rec := rows.Index(i)
				id := rec.FieldByName("ID").String()
				data, err := json.Marshal(rec.Interface())
				if err != nil {
					return haven.Internal(err)
				}
				var owner, stored string
				err = t.queryRow(ctx, `SELECT agency_id, data FROM directory_records WHERE kind = ? AND id = ?`, tb.kind, id).Scan(&owner, &stored)
				switch {
				case err == sql.ErrNoRows:
					if _, err := t.exec(ctx, `INSERT INTO directory_records (kind, id, agency_id, data, modified_at) VALUES (?, ?, ?, ?, ?)`,
						tb.kind, id, agencyID, string(data), now); err != nil {
						return err
					}
					counts.Created++
					counts.ByKind[tb.kind]++
				case err != nil:
					return err
				case owner != agencyID:
					if sharedKinds[tb.kind] && stored == string(data) {
						counts.Unchanged++
						continue
					}
					return haven.FieldErrorf(haven.ECONFLICT, tb.kind+".id", "%s %s belongs to another agency's directory", tb.kind, id)
				case stored == string(data):
					counts.Unchanged++
				default:
					if _, err := t.exec(ctx, `UPDATE directory_records SET data = ?, modified_at = ? WHERE kind = ? AND id = ?`,
						string(data), now, tb.kind, id); err != nil {
						return err
					}
					counts.Updated++
					counts.ByKind[tb.kind]++
				}
			}
		}
		if opts.Replace {
			retired, removed, err := replaceMissing(ctx, t, agencyID, doc, now)
			if err != nil {
				return err
			}
			counts.Retired, counts.Removed = retired, removed
		}
		n, changed, err := classifyLocations(ctx, t, agencyID, opts)
		if err != nil {
			return err
		}
		counts.Confidential, counts.Reclassified = n, changed
		if !counts.Changed() {
			return nil // nothing to record: a repeated import leaves the log as it was
		}
		details := map[string]string{"created": fmt.Sprint(counts.Created), "updated": fmt.Sprint(counts.Updated),
			"unchanged": fmt.Sprint(counts.Unchanged), "confidential_locations": fmt.Sprint(n), "reclassified_locations": fmt.Sprint(changed)}
		if opts.Replace {
			details["replace"] = "true"
			details["retired"], details["removed"] = fmt.Sprint(counts.Retired), fmt.Sprint(counts.Removed)
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.DirectoryImport), audit.Allowed, "agency", agencyID, agencyID,
			basisLabel(d), details))
	})
	if err != nil {
		return DirectoryCounts{}, dbErr(err)
	}
	if counts.Changed() {
		db.directoryChanged()
		// The service search sees the import at once, not at its next rebuild.
		if err := db.RefreshShelterIndex(ctx); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// replaceMissing retires the agency's services that doc lacks and deletes
// its detail records (replaceRemoved) that doc lacks; see
// DirectoryImportOptions.Replace. It returns how many of each.
func replaceMissing(ctx context.Context, t *tx, agencyID string, doc *hsds.Document, now time.Time) (retired, removed int, err error) {
	inDoc := map[string]bool{} // kind + "/" + id
	dv := reflect.ValueOf(doc).Elem()
	for _, tb := range docTables {
		rows := dv.Field(tb.field)
		for i := 0; i < rows.Len(); i++ {
			inDoc[tb.kind+"/"+rows.Index(i).FieldByName("ID").String()] = true
		}
	}
	type stored struct{ kind, id, data string }
	all, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (stored, error) {
		var r stored
		return r, s.Scan(&r.kind, &r.id, &r.data)
	}, `SELECT kind, id, data FROM directory_records WHERE agency_id = ? ORDER BY kind, id`, agencyID)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range all {
		if inDoc[r.kind+"/"+r.id] {
			continue
		}
		switch {
		case r.kind == "service":
			var sv hsds.Service
			if err := json.Unmarshal([]byte(r.data), &sv); err != nil {
				return 0, 0, haven.Internal(fmt.Errorf("stored service %s: %w", r.id, err))
			}
			if sv.Status == hsds.StatusDefunct {
				continue
			}
			sv.Status = hsds.StatusDefunct
			data, err := json.Marshal(sv)
			if err != nil {
				return 0, 0, haven.Internal(err)
			}
			if _, err := t.exec(ctx, `UPDATE directory_records SET data = ?, modified_at = ? WHERE kind = ? AND id = ?`,
				string(data), now, r.kind, r.id); err != nil {
				return 0, 0, err
			}
			retired++
		case replaceRemoved[r.kind]:
			if _, err := t.exec(ctx, `DELETE FROM directory_records WHERE kind = ? AND id = ?`, r.kind, r.id); err != nil {
				return 0, 0, err
			}
			removed++
		}
	}
	return retired, removed, nil
}

// shelterLocationIDs are the ids of doc's locations that its tags make a
// shelter's: a service at the location, or the location itself, carries a
// confidential term (emergency_shelter, transitional_housing).
func shelterLocationIDs(doc *hsds.Document) map[string]bool {
	shelterServices := map[string]bool{}
	out := map[string]bool{}
	for _, a := range doc.Attributes {
		if confidentialTerms[a.TaxonomyTermID] {
			shelterServices[a.LinkID] = true
			out[a.LinkID] = true // a location tagged itself
		}
	}
	for _, sal := range doc.ServiceAtLocations {
		if shelterServices[sal.ServiceID] {
			out[sal.LocationID] = true
		}
	}
	return out
}

// PublishLocation makes a confidential location of the agency public
// again, with a reason, audited (directory.publish_location). It is the
// one way back, since no import ever makes a location public: for a
// location marked by mistake, or one that no longer houses a shelter. It
// is refused while the directory's tags still make it a shelter's (a
// shelter service at it, or its own shelter tag): drop the tag first, in
// the agency's data. The agency's administrator or a system process may,
// as for an import. A location already public is left as it is.
func (db *DB) PublishLocation(ctx context.Context, agencyID, locationID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return haven.FieldErrorf(haven.EINVALID, "reason", "say why this location may be public (1–500 characters): the audit log keeps it")
	}
	actor := haven.ActorFromContext(ctx)
	d := access.Decide(actor, access.DirectoryImport, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	changed := false
	err := db.inTx(ctx, true, func(t *tx) error {
		var conf bool
		err := t.queryRow(ctx, `SELECT confidential FROM directory_locations WHERE id = ? AND agency_id = ?`, locationID, agencyID).Scan(&conf)
		if err == sql.ErrNoRows {
			return haven.FieldErrorf(haven.ENOTFOUND, "location", "the agency's directory has no location %q", locationID)
		} else if err != nil {
			return err
		}
		if !conf {
			return nil
		}
		doc, _, err := loadDirectory(ctx, t, agencyID)
		if err != nil {
			return err
		}
		if shelterLocationIDs(doc)[locationID] {
			return haven.FieldErrorf(haven.EINVALID, "location",
				"location %s is a shelter's by the directory's own tags (an emergency_shelter or transitional_housing term on it or on a service at it): it stays confidential; remove the tag in the agency's data and import it first", locationID)
		}
		if _, err := t.exec(ctx, `UPDATE directory_locations SET confidential = ?, marked = ? WHERE id = ?`, false, false, locationID); err != nil {
			return err
		}
		changed = true
		return db.appendAudit(ctx, t, auditEntry(ctx, "directory.publish_location", audit.Allowed, "location", locationID, agencyID,
			basisLabel(d), map[string]string{"reason": reason}))
	})
	if err != nil {
		return dbErr(err)
	}
	if changed {
		db.directoryChanged()
		return db.RefreshShelterIndex(ctx)
	}
	return nil
}

// classifyLocations decides, for every location of the agency, whether it
// is confidential and its area label; it reports how many are confidential
// and how many rows changed.
func classifyLocations(ctx context.Context, t *tx, agencyID string, opts DirectoryImportOptions) (int, int, error) {
	doc, _, err := loadDirectory(ctx, t, agencyID)
	if err != nil {
		return 0, 0, err
	}
	shelterLocations := shelterLocationIDs(doc)
	marked := map[string]bool{}
	for _, id := range opts.Confidential {
		marked[id] = true
	}
	area := map[string]string{}
	for _, ad := range doc.Addresses {
		if _, ok := area[ad.LocationID]; ok && ad.AddressType != "physical" {
			continue
		}
		switch {
		case ad.City != "":
			area[ad.LocationID] = ad.City
		case ad.Region != "":
			area[ad.LocationID] = ad.Region
		}
	}
	type locRow struct {
		conf, marked bool
		label        string
	}
	stored := map[string]locRow{}
	rows, err := t.query(ctx, `SELECT id, confidential, marked, area_label FROM directory_locations WHERE agency_id = ?`, agencyID)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var id string
		var r locRow
		if err := rows.Scan(&id, &r.conf, &r.marked, &r.label); err != nil {
			rows.Close()
			return 0, 0, err
		}
		stored[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	n, changed := 0, 0
	for _, l := range doc.Locations {
		old, had := stored[l.ID]
		r := locRow{marked: old.marked || marked[l.ID], label: old.label}
		// Once confidential, always: a later import that no longer ties the
		// location to a shelter service (the service retired by a Replace
		// import, its tag or link dropped or changed) must not publish an
		// address that was kept secret.
		r.conf = old.conf || r.marked || shelterLocations[l.ID]
		if lbl := strings.TrimSpace(opts.AreaLabels[l.ID]); lbl != "" {
			r.label = lbl
		} else if r.label == "" {
			r.label = area[l.ID]
		}
		if r.label == "" {
			r.label = "Area not given"
		}
		if r.conf {
			n++
		}
		if had && r == old {
			continue
		}
		if had {
			changed++
			_, err = t.exec(ctx, `UPDATE directory_locations SET confidential = ?, marked = ?, area_label = ? WHERE id = ?`, r.conf, r.marked, r.label, l.ID)
		} else {
			_, err = t.exec(ctx, `INSERT INTO directory_locations (id, agency_id, confidential, marked, area_label) VALUES (?, ?, ?, ?, ?)`,
				l.ID, agencyID, r.conf, r.marked, r.label)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return n, changed, nil
}

// loadDirectory reads the stored records (of one agency, or of all when
// agencyID is "") into a Document, unredacted, in a stable order (by
// table, then id); modified holds each record's modified_at by kind/id.
func loadDirectory(ctx context.Context, t *tx, agencyID string) (*hsds.Document, map[string]time.Time, error) {
	q := `SELECT kind, id, data, modified_at FROM directory_records`
	var args []any
	if agencyID != "" {
		q += ` WHERE agency_id = ?`
		args = append(args, agencyID)
	}
	q += ` ORDER BY kind, id`
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	doc := &hsds.Document{}
	dv := reflect.ValueOf(doc).Elem()
	modified := map[string]time.Time{}
	for rows.Next() {
		var kind, id, data string
		var mod nullTime
		if err := rows.Scan(&kind, &id, &data, &mod); err != nil {
			return nil, nil, err
		}
		field, ok := docKinds[kind]
		if !ok {
			return nil, nil, haven.Internal(fmt.Errorf("directory record %s/%s: unknown kind", kind, id))
		}
		slice := dv.Field(field)
		rec := reflect.New(slice.Type().Elem())
		if err := json.Unmarshal([]byte(data), rec.Interface()); err != nil {
			return nil, nil, haven.Internal(fmt.Errorf("directory record %s/%s: %w", kind, id, err))
		}
		slice.Set(reflect.Append(slice, rec.Elem()))
		modified[kind+"/"+id] = mod.Time
	}
	return doc, modified, rows.Err()
}

// confidentialLocations reads the confidential locations (of one agency or
// all) with their area labels.
func confidentialLocations(ctx context.Context, t *tx, agencyID string) (map[string]string, error) {
	q := `SELECT id, area_label FROM directory_locations WHERE confidential = ?`
	args := []any{true}
	if agencyID != "" {
		q += ` AND agency_id = ?`
		args = append(args, agencyID)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, label string
		if err := rows.Scan(&id, &label); err != nil {
			return nil, err
		}
		out[id] = label
	}
	return out, rows.Err()
}

// ConfidentialSuffix follows the area label in a confidential location's
// name and description.
const ConfidentialSuffix = " (confidential location)"

// redactDirectory applies the confidentiality rule to doc in place: for
// every confidential location (id → area label) its coordinates,
// transportation, external identifiers, alternate name and URL go, its name
// and description become the area label and "(confidential location)", its
// address rows go, and so do the metadata rows about it or its addresses,
// its contacts, the free text of its accessibility rows and of the
// services at it, and the values of attributes on it or its addresses.
// Its phones (the intake line) stay.
func redactDirectory(doc *hsds.Document, conf map[string]string) {
	if len(conf) == 0 {
		return
	}
	hidden := map[string]bool{} // ids of the locations and their addresses
	for id := range conf {
		hidden[id] = true
	}
	for i := range doc.Locations {
		l := &doc.Locations[i]
		label, ok := conf[l.ID]
		if !ok {
			continue
		}
		l.Name = label + ConfidentialSuffix
		l.Description = label + ConfidentialSuffix
		l.AlternateName, l.URL, l.Transportation = "", "", ""
		l.Latitude, l.Longitude = nil, nil
		l.ExternalIdentifier, l.ExternalIdentifierType = "", ""
	}
	addresses := doc.Addresses[:0]
	for _, a := range doc.Addresses {
		if _, ok := conf[a.LocationID]; ok {
			hidden[a.ID] = true
			continue
		}
		addresses = append(addresses, a)
	}
	doc.Addresses = addresses
	metadata := doc.Metadata[:0]
	for _, m := range doc.Metadata {
		if !hidden[m.ResourceID] {
			metadata = append(metadata, m)
		}
	}
	doc.Metadata = metadata
	contacts := doc.Contacts[:0]
	for _, c := range doc.Contacts {
		if _, ok := conf[c.LocationID]; !ok {
			contacts = append(contacts, c)
		}
	}
	doc.Contacts = contacts
	for i := range doc.Accessibility {
		if _, ok := conf[doc.Accessibility[i].LocationID]; ok {
			doc.Accessibility[i].Details, doc.Accessibility[i].URL = "", ""
		}
	}
	for i := range doc.ServiceAtLocations {
		if _, ok := conf[doc.ServiceAtLocations[i].LocationID]; ok {
			doc.ServiceAtLocations[i].Description = ""
		}
	}
	for i := range doc.Attributes {
		if hidden[doc.Attributes[i].LinkID] {
			doc.Attributes[i].Value = ""
		}
	}
}

// PublicDirectory returns every agency's directory, redacted by the
// confidentiality rule: what the public HSDS API serves. modified holds
// each service's last change here (service id → time), for modified_after.
// No actor is needed and nothing is audited: it is public data.
//
// The result is shared between callers and must not be modified. It is
// built from the database at most every publicDirectoryMaxAge (so another
// process's import shows within that time) and at once after an import
// through this DB: the API then filters a snapshot in memory instead of
// reading and redacting the whole directory on every request.
func (db *DB) PublicDirectory(ctx context.Context) (doc *hsds.Document, modified map[string]time.Time, err error) {
	h := db.publicDirectoryHolder()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.doc != nil && time.Since(h.built) < publicDirectoryMaxAge && h.gen == db.directoryGen() {
		return h.doc, h.mod, nil
	}
	gen := db.directoryGen()
	err = db.inTx(ctx, false, func(t *tx) error {
		d, mod, err := loadDirectory(ctx, t, "")
		if err != nil {
			return err
		}
		conf, err := confidentialLocations(ctx, t, "")
		if err != nil {
			return err
		}
		redactDirectory(d, conf)
		modified = map[string]time.Time{}
		for _, s := range d.Services {
			modified[s.ID] = mod["service/"+s.ID]
		}
		doc = d
		return nil
	})
	if err != nil {
		return nil, nil, dbErr(err)
	}
	h.doc, h.mod, h.built, h.gen = doc, modified, time.Now(), gen
	return doc, modified, nil
}

// publicDirectoryMaxAge bounds how stale the cached public directory may be.
const publicDirectoryMaxAge = 5 * time.Second

type publicDirectoryCache struct {
	mu    sync.Mutex
	doc   *hsds.Document
	mod   map[string]time.Time
	built time.Time // wall clock, not Config.Now
	gen   uint64
}

var (
	publicDirectories sync.Map // *DB → *publicDirectoryCache
	directoryGens     sync.Map // *DB → *atomic.Uint64
)

func (db *DB) publicDirectoryHolder() *publicDirectoryCache {
	h, _ := publicDirectories.LoadOrStore(db, &publicDirectoryCache{})
	return h.(*publicDirectoryCache)
}

func (db *DB) directoryGenCounter() *atomic.Uint64 {
	c, _ := directoryGens.LoadOrStore(db, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

func (db *DB) directoryGen() uint64 { return db.directoryGenCounter().Load() }

// directoryChanged makes the next PublicDirectory read the database.
func (db *DB) directoryChanged() { db.directoryGenCounter().Add(1) }

// ExportDirectory reads one agency's directory for export: redacted,
// unless includeConfidential, which only the agency itself (its
// administrators, or a system process acting for it) may ask for. Audited
// (directory.export).
func (db *DB) ExportDirectory(ctx context.Context, agencyID string, includeConfidential bool) (*hsds.Document, error) {
	actor := haven.ActorFromContext(ctx)
	d := access.Decide(actor, access.DirectoryExport, access.Target{AgencyID: agencyID, Now: db.now()})
	if includeConfidential && !d.Allow {
		return nil, haven.Errorf(haven.EFORBIDDEN, "%s", d.Reason)
	}
	var doc *hsds.Document
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		if doc, _, err = loadDirectory(ctx, t, agencyID); err != nil {
			return err
		}
		if !includeConfidential {
			conf, err := confidentialLocations(ctx, t, agencyID)
			if err != nil {
				return err
			}
			redactDirectory(doc, conf)
		}
		return nil
	})
	if err != nil {
		return nil, dbErr(err)
	}
	basis := "public"
	if includeConfidential {
		basis = basisLabel(d)
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.DirectoryExport), audit.Allowed, "agency", agencyID, agencyID, basis,
		map[string]string{"include_confidential": fmt.Sprint(includeConfidential), "records": fmt.Sprint(doc.Len())})); err != nil {
		return nil, err
	}
	return doc, nil
}

// DirectoryLocation is a location's confidentiality as stored.
type DirectoryLocation struct {
	ID           string `json:"id"`
	AgencyID     string `json:"agency_id"`
	Confidential bool   `json:"confidential"`
	AreaLabel    string `json:"area_label"`
}

// DirectoryLocations lists the agency's locations' confidentiality, by id.
func (db *DB) DirectoryLocations(ctx context.Context, agencyID string) ([]DirectoryLocation, error) {
	var out []DirectoryLocation
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		out, err = queryAll(ctx, t, func(s interface{ Scan(...any) error }) (DirectoryLocation, error) {
			var l DirectoryLocation
			err := s.Scan(&l.ID, &l.AgencyID, &l.Confidential, &l.AreaLabel)
			return l, err
		}, `SELECT id, agency_id, confidential, area_label FROM directory_locations WHERE agency_id = ? ORDER BY id`, agencyID)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, dbErr(err)
}
