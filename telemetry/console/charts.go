package console

import (
	"context"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The charts sample the node's own metrics, the registry its /metrics
// serves, so the console and a Prometheus scraper see the same numbers.
const (
	metricAppended = "actorstore_events_appended_total"
	metricLatency  = "actorstore_append_duration_seconds"
	metricLag      = "actorstore_subscriptions_lag"
)

// point is one sample of the charts.
type point struct {
	Time time.Time `json:"t"`
	// AppendRate is events appended per second since the previous sample.
	AppendRate float64 `json:"append_rate"`
	// P99 is the 99th percentile of the append latency (seconds) of the
	// appends since the previous sample, from the histogram's buckets (the
	// bucket's upper bound); 0 when there were none.
	P99 float64 `json:"p99"`
	// Lag is the largest subscription lag in positions.
	Lag float64 `json:"lag"`
}

// sampler keeps the last n points, one every interval.
type sampler struct {
	g        prometheus.Gatherer
	interval time.Duration
	n        int

	mu     sync.Mutex
	points []point
	prev   *reading
}

// reading is the raw state of the metrics at one time.
type reading struct {
	at       time.Time
	appended float64
	buckets  map[float64]float64 // upper bound -> cumulative count
	count    float64
	lag      float64
}

func newSampler(g prometheus.Gatherer, interval time.Duration, n int) *sampler {
	return &sampler{g: g, interval: interval, n: n}
}

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	s.sample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
		}
	}
}

func (s *sampler) sample() {
	cur, err := s.read()
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prev != nil {
		s.points = append(s.points, between(s.prev, cur))
		if len(s.points) > s.n {
			s.points = s.points[len(s.points)-s.n:]
		}
	}
	s.prev = cur
}

func (s *sampler) read() (*reading, error) {
	fams, err := s.g.Gather()
	if err != nil {
		return nil, err
	}
	r := &reading{at: time.Now(), buckets: map[float64]float64{}}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case metricAppended:
				r.appended += m.GetCounter().GetValue()
			case metricLatency:
				h := m.GetHistogram()
				r.count += float64(h.GetSampleCount())
				for _, b := range h.GetBucket() {
					r.buckets[b.GetUpperBound()] += float64(b.GetCumulativeCount())
				}
			case metricLag:
				r.lag = math.Max(r.lag, gaugeValue(m))
			}
		}
	}
	return r, nil
}

func gaugeValue(m *dto.Metric) float64 {
	if g := m.GetGauge(); g != nil {
		return g.GetValue()
	}
	return m.GetUntyped().GetValue()
}

// between is the point for the interval from a to b.
func between(a, b *reading) point {
	p := point{Time: b.at, Lag: b.lag}
	if d := b.at.Sub(a.at).Seconds(); d > 0 {
		p.AppendRate = math.Max(b.appended-a.appended, 0) / d
	}
	n := b.count - a.count
	if n <= 0 {
		return p
	}
	bounds := make([]float64, 0, len(b.buckets))
	for ub := range b.buckets {
		bounds = append(bounds, ub)
	}
	sort.Float64s(bounds)
	for _, ub := range bounds {
		if b.buckets[ub]-a.buckets[ub] >= 0.99*n {
			p.P99 = ub
			if math.IsInf(ub, 1) && len(bounds) > 1 {
				p.P99 = bounds[len(bounds)-2] // beyond the last finite bound
			}
			break
		}
	}
	return p
}

// charts answers GET /ui/api/charts with the sampled points, oldest first.
func (c *Console) charts(w http.ResponseWriter, _ *http.Request) {
	if c.sampler == nil {
		writeJSON(w, http.StatusOK, map[string]any{"interval_seconds": 0, "points": []point{}})
		return
	}
	c.sampler.mu.Lock()
	pts := append([]point(nil), c.sampler.points...)
	c.sampler.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"interval_seconds": c.sampler.interval.Seconds(), "points": pts})
}
