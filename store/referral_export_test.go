package store

import "context"

// ReferralSealedLeft counts referral values (notes, step reasons) not
// sealed under the current data key.
func (db *DB) ReferralSealedLeft(ctx context.Context) (int, error) {
	return referralSealed.count(ctx, db.readRow, db.keyring().CurrentID())
}
