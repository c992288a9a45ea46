package chart

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wellFormed decodes s as XML to the end and returns the root's name and
// attributes and the number of elements named each way.
func wellFormed(t *testing.T, s string) (xml.StartElement, map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	var root xml.StartElement
	count := map[string]int{}
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root.Name.Local != "" {
					t.Fatal("more than one root element")
				}
				root = e
			}
			depth++
			count[e.Name.Local]++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || root.Name.Local != "svg" {
		t.Fatalf("root %q, depth %d", root.Name.Local, depth)
	}
	return root, count
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// accessible checks the root's role, name and description.
func accessible(t *testing.T, root xml.StartElement, count map[string]int, title string) {
	t.Helper()
	if attr(root, "role") != "img" || attr(root, "aria-label") != title || attr(root, "aria-labelledby") == "" {
		t.Errorf("root attributes %v", root.Attr)
	}
	if count["title"] < 1 || count["desc"] != 1 {
		t.Errorf("title/desc: %v", count)
	}
}

func TestChartsWellFormed(t *testing.T) {
	long := strings.Repeat("Very long district name ", 5)
	evil := `<script>alert("x")</script> & 'q'`
	for _, c := range []struct {
		name  string
		title string
		svg   string
		want  map[string]int // minimum element counts
	}{
		{"trend lines", "Weeks", string(Trend{ID: "w", Title: "Weeks", Desc: "d", Labels: []string{"2026-W01", "2026-W02", "2026-W03"},
			Series: []Series{{Name: "This", Values: []float64{1, 5, 3}}, {Name: "Last", Values: []float64{2, 2}, Dashed: true}}}.SVG()),
			map[string]int{"polyline": 2, "circle": 6}},
		{"trend columns", "Months", string(Trend{ID: "m", Title: "Months", Labels: []string{"a", "b"}, Columns: true,
			Series: []Series{{Name: "This", Values: []float64{1, 5}}, {Name: "Last", Values: []float64{2, 2}}}}.SVG()),
			map[string]int{"rect": 4 + 2}},
		{"trend empty", "Empty", string(Trend{Title: "Empty"}.SVG()), map[string]int{"text": 1}},
		{"trend many periods", "Many", string(Trend{Title: "Many", Labels: make([]string, 1300), Series: []Series{{Name: "x", Values: make([]float64, 1300)}}}.SVG()),
			map[string]int{"polyline": 1}},
		{"bars", "Areas", string(Bars{ID: "a", Title: "Areas", Labels: []string{"001", long, evil},
			Series: []Series{{Name: "DV", Values: []float64{3, 1, 0}}, {Name: "All", Values: []float64{9, 2, 1}}}}.SVG()),
			map[string]int{"rect": 6 + 2}},
		{"bars empty", "None", string(Bars{Title: "None", Series: []Series{{Name: "x"}}}.SVG()), map[string]int{"text": 1}},
		{"heat", "Heat", string(Heat{ID: "h", Title: "Heat", Rows: []string{"Sun", "Mon"}, Cols: []string{"00", "01", "02"},
			Values: [][]float64{{0, 1, 2}, {3, 4}}}.SVG()), map[string]int{"rect": 6}},
		{"heat empty", "No heat", string(Heat{Title: "No heat"}.SVG()), map[string]int{"text": 1}},
		{"escaped title", evil, string(Bars{ID: `x"y`, Title: evil, Desc: evil, Labels: []string{evil}, Series: []Series{{Name: evil, Values: []float64{1}}}}.SVG()), map[string]int{"rect": 2}},
		{"bad values", "Bad values", string(Trend{Title: "Bad values", Labels: []string{"a", "b", "c"}, Series: []Series{{Name: "x", Values: []float64{math.NaN(), math.Inf(1), -4}}}}.SVG()), map[string]int{"polyline": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, count := wellFormed(t, c.svg)
			accessible(t, root, count, c.title)
			for el, n := range c.want {
				if count[el] < n {
					t.Errorf("%d <%s>, want at least %d", count[el], el, n)
				}
			}
			// No script, no style attribute, no raw markup from labels.
			for _, bad := range []string{"<script", "style=", "NaN", "Inf"} {
				if strings.Contains(c.svg, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
		})
	}
}

var barWidth = regexp.MustCompile(`<rect class="chart-bar[^"]*" x="\d+" y="\d+" width="([0-9.]+)"`)

// Bars are proportional to their values, and the longest one fits.
func TestBarsScale(t *testing.T) {
	for _, c := range []struct {
		values []float64
	}{{[]float64{10, 5, 0}}, {[]float64{7, 3, 1}}, {[]float64{1000, 250, 999}}, {[]float64{0.5, 0.25, 0}}} {
		svg := string(Bars{Title: "t", Width: 600, Labels: []string{"a", "b", "c"}, Series: []Series{{Name: "s", Values: c.values}}}.SVG())
		m := barWidth.FindAllStringSubmatch(svg, -1)
		if len(m) != len(c.values) {
			t.Fatalf("%d bars for %v", len(m), c.values)
		}
		w := make([]float64, len(m))
		for i, x := range m {
			w[i], _ = strconv.ParseFloat(x[1], 64)
		}
		if w[0] <= 0 || w[0] > 600-170-60+0.01 {
			t.Errorf("%v: longest bar %v does not fit the plot", c.values, w[0])
		}
		for i := range w {
			want := c.values[i] / c.values[0] * w[0]
			if math.Abs(w[i]-want) > 0.15 {
				t.Errorf("%v: bar %d is %v wide, want %v", c.values, i, w[i], want)
			}
		}
	}
}

// Higher counts get darker steps; zero is white.
func TestHeatSteps(t *testing.T) {
	svg := string(Heat{Title: "h", Rows: []string{"r"}, Cols: []string{"0", "1", "2"}, Values: [][]float64{{0, 1, 10}}}.SVG())
	for _, want := range []string{`heat-0`, `heat-1`, `heat-5`} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %s in %s", want, svg)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {-3, 1}, {1, 1}, {3, 5}, {7, 10}, {11, 20}, {24, 25}, {240, 250}, {0.3, 0.5}, {math.NaN(), 1}} {
		if got := niceMax(c.in); got != c.want {
			t.Errorf("niceMax(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := clip("abcdef", 4); got != "abc…" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("äöü", 3); got != "äöü" {
		t.Errorf("clip = %q", got)
	}
}

var tickRE = regexp.MustCompile(`<text class="chart-tick" x="\d+" y="[0-9.]+" text-anchor="end" fill="#444">([^<]+)</text>`)

// Small counts get whole-number ticks; fractions keep theirs.
func TestTrendTicks(t *testing.T) {
	for _, c := range []struct {
		values []float64
		want   string
	}{{[]float64{0, 2, 1}, "0 1 2 3 4"}, {[]float64{0, 17}, "0 5 10 15 20"}, {[]float64{0.2, 0.9}, "0 0.2 0.5 0.8 1"}} {
		svg := string(Trend{Title: "t", Labels: []string{"a", "b", "c"}, Series: []Series{{Name: "s", Values: c.values}}}.SVG())
		var got []string
		for _, m := range tickRE.FindAllStringSubmatch(svg, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v: ticks %q, want %q", c.values, got, c.want)
		}
	}
}
