package client_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
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

// dirEnv tells a peer process the directory of its node process.
const dirEnv = "ACTORSTORE_TEST_NODE_DIR"

// TestNodeWithoutAppendBatch: against a node that does not list
// append_batch in its features (one from before ADR 0027, which could not
// decode an AppendBatchRequest), the client sends every append alone:
// while one append is in flight (held by the lock on the node's SQLite
// file) the concurrent appends go to the node at once, one message each,
// instead of waiting in a batch, and all of them commit. The client runs
// in a peer process (one remote endpoint per process).
func TestNodeWithoutAppendBatch(t *testing.T) {
	dir := t.TempDir()
	np, err := startNodeProcess(dir, noBatchEnv+"=1")
	if err != nil {
		t.Fatal(err)
	}
	defer np.stop()
	runPeerOf(t, "TestPeerOfOldNode", np.addr, dir)
}

// runPeerOf runs the test named test in a peer process against the node
// at addr serving dir, and fails t unless it passes.
func runPeerOf(t *testing.T, test, addr, dir string) {
	t.Helper()
	peer := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	peer.Env = append(os.Environ(), peerEnv+"="+addr, dirEnv+"="+dir)
	out, err := peer.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("peer: %v\n%s", err, out)
	}
}

func TestPeerOfOldNode(t *testing.T) {
	addr, dir := os.Getenv(peerEnv), os.Getenv(dirEnv)
	if addr == "" || dir == "" {
		t.Skip("runs as a peer process of TestNodeWithoutAppendBatch")
	}
	c, err := client.Dial(ctx5(t), client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	release := lockStoreIn(t, dir)
	defer release()

	const n = 8
	var (
		wg   sync.WaitGroup
		errs [n + 1]error
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	appendOne := func(i int) {
		defer wg.Done()
		_, errs[i] = c.Append(ctx, fmt.Sprintf("old-node-%d", i), eventstore.NoStream(), ev("E", `{}`))
	}
	wg.Add(1)
	go appendOne(0)
	eventually(t, "the first append in flight", func() bool { return c.Stats().AppendMessages == 1 })
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go appendOne(i)
	}
	eventually(t, fmt.Sprintf("%d appends sent alone", n+1), func() bool { return c.Stats().AppendMessages == n+1 })
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("append %d: %v", i, err)
		}
	}
	if s := c.Stats(); s.AppendBatches != 0 || s.AppendMessages != n+1 {
		t.Errorf("stats = %+v, want %d appends sent alone, no batch", s, n+1)
	}
}

// TestPendingAppendWithoutDeadlineTimesOut: an append whose ctx has no
// deadline, waiting in the pending batch behind an append in flight with
// a long deadline (held by the lock on the node's SQLite file), ends with
// a retryable *TimeoutError after the client's RequestTimeout, while the
// append in flight is still waiting: the pending call is bounded by its
// own timer, not by the message in flight. The client runs in a peer
// process (one remote endpoint per process) with a RequestTimeout of
// 300 ms.
func TestPendingAppendWithoutDeadlineTimesOut(t *testing.T) {
	runPeerOf(t, "TestPeerPendingTimeout", cl.NodeAddress(), nodeDir)
}

func TestPeerPendingTimeout(t *testing.T) {
	addr, dir := os.Getenv(peerEnv), os.Getenv(dirEnv)
	if addr == "" || dir == "" {
		t.Skip("runs as a peer process of TestPendingAppendWithoutDeadlineTimesOut")
	}
	c, err := client.Dial(ctx5(t), client.Config{NodeAddress: addr, RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	release := lockStoreIn(t, dir)
	defer release()

	run := uuid.NewString()[:8]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		firstDone = make(chan error, 1)
		s0        = c.Stats().AppendMessages
	)
	go func() {
		_, err := c.Append(ctx, "pending-first-"+run, eventstore.NoStream(), ev("E", `{}`))
		firstDone <- err
	}()
	eventually(t, "the first append in flight", func() bool { return c.Stats().AppendMessages == s0+1 })
	stream := "pending-second-" + run
	secondDone := make(chan error, 1)
	go func() {
		_, err := c.Append(context.Background(), stream, eventstore.NoStream(), ev("E", `{}`))
		secondDone <- err
	}()
	select {
	case err = <-secondDone:
	case err := <-firstDone:
		t.Fatalf("the append in flight ended (%v) before the pending one", err)
	}
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || te.Stream != stream || !eventstore.IsRetryable(err) || eventstore.TraceIDOf(err) == "" {
		t.Fatalf("pending append: err = %v (%T), want a retryable *TimeoutError on %s with a trace ID", err, err, stream)
	}
	if s := c.Stats(); s.PendingAppends != 1 || s.AppendMessages != s0+1 {
		t.Errorf("stats = %+v, want the timed-out append still pending and unsent", s)
	}
	release()
	if err := <-firstDone; err != nil {
		t.Fatalf("the append in flight: %v", err)
	}
}
