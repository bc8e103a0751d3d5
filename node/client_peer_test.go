package node_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// TestClientPeerGetsTypedErrors: the Go client, in its own process, gets
// the node's concurrency error as the typed error the embedded API gives.
func TestClientPeerGetsTypedErrors(t *testing.T) { runPeer(t, "TestPeerClient") }

func TestPeerClient(t *testing.T) {
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of another test")
	}
	ctx, cancel := context.WithTimeout(eventstore.WithTraceID(context.Background(), "peer-trace"), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev := func() eventstore.EventData {
		return eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}
	}
	if _, err := c.Transact(ctx,
		eventstore.AppendRequest{Stream: "typed-a", Expected: eventstore.NoStream(), Events: []eventstore.EventData{ev()}},
		eventstore.AppendRequest{Stream: "typed-b", Expected: eventstore.NoStream(), Events: []eventstore.EventData{ev(), ev()}},
	); err != nil {
		t.Fatal(err)
	}
	_, err = c.Append(ctx, "typed-b", eventstore.Exact(1), ev())
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v, want *eventstore.ConcurrencyError", err, err)
	}
	if v, _ := ce.Expected.ExactVersion(); ce.Stream != "typed-b" || v != 1 || ce.Actual != 2 || eventstore.TraceIDOf(err) != "peer-trace" {
		t.Fatalf("concurrency error = %+v", ce)
	}
	evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: "typed-b", Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("read = %d events, %v", len(evs), err)
	}
}
