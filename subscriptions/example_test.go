package subscriptions_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/subscriptions"
)

// ExampleHub_Subscribe subscribes a handler to one category of streams.
// The node's writer would call hub.Publish from its OnCommit hook; here
// the events are appended before subscribing, so they come from the store.
func ExampleHub_Subscribe() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, _ := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "events.db")})
	defer store.Close()
	sys, _ := actors.NewSystem(actors.Config{})
	defer sys.Shutdown()
	hub, _ := subscriptions.NewHub(ctx, sys, store, subscriptions.Config{})
	defer hub.Close()

	for _, stream := range []string{"order-1", "invoice-1", "order-2"} {
		_, _ = store.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any(),
			Events: []eventstore.EventData{{ID: uuid.New(), Type: "created", Data: []byte(`{}`)}}}})
	}
	seen := make(chan string, 2)
	sub, _ := hub.Subscribe(ctx, subscriptions.HandlerOptions{
		Options: subscriptions.Options{Filter: eventstore.CategoryFilter("order")},
	}, func(_ context.Context, e eventstore.RecordedEvent) error {
		seen <- fmt.Sprintf("%s@%d (position %d)", e.Stream, e.Version, e.Position)
		return nil
	})
	defer sub.Close()
	fmt.Println(<-seen)
	fmt.Println(<-seen)
	// Output:
	// order-1@1 (position 1)
	// order-2@1 (position 3)
}
