package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/haven-dv/haven"
)

// memSink is an in-memory sink with the store's semantics: each batch is
// stored whole, and a (Source, SourceID) already held — from an earlier
// batch or earlier in the same batch — counts as a duplicate.
type memSink struct {
	rows    map[string]*haven.Incident
	batches int
	// after, when set, runs after each stored batch (with its number).
	after func(n int)
	// fail, when set, fails the batch with this number, storing nothing.
	fail  int
	err   error
	sizes []int
}

func newMemSink() *memSink { return &memSink{rows: map[string]*haven.Incident{}} }

func (s *memSink) sink(ctx context.Context, batch []*haven.Incident) (haven.ImportResult, error) {
	if s.err != nil && s.batches+1 == s.fail {
		return haven.ImportResult{}, s.err
	}
	var res haven.ImportResult
	for _, inc := range batch {
		k := inc.Source + "\x00" + inc.SourceID
		if _, ok := s.rows[k]; ok {
			res.Duplicates++
			continue
		}
		c := *inc // the sink must not keep the slice; its elements are fresh
		s.rows[k] = &c
		res.Imported++
	}
	s.batches++
	s.sizes = append(s.sizes, len(batch))
	if s.after != nil {
		s.after(s.batches)
	}
	return res, nil
}

// ids returns the stored source ids, sorted.
func (s *memSink) ids() []string {
	out := make([]string, 0, len(s.rows))
	for _, inc := range s.rows {
		out = append(out, inc.SourceID)
	}
	sort.Strings(out)
	return out
}

func (s *memSink) domestic() int {
	n := 0
	for _, inc := range s.rows {
		if inc.Domestic {
			n++
		}
	}
	return n
}

// reject is one row of a rejects file.
type reject struct {
	line   int
	reason string
	record string
}

// readRejects parses a rejects CSV.
func readRejects(t *testing.T, b []byte) []reject {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("rejects file is not CSV: %v\n%s", err, b)
	}
	if len(rows) == 0 || rows[0][0] != "line" || rows[0][1] != "reason" || rows[0][2] != "record" {
		t.Fatalf("rejects header = %v", rows[0])
	}
	var out []reject
	for _, r := range rows[1:] {
		n, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatalf("rejects line %q", r[0])
		}
		out = append(out, reject{n, r[1], r[2]})
	}
	return out
}

// sharedData returns the path of a file in ../shared/data/chicago, or
// skips the test when the folder is not there.
func sharedData(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", "chicago", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data not available (%s): %v — the test runs where ../shared/data/chicago exists", p, err)
	}
	return p
}
