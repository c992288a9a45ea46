package analytics

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
)

const chicagoCSV = "../../shared/data/chicago/chicago_crimes_100k.csv.gz"

var chicago struct {
	once sync.Once
	pts  []Point
	err  error
}

// chicagoPoints reads the x (longitude) and y (latitude) columns of the
// Chicago sample, skipping rows without a location.
func chicagoPoints() ([]Point, error) {
	chicago.once.Do(func() {
		f, err := os.Open(chicagoCSV)
		if err != nil {
			chicago.err = err
			return
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			chicago.err = err
			return
		}
		r := csv.NewReader(zr)
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil { // header
			chicago.err = err
			return
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				chicago.err = err
				return
			}
			if len(rec) < 2 || rec[0] == "" || rec[1] == "" {
				continue
			}
			lon, e1 := strconv.ParseFloat(rec[0], 64)
			lat, e2 := strconv.ParseFloat(rec[1], 64)
			if e1 != nil || e2 != nil {
				continue
			}
			chicago.pts = append(chicago.pts, Point{lat, lon})
		}
	})
	return chicago.pts, chicago.err
}

// resample draws n points from base with replacement and moves each by a
// uniform jitter of ±100 m in each axis (seeded, so runs are comparable).
func resample(base []Point, n int) []Point {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([]Point, n)
	const m = 100.0 / 111195 // 100 m in degrees of latitude
	for i := range out {
		p := base[rng.IntN(len(base))]
		dl := m / math.Cos(p.Lat*math.Pi/180)
		out[i] = Point{p.Lat + (rng.Float64()*2-1)*m, p.Lon + (rng.Float64()*2-1)*dl}
	}
	return out
}

// BenchmarkHotspots runs Hotspots (binning, Gi*, BH) at 250 m cells with
// the default band on real Chicago incident locations from
// ../shared/data/chicago/chicago_crimes_100k.csv.gz, resampled with
// replacement and jittered by ±100 m (uniform, seeded) to reach n points.
func BenchmarkHotspots(b *testing.B) {
	base, err := chicagoPoints()
	if err != nil || len(base) == 0 {
		b.Skipf("Chicago sample not available at %s (%v); see BenchmarkHotspotsSynthetic", chicagoCSV, err)
	}
	for _, n := range []int{100_000, 1_000_000, 5_000_000} {
		pts := resample(base, n)
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			var g *Grid
			for b.Loop() {
				g, err = Hotspots(pts, HotspotOptions{CellM: 250})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(g.Cells)), "cells")
		})
	}
}

// BenchmarkHotspotsSynthetic needs no data file: clustered random points
// over a Chicago-sized area (about 40 km × 45 km).
func BenchmarkHotspotsSynthetic(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := clustered(rng, 1_000_000, 41.84, -87.68, 21000)
	var g *Grid
	for b.Loop() {
		var err error
		g, err = Hotspots(pts, HotspotOptions{CellM: 250})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(g.Cells)), "cells")
}

// BenchmarkHotspotsGeoJSON encodes all cells of a 250 m Chicago grid.
func BenchmarkHotspotsGeoJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	g, err := Hotspots(clustered(rng, 100_000, 41.84, -87.68, 21000), HotspotOptions{CellM: 250})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := g.FeatureCollection(true, Suppressor{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKDE: 10^6 jittered Chicago points (synthetic if the file is
// absent), 100 m cells, 500 m bandwidth.
func BenchmarkKDE(b *testing.B) {
	var pts []Point
	if base, err := chicagoPoints(); err == nil && len(base) > 0 {
		pts = resample(base, 1_000_000)
	} else {
		pts = clustered(rand.New(rand.NewPCG(1, 1)), 1_000_000, 41.84, -87.68, 21000)
	}
	for b.Loop() {
		if _, err := KDE(pts, KDEOptions{CellM: 100, BandwidthM: 500}); err != nil {
			b.Fatal(err)
		}
	}
}
