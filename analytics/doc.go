// Package analytics computes aggregate statistics over incident locations
// and times: Getis-Ord Gi* hotspots on a square grid, a quartic kernel
// density surface, small-count suppression, and a few dashboard
// aggregates. It is pure: functions take slices and return values; nothing
// here reads files, the clock or a database (tests and benchmarks read
// ../shared/data).
//
// # Projection and grid
//
// Locations are WGS84 latitude/longitude. A grid is laid on a local
// equirectangular projection centred near the bounding box of the valid
// points, (φ0, λ0) = the box's mid-latitude and mid-longitude rounded to
// 0.1° — rounded because the centre is published with the grid, and the
// exact middle of a single incident's box is where it happened:
//
//	x = R·rad(λ − λ0)·cos φ0,  y = R·rad(φ − φ0),  R = 6 371 008.8 m
//
// Over a city (tens of kilometres) distances are within about 0.1% of the
// great-circle distance. The area must not cross the antimeridian and its
// centre must be within 85° of the equator (otherwise a *ParamError for
// "points"). The grid origin (X0, Y0) is the projected south-west corner of
// the box floored to a multiple of the cell size; cell (col, row) covers
// [X0 + col·c, X0 + (col+1)·c) × [Y0 + row·c, Y0 + (row+1)·c), row 0 is the
// southernmost row, cells are stored row-major. Because the projection is
// separable, a cell is a longitude/latitude rectangle; centres and corners
// are converted back to WGS84 for output. Points with NaN or out-of-range
// coordinates are skipped and counted (Grid.Skipped).
//
// # Getis-Ord Gi*
//
// The study area is every cell of the grid over the bounding box,
// including empty cells; n is the number of cells. For cell i with count
// x_i, binary weights w_ij = 1 when the centres of i and j are at most
// band_m apart (j = i included), else 0:
//
//	X̄ = Σx_j / n,  S = √(Σx_j²/n − X̄²)  (computed as √(Σ(x_j − X̄)²/n))
//	W_i = Σ_j w_ij,  S1_i = Σ_j w_ij² (= W_i for binary weights)
//	Gi* = (Σ_j w_ij x_j − X̄·W_i) / (S·√((n·S1_i − W_i²)/(n − 1)))
//
// Gi* is itself a z-score (Ord & Getis 1995). band_m = 0 means c·√2: the
// cell and its 8 neighbours. "Within band" is tested with a relative
// tolerance of 1e-9 so that the diagonal of the default band is included
// despite rounding. Edge cells simply have fewer neighbours (smaller W_i).
// If n < 2, S = 0, or a cell's neighbourhood is the whole grid
// (n·W_i − W_i² = 0, so Gi* = 0/0) its z is 0 and p is 1.
//
// Weighted sums use per-row prefix sums: the band is, for each row offset
// dr, a contiguous run of columns |dc| ≤ w(dr), so a cell costs O(rows in
// the band). The neighbour set is exactly the set of cells whose centres
// are within band_m; the tests compare with an O(n²) distance-based
// implementation to 1e-9.
//
// Note that the result depends on the study area: the more empty cells the
// bounding box holds, the lower X̄ and the more readily cells look hot. This is the
// standard choice for a grid analysis; cells outside the box are not part
// of it.
//
// p-values are two-sided from the standard normal: p = erfc(|z|/√2).
//
// # Classes and false discovery rate
//
// A cell's class comes from the sign of z and a p-value: p ≤ 0.01 gives
// hot-99/cold-99, p ≤ 0.05 hot-95/cold-95, p ≤ 0.10 hot-90/cold-90,
// otherwise not-significant.
//
// Testing thousands of cells at once produces many false hotspots, so the
// primary class (Cell.Class, GeoJSON "class") uses Benjamini–Hochberg
// adjusted p-values (q-values) over all n cells: with the p-values sorted
// ascending, q₍k₎ = min over j ≥ k of min(1, p₍j₎·n/j). "q ≤ α" is exactly
// the BH step-up procedure at false discovery rate α, so the three levels
// are three BH runs at 0.10, 0.05 and 0.01. The uncorrected class
// (ClassUncorrected, "class_uncorrected") compares p itself. BH controls
// the FDR for independent or positively dependent tests; neighbouring Gi*
// statistics share cells and are positively correlated, which is the usual
// justification for applying it to Gi* (as GIS tools do), but the
// guarantee is not exact for two-sided tests.
//
// # Kernel density
//
// KDE estimates f(s) = Σ_i K(‖s − p_i‖) with the quartic (biweight) kernel
//
//	K(d) = 3/(π h²)·(1 − (d/h)²)²  for d < h, else 0
//
// which integrates to 1, so f is in expected incidents per unit area; it
// is reported per km² (×10⁶) at cell centres, and Σ f·(cell area in km²) ≈
// the number of points. The grid is the bounding box expanded by h.
//
// Approximation: points are binned and each is taken to be at its cell
// centre, then the counts are convolved with K sampled at cell-centre
// offsets. This is the exact KDE of points each moved by at most half a
// cell diagonal, δ = c/√2. Since |K'| ≤ 8/(√3·π·h³), the error at a
// location is at most δ·8/(√3·π·h³) per point within h + δ of it (times 10⁶
// per km²); relative to the peak 3/(π h²) that is about 1.09·c/h per point.
// The tests check this bound against a brute-force KDE. h must be between
// c and 100·c.
//
// # Privacy
//
// Anything exported or shown outside the owning agency must use a
// Suppressor with a threshold (default 5): counts 1..4 are written as
// "<5"; 0 stays 0. The statistics are always computed from exact counts.
//
// Important: full-precision Gi* values reveal suppressed counts. Given
// gi_z for a cell together with X̄, S and n (or two z-values and enough
// known counts to solve for them), the neighbourhood sum
// Σ_j w_ij x_j = z_i·S·√((n·W_i − W_i²)/(n − 1)) + X̄·W_i follows exactly,
// and a small count whose neighbours are shown (or known to be empty) is
// that sum minus theirs; over a whole grid the box sums form a linear
// system that usually determines every count. Rounding z to a few decimals
// does not help when S·√(…) is small. TestZRevealsCounts demonstrates
// this. Therefore, when suppression is active, Grid.FeatureCollection
// omits gi_z, p_value, q_value (p and q are functions of |z|) and the
// totals n_points, mean and sd, and writes only the suppressed counts and
// the classes. The classes still leak a little: they bound |z| to an
// interval, which with known neighbours bounds a suppressed count to a
// range that may be narrower than 1..4. Suppression per response also does
// not stop differencing between two queries (for example overlapping time
// ranges or filters); callers outside the owning agency should get fixed,
// coarse choices.
//
// A density surface is not suppressed: in a sparse area a lone incident
// appears as a kernel peak of 3/(π h²) centred on it. Only show KDE to the
// owning agency, or with a bandwidth large enough that no peak rests on a
// single incident.
//
// # GeoJSON
//
// Grid.FeatureCollection and Density.FeatureCollection write RFC 7946
// FeatureCollections: one Polygon per cell, ring [lon, lat] counter-
// clockwise and closed (SW, SE, NE, NW, SW), numbers in the shortest form
// that parses back to the same float64, so a recomputation from the output
// matches to within rounding. The collection carries a foreign member
// "properties" with the parameters, the projection (lat0, lon0, radius_m,
// origin_m) and, for hotspots, the weights and the correction.
//
// # Errors
//
// Invalid parameters give a *ParamError naming the parameter (cell_m,
// band_m, bandwidth_m, points); the web layer maps it to 422. Grids are
// limited to DefaultMaxCells (1,000,000) unless the options say otherwise.
// With no valid point the result is an empty grid, not an error.
package analytics
