package store

import (
	"context"
	"fmt"
)

// Key rotation for incident data: the sealed values of incident reports
// live in the tables below; RotateKeys (keys.go) walks them through
// countIncidentSealed and resealIncidentBatch.

// incidentSealedColumn is one column holding sealed values, with the
// key_id column beside it and the additional data that binds each value to
// its row.
type incidentSealedColumn struct {
	table, col string
	aad        func(id string) string
}

var incidentSealedColumns = []incidentSealedColumn{
	{"incidents", "sealed", incidentAAD},
	{"incident_supplements", "text", supplementAAD},
	{"incident_changes", "comment", changeCommentAAD},
	{"incident_protocol", "sealed", protocolAAD},
}

// countIncidentSealed counts incident values not sealed under key current,
// with queryRow: the reader pool's db.readRow for the rotation's total, or
// a transaction's t.queryRow for its final check.
func countIncidentSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, c := range incidentSealedColumns {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL AND key_id <> ?`, c.table, c.col), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// resealIncidentBatch re-seals up to limit incident values sealed under
// another key than current, in one transaction, and returns how many it
// re-sealed; 0 means none are left.
func (db *DB) resealIncidentBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, c := range incidentSealedColumns {
			if n >= limit {
				return nil
			}
			type rec struct {
				id   string
				data []byte
			}
			recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
				var r rec
				return r, s.Scan(&r.id, &r.data)
			}, fmt.Sprintf(`SELECT id, %s FROM %s WHERE %s IS NOT NULL AND key_id <> ? ORDER BY id LIMIT ?`, c.col, c.table, c.col), current, limit-n)
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
				if _, err := t.exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = ?, key_id = ? WHERE id = ?`, c.table, c.col), sealed, keyID, r.id); err != nil {
					return err
				}
			}
			n += len(recs)
		}
		return nil
	})
	return n, err
}
