package bench

import (
	"math"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to 2 minutes, with 3
// significant digits.
const (
	minLatencyUs = 1
	maxLatencyUs = int64(2 * time.Minute / time.Microsecond)
	sigFigs      = 3
)

// recorder collects latencies and event counts of one scenario: the whole
// run and the current sample interval. Safe for concurrent use.
type recorder struct {
	mu       sync.Mutex
	total    *hdrhistogram.Histogram
	interval *hdrhistogram.Histogram
	events   int64 // acknowledged events (written or read)
	ops      int64
	errors   int64
	firstErr string
	ivEvents int64
	start    time.Time
	samples  []Sample
}

func newRecorder() *recorder {
	return &recorder{
		total:    hdrhistogram.New(minLatencyUs, maxLatencyUs, sigFigs),
		interval: hdrhistogram.New(minLatencyUs, maxLatencyUs, sigFigs),
		start:    time.Now(),
	}
}

// record counts one successful call that took d and moved events events.
func (r *recorder) record(d time.Duration, events int) {
	us := min(max(d.Microseconds(), minLatencyUs), maxLatencyUs)
	r.mu.Lock()
	r.total.RecordValue(us)
	r.interval.RecordValue(us)
	r.ops++
	r.events += int64(events)
	r.ivEvents += int64(events)
	r.mu.Unlock()
}

// fail counts one failed call and keeps the first error's text.
func (r *recorder) fail(err error) {
	r.mu.Lock()
	r.errors++
	if r.firstErr == "" && err != nil {
		r.firstErr = err.Error()
	}
	r.mu.Unlock()
}

// sample closes the current interval and keeps its figures.
func (r *recorder) sample(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Sample{
		T:      now.Sub(r.start).Seconds(),
		Events: r.ivEvents,
		Ops:    r.interval.TotalCount(),
	}
	if s.Ops > 0 {
		s.P50Us, s.P90Us = r.interval.ValueAtQuantile(50), r.interval.ValueAtQuantile(90)
		s.P99Us, s.MaxUs = r.interval.ValueAtQuantile(99), r.interval.Max()
	}
	r.samples = append(r.samples, s)
	r.interval.Reset()
	r.ivEvents = 0
}

// latency returns the percentiles of the whole run.
func (r *recorder) latency() Latency {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.total
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50Us: h.ValueAtQuantile(50), P90Us: h.ValueAtQuantile(90), P99Us: h.ValueAtQuantile(99),
		P999Us: h.ValueAtQuantile(99.9), MaxUs: h.Max(), MeanUs: math.Round(h.Mean()*10) / 10, N: h.TotalCount(),
	}
}

// buckets is the latency histogram in log buckets: bucketsPerDecade per
// power of ten, each with the count of latencies at most its upper bound
// and above the previous bucket's.
func (r *recorder) buckets() []Bucket {
	const bucketsPerDecade = 10
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Bucket
	for _, bar := range r.total.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := float64(max(bar.To, 1))
		idx := math.Ceil(math.Log10(v) * bucketsPerDecade)
		upper := math.Round(math.Pow(10, idx/bucketsPerDecade))
		if n := len(out); n > 0 && out[n-1].UpperUs == upper {
			out[n-1].Count += bar.Count
			continue
		}
		out = append(out, Bucket{UpperUs: upper, Count: bar.Count})
	}
	return out
}
