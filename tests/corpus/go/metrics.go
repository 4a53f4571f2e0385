// Package metrics keeps fixed-size latency histograms per endpoint.
package metrics

import (
	"sort"
	"strings"
	"sync"
)

const buckets = 20

// Histogram counts requests per latency bucket.
type Histogram struct {
	Endpoint string
	Counts   [buckets]uint64
	Total    uint64
	Max      float64
}

// Key identifies a series; small, so copying it is fine.
type Key struct {
	Service string
	Method  string
}

// Registry holds one histogram per key.
type Registry struct {
	mu    sync.Mutex
	hists map[Key]*Histogram
}

// Observe records one latency in milliseconds.
func (r *Registry) Observe(k Key, ms float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hists[k]
	if !ok {
		h = &Histogram{Endpoint: k.Service + "/" + k.Method}
		r.hists[k] = h
	}
	b := int(ms / 10)
	if b >= buckets {
		b = buckets - 1
	}
	h.Counts[b]++
	h.Total++
	if ms > h.Max {
		h.Max = ms
	}
}

// Snapshot copies the histograms so callers can read them without the lock.
func (r *Registry) Snapshot() []Histogram {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Histogram, 0, len(r.hists))
	for _, h := range r.hists {
		out = append(out, *h)
	}
	return out
}

// Busiest returns the endpoints sorted by request count.
func Busiest(hists []Histogram) []string {
	sort.Slice(hists, func(i, j int) bool { return hists[i].Total > hists[j].Total })
	names := make([]string, 0, len(hists))
	for _, h := range hists { // expect: go/range-val-copy
		names = append(names, h.Endpoint)
	}
	return names
}

// TotalRequests sums the totals without copying the histograms.
func TotalRequests(hists []Histogram) uint64 {
	var n uint64
	for i := range hists {
		n += hists[i].Total
	}
	return n
}

// Percentile estimates the p-th percentile bucket of one histogram.
func Percentile(h Histogram, p float64) int { // expect: go/huge-param
	want := uint64(float64(h.Total) * p)
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= want {
			return i * 10
		}
	}
	return buckets * 10
}

// Merge adds other into h through pointers, so nothing large is copied.
func Merge(h, other *Histogram) {
	for i := range h.Counts {
		h.Counts[i] += other.Counts[i]
	}
	h.Total += other.Total
	if other.Max > h.Max {
		h.Max = other.Max
	}
}

// Label formats a key; Key is 32 bytes, cheap to pass by value.
func Label(k Key) string {
	return strings.ToLower(k.Service) + "." + strings.ToLower(k.Method)
}

// SameService compares service names case-insensitively.
func SameService(a, b Key) bool {
	return strings.EqualFold(a.Service, b.Service)
}

// Reset clears the counts of a histogram for reuse.
func Reset(h *Histogram) {
	for i := range h.Counts {
		h.Counts[i] = 0
	}
	h.Total, h.Max = 0, 0
}
