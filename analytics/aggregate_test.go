package analytics

import (
	"testing"
	"time"
)

func TestWeekStart(t *testing.T) {
	chi, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	cases := []struct {
		in   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC), nil, "2026-03-09T00:00:00Z"},
		{time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), nil, "2026-03-09T00:00:00Z"},
		{time.Date(2026, 3, 15, 23, 59, 0, 0, time.UTC), nil, "2026-03-09T00:00:00Z"},
		// Monday 03:00 UTC is still Sunday evening in Chicago.
		{time.Date(2026, 3, 9, 3, 0, 0, 0, time.UTC), chi, "2026-03-02T00:00:00-06:00"},
		// The week after the DST change (8 March 2026) starts at CDT midnight.
		{time.Date(2026, 3, 12, 12, 0, 0, 0, time.UTC), chi, "2026-03-09T00:00:00-05:00"},
	}
	for _, tc := range cases {
		if got := WeekStart(tc.in, tc.loc).Format(time.RFC3339); got != tc.want {
			t.Errorf("WeekStart(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestHeatGrid(t *testing.T) {
	ts := []time.Time{
		time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC),  // Monday 08
		time.Date(2026, 3, 15, 23, 0, 0, 0, time.UTC), // Sunday 23
		time.Date(2026, 3, 15, 23, 59, 0, 0, time.UTC),
	}
	g := HeatGrid(ts, nil)
	if g[0][8] != 1 || g[6][23] != 2 {
		t.Errorf("grid %v", g)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	g = HeatGrid(ts[:1], tokyo) // Monday 17:30 in Tokyo
	if g[0][17] != 1 {
		t.Errorf("zone not applied")
	}
}
