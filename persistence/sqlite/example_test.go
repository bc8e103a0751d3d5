package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "actorstore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "events.db")})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	res, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{
		Stream:   "order-1",
		Expected: eventstore.NoStream(),
		Events: []eventstore.EventData{
			{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"total":42}`)},
			{ID: uuid.New(), Type: "OrderPaid", Data: []byte(`{}`)},
		},
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println("versions", res[0].FirstVersion, "to", res[0].LastVersion)

	// The same expectation again fails: the stream exists now.
	res, _ = st.AppendBatch(ctx, []eventstore.AppendRequest{{
		Stream: "order-1", Expected: eventstore.NoStream(),
		Events: []eventstore.EventData{{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{}`)}},
	}})
	fmt.Println(res[0].Err)

	events, err := st.ReadStream(ctx, eventstore.StreamRead{Stream: "order-1", Limit: 10})
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Version, e.Position, e.Type, string(e.Data))
	}
	// Output:
	// versions 1 to 2
	// stream "order-1": wrong expected version: expected no-stream, actual 2
	// 1 1 OrderPlaced {"total":42}
	// 2 2 OrderPaid {}
}
