package store

import "context"

// RiskSealedLeft counts risk values (assessments, hotline notes, task
// reasons) not sealed under the current data key.
func (db *DB) RiskSealedLeft(ctx context.Context) (int, error) {
	return riskSealed.count(ctx, db.readRow, db.keyring().CurrentID())
}
