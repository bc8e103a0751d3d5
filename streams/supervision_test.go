package streams

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/supervisor"
)

// flakyHeadStore fails the first failures Head calls with a transient error.
type flakyHeadStore struct {
	persistence.Store
	failures atomic.Int32
}

func (f *flakyHeadStore) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	if f.failures.Add(-1) >= 0 {
		return eventstore.StreamHead{}, &eventstore.ConnectionError{Host: "db:5432", Op: "head", Attempts: 5,
			Err: errors.New("connection reset")}
	}
	return f.Store.Head(ctx, stream)
}

// TestTransientLoadFailureRestartsWithBackoff: a stream actor that cannot
// load its head fails with the store's error and is restarted after a
// backoff; the caller waiting meanwhile gets a retryable error, and the
// stream works once the store is back.
func TestTransientLoadFailureRestartsWithBackoff(t *testing.T) {
	store := &flakyHeadStore{Store: newStore(t)}
	store.failures.Store(2)
	n := newNode(t, store, func(c *Config) {
		c.Supervision = supervisor.Policy{Backoff: persistence.RetryPolicy{Base: 5 * time.Millisecond, Cap: 20 * time.Millisecond}}
	})
	_, err := n.Append(ctxT(t), "s", eventstore.NoStream(), events(1))
	if err == nil || !eventstore.IsRetryable(err) {
		t.Fatalf("first append: %v, want a retryable error", err)
	}
	var res eventstore.AppendResult
	eventually(t, 5*time.Second, "the stream to load", func() bool {
		res, err = n.Append(ctxT(t), "s", eventstore.NoStream(), events(1))
		return err == nil
	})
	if res.FirstVersion != 1 || n.Stats().Restarts < 1 {
		t.Fatalf("result %+v, stats %+v", res, n.Stats())
	}
}

// TestBugStopsTheActorAndANewOneTakesOver: a panic with a non-error value
// is a bug; the actor stops (its caller gets a typed error) and the next
// append starts a fresh actor with the right version.
func TestBugStopsTheActorAndANewOneTakesOver(t *testing.T) {
	store := newStore(t)
	var armed atomic.Bool
	n := newNode(t, store, func(c *Config) {
		c.hooks.beforeMessage = func(_ string, msg any, _ bool) {
			if _, ok := msg.(*appendCmd); ok && armed.CompareAndSwap(true, false) {
				panic("a bug") // not an error value
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	armed.Store(true)
	if _, err := n.Append(ctxT(t), "s", eventstore.Exact(1), events(1)); !errors.Is(err, ErrNotWritten) {
		t.Fatalf("err = %v, want ErrNotWritten", err)
	}
	eventually(t, 5*time.Second, "the actor to stop", func() bool { return n.Stats().LiveStreams == 0 })
	if res := mustAppend(t, n, "s", eventstore.Exact(1), events(1)); res.FirstVersion != 2 {
		t.Fatalf("after the stop: %+v", res)
	}
	if got := len(checkContiguous(t, store, "s")); got != 2 {
		t.Fatalf("stored %d events", got)
	}
}
