package shelter

import (
	"fmt"
	"github.com/haven-dv/haven"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"
)

func TestValidateNamesFields(t *testing.T) {
	for _, c := range []struct {
		us    []Update
		field string
	}{
		{nil, "units"},
		{[]Update{{Category: "dorm", Total: 1}}, "units[0].category"},
		{[]Update{{Category: Families, Total: 2}, {Category: Families, Total: 2}}, "units[1].category"},
		{[]Update{{Category: Families, Total: MaxBeds + 1}}, "units[0].total"},
		{[]Update{{Category: Families, Total: -1}}, "units[0].total"},
		{[]Update{{Category: Families, Total: 2, Available: 3}}, "units[0].available"},
		{[]Update{{Category: Families, Total: 2, Available: -1}}, "units[0].available"},
	} {
		err := Validate(c.us)
		if err == nil || !containsField(err, c.field) {
			t.Errorf("%+v: got %v, want field %s", c.us, err, c.field)
		}
	}
	if err := Validate([]Update{{Category: Families, Total: 6, Available: 2}, {Category: PetsAllowed}}); err != nil {
		t.Fatal(err)
	}
}

func containsField(err error, field string) bool { return fieldOf(err) == field }

func TestOpenNowWeekly(t *testing.T) {
	zone, _ := time.LoadLocation("America/Chicago")
	h, ok := ParseSchedule(Schedule{Freq: "WEEKLY", ByDay: "MO,TU,WE,TH,FR", OpensAt: "09:00", ClosesAt: "17:00"})
	if !ok {
		t.Fatal("not parsed")
	}
	night, ok := ParseSchedule(Schedule{ByDay: "FR", OpensAt: "22:00", ClosesAt: "02:00"})
	if !ok {
		t.Fatal("not parsed")
	}
	e := Entry{Hours: []Hours{h, night}, Zone: zone}
	for _, c := range []struct {
		at   string
		open bool
	}{
		{"2026-11-27T15:00:00Z", true},  // Fri 09:00 Chicago
		{"2026-11-27T14:59:00Z", false}, // Fri 08:59
		{"2026-11-27T23:00:00Z", false}, // Fri 17:00
		{"2026-11-28T05:00:00Z", true},  // Fri 23:00
		{"2026-11-28T07:30:00Z", true},  // Sat 01:30, from Friday night
		{"2026-11-28T08:30:00Z", false}, // Sat 02:30
		{"2026-11-28T16:00:00Z", false}, // Sat 10:00
	} {
		now, _ := time.Parse(time.RFC3339, c.at)
		if open, known := e.openAt(now); !known || open != c.open {
			t.Errorf("%s: open %v known %v, want %v", c.at, open, known, c.open)
		}
	}
	if _, ok := ParseSchedule(Schedule{Freq: "MONTHLY", OpensAt: "09:00", ClosesAt: "17:00"}); ok {
		t.Error("monthly parsed")
	}
	if _, ok := ParseSchedule(Schedule{Freq: "WEEKLY", ByDay: "1MO", OpensAt: "09:00", ClosesAt: "17:00"}); ok {
		t.Error("numbered day parsed")
	}
	allDay, ok := ParseSchedule(Schedule{OpensAt: "00:00", ClosesAt: "24:00"})
	if !ok {
		t.Fatal("all day not parsed")
	}
	if open, _ := (&Entry{Hours: []Hours{allDay}}).openAt(time.Now()); !open {
		t.Error("00:00–24:00 not open")
	}
}

func TestSearchOrderAndFilters(t *testing.T) {
	es := []Entry{
		{ServiceID: "far", LocationID: "l1", Terms: []string{"emergency_shelter"}, Lat: 51.6, Lon: -0.1, HasCoords: true, Languages: []string{"en"}},
		{ServiceID: "near", LocationID: "l2", Terms: []string{"emergency_shelter"}, Lat: 51.501, Lon: -0.1, HasCoords: true, Confidential: true, AreaLabel: "North", Languages: []string{"es"}},
		{ServiceID: "nocoords", LocationID: "l3", Terms: []string{"emergency_shelter"}},
		{ServiceID: "legal", LocationID: "l4", Terms: []string{"legal_advocacy"}, Lat: 51.5, Lon: -0.1, HasCoords: true},
	}
	x := NewIndex(es, map[string][]Capacity{"l1": {{Category: Families, Available: 2, Maximum: 4}}})
	now := time.Now()
	q := Query{Need: "emergency_shelter", Lat: 51.5, Lon: -0.1, HasPoint: true, Now: now}
	got := ids(x.Search(q))
	if fmt.Sprint(got) != "[near far nocoords]" {
		t.Fatalf("order %v", got)
	}
	r := x.Search(q)[0]
	if *r.DistanceKM != RoundConfidentialKM || r.AreaLabel != "North" { // confidential: the coarser step
		t.Errorf("nearest %+v", r)
	}
	q.Beds = true
	if got := ids(x.Search(q)); fmt.Sprint(got) != "[far]" {
		t.Errorf("beds %v", got)
	}
	x.SetAvailability("l2", []Capacity{{Category: SingleWomen, Available: 1, Maximum: 1, Updated: now}})
	if got := ids(x.Search(q)); fmt.Sprint(got) != "[near far]" {
		t.Errorf("beds after update %v", got)
	}
	q.Beds, q.Language = false, "es"
	if got := ids(x.Search(q)); fmt.Sprint(got) != "[near]" {
		t.Errorf("language %v", got)
	}
	if got := ids(x.Search(Query{Now: now, Limit: 2})); len(got) != 2 {
		t.Errorf("no point %v", got)
	}
}

func ids(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ServiceID)
	}
	return out
}

// syntheticIndex is n locations scattered over about 200 km × 200 km, a
// third of them shelters with availability.
func syntheticIndex(n int) *Index {
	rng := rand.New(rand.NewSource(1))
	terms := []string{"emergency_shelter", "legal_advocacy", "counselling", "hotline_24h", "children"}
	es := make([]Entry, n)
	avail := map[string][]Capacity{}
	h, _ := ParseSchedule(Schedule{Freq: "WEEKLY", ByDay: "MO,TU,WE,TH,FR", OpensAt: "09:00", ClosesAt: "17:00"})
	for i := range es {
		id := fmt.Sprintf("loc-%d", i)
		es[i] = Entry{ServiceID: fmt.Sprintf("svc-%d", i), ServiceName: "Service", LocationID: id, LocationName: "Place",
			Terms: []string{terms[i%len(terms)]}, Languages: []string{"en"}, Lat: 51 + rng.Float64()*2, Lon: -1 + rng.Float64()*3, HasCoords: true,
			Hours: []Hours{h}, Zone: time.UTC}
		if i%3 == 0 {
			avail[id] = []Capacity{{Category: Families, Available: rng.Intn(3), Maximum: 4, Updated: time.Now()}}
		}
	}
	return NewIndex(es, avail)
}

// BenchmarkSearch50k measures one search over 50,000 locations (any need,
// nearest 20 with beds and open now) and reports p50 and p99 latency.
func BenchmarkSearch50k(b *testing.B) {
	x := syntheticIndex(50000)
	rng := rand.New(rand.NewSource(2))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	queries := []Query{
		{Need: "", Beds: false, Limit: 20},
		{Need: "emergency_shelter", Beds: true, Limit: 20},
		{Need: "", OpenNow: true, Language: "en", Limit: 20},
	}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		q.Lat, q.Lon, q.HasPoint, q.Now = 51+rng.Float64()*2, -1+rng.Float64()*3, true, now
		start := time.Now()
		if len(x.Search(q)) == 0 {
			b.Fatal("no results")
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	p := func(f float64) float64 { return float64(durations[int(f*float64(len(durations)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.99), "p99-µs")
}

func fieldOf(err error) string {
	var he interface{ Error() string } = err
	if e, ok := he.(*haven.Error); ok {
		return e.Field
	}
	return ""
}

// TestSortedScanMatchesFullScan: the latitude-sorted scan returns exactly
// the nearest hits a full scan finds.
func TestSortedScanMatchesFullScan(t *testing.T) {
	x := syntheticIndex(3000)
	rng := rand.New(rand.NewSource(3))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for k := 0; k < 200; k++ {
		q := Query{Lat: 50 + rng.Float64()*4, Lon: -2 + rng.Float64()*5, HasPoint: true, Limit: 1 + rng.Intn(30), Now: now}
		if k%2 == 0 {
			q.Need = "emergency_shelter"
		}
		q.Beds = k%3 == 0
		got := ids(x.Search(q))
		cosLat := math.Cos(q.Lat * math.Pi / 180)
		type c struct {
			i int
			d float64
		}
		var all []c
		for i, e := range x.entries {
			if q.Need != "" && e.Terms[0] != q.Need {
				continue
			}
			if q.Beds && beds(x.avail[e.LocationID]) <= 0 {
				continue
			}
			dx, dy := (e.Lon-q.Lon)*cosLat, e.Lat-q.Lat
			all = append(all, c{i, dx*dx + dy*dy})
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].i < all[b].i) })
		var want []string
		for j := 0; j < len(all) && j < q.Limit; j++ {
			want = append(want, x.entries[all[j].i].ServiceID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("query %+v:\n got %v\nwant %v", q, got, want)
		}
	}
}

func TestRoundDistances(t *testing.T) {
	for _, tc := range []struct {
		km, open, confidential float64
	}{
		{0.01, 0.5, 2}, {0.74, 0.5, 2}, {0.76, 1, 2}, {2.9, 3, 2}, {3.1, 3, 4}, {12.2, 12, 12},
	} {
		if got := Round(tc.km); got != tc.open {
			t.Errorf("Round(%v) = %v, want %v", tc.km, got, tc.open)
		}
		if got := RoundConfidential(tc.km); got != tc.confidential {
			t.Errorf("RoundConfidential(%v) = %v, want %v", tc.km, got, tc.confidential)
		}
	}
}
