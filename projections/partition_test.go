package projections

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// TestPartitionsKeepStreamOrder: with 4 partitions every event is handled
// once, the events of a stream in version order, each partition with its
// own checkpoint.
func TestPartitionsKeepStreamOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		var (
			mu    sync.Mutex
			last  = map[string]uint64{}
			parts = map[int]bool{}
			bad   []string
		)
		handle := func(ctx context.Context, tx Tx, evs []eventstore.RecordedEvent) error {
			mu.Lock()
			seen := map[string]uint64{}
			for _, e := range evs {
				prev, ok := seen[e.Stream]
				if !ok {
					prev = last[e.Stream]
				}
				if e.Version != prev+1 {
					bad = append(bad, fmt.Sprintf("%s: %d after %d", e.Stream, e.Version, prev))
				}
				seen[e.Stream] = e.Version
				parts[Partition(e.Stream, 4)] = true
			}
			mu.Unlock()
			if err := counter("counts")(ctx, tx, evs); err != nil {
				return err
			}
			mu.Lock() // only a committed batch counts as handled
			defer mu.Unlock()
			for _, e := range evs {
				last[e.Stream] = e.Version
			}
			return nil
		}
		for i := range 20 {
			appendN(t, db, fmt.Sprintf("s-%d", i), "x", 3)
		}
		mustRun(t, db, Projection{Name: "parts", Partitions: 4, BatchSize: 5, Handle: handle,
			PollInterval: 20 * time.Millisecond})
		for round := range 3 {
			for i := range 20 {
				appendN(t, db, fmt.Sprintf("s-%d", i), "x", round+1)
			}
		}
		want := streamCounts(t, db, "s-")
		eventually(t, "counters", func() bool { return maps.Equal(counts(t, db, "counts"), want) })
		st := caughtUp(t, db, "parts", 1)
		mu.Lock()
		defer mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("out of order: %v", bad)
		}
		if len(parts) != 4 || len(st.Parts) != 4 {
			t.Fatalf("partitions used %v, status %+v", parts, st.Parts)
		}
		for _, p := range st.Parts {
			if p.Handled == 0 || p.Owner == "" {
				t.Fatalf("partition %+v", p)
			}
		}
	})
}

// TestOneOwnerAndTakeover: two runners (two store handles, as two
// processes) share the partitions, each partition owned by one, two each
// (internal/leasing spreads them); when one
// runner closes, the other takes its partitions over from their committed
// checkpoints and every counter stays exact.
func TestOneOwnerAndTakeover(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, again func() persistence.Store) {
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		db2 := again()
		p := Projection{Name: "shared", Partitions: 4, BatchSize: 3, Handle: counter("counts"),
			PollInterval: 20 * time.Millisecond, LeaseTTL: time.Second}
		pa, pb := p, p
		pa.Owner, pb.Owner = "a", "b"
		ra := mustRun(t, db, pa)
		mustRun(t, db2, pb)
		for i := range 10 {
			appendN(t, db, fmt.Sprintf("s-%d", i), "x", 5)
		}
		eventually(t, "counters", func() bool { return maps.Equal(counts(t, db, "counts"), streamCounts(t, db, "s-")) })
		eventually(t, "the partitions to spread 2 and 2 over the two runners", func() bool {
			st, err := StatusOf(context.Background(), db, "shared")
			if err != nil {
				t.Fatal(err)
			}
			owners := map[string]int{}
			for _, part := range st[0].Parts {
				if part.Owned {
					owners[part.Owner]++
				}
			}
			return owners["a"] == 2 && owners["b"] == 2
		})
		_ = ra.Close()
		for i := range 10 {
			appendN(t, db2, fmt.Sprintf("s-%d", i), "x", 5)
		}
		eventually(t, "b to own every partition", func() bool {
			st, err := StatusOf(context.Background(), db2, "shared")
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range st[0].Parts {
				if part.Owner != "b" || !part.Owned {
					return false
				}
			}
			return true
		})
		want := streamCounts(t, db2, "s-")
		eventually(t, "counters after takeover", func() bool { return maps.Equal(counts(t, db2, "counts"), want) })
	})
}
