package importer

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// The real files of ../shared/data/chicago import completely: every row is
// valid, with the counts their README states.
func TestRealChicagoFiles(t *testing.T) {
	tests := []struct {
		file            string
		rows, domestic  int
		withCoordinates int
	}{
		{"crimes_2016_sample.csv", 4517, 691, 4506},
		{"chicago_crimes_100k.csv.gz", 100000, 13364, 100000},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if testing.Short() && tt.rows > 10000 {
				t.Skip("100k rows: skipped with -short")
			}
			f, err := os.Open(sharedData(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			s := newMemSink()
			var rejects bytes.Buffer
			var last Progress
			sum, err := Run(context.Background(), f, Options{Format: Chicago(), Sink: s.sink, Rejects: &rejects,
				Size: fi.Size(), Progress: func(p Progress) { last = p }})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range readRejects(t, rejects.Bytes()) {
				t.Errorf("rejected line %d: %s", r.line, r.reason)
			}
			want := Summary{Lines: tt.rows, Imported: tt.rows}
			if sum != want {
				t.Errorf("summary %+v, want %+v", sum, want)
			}
			if got := s.domestic(); got != tt.domestic {
				t.Errorf("domestic = %d, want %d", got, tt.domestic)
			}
			coords := 0
			for _, inc := range s.rows {
				if inc.Location.Latitude != nil {
					coords++
					// Every real point lies in Chicago (not enforced, but a
					// swapped x/y would show here).
					if la, lo := *inc.Location.Latitude, *inc.Location.Longitude; la < 41.6 || la > 42.1 || lo < -88 || lo > -87.5 {
						t.Fatalf("%s: point %v,%v is not in Chicago", inc.SourceID, la, lo)
					}
				}
				if len(inc.Location.District) != 0 && len(inc.Location.District) != 3 || len(inc.Location.Beat) != 4 {
					t.Fatalf("%s: beat %q, district %q", inc.SourceID, inc.Location.Beat, inc.Location.District)
				}
			}
			if tt.rows == 100000 {
				// The README's rows per year, by the local date: the
				// dates were read in Chicago time.
				years := map[int]int{}
				for _, inc := range s.rows {
					years[inc.OccurredAt.In(chicagoZone).Year()]++
				}
				for y, n := range map[int]int{2001: 6910, 2002: 6485, 2010: 5145, 2016: 3744, 2019: 3580, 2020: 1425} {
					if years[y] != n {
						t.Errorf("%d rows in %d, want %d", years[y], y, n)
					}
				}
			}
			if coords != tt.withCoordinates {
				t.Errorf("%d rows with coordinates, want %d", coords, tt.withCoordinates)
			}
			if last.Read != fi.Size() || last.Total != fi.Size() || last.Summary != sum {
				t.Errorf("last progress %+v, want all %d bytes and %+v", last, fi.Size(), sum)
			}
		})
	}
}

// The upstream 100k file writes no quotes, so its 3,356 rows with a comma
// inside Description or Location Description have 22 to 25 fields: each is
// rejected with its line number, and the rest import.
func TestRealChicagoUnquoted(t *testing.T) {
	if testing.Short() {
		t.Skip("100k rows: skipped with -short")
	}
	f, err := os.Open(sharedData(t, "chicago_crimes_100k_upstream.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newMemSink()
	var rejects bytes.Buffer
	sum, err := Run(context.Background(), f, Options{Format: Chicago(), Sink: s.sink, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Lines: 100000, Imported: 96644, Rejected: 3356}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	rs := readRejects(t, rejects.Bytes())
	if len(rs) != 3356 {
		t.Fatalf("%d rejects listed", len(rs))
	}
	for _, r := range rs[:5] {
		t.Logf("line %d: %s", r.line, r.reason)
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.reason, "has 2") || !strings.HasSuffix(r.reason, "fields; the header has 21") {
			t.Fatalf("line %d: reason %q", r.line, r.reason)
		}
		// The file has one record a line, so line n is record n-1; its
		// raw text is the line itself.
		if n := strings.Count(r.record, ",") + 1; n < 22 || n > 25 {
			t.Fatalf("line %d: raw record has %d fields: %q", r.line, n, r.record)
		}
	}
}
