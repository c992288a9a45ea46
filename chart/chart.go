// Package chart draws small, accessible charts as SVG on the server: a
// trend over periods (lines or grouped columns, e.g. this year against the
// same period last year), horizontal bars, and a heat grid.
//
// The output suits a strict Content Security Policy: no scripts, no style
// attributes — colours are presentation attributes (fill, stroke) and every
// element has a class a style sheet may refine. Each chart is an <svg>
// with role="img", an aria-label, and <title>/<desc> children; the numbers
// belong in a table beside it as well (a picture is no substitute for the
// data).
//
// Every piece of text that reaches the output (titles, labels, series
// names) is escaped here, so the template.HTML the methods return is safe
// to place in an html/template page whatever the labels hold.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Palette is the series colours in order (colour-blind safe, dark enough
// for 3:1 contrast against white).
var Palette = []string{"#1f5f99", "#b35806", "#4d9221", "#762a83", "#8c510a", "#01665e"}

// Series is one named row of values.
type Series struct {
	Name   string
	Values []float64
	// Dashed draws a trend line dashed (e.g. last year's).
	Dashed bool
}

// esc escapes text for XML content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

// clip shortens s to at most n runes, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num formats a value for labels: integers without decimals.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// niceMax rounds v up to 1, 2, 2.5 or 5 times a power of ten (at least 1).
func niceMax(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// clean turns NaN, infinities and negatives into 0.
func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

// integers reports whether every value is a whole number.
func integers(series []Series) bool {
	for _, s := range series {
		for _, v := range s.Values {
			if v != math.Trunc(v) {
				return false
			}
		}
	}
	return true
}

func colour(i int) string { return Palette[i%len(Palette)] }

// open writes the <svg> element with its accessible name and description.
func open(b *strings.Builder, id, class, title, desc string, w, h int) {
	if id == "" {
		id = "chart"
	}
	id = esc(id)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" aria-labelledby="%s-title %s-desc">`,
		class, w, h, w, h, esc(title), id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

// empty draws the message of a chart without data.
func empty(b *strings.Builder, w, h int) {
	fmt.Fprintf(b, `<text class="chart-empty" x="%d" y="%d" text-anchor="middle" fill="#555">No data for this selection</text>`, w/2, h/2)
}

// legend draws the series names along the top.
func legend(b *strings.Builder, series []Series, x, y int) {
	for i, s := range series {
		fmt.Fprintf(b, `<g class="chart-legend"><rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, x, y-10, colour(i))
		if s.Dashed {
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#fff" stroke-width="2" stroke-dasharray="3 2"/>`, x, y-4, x+12, y-4)
		}
		name := clip(s.Name, 28)
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="#222">%s</text></g>`, x+16, y, esc(name))
		x += 16 + 7*utf8.RuneCountInString(name) + 18
	}
}

// Trend is a chart of values over periods: one line (or column) per
// series, the periods along the x axis.
type Trend struct {
	ID     string // unique on the page; prefixes the ids of title and desc
	Title  string
	Desc   string
	Labels []string // one per period
	Series []Series // each with len(Labels) values (missing ones count 0)
	// Columns draws grouped columns instead of lines.
	Columns bool
	Width   int // default 720
	Height  int // default 280
}

// SVG draws the chart.
func (c Trend) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 720
	}
	if h <= 0 {
		h = 280
	}
	var b strings.Builder
	open(&b, c.ID, "chart-trend", c.Title, c.Desc, w, h)
	n := len(c.Labels)
	if n == 0 || len(c.Series) == 0 {
		empty(&b, w, h)
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	left, right, top, bottom := 48, 12, 28, 40
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, clean(v))
		}
	}
	ymax := niceMax(maxV)
	if ymax < 4 && integers(c.Series) {
		ymax = 4 // counts: ticks at whole numbers
	}
	y := func(v float64) float64 { return float64(top) + ph - clean(v)/ymax*ph }
	legend(&b, c.Series, left, 16)
	// Grid and y axis.
	for i := 0; i <= 4; i++ {
		v := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line class="chart-grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, left, y(v), w-right, y(v))
		fmt.Fprintf(&b, `<text class="chart-tick" x="%d" y="%.1f" text-anchor="end" fill="#444">%s</text>`, left-6, y(v)+4, num(v))
	}
	slot := pw / float64(n)
	xc := func(i int) float64 { return float64(left) + slot*(float64(i)+0.5) }
	// At most about 12 period labels, evenly spaced.
	step := max(1, (n+11)/12)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>`, xc(i), h-bottom+16, esc(clip(c.Labels[i], 10)))
	}
	fmt.Fprintf(&b, `<line class="chart-axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#666"/>`, left, y(0), w-right, y(0))
	val := func(s Series, i int) float64 {
		if i < len(s.Values) {
			return clean(s.Values[i])
		}
		return 0
	}
	if c.Columns {
		k := len(c.Series)
		bw := slot * 0.8 / float64(k)
		for si, s := range c.Series {
			fmt.Fprintf(&b, `<g class="chart-series chart-series-%d" fill="%s">`, si, colour(si))
			for i := range n {
				v := val(s, i)
				x := float64(left) + slot*float64(i) + slot*0.1 + bw*float64(si)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
					x, y(v), math.Max(bw-0.5, 0.5), y(0)-y(v), esc(s.Name), esc(c.Labels[i]), num(v))
			}
			b.WriteString(`</g>`)
		}
	} else {
		for si, s := range c.Series {
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			pts := make([]string, n)
			for i := range n {
				pts[i] = fmt.Sprintf("%.1f,%.1f", xc(i), y(val(s, i)))
			}
			fmt.Fprintf(&b, `<polyline class="chart-series chart-series-%d" fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`,
				si, colour(si), dash, strings.Join(pts, " "))
			if n <= 60 {
				fmt.Fprintf(&b, `<g class="chart-points" fill="%s">`, colour(si))
				for i := range n {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5"><title>%s %s: %s</title></circle>`, xc(i), y(val(s, i)), esc(s.Name), esc(c.Labels[i]), num(val(s, i)))
				}
				b.WriteString(`</g>`)
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bars is a horizontal bar chart: one row per label, one bar per series
// in each row.
type Bars struct {
	ID     string
	Title  string
	Desc   string
	Labels []string
	Series []Series
	Width  int // default 720
}

// SVG draws the chart; its height follows the rows.
func (c Bars) SVG() template.HTML {
	w := c.Width
	if w <= 0 {
		w = 720
	}
	n := len(c.Labels)
	k := max(1, len(c.Series))
	rowH := 8 + 14*k
	top, left, right := 28, 170, 60
	h := top + max(1, n)*rowH + 8
	if n == 0 || len(c.Series) == 0 {
		h = 120
	}
	var b strings.Builder
	open(&b, c.ID, "chart-bars", c.Title, c.Desc, w, h)
	if n == 0 || len(c.Series) == 0 {
		empty(&b, w, h)
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, clean(v))
		}
	}
	scale := float64(w-left-right) / niceMax(maxV)
	legend(&b, c.Series, left, 16)
	for i, l := range c.Labels {
		y0 := top + i*rowH
		fmt.Fprintf(&b, `<text class="chart-label" x="%d" y="%d" text-anchor="end" fill="#222">%s</text>`, left-6, y0+rowH/2+4, esc(clip(l, 24)))
		for si, s := range c.Series {
			v := 0.0
			if i < len(s.Values) {
				v = clean(s.Values[i])
			}
			by := y0 + 4 + si*14
			fmt.Fprintf(&b, `<rect class="chart-bar chart-series-%d" x="%d" y="%d" width="%.1f" height="12" fill="%s"><title>%s, %s: %s</title></rect>`,
				si, left, by, v*scale, colour(si), esc(l), esc(s.Name), num(v))
			fmt.Fprintf(&b, `<text class="chart-value" x="%.1f" y="%d" fill="#222">%s</text>`, float64(left)+v*scale+4, by+10, num(v))
		}
	}
	fmt.Fprintf(&b, `<line class="chart-axis" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#666"/>`, left, top, left, top+n*rowH)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Heat is a grid of counts: rows × columns, each cell shaded by its value
// (six steps from white to dark red; the value is in each cell's title).
type Heat struct {
	ID     string
	Title  string
	Desc   string
	Rows   []string    // row labels (e.g. weekdays)
	Cols   []string    // column labels (e.g. hours)
	Values [][]float64 // Values[row][col]
}

// HeatSteps are the heat grid's fills, from none to the most.
var HeatSteps = []string{"#ffffff", "#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"}

// SVG draws the grid.
func (c Heat) SVG() template.HTML {
	left, top, cell := 44, 34, 26
	nr, nc := len(c.Rows), len(c.Cols)
	w, h := left+max(nc, 1)*cell+8, top+max(nr, 1)*cell+8
	if nr == 0 || nc == 0 {
		w, h = 720, 120
	}
	var b strings.Builder
	open(&b, c.ID, "chart-heat", c.Title, c.Desc, w, h)
	if nr == 0 || nc == 0 {
		empty(&b, w, h)
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	maxV := 0.0
	for _, r := range c.Values {
		for _, v := range r {
			maxV = math.Max(maxV, clean(v))
		}
	}
	for j, l := range c.Cols {
		fmt.Fprintf(&b, `<text class="chart-tick" x="%d" y="%d" text-anchor="middle" fill="#444">%s</text>`, left+j*cell+cell/2, top-8, esc(clip(l, 3)))
	}
	for i, l := range c.Rows {
		fmt.Fprintf(&b, `<text class="chart-label" x="%d" y="%d" text-anchor="end" fill="#222">%s</text>`, left-6, top+i*cell+cell/2+4, esc(clip(l, 5)))
		for j := range c.Cols {
			v := 0.0
			if i < len(c.Values) && j < len(c.Values[i]) {
				v = clean(c.Values[i][j])
			}
			step := 0
			if v > 0 && maxV > 0 {
				step = 1 + int(math.Min(4, math.Floor(v/maxV*5)))
			}
			fmt.Fprintf(&b, `<rect class="chart-cell heat-%d" x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ccc"><title>%s %s: %s</title></rect>`,
				step, left+j*cell, top+i*cell, cell, cell, HeatSteps[step], esc(l), esc(c.Cols[j]), num(v))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
