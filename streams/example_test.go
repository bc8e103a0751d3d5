package streams_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/streams"
)

func ExampleRuntime() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "streams-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "events.db")})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	rt, err := streams.New(ctx, streams.Config{Store: store})
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)

	placed := eventstore.EventData{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"total":42}`)}
	res, err := rt.Append(ctx, "order-1", eventstore.NoStream(), []eventstore.EventData{placed})
	fmt.Println(res.LastVersion, err)

	_, err = rt.Append(ctx, "order-1", eventstore.NoStream(), []eventstore.EventData{
		{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{}`)}})
	fmt.Println(err)

	evs, _ := rt.ReadStream(ctx, eventstore.StreamRead{Stream: "order-1", Limit: 10})
	fmt.Println(len(evs), evs[0].Type)
	// Output:
	// 1 <nil>
	// stream "order-1": wrong expected version: expected no-stream, actual 1
	// 1 OrderPlaced
}
