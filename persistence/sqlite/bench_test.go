package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// BenchmarkAppendBatch measures durable appends (one fsync per batch) for
// batch shapes from one event to 100 requests of 10 events.
func BenchmarkAppendBatch(b *testing.B) {
	for _, shape := range []struct{ reqs, events int }{{1, 1}, {1, 10}, {10, 10}, {100, 10}} {
		b.Run(fmt.Sprintf("%dx%d", shape.reqs, shape.events), func(b *testing.B) {
			st, err := openBench(b)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				reqs := make([]eventstore.AppendRequest, shape.reqs)
				for r := range reqs {
					reqs[r].Stream = fmt.Sprintf("bench-%d", r)
					for range shape.events {
						reqs[r].Events = append(reqs[r].Events, event("Bench"))
					}
				}
				if _, err := st.AppendBatch(ctx, reqs); err != nil {
					b.Fatal(err)
				}
				n += shape.reqs * shape.events
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func openBench(b *testing.B) (interface {
	persistence.Store
}, error) {
	return openStoreErr(filepath.Join(b.TempDir(), "bench.db"))
}
