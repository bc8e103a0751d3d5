package streams

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// Benchmarks of the Runtime API. Each runs on SQLite and, when a PostgreSQL
// server is available (internal/pgtest), on PostgreSQL:
//
//	go test -run '^$' -bench . -benchtime 20000x ./streams
//	go test -run '^$' -bench 'Memory' -benchtime 1x ./streams
//
// They report events/s, p50/p99 append latency (in microseconds), and
// the Go process's CPU per event.

func forEachBackend(b *testing.B, run func(b *testing.B)) {
	b.Run("sqlite", run)
	b.Run("postgres", func(b *testing.B) {
		onPostgres = true
		defer func() { onPostgres = false }()
		run(b)
	})
}

// BenchmarkAppendOwnStreams: 256 writers, each appending single events to
// its own stream with exact versions.
func BenchmarkAppendOwnStreams(b *testing.B) {
	forEachBackend(b, func(b *testing.B) {
		n := newNode(b, newStore(b), nil)
		benchWriters(b, 256, func(w int, v eventstore.Version) (string, eventstore.ExpectedVersion) {
			return fmt.Sprintf("bench-%d", w), eventstore.Exact(v)
		}, n)
	})
}

// BenchmarkAppendSingleWriter: one writer appending single events to its
// own stream with exact versions: the latency of one append through the
// actors and one commit, nothing to batch with.
func BenchmarkAppendSingleWriter(b *testing.B) {
	forEachBackend(b, func(b *testing.B) {
		n := newNode(b, newStore(b), nil)
		benchWriters(b, 1, func(int, eventstore.Version) (string, eventstore.ExpectedVersion) {
			return "single", eventstore.Any()
		}, n)
	})
}

// BenchmarkAppendHotStream: 64 writers appending single events to one
// stream with Any.
func BenchmarkAppendHotStream(b *testing.B) {
	forEachBackend(b, func(b *testing.B) {
		n := newNode(b, newStore(b), nil)
		benchWriters(b, 64, func(int, eventstore.Version) (string, eventstore.ExpectedVersion) {
			return "hot", eventstore.Any()
		}, n)
	})
}

// benchWriters shares b.N appends among writers goroutines and reports
// throughput and latency percentiles.
func benchWriters(b *testing.B, writers int, target func(w int, v eventstore.Version) (string, eventstore.ExpectedVersion), n *Runtime) {
	var left atomic.Int64
	left.Store(int64(b.N))
	lat := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			var v eventstore.Version
			for left.Add(-1) >= 0 {
				stream, exp := target(w, v)
				t0 := time.Now()
				res, err := n.Append(ctxBackground(), stream, exp, events(1))
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
				v = res.LastVersion
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	// The Go process's CPU per event (the store's server processes not
	// counted): unlike throughput, it varies little with other load.
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(len(all)), "cpu-µs/event")
	s := n.Stats()
	if s.Batches > 0 {
		b.ReportMetric(float64(s.BatchedEvents)/float64(s.Batches), "events/batch")
		b.ReportMetric(float64(s.CommitTime.Microseconds())/float64(s.Batches), "commit-µs/batch")
		b.ReportMetric(100*s.CommitTime.Seconds()/elapsed.Seconds(), "%-in-commit")
	}
}

// BenchmarkMemoryPerStream activates 100,000 streams (10,000 with -short),
// one event each, and reports the heap per live stream actor, then
// passivates them all and reports the heap per passivated stream. Nothing
// of a passivated stream is kept; what remains is the high-water capacity
// of Go maps that do not shrink (protoactor's process registry, the
// registry's index), reused by later activations: a second round of as
// many new streams adds about a tenth of it.
func BenchmarkMemoryPerStream(b *testing.B) {
	forEachBackend(b, func(b *testing.B) {
		streams := 100_000
		if testing.Short() {
			streams = 10_000
		}
		n := newNode(b, newStore(b), func(c *Config) { c.MaxLiveStreams = 2 * streams; c.IdleTimeout = time.Hour })
		measureStreamMemory(b, n, streams, 256, func(i int64) error {
			_, err := n.Append(ctxBackground(), fmt.Sprintf("m-%d", i), eventstore.NoStream(), events(1))
			return err
		})
	})
}

// measureStreamMemory activates streams streams by calling activate(i)
// for i in 1..streams from writers goroutines, reports the heap per live
// stream actor (B/live-stream), passivates them all and reports the heap
// per passivated stream (B/passivated-stream).
func measureStreamMemory(b *testing.B, n *Runtime, streams, writers int, activate func(i int64) error) {
	base := heapAlloc()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(streams); i = next.Add(1) {
				if err := activate(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	live := heapAlloc()
	b.ReportMetric(float64(int64(live)-int64(base))/float64(streams), "B/live-stream")
	n.sh.sys.Send(n.registry, &passivateIdle{})
	deadline := time.Now().Add(time.Minute)
	for n.Stats().LiveStreams > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if left := n.Stats().LiveStreams; left > 0 {
		b.Fatalf("%d streams still live after passivation", left)
	}
	passive := heapAlloc()
	b.Logf("after passivation: %+v", n.Stats())
	b.ReportMetric(float64(int64(passive)-int64(base))/float64(streams), "B/passivated-stream")
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
