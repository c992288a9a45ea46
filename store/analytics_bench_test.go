package store_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/importer"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// The analytics benchmarks run the dashboard and the point query over a
// million incidents of one agency (HAVEN_BENCH_INCIDENTS overrides the
// number). Loading them through ImportIncidents takes minutes, so the
// loaded database is kept between runs:
//
//   - SQLite: the data directory os.TempDir()/haven-bench-1m (or
//     haven-bench-<n> for another size) with haven.db, the master key in
//     bench.key and a file "complete" written only after the load
//     finished (it holds the agency's id and the count). A directory
//     without "complete" is removed and loaded again. Delete the directory
//     to start afresh.
//   - PostgreSQL (when HAVEN_TEST_POSTGRES is set): the database
//     haven_bench_1m (haven_bench_<n>) on the same server, created when
//     missing and reused when its agency "bench-pd" already holds the
//     number of incidents and the master key it was loaded with is in
//     os.TempDir()/haven_bench_1m.key; otherwise it is dropped and loaded
//     again. DROP DATABASE haven_bench_1m to start afresh.
//
// The records are the real Chicago sample (../shared/data/chicago/
// chicago_crimes_100k.csv.gz, read with the importer's Chicago format)
// when present, each used again as often as needed with its time moved by
// up to ±3 days, its position by up to ±0.002° and a distinct source id;
// synthetic records around Chicago otherwise. Which was used is logged.

func benchIncidents() int {
	if n, err := strconv.Atoi(os.Getenv("HAVEN_BENCH_INCIDENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func analyticsBenchName(n int) string {
	if n == 1_000_000 {
		return "1m"
	}
	return strconv.Itoa(n)
}

// benchSource yields the records to load.
type benchSource struct {
	base []*haven.Incident
	real bool
	rng  *rand.Rand
}

func newBenchSource(b *testing.B) *benchSource {
	s := &benchSource{rng: rand.New(rand.NewPCG(8, 8))}
	path := filepath.Join("..", "..", "shared", "data", "chicago", "chicago_crimes_100k.csv.gz")
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		if recs, err := readChicago(f); err == nil && len(recs) > 0 {
			s.base, s.real = recs, true
			b.Logf("analytics bench data: %d real Chicago records from %s, resampled and jittered", len(recs), path)
			return s
		} else if err != nil {
			b.Logf("reading %s: %v", path, err)
		}
	}
	b.Logf("analytics bench data: synthetic (no Chicago sample at %s)", path)
	return s
}

func readChicago(r io.Reader) ([]*haven.Incident, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(gz)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	m, err := importer.Chicago().Header(header)
	if err != nil {
		return nil, err
	}
	var out []*haven.Incident
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		in, err := m.Map(rec, line)
		if err != nil {
			continue // the importer rejects a few rows too
		}
		out = append(out, in)
	}
}

func fptr64(v float64) *float64 { return &v }

// record i of the load.
func (s *benchSource) record(i int) *haven.Incident {
	if !s.real {
		at := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.rng.Int64N(int64(10 * 365 * 24 * time.Hour))))
		dom := s.rng.IntN(4) == 0
		beat := fmt.Sprintf("%02d%02d", 1+s.rng.IntN(25), 1+s.rng.IntN(30))
		in := &haven.Incident{Source: "bench", SourceID: fmt.Sprint(i), ReportedAt: at, OccurredAt: &at, Domestic: dom,
			Location: haven.Location{Latitude: fptr64(41.65 + s.rng.Float64()*0.35), Longitude: fptr64(-87.85 + s.rng.Float64()*0.3),
				Beat: beat, District: "0" + beat[:2], LocationType: "RESIDENCE"},
			Offenses:    []haven.Offense{{Code: []string{"13B", "13A", "290", "23H"}[s.rng.IntN(4)]}},
			SourceCodes: map[string]string{"arrest": strconv.FormatBool(s.rng.IntN(5) == 0)}}
		return in
	}
	base := s.base[i%len(s.base)]
	in := *base
	in.Source, in.SourceID = "bench", fmt.Sprint(i)
	shift := time.Duration(s.rng.Int64N(int64(6*24*time.Hour))) - 3*24*time.Hour
	if i < len(s.base) {
		shift = 0
	}
	rep := in.ReportedAt.Add(shift)
	if now := time.Now().Add(-time.Hour); rep.After(now) {
		rep = now
	}
	in.ReportedAt = rep
	if base.OccurredAt != nil {
		occ := base.OccurredAt.Add(shift)
		if occ.After(rep) {
			occ = rep
		}
		in.OccurredAt = &occ
	}
	if base.Location.Latitude != nil && base.Location.Longitude != nil {
		in.Location.Latitude = fptr64(*base.Location.Latitude + (s.rng.Float64()-0.5)*0.004)
		in.Location.Longitude = fptr64(*base.Location.Longitude + (s.rng.Float64()-0.5)*0.004)
	}
	in.ID, in.Number, in.Status, in.Version = "", "", "", 0
	return &in
}

// loadBench imports n records for agency in batches of 500.
func loadBench(b *testing.B, db *store.DB, agencyID string, n int) {
	src := newBenchSource(b)
	ctx := haven.NewContextWithActor(context.Background(), haven.SystemActor("bench"))
	start := time.Now()
	const size = 500
	batch := make([]*haven.Incident, 0, size)
	for i := 0; i < n; i++ {
		batch = append(batch, src.record(i))
		if len(batch) == size || i == n-1 {
			if _, err := db.ImportIncidents(ctx, agencyID, batch); err != nil {
				b.Fatalf("import at %d: %v", i, err)
			}
			batch = batch[:0]
		}
		if (i+1)%100_000 == 0 {
			b.Logf("loaded %d in %s", i+1, time.Since(start).Round(time.Second))
		}
	}
	// VACUUM as well on PostgreSQL: it sets the visibility map that lets
	// the planner answer from an index alone, as autovacuum would later.
	q := "ANALYZE"
	if db.Driver() == "postgres" {
		q = "VACUUM ANALYZE"
	}
	if err := db.ExecRaw(ctx, q); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d incidents on %s in %s (%.0f records/s)", n, db.Driver(), time.Since(start).Round(time.Second),
		float64(n)/time.Since(start).Seconds())
}

// benchSQLite opens (loading when needed) the cached SQLite database.
func benchSQLite(b *testing.B, n int) (*store.DB, string) {
	dir := filepath.Join(os.TempDir(), "haven-bench-"+analyticsBenchName(n))
	ctx := context.Background()
	if done, err := os.ReadFile(filepath.Join(dir, "complete")); err == nil {
		if agencyID, count, ok := strings.Cut(strings.TrimSpace(string(done)), " "); ok && count == strconv.Itoa(n) {
			raw, err := os.ReadFile(filepath.Join(dir, "bench.key"))
			if err == nil {
				if key, err := crypt.ParseMasterKey(strings.TrimSpace(string(raw))); err == nil {
					cfg := storetest.Config()
					cfg.DataDir, cfg.MasterKey = dir, key
					db, err := store.Open(ctx, cfg)
					if err != nil {
						b.Fatal(err)
					}
					b.Logf("reusing %s (%d incidents)", dir, n)
					return db, agencyID
				}
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	cfg := storetest.Config()
	cfg.DataDir = dir
	if err := os.WriteFile(filepath.Join(dir, "bench.key"), []byte(cfg.MasterKey.Base64()), 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	pd := storetest.MustAgency(b, db, "bench-pd", haven.KindPolice)
	loadBench(b, db, pd.ID, n)
	if err := os.WriteFile(filepath.Join(dir, "complete"), []byte(pd.ID+" "+strconv.Itoa(n)), 0o600); err != nil {
		b.Fatal(err)
	}
	return db, pd.ID
}

// benchPostgres opens (creating and loading when needed) the dedicated
// PostgreSQL database; nil when PostgreSQL is not configured.
func benchPostgres(b *testing.B, n int) (*store.DB, string) {
	base := os.Getenv("HAVEN_TEST_POSTGRES")
	if base == "" {
		return nil, ""
	}
	ctx := context.Background()
	name := "haven_bench_" + analyticsBenchName(n)
	// The master key the database was loaded with (Open unwraps the data
	// keys); without it the database is loaded again.
	keyFile := filepath.Join(os.TempDir(), name+".key")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if exists {
		conn, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		var agencyID string
		var count int
		err = conn.QueryRowContext(ctx, `SELECT a.id, COUNT(i.id) FROM agencies a JOIN incidents i ON i.agency_id = a.id
			WHERE a.slug = 'bench-pd' GROUP BY a.id`).Scan(&agencyID, &count)
		conn.Close()
		raw, kerr := os.ReadFile(keyFile)
		key, perr := crypt.ParseMasterKey(strings.TrimSpace(string(raw)))
		if err == nil && count == n && kerr == nil && perr == nil {
			cfg := storetest.Config()
			cfg.DSN, cfg.MasterKey = dsn, key
			db, err := store.Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("reusing database %s (%d incidents)", name, n)
			return db, agencyID
		}
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	cfg := storetest.Config()
	cfg.DSN = dsn
	if err := os.WriteFile(keyFile, []byte(cfg.MasterKey.Base64()), 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	pd := storetest.MustAgency(b, db, "bench-pd", haven.KindPolice)
	loadBench(b, db, pd.ID, n)
	return db, pd.ID
}

// benchAnalytics runs fn on the cached databases.
func benchAnalytics(b *testing.B, fn func(b *testing.B, db *store.DB, ctx context.Context, f haven.AnalyticsFilter)) {
	n := benchIncidents()
	for _, d := range storetest.Drivers {
		b.Run(d, func(b *testing.B) {
			var db *store.DB
			var agencyID string
			if d == "sqlite" {
				db, agencyID = benchSQLite(b, n)
			} else if db, agencyID = benchPostgres(b, n); db == nil {
				b.Skip("PostgreSQL not configured (HAVEN_TEST_POSTGRES)")
			}
			defer db.Close()
			ctx := haven.NewContextWithActor(context.Background(), haven.SystemActor("bench"))
			fn(b, db, ctx, haven.AnalyticsFilter{AgencyID: agencyID})
		})
	}
}

// BenchmarkDashboard1M is the whole dashboard over every incident of the
// agency (no filter: the worst case), and over one year of one district.
func BenchmarkDashboard1M(b *testing.B) {
	benchAnalytics(b, func(b *testing.B, db *store.DB, ctx context.Context, f haven.AnalyticsFilter) {
		year := f
		year.From, year.To, year.District = time.Date(2018, 1, 1, 6, 0, 0, 0, time.UTC), time.Date(2019, 1, 1, 6, 0, 0, 0, time.UTC), "008"
		for _, c := range []struct {
			name string
			f    haven.AnalyticsFilter
		}{{"all", f}, {"year-district", year}} {
			b.Run(c.name, func(b *testing.B) {
				var d *haven.Dashboard
				var err error
				for i := 0; i < b.N; i++ {
					if d, err = db.Dashboard(ctx, c.f); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(d.Totals.Incidents), "incidents")
			})
		}
	})
}

// BenchmarkIncidentPoints1M reads the positions of every DV incident, and
// of every incident, of the agency.
func BenchmarkIncidentPoints1M(b *testing.B) {
	benchAnalytics(b, func(b *testing.B, db *store.DB, ctx context.Context, f haven.AnalyticsFilter) {
		dv := f
		yes := true
		dv.Domestic = &yes
		for _, c := range []struct {
			name string
			f    haven.AnalyticsFilter
		}{{"all", f}, {"domestic", dv}} {
			b.Run(c.name, func(b *testing.B) {
				var pts []haven.GeoPoint
				var err error
				for i := 0; i < b.N; i++ {
					if pts, err = db.IncidentPoints(ctx, c.f); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(pts)), "points")
			})
		}
	})
}
