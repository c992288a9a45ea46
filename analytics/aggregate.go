package analytics

import "time"

// HeatGrid counts times by weekday (rows, Monday = 0 … Sunday = 6, as in
// ISO 8601) and hour of day (columns 0–23), both in loc. A nil loc means UTC.
func HeatGrid(times []time.Time, loc *time.Location) [7][24]int {
	if loc == nil {
		loc = time.UTC
	}
	var g [7][24]int
	for _, t := range times {
		t = t.In(loc)
		g[(int(t.Weekday())+6)%7][t.Hour()]++
	}
	return g
}

// WeekStart returns midnight at the start of the ISO week (Monday) that
// contains t, in loc (nil means UTC). Across a daylight-saving change the
// result is still local midnight.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	back := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
}
