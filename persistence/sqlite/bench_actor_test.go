package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// BenchmarkAppendActorBatch measures the batch the stream actors hand the
// store under 256 writers (docs/benchmarks.md, issue 13): 256 requests of
// one event each, to 256 existing streams, each expecting the exact
// version the actor knows. One op is one batch (one transaction, one
// fsync); the CPU profile of this benchmark is the store's share of the
// embedded writers scenario.
//
//	go test -run '^$' -bench AppendActorBatch -cpuprofile cpu.out ./persistence/sqlite
func BenchmarkAppendActorBatch(b *testing.B) {
	st, err := openBench(b)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const streams = 256
	heads := make([]eventstore.Version, streams)
	reqs := make([]eventstore.AppendRequest, streams)
	next := func() {
		for i := range reqs {
			reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("actor-%03d", i),
				Expected: eventstore.Exact(heads[i]), Events: []eventstore.EventData{event("Bench")}}
		}
	}
	next()
	if _, err := st.AppendBatch(ctx, reqs); err != nil {
		b.Fatal(err)
	}
	for i := range heads {
		heads[i] = 1
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		next()
		res, err := st.AppendBatch(ctx, reqs)
		if err != nil {
			b.Fatal(err)
		}
		for i := range res {
			if res[i].Err != nil {
				b.Fatal(res[i].Err)
			}
			heads[i]++
		}
		n += streams
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
