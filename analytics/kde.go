package analytics

import (
	"math"
)

// KDEOptions are the parameters of [KDE].
type KDEOptions struct {
	// CellM is the side of a square cell in projected metres, 10 ≤ CellM ≤ 10000.
	CellM float64
	// BandwidthM is the quartic kernel's radius h in metres, CellM ≤ h ≤ 100·CellM.
	// The binning error is about CellM/h relative to the peak; h ≥ 4·CellM is advisable.
	BandwidthM float64
	// MaxCells limits the grid size; 0 means DefaultMaxCells.
	MaxCells int
}

// Density is a kernel density surface: Values[row·Cols+col] is the
// estimated density at the centre of cell (col, row) in expected incidents
// per square kilometre. The grid covers the bounding box of the valid
// points expanded by the bandwidth on every side.
type Density struct {
	Proj       Projection
	CellM      float64
	BandwidthM float64
	X0, Y0     float64 // projected south-west corner of cell (0, 0), metres
	Cols, Rows int
	Values     []float64 // incidents per km²
	Points     int
	Skipped    int
}

func (d *Density) lattice() lattice {
	return lattice{Proj: d.Proj, Cell: d.CellM, X0: d.X0, Y0: d.Y0, Cols: d.Cols, Rows: d.Rows}
}

// Quartic returns the quartic (biweight) kernel K(d) = 3/(π h²)·(1 − (d/h)²)²
// for d < h and 0 otherwise, in 1/m² when d and h are in metres. It
// integrates to 1 over the plane.
func Quartic(d, h float64) float64 {
	if d >= h {
		return 0
	}
	u := d / h
	v := 1 - u*u
	return 3 / (math.Pi * h * h) * v * v
}

// KDE estimates the density of points with a quartic kernel of bandwidth
// BandwidthM. Points are binned to the grid first and each point is taken to
// be at its cell centre, so the result equals the exact KDE of points moved
// by at most half a cell diagonal (CellM/√2); see the package documentation
// for the error bound. Invalid options give a *ParamError.
func KDE(points []Point, opt KDEOptions) (*Density, error) {
	if err := validCell(opt.CellM, "cell_m"); err != nil {
		return nil, err
	}
	h := opt.BandwidthM
	if !(h >= opt.CellM && h <= 100*opt.CellM) {
		return nil, paramErr("bandwidth_m", "must be between cell_m and 100 × cell_m (%g and %g metres)", opt.CellM, 100*opt.CellM)
	}
	maxCells := opt.MaxCells
	if maxCells <= 0 {
		maxCells = DefaultMaxCells
	}
	b := boundsPar(points)
	d := &Density{CellM: opt.CellM, BandwidthM: h, Points: b.n, Skipped: len(points) - b.n}
	if b.n == 0 {
		return d, nil
	}
	l, err := newLattice(b, opt.CellM, h, maxCells, "cell_m")
	if err != nil {
		return nil, err
	}
	d.Proj, d.X0, d.Y0, d.Cols, d.Rows = l.Proj, l.X0, l.Y0, l.Cols, l.Rows
	counts := l.bin(points)

	// Kernel at cell-centre offsets, per km².
	H := int(h / opt.CellM)
	span := 2*H + 1
	ker := make([]float64, span*span)
	for dr := -H; dr <= H; dr++ {
		for dc := -H; dc <= H; dc++ {
			ker[(dr+H)*span+dc+H] = 1e6 * Quartic(opt.CellM*math.Hypot(float64(dc), float64(dr)), h)
		}
	}
	nonEmpty := 0
	for _, v := range counts {
		if v != 0 {
			nonEmpty++
		}
	}
	if float64(nonEmpty)*float64(span*span) > 4*maxWork {
		return nil, paramErr("bandwidth_m", "too wide for these cells; use a smaller bandwidth_m or larger cells")
	}
	cols, rows := l.Cols, l.Rows
	d.Values = make([]float64, cols*rows)
	// Scatter each non-empty cell's kernel; goroutines own disjoint bands
	// of target rows, so no two write the same cell.
	chunks(rows, 64, func(_, lo, hi int) { // target rows [lo, hi)
		for sr := max(lo-H, 0); sr < min(hi+H, rows); sr++ {
			for sc := range cols {
				v := float64(counts[sr*cols+sc])
				if v == 0 {
					continue
				}
				for tr := max(sr-H, lo); tr < min(sr+H+1, hi); tr++ {
					krow := ker[(tr-sr+H)*span:]
					out := d.Values[tr*cols:]
					for tc := max(sc-H, 0); tc <= min(sc+H, cols-1); tc++ {
						out[tc] += v * krow[tc-sc+H]
					}
				}
			}
		}
	})
	return d, nil
}
