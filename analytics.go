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
	// AgencyID names the agency a system process (a benchmark, a scheduled
	// export) reads. For signed-in users it is ignored: they always read
	// their own agency's figures.
	AgencyID string
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
//
// Which filters apply where: the date range applies to everything (to the
// incident's event time, a referral's sending time, a shelter's days);
// district, beat, offence and the domestic flag only to the series counted
// from incidents (totals, weeks, months, areas, heat grid, repeat
// victimisation, lethality screens), never to referrals or shelters.
type Dashboard struct {
	Filter      AnalyticsFilter `json:"-"`
	GeneratedAt time.Time       `json:"generated_at"`
	// LatestEvent is the event time of the agency's latest incident, matching
	// the filter or not (nil when it has none): where data ends.
	LatestEvent *time.Time `json:"latest_event,omitempty"`
	// TimeZone is the agency's zone: days, weeks, months, hours and
	// weekdays are local to it.
	TimeZone string          `json:"time_zone"`
	Totals   DashboardTotals `json:"totals"`
	// Weeks are ISO weeks (Monday first) and Months calendar months, from
	// the first to the last with a matching incident (or the filter's
	// bounds), with empty periods included, oldest first.
	Weeks  []PeriodCount `json:"weeks"`
	Months []PeriodCount `json:"months"`
	// Districts and Beats are ordered by DV count, most first, then key.
	Districts []AreaCount `json:"districts"`
	Beats     []AreaCount `json:"beats"`
	// HeatGrid counts DV incidents by local weekday (0 = Sunday … 6 =
	// Saturday) and hour (0–23).
	HeatGrid  [7][24]int          `json:"heat_grid"`
	Repeat    RepeatVictimisation `json:"repeat"`
	Lethality LethalityCounts     `json:"lethality"`
	// ReferralsSent are referrals the agency sent; ReferralsReceived those
	// sent to it.
	ReferralsSent     ReferralTurnaround `json:"referrals_sent"`
	ReferralsReceived ReferralTurnaround `json:"referrals_received"`
	// Occupancy is one series per bed category of the agency's shelters.
	Occupancy []OccupancySeries `json:"occupancy"`
}

// DashboardTotals are the headline counts.
type DashboardTotals struct {
	Incidents     int     `json:"incidents"`      // every matching incident
	Domestic      int     `json:"domestic"`       // of which flagged domestic
	DomesticShare float64 `json:"domestic_share"` // Domestic / Incidents, 0 when none
	Arrests       int     `json:"arrests"`        // DV incidents with an arrest
	ArrestRate    float64 `json:"arrest_rate"`    // Arrests / Domestic, 0 when none
}

// PeriodCount is the DV count of a week or a month and of the same period
// one year earlier.
type PeriodCount struct {
	Period   string `json:"period"` // "2026-W09" or "2026-03"
	Start    string `json:"start"`  // first day, YYYY-MM-DD
	Domestic int    `json:"domestic"`
	LastYear int    `json:"last_year"`
}

// AreaCount is one district's or beat's count.
type AreaCount struct {
	Key      string `json:"key"` // "" for incidents with none
	Domestic int    `json:"domestic"`
	All      int    `json:"all"`
}

// RepeatVictimisation is the share of victims, and of victim–suspect
// pairs, with two or more DV incidents within twelve months.
type RepeatVictimisation struct {
	Victims       int     `json:"victims"`
	RepeatVictims int     `json:"repeat_victims"`
	VictimShare   float64 `json:"victim_share"`
	Pairs         int     `json:"pairs"`
	RepeatPairs   int     `json:"repeat_pairs"`
	PairShare     float64 `json:"pair_share"`
}

// LethalityCounts count DV incidents by what happened with the Lethality
// Screen (defined as in ScreeningStats).
type LethalityCounts struct {
	Incidents  int `json:"incidents"`
	Offered    int `json:"offered"`
	Answered   int `json:"answered"`
	ScreenedIn int `json:"screened_in"`
	Connected  int `json:"connected"`
}

// ReferralTurnaround is how fast referrals were acknowledged (accepted or
// declined) after they were sent, and how many miss a target now.
type ReferralTurnaround struct {
	Referrals    int `json:"referrals"`
	Acknowledged int `json:"acknowledged"`
	// Hours from sending to acknowledgement, over the acknowledged ones.
	MedianHours float64 `json:"median_hours"`
	MeanHours   float64 `json:"mean_hours"`
	// AcknowledgedLate were acknowledged after their target.
	AcknowledgedLate int `json:"acknowledged_late"`
	// Overdue miss a target now: to acknowledge, or to start once accepted.
	OverdueAcknowledge int `json:"overdue_acknowledge"`
	OverdueStart       int `json:"overdue_start"`
}

// OccupancySeries is one bed category's daily occupancy over the agency's
// shelters.
type OccupancySeries struct {
	Category string         `json:"category"`
	Days     []OccupancyDay `json:"days"`
}

// OccupancyDay is the state at the end of a local day: the last count of
// each shelter recorded by then, summed.
type OccupancyDay struct {
	Day      string  `json:"day"` // YYYY-MM-DD
	Total    int     `json:"total"`
	Occupied int     `json:"occupied"`
	Percent  float64 `json:"percent"` // Occupied / Total × 100, 0 when no beds
}
