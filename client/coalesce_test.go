package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// eventually polls cond until it holds, failing t after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not reached within 10s: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConcurrentAppendsCoalesce: while one append is in flight (held by a
// lock on the node's SQLite file), concurrent appends of other callers
// wait in the client's pending batch and go to the node as ONE message
// when the first is answered: 1 + 1 messages for 1 + n appends. Inside
// that batch every caller gets its own outcome: a result for its own
// stream, a typed conflict for the one with a wrong expectation, an
// input error for the one without events, an idempotent result for the
// retry of an append already stored, each error with its caller's trace
// ID.
func TestConcurrentAppendsCoalesce(t *testing.T) {
	run := uuid.NewString()[:8] // new streams on every run (-count)
	stored := ev("Stored", `{}`)
	if _, err := cl.Append(ctx5(t), "co-retry-"+run, eventstore.NoStream(), stored); err != nil {
		t.Fatal(err)
	}
	before := cl.Stats()
	release := lockNodeStore(t)
	defer release()

	type outcome struct {
		res eventstore.AppendResult
		err error
	}
	const n = client.DefaultMaxAppendBatch - 1 // one short of a full batch, which would go at once
	const conflict, empty, retry = 7, 13, 3
	var (
		wg    sync.WaitGroup
		first outcome
		outs  [n]outcome
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wg.Add(1)
	go func() { // in flight until release
		defer wg.Done()
		first.res, first.err = cl.Append(ctx, "co-first-"+run, eventstore.NoStream(), ev("First", `{}`))
	}()
	eventually(t, "the first append in flight", func() bool { return cl.Stats().AppendMessages == before.AppendMessages+1 })
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx := eventstore.WithTraceID(ctx, fmt.Sprintf("co-trace-%d", i))
			stream, expected, events := fmt.Sprintf("co-%s-%d", run, i), eventstore.NoStream(), []eventstore.EventData{ev("E", `{}`)}
			switch i {
			case conflict:
				expected = eventstore.Exact(5)
			case empty:
				events = nil
			case retry:
				stream, expected, events = "co-retry-"+run, eventstore.Any(), []eventstore.EventData{stored}
			}
			outs[i].res, outs[i].err = cl.Append(cctx, stream, expected, events...)
		}()
	}
	eventually(t, fmt.Sprintf("%d appends pending", n), func() bool { return cl.Stats().PendingAppends == n })
	release()
	wg.Wait()

	after := cl.Stats()
	if got := after.AppendMessages - before.AppendMessages; got != 2 {
		t.Errorf("%d append messages for %d appends, want 2 (one alone, one batch)", got, n+1)
	}
	if got := after.AppendBatches - before.AppendBatches; got != 1 {
		t.Errorf("%d batches, want 1", got)
	}
	if got := after.BatchedAppends - before.BatchedAppends; got != n {
		t.Errorf("%d appends in batches, want %d", got, n)
	}
	if first.err != nil || first.res.Stream != "co-first-"+run {
		t.Errorf("first append = %+v, %v", first.res, first.err)
	}
	for i, o := range outs {
		stream := fmt.Sprintf("co-%s-%d", run, i)
		trace := fmt.Sprintf("co-trace-%d", i)
		switch i {
		case conflict:
			var ce *eventstore.ConcurrencyError
			if !errors.As(o.err, &ce) || ce.Stream != stream || ce.Actual != 0 || eventstore.TraceIDOf(o.err) != trace {
				t.Errorf("append %d with a wrong expectation: %v (%T), trace %q; want a conflict on %s, trace %s",
					i, o.err, o.err, eventstore.TraceIDOf(o.err), stream, trace)
			}
		case empty:
			var ie *eventstore.InputError
			if !errors.As(o.err, &ie) || eventstore.TraceIDOf(o.err) != trace {
				t.Errorf("append %d without events: %v (%T), trace %q; want an input error, trace %s",
					i, o.err, o.err, eventstore.TraceIDOf(o.err), trace)
			}
		case retry:
			if o.err != nil || !o.res.Idempotent || o.res.Stream != "co-retry-"+run || o.res.FirstVersion != 1 {
				t.Errorf("retry %d = %+v, %v; want the stored append's result, idempotent", i, o.res, o.err)
			}
		default:
			if o.err != nil || o.res.Stream != stream || o.res.FirstVersion != 1 || o.res.Idempotent {
				t.Errorf("append %d = %+v, %v; want version 1 of %s", i, o.res, o.err, stream)
			}
		}
	}
	// Nothing of the failed appends was written.
	if h, err := cl.Head(ctx5(t), fmt.Sprintf("co-%s-%d", run, conflict)); err != nil || h.Version != 0 {
		t.Errorf("head of the conflicting append's stream: %+v, %v; want version 0", h, err)
	}
}

// TestFullBatchGoesAtOnce: a pending batch that reaches MaxAppendBatch
// appends is sent at once, while the append before it is still in flight
// (held by the lock on the node's SQLite file).
func TestFullBatchGoesAtOnce(t *testing.T) {
	run := uuid.NewString()[:8]
	before := cl.Stats()
	release := lockNodeStore(t)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	appendTo := func(stream string) {
		defer wg.Done()
		if _, err := cl.Append(ctx, stream, eventstore.NoStream(), ev("E", `{}`)); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go appendTo("full-first-" + run)
	eventually(t, "the first append in flight", func() bool { return cl.Stats().AppendMessages == before.AppendMessages+1 })
	for i := range client.DefaultMaxAppendBatch {
		wg.Add(1)
		go appendTo(fmt.Sprintf("full-%s-%d", run, i))
	}
	eventually(t, "a full batch sent while the first append is in flight", func() bool {
		s := cl.Stats()
		return s.AppendBatches == before.AppendBatches+1 && s.PendingAppends == 0
	})
	release()
	wg.Wait()
	if got := cl.Stats().BatchedAppends - before.BatchedAppends; got != client.DefaultMaxAppendBatch {
		t.Errorf("%d appends in the batch, want %d", got, client.DefaultMaxAppendBatch)
	}
}

// TestOneCallerKeepsItsOrderAmongCoalescedAppends: a caller appending to
// its stream one append after another, with exact expected versions,
// while 32 other callers append at the same time (so its appends travel
// in batches): every append succeeds in turn and the stream holds them in
// the caller's order.
func TestOneCallerKeepsItsOrderAmongCoalescedAppends(t *testing.T) {
	run := uuid.NewString()[:8]
	before := cl.Stats()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := cl.Append(ctx, fmt.Sprintf("order-noise-%s-%d", run, i), eventstore.Any(), ev("N", `{}`)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stream := "order-" + run
	const n = 100
	for v := range n {
		expected := eventstore.NoStream()
		if v > 0 {
			expected = eventstore.Exact(eventstore.Version(v))
		}
		res, err := cl.Append(ctx, stream, expected, ev("Step", fmt.Sprintf(`{"n":%d}`, v)))
		if err != nil || res.FirstVersion != eventstore.Version(v+1) {
			close(stop)
			wg.Wait()
			t.Fatalf("append %d = %+v, %v", v, res, err)
		}
	}
	close(stop)
	wg.Wait()
	if got := cl.Stats().AppendBatches - before.AppendBatches; got == 0 {
		t.Fatal("no batch was sent: the appends did not travel coalesced")
	}
	evs, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: stream, Limit: n + 1})
	if err != nil || len(evs) != n {
		t.Fatalf("read %d events, %v", len(evs), err)
	}
	for i, e := range evs {
		if want := fmt.Sprintf(`{"n":%d}`, i); string(e.Data) != want {
			t.Fatalf("event %d = %s, want %s", i, e.Data, want)
		}
	}
}

// TestMaxAppendBatchValidated: MaxAppendBatch beyond the node's limit is
// refused by Validate.
func TestMaxAppendBatchValidated(t *testing.T) {
	if err := (client.Config{MaxAppendBatch: 1025}).Validate(); err == nil {
		t.Fatal("MaxAppendBatch 1025 accepted")
	}
	if err := (client.Config{MaxAppendBatch: -1}).Validate(); err == nil {
		t.Fatal("MaxAppendBatch -1 accepted")
	}
}
