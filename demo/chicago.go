package demo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/importer"
)

// ChicagoFile is the real 100,000-row sample of the City of Chicago's
// "Crimes - 2001 to present" open data that the demo imports into
// metro-pd, so that the dashboards and the map show real patterns.
const ChicagoFile = "chicago_crimes_100k.csv.gz"

// IncidentsEnv names the environment variable that gives the file to
// import instead (a path), or "off" to import none.
const IncidentsEnv = "HAVEN_DEMO_INCIDENTS"

// FindChicago returns the path of the real Chicago sample: $HAVEN_DEMO_INCIDENTS
// when set ("" when it is "off"), else the first of shared/data/chicago/ChicagoFile
// found in the parent or the current directory, or beside or above the
// executable; "" when there is none. lookupEnv nil means os.LookupEnv.
func FindChicago(lookupEnv func(string) (string, bool)) string {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if v, ok := lookupEnv(IncidentsEnv); ok && v != "" {
		if v == "off" {
			return ""
		}
		return v
	}
	return FindShared(filepath.Join("data", "chicago", ChicagoFile))
}

// FindShared looks for rel in the shared folder next to the project:
// ../shared, ./shared, then the same beside the executable and one level up.
func FindShared(rel string) string {
	dirs := []string{filepath.Join("..", "shared"), "shared"}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Dir(exe)
		dirs = append(dirs, filepath.Join(d, "shared"), filepath.Join(d, "..", "shared"), filepath.Join(d, "..", "..", "shared"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, rel)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// The real incidents are the last step, so that the background import
// starts once the rest of the demo is in place and does not hold up the
// other steps' writes.
func init() {
	Steps = append(Steps, Step{"real Chicago incidents", func(ctx context.Context, s *Seed) error {
		ag, ok := s.Agencies[MarkerAgency]
		if !ok {
			return errors.New("no metro-pd agency")
		}
		return seedChicago(ctx, s, ag.ID)
	}})
}

// ChicagoBatch is how many rows the demo stores per transaction: large
// enough for speed (docs/BENCHMARKS.md), small enough that the server's own
// writes wait at most a fraction of a second behind a batch.
const ChicagoBatch = 5000

// ImportStatus tells how the demo's import of the real Chicago incidents
// is going; web pages show it while the dashboards fill.
type ImportStatus struct {
	State    string    `json:"state"` // "", "absent", "importing", "done" or "failed"
	File     string    `json:"file,omitempty"`
	Imported int       `json:"imported"`   // rows stored by this run
	Already  int       `json:"duplicates"` // rows found already stored
	Rejected int       `json:"rejected"`
	Read     int64     `json:"read_bytes"` // of the (compressed) file
	Size     int64     `json:"size_bytes"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	Error    string    `json:"error,omitempty"`
}

// Importing reports whether the import is still running.
func (s ImportStatus) Importing() bool { return s.State == "importing" }

var chicago struct {
	mu     sync.Mutex
	status ImportStatus
	done   chan struct{} // closed when the background import ends
}

// ChicagoStatus is the state of the real-data import of this process's
// demo (State "" when none was started).
func ChicagoStatus() ImportStatus {
	chicago.mu.Lock()
	defer chicago.mu.Unlock()
	return chicago.status
}

// WaitChicago waits until a background import started by Ensure ends, or
// ctx is done.
func WaitChicago(ctx context.Context) error {
	chicago.mu.Lock()
	done := chicago.done
	chicago.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func setChicago(f func(*ImportStatus)) {
	chicago.mu.Lock()
	defer chicago.mu.Unlock()
	f(&chicago.status)
}

// seedChicago imports the real Chicago sample (FindChicago) into metro-pd,
// in the background: the server answers at once, the log reports progress,
// ChicagoStatus tells pages how far it got. It is skipped, with a log line,
// when the file is absent, and skipped quickly when the demo's earlier
// imports already stored as many rows as the file has. An import cut short
// (the server stopped) is completed by the next start: rows stored count as
// duplicates.
func seedChicago(ctx context.Context, s *Seed, agencyID string) error {
	log := slog.Default()
	path := FindChicago(nil)
	if path == "" {
		log.Info("demo: the real Chicago incidents file is not here; the dashboards show only the three fictional reports",
			"file", ChicagoFile, "looked_in", "../shared/data/chicago, ./shared/data/chicago, beside the binary", "env", IncidentsEnv)
		setChicago(func(st *ImportStatus) { *st = ImportStatus{State: "absent", File: ChicagoFile} })
		return nil
	}
	stored, err := chicagoStored(ctx, s, agencyID)
	if err != nil {
		return err
	}
	if stored > 0 {
		rows, err := countRecords(path)
		if err != nil {
			return err
		}
		if stored >= rows {
			setChicago(func(st *ImportStatus) {
				*st = ImportStatus{State: "done", File: path, Already: stored}
			})
			return nil
		}
	}
	done := make(chan struct{})
	chicago.mu.Lock()
	chicago.status = ImportStatus{State: "importing", File: path, Started: time.Now()}
	chicago.done = done
	chicago.mu.Unlock()
	log.Info("demo: importing the real Chicago incidents into metro-pd in the background", "file", path, "already_stored", stored)
	go func() {
		defer close(done)
		sum, err := importChicago(ctx, s, agencyID, path, log)
		setChicago(func(st *ImportStatus) {
			st.Finished = time.Now()
			if err != nil {
				st.State, st.Error = "failed", err.Error()
			} else {
				st.State = "done"
			}
		})
		if err != nil {
			log.Warn("demo: the Chicago import stopped; the next start carries on", "imported", sum.Imported, "error", err)
			return
		}
		log.Info("demo: real Chicago incidents imported", "imported", sum.Imported, "duplicates", sum.Duplicates,
			"rejected", sum.Rejected, "seconds", time.Since(ChicagoStatus().Started).Seconds())
	}()
	return nil
}

// importChicago imports path into agencyID, updating the status and
// logging progress about every tenth of the file.
func importChicago(ctx context.Context, s *Seed, agencyID, path string, log *slog.Logger) (importer.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return importer.Summary{}, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	setChicago(func(st *ImportStatus) { st.Size = size })
	nextLog := size / 10
	return importer.Run(ctx, f, importer.Options{
		Format:    importer.Chicago(),
		BatchSize: ChicagoBatch,
		Size:      size,
		Sink: func(_ context.Context, batch []*haven.Incident) (haven.ImportResult, error) {
			// A batch begun is finished even when ctx ends (Run checks ctx
			// between batches).
			return s.DB.ImportIncidents(context.WithoutCancel(ctx), agencyID, batch)
		},
		Progress: func(p importer.Progress) {
			setChicago(func(st *ImportStatus) {
				st.Imported, st.Already, st.Rejected, st.Read = p.Imported, p.Duplicates, p.Rejected, p.Read
			})
			if size > 0 && p.Read >= nextLog && p.Read < size {
				nextLog = p.Read + size/10
				log.Info("demo: importing Chicago incidents", "imported", p.Imported, "duplicates", p.Duplicates,
					"percent", 100*p.Read/size)
			}
		},
	})
}

// chicagoStored sums the rows the demo loader's imports of Chicago data
// stored in the agency, from the audit log's one entry per batch.
func chicagoStored(ctx context.Context, s *Seed, agencyID string) (int, error) {
	entries, err := s.DB.FindAudit(ctx, audit.Filter{Action: "incident.import", Limit: 10000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.ActorName != "demo" || e.RecordAgencyID != agencyID || !slices.Contains(strings.Split(e.Details["sources"], ","), importer.ChicagoSource) {
			continue
		}
		k, _ := strconv.Atoi(e.Details["imported"])
		n += k
	}
	return n, nil
}

// countRecords counts the lines after the header of a CSV file, gzip or
// not (the Chicago files have no line breaks inside fields).
func countRecords(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, err
		}
		r = zr
	}
	n := 0
	buf := make([]byte, 1<<16)
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return max(n-1, 0), nil
		} else if err != nil {
			return 0, err
		}
	}
}
