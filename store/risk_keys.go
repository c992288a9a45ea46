package store

import (
	"context"
	"fmt"
)

// Key rotation for risk data: the sealed values of assessments, hotline
// calls and queue tasks; RotateKeys (keys.go) walks them through
// countRiskSealed and resealRiskBatch.

// riskSealedColumn is one column of sealed values, with the key_id column
// beside it, the row's key column and the additional data binding each
// value to its row.
type riskSealedColumn struct {
	table, idCol, col string
	aad               func(id string) string
}

var riskSealedColumns = []riskSealedColumn{
	{"risk_assessments", "id", "sealed", riskAssessmentAAD},
	{"risk_hotline", "assessment_id", "note", riskHotlineAAD},
	{"risk_tasks", "id", "reason", riskTaskAAD},
}

// countRiskSealed counts risk values not sealed under key current.
func countRiskSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, c := range riskSealedColumns {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL AND key_id <> ?`, c.table, c.col), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// resealRiskBatch re-seals up to limit risk values sealed under another
// key than current, in one transaction, and returns how many; 0 means none
// are left. A value changed meanwhile (a task decided) is left alone: the
// update asks for the old key, and the next batch picks it up if needed.
func (db *DB) resealRiskBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, c := range riskSealedColumns {
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
