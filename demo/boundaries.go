package demo

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/haven-dv/haven/store"
)

// DistrictsFile is the City of Chicago's police districts, in the shared
// data folder (FindShared); metro-pd's map draws them.
const DistrictsFile = "data/chicago/police_districts.geojson"

// seedBoundaries loads the police districts as metro-pd's "district" set
// when the file is there and the set is still empty; without the file the
// map simply has no outlines, and the step says so in the log.
func seedBoundaries(ctx context.Context, s *Seed) error {
	ag, ok := s.Agencies["metro-pd"]
	if !ok {
		return fmt.Errorf("boundaries: no metro-pd agency")
	}
	path := FindShared(DistrictsFile)
	if path == "" {
		slog.InfoContext(ctx, "demo: no police district boundaries found; the map shows none", "file", DistrictsFile)
		return nil
	}
	if n, err := s.DB.CountBoundaries(ctx, ag.ID, "district"); err != nil || n > 0 {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	bs, err := store.ParseBoundaries(data, "district", "dist_num")
	if err != nil {
		return fmt.Errorf("boundaries %s: %w", path, err)
	}
	if _, err := s.DB.PutBoundaries(ctx, ag.ID, "district", bs); err != nil {
		return err
	}
	s.Created()
	return nil
}
