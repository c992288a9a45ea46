package store

import "context"

// Test hooks for the evidence tests.

// EvidenceThumbnail is the thumbnail maker, for the fuzz test.
var EvidenceThumbnail = evidenceThumbnail

// SniffEvidence is the content-type detector.
var SniffEvidence = sniffEvidence

// EvidenceChunkSize is how much plaintext one sealed chunk holds.
const EvidenceChunkSize = evidenceChunkSize

// EvidenceChunks counts the stored chunks of an item (any state).
func (db *DB) EvidenceChunks(ctx context.Context, id string) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM evidence_chunks WHERE evidence_id = ?`, id).Scan(&n)
	return n, err
}

// EvidenceRows counts evidence rows by state ("" for all).
func (db *DB) EvidenceRows(ctx context.Context, state string) (int, error) {
	var n int
	q, args := `SELECT COUNT(*) FROM evidence`, []any{}
	if state != "" {
		q, args = q+` WHERE state = ?`, append(args, state)
	}
	err := db.readRow(ctx, q, args...).Scan(&n)
	return n, err
}

// SwapEvidenceChunks exchanges the sealed bytes of two chunks of an item,
// as an attacker with write access to the database might.
func (db *DB) SwapEvidenceChunks(ctx context.Context, id string, a, b int) error {
	var da, dbb []byte
	if err := db.readRow(ctx, `SELECT data FROM evidence_chunks WHERE evidence_id = ? AND n = ?`, id, a).Scan(&da); err != nil {
		return err
	}
	if err := db.readRow(ctx, `SELECT data FROM evidence_chunks WHERE evidence_id = ? AND n = ?`, id, b).Scan(&dbb); err != nil {
		return err
	}
	if err := db.ExecRaw(ctx, `UPDATE evidence_chunks SET data = ? WHERE evidence_id = ? AND n = ?`, dbb, id, a); err != nil {
		return err
	}
	return db.ExecRaw(ctx, `UPDATE evidence_chunks SET data = ? WHERE evidence_id = ? AND n = ?`, da, id, b)
}

// AgeEvidenceUploads moves the creation time of unfinished uploads back,
// so that PruneEvidenceUploads takes them.
func (db *DB) AgeEvidenceUploads(ctx context.Context) error {
	return db.ExecRaw(ctx, `UPDATE evidence SET created_at = ? WHERE state = 'uploading'`, db.now().Add(-2*evidenceUploadMaxAge))
}

// ResealEvidence re-seals every evidence value under the current key, as
// RotateKeys will once it calls resealEvidenceBatch, and returns how many
// values were left under other keys before and after.
func (db *DB) ResealEvidence(ctx context.Context) (before, after int, err error) {
	current := db.keyring().CurrentID()
	if before, err = countEvidenceSealed(ctx, db.readRow, current); err != nil {
		return
	}
	for {
		n, err := db.resealEvidenceBatch(ctx, current, 5)
		if err != nil {
			return before, 0, err
		}
		if n == 0 {
			break
		}
	}
	after, err = countEvidenceSealed(ctx, db.readRow, current)
	return
}
