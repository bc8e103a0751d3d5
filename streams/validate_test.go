package streams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// markStore counts the batches that reach the store marked as validated
// by the runtime (persistence.WithValidatedBatch) and those that are not.
type markStore struct {
	persistence.Store
	limits           eventstore.Limits
	marked, unmarked atomic.Int64
}

func (m *markStore) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if persistence.IsValidatedBatch(ctx, reqs, m.limits) {
		m.marked.Add(1)
	} else {
		m.unmarked.Add(1)
	}
	return m.Store.AppendBatch(ctx, reqs)
}

// TestStoreDoesNotValidateAgain: every batch the writer commits (single
// appends, appends of many writers grouped into one batch, several
// appends of one stream in one flush, transactions) reaches the store
// marked as validated, so the backend skips its second check; bad input
// is still refused where it enters, with the same typed error.
func TestStoreDoesNotValidateAgain(t *testing.T) {
	store := &markStore{Store: newStore(t)}
	n := newNode(t, store, nil)
	store.limits = n.sh.cfg.Limits

	mustAppend(t, n, "one", eventstore.NoStream(), events(2))
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for range 5 {
				if _, err := n.Append(ctxT(t), fmt.Sprintf("w-%d", w%8), eventstore.Any(), events(1)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if _, err := n.Transact(ctxT(t), []eventstore.AppendRequest{
		{Stream: "tx-a", Expected: eventstore.NoStream(), Events: events(1)},
		{Stream: "tx-b", Expected: eventstore.NoStream(), Events: events(1)},
	}); err != nil {
		t.Fatal(err)
	}
	bad := events(1)
	bad[0].Type = ""
	_, err := n.Append(ctxT(t), "bad", eventstore.Any(), bad)
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Field != "requests[0].events[0].type" || ie.Stream != "bad" {
		t.Fatalf("bad input: %v, want *InputError naming requests[0].events[0].type", err)
	}
	if store.unmarked.Load() != 0 || store.marked.Load() == 0 {
		t.Fatalf("%d batches marked, %d not: every batch of the runtime should be marked",
			store.marked.Load(), store.unmarked.Load())
	}
}
