package streams

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Tests of pipelined transactions (ADR 0025): a stream goes to the next
// transaction and to its held appends once the writer has queued the
// transaction holding it, and whatever is pipelined behind a transaction
// that fails is refused or checked again, never committed on top of a
// write that did not happen.

// faultStore holds AppendBatch calls while its gate is closed (like
// gateStore, telling entered about each call that waits), then refuses a
// call that carries one of the event IDs in fail with errInjected before
// it writes anything (as a connection lost before COMMIT would).
type faultStore struct {
	persistence.Store
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
	fail    map[uuid.UUID]bool
}

var errInjected = errors.New("injected store failure")

func newFaultStore(s persistence.Store) *faultStore {
	return &faultStore{Store: s, entered: make(chan struct{}, 64), fail: map[uuid.UUID]bool{}}
}

func (f *faultStore) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
}

func (f *faultStore) open() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate != nil {
		close(f.gate)
		f.gate = nil
	}
}

func (f *faultStore) failOn(id uuid.UUID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[id] = true
}

func (f *faultStore) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		f.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	refuse := false
	for i := range reqs {
		for _, e := range reqs[i].Events {
			refuse = refuse || f.fail[e.ID]
		}
	}
	f.mu.Unlock()
	if refuse {
		return nil, errInjected
	}
	return f.Store.AppendBatch(ctx, reqs)
}

// seenBy counts, per stream and message type, the messages its actor was
// about to handle: the writer's notices that it queued a transaction
// (*txFlush: each is a step of the pipeline) and appends (*appendCmd).
type seenBy struct {
	mu sync.Mutex
	n  map[string]int
}

func (q *seenBy) hook(c *Config) {
	q.n = map[string]int{}
	c.hooks.beforeMessage = func(stream string, msg any, _ bool) {
		q.mu.Lock()
		defer q.mu.Unlock()
		switch msg.(type) {
		case *txFlush:
			q.n["queued "+stream]++
		case *appendCmd:
			q.n["append "+stream]++
		}
	}
}

func (q *seenBy) count(key string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n[key]
}

type txOutcome struct {
	res []eventstore.AppendResult
	err error
}

// TestPipelinedWorkBehindAFailedTransaction holds a transaction T1 over
// two streams in the store, pipes behind it on stream pa a transaction T2
// whose exact expectation is the version T1 would give pa, an append A
// expecting the version before T1, and an append B with any version. Then
// T1 fails: by a store failure, by a conflict on its other stream, or by a
// conflict on pa itself (another writer moved the head). T2 must fail with
// a conflict naming pa's real version, A (which failed against the
// pipeline's projected version) must be decided against the real version,
// and B must land right after it: versions stay gapless and nothing is
// committed on top of T1's write that did not happen.
func TestPipelinedWorkBehindAFailedTransaction(t *testing.T) {
	for _, how := range []string{"store failure", "conflict on its other stream", "another writer moved the head"} {
		t.Run(how, func(t *testing.T) { pipelineBehindFailure(t, how) })
	}
}

func pipelineBehindFailure(t *testing.T, how string) {
	store := newStore(t)
	fs := newFaultStore(store)
	var q seenBy
	n := newNode(t, fs, q.hook)
	mustAppend(t, n, "pa", eventstore.NoStream(), events(1))
	mustAppend(t, n, "pb", eventstore.NoStream(), events(1))
	outside := func(stream string, k int) { // a writer the actors cannot see
		rs, err := store.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any(),
			Events: events(k)}})
		if err != nil || rs[0].Err != nil {
			t.Fatal(err, rs)
		}
	}

	fs.close()
	t1 := []eventstore.AppendRequest{{Stream: "pa", Expected: eventstore.Exact(1), Events: events(1)},
		{Stream: "pb", Expected: eventstore.Exact(1), Events: events(1)}}
	done1 := make(chan txOutcome, 1)
	go func() { r, err := n.Transact(ctxT(t), t1); done1 <- txOutcome{r, err} }()
	<-fs.entered // T1 is being committed, held at the gate
	done2 := make(chan txOutcome, 1)
	go func() {
		r, err := n.Transact(ctxT(t), []eventstore.AppendRequest{{Stream: "pa", Expected: eventstore.Exact(2),
			Events: events(1)}})
		done2 <- txOutcome{r, err}
	}()
	eventually(t, 10*time.Second, "T2 queued behind T1 on pa", func() bool { return q.count("queued pa") == 2 })
	doneA := make(chan outcome, 1)
	go func() { doneA <- appendOnce(n, "pa", eventstore.Exact(1), 1) }()
	// B goes once the actor has taken A (the setup's append was the first).
	eventually(t, 10*time.Second, "A taken", func() bool { return q.count("append pa") == 2 })
	doneB := make(chan outcome, 1)
	go func() { doneB <- appendOnce(n, "pa", eventstore.Any(), 1) }()

	real := eventstore.Version(1) // pa's version once T1 and T2 failed
	switch how {
	case "store failure":
		fs.failOn(t1[0].Events[0].ID)
	case "conflict on its other stream":
		outside("pb", 1)
	case "another writer moved the head":
		outside("pa", 2)
		real = 3
	}
	fs.open()

	o1 := <-done1
	var ce *eventstore.ConcurrencyError
	switch how {
	case "store failure":
		if !errors.Is(o1.err, errInjected) {
			t.Fatalf("T1: %v", o1.err)
		}
	case "conflict on its other stream":
		if !errors.As(o1.err, &ce) || ce.Stream != "pb" {
			t.Fatalf("T1: %v", o1.err)
		}
	default:
		if !errors.As(o1.err, &ce) || ce.Stream != "pa" || ce.Actual != 3 {
			t.Fatalf("T1: %v", o1.err)
		}
	}
	o2 := <-done2
	if !errors.As(o2.err, &ce) || ce.Stream != "pa" || ce.Actual != real {
		t.Fatalf("T2 (exact 2 behind the failed T1) = %+v, %v; want a conflict at %d", o2.res, o2.err, real)
	}
	a, b := <-doneA, <-doneB
	next := real + 1 // B's version
	if real == 1 {   // exact 1 holds on pa's real version: A commits
		if a.err != nil || a.res.FirstVersion != 2 {
			t.Fatalf("A (exact 1) = %+v, %v; want version 2", a.res, a.err)
		}
		next++
	} else if !errors.As(a.err, &ce) || ce.Actual != real {
		t.Fatalf("A (exact 1) = %+v, %v; want a conflict at %d", a.res, a.err, real)
	}
	if b.err != nil || b.res.FirstVersion != next {
		t.Fatalf("B (any, after A) = %+v, %v; want version %d", b.res, b.err, next)
	}
	evs := checkContiguous(t, store, "pa")
	for _, o := range []outcome{a, b} {
		for _, id := range o.ids {
			if _, stored := evs[id]; stored != (o.err == nil) {
				t.Fatalf("event %s stored: %v, append error: %v", id, stored, o.err)
			}
		}
	}
	for _, r := range t1 {
		for _, e := range r.Events {
			if _, stored := evs[e.ID]; stored {
				t.Fatal("an event of the failed T1 is stored")
			}
		}
	}
	// The actor's head is right: an exact append on it commits.
	head := eventstore.Version(len(evs))
	if r := mustAppend(t, n, "pa", eventstore.Exact(head), events(1)); r.FirstVersion != head+1 {
		t.Fatalf("after: %+v", r)
	}
}
