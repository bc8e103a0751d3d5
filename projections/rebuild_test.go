package projections

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/persistence"
)

// TestRebuildWhileAppending: v2 of a projection (its own table) runs from
// position 0 beside v1 while writers append; v1 stays live and answers
// until v2 has caught up, then v2 becomes live, and its table equals a fold
// of all events. v1 can then be dropped.
func TestRebuildWhileAppending(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts_v1 (k text PRIMARY KEY, n bigint NOT NULL)")
		exec(t, db, "CREATE TABLE counts_v2 (k text PRIMARY KEY, n bigint NOT NULL)")
		for i := range 10 {
			appendN(t, db, fmt.Sprintf("o-%d", i), "x", 30)
		}
		mustRun(t, db, Projection{Name: "totals", Partitions: 2, Handle: counter("counts_v1"),
			PollInterval: 20 * time.Millisecond})
		caughtUp(t, db, "totals", 1)

		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // writers keep appending during the rebuild
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				appendN(t, db, fmt.Sprintf("o-%d", i%10), "x", 2)
			}
		}()
		mustRun(t, db, Projection{Name: "totals", Version: 2, Partitions: 4, BatchSize: 7,
			Handle: counter("counts_v2"), PollInterval: 20 * time.Millisecond})
		sawV1 := false
		eventually(t, "v2 to become live", func() bool {
			v, err := LiveVersion(ctx, db, "totals")
			if err != nil {
				t.Fatal(err)
			}
			if v == 1 {
				sawV1 = len(counts(t, db, "counts_v1")) == 10 // v1 answers meanwhile
			}
			return v == 2
		})
		stop.Store(true)
		wg.Wait()
		if !sawV1 {
			t.Fatal("v1 was not live and answering during the rebuild")
		}
		want := streamCounts(t, db, "o-")
		eventually(t, "v2 to equal the fold", func() bool { return maps.Equal(counts(t, db, "counts_v2"), want) })
		eventually(t, "v1 to equal the fold", func() bool { return maps.Equal(counts(t, db, "counts_v1"), want) })
		if err := Drop(ctx, db, "totals", 2); err == nil {
			t.Fatal("dropped the live version")
		}
		if err := Drop(ctx, db, "totals", 1); err != nil {
			t.Fatal(err)
		}
		st, err := StatusOf(ctx, db, "totals")
		if err != nil || len(st) != 1 || st[0].Version != 2 || !st[0].Live {
			t.Fatalf("after drop: %+v %v", st, err)
		}
	})
}
