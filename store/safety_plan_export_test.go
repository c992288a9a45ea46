package store

import "context"

// PlanSealedLeft counts safety plan versions not sealed under the current
// data key.
func (db *DB) PlanSealedLeft(ctx context.Context) (int, error) {
	return planSealed.count(ctx, db.readRow, db.keyring().CurrentID())
}
