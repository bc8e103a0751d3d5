package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// BenchmarkAppendActorBatch measures the batch the stream actors hand the
// store under 256 writers (docs/benchmarks.md, issue 13): 256 requests of
// one event each, to 256 existing streams, each expecting the exact
// version the actor knows. One op is one batch (one transaction, one
// fsync); the CPU profile of this benchmark is the store's share of the
// embedded writers scenario.
//
//	go test -run '^$' -bench AppendActorBatch -cpuprofile cpu.out ./persistence/sqlite
//
// The preloaded-1M case first writes a million synthetic events
// (sqlite.Generate), so the batch goes into indexes of that size.
func BenchmarkAppendActorBatch(b *testing.B) {
	for _, preload := range []int{0, 1_000_000} {
		for _, ids := range []string{"v4", "v7"} {
			b.Run(fmt.Sprintf("preloaded-%dk/ids-%s", preload/1000, ids), func(b *testing.B) {
				benchActorBatch(b, preload, ids == "v7")
			})
		}
	}
}

func benchActorBatch(b *testing.B, preload int, v7 bool) {
	path := filepath.Join(b.TempDir(), "bench.db")
	st, err := openStoreErr(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if preload > 0 {
		if _, err := sqlite.Generate(ctx, path, persistence.Synthetic{Events: preload, PerStream: 100,
			Prefix: "pre-", Type: "Bench", Data: []byte(`{}`)}); err != nil {
			b.Fatal(err)
		}
	}
	const streams = 256
	heads := make([]eventstore.Version, streams)
	reqs := make([]eventstore.AppendRequest, streams)
	next := func() {
		for i := range reqs {
			reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("actor-%03d", i),
				Expected: eventstore.Exact(heads[i]), Events: []eventstore.EventData{event("Bench")}}
			if v7 {
				reqs[i].Events[0].ID = uuid.Must(uuid.NewV7())
			}
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
