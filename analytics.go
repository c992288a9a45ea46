package haven

import (
	"context"
	"time"
)

// AnalyticsFilter selects the incidents that dashboards, hotspots and the
// map count. Analysts and command staff see aggregates of their own
// agency's incidents only; no filter opens another agency's records.
type AnalyticsFilter struct {
	// From and To bound the event time: From ≤ event < To. Zero means open.
	From, To time.Time
	District string // exact district as stored ("010"); "" = all
	Beat     string // exact beat ("0313"); "" = all
	Offense  string // NIBRS code of the first offence ("13B"); "" = all
	// Domestic: nil counts every incident, true only those flagged domestic,
	// false only those not.
	Domestic *bool
}

// GeoPoint is one incident's position (WGS84). Points never leave the
// server: the web layer turns them into grid cells.
type GeoPoint struct {
	Lat, Lon float64
}

// AnalyticsService answers aggregate questions about one agency's work.
// Implementations decide access (analysts, supervisors, command) and audit
// each query, as for every other read.
type AnalyticsService interface {
	// IncidentPoints returns the positions of the actor's agency's incidents
	// that match f and have coordinates, for hotspot and density grids.
	IncidentPoints(ctx context.Context, f AnalyticsFilter) ([]GeoPoint, error)
	// Dashboard returns the dashboard's aggregates for f.
	Dashboard(ctx context.Context, f AnalyticsFilter) (*Dashboard, error)
}

// Dashboard holds the dashboard's aggregates. Counts are exact here; the
// web layer suppresses small counts where the privacy rule says so.
type Dashboard struct {
	Filter      AnalyticsFilter `json:"-"`
	GeneratedAt time.Time       `json:"generated_at"`
}
