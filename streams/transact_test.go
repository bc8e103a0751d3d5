package streams

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

func txReqs(exp map[string]eventstore.ExpectedVersion, order ...string) []eventstore.AppendRequest {
	reqs := make([]eventstore.AppendRequest, len(order))
	for i, s := range order {
		reqs[i] = eventstore.AppendRequest{Stream: s, Expected: exp[s], Events: events(1 + i)}
	}
	return reqs
}

func TestTransactCommitsAllStreams(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	mustAppend(t, n, "b", eventstore.NoStream(), events(2))
	reqs := txReqs(map[string]eventstore.ExpectedVersion{"c": eventstore.NoStream(), "b": eventstore.Exact(2),
		"a": eventstore.Any()}, "c", "b", "a")
	results, err := n.Transact(ctxT(t), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Stream != reqs[i].Stream || r.Err != nil || r.LastVersion-r.FirstVersion+1 != uint64(len(reqs[i].Events)) {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	if results[1].FirstVersion != 3 {
		t.Fatalf("b: %+v", results[1])
	}
	// A retry with the same event IDs gets the original results.
	again, err := n.Transact(ctxT(t), reqs)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	for i := range again {
		want := results[i]
		want.Idempotent = true
		if again[i] != want {
			t.Fatalf("retry result %d = %+v, want %+v", i, again[i], want)
		}
	}
	// The stream actors saw the transaction: exact appends continue from it.
	if r := mustAppend(t, n, "b", eventstore.Exact(results[1].LastVersion), events(1)); r.FirstVersion != 5 {
		t.Fatalf("after tx: %+v", r)
	}
}

// TestTransactIsAllOrNothing fails a transaction in several ways; none
// writes anything, and the streams stay usable.
func TestTransactIsAllOrNothing(t *testing.T) {
	store := newStore(t)
	gate := newGateStore(store)
	n := newNode(t, gate, nil)
	mustAppend(t, n, "a", eventstore.NoStream(), events(1))
	mustAppend(t, n, "b", eventstore.NoStream(), events(1))
	ok := map[string]eventstore.ExpectedVersion{"a": eventstore.Exact(1), "b": eventstore.Exact(1)}

	t.Run("conflict", func(t *testing.T) {
		bad := map[string]eventstore.ExpectedVersion{"a": eventstore.Exact(1), "b": eventstore.Exact(7)}
		_, err := n.Transact(ctxT(t), txReqs(bad, "a", "b"))
		var ce *eventstore.ConcurrencyError
		if !errors.As(err, &ce) || ce.Stream != "b" || ce.Actual != 1 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("conflict found by the store", func(t *testing.T) {
		rs, err := store.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: "b",
			Expected: eventstore.Exact(1), Events: events(1)}}) // behind the actor's back
		if err != nil || rs[0].Err != nil {
			t.Fatal(err, rs)
		}
		_, err = n.Transact(ctxT(t), txReqs(ok, "a", "b"))
		var ce *eventstore.ConcurrencyError
		if !errors.As(err, &ce) || ce.Stream != "b" || ce.Actual != 2 {
			t.Fatalf("err = %v", err)
		}
		ok["b"] = eventstore.Exact(2)
		// b reloaded its head: an exact append on the store's version works.
		if r := mustAppend(t, n, "b", eventstore.Exact(2), events(1)); r.FirstVersion != 3 {
			t.Fatalf("after the conflict: %+v", r)
		}
		ok["b"] = eventstore.Exact(3)
	})
	t.Run("invalid input", func(t *testing.T) {
		reqs := txReqs(ok, "a", "b")
		reqs[1].Events[0].Data = nil
		if _, err := n.Transact(ctxT(t), reqs); !errors.Is(err, eventstore.ErrInvalidInput) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := n.Transact(ctx, txReqs(ok, "a", "b")); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("timeout while reserving", func(t *testing.T) {
		gate.close()
		done := make(chan error, 1)
		go func() { _, err := n.Append(ctxT(t), "b", eventstore.Any(), events(1)); done <- err }()
		<-gate.entered                                                    // b has a flush in flight: the transaction waits for it
		ctx, cancel := context.WithTimeout(ctxT(t), 200*time.Millisecond) // before Config.TxTimeout
		defer cancel()
		_, err := n.Transact(ctx, txReqs(ok, "a", "b"))
		var te *eventstore.TimeoutError
		if !errors.As(err, &te) || !eventstore.IsRetryable(err) || eventstore.CodeOf(err) != eventstore.CodeTimeout {
			t.Fatalf("err = %v, want a retryable timeout", err)
		}
		if te.Op != "transact" || !slices.Equal(te.Streams, []string{"a", "b"}) ||
			!strings.Contains(err.Error(), `transact on streams "a", "b" timed out`) {
			t.Fatalf("timeout %#v (%v) does not name the transaction's streams", te, err)
		}
		gate.open()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		ok["b"] = eventstore.Exact(4)
	})
	if len(readAll(t, store, "a")) != 1 || len(readAll(t, store, "b")) != 4 {
		t.Fatal("a failed transaction wrote something")
	}
	if _, err := n.Transact(ctxT(t), txReqs(ok, "b", "a")); err != nil {
		t.Fatalf("the streams were not released: %v", err)
	}
}

// TestTransactOppositeOrdersDoNotDeadlock runs transactions over the same
// streams named in opposite orders, mixed with plain appends.
func TestTransactOppositeOrdersDoNotDeadlock(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	anyExp := map[string]eventstore.ExpectedVersion{}
	const k = 40
	var wg sync.WaitGroup
	errs := make(chan error, 3*k)
	for i := 0; i < k; i++ {
		wg.Go(func() {
			_, err := n.Transact(ctxT(t), txReqs(anyExp, "x", "y"))
			errs <- err
		})
		wg.Go(func() {
			_, err := n.Transact(ctxT(t), txReqs(anyExp, "y", "x"))
			errs <- err
		})
		wg.Go(func() {
			_, err := n.Append(ctxT(t), "x", eventstore.Any(), events(1))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	x, y := checkContiguous(t, store, "x"), checkContiguous(t, store, "y")
	// Each transaction adds 1 to its first stream and 2 to its second.
	if len(x) != k*3+k || len(y) != k*3 {
		t.Fatalf("x has %d events, y %d", len(x), len(y))
	}
}

// TestCloseFlushesAcceptedAppends closes the node while appends run:
// every acknowledged append is stored, the rest fail with ErrClosed.
func TestCloseFlushesAcceptedAppends(t *testing.T) {
	store := newStore(t)
	n, err := New(context.Background(), Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	const k = 200
	outs := make(chan outcome, k)
	var wg sync.WaitGroup
	for i := 0; i < k; i++ {
		wg.Go(func() { outs <- appendOnce(n, "s", eventstore.Any(), 1) })
	}
	if err := n.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(outs)
	stored := checkContiguous(t, store, "s")
	acked := 0
	for o := range outs {
		switch {
		case o.err == nil:
			acked++
			if _, ok := stored[o.ids[0]]; !ok {
				t.Fatal("an acknowledged append is not stored")
			}
		case !errors.Is(o.err, eventstore.ErrClosed):
			t.Fatalf("unexpected error: %v", o.err)
		}
	}
	if acked != len(stored) {
		t.Fatalf("%d acknowledged, %d stored", acked, len(stored))
	}
	if _, err := n.Append(ctxT(t), "s", eventstore.Any(), events(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
}
