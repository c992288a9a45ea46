package store

import "context"

// CaseSealedLeft counts case rows with values not sealed under the current
// data key.
func (db *DB) CaseSealedLeft(ctx context.Context) (int, error) {
	return countCaseSealed(ctx, db.readRow, db.keyring().CurrentID())
}
