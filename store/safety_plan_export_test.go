package store

import "context"

// PlanSealedLeft counts safety plan versions not sealed under the current
// data key.
func (db *DB) PlanSealedLeft(ctx context.Context) (int, error) {
	return countPlanSealed(ctx, db.readRow, db.keyring().CurrentID())
}
