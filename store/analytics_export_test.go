package store

import "context"

// BackfillIncidentAnalytics runs migration 0012's Go step again, as it
// runs over rows written before the migration.
func (db *DB) BackfillIncidentAnalytics(ctx context.Context) error {
	return db.inTx(ctx, true, func(t *tx) error { return backfillIncidentAnalytics(ctx, t) })
}
