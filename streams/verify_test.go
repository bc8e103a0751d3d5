package streams

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// TestVerifyConflictsAgainstTheStore: with VerifyConflicts (a cluster,
// where another node may write a stream behind a live actor's back) an
// expectation that fails against the actor's stale head is checked again
// against the store, for appends and for transactions; without it, the
// stale head answers (the default, single-writer behaviour).
func TestVerifyConflictsAgainstTheStore(t *testing.T) {
	store := newStore(t)
	stale := newNode(t, store, func(c *Config) { c.VerifyConflicts, c.CacheBytes = true, -1 })
	plain := newNode(t, store, nil)
	foreign := func(want uint64) { // another writer: straight to the store
		t.Helper()
		rs, err := store.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: "s",
			Expected: eventstore.Exact(want - 1), Events: events(1)}})
		if err != nil || rs[0].Err != nil {
			t.Fatalf("foreign append: %v %v", err, rs)
		}
	}
	mustAppend(t, stale, "s", eventstore.NoStream(), events(1))
	mustAppend(t, plain, "s", eventstore.Exact(1), events(1)) // both actors live: stale's believes 1
	foreign(3)

	// The expectation holds in the store: the verifying node appends.
	if res := mustAppend(t, stale, "s", eventstore.Exact(3), events(1)); res.FirstVersion != 4 {
		t.Fatalf("verified append: %+v, want version 4", res)
	}
	// The plain node answers from its stale head (2), as documented.
	var ce *eventstore.ConcurrencyError
	if _, err := plain.Append(ctxT(t), "s", eventstore.Exact(4), events(1)); !errors.As(err, &ce) || ce.Actual != 2 {
		t.Fatalf("plain node: err = %v, want a conflict from its stale head (actual 2)", err)
	}
	// A real conflict names the store's version, not the stale one.
	foreign(5)
	if _, err := stale.Append(ctxT(t), "s", eventstore.Exact(1), events(1)); !errors.As(err, &ce) || ce.Actual != 5 {
		t.Fatalf("real conflict: err = %v, want actual 5", err)
	}
	// A transaction's expectation is verified the same way.
	foreign(6)
	res, err := stale.Transact(ctxT(t), []eventstore.AppendRequest{
		{Stream: "s", Expected: eventstore.Exact(6), Events: events(1)},
		{Stream: "t", Expected: eventstore.NoStream(), Events: events(1)}})
	if err != nil || res[0].FirstVersion != 7 {
		t.Fatalf("verified transaction: %+v, %v", res, err)
	}
	// Reads do not come from a cache that another node overtook.
	foreign(8)
	evs, err := stale.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s", Limit: 100})
	if err != nil || len(evs) != 8 {
		t.Fatalf("read through the verifying node: %d events, %v; want 8", len(evs), err)
	}
	checkContiguous(t, store, "s")
}
