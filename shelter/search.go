package shelter

import (
	"container/heap"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is one service at one location, as the search index holds it.
// Lat and Lon are the location's real coordinates, used only to compute
// distances; they are never part of a Result. For a confidential location
// the builder sets LocationName to the area label stand-in and leaves
// Address empty.
type Entry struct {
	ServiceID    string
	ServiceName  string
	LocationID   string
	LocationName string
	AreaLabel    string
	Confidential bool
	Address      string   // one line; "" for a confidential location
	Phones       []string // service's and location's numbers
	Terms        []string // taxonomy term ids and codes of the service and location
	Languages    []string // lower-case codes and names
	Lat, Lon     float64
	HasCoords    bool
	Hours        []Hours        // opening hours and closures (hours.go); none means unknown
	Zone         *time.Location // the owning agency's time zone
}

// Query is a search. Need is a taxonomy term code or id ("" = any);
// HasPoint says Lat/Lon are set; Language a code or name ("" = any);
// Limit 1–100 (0 = 20).
type Query struct {
	Need       string
	Lat, Lon   float64
	HasPoint   bool
	OpenNow    bool
	Language   string
	Beds       bool
	Limit      int
	Now        time.Time
	StaleAfter time.Duration
}

// Result is one hit. DistanceKM is rounded to RoundKM (and at least
// RoundKM), computed on the server; no coordinates are ever returned.
type Result struct {
	ServiceID     string     `json:"service_id"`
	ServiceName   string     `json:"service_name"`
	LocationID    string     `json:"location_id"`
	LocationName  string     `json:"location_name"`
	AreaLabel     string     `json:"area_label,omitempty"`
	Confidential  bool       `json:"confidential"`
	Address       string     `json:"address,omitempty"`
	Phones        []string   `json:"phones"`
	DistanceKM    *float64   `json:"distance_km,omitempty"`
	OpenNow       *bool      `json:"open_now,omitempty"` // absent when the hours are not known
	BedsAvailable *int       `json:"beds_available,omitempty"`
	Capacities    []Capacity `json:"service_capacity,omitempty"`
	Stale         bool       `json:"stale,omitempty"`
}

// RoundKM is the step distances are rounded to.
const RoundKM = 0.5

// RoundConfidentialKM is the coarser step for confidential locations:
// repeated searches from chosen points must not pin one down to a street.
const RoundConfidentialKM = 2.0

// Round rounds a distance for output.
func Round(km float64) float64 { return roundTo(km, RoundKM) }

// RoundConfidential rounds a confidential location's distance for output.
func RoundConfidential(km float64) float64 { return roundTo(km, RoundConfidentialKM) }

func roundTo(km, step float64) float64 { return math.Max(step, math.Round(km/step)*step) }

// Index is the in-memory search index: entries grouped by term, and the
// current availability per location, which Update replaces without a
// rebuild. Safe for concurrent use.
type Index struct {
	entries []Entry
	byTerm  map[string][]int32

	latAll  latList
	latTerm map[string]latList

	mu    sync.RWMutex
	avail map[string][]Capacity // location id → current capacities
}

// NewIndex builds an index over entries, with the current availability.
func NewIndex(entries []Entry, avail map[string][]Capacity) *Index {
	x := &Index{entries: entries, byTerm: map[string][]int32{}, avail: map[string][]Capacity{}}
	for i, e := range entries {
		seen := map[string]bool{}
		for _, t := range e.Terms {
			t = strings.ToLower(t)
			if !seen[t] {
				seen[t] = true
				x.byTerm[t] = append(x.byTerm[t], int32(i))
			}
		}
	}
	for k, v := range avail {
		x.avail[k] = v
	}
	all := make([]int32, len(entries))
	for i := range all {
		all[i] = int32(i)
	}
	x.latAll = x.byLatitude(all)
	x.latTerm = map[string]latList{}
	for t, l := range x.byTerm {
		x.latTerm[t] = x.byLatitude(l)
	}
	return x
}

// latList is a list of entries sorted by latitude, those without
// coordinates at the end (from withCoords on).
type latList struct {
	idx        []int32
	withCoords int
}

func (x *Index) byLatitude(l []int32) latList {
	idx := append([]int32{}, l...)
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := &x.entries[idx[a]], &x.entries[idx[b]]
		if ea.HasCoords != eb.HasCoords {
			return ea.HasCoords
		}
		return ea.HasCoords && ea.Lat < eb.Lat
	})
	n := 0
	for n < len(idx) && x.entries[idx[n]].HasCoords {
		n++
	}
	return latList{idx: idx, withCoords: n}
}

// Len is the number of entries.
func (x *Index) Len() int { return len(x.entries) }

// SetAvailability replaces one location's current capacities.
func (x *Index) SetAvailability(locationID string, caps []Capacity) {
	x.mu.Lock()
	x.avail[locationID] = caps
	x.mu.Unlock()
}

type hit struct {
	i int32
	d float64 // squared approximate distance, or +Inf without coordinates
}

type hitHeap []hit // a max-heap: the worst kept hit on top

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(a, b int) bool { return h[a].d > h[b].d || (h[a].d == h[b].d && h[a].i > h[b].i) }
func (h hitHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *hitHeap) Push(v any)        { *h = append(*h, v.(hit)) }
func (h *hitHeap) Pop() any          { o := *h; v := o[len(o)-1]; *h = o[:len(o)-1]; return v }

// Search answers q: entries matching every filter, nearest first when a
// point is given (entries without coordinates last), else by service name.
func (x *Index) Search(q Query) []Result {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	var candidates []int32
	all := q.Need == ""
	if !all {
		candidates = x.byTerm[strings.ToLower(q.Need)]
	}
	lang := strings.ToLower(strings.TrimSpace(q.Language))
	cosLat := math.Cos(q.Lat * math.Pi / 180)
	ck := &clocks{now: q.Now}
	x.mu.RLock()
	defer x.mu.RUnlock()
	h := make(hitHeap, 0, limit+1)
	consider := func(i int32) {
		e := &x.entries[i]
		if q.Beds && beds(x.avail[e.LocationID]) <= 0 {
			return
		}
		if lang != "" && !hasString(e.Languages, lang) {
			return
		}
		if q.OpenNow && (len(e.Hours) == 0 || !e.openLocal(ck.in(e.Zone))) {
			return
		}
		d := math.Inf(1)
		if e.HasCoords {
			dx := (e.Lon - q.Lon) * cosLat
			dy := e.Lat - q.Lat
			d = dx*dx + dy*dy
		}
		if len(h) < limit {
			heap.Push(&h, hit{i, d})
		} else if d < h[0].d || (d == h[0].d && i < h[0].i) {
			h[0] = hit{i, d}
			heap.Fix(&h, 0)
		}
	}
	if q.HasPoint {
		// The sorted scan: outwards from the query's latitude, stopping
		// once the latitude gap alone is worse than the worst kept hit.
		l := x.latAll
		if !all {
			l = x.latTerm[strings.ToLower(q.Need)]
		}
		m := l.withCoords
		pos := sort.Search(m, func(j int) bool { return x.entries[l.idx[j]].Lat >= q.Lat })
		lo, hi := pos-1, pos
		for lo >= 0 || hi < m {
			var i int32
			var dy float64
			up := hi < m && (lo < 0 || x.entries[l.idx[hi]].Lat-q.Lat <= q.Lat-x.entries[l.idx[lo]].Lat)
			if up {
				i, dy = l.idx[hi], x.entries[l.idx[hi]].Lat-q.Lat
				hi++
			} else {
				i, dy = l.idx[lo], q.Lat-x.entries[l.idx[lo]].Lat
				lo--
			}
			if len(h) == limit && dy*dy > h[0].d {
				break
			}
			consider(i)
		}
		for _, i := range l.idx[m:] {
			if len(h) == limit {
				break
			}
			consider(i)
		}
	}
	hits := []hit(h)
	if !q.HasPoint {
		// Without a point: every match, ordered by name.
		hits = x.byName(q, candidates, all, lang, limit)
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].d != hits[b].d {
			return hits[a].d < hits[b].d
		}
		return hits[a].i < hits[b].i
	})
	out := make([]Result, 0, len(hits))
	for _, hv := range hits {
		e := &x.entries[hv.i]
		r := Result{ServiceID: e.ServiceID, ServiceName: e.ServiceName, LocationID: e.LocationID, LocationName: e.LocationName,
			Confidential: e.Confidential, Address: e.Address, Phones: append([]string{}, e.Phones...)}
		if e.Confidential {
			r.AreaLabel = e.AreaLabel
		}
		if q.HasPoint && e.HasCoords {
			km := Haversine(q.Lat, q.Lon, e.Lat, e.Lon)
			if e.Confidential {
				km = RoundConfidential(km)
			} else {
				km = Round(km)
			}
			r.DistanceKM = &km
		}
		if open, known := e.openAt(q.Now); known {
			r.OpenNow = &open
		}
		if caps := x.avail[e.LocationID]; len(caps) > 0 {
			a := Availability{Capacities: append([]Capacity{}, caps...)}
			a.Finish(q.Now, q.StaleAfter)
			for i := range a.Capacities {
				a.Capacities[i].UpdatedBy = "" // who updated is the owning agency's business
			}
			b := a.Beds
			r.BedsAvailable, r.Capacities, r.Stale = &b, a.Capacities, a.Stale
		}
		out = append(out, r)
	}
	return out
}

// byName collects matches ordered by service name then location id.
func (x *Index) byName(q Query, candidates []int32, all bool, lang string, limit int) []hit {
	var ms []int32
	ck := &clocks{now: q.Now}
	n := len(candidates)
	if all {
		n = len(x.entries)
	}
	for k := 0; k < n; k++ {
		i := int32(k)
		if !all {
			i = candidates[k]
		}
		e := &x.entries[i]
		if q.Beds && beds(x.avail[e.LocationID]) <= 0 {
			continue
		}
		if lang != "" && !hasString(e.Languages, lang) {
			continue
		}
		if q.OpenNow && (len(e.Hours) == 0 || !e.openLocal(ck.in(e.Zone))) {
			continue
		}
		ms = append(ms, i)
	}
	sort.Slice(ms, func(a, b int) bool {
		ea, eb := &x.entries[ms[a]], &x.entries[ms[b]]
		if ea.ServiceName != eb.ServiceName {
			return ea.ServiceName < eb.ServiceName
		}
		if ea.LocationName != eb.LocationName {
			return ea.LocationName < eb.LocationName
		}
		return ms[a] < ms[b]
	})
	if len(ms) > limit {
		ms = ms[:limit]
	}
	out := make([]hit, len(ms))
	for k, i := range ms {
		out[k] = hit{i: i, d: float64(k)}
	}
	return out
}

func beds(caps []Capacity) int {
	n := 0
	for _, c := range caps {
		n += c.Available
	}
	return n
}

func hasString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Haversine is the great-circle distance in km.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// clocks caches localNow per zone during one search.
type clocks struct {
	now   time.Time
	last  *time.Location
	lastv localNow
	m     map[*time.Location]localNow
}

func (c *clocks) in(zone *time.Location) localNow {
	if c.m != nil && zone == c.last {
		return c.lastv
	}
	if c.m == nil {
		c.m = map[*time.Location]localNow{}
	}
	v, ok := c.m[zone]
	if !ok {
		v = at(c.now, zone)
		c.m[zone] = v
	}
	c.last, c.lastv = zone, v
	return v
}

// openAt reports whether the entry is open at now (in its zone); known is
// false when it has no opening hours.
func (e *Entry) openAt(now time.Time) (open, known bool) {
	if len(e.Hours) == 0 {
		return false, false
	}
	return e.openLocal(at(now, e.Zone)), true
}
