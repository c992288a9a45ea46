package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/audit"
)

// Evidence: items of an incident, their files and their chain of custody.
//
// A file is stored in the database, in evidence_chunks: 1 MiB of plaintext
// per row, each sealed with AES-256-GCM under the current data key and
// bound to "evidence/chunk/<id>/<n>", so a chunk moved to another item or
// position does not open. An upload streams: it is read a chunk at a time,
// its size and SHA-256 counted as it goes, and each chunk is sealed and
// inserted in a short transaction of its own, so that a large video never
// sits in memory and never holds SQLite's write lock for the length of an
// upload. The item stays invisible (state "uploading") until its last
// chunk is in; then one transaction records the size and hash, the
// thumbnail, the custody events and the audit entry. An upload that fails
// is removed; one a crash interrupted is removed by PruneEvidenceUploads.
//
// Who may do what is the incident's rule (access.EvidenceCreate and the
// rest): the owning agency's officers and supervisors. For anyone else the
// item and its incident do not exist. Every read of a file or thumbnail is
// written to the chain of custody and to the audit log, in one
// transaction, before a byte is released.

var _ haven.EvidenceService = (*DB)(nil)

// evidenceChunkSize is how much plaintext one sealed chunk holds.
const evidenceChunkSize = 1 << 20

// evidenceUploadMaxAge is how long an unfinished upload may stay before
// PruneEvidenceUploads removes it (a process died in the middle).
const evidenceUploadMaxAge = 6 * time.Hour

func evidenceAAD(id string) string { return "evidence/data/" + id }
func evidenceChunkAAD(id string, n int) string {
	return "evidence/chunk/" + id + "/" + strconv.Itoa(n)
}
func evidenceThumbAAD(id string) string           { return "evidence/thumb/" + id }
func evidenceCustodyAAD(itemID, id string) string { return "evidence/custody/" + itemID + "/" + id }

// evidenceData is what is sealed of an item.
type evidenceData struct {
	Description string `json:"d,omitempty"`
	FileName    string `json:"f,omitempty"`
	Custodian   string `json:"c,omitempty"`
}

// custodyData is what is sealed of a custody event.
type custodyData struct {
	From string `json:"f,omitempty"`
	To   string `json:"t,omitempty"`
	Note string `json:"n,omitempty"`
}

type evidenceRow struct {
	id, incidentID, agencyID, kind string
	data                           []byte
	collectedBy                    string
	collectedAt                    nullTime
	contentType                    string
	size                           int64
	sha                            string
	chunks                         int
	hasThumb                       bool
	released                       nullTime
	createdBy                      string
	createdAt                      nullTime
}

const evidenceCols = `id, incident_id, agency_id, kind, data, collected_by, collected_at, content_type, size, sha256,
	chunks, has_thumbnail, released_at, created_by, created_at`

func scanEvidence(s interface{ Scan(...any) error }) (*evidenceRow, error) {
	var r evidenceRow
	err := s.Scan(&r.id, &r.incidentID, &r.agencyID, &r.kind, &r.data, &r.collectedBy, &r.collectedAt, &r.contentType,
		&r.size, &r.sha, &r.chunks, &r.hasThumb, &r.released, &r.createdBy, &r.createdAt)
	return &r, err
}

// loadEvidenceRow loads a stored item (never one still uploading); nil
// when there is none.
func loadEvidenceRow(ctx context.Context, queryRow rowFunc, id string, forUpdate bool) (*evidenceRow, error) {
	q := `SELECT ` + evidenceCols + ` FROM evidence WHERE id = ? AND state = 'stored'`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	r, err := scanEvidence(queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// evidenceIncidentAgency returns the agency owning an incident; found is
// false when there is no such incident.
func evidenceIncidentAgency(ctx context.Context, queryRow rowFunc, id string) (agencyID string, found bool, err error) {
	err = queryRow(ctx, `SELECT agency_id FROM incidents WHERE id = ?`, id).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return agencyID, err == nil, err
}

// openEvidence opens a row into an item.
func (db *DB) openEvidence(ctx context.Context, r *evidenceRow) (*haven.EvidenceItem, error) {
	plain, err := db.open(ctx, r.data, evidenceAAD(r.id))
	if err != nil {
		return nil, err
	}
	var d evidenceData
	if err := json.Unmarshal(plain, &d); err != nil {
		return nil, haven.Internal(fmt.Errorf("evidence %s: %w", r.id, err))
	}
	kind := haven.EvidenceKind(r.kind)
	return &haven.EvidenceItem{ID: r.id, IncidentID: r.incidentID, AgencyID: r.agencyID, Kind: kind,
		Description: d.Description, CollectedBy: r.collectedBy, CollectedAt: r.collectedAt.Time, FileName: d.FileName,
		ContentType: r.contentType, Size: r.size, SHA256: r.sha, HasFile: kind.HasFile() && r.chunks > 0,
		HasThumbnail: r.hasThumb, Custodian: d.Custodian, Released: r.released.Valid,
		CreatedBy: r.createdBy, CreatedAt: r.createdAt.Time}, nil
}

func (db *DB) sealEvidenceData(ctx context.Context, it *haven.EvidenceItem) ([]byte, string, error) {
	plain, err := json.Marshal(evidenceData{Description: it.Description, FileName: it.FileName, Custodian: it.Custodian})
	if err != nil {
		return nil, "", err
	}
	return db.seal(ctx, plain, evidenceAAD(it.ID))
}

// denyEvidence records a refusal and answers as for a record that does
// not exist. recordType is "incident" when the incident was the target.
func (db *DB) denyEvidence(ctx context.Context, action access.Action, recordType, id, agencyID, reason string) error {
	e := auditEntry(ctx, string(action), audit.Denied, recordType, id, agencyID, "", map[string]string{"policy": reason})
	if err := db.auditNow(ctx, e); err != nil {
		return err
	}
	if recordType == "incident" {
		return haven.Errorf(haven.ENOTFOUND, "incident not found")
	}
	return haven.Errorf(haven.ENOTFOUND, "evidence not found")
}

// actorName is how custody records name the actor: the username, or the
// system process.
func actorName(a haven.Actor) string {
	if a.System != "" {
		return "system:" + a.System
	}
	if a.Username != "" {
		return a.Username
	}
	return a.UserID
}

// cleanFileName keeps the last element of an uploaded file's name, as
// valid text without control characters.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// microNow is the time as the databases keep it: UTC, to the microsecond.
func (db *DB) microNow() time.Time { return db.now().Truncate(time.Microsecond) }

// evidenceFuture is how far ahead of the server's clock a collection time
// may be (a phone's clock runs fast).
const evidenceFuture = 10 * time.Minute

func validateEvidence(it *haven.EvidenceItem, collector string, now time.Time) (haven.EvidenceRule, error) {
	it.Kind = haven.EvidenceKind(strings.ToLower(strings.TrimSpace(string(it.Kind))))
	rule, ok := it.Kind.Rule()
	if !ok {
		return rule, haven.FieldErrorf(haven.EINVALID, "kind", "kind must be photo, document, audio, video or physical")
	}
	it.Description = strings.TrimSpace(it.Description)
	if err := checkText("description", it.Description, 4000); err != nil {
		return rule, err
	}
	if it.Kind == haven.EvidencePhysical && it.Description == "" {
		return rule, haven.FieldErrorf(haven.EINVALID, "description", "describe the physical item: what it is and where it was found")
	}
	it.CollectedBy = strings.TrimSpace(it.CollectedBy)
	if err := checkText("collected_by", it.CollectedBy, 200); err != nil {
		return rule, err
	}
	if it.CollectedBy == "" {
		it.CollectedBy = collector
	}
	if it.CollectedAt.IsZero() {
		it.CollectedAt = now
	}
	it.CollectedAt = it.CollectedAt.UTC().Truncate(time.Microsecond)
	if it.CollectedAt.After(now.Add(evidenceFuture)) {
		return rule, haven.FieldErrorf(haven.EINVALID, "collected_at", "collected_at cannot be in the future")
	}
	if it.CollectedAt.Year() < 1970 {
		return rule, haven.FieldErrorf(haven.EINVALID, "collected_at", "collected_at must be a real date and time")
	}
	it.FileName = cleanFileName(it.FileName)
	if len(it.FileName) > 255 {
		return rule, haven.FieldErrorf(haven.EINVALID, "file", "the file name must be at most 255 bytes long; rename the file")
	}
	return rule, nil
}

// uploadReadErr words a failure to read the upload: the caller's errors
// (a size limit the web layer enforces) pass through.
func uploadReadErr(err error) error {
	var he *haven.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return dbErr(err)
	}
	return &haven.Error{Code: haven.EBADREQUEST, Field: "file", Message: "the file could not be read to its end: the upload was interrupted; try again", Err: err}
}

// AddEvidence records an evidence item for an incident and stores its
// file, streaming (see the package comment above).
func (db *DB) AddEvidence(ctx context.Context, incidentID string, in *haven.EvidenceItem, file io.Reader) (*haven.EvidenceItem, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	if in == nil {
		in = &haven.EvidenceItem{}
	}
	agencyID, found, err := evidenceIncidentAgency(ctx, db.readRow, incidentID)
	if err != nil {
		return nil, dbErr(err)
	}
	if !found {
		return nil, db.denyEvidence(ctx, access.EvidenceCreate, "incident", incidentID, "", "no such record")
	}
	d := access.Decide(actor, access.EvidenceCreate, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.denyEvidence(ctx, access.EvidenceCreate, "incident", incidentID, agencyID, d.Reason)
	}
	now := db.microNow()
	it := *in
	rule, err := validateEvidence(&it, actorName(actor), now)
	if err != nil {
		return nil, err
	}
	it.ID, it.IncidentID, it.AgencyID = newID(), incidentID, agencyID
	it.CreatedBy, it.CreatedAt, it.Custodian, it.Released = actorLabel(actor), now, it.CollectedBy, false
	it.ContentType, it.Size, it.SHA256, it.HasFile, it.HasThumbnail = "", 0, "", false, false

	if rule.MaxSize == 0 {
		if file != nil {
			var one [1]byte
			if n, _ := io.ReadFull(file, one[:]); n > 0 {
				return nil, haven.FieldErrorf(haven.EINVALID, "file", "a physical item has no file: record a photo of it as a photo")
			}
		}
		it.FileName = ""
		if err := db.finishEvidence(ctx, &it, d, nil, 0, 0); err != nil {
			return nil, err
		}
		return &it, nil
	}
	if file == nil {
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "a %s needs a file", strings.ToLower(rule.Label))
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(file, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, uploadReadErr(err)
	}
	if n == 0 {
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "the file is empty")
	}
	head = head[:n]
	if it.ContentType, err = checkEvidenceType(rule, head, it.FileName); err != nil {
		return nil, err
	}

	// The row first, invisible until the file is complete.
	sealed, keyID, err := db.sealEvidenceData(ctx, &it)
	if err != nil {
		return nil, haven.Internal(err)
	}
	err = db.inTx(ctx, true, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO evidence (id, incident_id, agency_id, kind, state, data, key_id, collected_by, collected_at,
			content_type, created_by, created_at) VALUES (?, ?, ?, ?, 'uploading', ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, it.IncidentID, it.AgencyID, string(it.Kind), sealed, keyID, it.CollectedBy, it.CollectedAt, it.ContentType,
			it.CreatedBy, it.CreatedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			db.discardUpload(ctx, it.ID)
		}
	}()
	var photo *bytes.Buffer
	if it.Kind == haven.EvidencePhoto {
		photo = &bytes.Buffer{} // at most the photo limit: a thumbnail needs the whole image
	}
	sum, size, _, err := db.writeEvidenceChunks(ctx, it.ID, io.MultiReader(bytes.NewReader(head), file), rule, photo)
	if err != nil {
		return nil, err
	}
	it.Size, it.SHA256, it.HasFile = size, sum, true
	var thumb []byte
	var tw, th int
	if photo != nil {
		thumb, tw, th = db.thumbnailFor(ctx, it.ID, photo.Bytes())
	}
	it.HasThumbnail = thumb != nil
	if err := db.finishEvidence(ctx, &it, d, thumb, tw, th); err != nil {
		return nil, err
	}
	done = true
	return &it, nil
}

// thumbnailFor makes a photo's thumbnail; a photo that cannot have one
// (damaged, WebP, too many pixels) is stored without. A decoder that
// panics costs the thumbnail, not the upload.
func (db *DB) thumbnailFor(ctx context.Context, id string, photo []byte) (thumb []byte, w, h int) {
	defer func() {
		if p := recover(); p != nil {
			db.cfg.Logger.ErrorContext(ctx, "thumbnail decoder panicked", "evidence_id", id, "panic", fmt.Sprint(p))
			thumb, w, h = nil, 0, 0
		}
	}()
	thumb, w, h, err := evidenceThumbnail(photo)
	if err != nil {
		db.cfg.Logger.InfoContext(ctx, "photo stored without a thumbnail", "evidence_id", id, "reason", err.Error())
		return nil, 0, 0
	}
	return thumb, w, h
}

// writeEvidenceChunks reads r to its end in chunks, sealing and inserting
// each in a transaction of its own, and returns the hex SHA-256 of all it
// read, its size and the number of chunks. tee, when not nil, receives a
// copy of the bytes (a photo, for its thumbnail).
func (db *DB) writeEvidenceChunks(ctx context.Context, id string, r io.Reader, rule haven.EvidenceRule, tee *bytes.Buffer) (string, int64, int, error) {
	h := sha256.New()
	buf := make([]byte, evidenceChunkSize)
	var size int64
	n := 0
	for {
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			if size+int64(k) > rule.MaxSize {
				return "", 0, 0, rule.TooLarge()
			}
			size += int64(k)
			h.Write(buf[:k])
			if tee != nil {
				tee.Write(buf[:k])
			}
			sealed, keyID, err := db.seal(ctx, buf[:k], evidenceChunkAAD(id, n))
			if err != nil {
				return "", 0, 0, haven.Internal(err)
			}
			err = db.inTx(ctx, true, func(t *tx) error {
				_, err := t.exec(ctx, `INSERT INTO evidence_chunks (evidence_id, n, data, key_id) VALUES (?, ?, ?, ?)`, id, n, sealed, keyID)
				return err
			})
			if err != nil {
				return "", 0, 0, err
			}
			n++
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return "", 0, 0, uploadReadErr(rerr)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), size, n, nil
}

// finishEvidence makes the item visible: for a file, it completes the row
// written at the start of the upload; for a physical item (insert), it
// writes the row. With it go the thumbnail, the custody events
// (collected, and uploaded for a file) and the audit entry.
func (db *DB) finishEvidence(ctx context.Context, it *haven.EvidenceItem, d access.Decision, thumb []byte, tw, th int) error {
	actor := haven.ActorFromContext(ctx)
	physical := !it.Kind.HasFile()
	var sealedThumb []byte
	var thumbKey string
	if thumb != nil {
		var err error
		if sealedThumb, thumbKey, err = db.seal(ctx, thumb, evidenceThumbAAD(it.ID)); err != nil {
			return haven.Internal(err)
		}
	}
	events := []haven.CustodyEvent{{ID: newID(), At: it.CollectedAt, By: actorLabel(actor), ByName: actorName(actor),
		Action: haven.CustodyCollected, To: it.CollectedBy}}
	if !physical {
		events = append(events, haven.CustodyEvent{ID: newID(), At: it.CreatedAt, By: actorLabel(actor), ByName: actorName(actor),
			Action: haven.CustodyUploaded, Note: fmt.Sprintf("%d bytes, SHA-256 %s", it.Size, it.SHA256)})
	}
	details := map[string]string{"kind": string(it.Kind), "incident": it.IncidentID}
	if !physical {
		details["content_type"], details["size"], details["sha256"] = it.ContentType, strconv.FormatInt(it.Size, 10), it.SHA256
	}
	entry := auditEntry(ctx, string(access.EvidenceCreate), audit.Allowed, "evidence", it.ID, it.AgencyID, basisLabel(d), details)
	return db.inTx(ctx, true, func(t *tx) error {
		if physical {
			sealed, keyID, err := db.sealEvidenceData(ctx, it)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO evidence (id, incident_id, agency_id, kind, state, data, key_id, collected_by, collected_at,
				created_by, created_at) VALUES (?, ?, ?, ?, 'stored', ?, ?, ?, ?, ?, ?)`,
				it.ID, it.IncidentID, it.AgencyID, string(it.Kind), sealed, keyID, it.CollectedBy, it.CollectedAt, it.CreatedBy, it.CreatedAt); err != nil {
				return err
			}
		} else {
			var chunks int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM evidence_chunks WHERE evidence_id = ?`, it.ID).Scan(&chunks); err != nil {
				return err
			}
			res, err := t.exec(ctx, `UPDATE evidence SET state = 'stored', size = ?, sha256 = ?, chunks = ?, has_thumbnail = ?
				WHERE id = ? AND state = 'uploading'`, it.Size, it.SHA256, chunks, thumb != nil, it.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return haven.Errorf(haven.ECONFLICT, "the upload was interrupted; try again")
			}
			if thumb != nil {
				if _, err := t.exec(ctx, `INSERT INTO evidence_thumbs (evidence_id, data, key_id, width, height) VALUES (?, ?, ?, ?, ?)`,
					it.ID, sealedThumb, thumbKey, tw, th); err != nil {
					return err
				}
			}
		}
		for i := range events {
			if err := db.insertCustody(ctx, t, it.ID, &events[i]); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, t, entry)
	})
}

func (db *DB) insertCustody(ctx context.Context, t *tx, itemID string, ev *haven.CustodyEvent) error {
	plain, err := json.Marshal(custodyData{From: ev.From, To: ev.To, Note: ev.Note})
	if err != nil {
		return err
	}
	sealed, keyID, err := db.seal(ctx, plain, evidenceCustodyAAD(itemID, ev.ID))
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO evidence_custody (id, evidence_id, at, by_actor, by_name, action, data, key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.ID, itemID, ev.At, ev.By, ev.ByName, string(ev.Action), sealed, keyID)
	return err
}

// discardUpload removes an unfinished upload, even when the request that
// carried it was cancelled.
func (db *DB) discardUpload(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := db.inTx(ctx, true, func(t *tx) error {
		return discardUploads(ctx, t, []string{id})
	})
	if err != nil {
		db.cfg.Logger.WarnContext(ctx, "could not remove an unfinished upload; PruneEvidenceUploads will", "evidence_id", id, "err", err.Error())
	}
}

func discardUploads(ctx context.Context, t *tx, ids []string) error {
	for _, id := range ids {
		if _, err := t.exec(ctx, `DELETE FROM evidence_chunks WHERE evidence_id = ? AND EXISTS
			(SELECT 1 FROM evidence WHERE id = ? AND state = 'uploading')`, id, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM evidence WHERE id = ? AND state = 'uploading'`, id); err != nil {
			return err
		}
	}
	return nil
}

// PruneEvidenceUploads removes uploads that never finished (the process
// serving them stopped) and are older than six hours. It returns how many.
func (db *DB) PruneEvidenceUploads(ctx context.Context) (int, error) {
	var n int
	err := db.inTx(ctx, true, func(t *tx) error {
		ids, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, `SELECT id FROM evidence WHERE state = 'uploading' AND created_at < ? LIMIT 100`, db.now().Add(-evidenceUploadMaxAge))
		if err != nil {
			return err
		}
		n = len(ids)
		return discardUploads(ctx, t, ids)
	})
	return n, err
}

// evidenceFor loads an item and asks the policy, answering "not found" for
// a missing item and a refused one alike (both audited).
func (db *DB) evidenceFor(ctx context.Context, action access.Action, id string) (*evidenceRow, access.Decision, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, access.Decision{}, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	row, err := loadEvidenceRow(ctx, db.readRow, id, false)
	if err != nil {
		return nil, access.Decision{}, dbErr(err)
	}
	if row == nil {
		return nil, access.Decision{}, db.denyEvidence(ctx, action, "evidence", id, "", "no such record")
	}
	d := access.Decide(actor, action, access.Target{AgencyID: row.agencyID, Now: db.now()})
	if !d.Allow {
		return nil, d, db.denyEvidence(ctx, action, "evidence", id, row.agencyID, d.Reason)
	}
	return row, d, nil
}

// Evidence returns one item.
func (db *DB) Evidence(ctx context.Context, id string) (*haven.EvidenceItem, error) {
	row, d, err := db.evidenceFor(ctx, access.EvidenceRead, id)
	if err != nil {
		return nil, err
	}
	it, err := db.openEvidence(ctx, row)
	if err != nil {
		return nil, err
	}
	if err := db.auditNow(ctx, auditEntry(ctx, string(access.EvidenceRead), audit.Allowed, "evidence", id, row.agencyID, basisLabel(d), nil)); err != nil {
		return nil, err
	}
	return it, nil
}

// ListEvidence returns an incident's items, oldest first.
func (db *DB) ListEvidence(ctx context.Context, incidentID string) ([]*haven.EvidenceItem, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	agencyID, found, err := evidenceIncidentAgency(ctx, db.readRow, incidentID)
	if err != nil {
		return nil, dbErr(err)
	}
	if !found {
		return nil, db.denyEvidence(ctx, access.EvidenceRead, "incident", incidentID, "", "no such record")
	}
	d := access.Decide(actor, access.EvidenceRead, access.Target{AgencyID: agencyID, Now: db.now()})
	if !d.Allow {
		return nil, db.denyEvidence(ctx, access.EvidenceRead, "incident", incidentID, agencyID, d.Reason)
	}
	var rows []*evidenceRow
	err = db.inTx(ctx, false, func(t *tx) (err error) {
		rows, err = queryAll(ctx, t, scanEvidence, `SELECT `+evidenceCols+` FROM evidence
			WHERE incident_id = ? AND state = 'stored' ORDER BY created_at, id`, incidentID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]*haven.EvidenceItem, 0, len(rows))
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		it, err := db.openEvidence(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
		ids = append(ids, it.ID)
	}
	e := auditEntry(ctx, "evidence.list", audit.Allowed, "incident", incidentID, agencyID, basisLabel(d),
		map[string]string{"results": strconv.Itoa(len(ids)), "shown": strings.Join(ids, ",")})
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// recordAccess writes a custody event and its audit entry for a read of
// the item's file or thumbnail, in one transaction; nothing is released
// before it commits.
func (db *DB) recordAccess(ctx context.Context, row *evidenceRow, d access.Decision, action access.Action, what haven.CustodyAction) error {
	actor := haven.ActorFromContext(ctx)
	ev := haven.CustodyEvent{ID: newID(), At: db.microNow(), By: actorLabel(actor), ByName: actorName(actor), Action: what}
	e := auditEntry(ctx, string(action), audit.Allowed, "evidence", row.id, row.agencyID, basisLabel(d),
		map[string]string{"custody": string(what)})
	return db.inTx(ctx, true, func(t *tx) error {
		if err := db.insertCustody(ctx, t, row.id, &ev); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, e)
	})
}

// OpenEvidenceFile records the download in the chain of custody and the
// audit log, then returns the item and a reader of its file.
func (db *DB) OpenEvidenceFile(ctx context.Context, id string) (*haven.EvidenceItem, io.ReadCloser, error) {
	row, d, err := db.evidenceFor(ctx, access.EvidenceDownload, id)
	if err != nil {
		return nil, nil, err
	}
	if !haven.EvidenceKind(row.kind).HasFile() || row.chunks == 0 {
		return nil, nil, haven.Errorf(haven.ENOTFOUND, "this evidence item has no file")
	}
	it, err := db.openEvidence(ctx, row)
	if err != nil {
		return nil, nil, err
	}
	if err := db.recordAccess(ctx, row, d, access.EvidenceDownload, haven.CustodyDownloaded); err != nil {
		return nil, nil, err
	}
	return it, db.evidenceReader(ctx, row), nil
}

// Thumbnail records the view in the chain of custody and the audit log,
// then returns a photo's JPEG thumbnail.
func (db *DB) Thumbnail(ctx context.Context, id string) ([]byte, error) {
	row, d, err := db.evidenceFor(ctx, access.EvidenceView, id)
	if err != nil {
		return nil, err
	}
	if !row.hasThumb {
		return nil, haven.Errorf(haven.ENOTFOUND, "this evidence item has no thumbnail")
	}
	var sealed []byte
	if err := db.readRow(ctx, `SELECT data FROM evidence_thumbs WHERE evidence_id = ?`, id).Scan(&sealed); err != nil {
		return nil, dbErr(err)
	}
	thumb, err := db.open(ctx, sealed, evidenceThumbAAD(id))
	if err != nil {
		return nil, err
	}
	if err := db.recordAccess(ctx, row, d, access.EvidenceView, haven.CustodyViewed); err != nil {
		return nil, err
	}
	return thumb, nil
}

// TransferCustody hands the item from its current custodian to another.
func (db *DB) TransferCustody(ctx context.Context, id, to, note string) (*haven.CustodyEvent, error) {
	return db.custodyChange(ctx, id, haven.CustodyTransferred, to, note)
}

// ReleaseEvidence records that the item left the agency's custody.
func (db *DB) ReleaseEvidence(ctx context.Context, id, to, note string) (*haven.CustodyEvent, error) {
	return db.custodyChange(ctx, id, haven.CustodyReleased, to, note)
}

func (db *DB) custodyChange(ctx context.Context, id string, what haven.CustodyAction, to, note string) (*haven.CustodyEvent, error) {
	actor := haven.ActorFromContext(ctx)
	if !actor.Authenticated() {
		return nil, haven.Errorf(haven.EUNAUTHORIZED, "sign in first")
	}
	to, note = strings.TrimSpace(to), strings.TrimSpace(note)
	if to == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "to", "say who receives the item: a person, a unit or a laboratory")
	}
	if err := checkText("to", to, 200); err != nil {
		return nil, err
	}
	if err := checkText("note", note, 2000); err != nil {
		return nil, err
	}
	var out *haven.CustodyEvent
	var denied, missing bool
	var reason, owner string
	err := db.inTx(ctx, true, func(t *tx) error {
		row, err := loadEvidenceRow(ctx, t.queryRow, id, t.d.name == "postgres")
		if err != nil {
			return err
		}
		if row == nil {
			missing = true
			return nil
		}
		owner = row.agencyID
		d := access.Decide(actor, access.EvidenceCustody, access.Target{AgencyID: row.agencyID, Now: db.now()})
		if !d.Allow {
			denied, reason = true, d.Reason
			return nil
		}
		if row.released.Valid {
			return haven.Errorf(haven.ECONFLICT, "the item was released from custody; it cannot be transferred or released again")
		}
		it, err := db.openEvidence(ctx, row)
		if err != nil {
			return err
		}
		ev := haven.CustodyEvent{ID: newID(), At: db.microNow(), By: actorLabel(actor), ByName: actorName(actor), Action: what,
			From: it.Custodian, To: to, Note: note}
		it.Custodian = to
		sealed, keyID, err := db.sealEvidenceData(ctx, it)
		if err != nil {
			return err
		}
		var released *time.Time
		if what == haven.CustodyReleased {
			released = &ev.At
		}
		if _, err := t.exec(ctx, `UPDATE evidence SET data = ?, key_id = ?, released_at = ? WHERE id = ?`, sealed, keyID, released, id); err != nil {
			return err
		}
		if err := db.insertCustody(ctx, t, id, &ev); err != nil {
			return err
		}
		out = &ev
		action := "evidence.transfer"
		if what == haven.CustodyReleased {
			action = "evidence.release"
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, action, audit.Allowed, "evidence", id, row.agencyID, basisLabel(d),
			map[string]string{"custody": string(what)}))
	})
	switch {
	case err != nil:
		return nil, err
	case missing:
		return nil, db.denyEvidence(ctx, access.EvidenceCustody, "evidence", id, "", "no such record")
	case denied:
		return nil, db.denyEvidence(ctx, access.EvidenceCustody, "evidence", id, owner, reason)
	}
	return out, nil
}

// Custody returns the item's chain of custody, oldest first.
func (db *DB) Custody(ctx context.Context, id string) ([]haven.CustodyEvent, error) {
	row, d, err := db.evidenceFor(ctx, access.EvidenceRead, id)
	if err != nil {
		return nil, err
	}
	type custodyRow struct {
		ev   haven.CustodyEvent
		data []byte
	}
	var rows []custodyRow
	err = db.inTx(ctx, false, func(t *tx) (err error) {
		rows, err = queryAll(ctx, t, func(s interface{ Scan(...any) error }) (custodyRow, error) {
			var r custodyRow
			var at nullTime
			var action string
			err := s.Scan(&r.ev.ID, &at, &r.ev.By, &r.ev.ByName, &action, &r.data)
			r.ev.At, r.ev.Action = at.Time, haven.CustodyAction(action)
			return r, err
		}, `SELECT id, at, by_actor, by_name, action, data FROM evidence_custody WHERE evidence_id = ? ORDER BY at, id`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]haven.CustodyEvent, 0, len(rows))
	for _, r := range rows {
		plain, err := db.open(ctx, r.data, evidenceCustodyAAD(id, r.ev.ID))
		if err != nil {
			return nil, err
		}
		var cd custodyData
		if err := json.Unmarshal(plain, &cd); err != nil {
			return nil, haven.Internal(fmt.Errorf("custody event %s: %w", r.ev.ID, err))
		}
		r.ev.From, r.ev.To, r.ev.Note = cd.From, cd.To, cd.Note
		out = append(out, r.ev)
	}
	e := auditEntry(ctx, string(access.EvidenceRead), audit.Allowed, "evidence", id, row.agencyID, basisLabel(d),
		map[string]string{"what": "custody"})
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyEvidence recomputes the SHA-256 of the item's file from its
// sealed chunks and compares it with the one recorded at upload. A chunk
// that is missing or does not open (altered, or moved from elsewhere) is a
// mismatch, named in Problem. The check is audited with its result.
func (db *DB) VerifyEvidence(ctx context.Context, id string) (*haven.EvidenceVerification, error) {
	row, d, err := db.evidenceFor(ctx, access.EvidenceVerify, id)
	if err != nil {
		return nil, err
	}
	if !haven.EvidenceKind(row.kind).HasFile() || row.chunks == 0 {
		return nil, haven.Errorf(haven.ENOTFOUND, "this evidence item has no file")
	}
	r := db.evidenceReader(ctx, row)
	defer r.Close()
	v := &haven.EvidenceVerification{EvidenceID: id, Recorded: row.sha, CheckedAt: db.microNow()}
	n, err := io.Copy(io.Discard, r)
	v.Size = n
	var ie *evidenceIntegrityError
	switch {
	case err == nil:
		v.Computed, v.Match = r.sum(), true
	case errors.As(err, &ie):
		v.Problem = ie.msg
		if ie.complete {
			v.Computed = r.sum()
		}
	default:
		return nil, err
	}
	e := auditEntry(ctx, string(access.EvidenceVerify), audit.Allowed, "evidence", id, row.agencyID, basisLabel(d),
		map[string]string{"match": strconv.FormatBool(v.Match)})
	if err := db.auditNow(ctx, e); err != nil {
		return nil, err
	}
	if !v.Match {
		db.cfg.Logger.ErrorContext(ctx, "evidence integrity check failed", "evidence_id", id, "problem", v.Problem)
	}
	return v, nil
}

// evidenceIntegrityError says a stored file is not what was uploaded.
type evidenceIntegrityError struct {
	id       string
	msg      string
	complete bool // every chunk opened; the hash or size differs
	err      error
}

func (e *evidenceIntegrityError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("evidence %s: %s: %v", e.id, e.msg, e.err)
	}
	return fmt.Sprintf("evidence %s: %s", e.id, e.msg)
}

func (e *evidenceIntegrityError) Unwrap() error { return e.err }

// evidenceFileReader reads an item's file a chunk at a time, opening each
// as it is needed, so a download holds one chunk in memory. It hashes what
// it reads and fails, instead of returning the last chunk, when the bytes
// are not those whose SHA-256 was recorded at upload.
type evidenceFileReader struct {
	ctx          context.Context
	db           *DB
	id, want     string
	next, chunks int
	size, read   int64
	h            hash.Hash
	buf          []byte
	err          error
}

func (db *DB) evidenceReader(ctx context.Context, row *evidenceRow) *evidenceFileReader {
	return &evidenceFileReader{ctx: ctx, db: db, id: row.id, want: row.sha, chunks: row.chunks, size: row.size, h: sha256.New()}
}

func (r *evidenceFileReader) sum() string { return hex.EncodeToString(r.h.Sum(nil)) }

func (r *evidenceFileReader) fail(msg string, complete bool, err error) error {
	ie := &evidenceIntegrityError{id: r.id, msg: msg, complete: complete, err: err}
	return &haven.Error{Code: haven.EINTERNAL, Message: "internal error", Err: ie}
}

func (r *evidenceFileReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.next >= r.chunks {
			r.err = io.EOF // the last chunk was checked as it was read
			continue
		}
		var sealed []byte
		err := r.db.readRow(r.ctx, `SELECT data FROM evidence_chunks WHERE evidence_id = ? AND n = ?`, r.id, r.next).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			r.err = r.fail(fmt.Sprintf("chunk %d is missing", r.next), false, nil)
			continue
		}
		if err != nil {
			r.err = dbErr(err)
			continue
		}
		plain, err := r.db.open(r.ctx, sealed, evidenceChunkAAD(r.id, r.next))
		if err != nil {
			r.err = r.fail(fmt.Sprintf("chunk %d does not open: it was altered or belongs elsewhere", r.next), false, err)
			continue
		}
		r.h.Write(plain)
		r.read += int64(len(plain))
		r.next++
		if r.next == r.chunks {
			// The last chunk is held back unless the whole file is what
			// was uploaded, so that a download of an altered file never
			// arrives complete.
			switch {
			case r.read != r.size:
				r.err = r.fail(fmt.Sprintf("the file has %d bytes, %d were recorded at upload", r.read, r.size), true, nil)
				continue
			case r.sum() != r.want:
				r.err = r.fail("the file's SHA-256 differs from the one recorded at upload", true, nil)
				continue
			}
		}
		r.buf = plain
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Close ends the reader; reads after it fail.
func (r *evidenceFileReader) Close() error {
	if r.err == nil || r.err == io.EOF {
		r.err = errors.New("evidence file reader closed")
	}
	r.buf = nil
	return nil
}
