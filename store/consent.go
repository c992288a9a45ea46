package store

import (
	"context"

	"github.com/haven-dv/haven"
)

// STUB: replaced by the real implementation.

var _ haven.ConsentService = (*DB)(nil)

func notBuilt() error { return haven.Errorf(haven.EUNAVAILABLE, "not built yet") }

func (db *DB) RecordConsent(ctx context.Context, in haven.ConsentInput) (*haven.Consent, error) {
	return nil, notBuilt()
}

func (db *DB) Consent(ctx context.Context, id string) (*haven.Consent, error) { return nil, notBuilt() }

func (db *DB) PersonConsents(ctx context.Context, personID string) ([]*haven.Consent, error) {
	return nil, notBuilt()
}

func (db *DB) RevokeConsent(ctx context.Context, id, reason string) (*haven.Consent, error) {
	return nil, notBuilt()
}

func (db *DB) SharedWithMe(ctx context.Context) ([]*haven.SharedPerson, error) {
	return nil, notBuilt()
}
