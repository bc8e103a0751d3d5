package streams

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// holdStore holds the first AppendBatch of more than one request until
// release is closed (entered is closed when it arrives).
type holdStore struct {
	persistence.Store
	once             sync.Once
	entered, release chan struct{}
}

func (g *holdStore) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) (
	[]eventstore.AppendResult, error) {
	if len(reqs) > 1 {
		g.once.Do(func() {
			close(g.entered)
			<-g.release
		})
	}
	return g.Store.AppendBatch(ctx, reqs)
}

// TestOneFlushAnsweredByTheCommitGoroutineKeepsTheOrder: a batch of one
// stream actor's flush is answered, and given to OnCommit, by the commit
// goroutine (ADR 0031), yet still after everything of the batch before
// it, which the writer answers (ADR 0028's order): here a transaction's
// batch whose OnCommit is slow, and behind it an append of one event,
// committed while that OnCommit still runs. OnCommit is never called
// twice at once and sees the positions in order, and both callers get
// their answers.
func TestOneFlushAnsweredByTheCommitGoroutineKeepsTheOrder(t *testing.T) {
	gate := &holdStore{Store: newStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	var (
		mu      sync.Mutex
		got     []eventstore.RecordedEvent
		inHook  atomic.Int32
		overlap atomic.Bool
	)
	n := newNode(t, gate, func(c *Config) {
		c.OnCommit = func(evs []eventstore.RecordedEvent) {
			if inHook.Add(1) > 1 {
				overlap.Store(true)
			}
			defer inHook.Add(-1)
			if len(evs) > 1 { // the transaction's: long enough for the next commit to finish
				time.Sleep(100 * time.Millisecond)
			}
			mu.Lock()
			got = append(got, evs...)
			mu.Unlock()
		}
	})
	txErr := make(chan error, 1)
	go func() {
		_, err := n.Transact(ctxT(t), txReqs(map[string]eventstore.ExpectedVersion{}, "tx-a", "tx-b"))
		txErr <- err
	}()
	<-gate.entered // the transaction is the batch in flight
	appErr := make(chan error, 1)
	go func() {
		_, err := n.Append(ctxT(t), "single", eventstore.NoStream(), events(1))
		appErr <- err
	}()
	time.Sleep(100 * time.Millisecond) // the append's flush reaches the writer's queue (no assertion on time)
	close(gate.release)
	if err := <-txErr; err != nil {
		t.Fatalf("transaction: %v", err)
	}
	if err := <-appErr; err != nil {
		t.Fatalf("append: %v", err)
	}
	seen := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	eventually(t, 5*time.Second, "OnCommit to see the 4 events", func() bool { return seen() >= 4 })
	mu.Lock()
	defer mu.Unlock()
	if overlap.Load() {
		t.Error("OnCommit was called for the next batch while the previous batch's call ran")
	}
	for i, e := range got {
		if e.Position != eventstore.Position(i+1) {
			t.Fatalf("OnCommit saw position %d as its event %d, want %d (in order): %+v", e.Position, i, i+1, got)
		}
	}
	if got[3].Stream != "single" {
		t.Errorf("the last event OnCommit saw is of %q, want the append's", got[3].Stream)
	}
}
