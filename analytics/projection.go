package analytics

import (
	"fmt"
	"math"
)

// EarthRadiusM is the mean Earth radius (IUGG R1) in metres used by [Projection].
const EarthRadiusM = 6371008.8

// Point is a WGS84 location in decimal degrees.
type Point struct{ Lat, Lon float64 }

// valid reports whether p is a finite latitude in [-90, 90] and longitude in [-180, 180].
func (p Point) valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 // false for NaN
}

// Projection is a local equirectangular projection around (Lat0, Lon0):
//
//	x = R·rad(lon − Lon0)·cos(rad(Lat0))
//	y = R·rad(lat − Lat0)
//
// with R = [EarthRadiusM]; x, y in metres (x east, y north). Over a city
// (tens of kilometres) distances are within about 0.1% of the great-circle
// distance. Longitudes are not wrapped: the area must not cross the
// antimeridian.
type Projection struct {
	Lat0, Lon0 float64
	kx, ky     float64 // metres per degree of longitude / latitude
}

// NewProjection returns the local equirectangular projection centred at (lat0, lon0).
func NewProjection(lat0, lon0 float64) Projection {
	ky := EarthRadiusM * math.Pi / 180
	return Projection{Lat0: lat0, Lon0: lon0, kx: ky * math.Cos(lat0*math.Pi/180), ky: ky}
}

// Forward projects p to metres.
func (pr Projection) Forward(p Point) (x, y float64) {
	return (p.Lon - pr.Lon0) * pr.kx, (p.Lat - pr.Lat0) * pr.ky
}

// Inverse converts projected metres back to a WGS84 point.
func (pr Projection) Inverse(x, y float64) Point {
	return Point{Lat: pr.Lat0 + y/pr.ky, Lon: pr.Lon0 + x/pr.kx}
}

// String describes the projection, for output metadata.
func (pr Projection) String() string {
	return fmt.Sprintf("local equirectangular: x = R*rad(lon-%g)*cos(rad(%g)), y = R*rad(lat-%g), R = %g m",
		pr.Lon0, pr.Lat0, pr.Lat0, EarthRadiusM)
}
