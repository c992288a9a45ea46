package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// ImportIncidents stores one batch of a bulk import for agencyID in one
// transaction. Only a system process (haven import incidents) may import.
//
//   - Every record needs Source and SourceID: together they are the key that
//     makes re-imports idempotent. A record whose key the agency already has,
//     or that repeats an earlier record of the same batch, is skipped and
//     counted as a duplicate.
//   - Records are validated as CreateIncident validates them. One invalid
//     record fails the whole batch, with nothing stored, and the error's
//     field names it by position: "batch[12].offenses[0].code". The caller
//     can drop that record (into its reject file) and send the rest again.
//   - Status defaults to closed (historical records from another system are
//     not review work); a valid status given by the caller is kept. Imported
//     reports get numbers like any other, in the series of the year they were
//     reported and in the order of their event times (the batch's order
//     among equal times), and no protocol steps. No history row is stored per record
//     (the batch's audit entry records the import); IncidentHistory shows
//     the record's creation as its "imported" entry.
//   - The batch is audited as one summary entry (incident.import, with the
//     counts), not one entry per record.
//
// On success the imported records' ID, Number, Status, Version and times
// are filled in; duplicates are left as they were.
func (db *DB) ImportIncidents(ctx context.Context, agencyID string, batch []*haven.Incident) (haven.ImportResult, error) {
	var res haven.ImportResult
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return res, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	agencyID = strings.TrimSpace(agencyID)
	if agencyID == "" {
		return res, incidentInvalid("agency_id", "name the agency the records are imported for")
	}
	d := access.Decide(actor, access.IncidentImport, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return res, db.refuseList(ctx, string(access.IncidentImport), agencyID, d.Reason)
	}
	if len(batch) == 0 {
		return res, nil
	}
	now := utcMicro(db.now())
	by := actorLabel(actor)
	// Validate everything first, on copies, so that a failed batch gives
	// the caller's records no ids or numbers (values are still normalised
	// in place: trimmed, codes in upper case).
	recs := make([]haven.Incident, len(batch))
	for i, in := range batch {
		if in == nil {
			return res, incidentInvalid(fmt.Sprintf("batch[%d]", i), "batch[%d] is empty", i)
		}
		rec := *in
		prefix := fmt.Sprintf("batch[%d].", i)
		if err := validateIncident(&rec, now); err != nil {
			return res, prefixBatchField(err, prefix)
		}
		if rec.Source == "" {
			return res, incidentInvalid(prefix+"source_id", "imported records need a source and a source_id")
		}
		if rec.Status == "" {
			rec.Status = haven.StatusClosed
		} else if !incidentStatuses[rec.Status] {
			return res, incidentInvalid(prefix+"status", "status must be draft, submitted, returned, approved or closed")
		}
		if rec.Status == haven.StatusDraft {
			rec.SubmittedAt = nil
		} else if rec.SubmittedAt != nil {
			t := utcMicro(*rec.SubmittedAt)
			rec.SubmittedAt = &t
		}
		rec.AgencyID, rec.Version, rec.CreatedBy, rec.CreatedAt, rec.UpdatedAt = agencyID, 1, by, now, now
		recs[i] = rec
	}
	// Duplicates within the batch: the first occurrence wins.
	seen := make(map[string]bool, len(recs))
	var fresh []int // indexes of records not repeated within the batch
	for i := range recs {
		k := recs[i].Source + ":" + recs[i].SourceID
		if seen[k] {
			res.Duplicates++
			continue
		}
		seen[k] = true
		fresh = append(fresh, i)
	}
	type done struct {
		i      int
		id     string
		number string
	}
	var imported []done
	sources := map[string]bool{}
	if err := db.bulkPragmas(ctx); err != nil {
		return res, err
	}
	// On PostgreSQL the rows go in with COPY, on the transaction's own
	// connection (inRawTx, insertIncidents).
	err := db.inRawTx(ctx, func(t *tx) error {
		imported = imported[:0]
		ag, err := loadNumberAgency(ctx, t, agencyID)
		if err != nil {
			return err
		}
		ptrs := make([]*haven.Incident, len(fresh))
		for j, i := range fresh {
			ptrs[j] = &recs[i]
		}
		if err := checkPartyPersons(ctx, t, agencyID, ptrs, func(j int) string { return fmt.Sprintf("batch[%d].", fresh[j]) }); err != nil {
			return err
		}
		existing, err := existingSourceKeys(ctx, t, agencyID, ptrs)
		if err != nil {
			return err
		}
		var todo []int
		for _, i := range fresh {
			if existing[recs[i].Source+":"+recs[i].SourceID] {
				continue
			}
			todo = append(todo, i)
		}
		// Stored in the order of their event times: the indexes that lead
		// with the event time (analytics, status, author) then take the
		// batch's rows in key order, each page filled once instead of
		// revisited at random; ids (time-ordered) and numbers given in
		// that order only ever append to their indexes. 6.1 s → 3.9 s on
		// the 100k Chicago import, with larger batches (docs/BENCHMARKS.md).
		sortByEvent(recs, todo)
		// Numbers: one range per year, reserved in one statement each,
		// handed out in that order.
		byYear := map[int][]int{}
		var years []int
		for _, i := range todo {
			y := ag.numberYear(recs[i].ReportedAt)
			if _, ok := byYear[y]; !ok {
				years = append(years, y)
			}
			byYear[y] = append(byYear[y], i)
		}
		slices.Sort(years)
		var firstNumber, lastNumber string
		for _, y := range years {
			first, err := reserveNumbers(ctx, t, agencyID, y, len(byYear[y]))
			if err != nil {
				return err
			}
			for k, i := range byYear[y] {
				recs[i].Number = ag.format(y, first+int64(k))
			}
			if firstNumber == "" {
				firstNumber = recs[byYear[y][0]].Number
			}
			lastNumber = recs[byYear[y][len(byYear[y])-1]].Number
		}
		rows := make([]incidentInsert, 0, len(todo))
		ins := make([]*haven.Incident, 0, len(todo))
		for _, i := range todo {
			rec := &recs[i]
			rec.ID = newID()
			sealed, keyID, err := db.sealIncident(ctx, rec)
			if err != nil {
				return err
			}
			facts, err := json.Marshal(factsOf(rec))
			if err != nil {
				return err
			}
			rows = append(rows, incidentInsert{in: rec, facts: string(facts), sealed: sealed, keyID: keyID, loc: ag.loc})
			ins = append(ins, rec)
			imported = append(imported, done{i, rec.ID, rec.Number})
			sources[rec.Source] = true
		}
		if err := insertIncidents(ctx, t, rows); err != nil {
			return err
		}
		if err := insertParties(ctx, t, ins); err != nil {
			return err
		}
		srcs := make([]string, 0, len(sources))
		for s := range sources {
			srcs = append(srcs, s)
		}
		slices.Sort(srcs)
		details := map[string]string{"imported": fmt.Sprint(len(todo)), "duplicates": fmt.Sprint(len(recs) - len(todo)),
			"batch": fmt.Sprint(len(recs))}
		if len(srcs) > 0 {
			details["sources"] = strings.Join(srcs, ",")
		}
		if len(imported) > 0 {
			details["first_number"], details["last_number"] = firstNumber, lastNumber
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.IncidentImport), audit.Allowed, "incident", "", agencyID, basisLabel(d), details))
	})
	if err != nil {
		if haven.ErrorCode(err) == haven.ECONFLICT {
			// Another import of the same records committed first.
			return haven.ImportResult{}, haven.Errorf(haven.ECONFLICT, "another import stored some of these records meanwhile; run the batch again")
		}
		return haven.ImportResult{}, err
	}
	for _, d := range imported {
		*batch[d.i] = recs[d.i]
	}
	if len(imported) > 0 {
		db.analyzeNewIncidents(ctx)
	}
	res.Imported = len(imported)
	res.Duplicates = len(recs) - len(imported)
	return res, nil
}

// bulkPragmas readies SQLite's write connection for bulk writes, with
// settings that cost no safety (synchronous and journal_mode stay):
//
//   - temp_store=MEMORY: a multi-row INSERT into a table with unique
//     indexes (the history and party rows) keeps a statement journal, so
//     that a failing row undoes only its statement; kept in a temporary
//     file, it cost 1.6 of 11.8 CPU-seconds of the 100k Chicago import.
//   - cache_size: SQLite's default 2 MiB holds a small part of the indexes
//     a batch updates at random places (source_key, event_at, …), so pages
//     were read back and spilled to the WAL before the commit; bulkCacheKiB
//     holds what a batch of a few thousand rows dirties.
//   - wal_autocheckpoint: by default SQLite copies the WAL back into the
//     database after every commit that leaves it over 1,000 pages, which
//     every batch does, so each index page a batch touched was written
//     twice per batch. bulkCheckpointPages lets the WAL grow to 64 MiB
//     first: pages written by several batches are copied back once
//     (0.5 s of the 100k import's 4.5 s). Readers lose nothing; the WAL
//     file may reach that size.
//
// It runs before every batch (two statements, microseconds). The write pool
// has one connection, so the settings then stay for the server's own writes,
// which lose nothing by them; the cache is allocated only as pages are used.
func (db *DB) bulkPragmas(ctx context.Context) error {
	if db.dialect.name != "sqlite" {
		return nil
	}
	for _, q := range []string{"PRAGMA temp_store = MEMORY", fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB),
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", bulkCheckpointPages)} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			return dbErr(err)
		}
	}
	return nil
}

// bulkCacheKiB is SQLite's page cache on the write connection once an
// import ran: 32 MiB.
const bulkCacheKiB = 32 << 10

// bulkCheckpointPages is the WAL size, in pages, at which SQLite checkpoints
// once an import ran: 16,384 pages of 4 KiB, 64 MiB.
const bulkCheckpointPages = 16384

// analyzeNewIncidents gives PostgreSQL statistics for the incidents table
// the first time it holds rows. Without any, the planner guesses that a
// batch's 500 source keys match half the table and scans all of it for
// every batch, so that a first import into a new database slows down with
// every batch until autovacuum happens to analyze the table. Once analyzed,
// source_key is known to be unique and the lookup stays an index probe
// however much the table grows. It checks one catalogue row per batch and
// analyzes at most once (reltuples is -1 only before the first analyze).
// Failures are ignored: statistics are an optimisation.
func (db *DB) analyzeNewIncidents(ctx context.Context) {
	if db.dialect.name != "postgres" {
		return
	}
	var tuples float64
	if err := db.readRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'incidents'::regclass`).Scan(&tuples); err != nil || tuples >= 0 {
		return
	}
	_, _ = db.write.ExecContext(ctx, `ANALYZE incidents`)
}

// existingSourceKeys returns which of the records' source keys the agency
// already has. The query names only source_key, which leads the unique
// index: given agency_id too, PostgreSQL chose an agency-leading index
// and filtered every row of the agency whenever the table's statistics
// lagged behind a bulk load (hundreds of milliseconds a batch, growing with
// the table, until autovacuum caught up). Other agencies' rows with the
// same key are few (the same open data imported twice) and dropped here.
func existingSourceKeys(ctx context.Context, t *tx, agencyID string, ins []*haven.Incident) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ins); start += 500 {
		chunk := ins[start:min(start+500, len(ins))]
		args := make([]any, 0, len(chunk))
		for _, in := range chunk {
			args = append(args, in.Source+":"+in.SourceID)
		}
		type row struct{ key, agency string }
		rows, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, s.Scan(&r.key, &r.agency)
		}, `SELECT source_key, agency_id FROM incidents WHERE source_key IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.agency == agencyID {
				out[r.key] = true
			}
		}
	}
	return out, nil
}

// sortByEvent orders idx, indexes into recs, by the records' event times,
// ties in their given order. The times are read once: a stable sort
// comparing time.Time values cost 0.1 s of the 100k import.
func sortByEvent(recs []haven.Incident, idx []int) {
	type key struct{ at, pos int64 }
	keys := make([]key, len(idx))
	for j, i := range idx {
		keys[j] = key{incidentEventAt(&recs[i]).UnixMicro(), int64(j)}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.pos, b.pos)) })
	sorted := make([]int, len(idx))
	for j, k := range keys {
		sorted[j] = idx[k.pos]
	}
	copy(idx, sorted)
}

// prefixBatchField puts prefix ("batch[3].") before the field an error names,
// and "batch[3]: " before its message.
func prefixBatchField(err error, prefix string) error {
	if e, ok := err.(*haven.Error); ok && e.Field != "" && prefix != "" {
		c := *e
		c.Field = prefix + e.Field
		c.Message = strings.TrimSuffix(prefix, ".") + ": " + e.Message
		return &c
	}
	return err
}
