package analytics

import (
	"math"
	"runtime"
	"sync"
)

// DefaultMaxCells is the largest grid Hotspots and KDE build unless the
// options say otherwise.
const DefaultMaxCells = 1_000_000

// lattice is a square grid on a local projection. Cell (col, row) covers
// [X0+col·Cell, X0+(col+1)·Cell) × [Y0+row·Cell, Y0+(row+1)·Cell) in
// projected metres; row 0 is the southernmost row. Cells are stored row-major:
// index = row·Cols + col.
type lattice struct {
	Proj       Projection
	Cell       float64
	X0, Y0     float64
	Cols, Rows int
}

// centre returns the projected centre of cell (c, r).
func (l *lattice) centreXY(c, r int) (x, y float64) {
	return l.X0 + (float64(c)+0.5)*l.Cell, l.Y0 + (float64(r)+0.5)*l.Cell
}

// centre returns the WGS84 centre of cell (c, r).
func (l *lattice) centre(c, r int) Point {
	return l.Proj.Inverse(l.centreXY(c, r))
}

// ring returns the cell outline as a closed counter-clockwise ring of
// [lon, lat] positions (RFC 7946 §3.1.6): SW, SE, NE, NW, SW.
func (l *lattice) ring(c, r int) [5][2]float64 {
	x0, y0 := l.X0+float64(c)*l.Cell, l.Y0+float64(r)*l.Cell
	sw := l.Proj.Inverse(x0, y0)
	ne := l.Proj.Inverse(x0+l.Cell, y0+l.Cell)
	return [5][2]float64{{sw.Lon, sw.Lat}, {ne.Lon, sw.Lat}, {ne.Lon, ne.Lat}, {sw.Lon, ne.Lat}, {sw.Lon, sw.Lat}}
}

type bounds struct {
	minLat, maxLat, minLon, maxLon float64
	n                              int // valid points
}

func boundsOf(points []Point) bounds {
	b := bounds{minLat: math.Inf(1), maxLat: math.Inf(-1), minLon: math.Inf(1), maxLon: math.Inf(-1)}
	for _, p := range points {
		if !p.valid() {
			continue
		}
		b.n++
		// Plain comparisons: p is not NaN here, and the builtin min/max
		// pay for NaN handling.
		if p.Lat < b.minLat {
			b.minLat = p.Lat
		}
		if p.Lat > b.maxLat {
			b.maxLat = p.Lat
		}
		if p.Lon < b.minLon {
			b.minLon = p.Lon
		}
		if p.Lon > b.maxLon {
			b.maxLon = p.Lon
		}
	}
	return b
}

func (a bounds) merge(b bounds) bounds {
	return bounds{min(a.minLat, b.minLat), max(a.maxLat, b.maxLat), min(a.minLon, b.minLon), max(a.maxLon, b.maxLon), a.n + b.n}
}

// chunks splits [0, n) into at most GOMAXPROCS (≤ 8) pieces when n is at
// least minPar, and runs f on each concurrently; it returns the number of pieces.
func chunks(n, minPar int, f func(k, lo, hi int)) int {
	w := runtime.GOMAXPROCS(0)
	if w > 8 {
		w = 8
	}
	if n < minPar || w < 2 {
		f(0, 0, n)
		return 1
	}
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := n*k/w, n*(k+1)/w
		wg.Add(1)
		go func() { defer wg.Done(); f(k, lo, hi) }()
	}
	wg.Wait()
	return w
}

func boundsPar(points []Point) bounds {
	var parts [8]bounds
	w := chunks(len(points), 1<<17, func(k, lo, hi int) { parts[k] = boundsOf(points[lo:hi]) })
	b := parts[0]
	for _, p := range parts[1:w] {
		b = b.merge(p)
	}
	return b
}

// newLattice builds the grid covering b expanded by pad metres on every
// side, with the projection centred on the bounding-box centre. The origin
// is the projected south-west corner floored to a multiple of cell.
func newLattice(b bounds, cell, pad float64, maxCells int, cellParam string) (lattice, error) {
	// The centre is rounded to 0.1° (about 11 km): it is published with the
	// grid, and the exact middle of one incident's bounding box is that
	// incident's position. Rounding moves it at most 0.05°, which keeps the
	// projection's error over a city well under 0.1%.
	lat0 := math.Round((b.minLat+b.maxLat)/2*10) / 10
	lon0 := math.Round((b.minLon+b.maxLon)/2*10) / 10
	if math.Abs(lat0) > 85 {
		return lattice{}, paramErr("points", "the area is too close to a pole for the local projection")
	}
	pr := NewProjection(lat0, lon0)
	minX, minY := pr.Forward(Point{b.minLat, b.minLon})
	maxX, maxY := pr.Forward(Point{b.maxLat, b.maxLon})
	minX, minY, maxX, maxY = minX-pad, minY-pad, maxX+pad, maxY+pad
	c0, r0 := math.Floor(minX/cell), math.Floor(minY/cell)
	cols := math.Floor(maxX/cell) - c0 + 1
	rows := math.Floor(maxY/cell) - r0 + 1
	if cols*rows > float64(maxCells) {
		return lattice{}, paramErr(cellParam, "too many cells (%.0f × %.0f > %d); use larger cells", cols, rows, maxCells)
	}
	return lattice{Proj: pr, Cell: cell, X0: c0 * cell, Y0: r0 * cell, Cols: int(cols), Rows: int(rows)}, nil
}

// bin counts valid points per cell. Points outside the lattice (which
// cannot happen for the lattice built from their own bounds except by
// rounding) are clamped to the nearest edge cell.
func (l *lattice) bin(points []Point) []int {
	n := l.Cols * l.Rows
	ax := l.Proj.kx / l.Cell
	bx := (-l.Proj.Lon0*l.Proj.kx - l.X0) / l.Cell
	ay := l.Proj.ky / l.Cell
	by := (-l.Proj.Lat0*l.Proj.ky - l.Y0) / l.Cell
	cmax, rmax := l.Cols-1, l.Rows-1
	binInto := func(counts []int, pts []Point) {
		for _, p := range pts {
			if !p.valid() {
				continue
			}
			c := int(p.Lon*ax + bx)
			r := int(p.Lat*ay + by)
			c = max(0, min(c, cmax))
			r = max(0, min(r, rmax))
			counts[r*l.Cols+c]++
		}
	}
	if n*4 > len(points) {
		// Merging per-goroutine arrays would cost more than it saves.
		counts := make([]int, n)
		binInto(counts, points)
		return counts
	}
	var parts [8][]int
	w := chunks(len(points), 1<<17, func(k, lo, hi int) {
		parts[k] = make([]int, n)
		binInto(parts[k], points[lo:hi])
	})
	counts := parts[0]
	for _, p := range parts[1:w] {
		for i, v := range p {
			counts[i] += v
		}
	}
	return counts
}
