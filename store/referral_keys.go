package store

import "context"

// STUB: the real resealer counts and re-seals this feature's sealed columns.

func countReferralSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	return 0, nil
}

func (db *DB) resealReferralBatch(ctx context.Context, current string, limit int) (int, error) {
	return 0, nil
}
