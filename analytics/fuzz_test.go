package analytics

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

// fuzzFloat maps two bytes to a float that is usually in a useful range
// and sometimes NaN, ±Inf, 0 or negative.
func fuzzFloat(b []byte, scale float64) float64 {
	if len(b) < 2 {
		return 0
	}
	v := binary.LittleEndian.Uint16(b)
	switch v % 64 {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1)
	case 2:
		return math.Inf(-1)
	case 3:
		return 0
	case 4:
		return -float64(v)
	}
	return float64(v) / 65535 * scale
}

func FuzzHotspots(f *testing.F) {
	f.Add([]byte{0x10, 0x20, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0xff, 0x7f, 0x40, 0x90, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte("cell band and some points here, lots of them 0123456789"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		cell := fuzzFloat(data[0:2], 3000)
		band := fuzzFloat(data[2:4], 10000)
		var pts []Point
		for b := data[4:]; len(b) >= 8 && len(pts) < 2000; b = b[8:] {
			// Points near Chicago, occasionally anywhere or invalid.
			lat := 41.8 + (fuzzFloat(b[0:2], 0.2) - 0.1)
			lon := -87.6 + (fuzzFloat(b[2:4], 0.2) - 0.1)
			if b[4]%17 == 0 {
				lat = fuzzFloat(b[4:6], 200) - 100
				lon = fuzzFloat(b[6:8], 400) - 200
			}
			pts = append(pts, Point{lat, lon})
		}
		opt := HotspotOptions{CellM: cell, BandM: band, MaxCells: 20000}
		g, err := Hotspots(pts, opt)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || (pe.Param != "cell_m" && pe.Param != "band_m" && pe.Param != "points") {
				t.Fatalf("error %v does not name a parameter", err)
			}
		} else {
			if len(g.Cells) != g.Cols*g.Rows || g.Points+g.Skipped != len(pts) {
				t.Fatalf("inconsistent grid")
			}
			total := 0
			for _, c := range g.Cells {
				total += c.Count
				if math.IsNaN(c.Z) || math.IsInf(c.Z, 0) || !(c.P >= 0 && c.P <= 1) || !(c.Q >= c.P && c.Q <= 1) {
					t.Fatalf("bad statistic %+v", c)
				}
			}
			if total != g.Points {
				t.Fatalf("counts %d, points %d", total, g.Points)
			}
			for _, s := range []Suppressor{{}, {Threshold: 5}} {
				b, err := g.FeatureCollection(true, s)
				if err != nil || !json.Valid(b) {
					t.Fatalf("invalid GeoJSON: %v", err)
				}
			}
		}
		d, err := KDE(pts, KDEOptions{CellM: cell, BandwidthM: band, MaxCells: 20000})
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || (pe.Param != "cell_m" && pe.Param != "bandwidth_m" && pe.Param != "points") {
				t.Fatalf("error %v does not name a parameter", err)
			}
			return
		}
		for _, v := range d.Values {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("bad density %g", v)
			}
		}
		if b, err := d.FeatureCollection(false); err != nil || !json.Valid(b) {
			t.Fatalf("invalid GeoJSON: %v", err)
		}
	})
}
