package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/nibrs"
)

// FuzzChicagoRow: any record, under either header, gives an incident that
// keeps the format's promises or a *RowError naming its line.
func FuzzChicagoRow(f *testing.F) {
	f.Add(portalRow, 2, false)
	f.Add(sampleRow, 3, true)
	f.Add(strings.Replace(portalRow, "05/03/2016", "13/45/2016", 1), 57, false)
	f.Add(strings.Replace(sampleRow, "41.75381297", "91", 1), 4, true)
	f.Add(strings.Replace(portalRow, "10.0", "10.00", 1), 5, false)
	f.Add("1,,01/01/2020 01:00:00 AM,,,,,,,0,,,,,,,,,,,,(1, 2)", 6, false)
	f.Fuzz(func(t *testing.T, s string, line int, xy bool) {
		header := portalHeader
		if xy {
			header = sampleHeader
		}
		m := mapper(t, Chicago(), header)
		inc, err := m.Map(strings.Split(s, ","), line)
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) || re.Line != line || re.Reason == "" || inc != nil {
				t.Fatalf("err = %#v, incident %v", err, inc)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error is not UTF-8: %q", err)
			}
			return
		}
		checkIncident(t, inc)
		if inc.Source != "chicago" || inc.OccurredAt == nil || !inc.OccurredAt.Equal(inc.ReportedAt) {
			t.Fatalf("incident %+v", inc)
		}
		if d := inc.Location.District; allDigits(d) && len(d) < 3 || strings.HasSuffix(d, ".0") && allDigits(strings.TrimSuffix(d, ".0")) {
			t.Fatalf("district %q not normalised", d)
		}
	})
}

// checkIncident checks what every mapped incident promises the store.
func checkIncident(t *testing.T, inc *haven.Incident) {
	t.Helper()
	if inc == nil || inc.SourceID == "" || len(inc.SourceID) > maxIDLen || strings.ContainsAny(inc.SourceID, " \t\r\n") {
		t.Fatalf("incident %+v", inc)
	}
	if inc.ReportedAt.IsZero() || inc.ReportedAt.Location().String() != "UTC" || inc.ReportedAt.Before(minTime) || !inc.ReportedAt.Before(maxTime) {
		t.Fatalf("reported at %v", inc.ReportedAt)
	}
	loc := inc.Location
	if (loc.Latitude == nil) != (loc.Longitude == nil) {
		t.Fatalf("one coordinate: %+v", loc)
	}
	if loc.Latitude != nil && (*loc.Latitude < -90 || *loc.Latitude > 90 || *loc.Longitude < -180 || *loc.Longitude > 180) {
		t.Fatalf("coordinates %v, %v", *loc.Latitude, *loc.Longitude)
	}
	texts := []string{inc.Source, inc.SourceID, loc.Address, loc.Beat, loc.District, loc.LocationType, inc.Narrative}
	for k, v := range inc.SourceCodes {
		texts = append(texts, k, v)
	}
	for _, v := range texts {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			t.Fatalf("text %q is not clean UTF-8", v)
		}
	}
	for _, o := range inc.Offenses {
		if !nibrs.ValidOffense(o.Code) {
			t.Fatalf("offence %q", o.Code)
		}
	}
	if len(inc.Parties) != 0 {
		t.Fatal("people invented")
	}
}

// FuzzRun: any bytes as a whole file never panic, the counts add up, the
// rejects file lists every reject with its line, and every stored
// incident keeps the format's promises.
func FuzzRun(f *testing.F) {
	f.Add([]byte(synthetic(3)), uint8(2), false)
	f.Add([]byte(sampleHeader+"\n"+sampleRow+"\n"), uint8(0), false)
	f.Add(gzipped(f, []byte(synthetic(2))), uint8(1), false)
	f.Add([]byte(portalHeader+"\n"+portalLine(1)+"\n2,\"x\n"), uint8(1), false)
	f.Add([]byte("source_id,occurred_at,narrative\na,2024-01-01T10:00:00Z,\"two\nlines\"\nb,bad,x\n"), uint8(1), true)
	f.Add([]byte(""), uint8(0), true)
	f.Fuzz(func(t *testing.T, data []byte, batch uint8, generic bool) {
		format := Chicago()
		if generic {
			format = Generic()
		}
		s := newMemSink()
		var rejects bytes.Buffer
		var stored []*haven.Incident
		sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
			if len(b) == 0 || len(b) > max(int(batch), 1) && batch != 0 || len(b) > DefaultBatchSize {
				t.Fatalf("batch of %d (size %d)", len(b), batch)
			}
			stored = append(stored, b...)
			return s.sink(ctx, b)
		}
		sum, err := Run(context.Background(), bytes.NewReader(data), Options{Format: format, BatchSize: int(batch), Sink: sink, Rejects: &rejects})
		if done := sum.Imported + sum.Duplicates + sum.Rejected; done > sum.Lines || err == nil && done != sum.Lines {
			t.Fatalf("summary %+v does not add up (err %v)", sum, err)
		}
		if sum.Imported != len(s.rows) || sum.Imported+sum.Duplicates != len(stored) {
			t.Fatalf("summary %+v, %d stored of %d sent", sum, len(s.rows), len(stored))
		}
		for _, inc := range stored {
			checkIncident(t, inc)
		}
		if sum.Rejected == 0 {
			if rejects.Len() != 0 {
				t.Fatalf("rejects file without rejects: %q", rejects.String())
			}
			return
		}
		rows, rerr := csv.NewReader(bytes.NewReader(rejects.Bytes())).ReadAll()
		if rerr != nil || len(rows) != sum.Rejected+1 {
			t.Fatalf("rejects file (%v) has %d rows for %d rejects:\n%q", rerr, len(rows), sum.Rejected, rejects.String())
		}
		prev := 1
		for _, r := range rows[1:] {
			n := 0
			for _, c := range r[0] {
				n = n*10 + int(c-'0')
			}
			if n <= prev || r[1] == "" {
				t.Fatalf("reject line %q after %d, reason %q", r[0], prev, r[1])
			}
			prev = n
		}
	})
}
