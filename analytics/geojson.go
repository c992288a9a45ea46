package analytics

import (
	"encoding/json"
	"math"
	"strconv"
)

type jsonWriter struct{ b []byte }

func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonWriter) num(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.raw("null")
		return
	}
	// Shortest representation that parses back to the same float64.
	w.b = strconv.AppendFloat(w.b, v, 'g', -1, 64)
}

func (w *jsonWriter) int(v int) { w.b = strconv.AppendInt(w.b, int64(v), 10) }

func (w *jsonWriter) str(s string) {
	q, _ := json.Marshal(s)
	w.b = append(w.b, q...)
}

func (w *jsonWriter) pos(lon, lat float64) {
	w.raw("[")
	w.num(lon)
	w.raw(",")
	w.num(lat)
	w.raw("]")
}

func (w *jsonWriter) polygon(l *lattice, c, r int) {
	w.raw(`{"type":"Polygon","coordinates":[[`)
	for k, p := range l.ring(c, r) {
		if k > 0 {
			w.raw(",")
		}
		w.pos(p[0], p[1])
	}
	w.raw(`]]}`)
}

func (w *jsonWriter) projection(l *lattice) {
	w.raw(`{"type":"local-equirectangular","lat0":`)
	w.num(l.Proj.Lat0)
	w.raw(`,"lon0":`)
	w.num(l.Proj.Lon0)
	w.raw(`,"radius_m":`)
	w.num(EarthRadiusM)
	w.raw(`,"origin_m":[`)
	w.num(l.X0)
	w.raw(",")
	w.num(l.Y0)
	w.raw(`],"description":`)
	w.str(l.Proj.String())
	w.raw("}")
}

// FeatureCollection encodes the grid as an RFC 7946 GeoJSON
// FeatureCollection of cell polygons. With all=false only cells with a
// count > 0 are written (empty cells still took part in the statistic).
//
// Each feature's properties are col, row, centre ([lon, lat]), count,
// gi_z, p_value, q_value (BH), class (from q_value) and class_uncorrected
// (from p_value). The collection carries a foreign member "properties" with
// the parameters: cell_m, band_m, cols, rows, n_cells, n_points, skipped,
// mean, sd, the projection, weights and correction ("benjamini-hochberg").
//
// When s is active, counts 1..Threshold−1 are written as the string
// "<Threshold", and gi_z, p_value, q_value, n_points, mean and sd are
// omitted: at full precision they determine the suppressed counts (see
// the package documentation). Only the classes remain.
func (g *Grid) FeatureCollection(all bool, s Suppressor) ([]byte, error) {
	l := g.lattice()
	w := &jsonWriter{b: make([]byte, 0, 64+len(g.Cells)*400)}
	w.raw(`{"type":"FeatureCollection","properties":{"analysis":"getis-ord-gi*","cell_m":`)
	w.num(g.CellM)
	w.raw(`,"band_m":`)
	w.num(g.BandM)
	w.raw(`,"weights":"binary: 1 when the centre distance is at most band_m, self included","cols":`)
	w.int(g.Cols)
	w.raw(`,"rows":`)
	w.int(g.Rows)
	w.raw(`,"n_cells":`)
	w.int(len(g.Cells))
	w.raw(`,"skipped":`)
	w.int(g.Skipped)
	if !s.Active() {
		w.raw(`,"n_points":`)
		w.int(g.Points)
		w.raw(`,"mean":`)
		w.num(g.Mean)
		w.raw(`,"sd":`)
		w.num(g.SD)
	} else {
		w.raw(`,"suppression_threshold":`)
		w.int(s.Threshold)
	}
	w.raw(`,"p_value":"two-sided, standard normal","correction":"benjamini-hochberg","class_levels":[0.1,0.05,0.01],"projection":`)
	w.projection(&l)
	w.raw(`},"features":[`)
	first := true
	for i := range g.Cells {
		c := &g.Cells[i]
		if !all && c.Count == 0 {
			continue
		}
		if !first {
			w.raw(",")
		}
		first = false
		w.raw(`{"type":"Feature","geometry":`)
		w.polygon(&l, c.Col, c.Row)
		w.raw(`,"properties":{"col":`)
		w.int(c.Col)
		w.raw(`,"row":`)
		w.int(c.Row)
		w.raw(`,"centre":`)
		w.pos(c.Centre.Lon, c.Centre.Lat)
		w.raw(`,"count":`)
		if s.Active() {
			if v := SuppressCount(c.Count, s.Threshold); v != c.Count {
				w.str(v.(string))
			} else {
				w.int(c.Count)
			}
		} else {
			w.int(c.Count)
			w.raw(`,"gi_z":`)
			w.num(c.Z)
			w.raw(`,"p_value":`)
			w.num(c.P)
			w.raw(`,"q_value":`)
			w.num(c.Q)
		}
		w.raw(`,"class":"`)
		w.raw(string(c.Class))
		w.raw(`","class_uncorrected":"`)
		w.raw(string(c.ClassUncorrected))
		w.raw(`"}}`)
	}
	w.raw("]}")
	return w.b, nil
}

// FeatureCollection encodes the density surface as an RFC 7946 GeoJSON
// FeatureCollection of cell polygons with properties col, row, centre and
// density (expected incidents per km²). With all=false only cells with a
// density > 0 are written.
//
// A density surface is not count-suppressed: in a sparse area the peak of
// a lone incident's kernel reveals it (see the package documentation).
func (d *Density) FeatureCollection(all bool) ([]byte, error) {
	l := d.lattice()
	w := &jsonWriter{b: make([]byte, 0, 64+len(d.Values)*300)}
	w.raw(`{"type":"FeatureCollection","properties":{"analysis":"kernel-density","kernel":"quartic","units":"incidents per km²","cell_m":`)
	w.num(d.CellM)
	w.raw(`,"bandwidth_m":`)
	w.num(d.BandwidthM)
	w.raw(`,"cols":`)
	w.int(d.Cols)
	w.raw(`,"rows":`)
	w.int(d.Rows)
	w.raw(`,"n_points":`)
	w.int(d.Points)
	w.raw(`,"skipped":`)
	w.int(d.Skipped)
	w.raw(`,"projection":`)
	w.projection(&l)
	w.raw(`},"features":[`)
	first := true
	for i, v := range d.Values {
		if !all && v <= 0 {
			continue
		}
		if !first {
			w.raw(",")
		}
		first = false
		c, r := i%d.Cols, i/d.Cols
		w.raw(`{"type":"Feature","geometry":`)
		w.polygon(&l, c, r)
		w.raw(`,"properties":{"col":`)
		w.int(c)
		w.raw(`,"row":`)
		w.int(r)
		w.raw(`,"centre":`)
		p := l.centre(c, r)
		w.pos(p.Lon, p.Lat)
		w.raw(`,"density":`)
		w.num(v)
		w.raw(`}}`)
	}
	w.raw("]}")
	return w.b, nil
}
