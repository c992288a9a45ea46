package store

import (
	"context"
	"fmt"
)

// Key rotation for survivor cases: every sealed column of the case tables;
// RotateKeys (keys.go) walks them through countCaseSealed and
// resealCaseBatch. A row's sealed columns share its key_id, so they are
// re-sealed together.

type caseSealedTable struct {
	table string
	cols  []string
	aads  []func(id string) string
	// batch bounds the rows one batch loads: documents hold up to 10 MiB.
	batch int
}

var caseSealedTables = []caseSealedTable{
	{"cases", []string{"closed_reason"}, []func(string) string{caseReasonAAD}, 0},
	{"case_services", []string{"note"}, []func(string) string{caseServiceAAD}, 0},
	{"case_notes", []string{"text"}, []func(string) string{caseNoteAAD}, 0},
	{"case_tasks", []string{"title"}, []func(string) string{caseTaskAAD}, 0},
	{"case_court_dates", []string{"sealed"}, []func(string) string{caseCourtAAD}, 0},
	{"case_documents", []string{"name", "body"}, []func(string) string{caseDocNameAAD, caseDocBodyAAD}, 8},
}

// countCaseSealed counts case rows with values not sealed under key current.
func countCaseSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	total := 0
	for _, c := range caseSealedTables {
		var n int
		if err := queryRow(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE key_id IS NOT NULL AND key_id <> ?`, c.table), current).Scan(&n); err != nil {
			return 0, dbErr(err)
		}
		total += n
	}
	return total, nil
}

// resealCaseBatch re-seals up to limit case rows sealed under another key
// than current, in one transaction, and returns how many; 0 means none are
// left. A row changed meanwhile keeps its new key: the update asks for the
// old one.
func (db *DB) resealCaseBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		for _, c := range caseSealedTables {
			if n >= limit {
				return nil
			}
			want := limit - n
			if c.batch > 0 {
				want = min(want, c.batch)
			}
			type rec struct {
				id, keyID string
				vals      [][]byte
			}
			recs, err := queryAll(ctx, t, func(s interface{ Scan(...any) error }) (rec, error) {
				r := rec{vals: make([][]byte, len(c.cols))}
				dest := []any{&r.id, &r.keyID}
				for i := range r.vals {
					dest = append(dest, &r.vals[i])
				}
				return r, s.Scan(dest...)
			}, fmt.Sprintf(`SELECT id, key_id, %s FROM %s WHERE key_id IS NOT NULL AND key_id <> ? ORDER BY id LIMIT ?`,
				joinCols(c.cols), c.table), current, want)
			if err != nil {
				return err
			}
			for _, r := range recs {
				args := []any{}
				keyID := ""
				for i, v := range r.vals {
					if v == nil {
						args = append(args, nil)
						continue
					}
					plain, err := db.open(ctx, v, c.aads[i](r.id))
					if err != nil {
						return err
					}
					sealed, k, err := db.seal(ctx, plain, c.aads[i](r.id))
					if err != nil {
						return err
					}
					if keyID != "" && k != keyID {
						return fmt.Errorf("reseal %s %s: the key changed during the batch", c.table, r.id)
					}
					keyID = k
					args = append(args, sealed)
				}
				if keyID == "" {
					keyID = current
				}
				set := ""
				for i, col := range c.cols {
					if i > 0 {
						set += ", "
					}
					set += col + " = ?"
				}
				args = append(args, keyID, r.id, r.keyID)
				if _, err := t.exec(ctx, fmt.Sprintf(`UPDATE %s SET %s, key_id = ? WHERE id = ? AND key_id = ?`, c.table, set), args...); err != nil {
					return err
				}
			}
			n += len(recs)
		}
		return nil
	})
	return n, err
}

func joinCols(cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}
