package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// Environment of the soak test.
const (
	// SoakEnv sets the soak duration (a Go duration, for example 5m). Unset,
	// TestSoak runs the same load for soakShort, as part of the default run.
	SoakEnv = "ACTORSTORE_SOAK"
	// SoakOutEnv names a directory for soak.csv and soak.json (default: the
	// test's temporary directory, removed after the test).
	SoakOutEnv = "ACTORSTORE_SOAK_OUT"
)

const soakShort = 3 * time.Second

// Soak tolerances: the mean of the last third of the samples taken after
// the warm-up may exceed the mean of the first third by this factor plus
// this slack and still count as flat. They are generous on purpose: the
// test is for leaks (growth that goes on with time: a leak of one
// goroutine per subscription, or of a kilobyte per append, exceeds them
// within minutes), not for tuning. The live stream actors may grow by two
// generations of streams (200: see startSoakLoad) on top, which a short
// run can catch still ramping up; actors that never passivate would add
// 50 a second. The short run has only seconds to show growth, so it
// catches only gross leaks; the long run is the proof.
const (
	soakHeapFactor      = 1.5
	soakHeapSlack       = 8 << 20
	soakRSSFactor       = 1.5
	soakRSSSlack        = 32 << 20
	soakGoroutineFactor = 1.25
	soakGoroutineSlack  = 20
	soakStreamsFactor   = 1.5
	soakStreamsSlack    = 200
)

// soakSample is one measurement of the process under the soak load.
type soakSample struct {
	Seconds       float64 `json:"t_s"`
	Warmup        bool    `json:"warmup"`
	HeapInuse     uint64  `json:"heap_inuse_bytes"` // after a forced GC: live heap
	RSS           uint64  `json:"rss_bytes"`
	Goroutines    int     `json:"goroutines"`
	LiveStreams   int64   `json:"live_streams"`
	Subscriptions int     `json:"subscriptions"`
	Appends       int64   `json:"appends"` // cumulative
	Reads         int64   `json:"reads"`
	Delivered     int64   `json:"delivered"`
	SubsOpened    int64   `json:"subscriptions_opened"`
	Passivations  int64   `json:"passivations"`
	LoadAvg       float64 `json:"loadavg_1m"` // of the machine (shared)
}

// soakCounters are the load's cumulative counters.
type soakCounters struct {
	appends, appendErrs, reads, readErrs, delivered, opened atomic.Int64
	mu                                                      sync.Mutex
	errs                                                    []string // first errors, for the report
}

func (c *soakCounters) fail(what string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) < 10 {
		c.errs = append(c.errs, what+": "+err.Error())
	}
}

// TestSoak runs a steady mixed load on the embedded API over PostgreSQL
// (appends on many streams, stream and global reads, two live
// subscriptions, catch-up subscriptions opened and closed all the time,
// stream actors passivating as the set of written streams moves on) and
// samples the live heap, RSS, goroutines, live stream actors and
// subscriptions. It fails when any of them grows: the last third of the
// samples against the first third, within the tolerances above. At the
// end, with the store closed, the goroutines must be back to where they
// were before it opened. ACTORSTORE_SOAK=5m makes it a soak of 5 minutes.
func TestSoak(t *testing.T) {
	duration, interval, warmup := soakShort, 200*time.Millisecond, 750*time.Millisecond
	if s := os.Getenv(SoakEnv); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 30*time.Second {
			t.Fatalf("%s=%q: want a duration of at least 30s", SoakEnv, s)
		}
		duration, interval, warmup = d, 5*time.Second, min(d/10, time.Minute)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("soak: %v, a sample every %v, warm-up %v, seed %d", duration, interval, warmup, seed)
	if os.Getenv(SoakOutEnv) != "" { // finer heap profiles (see writeHeapProfile)
		old := runtime.MemProfileRate
		runtime.MemProfileRate = 4096
		defer func() { runtime.MemProfileRate = old }()
	}

	baseline := runtimeGoroutines()
	t0 := time.Now()
	url := pgtest.Server(t).NewDatabase(t)
	st, eng, err := actorstore.OpenEngine(context.Background(), actorstore.Config{PostgresURL: url,
		RequestTimeout: 10 * time.Second, IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			st.Close(context.Background())
		}
	}()

	t.Logf("database and store opened in %v", time.Since(t0))
	var c soakCounters
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	start := time.Now()
	live := startSoakLoad(ctx, t, &wg, st, &c, seed, start)

	samples := sampleSoak(t, st, eng, &c, start, duration, interval, warmup)
	writeHeapProfile(t, "soak-heap.pprof")
	stop()
	wg.Wait()
	for _, s := range live {
		s.close(t)
	}
	report := soakReport(samples)
	t.Logf("soak samples:\n%s", report)
	writeSoakFiles(t, samples)

	if n := c.appends.Load(); n == 0 || c.delivered.Load() == 0 || c.opened.Load() == 0 {
		t.Fatalf("the load did nothing: %d appends, %d deliveries, %d subscriptions opened", n, c.delivered.Load(), c.opened.Load())
	}
	if c.appendErrs.Load()+c.readErrs.Load() > 0 {
		t.Logf("errors under load (timeouts on a loaded machine are retryable and allowed): %d appends, %d reads; first: %v",
			c.appendErrs.Load(), c.readErrs.Load(), c.errs)
	}
	t.Logf("load stopped %v after the start", time.Since(start))
	checkFlat(t, samples)

	ctx2, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	closing := time.Now()
	if err := st.Close(ctx2); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed = true
	t.Logf("Close took %v", time.Since(closing))
	// A little slack: goroutines of the runtime and of pgx's pool that end
	// on their own timers.
	waitFor(t, 30*time.Second, fmt.Sprintf("goroutines back to %d (+5) after Close", baseline), func() bool {
		return runtimeGoroutines() <= baseline+5
	})
	t.Logf("goroutines back %v after the test's start", time.Since(t0))
	last := samples[len(samples)-1]
	t.Logf("soak %v: %d appends (%d failed), %d reads (%d failed), %d deliveries, %d subscriptions opened and closed, "+
		"%d passivations; goroutines %d before Open, %d after Close", time.Since(start).Round(time.Second),
		c.appends.Load(), c.appendErrs.Load(), c.reads.Load(), c.readErrs.Load(), c.delivered.Load(), c.opened.Load(),
		last.Passivations, baseline, runtimeGoroutines())
}

// soakLive is a live subscription of the whole run, checking its order.
type soakLive struct {
	sub  *actorstore.Subscription
	last atomic.Uint64
	bad  atomic.Int64
}

func (s *soakLive) close(t *testing.T) {
	t.Helper()
	s.sub.Close()
	if n := s.bad.Load(); n > 0 {
		t.Errorf("live subscription %s: %d events out of position order", s.sub.ID(), n)
	}
}

// startSoakLoad starts the load; it runs until ctx ends. Streams are named
// by generation (a new one every 2 s, 100 streams each), so the streams of
// older generations go idle and their actors passivate.
func startSoakLoad(ctx context.Context, t *testing.T, wg *sync.WaitGroup, st *actorstore.Store,
	c *soakCounters, seed uint64, start time.Time) []*soakLive {
	t.Helper()
	stream := func(rng *rand.Rand, back int) string {
		gen := max(int(time.Since(start)/(2*time.Second))-back, 0)
		return fmt.Sprintf("soak-%d-%d", gen, rng.IntN(100))
	}
	paced := func(worker uint64, every time.Duration, f func(rng *rand.Rand)) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, worker))
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					f(rng)
				}
			}
		})
	}
	for w := range 16 { // writers: at most 400 appends/s in all, 1-3 events each
		paced(uint64(w), 40*time.Millisecond, func(rng *rand.Rand) {
			evs, _ := events(1+rng.IntN(3), "Soak")
			actx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := st.Append(actx, stream(rng, 0), actorstore.Any(), evs...)
			cancel()
			c.appends.Add(1)
			if err != nil && ctx.Err() == nil {
				c.appendErrs.Add(1)
				c.fail("append", err)
			}
		})
	}
	for r := range 2 { // readers: a stream of this or an older generation, a page of the global order
		paced(uint64(10+r), 10*time.Millisecond, func(rng *rand.Rand) {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			var err error
			if rng.IntN(2) == 0 {
				_, err = st.ReadStream(rctx, actorstore.StreamRead{Stream: stream(rng, rng.IntN(3)), Limit: 20})
			} else {
				_, err = st.ReadAll(rctx, actorstore.AllRead{From: actorstore.Position(rng.IntN(int(c.appends.Load()) + 1)), Limit: 50})
			}
			c.reads.Add(1)
			if err != nil && !errors.Is(err, actorstore.ErrStreamNotFound) && ctx.Err() == nil {
				c.readErrs.Add(1)
				c.fail("read", err)
			}
		})
	}
	var live []*soakLive
	for range 2 {
		l := &soakLive{}
		sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{Start: actorstore.FromEnd},
			func(_ context.Context, e actorstore.RecordedEvent) error {
				if uint64(e.Position) <= l.last.Load() {
					l.bad.Add(1)
				}
				l.last.Store(uint64(e.Position))
				c.delivered.Add(1)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		l.sub = sub
		live = append(live, l)
	}
	for k := range 2 { // catch-up subscriptions coming and going: from 500 back, or one stream from its start
		paced(uint64(20+k), 200*time.Millisecond, func(rng *rand.Rand) {
			o := actorstore.SubscribeOptions{Start: actorstore.FromAt, At: uint64(max(c.appends.Load()-500, 1))}
			if k == 1 {
				o = actorstore.SubscribeOptions{Stream: stream(rng, 1), Start: actorstore.FromBeginning}
			}
			var got atomic.Int64
			enough := make(chan struct{})
			sub, err := st.Subscribe(ctx, o, func(context.Context, actorstore.RecordedEvent) error {
				if got.Add(1) == 100 {
					close(enough)
				}
				c.delivered.Add(1)
				return nil
			})
			if err != nil {
				if ctx.Err() == nil {
					c.fail("subscribe", err)
				}
				return
			}
			c.opened.Add(1)
			select { // until 100 events, or a while for a short stream
			case <-enough:
			case <-time.After(300 * time.Millisecond):
			case <-ctx.Done():
			}
			sub.Close()
		})
	}
	return live
}

// sampleSoak samples every interval until duration has passed.
func sampleSoak(t *testing.T, st *actorstore.Store, eng *engine.Engine, c *soakCounters, start time.Time,
	duration, interval, warmup time.Duration) []soakSample {
	t.Helper()
	var samples []soakSample
	tick := time.NewTicker(interval)
	defer tick.Stop()
	early := false
	for range tick.C {
		el := time.Since(start)
		if !early && el >= warmup+(duration-warmup)/3 {
			writeHeapProfile(t, "soak-heap-early.pprof")
			early = true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		hub, err := eng.Hub.Stats(ctx)
		cancel()
		if err != nil {
			t.Fatalf("hub stats: %v", err)
		}
		stats := st.Stats()
		s := soakSample{Seconds: el.Seconds(), Warmup: el < warmup, HeapInuse: liveHeap(), RSS: rss(t),
			Goroutines: runtimeGoroutines(), LiveStreams: stats.LiveStreams, Subscriptions: hub.Subscriptions,
			Appends: c.appends.Load(), Reads: c.reads.Load(), Delivered: c.delivered.Load(),
			SubsOpened: c.opened.Load(), Passivations: stats.Passivations, LoadAvg: loadAvg()}
		samples = append(samples, s)
		if os.Getenv(SoakEnv) != "" {
			t.Logf("%6.0fs heap %6.1f MiB rss %6.1f MiB goroutines %4d live streams %4d subscriptions %3d appends %8d load %4.1f",
				s.Seconds, mib(s.HeapInuse), mib(s.RSS), s.Goroutines, s.LiveStreams, s.Subscriptions, s.Appends, s.LoadAvg)
		}
		// A loaded machine delays ticks: sample past the duration (up to
		// four times it) until checkFlat has enough samples to compare.
		if el >= duration && (afterWarmup(samples) >= minSoakSamples || el >= 4*duration) {
			return samples
		}
	}
	return samples
}

// minSoakSamples is how many samples after the warm-up checkFlat needs.
const minSoakSamples = 6

func afterWarmup(samples []soakSample) int {
	n := 0
	for _, x := range samples {
		if !x.Warmup {
			n++
		}
	}
	return n
}

// checkFlat compares the last third of the samples after the warm-up
// with the first third.
func checkFlat(t *testing.T, all []soakSample) {
	t.Helper()
	var s []soakSample
	for _, x := range all {
		if !x.Warmup {
			s = append(s, x)
		}
	}
	if len(s) < minSoakSamples {
		t.Fatalf("only %d samples after the warm-up: too few to compare", len(s))
	}
	n := len(s) / 3
	first, last := s[:n], s[len(s)-n:]
	check := func(what string, f func(soakSample) float64, factor, slack float64, unit string) {
		a, b := mean(first, f), mean(last, f)
		limit := a*factor + slack
		verdict := "flat"
		if b > limit {
			verdict = "GROWS"
			t.Errorf("%s grows: first third %.1f%s, last third %.1f%s, limit %.1f%s", what, a, unit, b, unit, limit, unit)
		}
		t.Logf("%-14s first third %8.1f%s  last third %8.1f%s  limit %8.1f%s  %s", what, a, unit, b, unit, limit, unit, verdict)
	}
	check("heap in use", func(x soakSample) float64 { return mib(x.HeapInuse) }, soakHeapFactor, mib(soakHeapSlack), " MiB")
	check("RSS", func(x soakSample) float64 { return mib(x.RSS) }, soakRSSFactor, mib(soakRSSSlack), " MiB")
	check("goroutines", func(x soakSample) float64 { return float64(x.Goroutines) }, soakGoroutineFactor, soakGoroutineSlack, "")
	check("live streams", func(x soakSample) float64 { return float64(x.LiveStreams) }, soakStreamsFactor, soakStreamsSlack, "")
}

func mean(s []soakSample, f func(soakSample) float64) float64 {
	sum := 0.0
	for _, x := range s {
		sum += f(x)
	}
	return sum / float64(len(s))
}

// soakReport renders the samples as a table, at most 40 rows.
func soakReport(s []soakSample) string {
	step := max(len(s)/40, 1)
	out := "     t  heap MiB   RSS MiB  goroutines  live streams  subs   appends/s  deliveries/s  load\n"
	for i := 0; i < len(s); i += step {
		x := s[i]
		rate := func(f func(soakSample) int64) float64 {
			if i == 0 {
				return float64(f(x)) / x.Seconds
			}
			p := s[i-1]
			return float64(f(x)-f(p)) / (x.Seconds - p.Seconds)
		}
		out += fmt.Sprintf("%5.0fs %9.1f %9.1f %11d %13d %5d %11.0f %13.0f %5.1f\n", x.Seconds, mib(x.HeapInuse), mib(x.RSS),
			x.Goroutines, x.LiveStreams, x.Subscriptions, rate(func(x soakSample) int64 { return x.Appends }),
			rate(func(x soakSample) int64 { return x.Delivered }), x.LoadAvg)
	}
	return out
}

func writeSoakFiles(t *testing.T, s []soakSample) {
	t.Helper()
	dir := os.Getenv(SoakOutEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	csv := "t_s,warmup,heap_inuse_bytes,rss_bytes,goroutines,live_streams,subscriptions,appends,reads,delivered," +
		"subscriptions_opened,passivations,loadavg_1m\n"
	for _, x := range s {
		csv += fmt.Sprintf("%.1f,%t,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.2f\n", x.Seconds, x.Warmup, x.HeapInuse, x.RSS, x.Goroutines,
			x.LiveStreams, x.Subscriptions, x.Appends, x.Reads, x.Delivered, x.SubsOpened, x.Passivations, x.LoadAvg)
	}
	writeFile(t, filepath.Join(dir, "soak.csv"), []byte(csv))
	writeJSON(t, filepath.Join(dir, "soak.json"), s)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// rss reads the resident set size of this process from /proc.
func rss(t *testing.T) uint64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0 // not Linux: RSS is not sampled (reported as 0)
	}
	var size, resident uint64
	if _, err := fmt.Sscan(string(raw), &size, &resident); err != nil {
		t.Fatalf("/proc/self/statm: %v", err)
	}
	return resident * uint64(os.Getpagesize())
}

// writeHeapProfile writes a heap profile (live objects as of a forced
// collection) to name in SoakOutEnv's directory when it is set: the soak
// writes one at the end of the first third and one at the end, and
// `go tool pprof -base soak-heap-early.pprof soak-heap.pprof` shows what
// grew in between.
func writeHeapProfile(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv(SoakOutEnv)
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, name), b.Bytes())
}
