package streams

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
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
// (*txFlush: each is a step of the pipeline), appends, deletes and
// requests to passivate if idle.
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
		case *checkIdle:
			q.n["checkIdle "+stream]++
		case *deleteCmd:
			q.n["delete "+stream]++
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

// txInput is one operation on streams la and lb: a read of one's head, an
// append of one event to one, or a transaction of one event to each.
type txInput struct {
	op     byte // 'r' read, 'a' append, 't' transaction
	stream int  // of a read or an append
	exp    [2]eventstore.ExpectedVersion
}

// txOutput is what the operation returned.
type txOutput struct {
	ok       bool
	version  [2]eventstore.Version // read: the head; append and transaction: the new versions
	conflict bool
	stream   int // named by the conflict
	actual   eventstore.Version
}

var lzStreams = [2]string{"la", "lb"}

// twoStreams models two streams as their versions.
var twoStreams = porcupine.Model{
	Init: func() any { return [2]eventstore.Version{} },
	Step: func(state, input, output any) (bool, any) {
		v, in, out := state.([2]eventstore.Version), input.(txInput), output.(txOutput)
		s := in.stream
		switch {
		case in.op == 'r':
			return out.ok && out.version[s] == v[s], v
		case out.conflict:
			return !in.exp[out.stream].Satisfied(v[out.stream]) && out.actual == v[out.stream], v
		case !out.ok:
			return false, v
		case in.op == 'a':
			if !in.exp[s].Satisfied(v[s]) || out.version[s] != v[s]+1 {
				return false, v
			}
			v[s]++
			return true, v
		}
		for i := range v {
			if !in.exp[i].Satisfied(v[i]) || out.version[i] != v[i]+1 {
				return false, v
			}
		}
		return true, [2]eventstore.Version{v[0] + 1, v[1] + 1}
	},
}

// TestTransactionsAndAppendsAreLinearizable records a history of
// concurrent transactions over two streams, appends to either, and reads
// of either head (from the cache, or the whole stream from the store: the
// cache is small), with all kinds of
// expectations, and checks it against the model of two versioned streams:
// a transaction piped behind another or behind a flush checks its
// expectation, commits and is answered as if alone, and no read sees a
// version before it is committed.
func TestTransactionsAndAppendsAreLinearizable(t *testing.T) {
	n := newNode(t, slowAck{newStore(t), time.Millisecond}, func(c *Config) { c.CacheBytes = 1 << 10 })
	checkTxHistory(t, n, 10, 30, nil)
}

// checkTxHistory runs clients that each make ops random operations on
// streams la and lb (randomTxInput, then edit when given) and fails t
// unless the history is linearizable against twoStreams.
func checkTxHistory(t *testing.T, n *Runtime, clients, ops int, edit func(i int, in *txInput)) {
	start := time.Now()
	var (
		mu      sync.Mutex
		history []porcupine.Operation
		wg      sync.WaitGroup
	)
	for cl := 0; cl < clients; cl++ {
		wg.Go(func() {
			var seen [2]eventstore.Version
			for i := 0; i < ops; i++ {
				in := randomTxInput(seen)
				if edit != nil {
					edit(i, &in)
				}
				call := time.Since(start).Nanoseconds()
				out := runTxOp(t, n, in)
				ret := time.Since(start).Nanoseconds()
				for s := range seen {
					seen[s] = max(seen[s], out.version[s])
				}
				if out.conflict {
					seen[out.stream] = max(seen[out.stream], out.actual)
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: cl, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res := porcupine.CheckOperationsTimeout(twoStreams, history, 30*time.Second)
	if res != porcupine.Ok {
		t.Fatalf("history of %d operations is not linearizable (%v)", len(history), res)
	}
}

// slowAck answers each commit a little late, as over a slow network: the
// events are visible in the store before the writer hears of them.
type slowAck struct {
	persistence.Store
	delay time.Duration
}

func (s slowAck) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	res, err := s.Store.AppendBatch(ctx, reqs)
	time.Sleep(s.delay)
	return res, err
}

func randomTxInput(seen [2]eventstore.Version) txInput {
	in := txInput{stream: rand.IntN(2)}
	switch rand.IntN(5) {
	case 0, 1:
		in.op = 'r'
	case 2:
		in.op = 'a'
	default:
		in.op = 't'
	}
	for s := range in.exp {
		in.exp[s] = randomExpectation(seen[s])
	}
	return in
}

func randomExpectation(seen eventstore.Version) eventstore.ExpectedVersion {
	switch rand.IntN(5) {
	case 0:
		return eventstore.Any()
	case 1:
		return eventstore.NoStream()
	case 2:
		return eventstore.StreamExists()
	case 3:
		return eventstore.Exact(seen + 1)
	}
	return eventstore.Exact(seen)
}

func runTxOp(t *testing.T, n *Runtime, in txInput) txOutput {
	var out txOutput
	switch in.op {
	case 'r':
		// The newest event (from the cache) or the whole stream (too old
		// for the small cache: from the store).
		r := eventstore.StreamRead{Stream: lzStreams[in.stream], From: eventstore.End, Direction: eventstore.Backward, Limit: 1}
		if in.exp[0] == eventstore.Any() {
			r = eventstore.StreamRead{Stream: lzStreams[in.stream], From: 1, Limit: 1 << 20}
		}
		evs, err := n.ReadStream(ctxT(t), r)
		if len(evs) > 0 {
			evs = evs[len(evs)-1:]
		}
		switch {
		case errors.Is(err, eventstore.ErrStreamNotFound):
			out.ok = true
		case err != nil:
			t.Errorf("read: %v", err)
		default:
			out.ok = true
			out.version[in.stream] = evs[0].Version
		}
		return out
	case 'a':
		res, err := n.Append(ctxT(t), lzStreams[in.stream], in.exp[in.stream], events(1))
		if err == nil {
			out.ok = true
			out.version[in.stream] = res.LastVersion
			return out
		}
		return txConflict(t, err, "append")
	}
	reqs := []eventstore.AppendRequest{{Stream: "la", Expected: in.exp[0], Events: events(1)},
		{Stream: "lb", Expected: in.exp[1], Events: events(1)}}
	rs, err := n.Transact(ctxT(t), reqs)
	if err != nil {
		return txConflict(t, err, "transaction")
	}
	out.ok = true
	for i := range rs {
		out.version[i] = rs[i].LastVersion
	}
	return out
}

func txConflict(t *testing.T, err error, what string) txOutput {
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v", what, err)
		return txOutput{}
	}
	s := 0
	if ce.Stream == "lb" {
		s = 1
	}
	return txOutput{conflict: true, stream: s, actual: ce.Actual}
}

// TestInterleavedAppendsAndTransactionsStayGapless runs writers that mix
// appends (any version, and exact versions they last saw) with
// transactions over two or three of four streams, so that appends and
// transactions pipeline behind each other on every stream. Every stream's
// versions stay contiguous, every acknowledged event is stored at the
// version and position it was answered with, no event of a failed call is
// stored, and each stream holds exactly the acknowledged events.
func TestInterleavedAppendsAndTransactionsStayGapless(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	const writers, each = 16, 25
	pool := []string{"g0", "g1", "g2", "g3"}
	var (
		mu     sync.Mutex
		out    []outcome
		failed []uuid.UUID
		wg     sync.WaitGroup
	)
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			seen := map[string]eventstore.Version{}
			expect := func(s string) eventstore.ExpectedVersion {
				if rng.IntN(2) == 0 {
					return eventstore.Any()
				}
				return eventstore.Exact(seen[s])
			}
			for range each {
				if rng.IntN(2) == 0 {
					s := pool[rng.IntN(len(pool))]
					o := appendOnce(n, s, expect(s), 1+rng.IntN(2))
					o.seen = seen[s]
					seen[s] = nextKnown(o, seen[s])
					mu.Lock()
					out = append(out, o)
					mu.Unlock()
					continue
				}
				perm := rng.Perm(len(pool))[:2+rng.IntN(2)]
				reqs := make([]eventstore.AppendRequest, len(perm))
				for k, p := range perm {
					reqs[k] = eventstore.AppendRequest{Stream: pool[p], Expected: expect(pool[p]), Events: events(1 + rng.IntN(2))}
				}
				rs, err := n.Transact(ctxBackground(), reqs)
				var ce *eventstore.ConcurrencyError
				mu.Lock()
				switch {
				case err == nil:
					for k, r := range reqs {
						o := outcome{stream: r.Stream, res: rs[k], seen: seen[r.Stream]}
						for _, e := range r.Events {
							o.ids = append(o.ids, e.ID)
						}
						out = append(out, o)
						seen[r.Stream] = rs[k].LastVersion
					}
				case errors.As(err, &ce):
					seen[ce.Stream] = max(seen[ce.Stream], ce.Actual)
					for _, r := range reqs {
						for _, e := range r.Events {
							failed = append(failed, e.ID)
						}
					}
				default:
					t.Errorf("transaction: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	verifyOutcomes(t, store, out)
	for _, s := range pool {
		evs := checkContiguous(t, store, s)
		for _, id := range failed {
			if _, ok := evs[id]; ok {
				t.Fatalf("an event of a failed transaction is stored in %s", s)
			}
		}
	}
}

// TestReadDuringThePipelineNeverSeesLess: while writers commit
// transactions over two streams (each piped behind the one before it, with
// commits acknowledged late to the writer), one client reads a whole
// stream (from the store: the cache is small) and then its newest event
// (from the actor's cache), again and again: the second read must see at
// least what the first saw. A read answered by the actor while a piped
// transaction was committed but not yet acknowledged to it would see less.
func TestReadDuringThePipelineNeverSeesLess(t *testing.T) {
	n := newNode(t, slowAck{newStore(t), 5 * time.Millisecond}, func(c *Config) { c.CacheBytes = 1 << 10 })
	mustAppend(t, n, "rp1", eventstore.NoStream(), events(50)) // more than the cache holds
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				reqs := []eventstore.AppendRequest{{Stream: "rp1", Expected: eventstore.Any(), Events: events(1)},
					{Stream: "rp2", Expected: eventstore.Any(), Events: events(1)}}
				if _, err := n.Transact(ctxT(t), reqs); err != nil {
					t.Errorf("transact: %v", err)
					return
				}
			}
		})
	}
	defer func() { close(done); wg.Wait() }()
	for i := range 100 {
		all, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "rp1", From: 1, Limit: 1 << 20})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		newest, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "rp1", From: eventstore.End,
			Direction: eventstore.Backward, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if v := all[len(all)-1].Version; newest[0].Version < v {
			t.Fatalf("round %d: the newest event is version %d after a read saw %d", i, newest[0].Version, v)
		}
	}
}

// TestDeleteWaitsForThePipedTransactions: two transactions piped on a
// stream (the first in the store, the second queued behind it) are wholly
// before a delete that arrives after them: the delete waits for both
// outcomes, hides their events, and the stream is not passivated while
// they are piped.
func TestDeleteWaitsForThePipedTransactions(t *testing.T) {
	store := newDeleterGate(newStore(t))
	var q seenBy
	n := newNode(t, store, q.hook)
	mustAppend(t, n, "dp", eventstore.NoStream(), events(1))
	store.close()
	txs := make(chan txOutcome, 2)
	tx := func() {
		r, err := n.Transact(ctxT(t), []eventstore.AppendRequest{{Stream: "dp", Expected: eventstore.Any(), Events: events(1)},
			{Stream: "dq", Expected: eventstore.Any(), Events: events(1)}})
		txs <- txOutcome{r, err}
	}
	go tx()
	<-store.entered // the first is in the store
	go tx()
	eventually(t, 10*time.Second, "the second queued behind the first", func() bool { return q.count("queued dp") == 2 })
	n.PassivateIdle("dp") // not idle: nothing happens
	eventually(t, 10*time.Second, "asked to passivate", func() bool { return q.count("checkIdle dp") == 1 })
	deleted := make(chan eventstore.DeleteResult, 1)
	go func() {
		res, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "dp", Expected: eventstore.Any()})
		if err != nil {
			t.Errorf("Delete: %v", err)
		}
		deleted <- res
	}()
	eventually(t, 10*time.Second, "the delete arrived", func() bool { return q.count("delete dp") == 1 })
	store.open()
	for range 2 {
		if o := <-txs; o.err != nil {
			t.Fatalf("transaction: %v", o.err)
		}
	}
	if res := <-deleted; res.Version != 3 {
		t.Fatalf("delete at version %d, want 3 (after both transactions)", res.Version)
	}
	if _, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "dp", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("read after the delete: %v", err)
	}
	if s := n.Stats(); s.Passivations != 0 {
		t.Fatalf("%d passivations while transactions were piped", s.Passivations)
	}
}

// TestRestartWhilePiped: the stream actor fails while handling the notice
// that a second transaction is queued behind a first (both in the writer);
// the next incarnation loads the head once the writer has answered both,
// so both commit, an exact append continues from them and the versions
// stay gapless.
func TestRestartWhilePiped(t *testing.T) {
	store := newStore(t)
	gate := newGateStore(store)
	var mu sync.Mutex
	queued := 0
	n := newNode(t, gate, func(c *Config) {
		c.hooks.beforeMessage = func(stream string, msg any, _ bool) {
			if _, ok := msg.(*txFlush); !ok || stream != "rs" {
				return
			}
			mu.Lock()
			queued++
			second := queued == 2
			mu.Unlock()
			if second {
				panic(errors.New("injected failure of the stream actor"))
			}
		}
	})
	mustAppend(t, n, "rs", eventstore.NoStream(), events(1))
	gate.close()
	txs := make(chan txOutcome, 2)
	tx := func() {
		r, err := n.Transact(ctxT(t), []eventstore.AppendRequest{{Stream: "rs", Expected: eventstore.Any(), Events: events(1)}})
		txs <- txOutcome{r, err}
	}
	go tx()
	<-gate.entered
	go tx()
	eventually(t, 10*time.Second, "the actor restarted", func() bool { return n.Stats().Restarts == 1 })
	gate.open()
	got := map[eventstore.Version]bool{}
	for range 2 {
		o := <-txs
		if o.err != nil {
			t.Fatalf("transaction: %v", o.err)
		}
		got[o.res[0].FirstVersion] = true
	}
	if !got[2] || !got[3] {
		t.Fatalf("transactions committed at %v, want 2 and 3", got)
	}
	if r := mustAppend(t, n, "rs", eventstore.Exact(3), events(1)); r.FirstVersion != 4 {
		t.Fatalf("after the restart: %+v", r)
	}
	checkContiguous(t, store, "rs")
}

// TestPipelinedBehindACancelledTransaction: the caller of a transaction
// T1 gives up while T1 is being committed (its outcome is unknown to it),
// and T1 does commit; a transaction T2 piped behind it with the exact
// version T1 gives commits on top of it, and a retry of T1 with the same
// event IDs gets T1's original result.
func TestPipelinedBehindACancelledTransaction(t *testing.T) {
	store := newStore(t)
	gate := newGateStore(store)
	var q seenBy
	n := newNode(t, gate, q.hook)
	mustAppend(t, n, "pc", eventstore.NoStream(), events(1))
	gate.close()
	t1 := []eventstore.AppendRequest{{Stream: "pc", Expected: eventstore.Exact(1), Events: events(1)}}
	ctx1, cancel1 := context.WithCancel(ctxT(t))
	done1 := make(chan error, 1)
	go func() { _, err := n.Transact(ctx1, t1); done1 <- err }()
	<-gate.entered
	done2 := make(chan txOutcome, 1)
	go func() {
		r, err := n.Transact(ctxT(t), []eventstore.AppendRequest{{Stream: "pc", Expected: eventstore.Exact(2), Events: events(1)}})
		done2 <- txOutcome{r, err}
	}()
	eventually(t, 10*time.Second, "T2 queued behind T1", func() bool { return q.count("queued pc") == 2 })
	cancel1()
	if err := <-done1; err == nil {
		t.Fatal("T1 returned no error after its caller gave up")
	}
	gate.open()
	o2 := <-done2
	if o2.err != nil || o2.res[0].FirstVersion != 3 {
		t.Fatalf("T2 = %+v, %v; want version 3 on top of T1", o2.res, o2.err)
	}
	retry := t1
	retry[0].Expected = eventstore.Any()
	rs, err := n.Transact(ctxT(t), retry)
	if err != nil || !rs[0].Idempotent || rs[0].FirstVersion != 2 {
		t.Fatalf("retry of T1 = %+v, %v; want its original result at version 2", rs, err)
	}
	checkContiguous(t, store, "pc")
}
