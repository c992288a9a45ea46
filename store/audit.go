package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// auditEntry starts an entry from what the context knows: the actor and
// the request.
func auditEntry(ctx context.Context, action, outcome, recordType, recordID, recordAgencyID, basis string, details map[string]string) audit.Entry {
	e := audit.Entry{Action: action, Outcome: outcome, RecordType: recordType, RecordID: recordID,
		RecordAgencyID: recordAgencyID, Basis: basis, Details: details}
	e.SetActor(haven.ActorFromContext(ctx))
	req := haven.RequestFromContext(ctx)
	e.RequestID, e.ClientIP = req.ID, req.ClientIP
	return e
}

// basisLabel is how a decision's basis is written in the log.
func basisLabel(d access.Decision) string {
	if d.Basis.ID != "" {
		return string(d.Basis.Kind) + ":" + d.Basis.ID
	}
	return string(d.Basis.Kind)
}

// appendAudit chains entries onto the log inside t. The chain head row is
// the only lock: on PostgreSQL it is taken FOR UPDATE as the transaction's
// last step, so it is held for one round trip and the commit, not for the
// work before; SQLite serialises writers anyway.
func (db *DB) appendAudit(ctx context.Context, t *tx, entries ...audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	q := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if t.d.name == "postgres" {
		q += ` FOR UPDATE`
	}
	var prev audit.Entry
	if err := t.queryRow(ctx, q).Scan(&prev.Seq, &prev.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	for _, e := range entries {
		e.ID = newID()
		e.At = db.now()
		var p *audit.Entry
		if prev.Seq > 0 {
			p = &prev
		}
		e = audit.Chain(p, e)
		details := "{}"
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return err
			}
			details = string(b)
		}
		if _, err := t.exec(ctx, `INSERT INTO audit_log (seq, id, at, actor_user_id, actor_name, actor_agency_id, role, via,
			action, outcome, record_type, record_id, record_agency_id, basis, reason, request_id, client_ip, details, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, e.ID, e.At, e.ActorUserID, e.ActorName, e.ActorAgencyID, e.Role, e.Via,
			e.Action, e.Outcome, e.RecordType, e.RecordID, e.RecordAgencyID, e.Basis, e.Reason, e.RequestID, e.ClientIP,
			details, e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
		prev = e
	}
	_, err := t.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, prev.Seq, prev.Hash)
	return err
}

// auditNow appends entries in a transaction of their own: for reads, whose
// data is released only once this has committed, and for denials. Requests
// arriving together are committed together by one writer (group commit),
// so concurrent readers share one lock acquisition and one commit instead
// of queueing for one each.
func (db *DB) auditNow(ctx context.Context, entries ...audit.Entry) error {
	req := auditReq{entries: entries, done: make(chan error, 1)}
	select {
	case db.auditQ <- req:
	case <-ctx.Done():
		return dbErr(ctx.Err())
	case <-db.stop:
		return haven.Errorf(haven.EUNAVAILABLE, "the database is closing")
	}
	// Once queued the entry will be written whatever happens to ctx; the
	// caller releases nothing unless this returns nil.
	return <-req.done
}

type auditReq struct {
	entries []audit.Entry
	done    chan error
}

// maxAuditBatch bounds how many entries one group commit writes.
const maxAuditBatch = 256

// auditWriter is the one goroutine that commits queued audit entries.
func (db *DB) auditWriter() {
	defer db.wg.Done()
	for {
		var first auditReq
		select {
		case first = <-db.auditQ:
		case <-db.stop:
			return
		}
		batch := []auditReq{first}
		n := len(first.entries)
	drain:
		for n < maxAuditBatch {
			select {
			case r := <-db.auditQ:
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break drain
			}
		}
		var all []audit.Entry
		for _, r := range batch {
			all = append(all, r.entries...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := db.inTx(ctx, true, func(t *tx) error { return db.appendAudit(ctx, t, all...) })
		cancel()
		for _, r := range batch {
			r.done <- err
		}
	}
}

const auditCols = `seq, id, at, actor_user_id, actor_name, actor_agency_id, role, via, action, outcome,
	record_type, record_id, record_agency_id, basis, reason, request_id, client_ip, details, prev_hash, hash`

func scanAudit(s interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	var at nullTime
	var details string
	err := s.Scan(&e.Seq, &e.ID, &at, &e.ActorUserID, &e.ActorName, &e.ActorAgencyID, &e.Role, &e.Via, &e.Action, &e.Outcome,
		&e.RecordType, &e.RecordID, &e.RecordAgencyID, &e.Basis, &e.Reason, &e.RequestID, &e.ClientIP, &details, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, err
	}
	e.At = at.Time
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return e, fmt.Errorf("audit entry %d: details: %w", e.Seq, err)
		}
	}
	return e, nil
}

// FindAudit lists audit entries newest first. System administrators see
// every entry; an agency administrator sees entries made by their agency's
// users or about their agency's records.
func (db *DB) FindAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	actor := haven.ActorFromContext(ctx)
	// A person reading the log is itself recorded (who looked at whose
	// trail, with which filters); system processes (the demo loader, the
	// CLI's checks) read it to find their own work and are not.
	viewer := actor.UserID != ""
	if err := access.Require(actor, access.AuditView, access.Target{AgencyID: actor.AgencyID}); err != nil {
		if viewer && haven.ErrorCode(err) == haven.EFORBIDDEN {
			if aerr := db.auditNow(ctx, auditEntry(ctx, string(access.AuditView), audit.Denied, "audit_log", "", actor.AgencyID, "",
				map[string]string{"policy": haven.ErrorMessage(err)})); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	q := `SELECT ` + auditCols + ` FROM audit_log WHERE 1=1`
	var args []any
	if actor.Role != haven.RoleSystemAdmin {
		q += ` AND (actor_agency_id = ? OR record_agency_id = ?)`
		args = append(args, actor.AgencyID, actor.AgencyID)
	}
	if f.UserID != "" {
		q += ` AND actor_user_id = ?`
		args = append(args, f.UserID)
	}
	if f.RecordID != "" {
		q += ` AND record_id = ?`
		args = append(args, f.RecordID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q += ` AND action LIKE ?`
			args = append(args, strings.ReplaceAll(f.Action, "%", "")+"%")
		} else {
			q += ` AND action = ?`
			args = append(args, f.Action)
		}
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To.UTC())
	}
	if f.BeforeSeq > 0 {
		q += ` AND seq < ?`
		args = append(args, f.BeforeSeq)
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 200
	}
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, f.Limit)
	var out []audit.Entry
	err := db.inTx(ctx, false, func(t *tx) (err error) {
		out, err = queryAll(ctx, t, scanAudit, q, args...)
		return err
	})
	if err != nil || !viewer {
		return out, err
	}
	details := map[string]string{"results": fmt.Sprint(len(out))}
	for k, v := range map[string]string{"user": f.UserID, "record": f.RecordID, "action": f.Action} {
		if v != "" {
			details[k] = v
		}
	}
	if !f.From.IsZero() {
		details["from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		details["to"] = f.To.UTC().Format(time.RFC3339)
	}
	if f.BeforeSeq > 0 {
		details["before"] = fmt.Sprint(f.BeforeSeq)
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.AuditView), audit.Allowed, "audit_log", "", actor.AgencyID, "", details)); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyAudit streams the whole log through the hash-chain verifier and
// checks it reaches the recorded head. It returns the number of entries and
// an *audit.VerifyError naming the first bad entry, if any.
func (db *DB) VerifyAudit(ctx context.Context, progress func(n int64)) (int64, error) {
	var head audit.Anchor
	if err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		return 0, dbErr(err)
	}
	// Verify up to the head read above: entries appended meanwhile are
	// left for the next run instead of looking like a mismatch.
	v := audit.NewVerifier(head)
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT `+auditCols+` FROM audit_log WHERE seq <= ? ORDER BY seq`), head.Seq)
	if err != nil {
		return 0, dbErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Count(), err
		}
		if err := v.Next(e); err != nil {
			return v.Count(), err
		}
		if progress != nil && v.Count()%10000 == 0 {
			progress(v.Count())
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count(), dbErr(err)
	}
	if head.Seq > 0 {
		if err := v.VerifyAgainstAnchor(head); err != nil {
			return v.Count(), err
		}
	}
	return v.Count(), nil
}

// AuditHead returns the last entry's sequence number and hash.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, dbErr(err)
}
