package store

import (
	"slices"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// sortByEvent orders an import batch by event time (occurred, else
// reported), keeping the given order among equal times.
func TestSortByEvent(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 3, 1, h, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	rec := func(reported time.Time, occurred *time.Time) haven.Incident {
		return haven.Incident{ReportedAt: reported, OccurredAt: occurred}
	}
	recs := []haven.Incident{
		rec(at(9), nil),         // 0
		rec(at(10), ptr(at(1))), // 1: occurred early, reported late
		rec(at(5), nil),         // 2
		rec(at(3), nil),         // 3
		rec(at(2), nil),         // 4
		rec(at(8), ptr(at(3))),  // 5: ties with 3 by occurred time
		rec(at(3), nil),         // 6: ties with 3 and 5
	}
	tests := []struct {
		name      string
		idx, want []int
	}{
		{"empty", nil, nil},
		{"occurred before reported wins", []int{0, 1, 2}, []int{1, 2, 0}},
		{"ties keep their given order", []int{3, 4, 5, 6}, []int{4, 3, 5, 6}},
		{"given order, not index order, breaks ties", []int{6, 5, 3}, []int{6, 5, 3}},
		{"a subset", []int{6, 0, 4}, []int{4, 6, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.idx)
			sortByEvent(recs, got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
