package projections

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// TestCountersExactlyOnce: a projection that counts events per stream in
// the store's own database ends with each counter equal to its stream's
// events, catching up from history and then following live appends.
func TestCountersExactlyOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		for i := range 5 {
			appendN(t, db, fmt.Sprintf("order-%d", i), "placed", 7+i)
		}
		appendN(t, db, "other-1", "placed", 3) // filtered out
		mustRun(t, db, Projection{Name: "counts", Filter: eventstore.CategoryFilter("order"),
			Handle: counter("counts"), BatchSize: 4, PollInterval: 50 * time.Millisecond, Logger: testLogger(t)})
		caughtUp(t, db, "counts", 1)
		for i := range 5 { // live
			appendN(t, db, fmt.Sprintf("order-%d", i), "paid", 2)
		}
		want := streamCounts(t, db, "order-")
		eventually(t, "counters to match", func() bool { return maps.Equal(counts(t, db, "counts"), want) })
		st := caughtUp(t, db, "counts", 1)
		if st.Handled != 55 || !st.Live || st.State != "running" || st.Parts[0].Owner == "" {
			t.Fatalf("status %+v", st)
		}
	})
}

// TestStaleTokenRollsBackHandler: a partition whose lease was taken over
// cannot commit: its checkpoint write is refused in the handler's own
// transaction, so the handler's writes are rolled back too.
func TestStaleTokenRollsBackHandler(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		appendN(t, db, "order-1", "placed", 3)
		p := Projection{Name: "fence", Handle: counter("counts")}.withDefaults()
		if err := register(ctx, mustBackend(t, db), p); err != nil {
			t.Fatal(err)
		}
		w := &worker{r: &Runner{p: p, b: mustBackend(t, db)}, lease: leaseName("fence", 1, 0)}
		leaser := db.(persistence.Leaser)
		old, err := leaser.AcquireLease(ctx, w.lease, "old", 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the new owner to take the expired lease", func() bool {
			_, err := leaser.AcquireLease(ctx, w.lease, "new", time.Minute)
			return err == nil
		})
		evs, _ := db.ReadAll(ctx, eventstore.AllRead{From: 1, Limit: 10})
		err = w.commit(ctx, old.Token, evs, evs[len(evs)-1].Position, false)
		if !errors.Is(err, persistence.ErrLeaseLost) {
			t.Fatalf("commit with the old token: %v, want ErrLeaseLost", err)
		}
		if c := counts(t, db, "counts"); len(c) != 0 {
			t.Fatalf("the handler's writes were committed with a stale token: %v", c)
		}
		if err := w.load(ctx); err != nil || w.pos != 0 {
			t.Fatalf("checkpoint after a refused commit: %d %v", w.pos, err)
		}
	})
}

func mustBackend(t testing.TB, db persistence.Store) *backend {
	b, err := backendOf(db)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResetWhileRunning: Reset fences the running partitions' leases, so
// they drop their in-memory position and start again from the reset
// checkpoint: a read model emptied by its owner is rebuilt in place.
func TestResetWhileRunning(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		for i := range 3 {
			appendN(t, db, fmt.Sprintf("r-%d", i), "x", 5)
		}
		var biggest atomic.Int64
		count := counter("counts")
		mustRun(t, db, Projection{Name: "reset", Partitions: 2, BatchSize: 4, LeaseTTL: 300 * time.Millisecond,
			PollInterval: 20 * time.Millisecond,
			Handle: func(ctx context.Context, tx Tx, evs []eventstore.RecordedEvent) error {
				if n := int64(len(evs)); n > biggest.Load() {
					biggest.Store(n)
				}
				return count(ctx, tx, evs)
			}})
		want := streamCounts(t, db, "r-")
		eventually(t, "counters", func() bool { return maps.Equal(counts(t, db, "counts"), want) })
		exec(t, db, "DELETE FROM counts")
		if err := Reset(ctx, db, "reset", 1, 0); err != nil {
			t.Fatal(err)
		}
		eventually(t, "counters rebuilt after the reset", func() bool { return maps.Equal(counts(t, db, "counts"), want) })
		st := caughtUp(t, db, "reset", 1)
		if st.Handled != 15 {
			t.Fatalf("handled %d since the reset, want 15: %+v", st.Handled, st)
		}
		if biggest.Load() > 4 {
			t.Fatalf("a batch of %d events, BatchSize 4", biggest.Load())
		}
	})
}
