package store

import (
	"context"
	"fmt"
)

// Key rotation for referrals: the sealed notes of referrals and the sealed
// reasons of their steps; RotateKeys (keys.go) walks them through
// countReferralSealed and resealReferralBatch.

// referralSealedColumn is one column of sealed values, with the key_id
// column beside it and the additional data binding each value to its row.
type referralSealedColumn struct {
	table, col string
	aad        func(id string) string
}

var referralSealedColumns = []referralSealedColumn{
	{"referrals", "notes", referralNotesAAD},
	{"referral_transitions", "reason", referralReasonAAD},
}

// countReferralSealed counts referral values not sealed under key current.
func countReferralSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, c := range referralSealedColumns {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL AND key_id <> ?`, c.table, c.col), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// resealReferralBatch re-seals up to limit referral values sealed under
// another key than current, in one transaction, and returns how many; 0
// means none are left. The update asks for the old key, so a value
// changed meanwhile is left for the next batch.
func (db *DB) resealReferralBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, c := range referralSealedColumns {
			if n >= limit {
				return nil
			}
			type rec struct {
				id, keyID string
				data      []byte
			}
			recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
				var r rec
				return r, s.Scan(&r.id, &r.data, &r.keyID)
			}, fmt.Sprintf(`SELECT id, %s, key_id FROM %s WHERE %s IS NOT NULL AND key_id <> ? ORDER BY id LIMIT ?`, c.col, c.table, c.col),
				current, limit-n)
			if err != nil {
				return err
			}
			for _, r := range recs {
				plain, err := db.open(ctx, r.data, c.aad(r.id))
				if err != nil {
					return err
				}
				sealed, keyID, err := db.seal(ctx, plain, c.aad(r.id))
				if err != nil {
					return err
				}
				if _, err := t.exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = ?, key_id = ? WHERE id = ? AND key_id = ?`, c.table, c.col),
					sealed, keyID, r.id, r.keyID); err != nil {
					return err
				}
			}
			n += len(recs)
		}
		return nil
	})
	return n, err
}
