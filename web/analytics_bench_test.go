package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/web"
)

// BenchmarkHotspotsAPI1M measures GET /api/v1/analytics/hotspots end to end
// (HTTP, token, the store's access check, point query and audit entry,
// Gi*, GeoJSON) over the 10^6 resampled Chicago incidents that
// BenchmarkDashboard1M in ./store loads and caches in
// os.TempDir()/haven-bench-1m. Without that cache it skips: loading a
// million incidents takes minutes, which a benchmark run should not hide.
//
// HAVEN_BENCH_DATA=DIR and HAVEN_BENCH_AGENCY=SLUG point it instead at a
// data directory made by the CLI (haven agency create, haven import
// incidents), e.g. with 5×10^6 resampled rows (docs/BENCHMARKS.md).
func BenchmarkHotspotsAPI1M(b *testing.B) {
	db, agencyID := benchAnalyticsDB(b)
	defer db.Close()
	u := &haven.User{AgencyID: agencyID, Username: fmt.Sprintf("bench-analyst-%d", time.Now().UnixNano()), Role: haven.RoleAnalyst}
	if err := db.CreateUser(storetest.System(), u, storetest.Password); err != nil {
		b.Fatal(err)
	}
	tok, _, err := db.CreateToken(storetest.System(), u.ID, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := web.New(web.Config{}, web.ServicesFor(db))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, q := range []string{"cell_m=250", "cell_m=250&all=true", "cell_m=250&domestic=true"} {
		b.Run(q, func(b *testing.B) {
			var size int
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+"/api/v1/analytics/hotspots?"+q, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%d %v %.200s", resp.StatusCode, err, body)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/resp")
		})
	}
}

// benchAnalyticsDB opens the benchmark's database: a CLI-made data
// directory (HAVEN_BENCH_DATA, HAVEN_BENCH_AGENCY), or the store
// benchmarks' cached one; it skips when there is neither.
func benchAnalyticsDB(b *testing.B) (*store.DB, string) {
	open := func(dir string, key crypt.MasterKey) *store.DB {
		cfg := storetest.Config()
		cfg.DataDir, cfg.MasterKey = dir, key
		db, err := store.Open(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	if dir := os.Getenv("HAVEN_BENCH_DATA"); dir != "" {
		key, _, err := crypt.LoadMasterKey(crypt.MasterKeyOptions{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		db := open(dir, key)
		ag, err := db.AgencyBySlug(storetest.System(), os.Getenv("HAVEN_BENCH_AGENCY"))
		if err != nil {
			b.Fatal(err)
		}
		return db, ag.ID
	}
	dir := filepath.Join(os.TempDir(), "haven-bench-1m")
	done, err := os.ReadFile(filepath.Join(dir, "complete"))
	if err != nil {
		b.Skip("no cached 10^6-incident database: run go test -run XXX -bench Dashboard1M ./store/ first")
	}
	agencyID, _, _ := strings.Cut(strings.TrimSpace(string(done)), " ")
	raw, err := os.ReadFile(filepath.Join(dir, "bench.key"))
	if err != nil {
		b.Fatal(err)
	}
	key, err := crypt.ParseMasterKey(strings.TrimSpace(string(raw)))
	if err != nil {
		b.Fatal(err)
	}
	return open(dir, key), agencyID
}
