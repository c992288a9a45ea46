package store

import "context"

// RotateAllKeys runs a key rotation and returns how many incident values
// it left under an older key (leftByRotation), then re-seals those itself
// and returns how many are left after that (left).
func (db *DB) RotateAllKeys(ctx context.Context) (leftByRotation, left int, err error) {
	if err := db.RotateKeys(ctx, nil); err != nil {
		return 0, 0, err
	}
	current := db.keyring().CurrentID()
	if leftByRotation, err = countIncidentSealed(ctx, db.readRow, current); err != nil {
		return 0, 0, err
	}
	for {
		n, err := db.resealIncidentBatch(ctx, current, 3)
		if err != nil {
			return 0, 0, err
		}
		if n == 0 {
			break
		}
	}
	left, err = countIncidentSealed(ctx, db.readRow, current)
	return leftByRotation, left, err
}

// IncidentKeyIDs lists the distinct data keys incident values are sealed under.
func (db *DB) IncidentKeyIDs(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key_id FROM incidents UNION SELECT key_id FROM incident_supplements
		UNION SELECT key_id FROM incident_changes WHERE key_id IS NOT NULL UNION SELECT key_id FROM incident_protocol WHERE key_id IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
