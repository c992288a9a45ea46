package store

import "context"

// STUB: the real resealer counts and re-seals this feature's sealed columns.

func countConsentSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	return 0, nil
}

func (db *DB) resealConsentBatch(ctx context.Context, current string, limit int) (int, error) {
	return 0, nil
}
