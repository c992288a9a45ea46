package analytics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

const tol = 1e-9

// TestGiStarHand checks giStar against cases computed by hand.
func TestGiStarHand(t *testing.T) {
	a := math.Sqrt(2.0 / 3)
	cases := []struct {
		name       string
		counts     []int
		cols, rows int
		cell, band float64
		want       []float64
	}{
		{
			// n = 9, X̄ = 1, mean(x²) = 81/9 = 9, S = √(9−1) = 2√2.
			// Corner (W = 4, Σwx = 9): (9−4)/(2√2·√((36−16)/8)) = 5/√20 = √5/2.
			// Edge   (W = 6, Σwx = 9): (9−6)/(2√2·√((54−36)/8)) = 3/(3√2) = 1/√2.
			// Centre (W = 9 = n): n·W − W² = 0, numerator 0 → reported as 0.
			name:   "3x3 centre 9, 8 neighbours",
			counts: []int{0, 0, 0, 0, 9, 0, 0, 0, 0}, cols: 3, rows: 3, cell: 100, band: 0,
			want: []float64{math.Sqrt(5) / 2, 1 / math.Sqrt2, math.Sqrt(5) / 2,
				1 / math.Sqrt2, 0, 1 / math.Sqrt2,
				math.Sqrt(5) / 2, 1 / math.Sqrt2, math.Sqrt(5) / 2},
		},
		{
			// 5×1, band = cell (left, self, right). n = 5, X̄ = 1, mean(x²) = 5, S = 2.
			// Cells 1..3 (W = 3, Σwx = 5): (5−3)/(2·√((15−9)/4)) = 1/√1.5 = √(2/3).
			// Cells 0, 4 (W = 2, Σwx = 0): (0−2)/(2·√((10−4)/4)) = −√(2/3).
			name:   "row of 5, band = cell",
			counts: []int{0, 0, 5, 0, 0}, cols: 5, rows: 1, cell: 250, band: 250,
			want: []float64{-a, a, a, a, -a},
		},
		{
			name:   "constant counts",
			counts: []int{3, 3, 3, 3, 3, 3}, cols: 3, rows: 2, cell: 100, band: 0,
			want: make([]float64, 6),
		},
		{
			name:   "single cell",
			counts: []int{7}, cols: 1, rows: 1, cell: 100, band: 0,
			want: []float64{0},
		},
		{
			// 2×2 with band = diagonal: every cell sees every cell (W = n) → 0.
			name:   "all neighbours",
			counts: []int{1, 0, 0, 5}, cols: 2, rows: 2, cell: 100, band: 0,
			want: make([]float64, 4),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			band := tc.band
			if band == 0 {
				band = tc.cell * math.Sqrt2
			}
			z, _, _ := giStar(tc.counts, tc.cols, tc.rows, bandHalfWidths(tc.cell, band))
			for i := range z {
				if math.Abs(z[i]-tc.want[i]) > 1e-12 {
					t.Errorf("cell %d: z = %.17g, want %.17g", i, z[i], tc.want[i])
				}
			}
		})
	}
}

func TestBandHalfWidths(t *testing.T) {
	cases := []struct {
		cell, band float64
		want       []int
	}{
		{250, 250 * math.Sqrt2, []int{1, 1, 1}},
		{250, 250, []int{0, 1, 0}},
		{250, 600, []int{1, 2, 2, 2, 1}}, // 2.4 cells: dr=±2 → dc ≤ √(5.76−4) = 1.33
		{100, 200, []int{0, 1, 2, 1, 0}},
	}
	for _, tc := range cases {
		got := bandHalfWidths(tc.cell, tc.band)
		if len(got) != len(tc.want) {
			t.Fatalf("cell %g band %g: %v, want %v", tc.cell, tc.band, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("cell %g band %g: %v, want %v", tc.cell, tc.band, got, tc.want)
			}
		}
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	cases := []struct {
		name string
		p    []float64
		want []float64
	}{
		{"equal q", []float64{0.01, 0.02, 0.03, 0.04, 0.05}, []float64{0.05, 0.05, 0.05, 0.05, 0.05}},
		// sorted .01 .03 .04 .2 → raw .04 .06 .0533 .2 → step-up .04 .0533 .0533 .2
		{"non-monotone", []float64{0.01, 0.04, 0.03, 0.2}, []float64{0.04, 0.16 / 3, 0.16 / 3, 0.2}},
		{"capped", []float64{1, 1, 0.6}, []float64{1, 1, 1}},
		{"ties", []float64{0.02, 0.02, 0.5}, []float64{0.03, 0.03, 0.5}},
		{"empty", nil, []float64{}},
	}
	for _, tc := range cases {
		q := BenjaminiHochberg(tc.p)
		if len(q) != len(tc.want) {
			t.Fatalf("%s: len %d", tc.name, len(q))
		}
		for i := range q {
			if math.Abs(q[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s: q[%d] = %g, want %g", tc.name, i, q[i], tc.want[i])
			}
		}
	}
	// Benjamini & Hochberg (1995), §4: 15 p-values; at FDR 0.05 the four
	// smallest are rejected.
	p := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
		0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}
	rejected := 0
	for _, q := range BenjaminiHochberg(p) {
		if q <= 0.05 {
			rejected++
		}
	}
	if rejected != 4 {
		t.Errorf("BH 1995 example: %d rejected, want 4", rejected)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		z, p float64
		want Class
	}{
		{3, 0.001, Hot99}, {2, 0.01, Hot99}, {2, 0.04, Hot95}, {1.7, 0.09, Hot90}, {1, 0.3, NotSignificant},
		{-3, 0.001, Cold99}, {-2, 0.05, Cold95}, {-1.7, 0.1, Cold90}, {0, 1, NotSignificant},
		{2, math.NaN(), NotSignificant},
	}
	for _, tc := range cases {
		if got := Classify(tc.z, tc.p); got != tc.want {
			t.Errorf("Classify(%g, %g) = %s, want %s", tc.z, tc.p, got, tc.want)
		}
	}
}

// clustered returns n points around (lat, lon) within about ext metres,
// half of them in a few tight clusters.
func clustered(rng *rand.Rand, n int, lat, lon, ext float64) []Point {
	dLat := ext / 111195
	dLon := dLat / math.Cos(lat*math.Pi/180)
	centres := [][2]float64{{0.3, 0.2}, {-0.5, 0.4}, {0.1, -0.6}}
	pts := make([]Point, n)
	for i := range pts {
		if i%2 == 0 {
			c := centres[i%3]
			pts[i] = Point{lat + (c[0]+rng.NormFloat64()*0.05)*dLat, lon + (c[1]+rng.NormFloat64()*0.05)*dLon}
		} else {
			pts[i] = Point{lat + (rng.Float64()*2-1)*dLat, lon + (rng.Float64()*2-1)*dLon}
		}
	}
	return pts
}

// bruteGiStar is an independent O(n²) Gi*: neighbours by the Euclidean
// distance between projected cell centres, S from mean(x²) − X̄², q-values
// from the definition.
func bruteGiStar(xs, ys []float64, counts []float64, band float64) (z, p, q []float64) {
	n := len(counts)
	var sum, sum2 float64
	for _, v := range counts {
		sum += v
		sum2 += v * v
	}
	nf := float64(n)
	mean := sum / nf
	s := math.Sqrt(sum2/nf - mean*mean)
	z = make([]float64, n)
	p = make([]float64, n)
	q = make([]float64, n)
	for i := range n {
		var wx, w float64
		for j := range n {
			if math.Hypot(xs[i]-xs[j], ys[i]-ys[j]) <= band+1e-6 {
				wx += counts[j]
				w++
			}
		}
		den := s * math.Sqrt((nf*w-w*w)/(nf-1))
		if n < 2 || s < 1e-12 || nf*w-w*w <= 0 {
			z[i] = 0
		} else {
			z[i] = (wx - mean*w) / den
		}
		p[i] = 2 * (1 - 0.5*math.Erfc(-math.Abs(z[i])/math.Sqrt2))
		if z[i] == 0 {
			p[i] = 1
		}
	}
	for i := range n {
		q[i] = 1
		for j := range n {
			if p[j] >= p[i] {
				rank := 0
				for k := range n {
					if p[k] <= p[j] {
						rank++
					}
				}
				q[i] = math.Min(q[i], p[j]*nf/float64(rank))
			}
		}
	}
	return z, p, q
}

func TestHotspotsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		n          int
		cell, band float64
		ext        float64
	}{
		{500, 250, 0, 3000},
		{2000, 250, 600, 3000},
		{2000, 250, 250, 3000},
		{3000, 100, 0, 1500},
		{3000, 100, 350, 1500},
		{800, 500, 1200, 5000},
		{50, 1000, 0, 1000},
	}
	for _, tc := range cases {
		pts := clustered(rng, tc.n, 41.85, -87.65, tc.ext)
		pts = append(pts, Point{math.NaN(), 0}, Point{91, 0}, Point{0, -181})
		g, err := Hotspots(pts, HotspotOptions{CellM: tc.cell, BandM: tc.band})
		if err != nil {
			t.Fatal(err)
		}
		if g.Skipped != 3 || g.Points != tc.n {
			t.Fatalf("skipped %d points %d", g.Skipped, g.Points)
		}
		n := len(g.Cells)
		if n != g.Cols*g.Rows {
			t.Fatalf("cells %d != %d×%d", n, g.Cols, g.Rows)
		}
		band := tc.band
		if band == 0 {
			band = tc.cell * math.Sqrt2
		}
		xs, ys, counts := make([]float64, n), make([]float64, n), make([]float64, n)
		total := 0
		for i, c := range g.Cells {
			xs[i] = g.X0 + (float64(c.Col)+0.5)*g.CellM
			ys[i] = g.Y0 + (float64(c.Row)+0.5)*g.CellM
			counts[i] = float64(c.Count)
			total += c.Count
			if i != c.Row*g.Cols+c.Col {
				t.Fatalf("cell %d is (%d,%d)", i, c.Col, c.Row)
			}
		}
		if total != tc.n {
			t.Fatalf("counts sum to %d, want %d", total, tc.n)
		}
		z, p, q := bruteGiStar(xs, ys, counts, band)
		sig := 0
		for i, c := range g.Cells {
			if math.Abs(c.Z-z[i]) > tol || math.Abs(c.P-p[i]) > 1e-9 || math.Abs(c.Q-q[i]) > 1e-9 {
				t.Fatalf("cell=%g band=%g cell %d: got z=%g p=%g q=%g, brute z=%g p=%g q=%g",
					tc.cell, tc.band, i, c.Z, c.P, c.Q, z[i], p[i], q[i])
			}
			if c.Class != Classify(c.Z, c.Q) || c.ClassUncorrected != Classify(c.Z, c.P) {
				t.Fatalf("class mismatch at %d", i)
			}
			if c.Class != NotSignificant {
				sig++
			}
		}
		if sig == 0 && tc.n >= 500 {
			t.Errorf("cell=%g band=%g: no significant cell in clustered data", tc.cell, tc.band)
		}
	}
}

// TestBinning checks every point falls inside its cell's projected bounds.
func TestBinning(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := clustered(rng, 300_000, -33.87, 151.21, 8000) // large enough for the parallel path
	for _, cell := range []float64{10, 123.4, 1000} {
		l, err := newLattice(boundsOf(pts), cell, 0, 10_000_000, "cell_m")
		if err != nil {
			t.Fatal(err)
		}
		counts := l.bin(pts)
		want := make([]int, len(counts))
		for _, p := range pts {
			x, y := l.Proj.Forward(p)
			c := int(math.Floor((x - l.X0) / cell))
			r := int(math.Floor((y - l.Y0) / cell))
			if c < 0 || r < 0 || c >= l.Cols || r >= l.Rows {
				t.Fatalf("point %v outside the grid", p)
			}
			want[r*l.Cols+c]++
		}
		diff := 0
		for i := range counts {
			diff += abs(counts[i] - want[i])
		}
		// Points within rounding of a cell edge may go either way.
		if diff > 10 {
			t.Errorf("cell %g: binning differs from floor((x−x0)/cell) for %d points", cell, diff/2)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestProjection(t *testing.T) {
	pr := NewProjection(41.85, -87.65)
	for _, p := range []Point{{41.85, -87.65}, {42.0, -87.9}, {41.65, -87.5}} {
		x, y := pr.Forward(p)
		q := pr.Inverse(x, y)
		if math.Abs(q.Lat-p.Lat) > 1e-12 || math.Abs(q.Lon-p.Lon) > 1e-12 {
			t.Errorf("round trip %v → %v", p, q)
		}
	}
	// Distance across Chicago vs haversine: within 0.1%.
	a, b := Point{41.65, -87.9}, Point{42.02, -87.52}
	ax, ay := pr.Forward(a)
	bx, by := pr.Forward(b)
	d := math.Hypot(ax-bx, ay-by)
	h := haversine(a, b)
	if math.Abs(d-h)/h > 1e-3 {
		t.Errorf("projected %g m, haversine %g m", d, h)
	}
}

func haversine(a, b Point) float64 {
	r := math.Pi / 180
	dl, dn := (b.Lat-a.Lat)*r, (b.Lon-a.Lon)*r
	s := math.Sin(dl/2)*math.Sin(dl/2) + math.Cos(a.Lat*r)*math.Cos(b.Lat*r)*math.Sin(dn/2)*math.Sin(dn/2)
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(s))
}

func TestHotspotsErrors(t *testing.T) {
	pts := []Point{{41.8, -87.6}, {41.9, -87.7}}
	far := []Point{{-60, -170}, {60, 170}}
	cases := []struct {
		pts   []Point
		opt   HotspotOptions
		param string
	}{
		{pts, HotspotOptions{CellM: 0}, "cell_m"},
		{pts, HotspotOptions{CellM: 9.99}, "cell_m"},
		{pts, HotspotOptions{CellM: 10001}, "cell_m"},
		{pts, HotspotOptions{CellM: math.NaN()}, "cell_m"},
		{pts, HotspotOptions{CellM: math.Inf(1)}, "cell_m"},
		{pts, HotspotOptions{CellM: 250, BandM: 100}, "band_m"},
		{pts, HotspotOptions{CellM: 250, BandM: -1}, "band_m"},
		{pts, HotspotOptions{CellM: 250, BandM: math.NaN()}, "band_m"},
		{pts, HotspotOptions{CellM: 250, BandM: math.Inf(1)}, "band_m"},
		{pts, HotspotOptions{CellM: 10, BandM: 1e7}, "band_m"},
		{far, HotspotOptions{CellM: 250}, "cell_m"},
		{[]Point{{41.7, -87.8}, {41.9, -87.6}}, HotspotOptions{CellM: 10}, "cell_m"}, // 22 km × 17 km at 10 m > 1e6 cells
		{[]Point{{89, 0}, {88, 10}}, HotspotOptions{CellM: 10000}, "points"},
	}
	for i, tc := range cases {
		_, err := Hotspots(tc.pts, tc.opt)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Field() != tc.param {
			t.Errorf("case %d: err = %v, want a ParamError for %s", i, err, tc.param)
		}
	}
	g, err := Hotspots([]Point{{math.NaN(), 1}}, HotspotOptions{CellM: 250})
	if err != nil || len(g.Cells) != 0 || g.Skipped != 1 {
		t.Errorf("no valid points: %+v, %v", g, err)
	}
	if _, err := g.FeatureCollection(true, Suppressor{}); err != nil {
		t.Error(err)
	}
}
