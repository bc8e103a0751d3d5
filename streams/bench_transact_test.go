package streams

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// BenchmarkTransact: 256 callers, each running Transact over 3 distinct
// streams picked at random from a pool of 1,000, one event per stream
// (Any), like `actorstore bench --scenario transact`. One op is one
// transaction (3 events); allocs/op counts the whole process per
// transaction.
//
//	go test -run '^$' -bench Transact -benchtime 20000x -benchmem ./streams
func BenchmarkTransact(b *testing.B) {
	forEachBackend(b, func(b *testing.B) {
		n := newNode(b, newStore(b), nil)
		benchTransact(b, n, 256, 1000, 3)
	})
}

func benchTransact(b *testing.B, n *Runtime, callers, pool, width int) {
	names := make([]string, pool)
	for i := range names {
		names[i] = fmt.Sprintf("tx-%d", i)
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	lat := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	for w := 0; w < callers; w++ {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for left.Add(-1) >= 0 {
				reqs := make([]eventstore.AppendRequest, 0, width)
				for len(reqs) < width {
					s := names[rng.IntN(pool)]
					if !slices.ContainsFunc(reqs, func(r eventstore.AppendRequest) bool { return r.Stream == s }) {
						reqs = append(reqs, eventstore.AppendRequest{Stream: s, Expected: eventstore.Any(), Events: events(1)})
					}
				}
				t0 := time.Now()
				_, err := n.Transact(ctxBackground(), reqs)
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
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
	b.ReportMetric(float64(len(all)*width)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(len(all)*width), "cpu-µs/event")
	if s := n.Stats(); s.Batches > 0 {
		b.ReportMetric(float64(s.BatchedEvents)/float64(s.Batches), "events/batch")
		// The share of the wall time the writer spent in Store.AppendBatch:
		// below 1, it waited for work between commits.
		b.ReportMetric(float64(s.CommitTime)/float64(elapsed), "commit-share")
	}
}
