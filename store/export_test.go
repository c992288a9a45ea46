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
