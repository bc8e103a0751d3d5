package subscriptions

import (
	"context"
	"flag"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var (
	benchEvents  = flag.Int("subs.events", 100_000, "stored events for BenchmarkCatchUp")
	benchBackend = flag.String("subs.backend", "sqlite", "store of the benchmarks: sqlite or postgres")
)

func benchStore(b *testing.B) persistence.Store {
	for _, be := range backends {
		if be.name == *benchBackend {
			st, _ := be.open(b)
			return st
		}
	}
	b.Fatalf("unknown backend %q", *benchBackend)
	return nil
}

// BenchmarkLiveDelivery: events/s delivered to 1, 10 and 100 live handler
// subscribers while one writer appends batches of 100 events and publishes
// them (one op = one event appended, delivered to every subscriber). A
// subscriber that falls behind catches up from the store, so the figure
// is end-to-end, not just the fan-out.
func BenchmarkLiveDelivery(b *testing.B) {
	for _, subs := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			st := benchStore(b)
			sys := newSystem(b)
			hub := newHub(b, sys, st, Config{})
			var delivered atomic.Int64
			for range subs {
				s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Window: 512}},
					func(context.Context, eventstore.RecordedEvent) error { delivered.Add(1); return nil })
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
			}
			eventually(b, 10*time.Second, "live", func() bool { return subLive(b, hub, subs) })
			w := writer{st: st, hub: hub}
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; done += 100 {
				w.appendN(b, fmt.Sprintf("live-%d", done%13), min(100, b.N-done), "e")
			}
			want := int64(b.N * subs)
			eventually(b, 10*time.Minute, "delivery", func() bool { return delivered.Load() >= want })
			b.ReportMetric(float64(want)/time.Since(start).Seconds(), "delivered/s")
		})
	}
}

// BenchmarkCatchUp: how fast one subscriber reads a stored history of
// -subs.events events (one op = one full catch-up).
func BenchmarkCatchUp(b *testing.B) {
	st := benchStore(b)
	w := writer{st: st}
	for done := 0; done < *benchEvents; done += 1000 {
		w.appendN(b, fmt.Sprintf("hist-%d", done%97), min(1000, *benchEvents-done), "e")
	}
	sys := newSystem(b)
	hub := newHub(b, sys, st, Config{})
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var n atomic.Int64
		s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Window: 1024}},
			func(context.Context, eventstore.RecordedEvent) error { n.Add(1); return nil })
		if err != nil {
			b.Fatal(err)
		}
		eventually(b, 10*time.Minute, "catch-up", func() bool { return n.Load() >= int64(*benchEvents) })
		_ = s.Close()
	}
	b.ReportMetric(float64(b.N**benchEvents)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkAppend: append+Publish of 10-event batches with and without a
// subscriber that never grants credits (one op = one batch on each of the
// two setups). The two variants alternate batch by batch inside one
// benchmark, each on its own store and hub, so that both see the same
// machine load: go test -count repeats each leaf benchmark back to back,
// which would run all "without" rounds before all "with" rounds.
// Reported: free-events/s and stalled-events/s (events appended per
// second of each variant's own append time) and stalled/free, their
// ratio (the target is >= 0.9).
func BenchmarkAppend(b *testing.B) {
	setup := func(stalled bool) writer {
		st := benchStore(b)
		sys := newSystem(b)
		hub := newHub(b, sys, st, Config{})
		if stalled {
			who, _ := spawnCollector(b, sys)
			if _, _, err := hub.SubscribeActor(context.Background(), who, Options{Window: 1}); err != nil {
				b.Fatal(err)
			}
		}
		w := writer{st: st, hub: hub}
		w.appendN(b, "app-1", 10, "e") // warm: stream exists, connections open
		return w
	}
	free, stalled := setup(false), setup(true)
	var tFree, tStalled time.Duration
	b.ResetTimer()
	for i := range b.N {
		first, second, t1, t2 := free, stalled, &tFree, &tStalled
		if i%2 == 1 { // alternate which goes first
			first, second, t1, t2 = stalled, free, &tStalled, &tFree
		}
		start := time.Now()
		first.appendN(b, "app-1", 10, "e")
		mid := time.Now()
		second.appendN(b, "app-1", 10, "e")
		*t1 += mid.Sub(start)
		*t2 += time.Since(mid)
	}
	b.StopTimer()
	rf := float64(b.N*10) / tFree.Seconds()
	rs := float64(b.N*10) / tStalled.Seconds()
	b.ReportMetric(rf, "free-events/s")
	b.ReportMetric(rs, "stalled-events/s")
	b.ReportMetric(rs/rf, "stalled/free")
}
