package actorstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
)

// openExample opens an embedded store in a temporary directory.
func openExample() (*actorstore.Store, func()) {
	dir, err := os.MkdirTemp("", "actorstore-example")
	if err != nil {
		log.Fatal(err)
	}
	st, err := actorstore.Open(context.Background(), actorstore.Config{DataDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	return st, func() {
		st.Close(context.Background())
		os.RemoveAll(dir)
	}
}

func event(typ, data string) actorstore.EventData {
	return actorstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(data)}
}

func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "actorstore-example")
	defer os.RemoveAll(dir)

	// The zero Config runs on the embedded store in ./data; here a temp dir.
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close(ctx)
	res, _ := st.Append(ctx, "greeting-1", actorstore.NoStream(), event("Said", `{"text":"hello"}`))
	fmt.Println("stream version:", res.LastVersion)
	// Output: stream version: 1
}

func ExampleStore_Append() {
	st, done := openExample()
	defer done()
	ctx := context.Background()

	res, err := st.Append(ctx, "order-1", actorstore.NoStream(),
		event("OrderPlaced", `{"total":42}`), event("OrderPaid", `{}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("versions", res.FirstVersion, "to", res.LastVersion)

	// A stale expectation is answered with a typed error, and writes nothing.
	_, err = st.Append(ctx, "order-1", actorstore.Exact(1), event("OrderShipped", `{}`))
	var ce *actorstore.ConcurrencyError
	if errors.As(err, &ce) {
		fmt.Println("conflict: expected", ce.Expected, "actual", ce.Actual)
	}
	// Output:
	// versions 1 to 2
	// conflict: expected 1 actual 2
}

func ExampleStore_ReadStream() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	st.Append(ctx, "cart-7", actorstore.Any(), event("ItemAdded", `"apple"`), event("ItemAdded", `"pear"`))

	evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "cart-7", From: actorstore.End,
		Direction: actorstore.Backward, Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range evs {
		fmt.Println(e.Version, e.Type, string(e.Data))
	}
	// Output:
	// 2 ItemAdded "pear"
	// 1 ItemAdded "apple"
}

func ExampleStore_ReadAll() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	st.Append(ctx, "order-1", actorstore.Any(), event("OrderPlaced", `{}`))
	st.Append(ctx, "user-1", actorstore.Any(), event("UserJoined", `{}`))
	st.Append(ctx, "order-2", actorstore.Any(), event("OrderPlaced", `{}`))

	evs, err := st.ReadAll(ctx, actorstore.AllRead{From: 0, Limit: 100,
		Filter: actorstore.CategoryFilter("order")})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range evs {
		fmt.Println(e.Position, e.Stream, e.Type)
	}
	// Output:
	// 1 order-1 OrderPlaced
	// 3 order-2 OrderPlaced
}

func ExampleStore_Transact() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	st.Append(ctx, "account-a", actorstore.NoStream(), event("Opened", `{"balance":100}`))

	// Move money: both streams change, or neither does.
	_, err := st.Transact(ctx,
		actorstore.AppendRequest{Stream: "account-a", Expected: actorstore.Exact(1),
			Events: []actorstore.EventData{event("Debited", `{"amount":30}`)}},
		actorstore.AppendRequest{Stream: "account-b", Expected: actorstore.NoStream(),
			Events: []actorstore.EventData{event("Credited", `{"amount":30}`)}},
	)
	fmt.Println("transfer:", err)

	// The same transfer again fails on account-a's expectation; account-c
	// stays untouched.
	_, err = st.Transact(ctx,
		actorstore.AppendRequest{Stream: "account-a", Expected: actorstore.Exact(1),
			Events: []actorstore.EventData{event("Debited", `{"amount":30}`)}},
		actorstore.AppendRequest{Stream: "account-c", Expected: actorstore.NoStream(),
			Events: []actorstore.EventData{event("Credited", `{"amount":30}`)}},
	)
	fmt.Println("conflict:", errors.Is(err, actorstore.ErrConcurrency))
	_, err = st.ReadStream(ctx, actorstore.StreamRead{Stream: "account-c", Limit: 1})
	fmt.Println("account-c written:", !errors.Is(err, actorstore.ErrStreamNotFound))
	// Output:
	// transfer: <nil>
	// conflict: true
	// account-c written: false
}

func ExampleStore_Subscribe() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	st.Append(ctx, "order-1", actorstore.Any(), event("OrderPlaced", `{}`))

	seen := make(chan actorstore.RecordedEvent)
	sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{}, func(_ context.Context, e actorstore.RecordedEvent) error {
		seen <- e
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()
	st.Append(ctx, "order-2", actorstore.Any(), event("OrderPlaced", `{}`))
	for i := 0; i < 2; i++ { // the stored event first, then the live one
		e := <-seen
		fmt.Println(e.Position, e.Stream)
	}
	// Output:
	// 1 order-1
	// 2 order-2
}
