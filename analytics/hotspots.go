package analytics

import (
	"cmp"
	"math"
	"slices"
)

// Class is the significance class of a cell.
type Class string

// The classes, by the sign of z and the (adjusted) p-value: p ≤ 0.01 → 99,
// p ≤ 0.05 → 95, p ≤ 0.10 → 90, otherwise not significant.
const (
	Hot99          Class = "hot-99"
	Hot95          Class = "hot-95"
	Hot90          Class = "hot-90"
	Cold90         Class = "cold-90"
	Cold95         Class = "cold-95"
	Cold99         Class = "cold-99"
	NotSignificant Class = "not-significant"
)

// Classify returns the class of a cell with z-score z and p-value p (use
// the BH q-value for the corrected class).
func Classify(z, p float64) Class {
	hot := z > 0
	switch {
	case z == 0 || !(p <= 0.10):
		return NotSignificant
	case p <= 0.01:
		return pick(hot, Hot99, Cold99)
	case p <= 0.05:
		return pick(hot, Hot95, Cold95)
	default:
		return pick(hot, Hot90, Cold90)
	}
}

func pick(hot bool, h, c Class) Class {
	if hot {
		return h
	}
	return c
}

// HotspotOptions are the parameters of [Hotspots].
type HotspotOptions struct {
	// CellM is the side of a square cell in projected metres, 10 ≤ CellM ≤ 10000.
	CellM float64
	// BandM is the neighbourhood distance in metres: cells whose centres lie
	// within BandM of each other (centre to centre) are neighbours. 0 means
	// CellM·√2, i.e. the 8 surrounding cells plus the cell itself. Otherwise
	// BandM ≥ CellM.
	BandM float64
	// MaxCells limits the grid size; 0 means DefaultMaxCells.
	MaxCells int
}

// maxWork bounds cells × neighbourhood rows for the Gi* pass.
const maxWork = 400_000_000

// Cell is one grid cell of a hotspot analysis.
type Cell struct {
	Col, Row int
	Centre   Point // WGS84 centre
	Count    int   // exact number of incidents in the cell
	// Z is the Getis-Ord Gi* z-score, P its two-sided p-value and Q the
	// Benjamini–Hochberg adjusted p-value (q-value) over all cells.
	Z, P, Q float64
	// Class is derived from Z and Q (FDR-corrected), ClassUncorrected from Z and P.
	Class, ClassUncorrected Class
}

// Grid is the result of [Hotspots]: every cell of the grid covering the
// bounding box of the valid points, row-major (index = Row·Cols + Col, row 0
// south).
type Grid struct {
	Proj       Projection
	CellM      float64 // cell side, metres
	BandM      float64 // effective neighbourhood distance, metres (never 0)
	X0, Y0     float64 // projected south-west corner of cell (0, 0), metres
	Cols, Rows int
	Cells      []Cell
	Points     int     // points binned
	Skipped    int     // points skipped: NaN or out-of-range latitude/longitude
	Mean, SD   float64 // mean and population standard deviation of the cell counts
}

func (g *Grid) lattice() lattice {
	return lattice{Proj: g.Proj, Cell: g.CellM, X0: g.X0, Y0: g.Y0, Cols: g.Cols, Rows: g.Rows}
}

func validCell(cell float64, param string) error {
	if !(cell >= 10 && cell <= 10000) {
		return paramErr(param, "must be between 10 and 10000 metres")
	}
	return nil
}

// bandHalfWidths returns, for dr = −R..R (index dr+R), the largest dc with
// cell·√(dc² + dr²) ≤ band·(1 + 1e-9). The relative tolerance makes the
// default band cell·√2 include the diagonal neighbours despite rounding.
func bandHalfWidths(cell, band float64) []int {
	t := band / cell * (1 + 1e-9)
	t2 := t * t
	r := int(t)
	hw := make([]int, 2*r+1)
	for dr := -r; dr <= r; dr++ {
		rest := t2 - float64(dr*dr)
		w := int(math.Sqrt(max(rest, 0)))
		for float64((w+1)*(w+1)) <= rest {
			w++
		}
		for w > 0 && float64(w*w) > rest {
			w--
		}
		hw[dr+r] = w
	}
	return hw
}

// Hotspots bins points into a square grid and computes the Getis-Ord Gi*
// statistic for every cell; see the package documentation for the formulas.
// Points with NaN or out-of-range coordinates are skipped and counted in
// Grid.Skipped. With no valid point the result is an empty grid.
// Invalid options give a *ParamError.
func Hotspots(points []Point, opt HotspotOptions) (*Grid, error) {
	if err := validCell(opt.CellM, "cell_m"); err != nil {
		return nil, err
	}
	band := opt.BandM
	switch {
	case band == 0:
		band = opt.CellM * math.Sqrt2
	case !(band >= opt.CellM) || math.IsInf(band, 0):
		return nil, paramErr("band_m", "must be 0 (the 8 neighbours) or at least cell_m (%g metres)", opt.CellM)
	}
	maxCells := opt.MaxCells
	if maxCells <= 0 {
		maxCells = DefaultMaxCells
	}
	if band/opt.CellM > math.Sqrt(float64(maxCells)) {
		return nil, paramErr("band_m", "too wide for cell_m; use a smaller band_m or larger cells")
	}
	b := boundsPar(points)
	g := &Grid{CellM: opt.CellM, BandM: band, Skipped: len(points) - b.n, Points: b.n}
	if b.n == 0 {
		return g, nil
	}
	l, err := newLattice(b, opt.CellM, 0, maxCells, "cell_m")
	if err != nil {
		return nil, err
	}
	g.Proj, g.X0, g.Y0, g.Cols, g.Rows = l.Proj, l.X0, l.Y0, l.Cols, l.Rows
	hw := bandHalfWidths(opt.CellM, band)
	if float64(l.Cols*l.Rows)*float64(len(hw)) > maxWork {
		return nil, paramErr("band_m", "too wide for a grid of %d cells; use a smaller band_m or larger cells", l.Cols*l.Rows)
	}
	counts := l.bin(points)
	z, mean, sd := giStar(counts, l.Cols, l.Rows, hw)
	g.Mean, g.SD = mean, sd
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = math.Erfc(math.Abs(v) / math.Sqrt2)
	}
	q := BenjaminiHochberg(p)
	g.Cells = make([]Cell, len(z))
	for r := range l.Rows {
		for c := range l.Cols {
			i := r*l.Cols + c
			g.Cells[i] = Cell{
				Col: c, Row: r, Centre: l.centre(c, r), Count: counts[i],
				Z: z[i], P: p[i], Q: q[i],
				Class: Classify(z[i], q[i]), ClassUncorrected: Classify(z[i], p[i]),
			}
		}
	}
	return g, nil
}

// giStar computes Gi* z-scores for counts on a cols×rows grid with binary
// weights given by the band half-widths hw (see bandHalfWidths). Weighted
// sums use per-row prefix sums, so a cell costs O(len(hw)).
func giStar(counts []int, cols, rows int, hw []int) (z []float64, mean, sd float64) {
	n := cols * rows
	z = make([]float64, n)
	if n < 2 {
		return z, 0, 0
	}
	var sum int64
	for _, v := range counts {
		sum += int64(v)
	}
	nf := float64(n)
	mean = float64(sum) / nf
	var ss float64
	for _, v := range counts {
		d := float64(v) - mean
		ss += d * d
	}
	sd = math.Sqrt(ss / nf)
	if sd == 0 {
		return z, mean, sd
	}
	stride := cols + 1
	pre := make([]int64, rows*stride)
	for r := range rows {
		row := pre[r*stride : (r+1)*stride]
		var acc int64
		for c, v := range counts[r*cols : (r+1)*cols] {
			acc += int64(v)
			row[c+1] = acc
		}
	}
	R := len(hw) / 2
	chunks(n, 1<<16, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			r, c := i/cols, i%cols
			var s int64
			var w int
			for rr := max(r-R, 0); rr <= min(r+R, rows-1); rr++ {
				h := hw[rr-r+R]
				a, b := max(c-h, 0), min(c+h, cols-1)
				s += pre[rr*stride+b+1] - pre[rr*stride+a]
				w += b - a + 1
			}
			wf := float64(w)
			den := nf*wf - wf*wf // n·S1 − W², S1 = W for binary weights
			if den <= 0 {
				continue // every cell is a neighbour: Gi* is 0/0, report 0
			}
			z[i] = (float64(s) - mean*wf) / (sd * math.Sqrt(den/(nf-1)))
		}
	})
	return z, mean, sd
}

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values
// (q-values) of p, in the same order: with p sorted ascending,
// q₍k₎ = min_{j≥k} min(1, p₍j₎·m/j), m = len(p). A test "q ≤ α" is the BH
// step-up procedure at false discovery rate α. NaN p-values are treated as 1.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	type pi struct {
		p float64
		i int32
	}
	s := make([]pi, m)
	for i, v := range p {
		if !(v <= 1) {
			v = 1
		}
		s[i] = pi{v, int32(i)}
	}
	slices.SortFunc(s, func(a, b pi) int { return cmp.Compare(a.p, b.p) })
	q := make([]float64, m)
	prev := 1.0
	for k := m - 1; k >= 0; k-- {
		v := s[k].p * (float64(m) / float64(k+1)) // ratio ≥ 1, so v ≥ p exactly
		if v < prev {
			prev = v
		}
		q[s[k].i] = prev
	}
	return q
}
