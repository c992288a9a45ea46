package web

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haven-dv/haven"
)

// metrics keeps request counts and latency histograms per route, written
// out in the Prometheus text format. Labels are route patterns, never raw
// paths, so cardinality stays bounded and no identifier leaks.
type metrics struct {
	mu       sync.Mutex
	started  time.Time
	requests map[reqKey]uint64
	latency  map[string]*histogram // by route
}

type reqKey struct {
	method, route string
	status        int
}

var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{started: time.Now(), requests: map[reqKey]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{method, route, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.latency[route] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

func label(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (m *metrics) write(w io.Writer, dbUp bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(w, "# HELP haven_build_info Haven version and Go version.\n# TYPE haven_build_info gauge\n")
	fmt.Fprintf(w, "haven_build_info{version=\"%s\",goversion=\"%s\"} 1\n", label(haven.Version), runtime.Version())
	fmt.Fprintf(w, "# HELP haven_start_time_seconds When the process started.\n# TYPE haven_start_time_seconds gauge\n")
	fmt.Fprintf(w, "haven_start_time_seconds %d\n", m.started.Unix())
	up := 0
	if dbUp {
		up = 1
	}
	fmt.Fprintf(w, "# HELP haven_database_up Whether the database answered a ping.\n# TYPE haven_database_up gauge\nhaven_database_up %d\n", up)
	fmt.Fprintf(w, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())

	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	fmt.Fprintf(w, "# HELP haven_http_requests_total HTTP requests by method, route and status.\n# TYPE haven_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "haven_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %d\n", label(k.method), label(k.route), k.status, m.requests[k])
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintf(w, "# HELP haven_http_request_duration_seconds Time to answer, by route.\n# TYPE haven_http_request_duration_seconds histogram\n")
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "haven_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %d\n", label(r), strconv.FormatFloat(b, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "haven_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", label(r), h.count)
		fmt.Fprintf(w, "haven_http_request_duration_seconds_sum{route=\"%s\"} %g\n", label(r), h.sum)
		fmt.Fprintf(w, "haven_http_request_duration_seconds_count{route=\"%s\"} %d\n", label(r), h.count)
	}
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	up := s.svc.Ready == nil || s.svc.Ready(r.Context()) == nil
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, up)
}
