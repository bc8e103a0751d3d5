package tests

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
)

// TestPeerRetriesAppendNotWritten: a peer (client.Dial to a real
// `actorstore serve` on PostgreSQL) whose append fails because the stream
// actor could not load its stream (streams.ErrNotWritten: nothing was
// written) gets a retryable error of code UNAVAILABLE, as an embedded
// caller does, retries the same append with the same event IDs once the
// database is back, and succeeds with the event stored once.
//
// The fault: the table of stream heads is renamed away, so the new stream
// actor's load fails; it is renamed back after the peer got its error.
func TestPeerRetriesAppendNotWritten(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	node := startNode(t, buildNode(t), url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: node.addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(ctx, `ALTER TABLE streams RENAME TO streams_away`); err != nil {
		t.Fatal(err)
	}

	evs := []eventstore.EventData{{ID: uuid.New(), Type: "Retried", Data: []byte(`{}`)}}
	_, err = c.Append(ctx, "retry-1", eventstore.NoStream(), evs...)
	if err == nil {
		t.Fatal("append succeeded without the stream heads table")
	}
	if code := eventstore.CodeOf(err); code != eventstore.CodeUnavailable || !eventstore.IsRetryable(err) ||
		!strings.Contains(err.Error(), "before the append was written") {
		t.Fatalf("peer got %T %v (code %v, retryable %v), want the retryable not-written error",
			err, err, code, eventstore.IsRetryable(err))
	}
	if _, err := db.Exec(ctx, `ALTER TABLE streams_away RENAME TO streams`); err != nil {
		t.Fatal(err)
	}

	// What a peer does with a retryable error: the same append again, with
	// backoff, while the error stays retryable (the actor may still be
	// restarting after its failed load).
	policy := persistence.RetryPolicy{MaxAttempts: 100, Base: 20 * time.Millisecond, Cap: 500 * time.Millisecond}
	res, attempts, err := persistence.Retry(ctx, policy, eventstore.IsRetryable,
		func(ctx context.Context) (eventstore.AppendResult, error) {
			return c.Append(ctx, "retry-1", eventstore.NoStream(), evs...)
		})
	if err != nil {
		t.Fatalf("retry after %d attempt(s): %v", attempts, err)
	}
	if res.FirstVersion != 1 || res.LastVersion != 1 {
		t.Fatalf("retried append: %+v", res)
	}
	stored, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: "retry-1", Limit: 10})
	if err != nil || len(stored) != 1 || stored[0].ID != evs[0].ID {
		t.Fatalf("stored %+v, %v; want the one event once", stored, err)
	}
}
