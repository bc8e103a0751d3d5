package streams

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Tests of merged units (ADR 0028): transactions and flushes of one stream
// whose exact expectations chain go into one batch as one request of that
// stream, tied into one group; a merged batch that fails is committed
// again unit by unit, and a transaction whose expectation was made exact
// from its grant goes again with its caller's own.

// batchLog records, for every AppendBatch call, the events per stream of
// its requests.
type batchLog struct {
	persistence.Store
	mu    sync.Mutex
	calls []map[string]int
}

func (l *batchLog) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	call := make(map[string]int, len(reqs))
	for i := range reqs {
		call[reqs[i].Stream] += len(reqs[i].Events)
	}
	l.mu.Lock()
	l.calls = append(l.calls, call)
	l.mu.Unlock()
	return l.Store.AppendBatch(ctx, reqs)
}

// withStream returns the calls that held stream, as events of it per call.
func (l *batchLog) withStream(stream string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for _, c := range l.calls {
		if k, ok := c[stream]; ok {
			out = append(out, k)
		}
	}
	return out
}

// pipeOnM holds the writer in a commit of stream z, then pipes the given
// transactions one after the other on stream m (each waits until the
// writer queued the one before), and opens the store: their outcomes.
func pipeOnM(t *testing.T, fs *faultStore, q *seenBy, n *Runtime, txs [][]eventstore.AppendRequest,
	before func()) []txOutcome {
	fs.close()
	done0 := make(chan error, 1)
	go func() {
		_, err := n.Append(ctxT(t), "z", eventstore.Any(), events(1))
		done0 <- err
	}()
	<-fs.entered // z's flush is being committed, held at the gate
	outs := make([]chan txOutcome, len(txs))
	queued := q.count("queued m")
	for i, reqs := range txs {
		outs[i] = make(chan txOutcome, 1)
		go func() { r, err := n.Transact(ctxT(t), reqs); outs[i] <- txOutcome{r, err} }()
		eventually(t, 10*time.Second, "transaction queued on m", func() bool { return q.count("queued m") == queued+i+1 })
	}
	if before != nil {
		before()
	}
	fs.open()
	if err := <-done0; err != nil {
		t.Fatal(err)
	}
	res := make([]txOutcome, len(txs))
	for i := range outs {
		res[i] = <-outs[i]
	}
	return res
}

// TestChainedTransactionsCommitInOneBatch queues four transactions of
// stream m behind each other (two with exact expectations, two with any;
// each also writes a stream of its own) while the writer commits: they go
// to the store in one batch, as one request of m, and each commits at its
// own versions and positions, in queue order, as if alone.
func TestChainedTransactionsCommitInOneBatch(t *testing.T) {
	store := newStore(t)
	fs := newFaultStore(store)
	log := &batchLog{Store: fs}
	var q seenBy
	n := newNode(t, log, q.hook)
	mustAppend(t, n, "m", eventstore.NoStream(), events(1))
	var txs [][]eventstore.AppendRequest
	for i := range 4 {
		exp := eventstore.Any()
		if i%2 == 0 {
			exp = eventstore.Exact(eventstore.Version(i + 1))
		}
		txs = append(txs, []eventstore.AppendRequest{{Stream: "m", Expected: exp, Events: events(1)},
			{Stream: "own" + string(rune('a'+i)), Expected: eventstore.NoStream(), Events: events(2)}})
	}
	outs := pipeOnM(t, fs, &q, n, txs, nil)
	evs := checkContiguous(t, store, "m")
	var lastPos eventstore.Position
	for i, o := range outs {
		if o.err != nil {
			t.Fatalf("transaction %d: %v", i, o.err)
		}
		r := o.res[0]
		if r.FirstVersion != eventstore.Version(i+2) || r.LastVersion != r.FirstVersion {
			t.Fatalf("transaction %d on m: %+v, want version %d", i, r, i+2)
		}
		if r.FirstPosition <= lastPos {
			t.Fatalf("transaction %d on m at position %d, after %d", i, r.FirstPosition, lastPos)
		}
		lastPos = r.FirstPosition
		stored := evs[txs[i][0].Events[0].ID]
		if stored.Version != r.FirstVersion || stored.Position != r.FirstPosition {
			t.Fatalf("transaction %d: stored at %d/%d, answered %+v", i, stored.Version, stored.Position, r)
		}
		own := checkContiguous(t, store, txs[i][1].Stream)
		if e := own[txs[i][1].Events[1].ID]; e.Version != 2 || e.Position != o.res[1].LastPosition {
			t.Fatalf("transaction %d's own stream: %+v, answered %+v", i, e, o.res[1])
		}
	}
	if calls := log.withStream("m"); len(calls) != 2 || calls[1] != 4 {
		t.Fatalf("m went to the store in calls of %v events; want [1 4] (the four transactions merged)", calls)
	}
}

// TestFailedMergedBatchLeavesEachTransactionRight merges four transactions
// of stream m into one batch: T1 (exact 1 on m, exact 1 on pb), T2 (any,
// and a new stream q),
// T3 (exact 3: it relies on T1 and T2) and T4 (any). Another writer moves
// pb first, so T1 fails; nothing of the merged group may be written, and
// each transaction is answered as if committed alone in order: T1 a
// conflict on pb, T2 committed at 2, T3 a conflict at 2, T4 at 3.
func TestFailedMergedBatchLeavesEachTransactionRight(t *testing.T) {
	store := newStore(t)
	fs := newFaultStore(store)
	log := &batchLog{Store: fs}
	var q seenBy
	n := newNode(t, log, q.hook)
	mustAppend(t, n, "m", eventstore.NoStream(), events(1))
	mustAppend(t, n, "pb", eventstore.NoStream(), events(1))
	txs := [][]eventstore.AppendRequest{
		{{Stream: "m", Expected: eventstore.Exact(1), Events: events(1)}, {Stream: "pb", Expected: eventstore.Exact(1), Events: events(1)}},
		{{Stream: "m", Expected: eventstore.Any(), Events: events(1)}, {Stream: "q", Expected: eventstore.NoStream(), Events: events(1)}},
		{{Stream: "m", Expected: eventstore.Exact(3), Events: events(1)}},
		{{Stream: "m", Expected: eventstore.Any(), Events: events(1)}},
	}
	outs := pipeOnM(t, fs, &q, n, txs, func() {
		rs, err := store.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: "pb", Expected: eventstore.Any(), Events: events(1)}})
		if err != nil || rs[0].Err != nil {
			t.Fatal(err, rs)
		}
	})
	if calls := log.withStream("m"); len(calls) < 2 || calls[1] != 4 {
		t.Fatalf("m went to the store in calls of %v events; want the four merged in the second", calls)
	}
	var ce *eventstore.ConcurrencyError
	if !errors.As(outs[0].err, &ce) || ce.Stream != "pb" || ce.Actual != 2 {
		t.Fatalf("T1: %+v, %v; want a conflict on pb at 2", outs[0].res, outs[0].err)
	}
	if outs[1].err != nil || outs[1].res[0].FirstVersion != 2 || outs[1].res[1].FirstVersion != 1 || outs[1].res[1].Idempotent {
		t.Fatalf("T2 (any on m, no stream on q): %+v, %v; want version 2 on m, 1 on q", outs[1].res, outs[1].err)
	}
	if q := checkContiguous(t, store, "q"); len(q) != 1 || q[txs[1][1].Events[0].ID].Position != outs[1].res[1].FirstPosition {
		t.Fatalf("q holds %v, T2 answered %+v", q, outs[1].res[1])
	}
	if !errors.As(outs[2].err, &ce) || ce.Stream != "m" || ce.Actual != 2 {
		t.Fatalf("T3 (exact 3): %+v, %v; want a conflict on m at 2", outs[2].res, outs[2].err)
	}
	if outs[3].err != nil || outs[3].res[0].FirstVersion != 3 {
		t.Fatalf("T4 (any): %+v, %v; want version 3", outs[3].res, outs[3].err)
	}
	evs := checkContiguous(t, store, "m")
	if len(evs) != 3 {
		t.Fatalf("m holds %d events, want 3", len(evs))
	}
	for _, i := range []int{0, 2} {
		if _, stored := evs[txs[i][0].Events[0].ID]; stored {
			t.Fatalf("an event of the failed T%d is stored", i+1)
		}
	}
	if r := mustAppend(t, n, "m", eventstore.Exact(3), events(1)); r.FirstVersion != 4 {
		t.Fatalf("after: %+v", r)
	}
}

// mergeSpy counts the requests of a group with more than one event: in
// TestMergedBatchesAreLinearizable a transaction appends one event per
// stream, so such a request is a merge of several units (a flush of
// several appends has no group unless merged).
type mergeSpy struct {
	slowAck
	mu     sync.Mutex
	merged int
}

func (m *mergeSpy) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	for i := range reqs {
		if reqs[i].Group != 0 && len(reqs[i].Events) > 1 {
			m.mu.Lock()
			m.merged++
			m.mu.Unlock()
		}
	}
	return m.slowAck.AppendBatch(ctx, reqs)
}

// TestMergedBatchesAreLinearizable is TestTransactionsAndAppendsAreLinearizable
// with more transactions (most of them with any version) and a slower
// store, so that transactions and
// flushes of one stream queue behind each other and are merged (the test
// checks that some were): the history of transactions, appends and reads
// with all kinds of expectations is linearizable against the model of two
// versioned streams.
func TestMergedBatchesAreLinearizable(t *testing.T) {
	spy := &mergeSpy{slowAck: slowAck{newStore(t), 5 * time.Millisecond}}
	n := newNode(t, spy, func(c *Config) { c.CacheBytes = 1 << 10 })
	checkTxHistory(t, n, 12, 30, func(i int, in *txInput) {
		if in.op == 'r' && i%2 == 0 {
			in.op = 't'
		}
		if in.op == 't' && i%3 != 0 { // most of them go through: chains form
			in.exp = [2]eventstore.ExpectedVersion{eventstore.Any(), eventstore.Any()}
		}
	})
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if spy.merged == 0 {
		t.Fatal("no request was merged: the test tested nothing")
	}
	t.Logf("%d merged requests", spy.merged)
}
