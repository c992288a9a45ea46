package store

import (
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// sortByEvent orders an import batch by event time (occurred, else
// reported), keeping the given order among equal times.
func TestSortByEvent(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 3, 1, h, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	rec := func(id string, reported time.Time, occurred *time.Time) incidentInsert {
		return incidentInsert{in: &haven.Incident{ID: id, ReportedAt: reported, OccurredAt: occurred}}
	}
	tests := []struct {
		name string
		in   []incidentInsert
		want []string
	}{
		{"empty", nil, nil},
		{"occurred before reported wins", []incidentInsert{
			rec("a", at(9), nil), rec("b", at(10), ptr(at(1))), rec("c", at(5), nil),
		}, []string{"b", "c", "a"}},
		{"ties keep their order", []incidentInsert{
			rec("x", at(3), nil), rec("y", at(2), nil), rec("z", at(8), ptr(at(3))), rec("w", at(3), nil),
		}, []string{"y", "x", "z", "w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sortByEvent(tt.in)
			var got []string
			for _, r := range tt.in {
				got = append(got, r.in.ID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
