// Command peer is a program in its own process that uses a running node:
// its client (an actor system with its own remote endpoint) sends protobuf
// requests to the node's API actor, and gets typed errors back.
//
//	actorstore serve &                       # a node on 127.0.0.1:4150
//	go run ./examples/peer [-node host:port]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

func main() {
	node := flag.String("node", client.DefaultNodeAddress, "host:port of the node")
	flag.Parse()
	if err := run(*node); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(node string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: node})
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("node %s (%s store)\n", st.GetAddress(), st.GetStoreKind())
	stream := "peer-" + uuid.NewString()[:8]
	if err := appendTwice(ctx, c, stream); err != nil {
		return err
	}
	evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: stream, Limit: 10})
	if err != nil {
		return err
	}
	for _, e := range evs {
		fmt.Printf("read %s@%d %s %s\n", e.Stream, e.Version, e.Type, e.Data)
	}
	return nil
}

func appendTwice(ctx context.Context, c *client.Client, stream string) error {
	ev := func(typ string) eventstore.EventData {
		return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"from":"peer"}`)}
	}
	res, err := c.Append(ctx, stream, eventstore.NoStream(), ev("Hello"))
	if err != nil {
		return err
	}
	fmt.Printf("appended version %d at position %d\n", res.LastVersion, res.LastPosition)
	_, err = c.Append(ctx, stream, eventstore.NoStream(), ev("Hello"))
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		return fmt.Errorf("want a *eventstore.ConcurrencyError from the node, got %v", err)
	}
	fmt.Printf("typed error from the node: expected %s, actual %d\n", ce.Expected, ce.Actual)
	_, err = c.Append(ctx, stream, eventstore.Exact(ce.Actual), ev("Again"))
	return err
}
