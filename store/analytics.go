package store

import (
	"context"

	"github.com/haven-dv/haven"
)

var _ haven.AnalyticsService = (*DB)(nil)

// IncidentPoints — stub, to be written (issue 8).
func (db *DB) IncidentPoints(ctx context.Context, f haven.AnalyticsFilter) ([]haven.GeoPoint, error) {
	return nil, haven.Errorf(haven.EINTERNAL, "not yet")
}

// Dashboard — stub, to be written (issue 8).
func (db *DB) Dashboard(ctx context.Context, f haven.AnalyticsFilter) (*haven.Dashboard, error) {
	return nil, haven.Errorf(haven.EINTERNAL, "not yet")
}
