package store

import (
	"context"

	"github.com/haven-dv/haven"
)

// STUB: replaced by the real implementation.

var _ haven.SafetyPlanService = (*DB)(nil)

func (db *DB) SaveSafetyPlan(ctx context.Context, p *haven.SafetyPlan, version int) (*haven.SafetyPlan, error) {
	return nil, notBuilt()
}

func (db *DB) SafetyPlan(ctx context.Context, personID string, version int) (*haven.SafetyPlan, error) {
	return nil, notBuilt()
}

func (db *DB) SafetyPlanVersions(ctx context.Context, personID string) ([]haven.SafetyPlan, error) {
	return nil, notBuilt()
}

func (db *DB) SuggestPlanItems(ctx context.Context, personID string) ([]haven.PlanSection, error) {
	return nil, notBuilt()
}
