package store

import (
	"context"
	"fmt"
	"strconv"
)

// Key rotation for evidence: the items' sealed data, the files' chunks,
// thumbnails and custody events; RotateKeys (keys.go) walks them through
// countEvidenceSealed and resealEvidenceBatch.

// evidenceSealed is one table of sealed evidence values: how to list the
// values not under a key (with the columns that make up the additional
// data), and how to bind and update one.
type evidenceSealed struct {
	table  string
	list   string // selects k1, k2, data, key_id of rows whose key_id <> ?; LIMIT ?
	aad    func(k1, k2 string) string
	update string // sets data and key_id, WHERE k1 = ? AND k2 = ? (or a constant) AND key_id = ? (the old key)
	// perBatch bounds the rows of one transaction (file chunks are 1 MiB).
	perBatch int
}

var evidenceSealedTables = []evidenceSealed{
	{table: "evidence", list: `SELECT id, '', data, key_id FROM evidence WHERE key_id <> ? ORDER BY id LIMIT ?`,
		aad:    func(id, _ string) string { return evidenceAAD(id) },
		update: `UPDATE evidence SET data = ?, key_id = ? WHERE id = ? AND '' = ? AND key_id = ?`, perBatch: 200},
	{table: "evidence_custody", list: `SELECT evidence_id, id, data, key_id FROM evidence_custody WHERE key_id <> ? ORDER BY id LIMIT ?`,
		aad:    evidenceCustodyAAD,
		update: `UPDATE evidence_custody SET data = ?, key_id = ? WHERE evidence_id = ? AND id = ? AND key_id = ?`, perBatch: 200},
	{table: "evidence_thumbs", list: `SELECT evidence_id, '', data, key_id FROM evidence_thumbs WHERE key_id <> ? ORDER BY evidence_id LIMIT ?`,
		aad:    func(id, _ string) string { return evidenceThumbAAD(id) },
		update: `UPDATE evidence_thumbs SET data = ?, key_id = ? WHERE evidence_id = ? AND '' = ? AND key_id = ?`, perBatch: 50},
	{table: "evidence_chunks", list: `SELECT evidence_id, CAST(n AS TEXT), data, key_id FROM evidence_chunks WHERE key_id <> ? ORDER BY evidence_id, n LIMIT ?`,
		aad: func(id, n string) string {
			i, _ := strconv.Atoi(n)
			return evidenceChunkAAD(id, i)
		},
		update: `UPDATE evidence_chunks SET data = ?, key_id = ? WHERE evidence_id = ? AND CAST(n AS TEXT) = ? AND key_id = ?`, perBatch: 8},
}

// countEvidenceSealed counts evidence values not sealed under key current.
func countEvidenceSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, s := range evidenceSealedTables {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE key_id <> ?`, s.table), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// resealEvidenceBatch re-seals, in one transaction, up to limit evidence
// values (fewer file chunks: they are large) sealed under another key than
// current, and returns how many; 0 means none are left. A value changed
// meanwhile (a custody change re-seals the item) is left alone: the update
// asks for the old key.
func (db *DB) resealEvidenceBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, s := range evidenceSealedTables {
			if n >= limit {
				return nil
			}
			type rec struct {
				k1, k2, keyID string
				data          []byte
			}
			recs, err := queryAll(ctx, t, func(sc interface{ Scan(...any) error }) (rec, error) {
				var r rec
				return r, sc.Scan(&r.k1, &r.k2, &r.data, &r.keyID)
			}, s.list, current, min(limit-n, s.perBatch))
			if err != nil {
				return err
			}
			for _, r := range recs {
				aad := s.aad(r.k1, r.k2)
				plain, err := db.open(ctx, r.data, aad)
				if err != nil {
					return err
				}
				sealed, keyID, err := db.seal(ctx, plain, aad)
				if err != nil {
					return err
				}
				if _, err := t.exec(ctx, s.update, sealed, keyID, r.k1, r.k2, r.keyID); err != nil {
					return err
				}
			}
			n += len(recs)
			if len(recs) > 0 && s.table == "evidence_chunks" {
				return nil // one batch of chunks is enough for one transaction
			}
		}
		return nil
	})
	return n, err
}
