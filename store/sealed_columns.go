package store

import (
	"context"
	"fmt"
)

// sealedColumn is one column of sealed values, with a key_id column beside
// it naming the data key, the row's key column, and the additional data
// that binds each value to its row. Most features keep their sealed values
// this way; key rotation re-seals them all with sealedColumns.
type sealedColumn struct {
	table, idCol, col string
	aad               func(id string) string
}

// sealedColumns is a list of sealed columns that key rotation walks.
type sealedColumns []sealedColumn

// count counts values not sealed under key current.
func (cs sealedColumns) count(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, c := range cs {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL AND key_id <> ?`, c.table, c.col), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// reseal re-seals up to limit values sealed under another key than
// current, in one transaction, and returns how many; 0 means none are
// left. The update asks for the old key, so a value changed meanwhile
// (sealed afresh under the current key) is left alone.
func (cs sealedColumns) reseal(db *DB) func(ctx context.Context, current string, limit int) (int, error) {
	return func(ctx context.Context, current string, limit int) (int, error) {
		n := 0
		err := db.inTx(ctx, true, func(t *tx) error {
			for _, c := range cs {
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
				}, fmt.Sprintf(`SELECT %s, %s, key_id FROM %s WHERE %s IS NOT NULL AND key_id <> ? ORDER BY %s LIMIT ?`,
					c.idCol, c.col, c.table, c.col, c.idCol), current, limit-n)
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
					if _, err := t.exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = ?, key_id = ? WHERE %s = ? AND key_id = ?`, c.table, c.col, c.idCol),
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
}
