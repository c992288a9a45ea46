package store

import "context"

// ConsentSealedLeft counts consents not sealed under the current data key.
func (db *DB) ConsentSealedLeft(ctx context.Context) (int, error) {
	return consentSealed.count(ctx, db.readRow, db.keyring().CurrentID())
}
