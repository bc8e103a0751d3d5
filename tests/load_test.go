package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// Environment of the load test.
const (
	// LoadEnv sets the duration of the sustained phase (a Go duration, at
	// least 1m) and turns on the long mode: 10 s per step, writers 8 to
	// 1024 (three interleaved passes), subscribers 1 to 500. Unset, TestLoad is a smoke run of a few
	// seconds with two steps of each kind.
	LoadEnv = "ACTORSTORE_LOAD"
	// LoadOutEnv names a directory for load.json and load-windows.csv
	// (default: the test's temporary directory).
	LoadOutEnv = "ACTORSTORE_LOAD_OUT"
)

// loadMode is what one run of TestLoad does.
type loadMode struct {
	step        time.Duration // each step of the step tests
	passes      int           // of the writer step test
	writers     []int
	subscribers []int
	sustained   time.Duration // the phase at 80% of the maximum
	window      time.Duration // p99 over time: one histogram per window
}

func loadModeFromEnv(t *testing.T) loadMode {
	t.Helper()
	s := os.Getenv(LoadEnv)
	if s == "" {
		return loadMode{step: 500 * time.Millisecond, passes: 1, writers: []int{8, 32}, subscribers: []int{1, 10},
			sustained: time.Second, window: 250 * time.Millisecond}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		t.Fatalf("%s=%q: want a duration of at least 1m", LoadEnv, s)
	}
	return loadMode{step: 10 * time.Second, passes: 3, writers: []int{8, 16, 32, 64, 128, 256, 512, 1024},
		subscribers: []int{1, 10, 50, 100, 250, 500}, sustained: d, window: 5 * time.Second}
}

// newHist is a latency histogram in microseconds, 1 µs to 2 min, 3
// significant digits.
func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 120_000_000, 3) }

// latency is a histogram's summary, in milliseconds.
type latency struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

func summarizeHist(h *hdrhistogram.Histogram) latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return latency{Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)), P99: ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

// loadErrors counts failed appends; every one must be typed and retryable.
type loadErrors struct {
	n   atomic.Int64
	mu  sync.Mutex
	bad []string
}

func (e *loadErrors) add(err error) {
	e.n.Add(1)
	if errors.Is(err, actorstore.ErrUnavailable) || errors.Is(err, actorstore.ErrTimeout) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.bad) < 10 {
		e.bad = append(e.bad, fmt.Sprintf("%T %v", err, err))
	}
}

// writerStep is one step of the writer step test.
type writerStep struct {
	Writers int `json:"writers"`
	// PerSecond is the median of the passes' rates (Passes).
	PerSecond float64   `json:"appends_per_s"`
	Passes    []float64 `json:"passes_appends_per_s"`
	Errors    int64     `json:"errors"`
	LoadAvg   float64   `json:"loadavg_1m"`
	latency
}

// subscriberStep is one step of the subscriber step test.
type subscriberStep struct {
	Subscribers  int     `json:"subscribers"`
	Rate         float64 `json:"offered_appends_per_s"`
	PerSecond    float64 `json:"appends_per_s"`
	DeliveriesPS float64 `json:"deliveries_per_s"`
	Append       latency `json:"append"`
	// Lag is from the append's intended start to the handler: append
	// latency plus fan-out.
	Lag     latency `json:"delivery_lag"`
	LoadAvg float64 `json:"loadavg_1m"`
}

// window is one window of the sustained phase.
type window struct {
	StartS  float64 `json:"start_s"`
	Errors  int64   `json:"errors"`
	LoadAvg float64 `json:"loadavg_1m"` // of the machine at the window's end
	latency
}

type loadReport struct {
	Date         string           `json:"date"`
	Mode         string           `json:"mode"`
	Writers      []writerStep     `json:"writers"`
	MaxRate      float64          `json:"max_appends_per_s"`
	WriterLimit  int              `json:"writer_limit"`
	LatencyLimit int              `json:"writer_latency_limit"`
	Target       float64          `json:"sustained_target_per_s"`
	Sustained    []window         `json:"sustained"`
	SustainedOK  float64          `json:"sustained_appends_per_s"`
	Subscribers  []subscriberStep `json:"subscribers"`
	SubLimit     int              `json:"subscriber_limit"`
}

// TestLoad measures the embedded API on PostgreSQL under load:
//
//  1. a writer step test: N writers (closed loop, one stream each, one
//     event per append) for each N of the mode, in interleaved passes (a
//     step's rate is the median of its passes); the maximum rate is the best
//     step's, the writer limit the smallest N within 10% of it (past it,
//     latency grows and throughput does not), and the latency limit the
//     last N whose p99 is within 2x of the lowest step p99;
//  2. a sustained phase: an open-loop load at 80% of the maximum rate
//     (latency counted from each append's intended start, so a stall is not
//     hidden by the writers waiting), p99 per window;
//  3. a subscriber step test: N live subscriptions on all streams while an
//     open-loop load runs at a fixed rate; the subscriber limit is the last
//     N whose delivery lag p99 stays within 2x that of one subscriber
//     (and whose append rate stays within 10% of that with one).
//
// It asserts correctness under load, not speed: every failed append is
// typed and retryable, every subscription delivers every event in position
// order up to the last acknowledged position. Figures are logged and
// written as JSON and CSV. ACTORSTORE_LOAD=3m runs the long mode (run it
// without -race; see docs/reliability.md).
func TestLoad(t *testing.T) {
	mode := loadModeFromEnv(t)
	url := pgtest.Server(t).NewDatabase(t)
	st, err := actorstore.Open(context.Background(), actorstore.Config{PostgresURL: url,
		RequestTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	rep := loadReport{Date: time.Now().UTC().Format(time.RFC3339), Mode: "smoke"}
	if os.Getenv(LoadEnv) != "" {
		rep.Mode = "long " + mode.sustained.String()
	}
	var errs loadErrors

	rep.Writers = runWriterSteps(t, st, mode, &errs)
	for _, s := range rep.Writers {
		t.Logf("writers %5d: %7.0f appends/s (passes %v)  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  max %7.2f ms  errors %d  load %.1f",
			s.Writers, s.PerSecond, s.Passes, s.P50, s.P99, s.P999, s.Max, s.Errors, s.LoadAvg)
		rep.MaxRate = max(rep.MaxRate, s.PerSecond)
	}
	rep.WriterLimit, rep.LatencyLimit = writerLimit(rep.Writers), latencyLimit(rep.Writers)
	t.Logf("maximum %.0f appends/s; writer limit %d (the fewest writers within 10%% of the maximum); "+
		"latency limit %d (the most writers whose p99 is within 2x of the lowest step p99)", rep.MaxRate, rep.WriterLimit, rep.LatencyLimit)
	if rep.MaxRate == 0 {
		t.Fatal("no append succeeded in the step test")
	}

	rep.Target = 0.8 * rep.MaxRate
	var ok int64
	rep.Sustained, ok = runSustained(st, rep.Target, mode.sustained, mode.window, 2*rep.WriterLimit, &errs)
	rep.SustainedOK = float64(ok) / mode.sustained.Seconds()
	for _, w := range rep.Sustained {
		t.Logf("sustained %6.1fs: %6d appends  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  max %7.2f ms  errors %d  load %.1f",
			w.StartS, w.Count, w.P50, w.P99, w.P999, w.Max, w.Errors, w.LoadAvg)
	}
	t.Logf("sustained: target %.0f appends/s (80%% of %.0f), achieved %.0f appends/s", rep.Target, rep.MaxRate, rep.SustainedOK)

	subRate := min(0.5*rep.MaxRate, 1000)
	for _, n := range mode.subscribers {
		s := runSubscriberStep(t, st, n, subRate, mode.step, 2*rep.WriterLimit, &errs)
		rep.Subscribers = append(rep.Subscribers, s)
		t.Logf("subscribers %4d at %4.0f appends/s: append p99 %7.2f ms; delivery lag p50 %7.2f ms p99 %8.2f ms max %8.2f ms; "+
			"%8.0f deliveries/s  load %.1f", n, s.PerSecond, s.Append.P99, s.Lag.P50, s.Lag.P99, s.Lag.Max, s.DeliveriesPS, s.LoadAvg)
	}
	rep.SubLimit = subscriberLimit(rep.Subscribers)
	t.Logf("subscriber limit %d (delivery lag p99 within 2x of one subscriber's, append rate within 10%%)", rep.SubLimit)

	if len(errs.bad) > 0 {
		t.Errorf("%d appends failed, some not typed and retryable:\n%s", errs.n.Load(), summarize(errs.bad))
	} else if n := errs.n.Load(); n > 0 {
		t.Logf("%d appends failed, all typed and retryable", n)
	}
	writeLoadFiles(t, rep)
}

// runWriterSteps runs the writer steps mode.passes times, interleaved
// (8, 16, ... 1024, then again), so that a burst of load from elsewhere on
// the shared machine hits one pass of a step rather than the whole step.
// Each step reports the median rate of its passes and the latency of all
// its passes merged.
func runWriterSteps(t *testing.T, st *actorstore.Store, mode loadMode, errs *loadErrors) []writerStep {
	t.Helper()
	hists := make([]*hdrhistogram.Histogram, len(mode.writers))
	steps := make([]writerStep, len(mode.writers))
	for i, n := range mode.writers {
		hists[i], steps[i].Writers = newHist(), n
	}
	for pass := range mode.passes {
		for i, n := range mode.writers {
			s, h := runWriterStep(st, n, mode.step, errs)
			hists[i].Merge(h)
			steps[i].Passes = append(steps[i].Passes, math.Round(s.PerSecond))
			steps[i].Errors += s.Errors
			steps[i].LoadAvg = s.LoadAvg
			t.Logf("pass %d, writers %5d: %7.0f appends/s  p99 %7.2f ms  load %.1f", pass+1, n, s.PerSecond, s.P99, s.LoadAvg)
		}
	}
	for i := range steps {
		rates := slices.Sorted(slices.Values(steps[i].Passes))
		steps[i].PerSecond = rates[len(rates)/2]
		steps[i].latency = summarizeHist(hists[i])
	}
	return steps
}

// runWriterStep runs n closed-loop writers for d.
func runWriterStep(st *actorstore.Store, n int, d time.Duration, errs *loadErrors) (writerStep, *hdrhistogram.Histogram) {
	hists := make([]*hdrhistogram.Histogram, n)
	var failed atomic.Int64
	var wg sync.WaitGroup
	prefix := uuid.NewString()[:8]
	end := time.Now().Add(d)
	for w := range n {
		h := newHist()
		hists[w] = h
		stream := fmt.Sprintf("load-%s-%d", prefix, w)
		wg.Go(func() {
			for time.Now().Before(end) {
				evs, _ := events(1, "Load")
				t0 := time.Now()
				_, err := st.Append(context.Background(), stream, actorstore.Any(), evs...)
				if err != nil {
					failed.Add(1)
					errs.add(err)
					continue
				}
				h.RecordValue(time.Since(t0).Microseconds())
			}
		})
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	all := newHist()
	for _, h := range hists {
		all.Merge(h)
	}
	return writerStep{Writers: n, PerSecond: float64(all.TotalCount()) / elapsed.Seconds(), Errors: failed.Load(),
		LoadAvg: loadAvg(), latency: summarizeHist(all)}, all
}

// writerLimit is the smallest step whose throughput is within 10% of the
// best step's: more writers than that add (next to) nothing but queueing,
// so their latency grows with their number (Little's law). It is the
// largest step if throughput grows to the end. Taking the smallest step
// near the best, rather than the first step that fails to grow, keeps one
// noisy step on a shared machine from deciding the limit.
func writerLimit(steps []writerStep) int {
	best := 0.0
	for _, s := range steps {
		best = max(best, s.PerSecond)
	}
	for _, s := range steps {
		if s.PerSecond >= 0.9*best {
			return s.Writers
		}
	}
	return steps[len(steps)-1].Writers
}

// latencyLimit is the last step (in order of writers) whose p99 is
// within 2x of the lowest p99 of all steps: past it, latency degrades.
func latencyLimit(steps []writerStep) int {
	low := steps[0].P99
	for _, s := range steps {
		low = min(low, s.P99)
	}
	limit := steps[0].Writers
	for _, s := range steps {
		if s.P99 > 2*low {
			break
		}
		limit = s.Writers
	}
	return limit
}

// subscriberLimit is the last step whose delivery lag p99 is within 2x of
// the first step's and whose append rate is within 10% of the first
// step's (the same rate is offered to every step).
func subscriberLimit(steps []subscriberStep) int {
	limit := 0
	for _, s := range steps {
		if s.Lag.P99 > 2*steps[0].Lag.P99 || s.PerSecond < 0.9*steps[0].PerSecond {
			break
		}
		limit = s.Subscribers
	}
	return limit
}

// openLoop offers appends at rate per second for d from a pool of
// workers, each append on one of streams streams, with Data carrying its
// intended start time. record gets each success's intended start and
// latency (from the intended start: a late start counts), fail each error.
func openLoop(st *actorstore.Store, rate float64, d time.Duration, workers, streams int,
	record func(intended time.Time, lat time.Duration, pos actorstore.Position), fail func(intended time.Time, err error)) {
	jobs := make(chan time.Time, 1024)
	var wg sync.WaitGroup
	prefix := uuid.NewString()[:8]
	for w := range workers {
		wg.Go(func() {
			i := 0
			for intended := range jobs {
				stream := fmt.Sprintf("open-%s-%d", prefix, (w*7919+i)%streams)
				i++
				ev := actorstore.EventData{ID: uuid.New(), Type: "Load",
					Data: fmt.Appendf(nil, `{"t":%d}`, intended.UnixNano())}
				res, err := st.Append(context.Background(), stream, actorstore.Any(), ev)
				if err != nil {
					fail(intended, err)
					continue
				}
				record(intended, time.Since(intended), res.LastPosition)
			}
		})
	}
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; ; i++ {
		intended := start.Add(time.Duration(i) * interval)
		if intended.Sub(start) >= d {
			break
		}
		if wait := time.Until(intended); wait > 0 {
			time.Sleep(wait)
		}
		jobs <- intended // blocks when every worker is busy: the lateness is counted
	}
	close(jobs)
	wg.Wait()
}

// runSustained runs the open loop at rate for d and returns the windows
// and the number of successful appends.
func runSustained(st *actorstore.Store, rate float64, d, win time.Duration, workers int, errs *loadErrors) ([]window, int64) {
	n := int(d / win)
	hists := make([]*hdrhistogram.Histogram, n)
	failed := make([]int64, n)
	for i := range hists {
		hists[i] = newHist()
	}
	var mu sync.Mutex
	start := time.Now()
	idx := func(t time.Time) int { return min(max(int(t.Sub(start)/win), 0), n-1) }
	var ok int64
	loads := make([]float64, n)
	done := make(chan struct{})
	go func() { // the machine's load at each window's end
		tick := time.NewTicker(win)
		defer tick.Stop()
		for i := 0; i < n; i++ {
			select {
			case <-done:
				return
			case <-tick.C:
				mu.Lock()
				loads[i] = loadAvg()
				mu.Unlock()
			}
		}
	}()
	defer close(done)
	openLoop(st, rate, d, workers, 1000,
		func(intended time.Time, lat time.Duration, _ actorstore.Position) {
			mu.Lock()
			defer mu.Unlock()
			hists[idx(intended)].RecordValue(lat.Microseconds())
			ok++
		},
		func(intended time.Time, err error) {
			errs.add(err)
			mu.Lock()
			defer mu.Unlock()
			failed[idx(intended)]++
		})
	out := make([]window, n)
	mu.Lock()
	defer mu.Unlock()
	for i, h := range hists {
		out[i] = window{StartS: (time.Duration(i) * win).Seconds(), Errors: failed[i], LoadAvg: loads[i], latency: summarizeHist(h)}
	}
	return out, ok
}

// loadSub is one live subscription of the subscriber step test.
type loadSub struct {
	sub  *actorstore.Subscription
	mu   sync.Mutex
	lag  *hdrhistogram.Histogram
	last atomic.Uint64
	n    atomic.Int64
	bad  atomic.Int64
}

// runSubscriberStep opens n live subscriptions, runs the open loop at rate
// for d, waits until every subscription has delivered the last
// acknowledged position, and closes them.
func runSubscriberStep(t *testing.T, st *actorstore.Store, n int, rate float64, d time.Duration,
	workers int, errs *loadErrors) subscriberStep {
	t.Helper()
	subs := make([]*loadSub, n)
	for i := range subs {
		s := &loadSub{lag: newHist()}
		sub, err := st.Subscribe(context.Background(), actorstore.SubscribeOptions{Start: actorstore.FromEnd},
			func(_ context.Context, e actorstore.RecordedEvent) error {
				if uint64(e.Position) <= s.last.Load() {
					s.bad.Add(1)
				}
				s.last.Store(uint64(e.Position))
				s.n.Add(1)
				var body struct{ T int64 }
				if json.Unmarshal(e.Data, &body) == nil && body.T > 0 {
					s.mu.Lock()
					s.lag.RecordValue(time.Since(time.Unix(0, body.T)).Microseconds())
					s.mu.Unlock()
				}
				return nil
			})
		if err != nil {
			t.Fatalf("subscribe %d of %d: %v", i+1, n, err)
		}
		s.sub = sub
		subs[i] = s
	}
	appendHist := newHist()
	var mu sync.Mutex
	var lastPos atomic.Uint64
	start := time.Now()
	openLoop(st, rate, d, workers, 200,
		func(_ time.Time, lat time.Duration, pos actorstore.Position) {
			mu.Lock()
			appendHist.RecordValue(lat.Microseconds())
			mu.Unlock()
			for { // keep the highest acknowledged position
				cur := lastPos.Load()
				if uint64(pos) <= cur || lastPos.CompareAndSwap(cur, uint64(pos)) {
					break
				}
			}
		},
		func(_ time.Time, err error) { errs.add(err) })
	appended := time.Since(start)
	last := lastPos.Load()
	waitFor(t, 5*time.Minute, fmt.Sprintf("%d subscriptions to deliver position %d", n, last), func() bool {
		for _, s := range subs {
			if s.last.Load() < last {
				return false
			}
		}
		return true
	})
	delivered := time.Since(start)
	lag := newHist()
	var deliveries int64
	for _, s := range subs {
		s.sub.Close()
		if b := s.bad.Load(); b > 0 {
			t.Errorf("subscription %s: %d events out of position order", s.sub.ID(), b)
		}
		lag.Merge(s.lag)
		deliveries += s.n.Load()
	}
	return subscriberStep{Subscribers: n, Rate: rate, PerSecond: float64(appendHist.TotalCount()) / appended.Seconds(),
		DeliveriesPS: float64(deliveries) / delivered.Seconds(), Append: summarizeHist(appendHist), Lag: summarizeHist(lag),
		LoadAvg: loadAvg()}
}

func writeLoadFiles(t *testing.T, rep loadReport) {
	t.Helper()
	dir := os.Getenv(LoadOutEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(dir, "load.json"), rep)
	csv := "start_s,count,p50_ms,p99_ms,p999_ms,max_ms,errors,loadavg_1m\n"
	for _, w := range rep.Sustained {
		csv += fmt.Sprintf("%.1f,%d,%.3f,%.3f,%.3f,%.3f,%d,%.2f\n", w.StartS, w.Count, w.P50, w.P99, w.P999, w.Max, w.Errors, w.LoadAvg)
	}
	writeFile(t, filepath.Join(dir, "load-windows.csv"), []byte(csv))
}
