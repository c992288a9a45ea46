package store

import (
	"context"

	"github.com/haven-dv/haven"
)

// STUB: replaced by the real implementation.

var _ haven.ReferralService = (*DB)(nil)

func (db *DB) CreateReferral(ctx context.Context, in haven.ReferralInput) (*haven.Referral, error) {
	return nil, notBuilt()
}

func (db *DB) Referral(ctx context.Context, id string) (*haven.Referral, error) {
	return nil, notBuilt()
}

func (db *DB) FindReferrals(ctx context.Context, f haven.ReferralFilter) ([]*haven.Referral, error) {
	return nil, notBuilt()
}

func (db *DB) ActOnReferral(ctx context.Context, id, action, reason string) (*haven.Referral, error) {
	return nil, notBuilt()
}

func (db *DB) CaseFromReferral(ctx context.Context, id string) (*haven.Case, error) {
	return nil, notBuilt()
}
