package store

import "context"

// Key rotation for consents: the sealed purpose, witness and revoke reason
// of each grant, one value per row under consents/sealed/<id>; RotateKeys
// (keys.go) walks them through countConsentSealed and resealConsentBatch.

// countConsentSealed counts grants not sealed under key current.
func countConsentSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	var n int
	err := queryRow(ctx, `SELECT COUNT(*) FROM consents WHERE key_id <> ?`, current).Scan(&n)
	return n, dbErr(err)
}

// resealConsentBatch re-seals up to limit grants sealed under another key
// than current, in one transaction, and returns how many; 0 means none
// are left. A grant revoked meanwhile (re-sealed under the current key)
// is left alone: the update asks for the old key.
func (db *DB) resealConsentBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		type rec struct {
			id, keyID string
			data      []byte
		}
		recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
			var r rec
			return r, s.Scan(&r.id, &r.data, &r.keyID)
		}, `SELECT id, sealed, key_id FROM consents WHERE key_id <> ? ORDER BY id LIMIT ?`, current, limit)
		if err != nil {
			return err
		}
		for _, r := range recs {
			plain, err := db.open(ctx, r.data, consentAAD(r.id))
			if err != nil {
				return err
			}
			sealed, keyID, err := db.seal(ctx, plain, consentAAD(r.id))
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE consents SET sealed = ?, key_id = ? WHERE id = ? AND key_id = ?`, sealed, keyID, r.id, r.keyID); err != nil {
				return err
			}
		}
		n = len(recs)
		return nil
	})
	return n, err
}
