package analytics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// kdeExact is the brute-force quartic KDE at the centres of d's cells, per km².
func kdeExact(points []Point, d *Density) []float64 {
	out := make([]float64, len(d.Values))
	for i := range out {
		cx := d.X0 + (float64(i%d.Cols)+0.5)*d.CellM
		cy := d.Y0 + (float64(i/d.Cols)+0.5)*d.CellM
		for _, p := range points {
			x, y := d.Proj.Forward(p)
			out[i] += 1e6 * Quartic(math.Hypot(x-cx, y-cy), d.BandwidthM)
		}
	}
	return out
}

func TestQuartic(t *testing.T) {
	h := 300.0
	if got, want := Quartic(0, h), 3/(math.Pi*h*h); math.Abs(got-want) > 1e-18 {
		t.Errorf("K(0) = %g, want %g", got, want)
	}
	if Quartic(h, h) != 0 || Quartic(2*h, h) != 0 {
		t.Error("K must vanish at and beyond h")
	}
	// ∫ K dA = ∫0^h K(r) 2πr dr = 1 (midpoint rule).
	var s float64
	const m = 100000
	for k := range m {
		r := (float64(k) + 0.5) * h / m
		s += Quartic(r, h) * 2 * math.Pi * r * h / m
	}
	if math.Abs(s-1) > 1e-6 {
		t.Errorf("∫K = %g", s)
	}
}

func TestKDE(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct{ cell, h float64 }{{50, 400}, {100, 300}, {25, 500}} {
		pts := clustered(rng, 300, 41.85, -87.65, 1500)
		d, err := KDE(pts, KDEOptions{CellM: tc.cell, BandwidthM: tc.h})
		if err != nil {
			t.Fatal(err)
		}
		exact := kdeExact(pts, d)
		// Documented bound: each point moves by at most δ = cell/√2 and
		// |K'| ≤ 8/(√3·π·h³), so the error at a centre is at most
		// δ·max|K'|·(points within h + δ of it), per m².
		delta := tc.cell / math.Sqrt2
		kp := 8 / (math.Sqrt(3) * math.Pi * tc.h * tc.h * tc.h)
		var mass float64
		worst := 0.0
		for i, v := range d.Values {
			cx := d.X0 + (float64(i%d.Cols)+0.5)*d.CellM
			cy := d.Y0 + (float64(i/d.Cols)+0.5)*d.CellM
			near := 0
			for _, p := range pts {
				x, y := d.Proj.Forward(p)
				if math.Hypot(x-cx, y-cy) <= tc.h+delta {
					near++
				}
			}
			bound := 1e6*delta*kp*float64(near) + 1e-9
			if e := math.Abs(v - exact[i]); e > bound {
				t.Fatalf("cell=%g h=%g cell %d: binned %g exact %g, error %g > bound %g", tc.cell, tc.h, i, v, exact[i], e, bound)
			} else if bound > 1e-9 {
				worst = max(worst, e/bound)
			}
			mass += v * tc.cell * tc.cell / 1e6
		}
		if math.Abs(mass-float64(len(pts)))/float64(len(pts)) > 0.01 {
			t.Errorf("cell=%g h=%g: mass %g, want ≈ %d", tc.cell, tc.h, mass, len(pts))
		}
		t.Logf("cell=%g h=%g: worst error / bound = %.3f, mass %.3f", tc.cell, tc.h, worst, mass)
		if _, err := d.FeatureCollection(false); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKDEGeoJSON(t *testing.T) {
	pts := []Point{{41.85, -87.65}, {41.851, -87.651}}
	d, err := KDE(pts, KDEOptions{CellM: 50, BandwidthM: 200})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.FeatureCollection(true)
	fc := decodeFC(t, b)
	if len(fc.Features) != len(d.Values) {
		t.Fatalf("%d features, %d cells", len(fc.Features), len(d.Values))
	}
	for i, f := range fc.Features {
		if f.Properties["density"].(float64) != d.Values[i] {
			t.Fatalf("feature %d: density differs", i)
		}
	}
}

func TestKDEErrors(t *testing.T) {
	pts := []Point{{41.8, -87.6}, {41.9, -87.7}}
	cases := []struct {
		opt   KDEOptions
		param string
	}{
		{KDEOptions{CellM: 5, BandwidthM: 100}, "cell_m"},
		{KDEOptions{CellM: 100, BandwidthM: 50}, "bandwidth_m"},
		{KDEOptions{CellM: 100, BandwidthM: math.NaN()}, "bandwidth_m"},
		{KDEOptions{CellM: 100, BandwidthM: 20000}, "bandwidth_m"},
		{KDEOptions{CellM: 10, BandwidthM: 100}, "cell_m"},
	}
	pts = append(pts, Point{41.7, -87.9})
	for i, tc := range cases {
		_, err := KDE(pts, tc.opt)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tc.param {
			t.Errorf("case %d: %v, want ParamError for %s", i, err, tc.param)
		}
	}
}
