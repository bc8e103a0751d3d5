package actorstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
)

// BenchmarkWritersWhileScavenging: the writers scenario of
// BenchmarkAppendOwnStreams (256 writers, single events to their own
// streams, PostgreSQL, synchronous commit) on a database that also holds
// ACTORSTORE_BENCH_REMOVED deleted events (default 100,000; the issue's
// 1,000,000 in the long run), "alone" and "scavenging": with a scavenge of
// those events running at the same time, in batches of 500, at
// ACTORSTORE_BENCH_SCAVENGE_RATE events/s (default 5,000, the node's
// default; -1: no limit).
// Compare the two events/s figures; scavenged/s is the scavenge's rate
// while the writers ran, overlap the share of the writers' run it covered.
func BenchmarkWritersWhileScavenging(b *testing.B) {
	removed, rate := 100_000, 5_000
	if v, err := strconv.Atoi(os.Getenv("ACTORSTORE_BENCH_REMOVED")); err == nil && v > 0 {
		removed = v
	}
	if v, err := strconv.Atoi(os.Getenv("ACTORSTORE_BENCH_SCAVENGE_RATE")); err == nil && v != 0 {
		rate = v
	}
	srv := pgtest.Server(b)
	for _, scavenging := range []bool{false, true} {
		name := "alone"
		if scavenging {
			name = "scavenging"
		}
		b.Run(fmt.Sprintf("%s-%d-removed-rate-%d", name, removed, rate), func(b *testing.B) {
			st := benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b)})
			seedRemoved(b, st, removed)
			var (
				gone    atomic.Int64
				overlap time.Duration
				done    = make(chan struct{})
			)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			start := time.Now()
			if scavenging {
				go func() {
					defer close(done)
					rep, err := persistence.Scavenge(ctx, engineOf(st).DB.(persistence.Scavenger),
						persistence.ScavengeOptions{EventsPerSecond: rate, BatchEvents: 500})
					gone.Store(rep.Events)
					overlap = time.Since(start)
					if err != nil && ctx.Err() == nil {
						b.Error(err)
					}
				}()
			} else {
				close(done)
			}
			benchOwnStreams(b, st)
			writers := time.Since(start)
			cancel()
			<-done
			if scavenging {
				b.ReportMetric(float64(gone.Load())/min(overlap, writers).Seconds(), "scavenged/s")
				b.ReportMetric(min(overlap.Seconds()/writers.Seconds(), 1), "overlap")
			}
		})
	}
}

// seedRemoved writes n events into streams of 1,000 events and deletes
// them (hard), so a scavenge has n events to remove.
func seedRemoved(b *testing.B, st *actorstore.Store, n int) {
	b.Helper()
	db := engineOf(st).DB
	ctx := context.Background()
	for s := 0; s*1000 < n; s++ {
		stream := fmt.Sprintf("gone-%d", s)
		evs := make([]eventstore.EventData, min(1000, n-s*1000))
		for i := range evs {
			evs[i] = eventstore.EventData{ID: uuid.New(), Type: "OrderPlaced", Data: benchPayload}
		}
		res, err := db.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.NoStream(), Events: evs}})
		if err != nil || res[0].Err != nil {
			b.Fatal(err, res)
		}
		if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: stream, Hard: true}); err != nil {
			b.Fatal(err)
		}
	}
}
