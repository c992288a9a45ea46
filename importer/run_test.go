package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/haven-dv/haven"
)

// portalLine returns a valid portal-format line with the given ID.
func portalLine(id int) string {
	rec := splitCSV(portalRow)
	rec[0] = fmt.Sprint(id)
	rec[2] = fmt.Sprintf("%02d/%02d/2016 %02d:%02d:00 PM", id%12+1, id%28+1, id%12+1, id%60)
	rec[9] = []string{"True", "False"}[id%2]
	return csvLine(rec)
}

func csvLine(rec []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(rec)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// synthetic returns a portal-format file of n rows with IDs from 1.
func synthetic(n int) string {
	var b strings.Builder
	b.WriteString(portalHeader + "\n")
	for i := 1; i <= n; i++ {
		b.WriteString(portalLine(i) + "\n")
	}
	return b.String()
}

// fiftyLines is the header and 49 rows: the first 50 lines of the real
// 2016 sample when it is there, else synthetic rows of the same format.
func fiftyLines(t *testing.T) []string {
	t.Helper()
	p := "../../shared/data/chicago/crimes_2016_sample.csv"
	if f, err := os.Open(p); err == nil {
		defer f.Close()
		var lines []string
		sc := bufio.NewScanner(f)
		for sc.Scan() && len(lines) < 50 {
			lines = append(lines, sc.Text())
		}
		t.Logf("using the first 50 lines of %s", p)
		return lines
	}
	t.Logf("%s is not here: using 50 synthetic lines", p)
	return strings.Split(strings.TrimSuffix(synthetic(49), "\n"), "\n")
}

// editField parses line, sets column col (by header name) and re-encodes it.
func editField(t *testing.T, line, col, v string) string {
	t.Helper()
	rec, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range strings.Split(portalHeader, ",") {
		if c == col {
			rec[i] = v
			return csvLine(rec)
		}
	}
	t.Fatalf("no column %s", col)
	return ""
}

func idOf(t *testing.T, line string) string {
	rec, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		t.Fatal(err)
	}
	return rec[0]
}

// A file with broken rows imports the good ones and lists each bad one
// with its line number, reason and raw text; a duplicate in the file is a
// duplicate, not a reject.
func TestRunBrokenFile(t *testing.T) {
	lines := fiftyLines(t)
	type bad struct {
		line   int
		reason string
	}
	lines[4] = editField(t, lines[4], "Date", "13/45/2016 11:40:00 PM")
	lines[11] = lines[11][:strings.LastIndex(lines[11], ",\"(")] // drop the Location field
	lines[19] = strings.Replace(lines[19], ",", `,X"Y`, 3)       // a bare quote in the fourth field
	lines[26] = editField(t, lines[26], "Latitude", "95.5")
	lines[32] = strings.Replace(lines[32], ",", `,"ab"c`, 5) // text after a closing quote
	lines[39] = editField(t, lines[39], "ID", "")
	lines[44] = editField(t, lines[44], "Domestic", "Yes please")
	dupID := idOf(t, lines[2])
	lines[47] = editField(t, lines[47], "ID", dupID) // the same incident as line 3
	want := []bad{
		{5, `column Date: cannot parse "13/45/2016 11:40:00 PM" as MM/DD/YYYY hh:mm:ss AM/PM`},
		{12, "has 21 fields; the header has 22"},
		{20, `malformed CSV at column `},
		{27, `column Latitude: latitude "95.5" is outside -90 to 90`},
		{33, `malformed CSV at column `},
		{40, "column ID: empty: every record needs its id in the source"},
		{45, `column Domestic: "Yes please" is not true or false`},
	}
	file := strings.Join(lines, "\n") + "\n"

	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			in := []byte(file)
			if gz {
				in = gzipped(t, in)
			}
			s := newMemSink()
			var rejects bytes.Buffer
			sum, err := Run(context.Background(), bytes.NewReader(in), Options{Format: Chicago(), BatchSize: 10, Sink: s.sink, Rejects: &rejects})
			if err != nil {
				t.Fatal(err)
			}
			if want := (Summary{Lines: 49, Imported: 41, Duplicates: 1, Rejected: 7}); sum != want {
				t.Errorf("summary %+v, want %+v", sum, want)
			}
			got := readRejects(t, rejects.Bytes())
			if len(got) != len(want) {
				t.Fatalf("%d rejects: %+v", len(got), got)
			}
			for i, w := range want {
				g := got[i]
				if g.line != w.line || !strings.HasPrefix(g.reason, w.reason) {
					t.Errorf("reject %d: line %d %q; want line %d %q", i, g.line, g.reason, w.line, w.reason)
				}
				if g.record != lines[w.line-1] {
					t.Errorf("line %d: raw record %q, want %q", w.line, g.record, lines[w.line-1])
				}
			}
			if len(s.rows) != 41 {
				t.Errorf("%d rows stored", len(s.rows))
			}
			for _, w := range want {
				if id := lines[w.line-1]; s.rows["chicago\x00"+idOfLoose(id)] != nil && w.line != 40 {
					t.Errorf("rejected line %d was stored", w.line)
				}
			}
			if s.rows["chicago\x00"+dupID] == nil {
				t.Error("the duplicated incident is missing")
			}
		})
	}
}

// idOfLoose is the first comma-separated token, for lines that may not parse.
func idOfLoose(line string) string { id, _, _ := strings.Cut(line, ","); return id }

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Killing an import midway — between batches (a cancelled context) or in
// one (a failed batch, rolled back) — and running it again, as often as it
// takes, ends with exactly the incidents of an uninterrupted run.
func TestRunResumeAfterInterruption(t *testing.T) {
	file := synthetic(2000)
	// Some rejects and an in-file duplicate, as real files have.
	file = strings.Replace(file, "\n1500,", "\n1499,", 1)
	file = strings.Replace(file, "\n777,HZ250496,", "\n777,HZ250496,not a date", 1)
	opts := func(s *memSink) Options { return Options{Format: Chicago(), BatchSize: 100, Sink: s.sink} }

	whole := newMemSink()
	full, err := Run(context.Background(), strings.NewReader(file), opts(whole))
	if err != nil {
		t.Fatal(err)
	}
	if full.Imported != 1998 || full.Duplicates != 1 || full.Rejected != 1 {
		t.Fatalf("uninterrupted: %+v", full)
	}

	t.Run("cancelled between batches", func(t *testing.T) {
		s := newMemSink()
		ctx, cancel := context.WithCancel(context.Background())
		s.after = func(n int) {
			if n == 7 {
				cancel()
			}
		}
		sum, err := Run(ctx, strings.NewReader(file), opts(s))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if len(s.rows) != 700 || sum.Imported != 700 || s.batches != 7 {
			t.Fatalf("stopped with %d rows, %d batches, %+v; want 700 in 7", len(s.rows), s.batches, sum)
		}
		s.after = nil
		again, err := Run(context.Background(), strings.NewReader(file), opts(s))
		if err != nil {
			t.Fatal(err)
		}
		if again.Duplicates != 701 || again.Imported != 1298 || again.Rejected != 1 {
			t.Errorf("resumed run: %+v", again)
		}
		if !reflect.DeepEqual(s.ids(), whole.ids()) {
			t.Error("resumed import differs from the uninterrupted one")
		}
	})

	t.Run("failed batch", func(t *testing.T) {
		s := newMemSink()
		s.fail, s.err = 4, haven.Errorf(haven.EUNAVAILABLE, "database gone")
		_, err := Run(context.Background(), strings.NewReader(file), opts(s))
		if haven.ErrorCode(err) != haven.EUNAVAILABLE || !strings.Contains(err.Error(), "storing the batch of lines 302–401") {
			t.Fatalf("err = %v", err)
		}
		if len(s.rows) != 300 {
			t.Fatalf("%d rows after the failed batch", len(s.rows))
		}
		s.err = nil
		if _, err := Run(context.Background(), strings.NewReader(file), opts(s)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.ids(), whole.ids()) {
			t.Error("resumed import differs from the uninterrupted one")
		}
	})

	t.Run("interrupted again and again", func(t *testing.T) {
		s := newMemSink()
		runs := 0
		for {
			runs++
			ctx, cancel := context.WithCancel(context.Background())
			target := len(s.rows) + 100*(1+runs%3) // a few new batches each time
			s.after = func(int) {
				if len(s.rows) >= target {
					cancel()
				}
			}
			_, err := Run(ctx, strings.NewReader(file), opts(s))
			cancel()
			if err == nil {
				break
			}
			if !errors.Is(err, context.Canceled) || runs > 100 {
				t.Fatalf("run %d: %v", runs, err)
			}
		}
		if !reflect.DeepEqual(s.ids(), whole.ids()) {
			t.Errorf("after %d runs the import differs from the uninterrupted one", runs)
		}
		t.Logf("%d runs", runs)
	})
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newMemSink()
	sum, err := Run(ctx, strings.NewReader(synthetic(10)), Options{Format: Chicago(), Sink: s.sink})
	if !errors.Is(err, context.Canceled) || len(s.rows) != 0 || sum.Lines != 10 {
		t.Errorf("%+v, %v, %d rows", sum, err, len(s.rows))
	}

	// A file of nothing but rejects still stops.
	var b strings.Builder
	b.WriteString(portalHeader + "\n")
	for range 5000 {
		b.WriteString("bad\n")
	}
	sum, err = Run(ctx, strings.NewReader(b.String()), Options{Format: Chicago(), Sink: s.sink, BatchSize: 100})
	if !errors.Is(err, context.Canceled) || sum.Lines != 100 {
		t.Errorf("all rejects: %+v, %v", sum, err)
	}
}

func TestRunSinkMiscounts(t *testing.T) {
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		return haven.ImportResult{Imported: len(b) - 1}, nil
	}
	_, err := Run(context.Background(), strings.NewReader(synthetic(3)), Options{Format: Chicago(), Sink: sink})
	if err == nil || !strings.Contains(err.Error(), "the sink counted 2 imported and 0 duplicates in a batch of 3 (lines 2–4)") {
		t.Errorf("err = %v", err)
	}
}

func TestRunHeaderProblems(t *testing.T) {
	called := false
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		called = true
		return haven.ImportResult{Imported: len(b)}, nil
	}
	for _, tt := range []struct{ name, file, err string }{
		{"empty", "", "line 1: the file is empty: it has no header row"},
		{"missing columns", "ID,Block\n1,X\n", "line 1: the header lacks the columns Date, Domestic, which the chicago format requires"},
		{"bad quote in header", "ID,\"Date\"x,Domestic\n", "importer: line 1: cannot read the header row"},
	} {
		_, err := Run(context.Background(), strings.NewReader(tt.file), Options{Format: Chicago(), Sink: sink})
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.err)
		}
	}
	if called {
		t.Error("the sink was called")
	}
	sum, err := Run(context.Background(), strings.NewReader(portalHeader+"\n"), Options{Format: Chicago(), Sink: sink})
	if err != nil || sum != (Summary{}) {
		t.Errorf("header only: %+v, %v", sum, err)
	}
	if _, err := Run(context.Background(), strings.NewReader(""), Options{Sink: sink}); err == nil {
		t.Error("no format: no error")
	}
}

// Line numbers count physical lines: blank lines and line breaks inside
// quoted fields included. CRLF endings and a byte-order mark are fine.
func TestRunLineNumbers(t *testing.T) {
	file := "\ufeffsource_id,occurred_at,narrative\r\n" +
		"a,2024-01-01T10:00:00Z,\"two\r\nlines\"\r\n" + // lines 2-3
		"\r\n" + // 4: blank, skipped
		"b,yesterday,x\r\n" + // 5
		"c,2024-01-01T10:00:00Z,\"three\nmore\nlines\"\r\n" + // 6-8
		"d,2024-01-01T10:00:00Z,\"spans\r\ntwo\",extra\r\n" + // 9-10: four fields
		"e,2024-01-01T10:00:00Z,x\r\n" + // 11
		"f,2024-01-01T10:00:00Z\r\n" + // 12: two fields
		"h,later,\"two\nlines\"\n" + // 13-14: a bad time, the right number of fields
		"g,2024-01-01T10:00:00Z,\"never closed\n" // 15: a quote open at the end of the file
	s := newMemSink()
	var rejects bytes.Buffer
	sum, err := Run(context.Background(), strings.NewReader(file), Options{Format: Generic(), Sink: s.sink, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Lines: 8, Imported: 3, Rejected: 5}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	if s.rows["generic\x00a"].Narrative != "two\nlines" || s.rows["generic\x00c"] == nil {
		t.Errorf("stored %v", s.ids())
	}
	got := readRejects(t, rejects.Bytes())
	want := []reject{
		{5, `column occurred_at: cannot parse "yesterday" as an RFC 3339 time such as 2024-05-03T23:40:00-05:00`, "b,yesterday,x"},
		{9, "has 4 fields; the header has 3 (the record spans lines 9–10: is a quote unbalanced?)", "d,2024-01-01T10:00:00Z,\"spans\ntwo\",extra"}, // csv reads \r\n in a field as \n
		{12, "has 2 fields; the header has 3", "f,2024-01-01T10:00:00Z"},
		{13, `column occurred_at: cannot parse "later" as an RFC 3339 time such as 2024-05-03T23:40:00-05:00`, "h,later,\"two\nlines\""},
		{15, "malformed CSV at column 38: a quoted field is never closed: everything up to the end of the file was read as this record", "g,2024-01-01T10:00:00Z,\"never closed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rejects\n%+v\nwant\n%+v", got, want)
	}
}

// A quote that is never closed in a big file stops the import at
// MaxRecordBytes instead of reading the rest into memory; what came
// before is stored.
func TestRunRecordTooLong(t *testing.T) {
	var b strings.Builder
	b.WriteString(synthetic(3))
	b.WriteString(`4,"HZ1,` + "\n")
	for i := 0; b.Len() < 2*MaxRecordBytes; i++ {
		rec := splitCSV(portalLine(100 + i))
		rec[len(rec)-1] = "" // no quotes that would close the open one
		b.WriteString(csvLine(rec) + "\n")
	}
	s := newMemSink()
	sum, err := Run(context.Background(), strings.NewReader(b.String()), Options{Format: Chicago(), Sink: s.sink})
	if err == nil || !strings.Contains(err.Error(), "line 5: the record starting here is longer than 1048576 bytes") {
		t.Fatalf("err = %v", err)
	}
	if len(s.rows) != 3 || sum.Imported != 3 {
		t.Errorf("stored %d, %+v", len(s.rows), sum)
	}
}

func TestRunBadGzip(t *testing.T) {
	gz := gzipped(t, []byte(synthetic(2000)))
	s := newMemSink()
	_, err := Run(context.Background(), bytes.NewReader(gz[:len(gz)/2]), Options{Format: Chicago(), Sink: s.sink, BatchSize: 100})
	if err == nil || !strings.Contains(err.Error(), "reading the input near line") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated gzip: %v", err)
	}
	if len(s.rows) == 0 {
		t.Error("nothing stored from the readable part")
	}
	_, err = Run(context.Background(), bytes.NewReader([]byte{0x1f, 0x8b, 1, 2}), Options{Format: Chicago(), Sink: s.sink})
	if err == nil || !strings.Contains(err.Error(), "looks gzip-compressed but is not readable as gzip") {
		t.Errorf("bad gzip header: %v", err)
	}
}

func TestRunProgressAndBatches(t *testing.T) {
	file := []byte(synthetic(1234))
	s := newMemSink()
	var ps []Progress
	sum, err := Run(context.Background(), bytes.NewReader(file), Options{Format: Chicago(), Sink: s.sink, BatchSize: 100,
		Size: int64(len(file)), Progress: func(p Progress) { ps = append(ps, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.sizes) != 13 || s.sizes[0] != 100 || s.sizes[12] != 34 {
		t.Errorf("batch sizes %v", s.sizes)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Read < ps[i-1].Read || ps[i].Imported < ps[i-1].Imported {
			t.Fatalf("progress went back: %+v after %+v", ps[i], ps[i-1])
		}
	}
	last := ps[len(ps)-1]
	if last.Read != int64(len(file)) || last.Total != int64(len(file)) || last.Summary != sum {
		t.Errorf("last progress %+v", last)
	}
}

// Memory stays flat however long the file: 300,000 rows (about 70 MB)
// stream through a few megabytes of heap. Run holds up to three batches,
// so the batch size is fixed here at one where that is a few megabytes.
func TestRunConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 300,000 rows")
	}
	const n = 300000
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriter(pw)
		bw.WriteString(portalHeader + "\n")
		for i := 1; i <= n; i++ {
			bw.WriteString(portalLine(i))
			bw.WriteByte('\n')
		}
		bw.Flush()
		pw.Close()
	}()
	var peak uint64
	var ms runtime.MemStats
	count := 0
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		count += len(b)
		if count%50000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return haven.ImportResult{Imported: len(b)}, nil
	}
	sum, err := Run(context.Background(), pr, Options{Format: Chicago(), Sink: sink, BatchSize: 2000})
	if err != nil || sum.Imported != n {
		t.Fatalf("%+v, %v", sum, err)
	}
	t.Logf("peak live heap %.1f MB for %d rows", float64(peak)/(1<<20), n)
	if peak > 16<<20 {
		t.Errorf("live heap reached %d bytes", peak)
	}
}

// A record the sink refuses (haven.EINVALID naming batch[I]) is rejected
// with the sink's reason and the rest of its batch is stored.
func TestRunSinkRefusesRecords(t *testing.T) {
	s := newMemSink()
	calls := 0
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		calls++
		for i, inc := range b {
			if strings.HasSuffix(inc.SourceID, "7") {
				return haven.ImportResult{}, &haven.Error{Code: haven.EINVALID, Field: fmt.Sprintf("batch[%d].reported_at", i),
					Message: fmt.Sprintf("batch[%d]: reported_at cannot be in the future", i)}
			}
		}
		return s.sink(ctx, b)
	}
	var rejects bytes.Buffer
	sum, err := Run(context.Background(), strings.NewReader(synthetic(40)), Options{Format: Chicago(), Sink: sink, BatchSize: 10, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Lines: 40, Imported: 36, Rejected: 4}); sum != want || len(s.rows) != 36 {
		t.Errorf("summary %+v, want %+v; %d stored", sum, want, len(s.rows))
	}
	if calls != 8 {
		t.Errorf("%d sink calls, want 8 (4 batches, each sent again once)", calls)
	}
	got := readRejects(t, rejects.Bytes())
	if len(got) != 4 || got[0].line != 8 || got[0].reason != "refused by the store: reported_at cannot be in the future" ||
		!strings.HasPrefix(got[0].record, "7,HZ250496,") || got[3].line != 38 {
		t.Errorf("rejects %+v", got)
	}

	// Other errors, or a field that names no record of the batch, stop the import.
	for _, bad := range []error{
		haven.FieldErrorf(haven.EINVALID, "agency_id", "no agency"),
		haven.FieldErrorf(haven.EINVALID, "batch[99].source_id", "out of range"),
		haven.FieldErrorf(haven.ECONFLICT, "batch[1].source_id", "conflict"),
	} {
		sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
			return haven.ImportResult{}, bad
		}
		_, err := Run(context.Background(), strings.NewReader(synthetic(3)), Options{Format: Chicago(), Sink: sink})
		var be *BatchError
		if !errors.As(err, &be) || be.First != 2 || be.Last != 4 || !errors.Is(err, bad) {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}

// watchedReader counts what Run reads and notes a Read under way, or one
// begun, once Run has returned: Run must not touch its reader after that.
type watchedReader struct {
	r        io.Reader
	n        atomic.Int64
	busy     atomic.Int32
	returned atomic.Bool
	late     atomic.Int32
}

func (w *watchedReader) Read(p []byte) (int, error) {
	w.busy.Add(1)
	defer w.busy.Add(-1)
	if w.returned.Load() {
		w.late.Add(1)
	}
	n, err := w.r.Read(p[:min(len(p), 1024)]) // small reads, so Run reads often
	w.n.Add(int64(n))
	return n, err
}

// done records that Run has returned and checks that it had stopped reading
// and that its goroutines end.
func (w *watchedReader) done(t *testing.T, goroutines int) {
	t.Helper()
	w.returned.Store(true)
	if b := w.busy.Load(); b != 0 {
		t.Errorf("Run returned with %d Reads under way", b)
	}
	// The reader's goroutine has finished its work when Run returns; give
	// it a moment to be gone.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after Run, %d before", n, goroutines)
	}
	if l := w.late.Load(); l != 0 {
		t.Errorf("%d Reads after Run returned", l)
	}
}

// A sink that fails mid-file stops the import at that batch: the batches
// before it are stored and counted, the error names the batch's lines, and
// the reader stops without reading the rest of the file.
func TestRunSinkFailsMidFile(t *testing.T) {
	const rows, size = 2000, 100
	file := synthetic(rows)
	boom := haven.Errorf(haven.EUNAVAILABLE, "database gone")
	for _, fail := range []int{1, 2, 5, rows / size} {
		t.Run(fmt.Sprintf("batch %d", fail), func(t *testing.T) {
			before := runtime.NumGoroutine()
			s := newMemSink()
			s.fail, s.err = fail, boom
			in := &watchedReader{r: strings.NewReader(file)}
			var ps []Progress
			sum, err := Run(context.Background(), in, Options{Format: Chicago(), Sink: s.sink, BatchSize: size,
				Progress: func(p Progress) { ps = append(ps, p) }})
			in.done(t, before)
			var be *BatchError
			// Line of the record with id i is i+1.
			first, last := (fail-1)*size+2, fail*size+1
			if !errors.As(err, &be) || be.First != first || be.Last != last || !errors.Is(err, boom) {
				t.Fatalf("err = %v, want a BatchError for lines %d–%d", err, first, last)
			}
			stored := (fail - 1) * size
			if want := (Summary{Lines: fail * size, Imported: stored}); sum != want {
				t.Errorf("summary %+v, want %+v", sum, want)
			}
			if len(s.rows) != stored || s.batches != fail-1 {
				t.Errorf("%d rows in %d batches stored, want %d in %d", len(s.rows), s.batches, stored, fail-1)
			}
			if len(ps) != fail-1 || len(ps) > 0 && ps[len(ps)-1].Imported != stored {
				t.Errorf("progress %+v", ps)
			}
			// The reader runs at most two batches ahead of the sink.
			if fail < rows/size-3 && in.n.Load() >= int64(len(file)) {
				t.Errorf("read all %d bytes though the sink failed at batch %d", in.n.Load(), fail)
			}
		})
	}
}

// A context cancelled while the sink stores a batch stops the import before
// the next batch; a sink that gives up on the cancelled context fails its
// own batch.
func TestRunCancelledWhileStoring(t *testing.T) {
	const size = 100
	file := synthetic(1000)
	for _, tt := range []struct {
		name         string
		sinkFails    bool // the sink returns ctx.Err() after the cancel
		imported     int
		lines        int
		errText      string
		wantBatchErr bool
	}{
		{"batch stored", false, 2 * size, 3 * size, "importer: stopped before line 202: context canceled", false},
		{"batch given up", true, size, 2 * size, "storing the batch of lines 102–201", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := newMemSink()
			calls := 0
			sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
				calls++
				if calls == 2 {
					cancel()
					if tt.sinkFails {
						return haven.ImportResult{}, ctx.Err()
					}
				}
				return s.sink(ctx, b)
			}
			in := &watchedReader{r: strings.NewReader(file)}
			sum, err := Run(ctx, in, Options{Format: Chicago(), Sink: sink, BatchSize: size})
			in.done(t, before)
			var be *BatchError
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), tt.errText) || errors.As(err, &be) != tt.wantBatchErr {
				t.Fatalf("err = %v, want %q", err, tt.errText)
			}
			if want := (Summary{Lines: tt.lines, Imported: tt.imported}); sum != want || len(s.rows) != tt.imported {
				t.Errorf("summary %+v, want %+v; %d stored", sum, want, len(s.rows))
			}
			if calls != 2 {
				t.Errorf("%d sink calls, want 2", calls)
			}
		})
	}
}

// A read error after some batches stores every complete record before it,
// then stops with the read error.
func TestRunReadErrorAfterBatches(t *testing.T) {
	const size = 100
	errDisk := errors.New("disk on fire")
	whole := synthetic(250)
	for _, tt := range []struct {
		name string
		file string
	}{
		{"at a line's end", whole},
		{"inside a record", whole + portalLine(251)[:40]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			s := newMemSink()
			var ps []Progress
			in := &watchedReader{r: io.MultiReader(strings.NewReader(tt.file), iotest.ErrReader(errDisk))}
			sum, err := Run(context.Background(), in, Options{Format: Chicago(), Sink: s.sink, BatchSize: size,
				Progress: func(p Progress) { ps = append(ps, p) }})
			in.done(t, before)
			if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "reading the input near line 252") {
				t.Fatalf("err = %v", err)
			}
			if want := (Summary{Lines: 250, Imported: 250}); sum != want || len(s.rows) != 250 {
				t.Errorf("summary %+v, want %+v; %d stored", sum, want, len(s.rows))
			}
			if !reflect.DeepEqual(s.sizes, []int{100, 100, 50}) {
				t.Errorf("batch sizes %v", s.sizes)
			}
			if len(ps) != 3 || ps[2].Summary != sum {
				t.Errorf("progress %+v", ps)
			}
		})
	}
}

// The rejects file and OnReject list rejects as Run meets them: a batch's
// records the reader rejected (before or among the batch's) come before
// the records the sink refused from that batch, whatever batch the reader
// has gone on to.
func TestRunRejectsOrderAcrossBatches(t *testing.T) {
	file := synthetic(40) // id i on line i+1
	for _, id := range []int{3, 9, 12, 33} {
		file = strings.Replace(file, fmt.Sprintf("\n%d,HZ250496,", id), fmt.Sprintf("\n%d,HZ250496,not a date", id), 1)
	}
	s := newMemSink()
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		for i, inc := range b {
			if strings.HasSuffix(inc.SourceID, "7") {
				return haven.ImportResult{}, &haven.Error{Code: haven.EINVALID, Field: fmt.Sprintf("batch[%d].reported_at", i),
					Message: fmt.Sprintf("batch[%d]: no", i)}
			}
		}
		return s.sink(ctx, b)
	}
	var rejects bytes.Buffer
	var told []int
	var ps []Progress
	sum, err := Run(context.Background(), strings.NewReader(file), Options{Format: Chicago(), Sink: sink, BatchSize: 5, Rejects: &rejects,
		OnReject: func(line int, _ string) { told = append(told, line) },
		Progress: func(p Progress) {
			if p.Rejected != len(told) {
				t.Errorf("progress says %d rejected after %d OnReject calls", p.Rejected, len(told))
			}
			ps = append(ps, p)
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Batches of 5 by id: 1 2 4 5 6 | 7 8 10 11 13 | 14–18 | 19–23 | 24–28 |
	// 29 30 31 32 34 | 35–39 | 40. The reader rejects 3, 9, 12, 33; the sink
	// refuses 7, 17, 27, 37. After 5 records with no batch stored Run
	// reports progress, so 9 is written then; 12 comes with its batch and
	// still goes before the sink's refusal of 7.
	wantIDs := []int{3, 9, 12, 7, 17, 27, 33, 37}
	var want []int
	for _, id := range wantIDs {
		want = append(want, id+1)
	}
	var got []int
	for _, r := range readRejects(t, rejects.Bytes()) {
		got = append(got, r.line)
		if refused := strings.HasPrefix(r.reason, "refused by the store"); refused != ((r.line-1)%10 == 7) {
			t.Errorf("line %d: reason %q", r.line, r.reason)
		}
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(told, want) {
		t.Errorf("rejects on lines %v, OnReject %v; want %v", got, told, want)
	}
	if wantSum := (Summary{Lines: 40, Imported: 32, Rejected: 8}); sum != wantSum {
		t.Errorf("summary %+v, want %+v", sum, wantSum)
	}
	if len(ps) == 0 || ps[len(ps)-1].Summary != sum {
		t.Errorf("progress %+v", ps)
	}
}

// The sink is never entered twice at once, nor while Progress or OnReject
// runs; it gets the batches in file order, and what it holds does not change
// under it while the next batch is read.
func TestRunSinkNeverConcurrent(t *testing.T) {
	file := synthetic(3000)
	file = strings.Replace(file, "\n777,HZ250496,", "\n777,HZ250496,not a date", 1)
	var inside atomic.Int32
	enter := func(what string) {
		if n := inside.Add(1); n != 1 {
			t.Errorf("%s entered with %d calls under way", what, n-1)
		}
	}
	leave := func() { inside.Add(-1) }
	last := 0
	s := newMemSink()
	sink := func(ctx context.Context, b []*haven.Incident) (haven.ImportResult, error) {
		enter("the sink")
		defer leave()
		ids := make([]string, len(b))
		for i, inc := range b {
			ids[i] = inc.SourceID
		}
		for range 20 {
			runtime.Gosched() // let the reader run while the batch is held
		}
		for i, inc := range b {
			id, err := strconv.Atoi(inc.SourceID)
			if inc.SourceID != ids[i] || err != nil || id <= last {
				t.Fatalf("batch record %d: id %q (was %q), after id %d", i, inc.SourceID, ids[i], last)
			}
			last = id
		}
		return s.sink(ctx, b)
	}
	sum, err := Run(context.Background(), strings.NewReader(file), Options{Format: Chicago(), Sink: sink, BatchSize: 50,
		OnReject: func(int, string) { enter("OnReject"); leave() },
		Progress: func(Progress) { enter("Progress"); leave() }})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Lines: 3000, Imported: 2999, Rejected: 1}); sum != want || s.batches != 60 || last != 3000 {
		t.Errorf("summary %+v, want %+v; %d batches, last id %d", sum, want, s.batches, last)
	}
}

// panicky is a format whose mapper panics on the record with id "13".
type panicky struct{ Format }

func (f panicky) Header(cols []string) (Mapper, error) {
	m, err := f.Format.Header(cols)
	return panickyMapper{m}, err
}

type panickyMapper struct{ Mapper }

func (m panickyMapper) Map(rec []string, line int) (*haven.Incident, error) {
	if rec[0] == "13" {
		panic("mapper bug")
	}
	return m.Mapper.Map(rec, line)
}

// A panic while reading reaches Run's caller, as a panic of Run's own
// goroutine would, after the reader has stopped.
func TestRunReaderPanics(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newMemSink()
	in := &watchedReader{r: strings.NewReader(synthetic(100))}
	var got any
	func() {
		defer func() { got = recover() }()
		Run(context.Background(), in, Options{Format: panicky{Chicago()}, Sink: s.sink, BatchSize: 5})
	}()
	in.done(t, before)
	if got != "mapper bug" {
		t.Errorf("recovered %v, want the mapper's panic", got)
	}
	if len(s.rows) > 10 {
		t.Errorf("%d rows stored: the import went on after the panic", len(s.rows))
	}
}
