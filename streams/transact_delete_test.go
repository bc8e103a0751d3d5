package streams

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestReleaseDropsAReservationWaitingBehindADelete: a transaction whose
// reservation waits behind a delete (the delete waits for the transaction
// holding the stream) times out; its release must drop that reservation,
// or once the delete is done the stream is granted to the ended
// transaction and held for good (later appends never complete).
func TestReleaseDropsAReservationWaitingBehindADelete(t *testing.T) {
	arrived := make(chan struct{}, 1)
	n := newNode(t, newStore(t), func(c *Config) {
		c.hooks.beforeMessage = func(stream string, msg any, _ bool) {
			if _, ok := msg.(*deleteCmd); ok {
				arrived <- struct{}{}
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	// Transaction A holds s.
	txA := []eventstore.AppendRequest{{Stream: "s", Expected: eventstore.Any(), Events: events(1)}}
	if _, _, err := n.reserve(ctxT(t), 9001, txA, []int{0}); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() {
		_, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "s", Expected: eventstore.Any()})
		deleted <- err
	}()
	<-arrived // the delete waits for A; what comes next waits behind it
	ctx, cancel := context.WithTimeout(ctxT(t), 200*time.Millisecond)
	defer cancel()
	_, err := n.Transact(ctx, []eventstore.AppendRequest{{Stream: "s", Expected: eventstore.Any(), Events: events(1)}})
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || te.Op != "transact" {
		t.Fatalf("transaction B behind the delete: %v, want a transact timeout", err)
	}
	n.release(9001, txA, []int{0}) // A ends without writing: the delete runs
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	// B ended: s must not be held for it.
	if r := mustAppend(t, n, "s", eventstore.Any(), events(1)); r.FirstVersion != 2 {
		t.Fatalf("append after the delete: %+v", r)
	}
}
