package store

import "context"

// Key rotation for safety plans: every version's sealed content. RotateKeys
// (keys.go) walks them through countPlanSealed and resealPlanBatch.

// countPlanSealed counts plan versions not sealed under key current.
func countPlanSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	var n int
	err := queryRow(ctx, `SELECT COUNT(*) FROM safety_plans WHERE key_id <> ?`, current).Scan(&n)
	return n, dbErr(err)
}

// resealPlanBatch re-seals up to limit plan versions sealed under another
// key than current, in one transaction, and returns how many; 0 means none
// are left. Versions are never changed otherwise, so the update needs no
// guard beyond the key it read.
func (db *DB) resealPlanBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		type rec struct {
			id, keyID string
			data      []byte
		}
		recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
			var r rec
			return r, s.Scan(&r.id, &r.data, &r.keyID)
		}, `SELECT id, sealed, key_id FROM safety_plans WHERE key_id <> ? ORDER BY id LIMIT ?`, current, limit)
		if err != nil {
			return err
		}
		for _, r := range recs {
			aad := safetyPlanAAD(r.id)
			plain, err := db.open(ctx, r.data, aad)
			if err != nil {
				return err
			}
			sealed, keyID, err := db.seal(ctx, plain, aad)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE safety_plans SET sealed = ?, key_id = ? WHERE id = ? AND key_id = ?`,
				sealed, keyID, r.id, r.keyID); err != nil {
				return err
			}
		}
		n = len(recs)
		return nil
	})
	return n, err
}
