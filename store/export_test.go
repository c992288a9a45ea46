package store

import (
	"context"
	"fmt"
	"strings"
)

// CountOccurrences counts rows of the account tables in which any column's
// stored value contains needle. Tests use it to prove secrets are stored hashed.
func (db *DB) CountOccurrences(ctx context.Context, needle string) (int, error) {
	n := 0
	for _, table := range []string{"users", "sessions", "api_tokens", "login_attempts"} {
		rows, err := db.read.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			return 0, err
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return 0, err
			}
			for _, v := range vals {
				if v != nil && strings.Contains(fmt.Sprint(v), needle) {
					n++
				} else if b, ok := v.([]byte); ok && strings.Contains(string(b), needle) {
					n++
				}
			}
		}
		rows.Close()
	}
	return n, nil
}

// ExecRaw runs SQL directly, bypassing every check: tests use it to play
// an attacker who edits the tables.
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(q), db.dialect.args(args)...)
	return err
}

// SetResealBatch changes how many records a rotation batch re-seals.
func SetResealBatch(n int) func() {
	old := resealBatchSize
	resealBatchSize = n
	return func() { resealBatchSize = old }
}

// CountAllTables is CountOccurrences over every table in the database.
func (db *DB) CountAllTables(ctx context.Context, needle string) (int, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.dialect.name == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	var tables []string
	for rows.Next() {
		var t string
		rows.Scan(&t)
		tables = append(tables, t)
	}
	rows.Close()
	n := 0
	for _, table := range tables {
		rs, err := db.read.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			return 0, err
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				rs.Close()
				return 0, err
			}
			for _, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				if strings.Contains(strings.ToLower(s), strings.ToLower(needle)) {
					n++
				}
			}
		}
		rs.Close()
	}
	return n, nil
}

// DataDirOf returns the SQLite data directory of db.
func DataDirOf(db *DB) string { return db.cfg.DataDir }

// KeyCount is how many data keys exist, and how many are not retired.
type KeyCount struct{ Live, Total int }

// CountKeys counts data keys, and those not retired.
func (db *DB) CountKeys(ctx context.Context) (KeyCount, error) {
	var k KeyCount
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), SUM(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END) FROM data_keys`).Scan(&k.Total, &k.Live)
	return k, err
}

// KeyOf returns the data key a person is sealed under.
func KeyOf(t interface{ Fatal(...any) }, db *DB, personID string) string {
	var k string
	if err := db.read.QueryRow(db.dialect.rebind(`SELECT key_id FROM persons WHERE id = ?`), personID).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}
